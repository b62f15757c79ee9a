// Winograd convolution (Lavin & Gray 2016), float32, stride 1, dilation 1, square 3x3 or 5x5
// kernels: F(4x4, 3x3) (36 multiplies per 16 outputs instead of 144) and F(2x2, 5x5) (36 per 4
// instead of 100). Both use the interpolation points 0, 1, -1, 2, -2, inf, so they share the 6 x 6
// data transform B^T; G (6 x r) and A^T (m x 6) follow from the points.
//   U[xi](o, c) = (G g[o][c] G^T)[xi]                      once per call, packed as GEMM A slivers
//   V[xi](c, t) = (B^T d[c][t] B)[xi]                      d: the 6 x 6 input patch of tile t
//   M[xi]       = U[xi] . V[xi]                            36 GEMMs (Co x Ci) . (Ci x tiles)
//   y[o][t]     = A^T M[.](o, t) A                         an m x m output tile, cropped at the edges
// The input gradient is the same correlation of gy with the flipped, transposed weights
// (conv_direct_impl.h inputCorr). Tiles are processed up to kTileBlock at a time per pool part (their
// V and M stay in L2), the data and output transforms 8 tiles at a time in vector lanes.
// Each output is a fixed sum (the transforms, and the GEMM's k blocks fixed by C and the ISA),
// so results do not depend on the thread count. Float32 error: up to 5.7e-6 of the largest value on
// unit-scale data in test/conv-kernels.test.ts, ~10x the direct kernels (5e-7).
#include "conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "conv_direct_impl.h"
#include "conv_lanes.h"
#include "gemm/gemm.h"
#include "gemm/kernels.h"

