#include "conv_gemm.h"

#include <cblas.h>

#include "blas.h"

namespace tf {

void convGemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
              int64_t ldb, float beta, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
              1.0f, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

void convGemm(bool transA, bool transB, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda, const double* B,
              int64_t ldb, double beta, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
              1.0, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

BlasSingleThread::BlasSingleThread() : restore_(blasGetNumThreads()) { blasSetNumThreads(1); }
BlasSingleThread::~BlasSingleThread() { blasSetNumThreads(restore_); }

}  // namespace tf
