// One-dimensional Winograd convolution, float32 forward, for r x 1 and 1 x r kernels (r = 7, as
// Inception's factorised 17x17 layers; r = 5, 3 too), stride 1, dilation 1: F(m, r) with the
// eight interpolation points 0, 1, -1, 2, -2, 1/2, -1/2, inf (m = 8 - r + 1 outputs per tile:
// 2 for r = 7, i.e. 8 multiplies per 2 outputs instead of 14).
// A tile is m consecutive outputs along the kernel's axis; its 8 inputs d follow along that axis.
// With V the 8 x 8 Vandermonde matrix of the points (its inf row picking the top coefficient),
// the correlation y = A^T [(G g) . (B^T d)] has A^T = V_m^T, G = V_r, B^T = V^-T (Lavin & Gray;
// Toom-Cook read backwards), all made in double at first use:
//   U[xi](o, c) = (G w[o][c])[xi]      ahead of time (prepack), packed as GEMM A slivers
//   V[xi](c, t) = (B^T d[c][t])[xi]    8 tiles at a time in vector lanes
//   M[xi]       = U[xi] . V[xi]        8 GEMMs (Co x Ci) . (Ci x tiles)
//   y[o][t]     = A^T M[.](o, t)       cropped at the far edge
// Taken only with the weights transformed ahead (importers' inference): a per-call transform would
// cost a fifth of the saving on 17x17 layers. Float32 error measured in test/conv-winograd1d.test.ts.
#include "conv_winograd1d.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "conv_direct_impl.h"
#include "conv_lanes.h"
#include "gemm/gemm.h"
#include "gemm/kernels.h"

