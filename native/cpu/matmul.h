// Batched matrix multiply: float32/float64 through OpenBLAS (gemm, gemv or dot by shape),
// int32 through a plain kernel. Shared batch iteration helpers used by linalg too.
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../core/threadpool.h"

namespace tf {

// Leading (batch) dims of a batched op over up to NOPS operands; strides in elements,
// 0 on broadcast dims. offsets(b, o) gives each operand's element offset for batch b.
template <int NOPS>
struct BatchIndex {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[NOPS][kMaxDims];
  int64_t count = 1;

  void offsets(int64_t b, int64_t* o) const {
    for (int k = 0; k < NOPS; k++) o[k] = 0;
    for (int d = ndim - 1; d >= 0 && b > 0; d--) {
      int64_t i = b % shape[d];
      b /= shape[d];
      for (int k = 0; k < NOPS; k++) o[k] += i * strides[k][d];
    }
  }
};

// The batch dims shared by two matrix operands (layouts of rank >= 2 whose leading dims
// JS already broadcast to one shape); throws ERR_SHAPE otherwise.
BatchIndex<2> pairBatch(const StridedLayout<1>& La, const StridedLayout<1>& Lb, const char* op);

// One matrix operand: base pointer (element 0 of batch 0) and its row/column strides.
struct MatView {
  const void* data;
  int64_t rs, cs;
};

// out[b] (M x N, contiguous, batches contiguous in row-major batch order) = a[b] (M x K) @ b[b] (K x N).
// batch.strides[0] / [1] are a's / b's batch strides. dtype: kF32, kF64 or kI32.
// Non-BLAS-compatible strides are packed into a scratch copy first; transposed ones use the
// BLAS transpose flag. K == 0 writes zeros.
void matmulKernel(ThreadPool& pool, int dtype, const BatchIndex<2>& batch, int64_t M, int64_t N, int64_t K,
                  const MatView& a, const MatView& b, void* out);

// Times `iters` calls of cblas_sgemm on n x n float32 matrices allocated here; returns
// seconds per call (a baseline that bypasses tapeflow entirely).
double benchSgemmSeconds(int64_t n, int64_t iters);

}  // namespace tf
