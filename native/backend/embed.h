// Embeddings and row-sparse updates (issue 10): lookups, their row-sparse gradients and the
// optimizer steps that touch only the rows a batch used.
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
//
// A table is V rows of D elements, row r at w + r * rowStride (elements contiguous within a
// row). Row indices are int32; the bindings range-check every index before a kernel runs.
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

struct EmbedOps {
  // The first position k with ids[k] outside [0, V) (its value in *bad), or -1.
  int64_t (*findBadId)(const Exec&, const int32_t* ids, int64_t n, int64_t V, int32_t* bad);
  // out[k, :] = row ids[k] of w (out: n x D contiguous).
  void (*lookup)(const Exec&, int dtype, int64_t n, int64_t D, const void* w, int64_t rowStride, const int32_t* ids,
                 void* out);
  // dst[idx[k], :] += alpha * src[k, :] (dst V x D contiguous, src n x D contiguous), skipping
  // rows with idx[k] == skip; scaleByFreq divides each row by the count of idx[k] in idx.
  void (*rowsAdd)(const Exec&, int dtype, int64_t V, int64_t D, void* dst, const int32_t* idx, int64_t n,
                  const void* src, double alpha, int64_t skip, bool scaleByFreq);
  // Sorts idx and sums the rows of equal indices: writes m unique sorted indices and their
  // summed rows (m x D) and returns m.
  int64_t (*coalesce)(const Exec&, int dtype, int64_t n, int64_t D, const int32_t* idx, const void* vals,
                      int32_t* outIdx, void* outVals);
  // torch's embedding_renorm_: each distinct row of ids whose normType-norm exceeds maxNorm is
  // scaled in place by maxNorm / (norm + 1e-7).
  void (*renorm)(const Exec&, int dtype, int64_t D, void* w, int64_t rowStride, const int32_t* ids, int64_t n,
                 double maxNorm, double normType);
  // torch's sparse Adagrad on m distinct rows: sum += g^2; p -= clr * g / (sqrt(sum) + eps).
  void (*adagrad)(const Exec&, int dtype, int64_t m, int64_t D, void* p, void* sum, const int32_t* idx,
                  const void* vals, double clr, double eps);
  // torch's SparseAdam on m distinct rows (lazy: only these rows' moments move).
  void (*adam)(const Exec&, int dtype, int64_t m, int64_t D, void* p, void* m1, void* m2, const int32_t* idx,
               const void* vals, double lr, double beta1, double beta2, double eps, double step);
};

}  // namespace tf
