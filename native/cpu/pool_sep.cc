// Separable float32 forward pools (max without indices, average) with AVX2: a window's max or
// sum over rows of per-row maxima or sums. Each needed input row is reduced once over the
// window columns (the horizontal pass, 8 outputs per step, a stride-2 row read as the even
// lanes of 16 inputs), then each output row combines kh of those rows (the vertical pass).
// A 3x3 window costs 2 + 2 combines per output instead of 8, and nothing per plane is set up
// beyond one row buffer: the small planes of Inception-style nets (8x8 .. 35x35) run many per
// task at the speed of their loads.
//
// Results: a max is a max whatever the order (the first of equal values kept, so -0 and +0 as
// torch; any NaN in a window gives NaN). An average sums in float32 in a fixed order per output
// (row sums, then their sum), so it differs from torch's row-major order by rounding only and
// does not depend on the thread count; the divisor and the +0 of an all -0 window are torch's.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "../core/threadpool.h"
#include "pool.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace tf {

#ifdef __AVX2__
namespace {

// mask(n): the first n (0..8) lanes set
alignas(32) const int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline __m256i mask(int64_t n) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - n)); }

struct MaxOp {
  static __m256 pad() { return _mm256_set1_ps(-std::numeric_limits<float>::infinity()); }
  // torch's rule: v replaces m only when greater (so the first of -0, +0 stays); a NaN in v sets
  // every bit (a NaN), and max_ps(v, NaN) keeps the NaN in m.
  static __m256 comb(__m256 m, __m256 v) {
    return _mm256_or_ps(_mm256_max_ps(v, m), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  static __m256 fix(__m256 v, __m256i valid) { return _mm256_blendv_ps(pad(), v, _mm256_castsi256_ps(valid)); }
};
struct SumOp {
  static __m256 pad() { return _mm256_setzero_ps(); }  // x + 0 == x: a padded tap adds nothing
  static __m256 comb(__m256 m, __m256 v) { return _mm256_add_ps(m, v); }
  static __m256 fix(__m256 v, __m256i) { return v; }  // a masked load's lanes are 0 already
};

struct Plan {
  int64_t OWr = 0, nb = 0;
  std::vector<char> need;       // the input rows some window reads
  // avg: output row oh divides by the row divRows[divRow[oh]] of divisors (OWr columns, 1 past
  // OW; rows of the same axis factor shared), with recips = 1 / divRows, both made once per call
  std::vector<float> divRows, recips;
  std::vector<int64_t> divRow;
  // per block b and tap j of the horizontal pass: the lanes of its load(s) inside [0, W) (8 per
  // load, two loads at stride 2), and whether all are: a partial load is masked, so nothing
  // outside the row is read and padding lanes get the pad value
  std::vector<int32_t> masks;
  std::vector<char> full;
};

template <class Op>
inline __m256 tapLoad(const float* p, const int32_t* m, bool full) {
  if (full) return _mm256_loadu_ps(p);
  const __m256i mk = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m));
  return Op::fix(_mm256_maskload_ps(p, mk), mk);
}

// What a task reads, copied into it by value: a vector store may alias anything, so fields read
// through a reference would be loaded again after every store.
struct Consts {
  int64_t H, W, OH, OW, pw, kw, dw, nb, ld, step;
  const int64_t *lo, *cnt, *divRow;
  const char *need, *full;
  const int32_t* masks;
  const float *divRows, *recips;
};

// The horizontal pass of one row: nb blocks of 8 outputs into dst, p at the row's column -pw.
// KW: the kernel width when known at compile time (3), else 0.
template <class Op, int S, int KW>
inline void hpass(const Consts& c, const float* p, float* dst) {
  const int64_t kw = KW ? KW : c.kw, dw = c.dw;
  for (int64_t b = 0; b < c.nb; b++) {
    const float* q = p + S * 8 * b;
    const int32_t* m = c.masks + b * kw * 16;
    const char* f = c.full + b * kw;
    __m256 acc = _mm256_setzero_ps();
    if (S == 1) {
      acc = tapLoad<Op>(q, m, f[0]);
      for (int64_t j = 1; j < kw; j++) acc = Op::comb(acc, tapLoad<Op>(q + j * dw, m + 16 * j, f[j]));
    } else {
      // the even lanes of 16 inputs, in the order 0 1 4 5 2 3 6 7 until the permute at the end;
      // with dw = 1 the odd lanes of the same loads are the next tap
      for (int64_t j = 0; j < kw;) {
        const __m256 a = tapLoad<Op>(q + j * dw, m + 16 * j, f[j]), e = tapLoad<Op>(q + j * dw + 8, m + 16 * j + 8, f[j]);
        const __m256 ev = _mm256_shuffle_ps(a, e, 0x88);
        acc = j == 0 ? ev : Op::comb(acc, ev);
        if (dw == 1 && j + 1 < kw) {
          acc = Op::comb(acc, _mm256_shuffle_ps(a, e, 0xDD));
          j += 2;
        } else {
          j++;
        }
      }
      acc = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(acc), 0xD8));
    }
    _mm256_store_ps(dst + 8 * b, acc);
  }
}

