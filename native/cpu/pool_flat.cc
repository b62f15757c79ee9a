// Float32 pools whose output plane is the input's size (stride 1, "SAME" padding: a 3x3 average
// of Inception's blocks), and global average pooling, with AVX2. Such a plane is one flat run
// of H*W positions: the horizontal pass is kw shifted loads of the plane with the taps that fall
// outside their row masked off (masks made once per call), the vertical pass kh loads of the row
// sums W apart, over a table with pad rows above and below. No per-row work: tiny planes (8x8,
// 17x17) cost their loads. Sums in the separable order of pool_sep.cc (row sums, then theirs).
#include <algorithm>
#include <vector>

#include "../core/threadpool.h"
#include "pool.h"
#include "pool_sep.h"

namespace tf {

#ifdef __AVX2__
namespace {
using namespace poolsep;

// Per call, read by each task by value (a vector store may alias anything).
struct Flat {
  int64_t HW, HWr, nbk, kw, kh, dw, pw, top, hsLen;
  int64_t kLo, kHi;      // the blocks whose taps all read inside the plane
  const int32_t* masks;  // kw x HWr: tap j at position i inside the row (and i < HW)
  const char* full;      // kw x nbk: all 8 positions of block k are
  const int64_t* voff;   // kh: the offset (t*dh - ph)*W of vertical tap t
  const float *d, *r;    // avg: the divisor of each position and its reciprocal (HWr)
};

template <class Op, bool Avg, int KW, int KH>
void flatPlanes(const Exec& ex, int64_t nPlanes, const Flat& f0, const float* x, float* out) {
  ex.pool().parallelFor(nPlanes, planeGrain(2 * f0.HW), [&](int64_t p0, int64_t p1) {
    const Flat f = f0;
    const int64_t kw = KW ? KW : f.kw, kh = KH ? KH : f.kh;
    // the row-sum table: pad above (top, a multiple of 8), the plane's HWr positions, pad below;
    // only the plane's part is rewritten per plane
    std::vector<float> hsv(f.hsLen + 8);
    float* base = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(hsv.data()) + 31) & ~uintptr_t(31));
    for (int64_t i = 0; i < f.hsLen; i++) base[i] = Op::pad()[0];
    float* hs = base + f.top;
    float* const end = out + p1 * f.HW;
    for (int64_t p = p0; p < p1; p++) {
      const float* xp = x + p * f.HW - f.pw;
      for (int64_t k = 0, i = 0; k < f.nbk; k++, i += 8) {
        __m256 acc;
        if (k >= f.kLo && k < f.kHi) {
          // every tap's 8 inputs inside the plane: plain loads, the taps off their row masked
          // after (no branch per tap)
          acc = Op::keep(_mm256_loadu_ps(xp + i), maskAt(f.masks + i));
          for (int64_t j = 1; j < kw; j++)
            acc = Op::comb(acc, Op::keep(_mm256_loadu_ps(xp + i + j * f.dw), maskAt(f.masks + j * f.HWr + i)));
        } else {
          acc = tapLoad<Op>(xp + i, f.masks + i, f.full[k]);
          for (int64_t j = 1; j < kw; j++)
            acc = Op::comb(acc, tapLoad<Op>(xp + i + j * f.dw, f.masks + j * f.HWr + i, f.full[j * f.nbk + k]));
        }
        _mm256_store_ps(hs + i, acc);
      }
      float* op = out + p * f.HW;
      int64_t vo[KH ? KH : 1];
      if (KH) for (int64_t t = 0; t < KH; t++) vo[t] = f.voff[t];
      const int64_t* voff = KH ? vo : f.voff;
      for (int64_t i = 0; i < f.HWr; i += 8) {
        __m256 v = _mm256_loadu_ps(hs + i + voff[0]);
        for (int64_t t = 1; t < kh; t++) v = Op::comb(v, _mm256_loadu_ps(hs + i + voff[t]));
        if (Avg) v = avgDivide(v, _mm256_loadu_ps(f.d + i), _mm256_loadu_ps(f.r + i));
        storeUpTo(op + i, end, v);
      }
    }
  });
}

