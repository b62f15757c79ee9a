// Direct float32 convolution, stride 1: the GEMM microkernel (native/cpu/gemm/) with its B rows
// read in place from a zero-padded copy of the input image instead of an im2col buffer.
//
// Per sample and group, a stride-1 correlation
//   out[o][r][s] (+)= sum over (c, ki, kj) of A(o, (c, ki, kj)) * pad[c][r + ki*dh][s + kj*dw]
// where pad is the input plane shifted by (ph, pw) and zero outside it. For a tile of mr output
// channels x nr output columns of one output row, B row k = (c, ki, kj) is nr consecutive floats
// of pad at a fixed offset off[k] from the tile's corner: the microkernel loads them directly.
// The padded copy costs one pass over the input (C*H*W) against K*O*OH*OW multiply-adds, and
// nothing is written per tap; im2col wrote K*OH*OW floats and packed them again.
//
// forward:        A = w[gi] (Og x Cg*KH*KW), pad = x[n, gi] padded by (ph, pw)
// backwardInput:  A(c, (o, ki, kj)) = w[gi][o][c][KH-1-ki][KW-1-kj], pad = gy[n, gi] padded by
//                 ((KH-1)*dh - ph, (KW-1)*dw - pw) (negative: cropped); out = dx[n, gi], H x W.
// Each output element is summed over k in kc blocks fixed by K and the ISA (gemm.h), so the
// result does not depend on the thread count or on how rows are split.
#include "conv_direct.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

#include "conv_im2col.h"
#include "gemm/gemm.h"
#include "gemm/kernels.h"

