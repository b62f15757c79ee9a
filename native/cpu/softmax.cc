// softmax / logSoftmax. The hot case (axis contiguous in both operands) makes three
// passes over a row: max (vectorised, NaN-sticky), exp(x - max) stored while summing,
// then a scale (softmax) or a shift (logSoftmax). float32 uses a vectorised exp.
// Other layouts: when the next dim is contiguous in both operands, tiles of columns are
// processed together (vectorised across the tile); otherwise each row is gathered into a
// contiguous buffer.
#include "softmax.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../core/dtype.h"
#include "../core/error.h"
#include "axis_last.h"
#include "simd.h"

namespace tf {

namespace {

using namespace simd;

inline double hsum(f8 v) {
  d4 a = lo4d(v) + hi4d(v);
  return (a[0] + a[1]) + (a[2] + a[3]);
}

template <typename T>
inline T pickMax(T a, T x) { return (x > a || x != x) ? x : a; }

// ---- contiguous rows -------------------------------------------------------------------

inline float rowMaxF(const float* x, int64_t n) {
  float a = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  if (n >= 32) {
    f8 m[4];
    for (int k = 0; k < 4; k++) m[k] = splat8(a);
    for (; i + 32 <= n; i += 32)
      for (int k = 0; k < 4; k++) {
        f8 v = ld8(x + i + 8 * k);
        m[k] = ((v > m[k]) | (v != v)) ? v : m[k];
      }
    for (int k = 0; k < 4; k++)
      for (int l = 0; l < 8; l++) a = pickMax(a, m[k][l]);
  }
  for (; i < n; i++) a = pickMax(a, x[i]);
  return a;
}

// Sum of exp(x - mx), stored into y when y is not null. Partial sums are flushed to
// double every 1024 elements, so long rows stay accurate.
inline double sumExpF(const float* x, float* y, int64_t n, float mx) {
  const f8 vm = splat8(mx);
  double total = 0;
  int64_t i = 0;
  while (i + 8 <= n) {
    const int64_t blockEnd = std::min(n, i + 1024);
    f8 a0 = splat8(0), a1 = splat8(0);
    for (; i + 16 <= blockEnd; i += 16) {
      f8 e0 = exp8<true>(ld8(x + i) - vm), e1 = exp8<true>(ld8(x + i + 8) - vm);
      if (y) { st8(y + i, e0); st8(y + i + 8, e1); }
      a0 += e0;
      a1 += e1;
    }
    for (; i + 8 <= blockEnd; i += 8) {
      f8 e0 = exp8<true>(ld8(x + i) - vm);
      if (y) st8(y + i, e0);
      a0 += e0;
    }
    total += hsum(a0 + a1);
  }
  if (i < n) {  // tail through a padded vector, so every element uses the same exp
    float buf[8];
    const int64_t r = n - i;
    for (int k = 0; k < 8; k++) buf[k] = k < r ? x[i + k] : -std::numeric_limits<float>::infinity();
    f8 e = exp8<true>(ld8(buf) - vm);
    st8(buf, e);
    for (int k = 0; k < r; k++) {
      if (y) y[i + k] = buf[k];
      total += buf[k];
    }
  }
  return total;
}

void rowSoftmax(const float* x, float* y, int64_t n, bool log) {
  const float mx = rowMaxF(x, n);
  if (log) {
    const float ls = (float)std::log(sumExpF(x, nullptr, n, mx));
    const f8 vm = splat8(mx), vl = splat8(ls);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) st8(y + i, (ld8(x + i) - vm) - vl);
    for (; i < n; i++) y[i] = (x[i] - mx) - ls;
  } else {
    const float inv = (float)(1.0 / sumExpF(x, y, n, mx));
    const f8 vi = splat8(inv);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) st8(y + i, ld8(y + i) * vi);
    for (; i < n; i++) y[i] *= inv;
  }
}

void rowSoftmax(const double* x, double* y, int64_t n, bool log) {
  double mx = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < n; i++) mx = pickMax(mx, x[i]);
  double s = 0;
  if (log) {
    for (int64_t i = 0; i < n; i++) s += std::exp(x[i] - mx);
    const double ls = std::log(s);
    for (int64_t i = 0; i < n; i++) y[i] = (x[i] - mx) - ls;
  } else {
    for (int64_t i = 0; i < n; i++) s += (y[i] = std::exp(x[i] - mx));
    const double inv = 1.0 / s;
    for (int64_t i = 0; i < n; i++) y[i] *= inv;
  }
}

// ---- column tiles: w adjacent rows (contiguous in both operands) processed together ----

constexpr int64_t kSoftTile = 64;

