// The GEMMs of the recurrent kernels (cpu/rnn.cc): float32 through our own sgemm (native/cpu/gemm/,
// with the recurrent weight packed once per call for the T per-step products), float64 through
// OpenBLAS's dgemm. Row-major, BLAS semantics (gemm.h). Callers keep sizes <= INT_MAX (binding).
#pragma once
#include <cblas.h>

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "../core/error.h"
#include "gemm/gemm.h"

namespace tf::rnn {

// A 64-byte aligned scratch buffer of n elements (the gemm packing needs the alignment).
template <typename T>
class Scratch {
 public:
  explicit Scratch(int64_t n) {
    const size_t bytes = ((size_t)(n > 0 ? n : 1) * sizeof(T) + 63) / 64 * 64;
    p_.reset(static_cast<T*>(std::aligned_alloc(64, bytes)));
    if (!p_) fail("ERR_OUT_OF_MEMORY", "rnn: could not allocate " + std::to_string(bytes) + " bytes of scratch");
  }
  T* get() const { return p_.get(); }

 private:
  struct Free {
    void operator()(T* p) const { std::free(p); }
  };
  std::unique_ptr<T, Free> p_;
};

inline void gemm(const Exec& ex, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                 const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  sgemm(ex, ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
}
inline void gemm(const Exec&, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const double* A, int64_t lda,
                 const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, 1.0,
              A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

// op(B) (K x N) fixed for a whole sequence: C (M x N) = A (M x K) op(B) + beta C at every step.
template <typename T>
class StepMat;

template <>
class StepMat<float> {
 public:
  StepMat(bool transB, int64_t K, int64_t N, const float* B, int64_t ldb) : buf_(gemm::packedBFloats(K, N)) {
    packed_ = gemm::packB(transB, K, N, B, ldb, buf_.get());
  }
  void mul(const Exec& ex, int64_t M, const float* A, int64_t lda, float beta, float* C, int64_t ldc) const {
    sgemm(ex, false, M, 1.0f, A, lda, packed_, beta, C, ldc);
  }

 private:
  Scratch<float> buf_;
  gemm::PackedB packed_;
};

template <>
class StepMat<double> {
 public:
  StepMat(bool transB, int64_t K, int64_t N, const double* B, int64_t ldb) : tb_(transB), K_(K), N_(N), B_(B), ldb_(ldb) {}
  void mul(const Exec& ex, int64_t M, const double* A, int64_t lda, double beta, double* C, int64_t ldc) const {
    gemm(ex, false, tb_, M, N_, K_, A, lda, B_, ldb_, beta, C, ldc);
  }

 private:
  bool tb_;
  int64_t K_, N_;
  const double* B_;
  int64_t ldb_;
};

}  // namespace tf::rnn
