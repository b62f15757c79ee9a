// Layer norm and group norm as one row kernel: each row is normalised by its own statistics
// (one pass for float64 shifted sums, one to write), then the per-channel affine of
// native/backend/norm.h applies. The parameter gradients sum over rows, so they are a second
// kernel split over channels (or column blocks), each summed in a fixed order.
#include <algorithm>
#include <cmath>

#include "../core/dtype.h"
#include "../core/error.h"
#include "norm.h"
#include "norm_sums.h"

namespace tf {

namespace {

using normsum::dotSums;
using normsum::shiftedSums;
using normsum::weightedDotSums;

int64_t rowGrain(int64_t D) { return std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, D)); }

template <typename T>
void __attribute__((noinline)) normRun(const T* __restrict x, T* __restrict y, int64_t n, T m, T rs) {
  for (int64_t i = 0; i < n; i++) y[i] = (x[i] - m) * rs;
}
template <typename T>
void __attribute__((noinline)) normAffineRun(const T* __restrict x, const T* __restrict w, const T* __restrict b,
                                             T* __restrict y, int64_t n, T m, T rs) {
  for (int64_t i = 0; i < n; i++) y[i] = (x[i] - m) * rs * (w ? w[i] : T(1)) + (b ? b[i] : T(0));
}
template <typename T>
void __attribute__((noinline)) gradRun(const T* __restrict x, const T* __restrict dy, const T* __restrict w,
                                       T* __restrict dx, int64_t n, T m, T a, T bx, T c) {
  if (w)
    for (int64_t i = 0; i < n; i++) dx[i] = a * w[i] * dy[i] + (bx * (x[i] - m) + c);
  else
    for (int64_t i = 0; i < n; i++) dx[i] = a * dy[i] + (bx * (x[i] - m) + c);
}

template <typename T>
void forwardTyped(const Exec& ex, const RowNormFwd& a) {
  const T* x = static_cast<const T*>(a.x);
  const T* w = static_cast<const T*>(a.weight);
  const T* b = static_cast<const T*>(a.bias);
  T* y = static_cast<T*>(a.y);
  T* mo = static_cast<T*>(a.mean);
  T* ro = static_cast<T*>(a.rstd);
  const int64_t G = a.G, cpg = a.cpg, HW = a.HW, D = cpg * HW;
  ex.pool().parallelFor(a.R, rowGrain(D), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const T* xr = x + r * D;
      T* yr = y + r * D;
      const double shift = D > 0 ? (double)xr[0] : 0.0;
      double s = 0, q = 0, mean, var;
      shiftedSums(xr, D, shift, s, q);
      normsum::momentsOf(shift, s, q, D, mean, var);
      const double rstd = 1.0 / std::sqrt(var + a.eps);
      mo[r] = (T)mean;
      ro[r] = (T)rstd;
      const int64_t base = (r % G) * cpg;
      if (!w && !b) normRun<T>(xr, yr, D, (T)mean, (T)rstd);
      else if (HW == 1) normAffineRun<T>(xr, w ? w + base : nullptr, b ? b + base : nullptr, yr, D, (T)mean, (T)rstd);
      else
        for (int64_t k = 0; k < cpg; k++) {
          // (x - m) rstd w + b as one scale: the channel's weight is a constant over HW
          const T sc = (T)(rstd * (w ? (double)w[base + k] : 1.0));
          const T bk = b ? b[base + k] : T(0);
          const T* xs = xr + k * HW;
          T* ys = yr + k * HW;
          for (int64_t i = 0; i < HW; i++) ys[i] = (xs[i] - (T)mean) * sc + bk;
        }
    }
  });
}

