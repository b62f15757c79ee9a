#include "linalg.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "../core/dtype.h"
#include "../core/error.h"

// LAPACK in libopenblas (Fortran symbols, 32-bit integers in Debian's LP64 build).
extern "C" {
void sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void sgetri_(const int* n, float* a, const int* lda, const int* ipiv, float* work, const int* lwork, int* info);
void dgetri_(const int* n, double* a, const int* lda, const int* ipiv, double* work, const int* lwork, int* info);
void sgesv_(const int* n, const int* nrhs, float* a, const int* lda, int* ipiv, float* b, const int* ldb, int* info);
void dgesv_(const int* n, const int* nrhs, double* a, const int* lda, int* ipiv, double* b, const int* ldb, int* info);
}

namespace tf {

namespace {

template <typename T>
struct Lapack;
template <>
struct Lapack<float> {
  static void getrf(int n, float* a, int* ipiv, int* info) { sgetrf_(&n, &n, a, &n, ipiv, info); }
  static void getri(int n, float* a, const int* ipiv, float* work, int lwork, int* info) {
    sgetri_(&n, a, &n, ipiv, work, &lwork, info);
  }
  static void gesv(int n, int k, float* a, int* ipiv, float* b, int* info) { sgesv_(&n, &k, a, &n, ipiv, b, &n, info); }
};
template <>
struct Lapack<double> {
  static void getrf(int n, double* a, int* ipiv, int* info) { dgetrf_(&n, &n, a, &n, ipiv, info); }
  static void getri(int n, double* a, const int* ipiv, double* work, int lwork, int* info) {
    dgetri_(&n, a, &n, ipiv, work, &lwork, info);
  }
  static void gesv(int n, int k, double* a, int* ipiv, double* b, int* info) { dgesv_(&n, &k, a, &n, ipiv, b, &n, info); }
};

// OpenBLAS's getrf/getrs run single-threaded for n*n < 10000 and its GEMMs for n^3 <= 65536:
// below n = 32 we spread batches over our pool; above, LAPACK/BLAS threads each matrix.
constexpr int64_t kSmallLapackN = 32;

void checkLapackSize(int64_t n, int64_t k, const char* op) {
  if (n > INT_MAX || k > INT_MAX || (double)n * (double)std::max<int64_t>(n, k) > (double)INT_MAX)
    fail("ERR_SHAPE", std::string(op) + ": matrices of " + std::to_string(n) + " x " + std::to_string(n) +
                          " exceed the LAPACK int range");
}

// Runs fn(lo, hi) over the batches: in parallel only for small matrices (see kSmallLapackN).
template <typename F>
void forBatches(ThreadPool& pool, int64_t count, int64_t n, int64_t k, F&& fn) {
  if (count > 1 && pool.numThreads() > 1 && n <= kSmallLapackN && k <= kSmallLapackN) {
    double costNs = 300.0 + (double)n * (double)n * (double)(n + k) / 2.0;
    int64_t grain = std::max<int64_t>(1, (int64_t)(30000.0 / costNs));
    pool.parallelFor(count, grain, fn);
  } else {
    fn(int64_t(0), count);
  }
}

// Copies the n x n matrix at src (strides rs, cs) into dst, row-major contiguous.
template <typename T>
void copyRowMajor(T* dst, const T* src, int64_t n, int64_t rs, int64_t cs) {
  for (int64_t i = 0; i < n; i++) {
    const T* s = src + i * rs;
    T* d = dst + i * n;
    if (cs == 1) std::memcpy(d, s, sizeof(T) * (size_t)n);
    else for (int64_t j = 0; j < n; j++) d[j] = s[j * cs];
  }
}

// Copies the rows x cols matrix at src (strides rs, cs) into dst, column-major contiguous.
template <typename T>
void copyColMajor(T* dst, const T* src, int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  for (int64_t j = 0; j < cols; j++) {
    const T* s = src + j * cs;
    T* d = dst + j * rows;
    if (rs == 1) std::memcpy(d, s, sizeof(T) * (size_t)rows);
    else for (int64_t i = 0; i < rows; i++) d[i] = s[i * rs];
  }
}

template <typename T>
void transposeSquare(T* a, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = i + 1; j < n; j++) std::swap(a[i * n + j], a[j * n + i]);
}

[[noreturn]] void singular(const char* op, int64_t b, int info) {
  int64_t i = (int64_t)info - 1;
  fail("ERR_SINGULAR", std::string(op) + ": matrix is singular (U[" + std::to_string(i) + "," + std::to_string(i) +
                           "] = 0) at batch index " + std::to_string(b));
}

void lapackFailed(const char* op, const char* routine, int info) {
  fail("ERR_INTERNAL", std::string(op) + ": LAPACK " + routine + " rejected argument " + std::to_string(-info));
}

// getrf + getri on a column-major copy of A (so the reported zero pivot is that of A's own LU,
// as in LAPACK/torch), then an in-place transpose back to row-major: O(n^2) beside O(n^3).
template <typename T>
void inverseT(ThreadPool& pool, const BatchIndex<1>& bi, int64_t n64, const MatView& x, T* out) {
  checkLapackSize(n64, n64, "inverse");
  const int n = (int)n64;
  const T* X = static_cast<const T*>(x.data);
  int lwork = -1, info = 0;
  {
    T wq = 0;
    std::vector<int> ipiv((size_t)n);
    Lapack<T>::getri(n, out, ipiv.data(), &wq, -1, &info);
    lwork = std::max<int>(n, (int)wq);
  }
  std::vector<int> infos((size_t)bi.count, 0);
  forBatches(pool, bi.count, n64, 0, [&](int64_t lo, int64_t hi) {
    std::vector<int> ipiv((size_t)n);
    std::vector<T> work((size_t)lwork);
    int64_t off;
    for (int64_t b = lo; b < hi; b++) {
      bi.offsets(b, &off);
      T* o = out + b * n64 * n64;
      copyColMajor(o, X + off, n64, n64, x.rs, x.cs);
      int inf = 0;
      Lapack<T>::getrf(n, o, ipiv.data(), &inf);
      if (inf == 0) Lapack<T>::getri(n, o, ipiv.data(), work.data(), lwork, &inf);
      infos[(size_t)b] = inf;
      if (inf == 0) transposeSquare(o, n64);
    }
  });
  for (int64_t b = 0; b < bi.count; b++) {
    if (infos[(size_t)b] > 0) singular("inverse", b, infos[(size_t)b]);
    if (infos[(size_t)b] < 0) lapackFailed("inverse", "getrf/getri", infos[(size_t)b]);
  }
}

// det(A) = det(A^T) = prod(diag(U)) * (-1)^(row swaps); accumulated in double.
template <typename T>
void detT(ThreadPool& pool, const BatchIndex<1>& bi, int64_t n64, const MatView& x, T* out) {
  if (n64 == 0) {
    for (int64_t b = 0; b < bi.count; b++) out[b] = T(1);
    return;
  }
  checkLapackSize(n64, n64, "det");
  const int n = (int)n64;
  const T* X = static_cast<const T*>(x.data);
  std::atomic<int> bad{0};
  forBatches(pool, bi.count, n64, 0, [&](int64_t lo, int64_t hi) {
    std::vector<int> ipiv((size_t)n);
    std::vector<T> lu((size_t)(n64 * n64));
    int64_t off;
    for (int64_t b = lo; b < hi; b++) {
      bi.offsets(b, &off);
      copyRowMajor(lu.data(), X + off, n64, x.rs, x.cs);
      int inf = 0;
      Lapack<T>::getrf(n, lu.data(), ipiv.data(), &inf);
      if (inf < 0) {
        bad.store(inf);
        continue;
      }
      if (inf > 0) {
        out[b] = T(0);
        continue;
      }
      double d = 1.0;
      for (int i = 0; i < n; i++) {
        d *= (double)lu[(size_t)i * (size_t)n + (size_t)i];
        if (ipiv[(size_t)i] != i + 1) d = -d;
      }
      out[b] = (T)d;
    }
  });
  if (bad.load() < 0) lapackFailed("det", "getrf", bad.load());
}

// gesv on column-major copies: a -> LU scratch, rhs -> solution scratch, then back row-major.
// The zero pivot named for a singular matrix is that of A's LU (as LAPACK/torch report it).
template <typename T>
void solveT(ThreadPool& pool, const BatchIndex<2>& bi, int64_t n64, int64_t k64, const MatView& a, const MatView& rhs,
            T* out) {
  checkLapackSize(n64, k64, "solve");
  const int n = (int)n64, k = (int)k64;
  const T* A = static_cast<const T*>(a.data);
  const T* B = static_cast<const T*>(rhs.data);
  std::vector<int> infos((size_t)bi.count, 0);
  forBatches(pool, bi.count, n64, k64, [&](int64_t lo, int64_t hi) {
    std::vector<int> ipiv((size_t)n);
    // with one right-hand side, column-major n x 1 is the row-major output itself
    std::vector<T> sa((size_t)(n64 * n64)), sb(k64 == 1 ? 0 : (size_t)(n64 * k64));
    int64_t off[2];
    for (int64_t b = lo; b < hi; b++) {
      bi.offsets(b, off);
      T* o = out + b * n64 * k64;
      T* x = k64 == 1 ? o : sb.data();
      copyColMajor(sa.data(), A + off[0], n64, n64, a.rs, a.cs);
      copyColMajor(x, B + off[1], n64, k64, rhs.rs, rhs.cs);
      int inf = 0;
      Lapack<T>::gesv(n, k, sa.data(), ipiv.data(), x, &inf);
      infos[(size_t)b] = inf;
      if (inf != 0 || k64 == 1) continue;
      for (int64_t i = 0; i < n64; i++)
        for (int64_t j = 0; j < k64; j++) o[i * k64 + j] = sb[(size_t)(i + j * n64)];
    }
  });
  for (int64_t b = 0; b < bi.count; b++) {
    if (infos[(size_t)b] > 0) singular("solve", b, infos[(size_t)b]);
    if (infos[(size_t)b] < 0) lapackFailed("solve", "gesv", infos[(size_t)b]);
  }
}

[[noreturn]] void badDType(const char* op, int dtype) {
  fail("ERR_DTYPE", std::string(op) + ": dtype " + dtypeName(dtype) + " is not supported (float32 or float64)");
}

}  // namespace

