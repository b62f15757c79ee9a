// Max and average pooling (plain, adaptive) forward and backward over contiguous planes, in
// torch's semantics (aten/src/ATen/native/cpu/{MaxPool,AvgPool,AdaptiveAvgPool}Kernel.cpp).
// Each plane is independent and computed by one thread, in one order, so results do not
// depend on the thread count. The window geometry of each axis is tabulated once per call
// (poolAxis), so the loops below serve strided, padded, dilated and adaptive windows alike.
#include "pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "../core/dtype.h"
#include "../core/threadpool.h"
#include "pool_rows.h"

namespace tf {

int64_t planeGrain(int64_t perPlane) { return std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, perPlane)); }

PoolAxis poolAxis(const PoolGeom& g, bool rows) {
  const int64_t size = rows ? g.H : g.W, out = rows ? g.OH : g.OW;
  PoolAxis a;
  a.lo.resize(out);
  a.cnt.resize(out);
  a.div.resize(out);
  if (g.adaptive) {
    for (int64_t o = 0; o < out; o++) {
      // torch's start_index / end_index: floor(o*size/out), ceil((o+1)*size/out)
      const int64_t s = (o * size) / out, e = ((o + 1) * size + out - 1) / out;
      a.lo[o] = s;
      a.cnt[o] = e - s;
      a.div[o] = e - s;
    }
    return a;
  }
  const int64_t k = rows ? g.kh : g.kw, st = rows ? g.sh : g.sw, pad = rows ? g.ph : g.pw, d = rows ? g.dh : g.dw;
  a.step = d;
  for (int64_t o = 0; o < out; o++) {
    const int64_t s0 = o * st - pad;
    int64_t lo = s0;
    if (lo < 0) lo += ((-lo + d - 1) / d) * d;  // the first tap at or after 0
    const int64_t e = std::min(s0 + (k - 1) * d + 1, size);
    a.lo[o] = lo;
    a.cnt[o] = lo < e ? (e - lo + d - 1) / d : 0;
    // avg (dilation 1): torch divides by the window clipped to the padded input, or by its valid taps
    a.div[o] = g.countIncludePad ? std::min(s0 + k, size + pad) - s0 : a.cnt[o];
  }
  return a;
}

namespace {

// The max of window (oh, ow), one tap at a time in torch's order: the edge windows a row's
// vectorised interior pass (pool_rows.h) leaves, and every adaptive window.
template <typename T>
inline void maxOne(const T* xp, int64_t W, const PoolAxis& ah, const PoolAxis& aw, int64_t oh, int64_t ow, T* o, int32_t* i) {
  const int64_t h0 = ah.lo[oh], nh = ah.cnt[oh], w0 = aw.lo[ow], nw = aw.cnt[ow];
  T m = -std::numeric_limits<T>::infinity();
  int64_t mi = h0 * W + w0;
  for (int64_t r = 0, h = h0; r < nh; r++, h += ah.step) {
    const T* row = xp + h * W;
    for (int64_t j = 0, w = w0; j < nw; j++, w += aw.step) {
      const T v = row[w];
      if (v > m || v != v) {  // torch: the first max wins, a NaN (the last one) always
        m = v;
        mi = h * W + w;
      }
    }
  }
  *o = m;
  if (i) *i = (int32_t)mi;
}

template <typename T, int S>
void maxInterior(const T* xp, const PoolGeom& g, const PoolAxis& ah, int64_t oh, int64_t a, int64_t b, T* orow, int32_t* irow) {
#ifdef __AVX2__
  if constexpr (std::is_same<T, float>::value && (S == 1 || S == 2)) {
    if (irow) poolrows::maxRowF<S, true>(xp, g.H, g.W, ah.lo[oh], ah.cnt[oh], ah.step, g.kw, g.pw, g.dw, a, b, orow, irow);
    else poolrows::maxRowF<S, false>(xp, g.H, g.W, ah.lo[oh], ah.cnt[oh], ah.step, g.kw, g.pw, g.dw, a, b, orow, nullptr);
    return;
  }
#endif
  if (irow) poolrows::maxRow<T, S, true>(xp, g.W, ah.lo[oh], ah.cnt[oh], ah.step, g.kw, g.sw, g.pw, g.dw, a, b, orow, irow);
  else poolrows::maxRow<T, S, false>(xp, g.W, ah.lo[oh], ah.cnt[oh], ah.step, g.kw, g.sw, g.pw, g.dw, a, b, orow, nullptr);
}

template <typename T>
void maxPlanes(const Exec& ex, const PoolGeom& g, const T* x, T* out, int32_t* idx) {
  if constexpr (std::is_same<T, float>::value)
    if (!idx && poolSepF32(ex, g, true, x, out)) return;
  const PoolAxis ah = poolAxis(g, true), aw = poolAxis(g, false);
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const bool fast2x2 = std::is_same<T, float>::value && !g.adaptive && g.kh == 2 && g.kw == 2 && g.sh == 2 &&
                       g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1;
  int64_t a = 0, b = 0;  // the columns whose windows lie inside the input width
  if (!g.adaptive) poolrows::interior(W, OW, g.kw, g.sw, g.pw, g.dw, a, b);
  ex.pool().parallelFor(g.planes, planeGrain(H * W), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const T* xp = x + p * H * W;
      T* op = out + p * OH * OW;
      int32_t* ip = idx ? idx + p * OH * OW : nullptr;
      // the 2x2 path covers the windows fully inside the plane; a ceil-mode edge row or column is left
      int64_t doneH = 0, doneW = 0;
      if (fast2x2 && maxPool2x2Plane(reinterpret_cast<const float*>(xp), H, W, OH, OW, reinterpret_cast<float*>(op), ip)) {
        doneH = std::min(OH, H / 2);
        doneW = std::min(OW, W / 2);
      }
      for (int64_t oh = 0; oh < OH; oh++) {
        T* orow = op + oh * OW;
        int32_t* irow = ip ? ip + oh * OW : nullptr;
        const int64_t from = oh < doneH ? doneW : 0;
        const int64_t ia = std::max(a, from), ib = std::max(b, ia);
        if (ia < ib) {
          if (g.sw == 1) maxInterior<T, 1>(xp, g, ah, oh, ia, ib, orow, irow);
          else if (g.sw == 2) maxInterior<T, 2>(xp, g, ah, oh, ia, ib, orow, irow);
          else maxInterior<T, 0>(xp, g, ah, oh, ia, ib, orow, irow);
        }
        for (int64_t ow = from; ow < OW; ow++) {
          if (ow == ia && ia < ib) ow = ib;
          if (ow >= OW) break;
          maxOne(xp, W, ah, aw, oh, ow, orow + ow, irow ? irow + ow : nullptr);
        }
      }
    }
  });
}

