// The one GEMM call of the convolution kernels: C (M x N) = op(A) op(B) + beta C, row-major,
// op(A) M x K, op(B) K x N. Every im2col / 1x1 product of conv.cc goes through here, so our own
// float32 runs on our own AVX-512/AVX2 sgemm (native/cpu/gemm/), float64 on OpenBLAS.
// Callers keep every size and leading dimension <= INT_MAX (checked by the binding).
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

// ex: null from inside a pool job (the calling thread alone), else the pool float32 may thread
// the product over (float64's OpenBLAS threads as configured by the caller).
void convGemm(const Exec* ex, bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void convGemm(const Exec* ex, bool transA, bool transB, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B,
              int64_t ldb, double beta, double* C, int64_t ldc);

// While alive, OpenBLAS runs each call on its calling thread (the conv kernels then spread
// samples over our pool instead); the previous count comes back even if a kernel throws.
class BlasSingleThread {
 public:
  BlasSingleThread();
  ~BlasSingleThread();
  BlasSingleThread(const BlasSingleThread&) = delete;
  BlasSingleThread& operator=(const BlasSingleThread&) = delete;

 private:
  int restore_;
};

}  // namespace tf