void inverseKernel(const Exec& ex, int dtype, const BatchIndex<1>& batch, int64_t n, const MatView& x, void* out) {
  ThreadPool& pool = ex.pool();
  if (batch.count == 0 || n == 0) return;
  if (dtype == kF32) return inverseT<float>(pool, batch, n, x, static_cast<float*>(out));
  if (dtype == kF64) return inverseT<double>(pool, batch, n, x, static_cast<double*>(out));
  badDType("inverse", dtype);
}

void detKernel(const Exec& ex, int dtype, const BatchIndex<1>& batch, int64_t n, const MatView& x, void* out) {
  ThreadPool& pool = ex.pool();
  if (batch.count == 0) return;
  if (dtype == kF32) return detT<float>(pool, batch, n, x, static_cast<float*>(out));
  if (dtype == kF64) return detT<double>(pool, batch, n, x, static_cast<double*>(out));
  badDType("det", dtype);
}

void solveKernel(const Exec& ex, int dtype, const BatchIndex<2>& batch, int64_t n, int64_t k, const MatView& a,
                 const MatView& rhs, void* out) {
  ThreadPool& pool = ex.pool();
  if (batch.count == 0 || n == 0 || k == 0) return;
  if (dtype == kF32) return solveT<float>(pool, batch, n, k, a, rhs, static_cast<float*>(out));
  if (dtype == kF64) return solveT<double>(pool, batch, n, k, a, rhs, static_cast<double*>(out));
  badDType("solve", dtype);
}

}  // namespace tf
