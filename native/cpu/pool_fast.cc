// The 2x2 stride-2 max pool of float32 planes, 8 outputs per step with AVX2: the pool of
// nearly every CNN, and memory-bound, so it must run at the speed of its loads. Same rule as
// the generic loop in pool.cc (taps in row-major order; a tap replaces the max when greater,
// or when NaN), so both paths give identical values and indices.
#include "pool.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace tf {

#ifdef __AVX2__
namespace {

// Even and odd elements of p[0..16): [p0 p2 .. p14], [p1 p3 .. p15].
inline void deinterleave(const float* p, __m256& even, __m256& odd) {
  const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
  // per 128-bit lane: [a0 a2 b0 b2 | a4 a6 b4 b6], then the 64-bit pairs reordered
  even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
  odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}

inline __m256 takes(__m256 c, __m256 m) {
  return _mm256_or_ps(_mm256_cmp_ps(c, m, _CMP_GT_OQ), _mm256_cmp_ps(c, c, _CMP_UNORD_Q));
}

template <bool WithIdx>
void rows2x2(const float* r0, int64_t W, int64_t n, float* out, int32_t* idx, int32_t base) {
  const float* r1 = r0 + W;
  const __m256i lane2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i one = _mm256_set1_epi32(1), down = _mm256_set1_epi32((int32_t)W);
  int64_t o = 0;
  for (;; o += 8) {
    // the last partial block is redone as the overlapping block ending at n (same values rewritten)
    if (o + 8 > n) {
      if (n < 8 || o >= n) break;
      o = n - 8;
    }
    __m256 c0, c1, c2, c3;
    deinterleave(r0 + 2 * o, c0, c1);
    deinterleave(r1 + 2 * o, c2, c3);
    if (!WithIdx) {
      __m256 m = c0;
      m = _mm256_blendv_ps(m, c1, takes(c1, m));
      m = _mm256_blendv_ps(m, c2, takes(c2, m));
      m = _mm256_blendv_ps(m, c3, takes(c3, m));
      _mm256_storeu_ps(out + o, m);
      if (o + 8 == n) break;
      continue;
    }
    const __m256i i0 = _mm256_add_epi32(_mm256_set1_epi32(base + (int32_t)(2 * o)), lane2);
    const __m256i i1 = _mm256_add_epi32(i0, one), i2 = _mm256_add_epi32(i0, down), i3 = _mm256_add_epi32(i2, one);
    __m256 m = c0, t;
    __m256 mi = _mm256_castsi256_ps(i0);
    t = takes(c1, m);
    m = _mm256_blendv_ps(m, c1, t);
    mi = _mm256_blendv_ps(mi, _mm256_castsi256_ps(i1), t);
    t = takes(c2, m);
    m = _mm256_blendv_ps(m, c2, t);
    mi = _mm256_blendv_ps(mi, _mm256_castsi256_ps(i2), t);
    t = takes(c3, m);
    m = _mm256_blendv_ps(m, c3, t);
    mi = _mm256_blendv_ps(mi, _mm256_castsi256_ps(i3), t);
    _mm256_storeu_ps(out + o, m);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(idx + o), _mm256_castps_si256(mi));
    if (o + 8 == n) break;
  }
  for (o = n >= 8 ? n : 0; o < n; o++) {  // rows narrower than one block
    const float* taps[4] = {r0 + 2 * o, r0 + 2 * o + 1, r1 + 2 * o, r1 + 2 * o + 1};
    const int32_t pos[4] = {0, 1, (int32_t)W, (int32_t)W + 1};
    float m = *taps[0];
    int32_t mi = 0;
    for (int k = 1; k < 4; k++) {
      const float v = *taps[k];
      if (v > m || v != v) {
        m = v;
        mi = pos[k];
      }
    }
    out[o] = m;
    if (WithIdx) idx[o] = base + (int32_t)(2 * o) + mi;
  }
}

}  // namespace

bool maxPool2x2Plane(const float* x, int64_t H, int64_t W, int64_t OH, int64_t OW, float* out, int32_t* idx) {
  const int64_t nh = OH < H / 2 ? OH : H / 2, nw = OW < W / 2 ? OW : W / 2;
  for (int64_t oh = 0; oh < nh; oh++) {
    const float* r0 = x + 2 * oh * W;
    if (idx) rows2x2<true>(r0, W, nw, out + oh * OW, idx + oh * OW, (int32_t)(2 * oh * W));
    else rows2x2<false>(r0, W, nw, out + oh * OW, nullptr, 0);
  }
  return true;
}
#else
bool maxPool2x2Plane(const float*, int64_t, int64_t, int64_t, int64_t, float*, int32_t*) { return false; }
#endif

}  // namespace tf
