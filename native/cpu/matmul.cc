#include "matmul.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <type_traits>

#include "../core/dtype.h"
#include "../core/error.h"
#include "blas.h"
#include "copy.h"
#include "gemm/gemm.h"

namespace tf {

namespace {

// OpenBLAS runs a GEMM on the calling thread alone when M*N*K <= 65536 * GEMM_MULTITHREAD_THRESHOLD
// (interface/gemm.c), a GEMV when M*N < 2304 * GEMM_MULTITHREAD_THRESHOLD (interface/gemv.c), a DOT
// below ~10000 elements; the threshold is 4 in default builds (Debian's included). Only below these
// bounds do we spread batches over our pool: above them OpenBLAS threads each call itself, and
// doing both would oversubscribe the cores. (A build with a smaller threshold stays correct; it
// would only oversubscribe medium-sized batched products.)
constexpr double kSmallGemm = 65536.0 * 4;
constexpr double kSmallGemv = 2304.0 * 4;
constexpr double kSmallDot = 4096.0;
// Below this M*N*K a GEMM runs on the calling thread even when OpenBLAS would thread it.
// In a training loop OpenBLAS's 2-thread gain on such products (12.8 MFLOP: 108 -> 76 us
// alone) is lost to handing work between its threads and ours: 784-128-10 MNIST trained
// slower on 2 threads than on 1. From ~32 MFLOP up the threaded product wins even so
// (784-256-10 at batch 128: 860 -> 650 us per step).
constexpr double kMidGemm = 16.0e6;

// float32 products that our own sgemm (native/cpu/gemm) runs faster than OpenBLAS, measured at 1
// thread as the best of 60 runs (AVX2 microkernels vs OpenBLAS 0.3.21's Zen kernels, Zen 3):
// K <= 128 (1024x1024x128 1.11x, 512x512x128 NT 1.10x, 64x784x128 1.11x, 256x256x32 1.34x, the
// MLP's dH = g W2 at K=10 1.78x) and A^T B up to K=256 (Linear's weight gradients: 256x784x128
// 1.10x, 512x784x256 1.06x, 10x256x128 1.37x); not below N=48, where the 16-wide tile idles
// (128x32x128 0.92x, 128x10x256 0.70x). Larger K is at par (0.91-1.05x) and stays with OpenBLAS.
bool ownSgemm(bool ta, bool tb, int64_t N, int64_t K) {
  return N >= 48 && (K <= 128 || (ta && !tb && K <= 256)) && gemm::matmulRoute();
}

template <typename T>
struct Blas;
template <>
struct Blas<float> {
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float* a, int lda, const float* b,
                   int ldb, float* c, int ldc) {
    cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  }
  static void gemv(CBLAS_TRANSPOSE t, int m, int n, const float* a, int lda, const float* x, int incx, float* y) {
    cblas_sgemv(CblasRowMajor, t, m, n, 1.0f, a, lda, x, incx, 0.0f, y, 1);
  }
  static float dot(int n, const float* x, int incx, const float* y, int incy) { return cblas_sdot(n, x, incx, y, incy); }
};
template <>
struct Blas<double> {
  static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const double* a, int lda, const double* b,
                   int ldb, double* c, int ldc) {
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
  }
  static void gemv(CBLAS_TRANSPOSE t, int m, int n, const double* a, int lda, const double* x, int incx, double* y) {
    cblas_dgemv(CblasRowMajor, t, m, n, 1.0, a, lda, x, incx, 0.0, y, 1);
  }
  static double dot(int n, const double* x, int incx, const double* y, int incy) { return cblas_ddot(n, x, incx, y, incy); }
};

// How BLAS reads an R x C operand with strides (rs, cs): row-major NoTrans when its rows are
// contiguous (cs == 1, ld = rs), Trans when its columns are (rs == 1, ld = cs: a transposed
// view), else not at all (ok = false: it gets packed). Size-1 dims impose nothing.
struct BlasMat {
  bool ok = false;
  bool trans = false;
  int64_t ld = 0;
};

