// One output row of a max or average pool over the "interior" columns [a, b), whose windows
// lie wholly inside the input width: there every window has the same kw taps, so each tap is
// one pass over the row's outputs that the compiler vectorises (a strided load when the stride
// is the compile-time S = 1 or 2). The taps are visited in torch's order (rows, then columns),
// so values and indices equal the per-window loop of pool.cc.
#pragma once
#include <cstdint>
#include <limits>

namespace tf::poolrows {

// The interior output columns [a, b) of a row: ow*sw - pw >= 0 and ow*sw - pw + (kw-1)*dw < W.
inline void interior(int64_t W, int64_t OW, int64_t kw, int64_t sw, int64_t pw, int64_t dw, int64_t& a, int64_t& b) {
  a = (pw + sw - 1) / sw;
  const int64_t num = W - 1 + pw - (kw - 1) * dw;
  b = num < 0 ? 0 : num / sw + 1;
  if (b > OW) b = OW;
  if (a > b) a = b;
}

// rows: the nh input rows of the windows (h0, h0 + dh, ...); hFirst: torch's first tap row (the
// index of an all-padding window). out / idx point at the output row.
template <typename T, int S, bool Idx>
void maxRow(const T* __restrict xp, int64_t W, int64_t hFirst, int64_t nh, int64_t dh, int64_t kw, int64_t sw_, int64_t pw,
            int64_t dw, int64_t a, int64_t b, T* __restrict out, int32_t* __restrict idx) {
  const int64_t sw = S ? S : sw_;
  for (int64_t ow = a; ow < b; ow++) {
    out[ow] = -std::numeric_limits<T>::infinity();
    if (Idx) idx[ow] = (int32_t)(hFirst * W + ow * sw - pw);
  }
  for (int64_t i = 0, h = hFirst; i < nh; i++, h += dh) {
    const T* __restrict row = xp + h * W;
    const int32_t hb = (int32_t)(h * W);
    for (int64_t j = 0; j < kw; j++) {
      const int64_t off = j * dw - pw;
      for (int64_t ow = a; ow < b; ow++) {
        const int64_t w = ow * sw + off;
        const T v = row[w], m = out[ow];
        const bool take = (v > m) | (v != v);  // torch: the first max wins, a NaN always
        out[ow] = take ? v : m;
        if (Idx) idx[ow] = take ? hb + (int32_t)w : idx[ow];
      }
    }
  }
}

// Sums of the windows divided by div(ow) (a constant here: interior windows all count kw columns).
template <typename T, int S>
void avgRow(const T* __restrict xp, int64_t W, int64_t h0, int64_t nh, int64_t kw, int64_t sw_, int64_t pw, int64_t a,
            int64_t b, T div, T* __restrict out) {
  const int64_t sw = S ? S : sw_;
  for (int64_t ow = a; ow < b; ow++) out[ow] = T(0);
  for (int64_t h = h0; h < h0 + nh; h++) {
    const T* __restrict row = xp + h * W;
    for (int64_t j = 0; j < kw; j++) {
      const int64_t off = j - pw;
      for (int64_t ow = a; ow < b; ow++) out[ow] += row[ow * sw + off];
    }
  }
  for (int64_t ow = a; ow < b; ow++) out[ow] = out[ow] / div;
}

// The adjoint of avgRow: gd[ow] (the output gradient already divided) added to every tap.
template <typename T, int S>
void avgBackRow(T* __restrict dp, int64_t W, int64_t h0, int64_t nh, int64_t kw, int64_t sw_, int64_t pw, int64_t a,
                int64_t b, const T* __restrict gd) {
  const int64_t sw = S ? S : sw_;
  for (int64_t h = h0; h < h0 + nh; h++) {
    T* __restrict row = dp + h * W;
    for (int64_t j = 0; j < kw; j++) {
      const int64_t off = j - pw;
      for (int64_t ow = a; ow < b; ow++) row[ow * sw + off] += gd[ow];
    }
  }
}

}  // namespace tf::poolrows
