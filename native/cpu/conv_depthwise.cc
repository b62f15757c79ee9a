#include "conv_depthwise.h"

#include <algorithm>
#include <cstring>

#include "conv_im2col.h"

namespace tf {

namespace {

// Planes per task: about kGrainElementwise multiply-adds each.
int64_t planeGrain(const ConvGeom& g, int64_t planeWork) {
  (void)g;
  return std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, planeWork));
}

// acc[ow] (+)= wv * src[ow * sw] over the valid columns of one output row.
template <typename T>
inline void axpyRow(T* acc, const T* src, T wv, int64_t sw, ColRange r) {
  if (sw == 1) {
    for (int64_t ow = r.lo; ow < r.hi; ow++) acc[ow] += wv * src[ow];
  } else {
    for (int64_t ow = r.lo; ow < r.hi; ow++) acc[ow] += wv * src[ow * sw];
  }
}

}  // namespace

template <typename T>
void depthwiseForward(const Exec& ex, const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t Og = g.O / g.G, P = g.OH * g.OW, HW = g.H * g.W, KK = g.KH * g.KW;
  ex.pool().parallelFor(g.N * g.O, planeGrain(g, P * KK), [&](int64_t lo, int64_t hi) {
    for (int64_t idx = lo; idx < hi; idx++) {
      const int64_t n = idx / g.O, o = idx % g.O, c = o / Og;
      const T* xp = x + (n * g.C + c) * HW;
      const T* wp = w + o * KK;
      T* yp = y + idx * P;
      std::fill(yp, yp + P, bias ? bias[o] : T(0));
      for (int64_t ki = 0; ki < g.KH; ki++) {
        for (int64_t kj = 0; kj < g.KW; kj++) {
          const T wv = wp[ki * g.KW + kj];
          const int64_t off = kj * g.dw - g.pw;
          const ColRange r = validCols(off, g.sw, g.W, g.OW);
          for (int64_t oh = 0; oh < g.OH; oh++) {
            const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
            if (ih < 0 || ih >= g.H) continue;
            axpyRow(yp + oh * g.OW, xp + ih * g.W + off, wv, g.sw, r);
          }
        }
      }
    }
  });
}

template <typename T>
void depthwiseBackwardInput(const Exec& ex, const ConvGeom& g, const T* gy, const T* w, T* dx) {
  const int64_t Og = g.O / g.G, P = g.OH * g.OW, HW = g.H * g.W, KK = g.KH * g.KW;
  // one task owns whole dx planes: no output element is shared between threads
  ex.pool().parallelFor(g.N * g.C, planeGrain(g, P * KK * Og), [&](int64_t lo, int64_t hi) {
    for (int64_t idx = lo; idx < hi; idx++) {
      const int64_t n = idx / g.C, c = idx % g.C;
      T* dp = dx + idx * HW;
      std::fill(dp, dp + HW, T(0));
      for (int64_t o = c * Og; o < (c + 1) * Og; o++) {
        const T* gp = gy + (n * g.O + o) * P;
        for (int64_t ki = 0; ki < g.KH; ki++) {
          for (int64_t kj = 0; kj < g.KW; kj++) {
            const T wv = w[o * KK + ki * g.KW + kj];
            const int64_t off = kj * g.dw - g.pw;
            const ColRange r = validCols(off, g.sw, g.W, g.OW);
            for (int64_t oh = 0; oh < g.OH; oh++) {
              const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
              if (ih < 0 || ih >= g.H) continue;
              T* d = dp + ih * g.W + off;
              const T* s = gp + oh * g.OW;
              if (g.sw == 1) {
                for (int64_t ow = r.lo; ow < r.hi; ow++) d[ow] += wv * s[ow];
              } else {
                for (int64_t ow = r.lo; ow < r.hi; ow++) d[ow * g.sw] += wv * s[ow];
              }
            }
          }
        }
      }
    }
  });
}

template <typename T>
void depthwiseBackwardWeight(const Exec& ex, const ConvGeom& g, const T* x, const T* gy, T* dw) {
  const int64_t Og = g.O / g.G, P = g.OH * g.OW, HW = g.H * g.W, KK = g.KH * g.KW;
  // one task owns the KH*KW weights of its output channels and sums the samples in order:
  // the result does not depend on the thread count
  ex.pool().parallelFor(g.O, planeGrain(g, g.N * P * KK), [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; o++) {
      const int64_t c = o / Og;
      for (int64_t ki = 0; ki < g.KH; ki++) {
        for (int64_t kj = 0; kj < g.KW; kj++) {
          const int64_t off = kj * g.dw - g.pw;
          const ColRange r = validCols(off, g.sw, g.W, g.OW);
          T acc = 0;
          for (int64_t n = 0; n < g.N; n++) {
            const T* xp = x + (n * g.C + c) * HW;
            const T* gp = gy + (n * g.O + o) * P;
            for (int64_t oh = 0; oh < g.OH; oh++) {
              const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
              if (ih < 0 || ih >= g.H) continue;
              const T* s = xp + ih * g.W + off;
              const T* q = gp + oh * g.OW;
              T rowAcc = 0;
              if (g.sw == 1) {
                for (int64_t ow = r.lo; ow < r.hi; ow++) rowAcc += q[ow] * s[ow];
              } else {
                for (int64_t ow = r.lo; ow < r.hi; ow++) rowAcc += q[ow] * s[ow * g.sw];
              }
              acc += rowAcc;
            }
          }
          dw[o * KK + ki * g.KW + kj] = acc;
        }
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
