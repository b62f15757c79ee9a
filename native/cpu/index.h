// Indexing kernels: gather (tf.gather and take_along_axis share one), scatter-add and
// one-hot. Plain C++ over raw pointers + strided layouts; no napi here.
//
// Index arrays are int32. Every kernel expects its indices to have been validated by
// findBadIndex first (the binding does it before touching any other operand), so the
// kernels themselves only normalise negative indices (python-style, i + dim).
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../core/exec.h"

namespace tf {

// Scans operand k of L (an int32 array) for the first index outside [-dim, dim) (or
// [0, dim) when !allowNegative), in row-major order over L. Returns its position or -1;
// *badValue receives the offending value. L should be coalesced.
int64_t findBadIndex(const Exec& ex, const StridedLayout<1>& L, const int32_t* idx, int64_t dim, bool allowNegative,
                     int32_t* badValue);
int64_t findBadIndex(const Exec& ex, const StridedLayout<3>& L, int k, const int32_t* idx, int64_t dim,
                     bool allowNegative, int32_t* badValue);

// out[p] = x[xoff(p) + norm(idx[ioff(p)]) * axisStride] over L's shape.
// L operands: 0 = out, 1 = x (the axis itself excluded: its dims carry 0 or x's strides),
// 2 = idx. Validated indices only.
void gatherKernel(const Exec& ex, const StridedLayout<3>& L, int dtype, void* out, const void* x, const int32_t* idx,
                  int64_t axisDim, int64_t axisStride);

// out[ooff(p) + norm(idx[ioff(p)]) * axisStride] += src[soff(p)] over L's shape (the index
// shape with the scatter axis LAST, before coalescing). L operands: 0 = out (0 on the
// axis), 1 = idx, 2 = src. rowLen = extent of the axis; work is split on whole rows so
// duplicate indices (which can only collide within a row) never race, and each row
// accumulates in index order (deterministic sums). bool accumulates as logical or.
void scatterAddKernel(const Exec& ex, const StridedLayout<3>& L, int64_t rowLen, int dtype, void* out,
                      const int32_t* idx, const void* src, int64_t axisStride, int64_t axisDim);

// out (contiguous, L.numel * depth elements): row i = offValue everywhere except
// onValue at idx[i]. L = the index layout. Validated indices in [0, depth) only.
void oneHotKernel(const Exec& ex, const StridedLayout<1>& L, int dtype, void* out, const int32_t* idx, int64_t depth,
                  double onValue, double offValue);

}  // namespace tf
