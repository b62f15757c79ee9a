// One output row of a max or average pool over the "interior" columns [a, b), whose windows
// lie wholly inside the input width: there every window has the same kw taps, so each tap is
// one pass over the row's outputs that the compiler vectorises (a strided load when the stride
// is the compile-time S = 1 or 2). The taps are visited in torch's order (rows, then columns),
// so values and indices equal the per-window loop of pool.cc.
#pragma once
#include <cstdint>
#include <limits>

#ifdef __AVX2__
#include <immintrin.h>
#endif

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

#ifdef __AVX2__
// maxRow for float32 at stride S = 1 or 2 (3x3 stride 1 or 2 and the like), 8 outputs per block,
// the max and its index kept in registers over the block's taps (rows, then columns: torch's
// order). At stride 2 the taps of a column offset are the even lanes of 16 consecutive inputs; the
// 16th (odd, unused) is read only where it is the next row's first element, else masked off. A
// row's last partial block is the overlapping block ending at b (computed again: same values).
template <int S, bool Idx>
void maxRowF(const float* __restrict xp, int64_t H, int64_t W, int64_t hFirst, int64_t nh, int64_t dh, int64_t kw,
              int64_t pw, int64_t dw, int64_t a, int64_t b, float* __restrict out, int32_t* __restrict idx) {
  if (b - a < 8) {
    maxRow<float, S, Idx>(xp, W, hFirst, nh, dh, kw, S, pw, dw, a, b, out, idx);
    return;
  }
  const __m256i lane2 = S == 2 ? _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14) : _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i first7 = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, -1, 0);
  // interior: 2(b-1) + off <= W - 1 for every tap, so the 16th load is at most row[W]
  const bool lastRowTaps = hFirst + (nh - 1) * dh + 1 >= H;
  for (int64_t ow = a;; ow += 8) {
    if (ow + 8 > b) ow = b - 8;
    __m256 m = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    __m256i mi = _mm256_add_epi32(_mm256_set1_epi32((int32_t)(hFirst * W + S * ow - pw)), lane2);
    for (int64_t i = 0, h = hFirst; i < nh; i++, h += dh) {
      const float* __restrict row = xp + h * W + S * ow;
      const int32_t hb = (int32_t)(h * W + S * ow);
      const bool masked = lastRowTaps && h + 1 >= H;
      for (int64_t j = 0; j < kw; j++) {
        const int64_t off = j * dw - pw;
        const float* p = row + off;
        __m256 v = _mm256_loadu_ps(p);
        if (S == 2) {
          const __m256 x1 = masked ? _mm256_maskload_ps(p + 8, first7) : _mm256_loadu_ps(p + 8);
          v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(v, x1, 0x88)), 0xD8));
        }
        const __m256 t = _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
        m = _mm256_blendv_ps(m, v, t);
        if (Idx) {
          const __m256i pos = _mm256_add_epi32(_mm256_set1_epi32(hb + (int32_t)off), lane2);
          mi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(mi), _mm256_castsi256_ps(pos), t));
        }
      }
    }
    _mm256_storeu_ps(out + ow, m);
    if (Idx) _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + ow), mi);
    if (ow + 8 == b) break;
  }
}
#endif

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

#ifdef __AVX2__
// avgRow for float32 at stride S = 1 or 2: 8 outputs per block summed in registers over the taps
// in avgRow's order (the same sums, bit for bit); loads as in maxRowF.
template <int S>
void avgRowF(const float* __restrict xp, int64_t H, int64_t W, int64_t h0, int64_t nh, int64_t kw, int64_t pw,
             int64_t a, int64_t b, float div, float* __restrict out) {
  if (b - a < 8) {
    avgRow<float, S>(xp, W, h0, nh, kw, S, pw, a, b, div, out);
    return;
  }
  const __m256i first7 = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, -1, 0);
  const __m256 dv = _mm256_set1_ps(div);
  for (int64_t ow = a;; ow += 8) {
    if (ow + 8 > b) ow = b - 8;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t h = h0; h < h0 + nh; h++) {
      const float* __restrict row = xp + h * W + S * ow;
      const bool masked = h + 1 >= H;
      for (int64_t j = 0; j < kw; j++) {
        const float* p = row + j - pw;
        __m256 v = _mm256_loadu_ps(p);
        if (S == 2) {
          const __m256 x1 = masked ? _mm256_maskload_ps(p + 8, first7) : _mm256_loadu_ps(p + 8);
          v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(v, x1, 0x88)), 0xD8));
        }
        acc = _mm256_add_ps(acc, v);
      }
    }
    _mm256_storeu_ps(out + ow, _mm256_div_ps(acc, dv));
    if (ow + 8 == b) break;
  }
}
#endif

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