namespace tf {

namespace {
using namespace direct;
using namespace lanes;

constexpr int kN = 8;                 // points, = the transformed planes
constexpr int64_t kMaxBlock = 32;     // tiles per GEMM item (a multiple of every ISA's nr)
constexpr int64_t kMaxPadded = 32 << 20;

struct Mats {
  int r = 0, m = 0;
  float AT[kN][kN] = {};  // m x 8
  double G[kN][kN] = {};  // 8 x r
  float BT[kN][kN] = {};  // 8 x 8
};

// V^-T for the points, by Gauss-Jordan elimination with partial pivoting (in double).
void invertTransposed(const double V[kN][kN], double out[kN][kN]) {
  double a[kN][2 * kN] = {};
  for (int i = 0; i < kN; i++)
    for (int j = 0; j < kN; j++) {
      a[i][j] = V[j][i];  // V^T; its inverse is V^-T
      a[i][kN + j] = i == j;
    }
  for (int col = 0; col < kN; col++) {
    int piv = col;
    for (int i = col + 1; i < kN; i++)
      if (std::fabs(a[i][col]) > std::fabs(a[piv][col])) piv = i;
    for (int j = 0; j < 2 * kN; j++) std::swap(a[col][j], a[piv][j]);
    const double d = a[col][col];
    for (int j = 0; j < 2 * kN; j++) a[col][j] /= d;
    for (int i = 0; i < kN; i++) {
      if (i == col || a[i][col] == 0) continue;
      const double f = a[i][col];
      for (int j = 0; j < 2 * kN; j++) a[i][j] -= f * a[col][j];
    }
  }
  for (int i = 0; i < kN; i++)
    for (int j = 0; j < kN; j++) out[i][j] = a[i][kN + j];
}

Mats makeMats(int r) {
  static const double pts[kN - 1] = {0, 1, -1, 2, -2, 0.5, -0.5};
  Mats t;
  t.r = r;
  t.m = kN - r + 1;
  double V[kN][kN] = {};
  for (int j = 0; j < kN; j++) {
    for (int k = 0; k < kN; k++) V[j][k] = j < kN - 1 ? std::pow(pts[j], k) : (k == kN - 1);
    for (int k = 0; k < r; k++) t.G[j][k] = j < kN - 1 ? std::pow(pts[j], k) : (k == r - 1);
    for (int i = 0; i < t.m; i++) t.AT[i][j] = (float)(j < kN - 1 ? std::pow(pts[j], i) : (i == t.m - 1));
  }
  double bt[kN][kN];
  invertTransposed(V, bt);
  for (int i = 0; i < kN; i++)
    for (int j = 0; j < kN; j++) t.BT[i][j] = (float)bt[i][j];
  return t;
}
const Mats& matsFor(int r) {
  static const Mats m3 = makeMats(3), m5 = makeMats(5), m7 = makeMats(7);
  return r == 3 ? m3 : r == 5 ? m5 : m7;
}

// The geometry along the kernel's axis: alongW for 1 x r kernels.
struct Plan {
  Corr c;                  // the padded plane covers whole tiles (the axis' output rounded up to m)
  int64_t OH, OW;          // the true output size
  bool alongW;
  int64_t tilesA, Tn, tiles;  // tiles along the axis per line, per image, over the batch
  const Mats* t;
};
Plan planOf(Corr c) {
  Plan p;
  p.alongW = c.KH == 1;
  p.t = &matsFor((int)(p.alongW ? c.KW : c.KH));
  const int64_t m = p.t->m;
  p.OH = c.OH;
  p.OW = c.OW;
  if (p.alongW) c.OW = (c.OW + m - 1) / m * m;
  else c.OH = (c.OH + m - 1) / m * m;
  p.tilesA = (p.alongW ? c.OW : c.OH) / m;
  p.Tn = p.tilesA * (p.alongW ? c.OH : c.OW);
  p.tiles = c.N * p.Tn;
  p.c = c;
  return p;
}

int64_t uStride(const Corr& c) { return round16(roundUp(c.Co, gemm::kMaxMR) * c.Ci); }
// + 16: the 8 planes of V must not sit a multiple of 4 KiB apart (written all at once)
int64_t vStride(const Corr& c) { return round16(roundUp(kMaxBlock, 32) * c.Ci) + 16; }
int64_t partFloats(const Corr& c) { return kN * vStride(c) + round16(kN * c.Co * kMaxBlock); }

bool applies(const Corr& c) {
  const bool axisW = c.KH == 1 && c.KW > 1, axisH = c.KW == 1 && c.KH > 1;
  const int64_t r = axisW ? c.KW : c.KH;
  if (!(axisW || axisH) || (r != 3 && r != 5 && r != 7) || c.dh != 1 || c.dw != 1 || c.sh != 1 || c.sw != 1)
    return false;
  const Plan p = planOf(c);
  // as 2-D Winograd: below 32 channels in or out the transforms outweigh the saving
  return c.Ci >= 32 && c.Co >= 32 && c.N * c.G * padFloats(p.c) <= kMaxPadded &&
         p.c.Ci * p.c.Hp() * p.c.Wp() < INT32_MAX;
}

// V[xi] (packed B: element (cc, j) at (j/nr)*Ci*nr + cc*nr + j%nr) for tiles [t0, t1) of group gi.
void transformInput(const Plan& p, const float* pads, int64_t gi, int64_t t0, int64_t t1, int nr, float* V) {
  const Corr& c = p.c;
  const Mats& t = *p.t;
  const int64_t Hp = c.Hp(), Wp = c.Wp(), padN = padFloats(c), m = t.m, vs = vStride(c);
  const int64_t step = p.alongW ? 1 : Wp;  // between a tile's inputs
  for (int64_t tg = t0; tg < t1; tg += kL) {
    const float* src[kL];  // lanes past t1 repeat tile t0: computed, never stored
    int64_t dstOff[kL];
    for (int l = 0; l < kL; l++) {
      const int64_t tt = tg + l < t1 ? tg + l : t0, n = tt / p.Tn, ti = tt % p.Tn, j = tg - t0 + l;
      // alongW: tile (row, k) starts at column k*m; else tile (k, column) at row k*m
      const int64_t a = p.alongW ? ti % p.tilesA : ti / c.OW, b = p.alongW ? ti / p.tilesA : ti % c.OW;
      src[l] = pads + (n * c.G + gi) * padN + (p.alongW ? b * Wp + a * m : a * m * Wp + b);
      dstOff[l] = (j / nr) * c.Ci * nr + j % nr;
    }
    bool contiguous = true;
    for (int l = 1; l < kL; l++) contiguous = contiguous && dstOff[l] == dstOff[0] + l;
    for (int64_t cc = 0; cc < c.Ci; cc++) {
      float in[kN][kL];
      const int64_t co = cc * Hp * Wp;
      for (int i = 0; i < kN; i++)
        for (int l = 0; l < kL; l++) in[i][l] = src[l][co + i * step];
      V8 d[kN];
      for (int i = 0; i < kN; i++) d[i] = load8(in[i]);
      float* dst = V + cc * nr;
      for (int xi = 0; xi < kN; xi++) {
        V8 v = t.BT[xi][0] * d[0];
        for (int i = 1; i < kN; i++) v += t.BT[xi][i] * d[i];
        if (contiguous) store8(dst + xi * vs + dstOff[0], v);
        else
          for (int l = 0; l < kL; l++) dst[xi * vs + dstOff[l]] = v[l];
      }
    }
  }
}

// out (+ bias) for output channels [o0, o1) from M (Co x 8 x block: one output channel's planes
// together) for tiles [t0, t1).
void transformOutput(const Plan& p, const float* M, int64_t gi, int64_t t0, int64_t t1, int64_t o0, int64_t o1,
                     const float* bias, int act, float* out) {
  const Corr& c = p.c;
  const Mats& t = *p.t;
  const int64_t P = p.OH * p.OW, nt = t1 - t0, m = t.m, step = p.alongW ? 1 : p.OW;
  int64_t base[kMaxBlock];
  int cnt[kMaxBlock];
  for (int64_t i = 0; i < nt; i++) {
    const int64_t tt = t0 + i, n = tt / p.Tn, ti = tt % p.Tn;
    const int64_t a = p.alongW ? ti % p.tilesA : ti / c.OW, b = p.alongW ? ti / p.tilesA : ti % c.OW;
    base[i] = (n * c.G + gi) * c.Co * P + (p.alongW ? b * p.OW + a * m : a * m * p.OW + b);
    cnt[i] = (int)std::min<int64_t>(m, (p.alongW ? p.OW : p.OH) - a * m);
  }
  for (int64_t o = o0; o < o1; o++) {
    const float bo = bias ? bias[o] : 0.0f;
    for (int64_t i0 = 0; i0 < nt; i0 += kL) {
      const int nl = (int)std::min<int64_t>(kL, nt - i0);
      V8 x[kN];  // lanes past nt read unused M columns
      for (int xi = 0; xi < kN; xi++) x[xi] = load8(M + (o * kN + xi) * kMaxBlock + i0);
      for (int64_t k = 0; k < m; k++) {
        V8 y = t.AT[k][0] * x[0];
        for (int xi = 1; xi < kN; xi++) y += t.AT[k][xi] * x[xi];
        for (int l = 0; l < nl; l++) {
          if (k >= cnt[i0 + l]) continue;
          const float v = y[l] + bo;
          out[base[i0 + l] + o * P + k * step] = act && v < 0.0f ? 0.0f : v;
        }
      }
    }
  }
}

}  // namespace

bool winograd1dForwardApplies(const ConvGeom& g) { return applies(forwardCorr(g)); }

int64_t winograd1dForwardScratch(const Exec& ex, const ConvGeom& g) {
  const Corr c = forwardCorr(g);
  const Plan p = planOf(c);
  return 16 + c.N * c.G * padFloats(p.c) + std::max(1, ex.pool().numThreads()) * partFloats(c);
}

int64_t winograd1dForwardPackedElems(const ConvGeom& g) {
  const Corr c = forwardCorr(g);
  return c.G * kN * uStride(c);
}

bool winograd1dForwardPack(const Exec& ex, const ConvGeom& g, const float* w, float* U) {
  const Corr c = forwardCorr(g);
  const int64_t r = c.KH * c.KW, us = uStride(c);
  if (!allFinite(w, g.O * c.Ci * r)) return false;
  const Mats& t = *planOf(c).t;
  const int mr = gemm::kernelsFor(gemm::activeIsa()).mr;
  // U[gi][xi] in packed A slivers: element (o, cc) at (o/mr)*Ci*mr + cc*mr + o%mr
  ex.pool().parallelFor(c.G * c.Co, 4, [&](int64_t lo, int64_t hi) {
    for (int64_t go = lo; go < hi; go++) {
      const int64_t gi = go / c.Co, o = go % c.Co;
      for (int64_t cc = 0; cc < c.Ci; cc++) {
        const float* wk = w + ((gi * c.Co + o) * c.Ci + cc) * r;
        for (int xi = 0; xi < kN; xi++) {
          double s = 0;
          for (int k = 0; k < r; k++) s += t.G[xi][k] * wk[k];
          U[(gi * kN + xi) * us + (o / mr) * c.Ci * mr + cc * mr + o % mr] = (float)s;
        }
      }
    }
  });
  return true;
}

bool winograd1dForward(const Exec& ex, const ConvGeom& g, const float* x, const float* U, const float* bias, int act,
                       float* y, float* scratch) {
  const gemm::Isa isa = gemm::activeIsa();
  const gemm::KernelSet& ks = gemm::kernelsFor(isa);
  const int64_t T = std::max(1, ex.pool().numThreads());
  const Plan p = planOf(forwardCorr(g));
  const Corr& c = p.c;
  float* pads = scratch + ((16 - (reinterpret_cast<uintptr_t>(scratch) / sizeof(float)) % 16) % 16);
  float* work = pads + c.N * c.G * padFloats(c);
  const bool inFinite = padImages(ex, c, c.N * c.G, x, pads, allFinite);
  if (!inFinite) return false;
  const std::vector<TileItem> items = tileItems(p.tiles, c.G, T, kMaxBlock);
  const int64_t vs = vStride(c), us = uStride(c);
  auto claim = [&](int64_t n, auto&& f) { claimItems(ex, T, n, f); };
  forTileItems(claim, items, c.Co, ks.mr, [&](int64_t part, int64_t gi, int64_t t0, int64_t t1, int64_t o0, int64_t o1) {
    float* V = work + part * partFloats(c);
    float* M = V + kN * vs;
    transformInput(p, pads, gi, t0, t1, ks.nr, V);
    for (int xi = 0; xi < kN; xi++) {
      const gemm::PackedA A{U + (gi * kN + xi) * us + (o0 / ks.mr) * c.Ci * ks.mr, o1 - o0, c.Ci, isa};
      const gemm::PackedB B{V + xi * vs, c.Ci, t1 - t0, isa};
      sgemmSerial(A, B, 1.0f, 0.0f, M + o0 * kN * kMaxBlock + xi * kMaxBlock, kN * kMaxBlock);  // M[o][xi][tile]
    }
    transformOutput(p, M, gi, t0, t1, o0, o1, bias ? bias + gi * c.Co : nullptr, act, y);
  });
  return true;
}

}  // namespace tf
