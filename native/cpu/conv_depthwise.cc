#include "conv_depthwise.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "conv_im2col.h"

namespace tf {

namespace {

// The padded plane every output reads: Hp x Wp, input pixel (r, c) at (r + ph, c + pw), zeros
// around. Built once per (sample, channel) in a small task-local buffer (a few KB, in L1), so the
// tap loops below run over whole rows with no bounds checks.
struct PadPlane {
  int64_t Hp, Wp;
  explicit PadPlane(const ConvGeom& g)
      : Hp((g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1), Wp((g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1) {}
  template <typename T>
  void load(const ConvGeom& g, const T* x, T* p) const {
    std::fill(p, p + Hp * Wp, T(0));
    const int64_t r0 = std::max<int64_t>(0, -g.ph), r1 = std::min(g.H, Hp - g.ph);
    const int64_t c0 = std::max<int64_t>(0, -g.pw), c1 = std::min(g.W, Wp - g.pw);
    if (c1 <= c0) return;
    for (int64_t r = r0; r < r1; r++)
      copyRow(p + (r + g.ph) * Wp + c0 + g.pw, x + r * g.W + c0, c1 - c0);
  }
  // dx plane (H x W) = the interior of a padded gradient plane (0 where no output reached)
  template <typename T>
  void store(const ConvGeom& g, const T* p, T* dx) const {
    std::fill(dx, dx + g.H * g.W, T(0));
    const int64_t r0 = std::max<int64_t>(0, -g.ph), r1 = std::min(g.H, Hp - g.ph);
    const int64_t c0 = std::max<int64_t>(0, -g.pw), c1 = std::min(g.W, Wp - g.pw);
    if (c1 <= c0) return;
    for (int64_t r = r0; r < r1; r++)
      copyRow(dx + r * g.W + c0, p + (r + g.ph) * Wp + c0 + g.pw, c1 - c0);
  }
};

// y[i] += a x[i * sx]: restrict parameters (not locals, which GCC ignores) let these vectorise.
template <typename T>
inline void axpy(T* __restrict y, const T* __restrict x, T a, int64_t n, int64_t sx) {
  if (sx == 1) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
  } else {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i * sx];
  }
}
// y[i * sy] += a x[i]
template <typename T>
inline void axpyTo(T* __restrict y, int64_t sy, const T* __restrict x, T a, int64_t n) {
  if (sy == 1) {
    for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
  } else {
    for (int64_t i = 0; i < n; i++) y[i * sy] += a * x[i];
  }
}
// acc[i] += q[i] x[i * sx]
template <typename T>
inline void mulAcc(T* __restrict acc, const T* __restrict q, const T* __restrict x, int64_t n, int64_t sx) {
  if (sx == 1) {
    for (int64_t i = 0; i < n; i++) acc[i] += q[i] * x[i];
  } else {
    for (int64_t i = 0; i < n; i++) acc[i] += q[i] * x[i * sx];
  }
}

// True when no value is Inf or NaN (an exponent test on the bits: an integer OR that vectorises).
// The wide gradient paths multiply zeros into padding columns; 0 * Inf would put a NaN where the
// true sum has none, so planes with non-finite values take the row path.
inline bool allFinite(const float* p, int64_t n) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; i++) {
    uint32_t b;
    std::memcpy(&b, p + i, 4);
    bad |= (uint32_t)((b & 0x7f800000u) == 0x7f800000u);
  }
  return !bad;
}
inline bool allFinite(const double* p, int64_t n) {
  uint64_t bad = 0;
  for (int64_t i = 0; i < n; i++) {
    uint64_t b;
    std::memcpy(&b, p + i, 8);
    bad |= (uint64_t)((b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull);
  }
  return !bad;
}

// y[i] = b + sum of the 9 taps of a 3x3 kernel at x + row * rs + col * cs + i, in the same order as
// nine axpys, but with every output in a register once instead of loaded and stored per tap.
template <typename T>
inline void taps3x3(T* __restrict y, const T* __restrict x, const T* __restrict w, T b, int64_t rs, int64_t cs, int64_t n) {
  const T *r0 = x, *r1 = x + rs, *r2 = x + 2 * rs;
  const int64_t c1 = cs, c2 = 2 * cs;
  const T w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8];
  for (int64_t i = 0; i < n; i++) {
    T a = b + w0 * r0[i];
    a += w1 * r0[i + c1];
    a += w2 * r0[i + c2];
    a += w3 * r1[i];
    a += w4 * r1[i + c1];
    a += w5 * r1[i + c2];
    a += w6 * r2[i];
    a += w7 * r2[i + c1];
    a += w8 * r2[i + c2];
    y[i] = a;
  }
}

// lanes[i % 8] += a[i] b[i * sb]: a dot product kept in 8 fixed lanes, so it vectorises without
// reassociating anything (the lanes are summed in order at the end: thread-count independent).
template <typename T>
inline void dot8(T* __restrict lanes, const T* __restrict a, const T* __restrict b, int64_t n, int64_t sb) {
  T l[8];
  for (int j = 0; j < 8; j++) l[j] = lanes[j];
  int64_t i = 0;
  if (sb == 1)
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; j++) l[j] += a[i + j] * b[i + j];
  for (; i < n; i++) l[i & 7] += a[i] * b[i * sb];
  for (int j = 0; j < 8; j++) lanes[j] = l[j];
}