namespace tf {

namespace {
using namespace direct;
using namespace lanes;

constexpr int64_t kTileBlock = 32;   // tiles per GEMM item (a multiple of every ISA's nr)
constexpr int64_t kMaxPadded = 32 << 20;  // floats: all padded input planes are kept at once

struct Wino {
  int r, m;
  double G[6][5];  // rows: points 0, 1, -1, 2, -2, inf (A^T: at6 below)
};
Wino makeWino(int r) {
  static const double pts[5] = {0, 1, -1, 2, -2}, scale[5] = {1.0 / 4, -1.0 / 6, -1.0 / 6, 1.0 / 24, 1.0 / 24};
  Wino w{};
  w.r = r;
  w.m = 7 - r;
  for (int p = 0; p < 5; p++) {
    double x = 1;
    for (int j = 0; j < r; j++, x *= pts[p]) w.G[p][j] = scale[p] * x;
  }
  w.G[5][r - 1] = 1;
  return w;
}

// o[k * os] = (B^T z)[k] for z[k * zs], k < 6 (the sparse form of B^T's rows)
inline void bt6(const V8* z, int zs, V8* o, int os) {
  const V8 z0 = z[0], a = z[zs], b = z[2 * zs], c = z[3 * zs], d = z[4 * zs], z5 = z[5 * zs];
  o[0] = 4 * z0 - 5 * b + d;
  o[os] = -4 * a - 4 * b + c + d;
  o[2 * os] = 4 * a - 4 * b - c + d;
  o[3 * os] = -2 * a - b + 2 * c + d;
  o[4 * os] = 2 * a - b - 2 * c + d;
  o[5 * os] = 4 * a - 5 * c + z5;
}

// o[k * os] = (A^T z)[k], k < m (4 or 2; the sparse form of A^T's rows)
template <int m>
inline void at6(const V8* z, int zs, V8* o, int os) {
  const V8 z1 = z[zs], z2 = z[2 * zs], z3 = z[3 * zs], z4 = z[4 * zs];
  const V8 s12 = z1 + z2, d12 = z1 - z2, s34 = z3 + z4, d34 = z3 - z4;
  o[0] = z[0] + s12 + s34;
  if (m == 2) {
    o[os] = d12 + 2 * d34 + z[5 * zs];
  } else {
    o[os] = d12 + 2 * d34;
    o[2 * os] = s12 + 4 * s34;
    o[3 * os] = d12 + 8 * d34 + z[5 * zs];
  }
}

struct Plan {
  Corr c;           // the padded plane covers whole tiles: c.OH, c.OW rounded up to m
  int64_t OH, OW;   // the true output size
  int64_t tilesW, Tn, tiles;  // per image, and over the batch (per group)
  Wino w;
};
Plan planOf(Corr c) {
  Plan p;
  p.w = makeWino((int)c.KH);
  const int64_t m = p.w.m;
  p.OH = c.OH;
  p.OW = c.OW;
  p.tilesW = (c.OW + m - 1) / m;
  p.Tn = (c.OH + m - 1) / m * p.tilesW;
  p.tiles = c.N * p.Tn;
  c.OH = (c.OH + m - 1) / m * m;
  c.OW = p.tilesW * m;
  p.c = c;
  return p;
}

// output pixels per group and call (all samples); tests lower it to reach Winograd on small shapes
std::atomic<int64_t> gMinPixels{4096};

// With the weights transformed ahead (prepacked), fewer pixels pay: see winogradForwardApplies.
constexpr int64_t kPrepackedMinPixels = 1024;

bool applies(const Corr& c, int64_t minPixels) {
  if (c.KH != c.KW || (c.KH != 3 && c.KH != 5) || c.dh != 1 || c.dw != 1 || c.sh != 1 || c.sw != 1) return false;
  const Plan p = planOf(c);
  // below 32 channels in or out the transforms outweigh the saving (measured on AVX2: 8 -> 8 channels
  // 3x3 on 28x28 and 16 -> 16 5x5 were 10-35 % slower than the direct kernels, 64 -> 64 and more 2x faster)
  // and the weights are transformed per call, so few output pixels do not pay for it: batch-1
  // Inception v3 (AVX2, 2 threads) ran its 35x35 and 8x8 layers 1.5-5x slower in Winograd than
  // direct (1,225 and 64 pixels), while 9,800 pixels (35x35 at batch 8) and more ran 1.5-1.8x faster
  return c.Ci >= 32 && c.Co >= 32 && c.N * c.OH * c.OW >= minPixels && c.N * c.G * padFloats(p.c) <= kMaxPadded &&
         p.c.Ci * p.c.Hp() * p.c.Wp() < INT32_MAX;
}

int64_t uStride(const Corr& c) { return round16(roundUp(c.Co, gemm::kMaxMR) * c.Ci); }
// + 16: the 36 planes of V must not sit a multiple of 4 KiB apart (the data transform writes all 36
// at once: same-set L1 conflicts and 4K aliasing)
int64_t vStride(const Corr& c) { return round16(roundUp(kTileBlock, 32) * c.Ci) + 16; }
int64_t partFloats(const Corr& c) { return 36 * vStride(c) + round16(36 * c.Co * kTileBlock); }
int64_t scratchOf(const Exec& ex, const Corr& c) {
  const Plan p = planOf(c);
  return 16 + c.G * 36 * uStride(c) + c.N * c.G * padFloats(p.c) + std::max(1, ex.pool().numThreads()) * partFloats(c);
}

// U[gi][xi] in packed A slivers (element (o, cc) at (o/mr)*Ci*mr + cc*mr + o%mr) from weight(gi, o, cc, ki, kj).
template <typename W>
void transformWeights(const Exec& ex, const Plan& p, W&& weight, int mr, float* U) {
  const Corr& c = p.c;
  const int r = p.w.r;
  const int64_t us = uStride(c);
  ex.pool().parallelFor(c.G * c.Co, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t go = lo; go < hi; go++) {
      const int64_t gi = go / c.Co, o = go % c.Co;
      for (int64_t cc = 0; cc < c.Ci; cc++) {
        double t[6][5];  // G g
        for (int i = 0; i < 6; i++)
          for (int b = 0; b < r; b++) {
            double s = 0;
            for (int a = 0; a < r; a++) s += p.w.G[i][a] * weight(gi, o, cc, a, b);
            t[i][b] = s;
          }
        for (int i = 0; i < 6; i++)
          for (int j = 0; j < 6; j++) {
            double s = 0;
            for (int b = 0; b < r; b++) s += t[i][b] * p.w.G[j][b];
            U[(gi * 36 + i * 6 + j) * us + (o / mr) * c.Ci * mr + cc * mr + o % mr] = (float)s;
          }
      }
    }
  });
}

