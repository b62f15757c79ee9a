// Batch iteration and matrix operand views shared by the matmul/linalg family (every
// backend takes them; the CPU one walks them on the host).
#pragma once
#include <cstdint>

#include "../core/shape.h"

namespace tf {

// Leading (batch) dims of a batched op over up to NOPS operands; strides in elements,
// 0 on broadcast dims. offsets(b, o) gives each operand's element offset for batch b.
template <int NOPS>
struct BatchIndex {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[NOPS][kMaxDims];
  int64_t count = 1;

  void offsets(int64_t b, int64_t* o) const { flatToOffsets<NOPS>(b, ndim, shape, strides, o); }
};

// One matrix operand: base pointer (element 0 of batch 0) and its row/column strides.
struct MatView {
  const void* data;
  int64_t rs, cs;
};

}  // namespace tf
