// Separable float32 forward pools (max without indices, average) with AVX2: a window's max or
// sum over rows of per-row maxima or sums. Each needed input row is reduced once over the
// window columns (the horizontal pass, 8 outputs per step, a stride-2 row read as the even
// lanes of 16 inputs), then each output row combines kh of those rows (the vertical pass).
// A 3x3 window costs 2 + 2 combines per output instead of 8, and nothing per plane is set up
// beyond one row buffer: the small planes of Inception-style nets (8x8 .. 35x35) run many per
// task at the speed of their loads. Same-size stride-1 planes go to pool_flat.cc.
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

#include "pool_sep.h"

namespace tf {

#ifdef __AVX2__
namespace {
using namespace poolsep;

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
  std::vector<char> full, bfull;  // bfull: every tap of block b is full
};

// What a task reads, copied into it by value: a vector store may alias anything, so fields read
// through a reference would be loaded again after every store.
struct Consts {
  int64_t H, W, OH, OW, pw, kw, kh, dw, nb, ld, step, ring;
  const int64_t *lo, *cnt, *divRow;
  const char *need, *full, *bfull;
  const int32_t* masks;
  const float *divRows, *recips;
};

// The horizontal pass of one row: nb blocks of 8 outputs into dst, p at the row's column -pw. At
// stride 2 a block is stored with its lanes in the order 0 1 4 5 2 3 6 7 (the even lanes of 16
// inputs as two in-lane shuffles give them), put back in order by the vertical pass. K3: a
// 3-tap window without dilation, its blocks inside the row read without masks.
template <class Op, int S, bool K3>
inline void hpass(const Consts& c, const float* p, float* dst) {
  const int64_t kw = K3 ? 3 : c.kw, dw = K3 ? 1 : c.dw;
  for (int64_t b = 0; b < c.nb; b++) {
    const float* q = p + S * 8 * b;
    __m256 acc;
    if (K3 && c.bfull[b]) {
      if (S == 1) {
        acc = Op::comb(Op::comb(_mm256_loadu_ps(q), _mm256_loadu_ps(q + 1)), _mm256_loadu_ps(q + 2));
      } else {
        const __m256 a = _mm256_loadu_ps(q), e = _mm256_loadu_ps(q + 8);
        const __m256 a2 = _mm256_loadu_ps(q + 2), e2 = _mm256_loadu_ps(q + 10);
        acc = Op::comb(Op::comb(_mm256_shuffle_ps(a, e, 0x88), _mm256_shuffle_ps(a, e, 0xDD)), _mm256_shuffle_ps(a2, e2, 0x88));
      }
      _mm256_store_ps(dst + 8 * b, acc);
      continue;
    }
    const int32_t* m = c.masks + b * kw * 16;
    const char* f = c.full + b * kw;
    if (S == 1) {
      acc = tapLoad<Op>(q, m, f[0]);
      for (int64_t j = 1; j < kw; j++) acc = Op::comb(acc, tapLoad<Op>(q + j * dw, m + 16 * j, f[j]));
    } else {
      // with dw = 1 the odd lanes of a tap's loads are the next tap
      acc = _mm256_setzero_ps();
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
    }
    _mm256_store_ps(dst + 8 * b, acc);
  }
}

// One output row from the rows rp[0 .. nh) of horizontal results combined, for avg divided,
// stored as whole blocks up to `end`.
template <class Op, int S, bool Avg, int KH>
inline void vpass(const Consts& c, const float* const* rp, int64_t oh, float* orow, float* end) {
  const int64_t nh = KH ? KH : c.cnt[oh];
  const int64_t at = Avg ? c.divRow[oh] * c.ld : 0;
  const float *dr = c.divRows + at, *rr = c.recips + at;
  for (int64_t ow = 0; ow < c.OW; ow += 8) {
    __m256 v = Op::pad();
    if (nh > 0) {
      v = _mm256_load_ps(rp[0] + ow);
      for (int64_t i = 1; i < nh; i++) v = Op::comb(v, _mm256_load_ps(rp[i] + ow));
      if (S == 2) v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8));  // lanes in order
    }
    if (Avg) v = avgDivide(v, _mm256_loadu_ps(dr + ow), _mm256_loadu_ps(rr + ow));
    storeUpTo(orow + ow, end, v);
  }
}