// dx of each row: with g = w dy, dx = rstd (g - mean(g) - xhat mean(g xhat))
template <typename T>
void inputGrad(const Exec& ex, const RowNormBwd& a) {
  const T* x = static_cast<const T*>(a.x);
  const T* dy = static_cast<const T*>(a.dy);
  const T* mo = static_cast<const T*>(a.mean);
  const T* ro = static_cast<const T*>(a.rstd);
  const T* w = static_cast<const T*>(a.weight);
  T* dx = static_cast<T*>(a.dx);
  const int64_t G = a.G, cpg = a.cpg, HW = a.HW, D = cpg * HW;
  ex.pool().parallelFor(a.R, rowGrain(2 * D), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const T *xr = x + r * D, *gr = dy + r * D;
      const double mean = (double)mo[r], rstd = (double)ro[r];
      const int64_t base = (r % G) * cpg;
      double s1 = 0, s2 = 0;
      if (!w) dotSums(xr, gr, D, mean, s1, s2);
      else if (HW == 1) weightedDotSums(xr, gr, w + base, D, mean, s1, s2);
      else
        for (int64_t k = 0; k < cpg; k++) {
          double t1 = 0, t2 = 0;
          dotSums(xr + k * HW, gr + k * HW, HW, mean, t1, t2);
          s1 += (double)w[base + k] * t1;
          s2 += (double)w[base + k] * t2;
        }
      const double B = D > 0 ? -rstd * rstd * rstd * s2 / (double)D : 0.0;
      const double K = D > 0 ? -rstd * s1 / (double)D : 0.0;
      if (!w || HW == 1) gradRun<T>(xr, gr, w ? w + base : nullptr, dx + r * D, D, (T)mean, (T)rstd, (T)B, (T)K);
      else
        for (int64_t k = 0; k < cpg; k++)
          gradRun<T>(xr + k * HW, gr + k * HW, nullptr, dx + r * D + k * HW, HW, (T)mean, (T)(rstd * (double)w[base + k]),
                     (T)B, (T)K);
    }
  });
}

// dweight[ch] = sum dy xhat, dbias[ch] = sum dy over the rows of the channel's group
template <typename T>
void paramGrad(const Exec& ex, const RowNormBwd& a) {
  const T* x = static_cast<const T*>(a.x);
  const T* dy = static_cast<const T*>(a.dy);
  const T* mo = static_cast<const T*>(a.mean);
  const T* ro = static_cast<const T*>(a.rstd);
  T* dw = static_cast<T*>(a.dweight);
  T* db = static_cast<T*>(a.dbias);
  const int64_t R = a.R, G = a.G, cpg = a.cpg, HW = a.HW, D = cpg * HW, Nn = G > 0 ? R / G : 0;
  if (G == 1 && HW == 1) {
    // layer norm: columns in blocks, every row read once per block, rows in order
    constexpr int64_t kB = 64;
    const int64_t blocks = (D + kB - 1) / kB;
    ex.pool().parallelFor(blocks, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, R * kB)), [&](int64_t b0, int64_t b1) {
      for (int64_t bl = b0; bl < b1; bl++) {
        const int64_t j0 = bl * kB, n = std::min(kB, D - j0);
        double aw[kB] = {}, ab[kB] = {};
        for (int64_t r = 0; r < R; r++) {
          const double m = (double)mo[r], rs = (double)ro[r];
          const T *xr = x + r * D + j0, *gr = dy + r * D + j0;
          for (int64_t j = 0; j < n; j++) {
            aw[j] += (double)gr[j] * (((double)xr[j] - m) * rs);
            ab[j] += (double)gr[j];
          }
        }
        for (int64_t j = 0; j < n; j++) {
          if (dw) dw[j0 + j] = (T)aw[j];
          if (db) db[j0 + j] = (T)ab[j];
        }
      }
    });
    return;
  }
  ex.pool().parallelFor(G * cpg, std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, 2 * Nn * HW)), [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ch++) {
      const int64_t g = ch / cpg, k = ch % cpg;
      double sw = 0, sb = 0;
      for (int64_t n = 0; n < Nn; n++) {
        const int64_t r = n * G + g;
        double t1 = 0, t2 = 0;
        dotSums(x + r * D + k * HW, dy + r * D + k * HW, HW, (double)mo[r], t1, t2);
        sb += t1;
        sw += t2 * (double)ro[r];
      }
      if (dw) dw[ch] = (T)sw;
      if (db) db[ch] = (T)sb;
    }
  });
}

}  // namespace

void rowNormForward(const Exec& ex, int dtype, const RowNormFwd& a) {
  if (dtype == kF32) forwardTyped<float>(ex, a);
  else if (dtype == kF64) forwardTyped<double>(ex, a);
  else fail("ERR_DTYPE", "layerNorm: float32 or float64 expected");
}

void rowNormBackward(const Exec& ex, int dtype, const RowNormBwd& a) {
  if (dtype != kF32 && dtype != kF64) fail("ERR_DTYPE", "layerNorm.backward: float32 or float64 expected");
  if (a.dx) (dtype == kF32 ? inputGrad<float> : inputGrad<double>)(ex, a);
  if (a.dweight || a.dbias) (dtype == kF32 ? paramGrad<float> : paramGrad<double>)(ex, a);
}

}  // namespace tf