BlasMat classifyMatrix(int64_t R, int64_t C, int64_t rs, int64_t cs) {
  BlasMat m;
  if ((C <= 1 || cs == 1) && (R <= 1 || rs >= std::max<int64_t>(1, C))) {
    m.ok = true;
    m.ld = R <= 1 ? std::max<int64_t>(1, C) : rs;
  } else if ((R <= 1 || rs == 1) && (C <= 1 || cs >= std::max<int64_t>(1, R))) {
    m.ok = true;
    m.trans = true;
    m.ld = C <= 1 ? std::max<int64_t>(1, R) : cs;
  }
  if (m.ld > INT_MAX) m.ok = false;
  return m;
}

// BLAS vector increment for a vector of n elements with stride s; 0 = unusable (0, negative, too big).
int64_t vectorInc(int64_t n, int64_t s) {
  if (n <= 1) return 1;
  return s >= 1 && s <= INT_MAX ? s : 0;
}

// Copies operand k (R x C matrices, batch strides bi.strides[k]) into a dense scratch buffer:
// rows contiguous, batches contiguous, broadcast batch dims (stride 0) kept at stride 0 so
// they are stored once. Rewrites the view and bi's strides to point at the copy.
template <typename T>
std::unique_ptr<T[]> packOperand(const Exec& ex, BatchIndex<2>& bi, int k, int64_t R, int64_t C, MatView& v, int dtype) {
  StridedLayout<2> L;
  L.ndim = bi.ndim + 2;
  int64_t newStrides[kMaxDims];
  int64_t s = R * C;
  for (int d = bi.ndim - 1; d >= 0; d--) {
    if (bi.strides[k][d] == 0 || bi.shape[d] == 1) {
      newStrides[d] = 0;
      L.shape[d] = 1;
    } else {
      newStrides[d] = s;
      L.shape[d] = bi.shape[d];
      s = checkedMul(s, bi.shape[d], "matmul");
    }
    L.strides[0][d] = newStrides[d];
    L.strides[1][d] = bi.strides[k][d];
  }
  L.shape[bi.ndim] = R;
  L.shape[bi.ndim + 1] = C;
  L.strides[0][bi.ndim] = C;
  L.strides[0][bi.ndim + 1] = 1;
  L.strides[1][bi.ndim] = v.rs;
  L.strides[1][bi.ndim + 1] = v.cs;
  L.numel = s;
  std::unique_ptr<T[]> buf(new T[(size_t)s]);
  L.coalesce();
  copyStrided(ex, L, buf.get(), dtype, v.data, dtype);
  for (int d = 0; d < bi.ndim; d++) bi.strides[k][d] = newStrides[d];
  v.data = buf.get();
  v.rs = C;
  v.cs = 1;
  return buf;
}

enum Path { kPathDot, kPathGemvA, kPathGemvB, kPathGemm };