template <typename T>
void maxBackPlanes(const Exec& ex, const PoolGeom& g, const T* gout, const int32_t* idx, T* dx) {
  const int64_t HW = g.H * g.W, OHW = g.OH * g.OW;
  const bool fast2x2 = std::is_same<T, float>::value && !g.adaptive && g.kh == 2 && g.kw == 2 && g.sh == 2 &&
                       g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1;
  ex.pool().parallelFor(g.planes, planeGrain(HW + OHW), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      T* dp = dx + p * HW;
      const T* gp = gout + p * OHW;
      const int32_t* ip = idx + p * OHW;
      if (fast2x2 && maxPool2x2BackPlane(reinterpret_cast<const float*>(gp), ip, g.H, g.W, g.OH, g.OW,
                                         reinterpret_cast<float*>(dp)))
        continue;
      std::memset(dp, 0, sizeof(T) * HW);
      for (int64_t o = 0; o < OHW; o++) {
        const int64_t i = ip[o];
        if (i >= 0 && i < HW) dp[i] += gp[o];  // an all-padding window's index lies outside: no input gets it
      }
    }
  });
}

// The divisor of window (oh, ow): torch's divisor_override, or the product of the axes' factors.
inline int64_t avgDiv(const PoolGeom& g, const PoolAxis& ah, const PoolAxis& aw, int64_t oh, int64_t ow) {
  return g.divisor != 0 ? g.divisor : ah.div[oh] * aw.div[ow];
}

template <typename T>
void avgInterior(const T* xp, const PoolGeom& g, int64_t h0, int64_t nh, int64_t a, int64_t b, T div, T* orow) {
#ifdef __AVX2__
  if constexpr (std::is_same<T, float>::value) {
    if (g.sw == 1) return poolrows::avgRowF<1>(xp, g.H, g.W, h0, nh, g.kw, g.pw, a, b, div, orow);
    if (g.sw == 2) return poolrows::avgRowF<2>(xp, g.H, g.W, h0, nh, g.kw, g.pw, a, b, div, orow);
  }
#endif
  if (g.sw == 1) poolrows::avgRow<T, 1>(xp, g.W, h0, nh, g.kw, g.sw, g.pw, a, b, div, orow);
  else if (g.sw == 2) poolrows::avgRow<T, 2>(xp, g.W, h0, nh, g.kw, g.sw, g.pw, a, b, div, orow);
  else poolrows::avgRow<T, 0>(xp, g.W, h0, nh, g.kw, g.sw, g.pw, a, b, div, orow);
}

