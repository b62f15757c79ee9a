// Batched matrix multiply: float32/float64 through OpenBLAS (gemm, gemv or dot by shape),
// int32 through a plain kernel. Shared batch iteration helpers used by linalg too.
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../backend/batch.h"
#include "../core/exec.h"

namespace tf {

// The batch dims shared by two matrix operands (layouts of rank >= 2 whose leading dims
// JS already broadcast to one shape); throws ERR_SHAPE otherwise.
BatchIndex<2> pairBatch(const StridedLayout<1>& La, const StridedLayout<1>& Lb, const char* op);

// out[b] (M x N, contiguous, batches contiguous in row-major batch order) = a[b] (M x K) @ b[b] (K x N).
// batch.strides[0] / [1] are a's / b's batch strides. dtype: kF32, kF64 or kI32.
// Non-BLAS-compatible strides are packed into a scratch copy first; transposed ones use the
// BLAS transpose flag. K == 0 writes zeros.
void matmulKernel(const Exec& ex, int dtype, const BatchIndex<2>& batch, int64_t M, int64_t N, int64_t K,
                  const MatView& a, const MatView& b, void* out);

// Times `iters` calls of cblas_sgemm on n x n float32 matrices allocated here; returns
// seconds per call (a baseline that bypasses tapeflow entirely).
double benchSgemmSeconds(int64_t n, int64_t iters);

}  // namespace tf
