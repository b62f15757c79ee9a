// The 2x2 stride-2 max pool of float32 planes, 8 outputs per step with AVX2: the pool of
// nearly every CNN, and memory-bound, so it must run at the speed of its loads. Same rule as
// the generic loop in pool.cc (taps in row-major order; a tap replaces the max when greater,
// or when NaN), so both paths give identical values and indices.
#include "pool.h"

#include <cstring>

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
__attribute__((always_inline)) inline void rows2x2(const float* r0, int64_t W, int64_t n, float* out, int32_t* idx, int32_t base) {
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
    // pairs first, then their winners: the same pick as torch's sequential scan (the last NaN if
    // any, else the first max), with a shorter dependency chain
    const __m256 ta = takes(c1, c0), tb = takes(c3, c2);
    const __m256 ma = _mm256_blendv_ps(c0, c1, ta), mb = _mm256_blendv_ps(c2, c3, tb);
    const __m256 ia = _mm256_blendv_ps(_mm256_castsi256_ps(i0), _mm256_castsi256_ps(i1), ta);
    const __m256 ib = _mm256_blendv_ps(_mm256_castsi256_ps(i2), _mm256_castsi256_ps(i3), tb);
    const __m256 t = takes(mb, ma);
    const __m256 m = _mm256_blendv_ps(ma, mb, t), mi = _mm256_blendv_ps(ia, ib, t);
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

// dx rows 2*oh and 2*oh + 1 from n outputs of a 2x2 stride-2 pool: every input of a window is
// g where the window's index points, else 0 (windows do not overlap: one pass, no scatter).
__attribute__((always_inline)) inline void backRows2x2(const float* g, const int32_t* idx, int64_t W, int64_t n, int32_t base, float* d0) {
  float* d1 = d0 + W;
  const __m256i lane2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i one = _mm256_set1_epi32(1), down = _mm256_set1_epi32((int32_t)W);
  const __m256 zero = _mm256_setzero_ps();
  int64_t o = 0;
  for (;; o += 8) {
    if (o + 8 > n) {
      if (n < 8 || o >= n) break;
      o = n - 8;
    }
    const __m256 gv = _mm256_add_ps(_mm256_loadu_ps(g + o), zero);  // + 0: a -0 gradient adds up to +0, as the scatter's
    const __m256i iv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(idx + o));
    const __m256i p00 = _mm256_add_epi32(_mm256_set1_epi32(base + (int32_t)(2 * o)), lane2);
    const __m256i p01 = _mm256_add_epi32(p00, one), p10 = _mm256_add_epi32(p00, down), p11 = _mm256_add_epi32(p10, one);
    const __m256 e0 = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(iv, p00)));
    const __m256 o0 = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(iv, p01)));
    const __m256 e1 = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(iv, p10)));
    const __m256 o1 = _mm256_and_ps(gv, _mm256_castsi256_ps(_mm256_cmpeq_epi32(iv, p11)));
    // interleave [e0 o0 e1 o1 ...]: unpack per 128-bit lane, then put the halves in order
    __m256 lo = _mm256_unpacklo_ps(e0, o0), hi = _mm256_unpackhi_ps(e0, o0);
    _mm256_storeu_ps(d0 + 2 * o, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(d0 + 2 * o + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    lo = _mm256_unpacklo_ps(e1, o1);
    hi = _mm256_unpackhi_ps(e1, o1);
    _mm256_storeu_ps(d1 + 2 * o, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(d1 + 2 * o + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    if (o + 8 == n) break;
  }
  for (o = n >= 8 ? n : 0; o < n; o++) {
    const int32_t p = base + (int32_t)(2 * o), i = idx[o];
    const float v = g[o] + 0.0f;
    d0[2 * o] = i == p ? v : 0.0f;
    d0[2 * o + 1] = i == p + 1 ? v : 0.0f;
    d1[2 * o] = i == p + (int32_t)W ? v : 0.0f;
    d1[2 * o + 1] = i == p + (int32_t)W + 1 ? v : 0.0f;
  }
}

}  // namespace

bool maxPool2x2BackPlane(const float* g, const int32_t* idx, int64_t H, int64_t W, int64_t OH, int64_t OW, float* dx) {
  if (OH != H / 2 || OW != W / 2) return false;  // ceil-mode partial windows: the scatter handles them
  for (int64_t oh = 0; oh < OH; oh++) {
    float* d0 = dx + 2 * oh * W;
    backRows2x2(g + oh * OW, idx + oh * OW, W, OW, (int32_t)(2 * oh * W), d0);
    if (W & 1) d0[W - 1] = d0[2 * W - 1] = 0.0f;  // the last column is in no window
  }
  if (H & 1) std::memset(dx + (H - 1) * W, 0, sizeof(float) * W);
  return true;
}

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
bool maxPool2x2BackPlane(const float*, const int32_t*, int64_t, int64_t, int64_t, int64_t, float*) { return false; }
#endif

}  // namespace tf