// Sums in T, in torch's tap order (its opmath type for float is float).
template <typename T>
void avgPlanes(const Exec& ex, const PoolGeom& g, const T* x, T* out) {
  if constexpr (std::is_same<T, float>::value)
    if (poolGlobalAvgF32(ex, g, x, out) || poolSepF32(ex, g, false, x, out)) return;
  const PoolAxis ah = poolAxis(g, true), aw = poolAxis(g, false);
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  int64_t a = 0, b = 0;
  if (!g.adaptive) poolrows::interior(W, OW, g.kw, g.sw, g.pw, 1, a, b);
  ex.pool().parallelFor(g.planes, planeGrain(H * W + OH * OW), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const T* xp = x + p * H * W;
      T* op = out + p * OH * OW;
      for (int64_t oh = 0; oh < OH; oh++) {
        const int64_t h0 = ah.lo[oh], nh = ah.cnt[oh];
        T* orow = op + oh * OW;
        if (a < b && nh > 0) {
          const T div = (T)avgDiv(g, ah, aw, oh, a);  // the same for every interior column
          avgInterior<T>(xp, g, h0, nh, a, b, div, orow);
        }
        for (int64_t ow = 0; ow < OW; ow++) {
          if (ow == a && a < b && nh > 0) ow = b;
          if (ow >= OW) break;
          const int64_t w0 = aw.lo[ow], nw = aw.cnt[ow];
          if (nh == 0 || nw == 0) {  // a window wholly in the padding: torch gives 0
            orow[ow] = T(0);
            continue;
          }
          T s = 0;
          for (int64_t h = h0; h < h0 + nh; h++)
            for (int64_t w = w0; w < w0 + nw; w++) s += xp[h * W + w];
          orow[ow] = s / (T)avgDiv(g, ah, aw, oh, ow);
        }
      }
    }
  });
}

template <typename T>
void avgBackPlanes(const Exec& ex, const PoolGeom& g, const T* gout, T* dx) {
  const PoolAxis ah = poolAxis(g, true), aw = poolAxis(g, false);
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  int64_t a = 0, b = 0;
  if (!g.adaptive) poolrows::interior(W, OW, g.kw, g.sw, g.pw, 1, a, b);
  ex.pool().parallelFor(g.planes, planeGrain(H * W + OH * OW), [&](int64_t p0, int64_t p1) {
    std::vector<T> gd(OW);
    for (int64_t p = p0; p < p1; p++) {
      T* dp = dx + p * H * W;
      const T* gp = gout + p * OH * OW;
      std::memset(dp, 0, sizeof(T) * H * W);
      for (int64_t oh = 0; oh < OH; oh++) {
        const int64_t h0 = ah.lo[oh], nh = ah.cnt[oh];
        const T* grow = gp + oh * OW;
        if (nh == 0) continue;
        for (int64_t ow = 0; ow < OW; ow++) {
          if (aw.cnt[ow] == 0) continue;
          gd[ow] = grow[ow] / (T)avgDiv(g, ah, aw, oh, ow);
          if (ow >= a && ow < b) continue;  // interior: below, one pass per tap
          for (int64_t h = h0; h < h0 + nh; h++)
            for (int64_t w = aw.lo[ow]; w < aw.lo[ow] + aw.cnt[ow]; w++) dp[h * W + w] += gd[ow];
        }
        if (a < b) {
          if (g.sw == 1) poolrows::avgBackRow<T, 1>(dp, W, h0, nh, g.kw, g.sw, g.pw, a, b, gd.data());
          else if (g.sw == 2) poolrows::avgBackRow<T, 2>(dp, W, h0, nh, g.kw, g.sw, g.pw, a, b, gd.data());
          else poolrows::avgBackRow<T, 0>(dp, W, h0, nh, g.kw, g.sw, g.pw, a, b, gd.data());
        }
      }
    }
  });
}

}  // namespace

void maxPoolForward(const Exec& ex, int dtype, const PoolGeom& g, const void* x, void* out, int32_t* idx) {
  if (dtype == kF32) maxPlanes(ex, g, static_cast<const float*>(x), static_cast<float*>(out), idx);
  else maxPlanes(ex, g, static_cast<const double*>(x), static_cast<double*>(out), idx);
}

void maxPoolBackward(const Exec& ex, int dtype, const PoolGeom& g, const void* gout, const int32_t* idx, void* dx) {
  if (dtype == kF32) maxBackPlanes(ex, g, static_cast<const float*>(gout), idx, static_cast<float*>(dx));
  else maxBackPlanes(ex, g, static_cast<const double*>(gout), idx, static_cast<double*>(dx));
}

void avgPoolForward(const Exec& ex, int dtype, const PoolGeom& g, const void* x, void* out) {
  if (dtype == kF32) avgPlanes(ex, g, static_cast<const float*>(x), static_cast<float*>(out));
  else avgPlanes(ex, g, static_cast<const double*>(x), static_cast<double*>(out));
}

void avgPoolBackward(const Exec& ex, int dtype, const PoolGeom& g, const void* gout, void* dx) {
  if (dtype == kF32) avgBackPlanes(ex, g, static_cast<const float*>(gout), static_cast<float*>(dx));
  else avgBackPlanes(ex, g, static_cast<const double*>(gout), static_cast<double*>(dx));
}

}  // namespace tf