namespace tf {

namespace {

struct Corr {
  int64_t N, G, Ci, Hi, Wi;  // input plane (n, gi, c) at in + ((n*G + gi)*Ci + c)*Hi*Wi
  int64_t Co, OH, OW;        // output plane (n, gi, o) at out + ((n*G + gi)*Co + o)*OH*OW
  int64_t KH, KW, dh, dw, ph, pw;
  int64_t Hp() const { return OH + (KH - 1) * dh; }
  int64_t Wp() const { return OW + (KW - 1) * dw; }
  int64_t K() const { return Ci * KH * KW; }
};

Corr forwardCorr(const ConvGeom& g) {
  return {g.N, g.G, g.C / g.G, g.H, g.W, g.O / g.G, g.OH, g.OW, g.KH, g.KW, g.dh, g.dw, g.ph, g.pw};
}
Corr inputCorr(const ConvGeom& g) {
  return {g.N, g.G, g.O / g.G, g.OH, g.OW, g.C / g.G, g.H, g.W, g.KH, g.KW, g.dh, g.dw, (g.KH - 1) * g.dh - g.ph,
          (g.KW - 1) * g.dw - g.pw};
}

constexpr int64_t kSlack = 64;  // floats past a padded image that a tail tile may load (>= any nr)
int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }
int64_t padFloats(const Corr& c) { return round16(c.Ci * c.Hp() * c.Wp() + kSlack); }
int64_t packStride(const Corr& c) { return round16((c.Co + gemm::kMaxMR - 1) / gemm::kMaxMR * gemm::kMaxMR * c.K()); }
int64_t chunksOf(const Exec& ex) { return std::max(1, ex.pool().numThreads()); }
int64_t scratchOf(const Exec& ex, const Corr& c) { return 16 + c.G * packStride(c) + chunksOf(ex) * padFloats(c); }

bool applies(const Corr& c) {
  const bool pointwise = c.KH == 1 && c.KW == 1 && c.ph == 0 && c.pw == 0 && c.OH == c.Hi && c.OW == c.Wi;
  // a tile is one output row: rows shorter than half a vector waste most lanes
  return !pointwise && c.OW >= 4 && c.Ci * c.Hp() * c.Wp() + kSlack < INT32_MAX && c.K() < INT32_MAX;
}

int64_t blockSize(int64_t n, int64_t most, int64_t align) {
  const int64_t blocks = (n + most - 1) / most;
  const int64_t b = (n + blocks - 1) / blocks;
  return (b + align - 1) / align * align;
}

// The Ci planes of `in` shifted by (ph, pw) into Hp x Wp planes, zero elsewhere, then kSlack zeros.
void padImage(const Corr& c, const float* in, float* p) {
  const int64_t Hp = c.Hp(), Wp = c.Wp();
  const int64_t lo = std::clamp<int64_t>(c.pw, 0, Wp), hi = std::clamp<int64_t>(c.Wi + c.pw, lo, Wp);
  for (int64_t ci = 0; ci < c.Ci; ci++) {
    for (int64_t r = 0; r < Hp; r++) {
      float* d = p + (ci * Hp + r) * Wp;
      const int64_t sr = r - c.ph;
      if (sr < 0 || sr >= c.Hi) {
        zeroRow(d, Wp);
        continue;
      }
      zeroRow(d, lo);
      copyRow(d + lo, in + (ci * c.Hi + sr) * c.Wi + (lo - c.pw), hi - lo);
      zeroRow(d + hi, Wp - hi);
    }
  }
  zeroRow(p + c.Ci * Hp * Wp, kSlack);
}

// Output rows [oh0, oh1) of one (sample, group): out (+ bias) = A . pad.
void tiles(const gemm::KernelSet& ks, const Corr& c, const float* A, const int32_t* off, const float* pad,
           const float* bias, float* out, int64_t oh0, int64_t oh1) {
  const int64_t K = c.K(), P = c.OH * c.OW, Wp = c.Wp(), mr = ks.mr, nr = ks.nr;
  float beta0 = 0.0f;
  if (bias) {  // the first k block adds onto the bias
    for (int64_t o = 0; o < c.Co; o++) std::fill(out + o * P + oh0 * c.OW, out + o * P + oh1 * c.OW, bias[o]);
    beta0 = 1.0f;
  }
  const int64_t kcB = blockSize(K, ks.kc, 1), mcB = blockSize(c.Co, ks.mc, mr);
  for (int64_t pc = 0; pc < K; pc += kcB) {
    const int64_t kc = std::min(kcB, K - pc);
    const float beta = pc == 0 ? beta0 : 1.0f;
    for (int64_t ic = 0; ic < c.Co; ic += mcB) {
      const int64_t mc = std::min(mcB, c.Co - ic);
      for (int64_t oh = oh0; oh < oh1; oh++) {
        for (int64_t ow0 = 0; ow0 < c.OW; ow0 += nr) {
          const int n = (int)std::min(nr, c.OW - ow0);
          const int nv = (n + ks.w - 1) / ks.w;
          const int nLast = n - (nv - 1) * ks.w;
          const float* b = pad + oh * Wp + ow0;
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int m = (int)std::min(mr, mc - ir);
            const int64_t i = ic + ir;
            ks.conv[m - 1][nv - 1](kc, A + (i / mr) * K * mr + pc * mr, b, off + pc, out + i * P + oh * c.OW + ow0, P,
                                   beta, nLast);
          }
        }
      }
    }
  }
}