template <typename T>
void blasMatmul(const Exec& ex, int dtype, const BatchIndex<2>& batch, int64_t M, int64_t N, int64_t K, MatView a,
                MatView b, T* out) {
  ThreadPool& pool = ex.pool();
  if (M > INT_MAX || N > INT_MAX || K > INT_MAX)
    fail("ERR_SHAPE", "matmul: matrix dimensions " + std::to_string(M) + "x" + std::to_string(K) + " @ " + std::to_string(K) +
                          "x" + std::to_string(N) + " exceed the BLAS int range");
  BatchIndex<2> bi = batch;
  const Path path = M == 1 && N == 1 ? kPathDot : N == 1 ? kPathGemvA : M == 1 ? kPathGemvB : kPathGemm;
  std::unique_ptr<T[]> packA, packB;
  BlasMat ma, mb;
  int64_t incA = 0, incB = 0;
  // a: M x K (a vector along K when M == 1); b: K x N (a vector along K when N == 1).
  auto planA = [&] {
    if (M == 1) incA = vectorInc(K, a.cs);
    else ma = classifyMatrix(M, K, a.rs, a.cs);
    return M == 1 ? incA != 0 : ma.ok;
  };
  auto planB = [&] {
    if (N == 1) incB = vectorInc(K, b.rs);
    else mb = classifyMatrix(K, N, b.rs, b.cs);
    return N == 1 ? incB != 0 : mb.ok;
  };
  if (!planA()) {
    packA = packOperand<T>(ex, bi, 0, M, K, a, dtype);
    planA();
  }
  if (!planB()) {
    packB = packOperand<T>(ex, bi, 1, K, N, b, dtype);
    planB();
  }
  const T* A = static_cast<const T*>(a.data);
  const T* B = static_cast<const T*>(b.data);
  const int m = (int)M, n = (int)N, k = (int)K;
  const int64_t outStep = M * N;
  const bool own = std::is_same<T, float>::value && path == kPathGemm && ownSgemm(ma.trans, mb.trans, N, K);
  bool nested = false;  // run() is inside our pool's parallelFor: our sgemm must not thread again

  auto run = [&](int64_t lo, int64_t hi) {
    int64_t off[2];
    for (int64_t bIdx = lo; bIdx < hi; bIdx++) {
      bi.offsets(bIdx, off);
      const T* pa = A + off[0];
      const T* pb = B + off[1];
      T* pc = out + bIdx * outStep;
      switch (path) {
        case kPathDot:
          *pc = Blas<T>::dot(k, pa, (int)incA, pb, (int)incB);
          break;
        case kPathGemvA:  // out (M) = A x
          std::memset(pc, 0, sizeof(T) * (size_t)M);
          if (!ma.trans) Blas<T>::gemv(CblasNoTrans, m, k, pa, (int)ma.ld, pb, (int)incB, pc);
          else Blas<T>::gemv(CblasTrans, k, m, pa, (int)ma.ld, pb, (int)incB, pc);
          break;
        case kPathGemvB:  // out (N) = B^T a
          std::memset(pc, 0, sizeof(T) * (size_t)N);
          if (!mb.trans) Blas<T>::gemv(CblasTrans, k, n, pb, (int)mb.ld, pa, (int)incA, pc);
          else Blas<T>::gemv(CblasNoTrans, n, k, pb, (int)mb.ld, pa, (int)incA, pc);
          break;
        case kPathGemm:
          if constexpr (std::is_same<T, float>::value) {
            if (own) {
              if (nested) sgemmSerial(ma.trans, mb.trans, M, N, K, 1.0f, pa, ma.ld, pb, mb.ld, 0.0f, pc, N);
              else sgemm(ex, ma.trans, mb.trans, M, N, K, 1.0f, pa, ma.ld, pb, mb.ld, 0.0f, pc, N);
              break;
            }
          }
          Blas<T>::gemm(ma.trans ? CblasTrans : CblasNoTrans, mb.trans ? CblasTrans : CblasNoTrans, m, n, k, pa, (int)ma.ld, pb,
                        (int)mb.ld, pc, n);
          break;
      }
    }
  };

  const double mnk = (double)M * (double)N * (double)K;
  const bool small = path == kPathGemm ? mnk <= kSmallGemm : path == kPathDot ? mnk <= kSmallDot : mnk < kSmallGemv;
  if (small && bi.count > 1 && pool.numThreads() > 1) {
    // ~150 ns of BLAS call overhead plus ~8 multiply-adds per ns; a task should be worth >= ~30 us.
    double costNs = 150.0 + mnk / 8.0;
    int64_t grain = std::max<int64_t>(1, (int64_t)(30000.0 / costNs));
    nested = true;
    pool.parallelFor(bi.count, grain, run);
  } else if (own) {
    run(0, bi.count);  // our sgemm threads each product over our pool
  } else if (path == kPathGemm && !small && pool.numThreads() > 1 && mnk < kMidGemm) {
    // mid-sized products run on this thread alone (see kMidGemm); OpenBLAS's thread count
    // is restored even if a BLAS error handler throws
    struct OneThread {
      int restore;
      explicit OneThread(int n) : restore(n) { blasSetNumThreads(1); }
      ~OneThread() { blasSetNumThreads(restore); }
    } one(pool.numThreads());
    run(0, bi.count);
  } else {
    if (!small && pool.numThreads() > 1) pool.park();  // OpenBLAS's threads take the cores now
    run(0, bi.count);  // one GEMM after another, each threaded by OpenBLAS when large enough
  }
}

