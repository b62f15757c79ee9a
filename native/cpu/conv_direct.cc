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
#include "conv_direct_impl.h"
#include "gemm/kernels.h"

namespace tf {

namespace {
using namespace direct;

constexpr int64_t kPixBlock = 768;  // output pixels per item in pixel mode (its C^T buffer: that x Co)
int64_t tmpFloats(const Corr& c) { return round16(std::min(c.OH * c.OW, kPixBlock) + gemm::kMaxMR) * c.Co; }
// packed weights of one group: A (Co x K, row mode) or B (K x Co, pixel mode), for any ISA's tile
int64_t packStride(const Corr& c) { return round16(std::max(roundUp(c.Co, gemm::kMaxMR), roundUp(c.Co, 32)) * c.K()); }
int64_t chunksOf(const Exec& ex) { return std::max(1, ex.pool().numThreads()); }
int64_t scratchOf(const Exec& ex, const Corr& c) {
  return 16 + c.G * packStride(c) + chunksOf(ex) * (padFloats(c) + tmpFloats(c));
}

// Row mode: a tile is mr output channels x nr columns of one output row (lanes = pixels).
// Pixel mode: a tile is mr output pixels anywhere in the image x nr output channels (lanes =
// channels), summed into a pixel-major buffer and transposed out. Each mode's share of useful
// lanes and tile rows; geometry and ISA alone decide.
double rowEfficiency(const gemm::KernelSet& ks, const Corr& c) {
  return c.OW / (double)roundUp(c.OW, ks.w) * (c.Co / (double)roundUp(c.Co, ks.mr));
}
double pixelEfficiency(const gemm::KernelSet& ks, const Corr& c) {
  const int64_t P = c.OH * c.OW;
  return c.Co / (double)roundUp(c.Co, ks.w) * (P / (double)roundUp(P, ks.mr));
}
// Pixel mode when its lane savings beat its transpose (~kTransposeCost multiply-adds an output,
// measured on the AVX2 kernels: it decides for small K).
constexpr double kTransposeCost = 16;
bool pixelMode(const gemm::KernelSet& ks, const Corr& c) {
  if (c.sw != 1) return true;  // row mode reads a tile's lanes as one run of input
  const double K = (double)c.K();
  return K / pixelEfficiency(ks, c) + kTransposeCost < K / rowEfficiency(ks, c);
}

bool applies(const Corr& c) {
  const gemm::KernelSet& ks = gemm::kernelsFor(gemm::activeIsa());
  const bool pointwise = c.KH == 1 && c.KW == 1 && c.ph == 0 && c.pw == 0 && c.OH == c.Hi && c.OW == c.Wi;
  // below half the lanes busy (a few output channels and short rows), im2col + GEMM does better
  const bool dense = std::max(c.sw == 1 ? rowEfficiency(ks, c) : 0.0, pixelEfficiency(ks, c)) >= 0.5;
  return !pointwise && dense && c.Co >= 1 && c.Ci * c.Hp() * c.Wp() + kSlack < INT32_MAX && c.K() < INT32_MAX;
}

// Row mode, output rows [oh0, oh1) of one (sample, group): out (+ bias) = A . pad.
void rowTiles(const gemm::KernelSet& ks, const Corr& c, const float* A, const int32_t* off, const float* pad,
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
          const float* b = pad + oh * c.sh * Wp + ow0;
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

// Pixel mode, output pixels [q0, q1) of one (sample, group): tmp (pixels x Co) = pad^T . B, then
// out[o][q] = tmp[q][o] (+ bias[o]).
void pixelTiles(const gemm::KernelSet& ks, const Corr& c, const float* B, const int32_t* off, const float* pad,
                const float* bias, float* out, int64_t q0, int64_t q1, float* tmp, std::vector<const float*>& rows) {
  const int64_t K = c.K(), Co = c.Co, P = c.OH * c.OW, Wp = c.Wp(), mr = ks.mr, nr = ks.nr, nq = q1 - q0;
  rows.resize((size_t)nq);
  for (int64_t q = q0; q < q1; q++) rows[(size_t)(q - q0)] = pad + (q / c.OW) * c.sh * Wp + (q % c.OW) * c.sw;
  const int64_t kcB = blockSize(K, ks.kc, 1);
  for (int64_t pc = 0; pc < K; pc += kcB) {
    const int64_t kc = std::min(kcB, K - pc);
    const float beta = pc == 0 ? 0.0f : 1.0f;
    for (int64_t jr = 0; jr < Co; jr += nr) {
      const int n = (int)std::min(nr, Co - jr);
      const int nv = (n + ks.w - 1) / ks.w;
      const int nLast = n - (nv - 1) * ks.w;
      const float* bs = B + (jr / nr) * K * nr + pc * nr;
      for (int64_t ir = 0; ir < nq; ir += mr) {
        const int m = (int)std::min(mr, nq - ir);
        ks.convT[m - 1][nv - 1](kc, rows.data() + ir, off + pc, bs, tmp + ir * Co + jr, Co, beta, nLast);
      }
    }
  }
  // 8 x 8 blocks: each tmp line read serves 8 outputs
  for (int64_t o0 = 0; o0 < Co; o0 += 8) {
    const int64_t o1 = std::min(Co, o0 + 8);
    for (int64_t i0 = 0; i0 < nq; i0 += 8) {
      const int64_t i1 = std::min(nq, i0 + 8);
      for (int64_t o = o0; o < o1; o++) {
        float* d = out + o * P + q0;
        const float b = bias ? bias[o] : 0.0f;
        if (bias) {
          for (int64_t i = i0; i < i1; i++) d[i] = tmp[i * Co + o] + b;
        } else {
          for (int64_t i = i0; i < i1; i++) d[i] = tmp[i * Co + o];
        }
      }
    }
  }
}

// Packs every group's weights with pack(gi, dst, pixelMode, ks), then runs the tiles of all
// (sample, group, block) items over the pool (claimItems), each part with its own padded image
// and C^T buffer.
template <typename Pack>
void run(const Exec& ex, const Corr& c, Pack&& pack, const float* in, const float* bias, float* out, float* scratch) {
  const gemm::KernelSet& ks = gemm::kernelsFor(gemm::activeIsa());
  const bool pix = pixelMode(ks, c);
  float* base = scratch + ((16 - (reinterpret_cast<uintptr_t>(scratch) / sizeof(float)) % 16) % 16);
  const int64_t K = c.K(), pstride = packStride(c), padN = padFloats(c), tmpN = tmpFloats(c), P = c.OH * c.OW;
  for (int64_t gi = 0; gi < c.G; gi++) pack(gi, base + gi * pstride, pix, ks);
  std::vector<int32_t> off((size_t)K);
  const int64_t Hp = c.Hp(), Wp = c.Wp(), KHW = c.KH * c.KW;
  for (int64_t k = 0; k < K; k++) {
    const int64_t ci = k / KHW, ki = (k % KHW) / c.KW, kj = k % c.KW;
    off[(size_t)k] = (int32_t)(ci * Hp * Wp + ki * c.dh * Wp + kj * c.dw);
  }
  const int64_t T = chunksOf(ex), images = c.N * c.G;
  // blocks of output rows (row mode) or pixels (pixel mode) per image; more when there are few
  // images for the threads
  const int64_t units = pix ? (P + ks.mr - 1) / ks.mr : c.OH;
  int64_t blocks = pix ? (P + kPixBlock - 1) / kPixBlock : 1;
  if (images * blocks < 4 * T) blocks = std::max(blocks, (4 * T + images - 1) / images);
  blocks = std::min(blocks, units);
  const int64_t items = images * blocks;
  float* work = base + c.G * pstride;
  struct Part {
    int64_t img = -1;  // the image now in this part's padded buffer
    std::vector<const float*> rows;
  };
  std::vector<Part> parts((size_t)std::min(T, items));
  claimItems(ex, T, items, [&](int64_t part, int64_t it) {
    float* pad = work + part * (padN + tmpN);
    float* tmp = pad + padN;
    Part& pt = parts[(size_t)part];
    const int64_t img = it / blocks, bi = it % blocks, gi = img % c.G;
    if (img != pt.img) padImage(c, in + img * c.Ci * c.Hi * c.Wi, pad);
    pt.img = img;
    const float* wp = base + gi * pstride;
    const float* bp = bias ? bias + gi * c.Co : nullptr;
    float* o = out + img * c.Co * P;
    const int64_t u0 = bi * units / blocks, u1 = (bi + 1) * units / blocks;
    if (pix) pixelTiles(ks, c, wp, off.data(), pad, bp, o, u0 * ks.mr, std::min(P, u1 * ks.mr), tmp, pt.rows);
    else rowTiles(ks, c, wp, off.data(), pad, bp, o, u0, u1);
  });
}

}  // namespace

bool directForwardApplies(const ConvGeom& g) { return applies(forwardCorr(g)); }
bool directBackwardInputApplies(const ConvGeom& g) { return g.sh == 1 && g.sw == 1 && applies(inputCorr(g)); }
int64_t directForwardScratch(const Exec& ex, const ConvGeom& g) { return scratchOf(ex, forwardCorr(g)); }
int64_t directBackwardInputScratch(const Exec& ex, const ConvGeom& g) { return scratchOf(ex, inputCorr(g)); }

void directForward(const Exec& ex, const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
                   float* scratch) {
  const Corr c = forwardCorr(g);
  const int64_t K = c.K();
  auto pack = [&](int64_t gi, float* dst, bool pix, const gemm::KernelSet&) {
    if (pix) gemm::packB(true, K, c.Co, w + gi * c.Co * K, K, dst);  // W[gi]^T, K x Og
    else gemm::packA(false, c.Co, K, w + gi * c.Co * K, K, dst);
  };
  run(ex, c, pack, x, bias, y, scratch);
}

void directBackwardInput(const Exec& ex, const ConvGeom& g, const float* gy, const float* w, float* dx,
                         float* scratch) {
  const Corr c = inputCorr(g);
  const int64_t K = c.K(), Og = c.Ci, Cg = c.Co, KHW = g.KH * g.KW;
  // the weight of output channel cc (of dx) at k = (o, t): w[gi][o][cc] at kernel tap KHW-1-t (flipped)
  auto at = [&](int64_t gi, int64_t cc, int64_t k) { return w[((gi * Og + k / KHW) * Cg + cc) * KHW + KHW - 1 - k % KHW]; };
  auto pack = [&](int64_t gi, float* dst, bool pix, const gemm::KernelSet& ks) {
    if (pix) {  // B (K x Cg): sliver s = channels [s*nr, s*nr + nr) at s*K*nr, row k at + k*nr, zero past Cg
      const int64_t nr = ks.nr;
      for (int64_t s = 0; s * nr < Cg; s++)
        for (int64_t k = 0; k < K; k++)
          for (int64_t l = 0; l < nr; l++) dst[(s * K + k) * nr + l] = s * nr + l < Cg ? at(gi, s * nr + l, k) : 0.0f;
    } else {  // A (Cg x K): sliver s = channels [s*mr, s*mr + mr) at s*K*mr, element (r, k) at + k*mr + r
      const int64_t mr = ks.mr;
      for (int64_t s = 0; s * mr < Cg; s++)
        for (int64_t k = 0; k < K; k++)
          for (int64_t r = 0; r < std::min(mr, Cg - s * mr); r++) dst[(s * K + k) * mr + r] = at(gi, s * mr + r, k);
    }
  };
  run(ex, c, pack, gy, nullptr, dx, scratch);
}

}  // namespace tf