template <class Op, bool Avg>
void flatDispatch(const Exec& ex, const PoolGeom& g, const Flat& f, const float* x, float* out) {
  if (g.kw == 3 && g.kh == 3) flatPlanes<Op, Avg, 3, 3>(ex, g.planes, f, x, out);
  else flatPlanes<Op, Avg, 0, 0>(ex, g.planes, f, x, out);
}

}  // namespace

bool poolSameF32(const Exec& ex, const PoolGeom& g, bool isMax, const PoolAxis& ah, const PoolAxis& aw, const float* x, float* out) {
  if (g.adaptive || g.sh != 1 || g.sw != 1 || g.OH != g.H || g.OW != g.W || g.H == 0 || g.W == 0) return false;
  if (!isMax && (g.dh != 1 || g.dw != 1)) return false;
  const int64_t H = g.H, W = g.W, HW = H * W, HWr = (HW + 7) / 8 * 8;
  // tables of a plane's size (kw masks, divisors, the padded row sums): small planes and
  // kernels only (bigger planes have rows wide enough for the row-wise path of pool_sep.cc)
  if (HW > 16384 || g.kw > 16 || g.kh > 16) return false;
  std::vector<float> d, r;
  if (!isMax) {
    d.assign(HWr, 1.0f);
    r.assign(HWr, 1.0f);
    for (int64_t h = 0; h < H; h++)
      for (int64_t w = 0; w < W; w++) {
        const int64_t dv = g.divisor != 0 ? g.divisor : ah.div[h] * aw.div[w];
        if (ah.cnt[h] == 0 || aw.cnt[w] == 0 || dv == 0 || dv > (1 << 24) || dv < -(1 << 24)) return false;
        d[h * W + w] = (float)dv;  // as the generic loop: (float) of the int64 divisor
        r[h * W + w] = 1.0f / (float)dv;
      }
  }
  std::vector<int32_t> masks(g.kw * HWr, 0);
  std::vector<char> full(g.kw * (HWr / 8), 1);
  for (int64_t j = 0; j < g.kw; j++)
    for (int64_t i = 0; i < HWr; i++) {
      const int64_t c = i % W + j * g.dw - g.pw;
      const bool in = i < HW && c >= 0 && c < W;
      masks[j * HWr + i] = in ? -1 : 0;
      if (!in) full[j * (HWr / 8) + i / 8] = 0;
    }
  std::vector<int64_t> voff(g.kh);
  int64_t lo = 0, hi = 0;
  for (int64_t t = 0; t < g.kh; t++) {
    voff[t] = (t * g.dh - g.ph) * W;
    lo = std::min(lo, voff[t]);
    hi = std::max(hi, voff[t]);
  }
  const int64_t top = (-lo + 7) / 8 * 8;
  // block k reads [8k - pw, 8k - pw + (kw-1)*dw + 8) of the plane
  const int64_t kLo = (g.pw + 7) / 8, span = HW + g.pw - (g.kw - 1) * g.dw - 8;
  const int64_t kHi = span < 0 ? kLo : std::max(kLo, span / 8 + 1);
  Flat f{HW, HWr, HWr / 8, g.kw, g.kh, g.dw, g.pw, top, top + HWr + hi + 8, kLo, kHi, masks.data(), full.data(), voff.data(),
         d.data(), r.data()};
  if (isMax) flatDispatch<MaxOp, false>(ex, g, f, x, out);
  else flatDispatch<SumOp, true>(ex, g, f, x, out);
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
bool poolSameF32(const Exec&, const PoolGeom&, bool, const PoolAxis&, const PoolAxis&, const float*, float*) { return false; }
bool poolGlobalAvgF32(const Exec&, const PoolGeom&, const float*, float*) { return false; }
#endif

}  // namespace tf