// y[j] = exp(x[j] - m[j]) for j < w, and s[j] += y[j].
inline void expSubAcc(const float* x, const float* m, float* y, double* s, int64_t w) {
  int64_t j = 0;
  for (; j + 8 <= w; j += 8) {
    f8 e = exp8<true>(ld8(x + j) - ld8(m + j));
    st8(y + j, e);
    for (int k = 0; k < 8; k++) s[j + k] += e[k];
  }
  if (j < w) {
    float bx[8], bm[8];
    for (int k = 0; k < 8; k++) {
      bx[k] = j + k < w ? x[j + k] : 0.0f;
      bm[k] = j + k < w ? m[j + k] : 0.0f;
    }
    f8 e = exp8<true>(ld8(bx) - ld8(bm));
    for (int k = 0; j + k < w; k++) {
      y[j + k] = e[k];
      s[j + k] += e[k];
    }
  }
}
inline void expSubAcc(const double* x, const double* m, double* y, double* s, int64_t w) {
  for (int64_t j = 0; j < w; j++) s[j] += (y[j] = std::exp(x[j] - m[j]));
}

template <typename T>
void tileSoftmax(const T* x, int64_t sx, T* y, int64_t sy, int64_t D, int64_t w, bool log) {
  T mx[kSoftTile], tmp[kSoftTile], fac[kSoftTile];
  double s[kSoftTile];
  for (int64_t j = 0; j < w; j++) {
    mx[j] = -std::numeric_limits<T>::infinity();
    s[j] = 0;
  }
  for (int64_t k = 0; k < D; k++) {
    const T* xr = x + k * sx;
    for (int64_t j = 0; j < w; j++) mx[j] = pickMax(mx[j], xr[j]);
  }
  for (int64_t k = 0; k < D; k++) expSubAcc(x + k * sx, mx, log ? tmp : y + k * sy, s, w);
  if (log) {
    for (int64_t j = 0; j < w; j++) fac[j] = (T)std::log(s[j]);
    for (int64_t k = 0; k < D; k++) {
      const T* xr = x + k * sx;
      T* yr = y + k * sy;
      for (int64_t j = 0; j < w; j++) yr[j] = (xr[j] - mx[j]) - fac[j];
    }
  } else {
    for (int64_t j = 0; j < w; j++) fac[j] = (T)(1.0 / s[j]);
    for (int64_t k = 0; k < D; k++) {
      T* yr = y + k * sy;
      for (int64_t j = 0; j < w; j++) yr[j] *= fac[j];
    }
  }
}

template <typename T>
void softmaxTyped(ThreadPool& pool, bool log, const StridedLayout<2>& L, T* out, const T* x) {
  const AxisLastLayout G(L);
  if (G.empty()) return;
  const int64_t D = G.D, so = G.so, sx = G.sx;
  // exp dominates: about 8x the cost of an add, so the grain is an eighth of the elementwise one.
  const int64_t work = kGrainElementwise / 8;
  if (so == 1 && sx == 1) {
    G.forRows(pool, work, [&](int64_t oo, int64_t ox) { rowSoftmax(x + ox, out + oo, D, log); });
    return;
  }
  if (G.rowsAdjacent()) {
    G.forTiles(pool, kSoftTile, work, [&](int64_t oo, int64_t ox, int64_t w) {
      tileSoftmax<T>(x + ox, sx, out + oo, so, D, w, log);
    });
    return;
  }
  // General layout: gather each row into a contiguous buffer (one per task).
  struct Bufs {
    std::vector<T> x, y;
  };
  const auto makeBufs = [&] { return Bufs{std::vector<T>((size_t)D), std::vector<T>(so == 1 ? 0 : (size_t)D)}; };
  G.forRows(pool, work, makeBufs, [&](Bufs& b, int64_t oo, int64_t ox) {
    const T* xr = x + ox;
    T* yr = out + oo;
    for (int64_t k = 0; k < D; k++) b.x[(size_t)k] = xr[k * sx];
    if (so == 1) {
      rowSoftmax(b.x.data(), yr, D, log);
    } else {
      rowSoftmax(b.x.data(), b.y.data(), D, log);
      for (int64_t k = 0; k < D; k++) yr[k * so] = b.y[(size_t)k];
    }
  });
}

}  // namespace

void softmaxKernel(const Exec& ex, bool log, int dtype, const StridedLayout<2>& L, void* out, const void* x) {
  ThreadPool& pool = ex.pool();
  if (L.ndim < 1) fail("ERR_ARGUMENT", "softmax: layout needs the softmax dim");
  if (dtype == kF32) softmaxTyped<float>(pool, log, L, static_cast<float*>(out), static_cast<const float*>(x));
  else if (dtype == kF64) softmaxTyped<double>(pool, log, L, static_cast<double*>(out), static_cast<const double*>(x));
  else fail("ERR_DTYPE", std::string("softmax: dtype must be float32 or float64, got ") + dtypeName(dtype));
}

}  // namespace tf