// KW3: a 3-tap row without dilation; KH: the window height when 3 without dilation, else 0.
template <class Op, int S, bool Avg, bool KW3, int KH>
void planes(const Exec& ex, int64_t nPlanes, const Consts& consts, const float* x, float* out) {
  const int64_t HW = consts.H * consts.W, OHW = consts.OH * consts.OW;
  ex.pool().parallelFor(nPlanes, planeGrain(HW + OHW), [&](int64_t p0, int64_t p1) {
    const Consts c = consts;
    // the rows of horizontal results a window spans, a ring (row r in slot r % ring), 32-byte
    // aligned: its blocks are stored and loaded whole (store forwarding)
    std::vector<float> hsv(c.ring * c.ld + 8);
    float* hs = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(hsv.data()) + 31) & ~uintptr_t(31));
    std::vector<const float*> rp(c.kh);
    float* const end = out + p1 * OHW;
    for (int64_t p = p0; p < p1; p++) {
      const float* xp = x + p * HW;
      float* op = out + p * OHW;
      int64_t next = 0;  // rows below this are in hs (windows move down monotonically)
      for (int64_t oh = 0; oh < c.OH; oh++) {
        for (const int64_t last = c.lo[oh] + (c.cnt[oh] - 1) * c.step; next <= last; next++)
          if (c.need[next]) hpass<Op, S, KW3>(c, xp + next * c.W - c.pw, hs + next % c.ring * c.ld);
        for (int64_t i = 0; i < c.cnt[oh]; i++) rp[i] = hs + (c.lo[oh] + i * c.step) % c.ring * c.ld;
        // a 3-row window: the interior rows have all 3 (only edge rows of padded windows fewer)
        if (KH && c.cnt[oh] == KH) vpass<Op, S, Avg, KH>(c, rp.data(), oh, op + oh * c.OW, end);
        else vpass<Op, S, Avg, 0>(c, rp.data(), oh, op + oh * c.OW, end);
      }
    }
  });
}

// 3 taps without dilation (the common window) with the loop counts known to the compiler.
template <class Op, bool Avg>
void dispatch(const Exec& ex, const PoolGeom& g, const Consts& c, const float* x, float* out) {
  const bool w3 = g.kw == 3 && g.dw == 1, h3 = g.kh == 3 && g.dh == 1;
  if (g.sw == 1) {
    if (w3) h3 ? planes<Op, 1, Avg, true, 3>(ex, g.planes, c, x, out) : planes<Op, 1, Avg, true, 0>(ex, g.planes, c, x, out);
    else h3 ? planes<Op, 1, Avg, false, 3>(ex, g.planes, c, x, out) : planes<Op, 1, Avg, false, 0>(ex, g.planes, c, x, out);
  } else {
    if (w3) h3 ? planes<Op, 2, Avg, true, 3>(ex, g.planes, c, x, out) : planes<Op, 2, Avg, true, 0>(ex, g.planes, c, x, out);
    else h3 ? planes<Op, 2, Avg, false, 3>(ex, g.planes, c, x, out) : planes<Op, 2, Avg, false, 0>(ex, g.planes, c, x, out);
  }
}

}  // namespace

bool poolSepF32(const Exec& ex, const PoolGeom& g, bool isMax, const float* x, float* out) {
  if (g.adaptive || g.H == 0 || g.W == 0 || g.OH == 0 || g.OW == 0) return false;
  if (g.sw != 1 && g.sw != 2) return false;
  if (!isMax && (g.dh != 1 || g.dw != 1)) return false;
  // windows that do not overlap (2x2 stride 2 and the like) share no work between outputs: the
  // vectorised rows of pool.cc (and pool_fast.cc's 2x2) do as well
  if ((g.kh - 1) * g.dh + 1 <= g.sh && (g.kw - 1) * g.dw + 1 <= g.sw) return false;
  const PoolAxis ah = poolAxis(g, true), aw = poolAxis(g, false);
  if (poolSameF32(ex, g, isMax, ah, aw, x, out)) return true;
  Plan pl;
  pl.OWr = (g.OW + 7) / 8 * 8;
  pl.nb = pl.OWr / 8;
  // per call tables of (blocks x kernel width) masks, a ring of (window height x width) rows per
  // task: a wide kernel over a wide row, or a tall one, is left to the generic loop
  if (pl.nb * g.kw > (1 << 16) || ((g.kh - 1) * g.dh + 1) * pl.OWr > (1 << 20)) return false;
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
  pl.bfull.assign(pl.nb, 1);
  for (int64_t b = 0; b < pl.nb; b++)
    for (int64_t j = 0; j < g.kw; j++) pl.bfull[b] &= pl.full[b * g.kw + j];
  pl.need.assign(g.H, 0);
  for (int64_t o = 0; o < g.OH; o++)
    for (int64_t i = 0; i < ah.cnt[o]; i++) pl.need[ah.lo[o] + i * ah.step] = 1;
  Consts c{g.H, g.W, g.OH, g.OW, g.pw, g.kw, g.kh, g.dw, pl.nb, pl.OWr, ah.step, (g.kh - 1) * g.dh + 1, ah.lo.data(), ah.cnt.data(),
           pl.divRow.data(), pl.need.data(), pl.full.data(), pl.bfull.data(), pl.masks.data(), pl.divRows.data(), pl.recips.data()};
  if (isMax) dispatch<MaxOp, false>(ex, g, c, x, out);
  else dispatch<SumOp, true>(ex, g, c, x, out);
  return true;
}

#else
bool poolSepF32(const Exec&, const PoolGeom&, bool, const float*, float*) { return false; }
#endif

}  // namespace tf