int64_t planeGrain(int64_t planeWork) { return std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, planeWork)); }

}  // namespace

// Stride 1 runs "wide": an output plane is computed over whole padded rows (OH x Wp, the Wp - OW
// extra columns of each row discarded), so every tap is one long contiguous axpy instead of OH short
// ones. A gradient plane is spread to that width with zeros in the extra columns for the same reason.
// The padded buffers get (KW - 1) dw spare zeros at the end for the last tap's overhang.
template <typename T>
void depthwiseForward(const Exec& ex, const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t Og = g.O / g.G, P = g.OH * g.OW, HW = g.H * g.W, KK = g.KH * g.KW;
  const PadPlane pp(g);
  const bool wide = g.sh == 1 && g.sw == 1;
  const int64_t Wp = pp.Wp, L = g.OH * Wp, spare = (g.KW - 1) * g.dw;
  // a task owns (sample, input channel) pairs and writes the Og output planes they feed
  ex.pool().parallelFor(g.N * g.C, planeGrain(P * KK * Og), [&](int64_t lo, int64_t hi) {
    std::vector<T> buf((size_t)(pp.Hp * Wp + spare + (wide ? L : 0)));
    T* xp = buf.data();
    T* yw = xp + pp.Hp * Wp + spare;
    for (int64_t idx = lo; idx < hi; idx++) {
      const int64_t n = idx / g.C, c = idx % g.C;
      pp.load(g, x + idx * HW, xp);
      for (int64_t o = c * Og; o < (c + 1) * Og; o++) {
        const T* wp = w + o * KK;
        T* yp = y + (n * g.O + o) * P;
        const T b = bias ? bias[o] : T(0);
        if (wide && g.KH == 3 && g.KW == 3) {
          taps3x3(yw, xp, wp, b, g.dh * Wp, g.dw, L);
          for (int64_t oh = 0; oh < g.OH; oh++) copyRow(yp + oh * g.OW, yw + oh * Wp, g.OW);
          continue;
        }
        if (wide) {
          std::fill(yw, yw + L, b);
          for (int64_t ki = 0; ki < g.KH; ki++)
            for (int64_t kj = 0; kj < g.KW; kj++) axpy(yw, xp + ki * g.dh * Wp + kj * g.dw, wp[ki * g.KW + kj], L, 1);
          for (int64_t oh = 0; oh < g.OH; oh++) copyRow(yp + oh * g.OW, yw + oh * Wp, g.OW);
          continue;
        }
        for (int64_t oh = 0; oh < g.OH; oh++) {
          T* yr = yp + oh * g.OW;
          std::fill(yr, yr + g.OW, b);
          for (int64_t ki = 0; ki < g.KH; ki++) {
            const T* xr = xp + (oh * g.sh + ki * g.dh) * Wp;
            for (int64_t kj = 0; kj < g.KW; kj++) axpy(yr, xr + kj * g.dw, wp[ki * g.KW + kj], g.OW, g.sw);
          }
        }
      }
    }
  });
}

// gw (OH x Wp) = the gradient plane gp (OH x OW) with zero extra columns
template <typename T>
void widen(const ConvGeom& g, int64_t Wp, const T* gp, T* gw) {
  for (int64_t oh = 0; oh < g.OH; oh++) {
    copyRow(gw + oh * Wp, gp + oh * g.OW, g.OW);
    zeroRow(gw + oh * Wp + g.OW, Wp - g.OW);
  }
}

