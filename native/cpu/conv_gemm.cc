#include "conv_gemm.h"

#include <cblas.h>

#include "blas.h"
#include "gemm/gemm.h"

namespace tf {

void convGemm(const Exec* ex, bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
              const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (ex) return sgemm(*ex, transA, transB, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
  sgemmSerial(transA, transB, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
}

void convGemm(const Exec*, bool transA, bool transB, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B,
              int64_t ldb, double beta, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
              1.0, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

BlasSingleThread::BlasSingleThread() : restore_(blasGetNumThreads()) { blasSetNumThreads(1); }
BlasSingleThread::~BlasSingleThread() { blasSetNumThreads(restore_); }

}  // namespace tf
