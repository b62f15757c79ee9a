// Argument types of the sort/select family (sort, topk, nonzero, masked select), shared by
// the backend interface and its implementations.
#pragma once
#include <cstdint>
#include <vector>

namespace tf {

// What each row produces: the first k elements of the row's order.
struct SortSpec {
  int64_t len = 0;      // elements in a row of x
  int64_t xStep = 0;    // x's stride along the row
  int64_t k = 0;        // elements written per row (k == len: a full sort)
  int64_t outStep = 0;  // the outputs' stride along the row
  bool descending = false;
  bool sorted = true;  // false: the k selected elements come in no particular order
};

struct MaskChunks {
  int64_t chunk = 0;           // elements per chunk (the last may be shorter)
  std::vector<int64_t> start;  // first output row of each chunk; one more entry: the total
  int64_t total() const { return start.empty() ? 0 : start.back(); }
};

}  // namespace tf
