// Dense linear algebra through LAPACK (OpenBLAS): inverse (getrf + getri), determinant
// (getrf: product of U's diagonal, sign from the pivots), solve (gesv). float32/float64,
// batched over leading dims. A singular matrix makes inverse/solve throw ERR_SINGULAR
// naming the zero pivot and the batch index; det returns 0 for it.
#pragma once
#include <cstdint>

#include "../core/exec.h"
#include "matmul.h"

namespace tf {

// out (contiguous, batch-major) = inverse of each n x n matrix x[b].
void inverseKernel(const Exec& ex, int dtype, const BatchIndex<1>& batch, int64_t n, const MatView& x, void* out);
// out[b] = det(x[b]).
void detKernel(const Exec& ex, int dtype, const BatchIndex<1>& batch, int64_t n, const MatView& x, void* out);
// out[b] (n x k, contiguous) solves a[b] @ out[b] = rhs[b]; batch.strides[0] / [1] for a / rhs.
void solveKernel(const Exec& ex, int dtype, const BatchIndex<2>& batch, int64_t n, int64_t k, const MatView& a,
                 const MatView& rhs, void* out);

}  // namespace tf
