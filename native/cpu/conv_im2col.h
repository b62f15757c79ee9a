// im2col / col2im for one sample and one channel group, the valid-column range both use, and
// the short-row copies they and the depthwise kernels share. col is [Cg * KH * KW, OH * OW] row-major: row
// (c, ki, kj) holds, for every output pixel, the input it meets under kernel tap (ki, kj).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "../backend/conv.h"

namespace tf {

// Copies of short rows (tens of elements): a plain loop the compiler vectorises inline. A libc
// memcpy call per 100-byte row was half the time of a depthwise pass (and a few % of im2col);
// GCC would turn the loop back into that call unless told not to.
#if defined(__GNUC__) && !defined(__clang__)
#define TF_NO_MEMCPY_IDIOM __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define TF_NO_MEMCPY_IDIOM
#endif
template <typename T>
TF_NO_MEMCPY_IDIOM inline void copyRow(T* __restrict d, const T* __restrict s, int64_t n) {
  for (int64_t i = 0; i < n; i++) d[i] = s[i];
}
template <typename T>
TF_NO_MEMCPY_IDIOM inline void zeroRow(T* __restrict d, int64_t n) {
  for (int64_t i = 0; i < n; i++) d[i] = T(0);
}

// Output columns ow whose input column iw = ow * sw + off lies in [0, W): [lo, hi).
struct ColRange {
  int64_t lo, hi;
};
inline ColRange validCols(int64_t off, int64_t sw, int64_t W, int64_t OW) {
  int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  int64_t hi = W - off <= 0 ? 0 : (W - off + sw - 1) / sw;
  lo = std::min(lo, OW);
  hi = std::max(lo, std::min(hi, OW));
  return {lo, hi};
}

template <typename T>
void im2col(const T* x, const ConvGeom& g, int64_t Cg, T* col) {
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW, P = OH * OW;
  for (int64_t c = 0; c < Cg; c++) {
    const T* src = x + c * H * W;
    for (int64_t ki = 0; ki < g.KH; ki++) {
      for (int64_t kj = 0; kj < g.KW; kj++) {
        T* dst = col + ((c * g.KH + ki) * g.KW + kj) * P;
        const int64_t off = kj * g.dw - g.pw;
        const ColRange r = validCols(off, g.sw, W, OW);
        for (int64_t oh = 0; oh < OH; oh++) {
          T* d = dst + oh * OW;
          const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
          if (ih < 0 || ih >= H) {
            zeroRow(d, OW);
            continue;
          }
          const T* s = src + ih * W + off;
          for (int64_t ow = 0; ow < r.lo; ow++) d[ow] = T(0);
          if (g.sw == 1) {
            copyRow(d + r.lo, s + r.lo, r.hi - r.lo);
          } else {
            const int64_t sw = g.sw;
            for (int64_t ow = r.lo; ow < r.hi; ow++) d[ow] = s[ow * sw];
          }
          for (int64_t ow = r.hi; ow < OW; ow++) d[ow] = T(0);
        }
      }
    }
  }
}

// dx (Cg planes of H x W, zeroed by the caller) += the columns of col put back where im2col took them.
template <typename T>
void col2im(const T* col, const ConvGeom& g, int64_t Cg, T* dx) {
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW, P = OH * OW;
  for (int64_t c = 0; c < Cg; c++) {
    T* dst = dx + c * H * W;
    for (int64_t ki = 0; ki < g.KH; ki++) {
      for (int64_t kj = 0; kj < g.KW; kj++) {
        const T* src = col + ((c * g.KH + ki) * g.KW + kj) * P;
        const int64_t off = kj * g.dw - g.pw;
        const ColRange r = validCols(off, g.sw, W, OW);
        for (int64_t oh = 0; oh < OH; oh++) {
          const int64_t ih = oh * g.sh - g.ph + ki * g.dh;
          if (ih < 0 || ih >= H) continue;
          const T* s = src + oh * OW;
          T* d = dst + ih * W + off;
          if (g.sw == 1) {
            for (int64_t ow = r.lo; ow < r.hi; ow++) d[ow] += s[ow];
          } else {
            const int64_t sw = g.sw;
            for (int64_t ow = r.lo; ow < r.hi; ow++) d[ow * sw] += s[ow];
          }
        }
      }
    }
  }
}

}  // namespace tf