// Packs every group's A with packGroup(gi, dst, mr), then runs the tiles of all (sample, group,
// row chunk) items, `chunks` contiguous runs of them over the pool, each with its own padded image.
template <typename PackGroup>
void run(const Exec& ex, const Corr& c, PackGroup&& packGroup, const float* in, const float* bias, float* out,
         float* scratch) {
  const gemm::KernelSet& ks = gemm::kernelsFor(gemm::activeIsa());
  float* base = scratch + ((16 - (reinterpret_cast<uintptr_t>(scratch) / sizeof(float)) % 16) % 16);
  const int64_t K = c.K(), pstride = packStride(c), padN = padFloats(c);
  for (int64_t gi = 0; gi < c.G; gi++) packGroup(gi, base + gi * pstride, ks.mr);
  std::vector<int32_t> off((size_t)K);
  const int64_t Hp = c.Hp(), Wp = c.Wp(), KHW = c.KH * c.KW;
  for (int64_t k = 0; k < K; k++) {
    const int64_t ci = k / KHW, ki = (k % KHW) / c.KW, kj = k % c.KW;
    off[(size_t)k] = (int32_t)(ci * Hp * Wp + ki * c.dh * Wp + kj * c.dw);
  }
  const int64_t T = chunksOf(ex), images = c.N * c.G;
  // split rows too when there are few images for the threads
  const int64_t rowChunks = images >= 4 * T ? 1 : std::min(c.OH, (4 * T + images - 1) / images);
  const int64_t items = images * rowChunks, chunks = std::min(T, items);
  float* pads = base + c.G * pstride;
  auto body = [&](int64_t chunk) {
    float* pad = pads + chunk * padN;
    int64_t last = -1;
    for (int64_t it = chunk * items / chunks; it < (chunk + 1) * items / chunks; it++) {
      const int64_t img = it / rowChunks, rc = it % rowChunks, gi = img % c.G;
      if (img != last) padImage(c, in + img * c.Ci * c.Hi * c.Wi, pad);
      last = img;
      tiles(ks, c, base + gi * pstride, off.data(), pad, bias ? bias + gi * c.Co : nullptr, out + img * c.Co * c.OH * c.OW,
            rc * c.OH / rowChunks, (rc + 1) * c.OH / rowChunks);
    }
  };
  if (chunks > 1) {
    ex.pool().parallelFor(chunks, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t ch = lo; ch < hi; ch++) body(ch);
    });
  } else {
    body(0);
  }
}

}  // namespace

bool directForwardApplies(const ConvGeom& g) { return g.sh == 1 && g.sw == 1 && applies(forwardCorr(g)); }
bool directBackwardInputApplies(const ConvGeom& g) { return g.sh == 1 && g.sw == 1 && applies(inputCorr(g)); }
int64_t directForwardScratch(const Exec& ex, const ConvGeom& g) { return scratchOf(ex, forwardCorr(g)); }
int64_t directBackwardInputScratch(const Exec& ex, const ConvGeom& g) { return scratchOf(ex, inputCorr(g)); }

void directForward(const Exec& ex, const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
                   float* scratch) {
  const Corr c = forwardCorr(g);
  const int64_t K = c.K();
  auto pack = [&](int64_t gi, float* dst, int) { gemm::packA(false, c.Co, K, w + gi * c.Co * K, K, dst); };
  run(ex, c, pack, x, bias, y, scratch);
}

void directBackwardInput(const Exec& ex, const ConvGeom& g, const float* gy, const float* w, float* dx,
                         float* scratch) {
  const Corr c = inputCorr(g);
  const int64_t K = c.K(), Og = c.Ci, Cg = c.Co, KH = g.KH, KW = g.KW, KHW = KH * KW;
  // A(cc, (o, ki, kj)) = w[gi][o][cc][KH-1-ki][KW-1-kj], in mr-row slivers (element (r, k) at k*mr + r)
  auto pack = [&](int64_t gi, float* dst, int mr) {
    for (int64_t s = 0; s * mr < Cg; s++) {
      const int64_t m = std::min<int64_t>(mr, Cg - s * mr);
      float* d = dst + s * K * mr;
      for (int64_t o = 0; o < Og; o++) {
        const float* wo = w + ((gi * Og + o) * Cg + s * mr) * KHW;
        for (int64_t t = 0; t < KHW; t++) {
          const int64_t k = o * KHW + t, src = KHW - 1 - t;  // (KH-1-ki)*KW + (KW-1-kj)
          for (int64_t r = 0; r < m; r++) d[k * mr + r] = wo[r * KHW + src];
        }
      }
    }
  };
  run(ex, c, pack, gy, nullptr, dx, scratch);
}

}  // namespace tf