// V[xi] (packed B: element (cc, j) at (j/nr)*Ci*nr + cc*nr + j%nr) for tiles [t0, t1) of group gi.
void transformInput(const Plan& p, const float* pads, int64_t gi, int64_t t0, int64_t t1, int nr, float* V) {
  const Corr& c = p.c;
  const int64_t Hp = c.Hp(), Wp = c.Wp(), padN = padFloats(c), m = p.w.m, vs = vStride(c);
  for (int64_t tg = t0; tg < t1; tg += kL) {
    // lanes past t1 repeat tile t0: their columns are computed but never stored
    const float* src[kL];
    int64_t dstOff[kL];
    for (int l = 0; l < kL; l++) {
      const int64_t t = tg + l < t1 ? tg + l : t0, n = t / p.Tn, tt = t % p.Tn, j = tg - t0 + l;
      src[l] = pads + (n * c.G + gi) * padN + (tt / p.tilesW) * m * Wp + (tt % p.tilesW) * m;
      dstOff[l] = (j / nr) * c.Ci * nr + j % nr;
    }
    bool contiguous = true;  // the kL lanes land in one run of a sliver row (nr a multiple of kL)
    for (int l = 1; l < kL; l++) contiguous = contiguous && dstOff[l] == dstOff[0] + l;
    for (int64_t cc = 0; cc < c.Ci; cc++) {
      V8 d[6][6], t[6][6], v[6][6];
      const int64_t co = cc * Hp * Wp;
      for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
          for (int l = 0; l < kL; l++) d[i][j][l] = src[l][co + i * Wp + j];
      for (int i = 0; i < 6; i++) bt6(&d[i][0], 1, &t[i][0], 1);  // along each row: d B
      for (int j = 0; j < 6; j++) bt6(&t[0][j], 6, &v[0][j], 6);  // down each column: B^T (d B)
      float* dst = V + cc * nr;
      for (int xi = 0; xi < 36; xi++) {
        const V8 x = v[xi / 6][xi % 6];
        if (contiguous) {
          store8(dst + xi * vs + dstOff[0], x);
        } else {
          for (int l = 0; l < kL; l++) dst[xi * vs + dstOff[l]] = x[l];
        }
      }
    }
  }
}

// out (+ bias) for output channels [o0, o1) from M (Co x 36 x blk: one output channel's 36 planes together) for tiles
// [t0, t1) of group gi.
template <int m>
void transformOutput(const Plan& p, const float* M, int64_t blk, int64_t gi, int64_t t0, int64_t t1, int64_t o0, int64_t o1,
                     const float* bias, float* out) {
  const Corr& c = p.c;
  const int64_t P = p.OH * p.OW, nt = t1 - t0;
  // each tile's output corner (channel 0 of its image and group) and its rows / columns inside the output
  int64_t base[kTileBlock];
  int rows[kTileBlock], cols[kTileBlock];
  for (int64_t i = 0; i < nt; i++) {
    const int64_t t = t0 + i, n = t / p.Tn, tt = t % p.Tn, oh0 = (tt / p.tilesW) * m, ow0 = (tt % p.tilesW) * m;
    base[i] = (n * c.G + gi) * c.Co * P + oh0 * p.OW + ow0;
    rows[i] = (int)std::min<int64_t>(m, p.OH - oh0);
    cols[i] = (int)std::min<int64_t>(m, p.OW - ow0);
  }
  for (int64_t o = o0; o < o1; o++) {
    const float b = bias ? bias[o] : 0.0f;
    for (int64_t i0 = 0; i0 < nt; i0 += kL) {
      const int nl = (int)std::min<int64_t>(kL, nt - i0);
      V8 x[6][6], t[m][6], y[m][m];
      // lanes past nt read unused M columns
      for (int xi = 0; xi < 36; xi++) x[xi / 6][xi % 6] = load8(M + (o * 36 + xi) * blk + i0);
      for (int j = 0; j < 6; j++) at6<m>(&x[0][j], 6, &t[0][j], 6);  // A^T M
      for (int a = 0; a < m; a++) at6<m>(&t[a][0], 1, &y[a][0], 1);   // (A^T M) A
      for (int l = 0; l < nl; l++) {
        float* dst = out + base[i0 + l] + o * P;
        for (int a = 0; a < rows[i0 + l]; a++)
          for (int bb = 0; bb < cols[i0 + l]; bb++) dst[a * p.OW + bb] = y[a][bb][l] + b;
      }
    }
  }
}