// int32: a plain i-k-j loop with wrapping 32-bit arithmetic (as torch/numpy int32 matmul).
void intMatmul(ThreadPool& pool, const BatchIndex<2>& bi, int64_t M, int64_t N, int64_t K, const MatView& a,
               const MatView& b, int32_t* out) {
  const int32_t* A = static_cast<const int32_t*>(a.data);
  const int32_t* B = static_cast<const int32_t*>(b.data);
  const int64_t rows = bi.count * M;
  const int64_t perRow = std::max<int64_t>(1, N * K);
  const int64_t grain = std::max<int64_t>(1, kGrainElementwise / perRow);
  pool.parallelFor(rows, grain, [&](int64_t lo, int64_t hi) {
    int64_t off[2] = {0, 0};
    int64_t cur = -1;
    for (int64_t r = lo; r < hi; r++) {
      int64_t bIdx = r / M, i = r % M;
      if (bIdx != cur) {
        bi.offsets(bIdx, off);
        cur = bIdx;
      }
      uint32_t* c = reinterpret_cast<uint32_t*>(out + r * N);
      for (int64_t j = 0; j < N; j++) c[j] = 0;
      const int32_t* arow = A + off[0] + i * a.rs;
      for (int64_t kk = 0; kk < K; kk++) {
        const uint32_t av = (uint32_t)arow[kk * a.cs];
        const int32_t* brow = B + off[1] + kk * b.rs;
        if (b.cs == 1) {
          for (int64_t j = 0; j < N; j++) c[j] += av * (uint32_t)brow[j];
        } else {
          const int64_t bs = b.cs;
          for (int64_t j = 0; j < N; j++) c[j] += av * (uint32_t)brow[j * bs];
        }
      }
    }
  });
}

}  // namespace

void matmulKernel(const Exec& ex, int dtype, const BatchIndex<2>& batch, int64_t M, int64_t N, int64_t K,
                  const MatView& a, const MatView& b, void* out) {
  ThreadPool& pool = ex.pool();
  const int64_t total = batch.count * M * N;
  if (total == 0) return;
  if (K == 0) {
    std::memset(out, 0, (size_t)total * dtypeSize(dtype));
    return;
  }
  switch (dtype) {
    case kF32: return blasMatmul<float>(ex, dtype, batch, M, N, K, a, b, static_cast<float*>(out));
    case kF64: return blasMatmul<double>(ex, dtype, batch, M, N, K, a, b, static_cast<double*>(out));
    case kI32: return intMatmul(pool, batch, M, N, K, a, b, static_cast<int32_t*>(out));
    default: fail("ERR_DTYPE", std::string("matmul: dtype ") + dtypeName(dtype) + " is not supported");
  }
}

double benchSgemmSeconds(int64_t n, int64_t iters) {
  if (n < 1 || n > 16384) fail("ERR_ARGUMENT", "benchSgemm: n must be 1..16384, got " + std::to_string(n));
  if (iters < 1) fail("ERR_ARGUMENT", "benchSgemm: iters must be >= 1");
  size_t bytes = ((size_t)(n * n) * sizeof(float) + 63) / 64 * 64;
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> A((float*)std::aligned_alloc(64, bytes)), B((float*)std::aligned_alloc(64, bytes)),
      C((float*)std::aligned_alloc(64, bytes));
  if (!A || !B || !C) fail("ERR_OUT_OF_MEMORY", "benchSgemm: out of memory");
  uint32_t s = 12345;
  for (int64_t i = 0; i < n * n; i++) {
    s = s * 1664525u + 1013904223u;
    A.get()[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    s = s * 1664525u + 1013904223u;
    B.get()[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
  }
  const int ni = (int)n;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1.0f, A.get(), ni, B.get(), ni, 0.0f, C.get(), ni);
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t it = 0; it < iters; it++)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ni, ni, ni, 1.0f, A.get(), ni, B.get(), ni, 0.0f, C.get(), ni);
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double>(t1 - t0).count() / (double)iters;
}

BatchIndex<2> pairBatch(const StridedLayout<1>& La, const StridedLayout<1>& Lb, const char* op) {
  if (La.ndim < 2 || La.ndim != Lb.ndim) fail("ERR_SHAPE", std::string(op) + ": operand layouts must have the same rank >= 2");
  BatchIndex<2> bi;
  bi.ndim = La.ndim - 2;
  bi.count = 1;
  for (int d = 0; d < bi.ndim; d++) {
    if (La.shape[d] != Lb.shape[d]) fail("ERR_SHAPE", std::string(op) + ": operand layouts have different batch shapes");
    bi.shape[d] = La.shape[d];
    bi.strides[0][d] = La.strides[0][d];
    bi.strides[1][d] = Lb.strides[0][d];
    bi.count = checkedMul(bi.count, La.shape[d], op);
  }
  return bi;
}

}  // namespace tf