// One output row from the row table hs: rows h0, h0 + step, ... (nh of them) combined, for avg
// divided, stored as whole blocks up to `end`.
template <class Op, bool Avg, int KH>
inline void vpass(const Consts& c, const float* hs, int64_t oh, float* orow, float* end) {
  const int64_t h0 = c.lo[oh], nh = KH ? KH : c.cnt[oh], ld = c.ld, stride = c.step * ld;
  const float* r0 = hs + h0 * ld;
  const int64_t at = Avg ? c.divRow[oh] * ld : 0;
  const float *dr = c.divRows + at, *rr = c.recips + at;
  for (int64_t ow = 0; ow < c.OW; ow += 8) {
    __m256 v = Op::pad();
    if (nh > 0) {
      v = _mm256_load_ps(r0 + ow);
      for (int64_t i = 1; i < nh; i++) v = Op::comb(v, _mm256_load_ps(r0 + i * stride + ow));
    }
    if (Avg) {
      // + 0: a sum of -0 is +0, as torch's sum from 0. Then sum / d rounded as a division, at
      // the cost of a multiply and two FMAs: q = sum * (1/d) is within an ulp, and one Newton
      // step on the exact remainder (sum - q*d, by FMA) rounds it correctly (Markstein); an
      // infinite or NaN sum keeps q (its remainder is NaN)
      v = _mm256_add_ps(v, _mm256_setzero_ps());
      const __m256 d = _mm256_loadu_ps(dr + ow), r = _mm256_loadu_ps(rr + ow);
      const __m256 q = _mm256_mul_ps(v, r), rem = _mm256_fnmadd_ps(q, d, v);
      v = _mm256_blendv_ps(q, _mm256_fmadd_ps(rem, r, q), _mm256_cmp_ps(rem, rem, _CMP_ORD_Q));
    }
    // whole blocks: lanes past the row land on the next rows' starts, which are written after
    // (in order); only the task's last stores are cut at its end
    float* dst = orow + ow;
    if (end - dst >= 8) _mm256_storeu_ps(dst, v);
    else _mm256_maskstore_ps(dst, mask(end - dst), v);
  }
}

template <class Op, int S, bool Avg, int K>
void planes(const Exec& ex, int64_t nPlanes, const Consts& consts, const float* x, float* out) {
  const int64_t HW = consts.H * consts.W, OHW = consts.OH * consts.OW;
  ex.pool().parallelFor(nPlanes, planeGrain(HW + OHW), [&](int64_t p0, int64_t p1) {
    const Consts c = consts;
    // the row table, 32-byte aligned: its blocks are stored and loaded whole (store forwarding)
    std::vector<float> hsv(c.H * c.ld + 8);
    float* hs = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(hsv.data()) + 31) & ~uintptr_t(31));
    float* const end = out + p1 * OHW;
    for (int64_t p = p0; p < p1; p++) {
      const float* xp = x + p * HW;
      float* op = out + p * OHW;
      int64_t next = 0;  // rows below this are in hs (windows move down monotonically)
      for (int64_t oh = 0; oh < c.OH; oh++) {
        for (const int64_t last = c.lo[oh] + (c.cnt[oh] - 1) * c.step; next <= last; next++)
          if (c.need[next]) hpass<Op, S, K>(c, xp + next * c.W - c.pw, hs + next * c.ld);
        // a 3-row window: the interior rows have all 3 (only edge rows of padded windows fewer)
        if (K && c.cnt[oh] == K) vpass<Op, Avg, K>(c, hs, oh, op + oh * c.OW, end);
        else vpass<Op, Avg, 0>(c, hs, oh, op + oh * c.OW, end);
      }
    }
  });
}

}  // namespace