// false (nothing written) when the input or the weights hold an Inf or NaN: the transforms would
// mix it into the whole tile (Inf - Inf), so the caller takes the direct kernels, which keep a NaN
// only where the true sum has one. preU: null, or the weights transformed ahead (finite).
template <typename W>
bool run(const Exec& ex, const Corr& corr, W&& weight, const float* w, int64_t wN, const float* preU, const float* in,
         const float* bias, float* out, float* scratch) {
  const gemm::Isa isa = gemm::activeIsa();
  const gemm::KernelSet& ks = gemm::kernelsFor(isa);
  const Plan p = planOf(corr);
  const Corr& c = p.c;
  float* own = scratch + ((16 - (reinterpret_cast<uintptr_t>(scratch) / sizeof(float)) % 16) % 16);
  float* pads = own + c.G * 36 * uStride(c);
  float* work = pads + c.N * c.G * padFloats(c);
  const bool inFinite = padImages(ex, c, c.N * c.G, in, pads, allFinite);
  if ((!preU && !allFinite(w, wN)) || !inFinite) return false;
  if (!preU) transformWeights(ex, p, weight, ks.mr, own);
  const float* U = preU ? preU : own;
  const int64_t T = std::max(1, ex.pool().numThreads());
  const std::vector<TileItem> items = tileItems(p.tiles, c.G, T, kTileBlock);
  const int64_t blk = kTileBlock, vs = vStride(c);
  auto claim = [&](int64_t n, auto&& f) { claimItems(ex, T, n, f); };
  forTileItems(claim, items, c.Co, ks.mr, [&](int64_t part, int64_t gi, int64_t t0, int64_t t1, int64_t o0, int64_t o1) {
    float* V = work + part * partFloats(c);
    float* M = V + 36 * vs;
    transformInput(p, pads, gi, t0, t1, ks.nr, V);
    for (int xi = 0; xi < 36; xi++) {
      const gemm::PackedA A{U + (gi * 36 + xi) * uStride(c) + (o0 / ks.mr) * c.Ci * ks.mr, o1 - o0, c.Ci, isa};
      const gemm::PackedB B{V + xi * vs, c.Ci, t1 - t0, isa};
      sgemmSerial(A, B, 1.0f, 0.0f, M + o0 * 36 * blk + xi * blk, 36 * blk);  // M[o][xi][tile]
    }
    const float* bg = bias ? bias + gi * c.Co : nullptr;
    if (p.w.m == 4) transformOutput<4>(p, M, blk, gi, t0, t1, o0, o1, bg, out);
    else transformOutput<2>(p, M, blk, gi, t0, t1, o0, o1, bg, out);
  });
  return true;
}

}  // namespace

bool winogradForwardApplies(const ConvGeom& g, bool prepacked) {
  const int64_t least = gMinPixels.load(std::memory_order_relaxed);
  return applies(forwardCorr(g), prepacked ? std::min(least, kPrepackedMinPixels) : least);
}
bool winogradBackwardInputApplies(const ConvGeom& g) {
  return g.sh == 1 && g.sw == 1 && applies(inputCorr(g), gMinPixels.load(std::memory_order_relaxed));
}
int64_t winogradForwardScratch(const Exec& ex, const ConvGeom& g) { return scratchOf(ex, forwardCorr(g)); }
int64_t winogradBackwardInputScratch(const Exec& ex, const ConvGeom& g) { return scratchOf(ex, inputCorr(g)); }

namespace {
auto forwardWeight(const ConvGeom& g, const float* w) {
  const int64_t Cg = g.C / g.G, Og = g.O / g.G, r = g.KH;
  return [=](int64_t gi, int64_t o, int64_t cc, int a, int b) {
    return (double)w[((gi * Og + o) * Cg + cc) * r * r + a * r + b];
  };
}
}  // namespace

bool winogradForward(const Exec& ex, const ConvGeom& g, const float* x, const float* w, const float* bias,
                     const float* preU, float* y, float* scratch) {
  const Corr c = forwardCorr(g);
  return run(ex, c, forwardWeight(g, w), w, g.O * c.Ci * g.KH * g.KW, preU, x, bias, y, scratch);
}

int64_t winogradForwardPackedElems(const ConvGeom& g) {
  const Corr c = forwardCorr(g);
  return c.G * 36 * uStride(c);
}

bool winogradForwardPack(const Exec& ex, const ConvGeom& g, const float* w, float* dst) {
  if (!allFinite(w, g.O * (g.C / g.G) * g.KH * g.KW)) return false;
  const Plan p = planOf(forwardCorr(g));
  transformWeights(ex, p, forwardWeight(g, w), gemm::kernelsFor(gemm::activeIsa()).mr, dst);
  return true;
}

bool winogradBackwardInput(const Exec& ex, const ConvGeom& g, const float* gy, const float* w, float* dx,
                           float* scratch) {
  const Corr c = inputCorr(g);
  const int64_t Og = c.Ci, Cg = c.Co, r = g.KH;
  // dx's channel cc from gy's channel o: w[gi][o][cc] flipped
  auto weight = [&](int64_t gi, int64_t cc, int64_t o, int a, int b) {
    return (double)w[((gi * Og + o) * Cg + cc) * r * r + (r - 1 - a) * r + (r - 1 - b)];
  };
  return run(ex, c, weight, w, g.O * Cg * r * r, nullptr, gy, nullptr, dx, scratch);
}

int64_t setWinogradMinPixels(int64_t n) { return gMinPixels.exchange(n); }

}  // namespace tf
