// Nearest and bilinear resampling of contiguous planes (torch 1.13's upsample_nearest2d and
// upsample_bilinear2d, aten/src/ATen/native/UpSample.h and cpu/UpSampleKernel.cpp), forward
// and its adjoint. Source positions and weights are tabulated per axis with torch's own
// arithmetic (float for nearest's scale, the element type for bilinear's), so indices match
// torch exactly, including fractional scale factors.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "../core/dtype.h"
#include "../core/threadpool.h"
#include "pool.h"

namespace tf {

namespace {

// torch's compute_scales_value: 1/scale_factor when one was given, else in/out.
template <typename T>
T scalesValue(double scale, int64_t in, int64_t out) {
  return scale > 0 ? static_cast<T>(1.0 / scale) : static_cast<T>(in) / static_cast<T>(out);
}

// torch's nearest_idx (float arithmetic whatever the dtype).
std::vector<int64_t> nearestTable(int64_t in, int64_t out, double scale) {
  std::vector<int64_t> t(out);
  const float s = scalesValue<float>(scale, in, out);
  for (int64_t o = 0; o < out; o++) {
    if (out == in) t[o] = o;
    else if (out == 2 * in) t[o] = o >> 1;
    else {
      // clamped before the conversion: a scale passed straight to the addon may overflow int64
      const float f = floorf(static_cast<float>(o) * s);
      t[o] = f < static_cast<float>(in - 1) ? static_cast<int64_t>(f) : in - 1;
    }
  }
  return t;
}

template <typename T>
struct Linear {
  std::vector<int64_t> i0, i1;
  std::vector<T> l0, l1;
};

// torch's compute_source_index_and_lambda with area_pixel_compute_scale / _source_index.
template <typename T>
Linear<T> linearTable(int64_t in, int64_t out, bool alignCorners, double scale) {
  Linear<T> t;
  t.i0.resize(out);
  t.i1.resize(out);
  t.l0.resize(out);
  t.l1.resize(out);
  const T ratio = alignCorners ? (out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0))
                               : scalesValue<T>(scale, in, out);
  for (int64_t o = 0; o < out; o++) {
    if (out == in) {
      t.i0[o] = t.i1[o] = o;
      t.l0[o] = 1;
      t.l1[o] = 0;
      continue;
    }
    T src;
    if (alignCorners) src = ratio * static_cast<T>(o);
    else {
      src = static_cast<T>(static_cast<double>(ratio) * (static_cast<double>(o) + 0.5) - 0.5);
      if (src < 0) src = 0;
    }
    // src >= 0; clamped before the conversion (cannot bind in torch's arithmetic, keeps reads inside the plane)
    const int64_t a = src < static_cast<T>(in - 1) ? static_cast<int64_t>(src) : in - 1;
    t.i0[o] = a;
    t.i1[o] = a + (a < in - 1 ? 1 : 0);
    const T l = std::min(std::max(src - static_cast<T>(a), T(0)), T(1));
    t.l1[o] = l;
    t.l0[o] = T(1) - l;
  }
  return t;
}

template <typename T>
void resamplePlanes(const Exec& ex, const ResampleGeom& g, const T* x, T* out, bool backward) {
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW;
  const int64_t grain = planeGrain(H * W + OH * OW);
  if (g.mode == 0) {
    const std::vector<int64_t> th = nearestTable(H, OH, g.scaleH), tw = nearestTable(W, OW, g.scaleW);
    ex.pool().parallelFor(g.planes, grain, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; p++) {
        if (!backward) {
          const T* xp = x + p * H * W;
          T* op = out + p * OH * OW;
          for (int64_t oh = 0; oh < OH; oh++) {
            const T* row = xp + th[oh] * W;
            for (int64_t ow = 0; ow < OW; ow++) op[oh * OW + ow] = row[tw[ow]];
          }
        } else {  // x is the output gradient (OH x OW), out the input gradient (H x W)
          const T* gp = x + p * OH * OW;
          T* dp = out + p * H * W;
          std::memset(dp, 0, sizeof(T) * H * W);
          for (int64_t oh = 0; oh < OH; oh++) {
            T* row = dp + th[oh] * W;
            for (int64_t ow = 0; ow < OW; ow++) row[tw[ow]] += gp[oh * OW + ow];
          }
        }
      }
    });
    return;
  }
  const Linear<T> lh = linearTable<T>(H, OH, g.alignCorners, g.scaleH);
  const Linear<T> lw = linearTable<T>(W, OW, g.alignCorners, g.scaleW);
  ex.pool().parallelFor(g.planes, grain, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      if (!backward) {
        const T* xp = x + p * H * W;
        T* op = out + p * OH * OW;
        for (int64_t oh = 0; oh < OH; oh++) {
          const T* r0 = xp + lh.i0[oh] * W;
          const T* r1 = xp + lh.i1[oh] * W;
          const T a0 = lh.l0[oh], a1 = lh.l1[oh];
          for (int64_t ow = 0; ow < OW; ow++) {
            const int64_t c0 = lw.i0[ow], c1 = lw.i1[ow];
            const T b0 = lw.l0[ow], b1 = lw.l1[ow];
            op[oh * OW + ow] = a0 * (b0 * r0[c0] + b1 * r0[c1]) + a1 * (b0 * r1[c0] + b1 * r1[c1]);
          }
        }
      } else {
        const T* gp = x + p * OH * OW;
        T* dp = out + p * H * W;
        std::memset(dp, 0, sizeof(T) * H * W);
        for (int64_t oh = 0; oh < OH; oh++) {
          T* r0 = dp + lh.i0[oh] * W;
          T* r1 = dp + lh.i1[oh] * W;
          const T a0 = lh.l0[oh], a1 = lh.l1[oh];
          for (int64_t ow = 0; ow < OW; ow++) {
            const int64_t c0 = lw.i0[ow], c1 = lw.i1[ow];
            const T b0 = lw.l0[ow], b1 = lw.l1[ow], v = gp[oh * OW + ow];
            r0[c0] += a0 * b0 * v;
            r0[c1] += a0 * b1 * v;
            r1[c0] += a1 * b0 * v;
            r1[c1] += a1 * b1 * v;
          }
        }
      }
    }
  });
}

}  // namespace

void resampleForward(const Exec& ex, int dtype, const ResampleGeom& g, const void* x, void* out) {
  if (dtype == kF32) resamplePlanes(ex, g, static_cast<const float*>(x), static_cast<float*>(out), false);
  else resamplePlanes(ex, g, static_cast<const double*>(x), static_cast<double*>(out), false);
}

void resampleBackward(const Exec& ex, int dtype, const ResampleGeom& g, const void* gout, void* dx) {
  if (dtype == kF32) resamplePlanes(ex, g, static_cast<const float*>(gout), static_cast<float*>(dx), true);
  else resamplePlanes(ex, g, static_cast<const double*>(gout), static_cast<double*>(dx), true);
}

}  // namespace tf