template <typename T>
void depthwiseBackwardInput(const Exec& ex, const ConvGeom& g, const T* gy, const T* w, T* dx) {
  const int64_t Og = g.O / g.G, P = g.OH * g.OW, HW = g.H * g.W, KK = g.KH * g.KW;
  const PadPlane pp(g);
  const bool wide = g.sh == 1 && g.sw == 1;
  const int64_t Wp = pp.Wp, L = g.OH * Wp, spare = (g.KW - 1) * g.dw;
  // one task owns whole dx planes: no output element is shared between threads
  // 3x3 with one output per channel: dx is the forward's 9-tap sum over the gradient plane with
  // the kernel flipped (the plane spread to width Wp inside margin zeros, so negative offsets read 0)
  const bool taps = wide && Og == 1 && g.KH == 3 && g.KW == 3;
  const int64_t margin = taps ? 2 * g.dh * Wp + 2 * g.dw : 0, HpWp = pp.Hp * Wp;
  ex.pool().parallelFor(g.N * g.C, planeGrain(P * KK * Og), [&](int64_t lo, int64_t hi) {
    std::vector<T> buf((size_t)(HpWp + spare + (wide ? L : 0) + (taps ? margin + HpWp - L : 0)));
    T* dp = buf.data();
    T* gw = dp + HpWp + spare + margin;  // taps: [margin zeros][gw: L][zeros up to HpWp]
    for (int64_t idx = lo; idx < hi; idx++) {
      const int64_t n = idx / g.C, c = idx % g.C;
      const bool wideHere = wide && allFinite(w + c * Og * KK, Og * KK);
      if (taps && wideHere) {
        const T* wp = w + c * KK;
        const T wf[9] = {wp[8], wp[7], wp[6], wp[5], wp[4], wp[3], wp[2], wp[1], wp[0]};
        widen(g, Wp, gy + (n * g.O + c) * P, gw);
        taps3x3(dp, gw - margin, wf, T(0), g.dh * Wp, g.dw, HpWp);
        pp.store(g, dp, dx + idx * HW);
        continue;
      }
      std::fill(dp, dp + HpWp + spare, T(0));
      for (int64_t o = c * Og; o < (c + 1) * Og; o++) {
        const T* gp = gy + (n * g.O + o) * P;
        const T* wp = w + o * KK;
        if (wideHere) {
          widen(g, Wp, gp, gw);
          for (int64_t ki = 0; ki < g.KH; ki++)
            for (int64_t kj = 0; kj < g.KW; kj++) axpyTo(dp + ki * g.dh * Wp + kj * g.dw, 1, gw, wp[ki * g.KW + kj], L);
          continue;
        }
        for (int64_t oh = 0; oh < g.OH; oh++) {
          const T* q = gp + oh * g.OW;
          for (int64_t ki = 0; ki < g.KH; ki++) {
            T* dr = dp + (oh * g.sh + ki * g.dh) * Wp;
            for (int64_t kj = 0; kj < g.KW; kj++) axpyTo(dr + kj * g.dw, g.sw, q, wp[ki * g.KW + kj], g.OW);
          }
        }
      }
      pp.store(g, dp, dx + idx * HW);
    }
  });
}

template <typename T>
void depthwiseBackwardWeight(const Exec& ex, const ConvGeom& g, const T* x, const T* gy, T* dw) {
  const int64_t Og = g.O / g.G, P = g.OH * g.OW, HW = g.H * g.W, KK = g.KH * g.KW;
  const PadPlane pp(g);
  const bool wide = g.sh == 1 && g.sw == 1;
  const int64_t Wp = pp.Wp, L = g.OH * Wp, spare = (g.KW - 1) * g.dw;
  // one task owns the KH*KW weights of its output channels and sums the samples in order, each
  // tap into 8 lanes summed at the end: the result does not depend on the thread count
  ex.pool().parallelFor(g.O, planeGrain(g.N * P * KK), [&](int64_t lo, int64_t hi) {
    std::vector<T> buf((size_t)(pp.Hp * Wp + spare + KK * 8 + (wide ? L : 0)));
    T* xp = buf.data();
    T* acc = xp + pp.Hp * Wp + spare;
    T* gw = acc + KK * 8;
    for (int64_t o = lo; o < hi; o++) {
      const int64_t c = o / Og;
      std::fill(acc, acc + KK * 8, T(0));
      for (int64_t n = 0; n < g.N; n++) {
        pp.load(g, x + (n * g.C + c) * HW, xp);
        const T* gp = gy + (n * g.O + o) * P;
        if (wide && allFinite(x + (n * g.C + c) * HW, HW)) {
          widen(g, Wp, gp, gw);
          for (int64_t ki = 0; ki < g.KH; ki++)
            for (int64_t kj = 0; kj < g.KW; kj++) dot8(acc + (ki * g.KW + kj) * 8, gw, xp + ki * g.dh * Wp + kj * g.dw, L, 1);
          continue;
        }
        for (int64_t oh = 0; oh < g.OH; oh++) {
          const T* q = gp + oh * g.OW;
          for (int64_t ki = 0; ki < g.KH; ki++) {
            const T* xr = xp + (oh * g.sh + ki * g.dh) * Wp;
            for (int64_t kj = 0; kj < g.KW; kj++) dot8(acc + (ki * g.KW + kj) * 8, q, xr + kj * g.dw, g.OW, g.sw);
          }
        }
      }
      for (int64_t k = 0; k < KK; k++) {
        T s = 0;
        for (int j = 0; j < 8; j++) s += acc[k * 8 + j];
        dw[o * KK + k] = s;
      }
    }
  });
}

template void depthwiseForward<float>(const Exec&, const ConvGeom&, const float*, const float*, const float*, float*);
template void depthwiseForward<double>(const Exec&, const ConvGeom&, const double*, const double*, const double*, double*);
template void depthwiseBackwardInput<float>(const Exec&, const ConvGeom&, const float*, const float*, float*);
template void depthwiseBackwardInput<double>(const Exec&, const ConvGeom&, const double*, const double*, double*);
template void depthwiseBackwardWeight<float>(const Exec&, const ConvGeom&, const float*, const float*, float*);
template void depthwiseBackwardWeight<double>(const Exec&, const ConvGeom&, const double*, const double*, double*);

}  // namespace tf