bool poolSepF32(const Exec& ex, const PoolGeom& g, bool isMax, const float* x, float* out) {
  if (g.adaptive || g.H == 0 || g.W == 0 || g.OH == 0 || g.OW == 0) return false;
  if (g.sw != 1 && g.sw != 2) return false;
  if (!isMax && (g.dh != 1 || g.dw != 1)) return false;
  // the 2x2 stride-2 kernel of pool_fast.cc already runs at the speed of its loads
  if (isMax && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1)
    return false;
  const PoolAxis ah = poolAxis(g, true), aw = poolAxis(g, false);
  Plan pl;
  pl.OWr = (g.OW + 7) / 8 * 8;
  pl.nb = pl.OWr / 8;
  if (!isMax) {
    // a window wholly in the padding (torch gives +0) or a divisor beyond float's exact integers:
    // left to the generic loop
    for (int64_t o = 0; o < g.OH; o++)
      if (ah.cnt[o] == 0 || ah.div[o] <= 0 || ah.div[o] > (1 << 24)) return false;
    for (int64_t o = 0; o < g.OW; o++)
      if (aw.cnt[o] == 0 || aw.div[o] <= 0 || aw.div[o] > (1 << 24)) return false;
    // the divisor rows: one per distinct row factor (a few: the edge rows and the interior)
    std::vector<int64_t> factors;
    pl.divRow.resize(g.OH);
    for (int64_t o = 0; o < g.OH; o++) {
      const int64_t f = g.divisor != 0 ? 0 : ah.div[o];
      const auto it = std::find(factors.begin(), factors.end(), f);
      pl.divRow[o] = it - factors.begin();
      if (it == factors.end()) factors.push_back(f);
    }
    const int64_t n = (int64_t)factors.size() * pl.OWr;
    pl.divRows.assign(n, 1.0f);
    pl.recips.assign(n, 1.0f);
    for (size_t i = 0; i < factors.size(); i++)
      for (int64_t o = 0; o < g.OW; o++) {
        // as the generic loop: (float) of the int64 product, or of the override
        const float d = (float)(g.divisor != 0 ? g.divisor : factors[i] * aw.div[o]);
        pl.divRows[i * pl.OWr + o] = d;
        pl.recips[i * pl.OWr + o] = 1.0f / d;
      }
  }
  // the load masks: element e of the load(s) of block b, tap j reads column S*8*b + j*dw - pw + e
  pl.masks.assign(pl.nb * g.kw * 16, 0);
  pl.full.assign(pl.nb * g.kw, 1);
  for (int64_t b = 0; b < pl.nb; b++)
    for (int64_t j = 0; j < g.kw; j++)
      for (int64_t e = 0; e < 8 * g.sw; e++) {
        const int64_t col = g.sw * 8 * b + j * g.dw - g.pw + e;
        const bool in = col >= 0 && col < g.W;
        pl.masks[(b * g.kw + j) * 16 + e] = in ? -1 : 0;
        if (!in) pl.full[b * g.kw + j] = 0;
      }
  pl.need.assign(g.H, 0);
  for (int64_t o = 0; o < g.OH; o++)
    for (int64_t i = 0; i < ah.cnt[o]; i++) pl.need[ah.lo[o] + i * ah.step] = 1;
  Consts c{g.H, g.W, g.OH, g.OW, g.pw, g.kw, g.dw, pl.nb, pl.OWr, ah.step, ah.lo.data(), ah.cnt.data(),
           pl.divRow.data(), pl.need.data(), pl.full.data(), pl.masks.data(), pl.divRows.data(), pl.recips.data()};
  // 3x3 (the common window) with its loop counts known to the compiler
  const bool k3 = g.kw == 3 && g.kh == 3;
  if (isMax) {
    if (g.sw == 1) k3 ? planes<MaxOp, 1, false, 3>(ex, g.planes, c, x, out) : planes<MaxOp, 1, false, 0>(ex, g.planes, c, x, out);
    else k3 ? planes<MaxOp, 2, false, 3>(ex, g.planes, c, x, out) : planes<MaxOp, 2, false, 0>(ex, g.planes, c, x, out);
  } else {
    if (g.sw == 1) k3 ? planes<SumOp, 1, true, 3>(ex, g.planes, c, x, out) : planes<SumOp, 1, true, 0>(ex, g.planes, c, x, out);
    else k3 ? planes<SumOp, 2, true, 3>(ex, g.planes, c, x, out) : planes<SumOp, 2, true, 0>(ex, g.planes, c, x, out);
  }
  return true;
}

bool poolGlobalAvgF32(const Exec& ex, const PoolGeom& g, const float* x, float* out) {
  if (g.OH != 1 || g.OW != 1 || g.H == 0 || g.W == 0) return false;
  if (!g.adaptive && (g.dh != 1 || g.dw != 1)) return false;
  const PoolAxis ah = poolAxis(g, true), aw = poolAxis(g, false);
  if (ah.lo[0] != 0 || ah.cnt[0] != g.H || aw.lo[0] != 0 || aw.cnt[0] != g.W) return false;
  const int64_t d = g.divisor != 0 ? g.divisor : ah.div[0] * aw.div[0];
  if (d == 0) return false;
  const float div = (float)d;
  const int64_t n = g.H * g.W;
  ex.pool().parallelFor(g.planes, planeGrain(n), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; p++) {
      const float* xp = x + p * n;
      // fixed order: two 8-lane accumulators over 16-element steps, one more step of 8, the lanes
      // pairwise, then the tail
      __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
      int64_t i = 0;
      for (; i + 16 <= n; i += 16) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(xp + i));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(xp + i + 8));
      }
      if (i + 8 <= n) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(xp + i));
        i += 8;
      }
      a0 = _mm256_add_ps(a0, a1);
      __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(a0), _mm256_extractf128_ps(a0, 1));
      s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
      s4 = _mm_add_ss(s4, _mm_shuffle_ps(s4, s4, 1));
      float s = _mm_cvtss_f32(s4);
      for (; i < n; i++) s += xp[i];
      out[p] = (s + 0.0f) / div;
    }
  });
  return true;
}
#else
bool poolSepF32(const Exec&, const PoolGeom&, bool, const float*, float*) { return false; }
bool poolGlobalAvgF32(const Exec&, const PoolGeom&, const float*, float*) { return false; }
#endif

}  // namespace tf
