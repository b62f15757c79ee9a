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
// result does not depend on the thread count or on how pixels and channels are split.
// Work items (planOf): whole images while there are enough for the threads, else images cut
// by output channels first (each block reads only its own weights), then by pixels; small
// images in pixel mode go several to an item. The forward's act (relu) is applied to each
// tile or transposed block as its last k block lands, while it is still in cache.
#include "conv_direct.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <functional>
#include <vector>

#include "conv_im2col.h"
#include "gemm/gemm.h"
#include "conv_direct_impl.h"
#include "gemm/kernels.h"

namespace tf {

namespace {
using namespace direct;

// the largest chunk of any ISA: an mc x kc block of A (row mode; AVX-512 168 x 192, AVX2
// 120 x 256, scalar 64 x 256) or a kc x nr sliver of B (pixel mode)
constexpr int64_t kLocalFloats = 168 * 256;
constexpr int64_t kPixBlock = 768;  // output pixels per item in pixel mode (its C^T buffer: that x Co)
// Packed weights of one group: A (Co x K, row mode) or B (K x Co, pixel mode), for any ISA's
// tile, k-blocked: k block [pc, pc + kc) of every register sliver lies at
// pc * (channels rounded up to the sliver) + sliver * kc * width, so each k block's weights are
// one contiguous run (streamed from L3 in order when they do not fit L2, as for 8x8 layers).
int64_t kBlock(const gemm::KernelSet& ks, int64_t K) { return blockSize(K, ks.kc, 1); }
// (K x the channels rounded up to any ISA's sliver: mr 4, 6 or 14, nr 4, 16 or 32; 224 channels
// take 228 rows of 6)
int64_t packStride(const Corr& c) {
  return round16(std::max({roundUp(c.Co, 6), roundUp(c.Co, gemm::kMaxMR), roundUp(c.Co, 32)}) * c.K());
}
int64_t chunksOf(const Exec& ex) { return std::max(1, ex.pool().numThreads()); }
// Pixel mode with few pixels an image (8x8 layers) runs up to this many pixels of several
// samples per item, so that each packed weight chunk brought into L1 serves as many tiles as a
// 17x17 image gives (one image's 64 pixels: 11 tiles of 6, each chunk then waits on L3).
constexpr int64_t kGroupPixels = 288;
// images per item in pixel mode: samples of the one group (G == 1), up to kGroupPixels pixels
int64_t imageGroup(const Corr& c) {
  return c.G == 1 ? std::max<int64_t>(1, std::min(c.N, kGroupPixels / std::max<int64_t>(1, c.OH * c.OW))) : 1;
}
int64_t tmpFloats(const Corr& c) {
  const int64_t P = c.OH * c.OW;
  return round16(std::max(std::min(P, kPixBlock), imageGroup(c) * P) + gemm::kMaxMR) * c.Co;
}
int64_t scratchOf(const Exec& ex, const Corr& c) {
  return 16 + c.G * packStride(c) + chunksOf(ex) * (imageGroup(c) * padFloats(c) + tmpFloats(c) + kLocalFloats);
}

// Row mode: a tile is mr output channels x nr columns of one output row (lanes = pixels); flat
// row mode (stride 1, one kernel column, no column padding: then the padded rows are exactly
// OW wide) runs its tiles over the whole plane as one row, no lane lost at row ends.
// Pixel mode: a tile is mr output pixels anywhere in the image x nr output channels (lanes =
// channels), summed into a pixel-major buffer and transposed out. Each mode's share of useful
// lanes and tile rows; geometry and ISA alone decide.
bool flatRows(const Corr& c) { return c.sh == 1 && c.sw == 1 && c.KW == 1 && c.pw == 0; }
// A row tile narrower than nr (one vector of an 8-wide row: 8x8 layers) is bound by its mr
// broadcasts, not its multiply-adds: it takes about as long as a full tile (measured on AVX2:
// 8x8 layers ran at 55% of peak in row mode), so rows count in whole tiles below nr.
double rowEfficiency(const gemm::KernelSet& ks, const Corr& c) {
  const int64_t run = flatRows(c) ? c.OH * c.OW : c.OW;
  return run / (double)roundUp(run, run < ks.nr ? ks.nr : ks.w) * (c.Co / (double)roundUp(c.Co, ks.mr));
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

bool isPointwise(const Corr& c) { return c.KH == 1 && c.KW == 1 && c.ph == 0 && c.pw == 0 && c.OH == c.Hi && c.OW == c.Wi; }
// 1x1 stays on the GEMM path (conv.cc): its packed B beats reading B rows in place here
bool applies(const Corr& c) {
  const gemm::KernelSet& ks = gemm::kernelsFor(gemm::activeIsa());
  // below half the lanes busy (a few output channels and short rows), im2col + GEMM does better
  const bool dense = std::max(c.sw == 1 ? rowEfficiency(ks, c) : 0.0, pixelEfficiency(ks, c)) >= 0.5;
  return !isPointwise(c) && dense && c.Co >= 1 && c.Ci * c.Hp() * c.Wp() + kSlack < INT32_MAX &&
         c.K() < INT32_MAX;
}

// y = max(y, 0) over n floats from p with row stride ld, m rows (NaN stays NaN, as relu).
inline void reluRows(float* p, int64_t ld, int64_t m, int64_t n) {
  for (int64_t r = 0; r < m; r++)
    for (int64_t j = 0; j < n; j++) p[r * ld + j] = p[r * ld + j] < 0.0f ? 0.0f : p[r * ld + j];
}

// Where a tile loop finds its packed weights: the group's, packed up front (pre), or, when
// each weight chunk is read by one item only (one image per group, no pixel blocks), packed a
// chunk at a time by pack(c0, c1, k0, kc, dst) into the part's own buffer just before use:
// no pass over the whole packed copy, which for large weights runs at memory speed.
struct Weights {
  const float* pre;  // k-blocked (kBlock), or null
  float* local;      // kLocalFloats of the part's, when pre is null
  const std::function<void(int64_t, int64_t, int64_t, int64_t, float*)>* pack;
  // channels [c0, c1) (c0 a multiple of the sliver width w) at k block [k0, k0 + kc)
  const float* chunk(int64_t c0, int64_t c1, int64_t k0, int64_t kc, int64_t coPad, int64_t w) const {
    if (pre) return pre + k0 * coPad + (c0 / w) * kc * w;
    (*pack)(c0, c1, k0, kc, local);
    return local;
  }
};

// What one item computes: output channels [o0, o1) at output pixels [q0, q1) of one (sample,
// group) (row mode: whole output rows).
struct Span {
  int64_t o0, o1, q0, q1;
};

// Row mode: out (+ bias) = A . pad over the span; act 1 applies relu to each tile after its last k block.
void rowTiles(const gemm::KernelSet& ks, const Corr& c, bool flat, const Weights& A, const int32_t* off,
              const float* pad, const float* bias, int act, float* out, Span sp) {
  const int64_t K = c.K(), P = c.OH * c.OW, Wp = c.Wp(), mr = ks.mr, nr = ks.nr;
  float beta0 = 0.0f;
  if (bias) {  // the first k block adds onto the bias
    for (int64_t o = sp.o0; o < sp.o1; o++) std::fill(out + o * P + sp.q0, out + o * P + sp.q1, bias[o]);
    beta0 = 1.0f;
  }
  // runs of output pixels whose pad inputs are consecutive: one per output row, or the whole span when flat
  const int64_t run = flat ? sp.q1 - sp.q0 : c.OW;
  const int64_t kcB = kBlock(ks, K), mcB = blockSize(sp.o1 - sp.o0, ks.mc, mr), coPad = roundUp(c.Co, mr);
  for (int64_t pc = 0; pc < K; pc += kcB) {
    const int64_t kc = std::min(kcB, K - pc);
    const float beta = pc == 0 ? beta0 : 1.0f;
    const bool last = pc + kc == K;
    for (int64_t ic = sp.o0; ic < sp.o1; ic += mcB) {
      const int64_t mc = std::min(mcB, sp.o1 - ic);
      const float* Ab = A.chunk(ic, ic + mc, pc, kc, coPad, mr);
      for (int64_t r0 = sp.q0; r0 < sp.q1; r0 += run) {
        const float* prow = pad + (flat ? r0 : (r0 / c.OW) * c.sh * Wp);
        for (int64_t s0 = 0; s0 < run; s0 += nr) {
          const int n = (int)std::min(nr, run - s0);
          const int nv = (n + ks.w - 1) / ks.w;
          const int nLast = n - (nv - 1) * ks.w;
          const float* b = prow + s0;
          for (int64_t ir = 0; ir < mc; ir += mr) {
            const int m = (int)std::min(mr, mc - ir);
            const int64_t i = ic + ir;
            float* ct = out + i * P + r0 + s0;
            ks.conv[m - 1][nv - 1](kc, Ab + (ir / mr) * kc * mr, b, off + pc, ct, P, beta, nLast);
            if (act && last) reluRows(ct, P, m, n);
          }
        }
      }
    }
  }
}

// Pixel mode over the span: tmp (pixels x Co, its columns [o0, o1)) = pad^T . B, then
// out[o][q] = tmp[q][o] (+ bias[o]) (relu'd when act is 1).
// nImg > 1: the span's pixels of nImg consecutive images (padded at pad + j * padN, output at
// out + j * Co * P), all in one tile sequence.
void pixelTiles(const gemm::KernelSet& ks, const Corr& c, const Weights& B, const int32_t* off, const float* pad,
                int64_t padN, int64_t nImg, const float* bias, int act, float* out, Span sp, float* tmp,
                std::vector<const float*>& rows) {
  const int64_t K = c.K(), Co = c.Co, P = c.OH * c.OW, Wp = c.Wp(), mr = ks.mr, nr = ks.nr, span = sp.q1 - sp.q0;
  const int64_t nq = nImg * span;
  rows.resize((size_t)nq);
  for (int64_t j = 0; j < nImg; j++)
    for (int64_t q = sp.q0; q < sp.q1; q++)
      rows[(size_t)(j * span + q - sp.q0)] = pad + j * padN + (q / c.OW) * c.sh * Wp + (q % c.OW) * c.sw;
  const int64_t kcB = kBlock(ks, K), coPad = roundUp(Co, nr);
  for (int64_t pc = 0; pc < K; pc += kcB) {
    const int64_t kc = std::min(kcB, K - pc);
    const float beta = pc == 0 ? 0.0f : 1.0f;
    for (int64_t jr = sp.o0; jr < sp.o1; jr += nr) {
      const int n = (int)std::min(nr, sp.o1 - jr);
      const int nv = (n + ks.w - 1) / ks.w;
      const int nLast = n - (nv - 1) * ks.w;
      const float* bs = B.chunk(jr, std::min(Co, jr + nr), pc, kc, coPad, nr);
      // the prepacked weights this loop reads next (k-blocked: they follow bs), into L1 a slice
      // per tile: with few pixels (8x8 layers: 11 tiles) a chunk's first tile would otherwise
      // wait on L3 (packed here, a chunk is in L1 already; with many tiles the hardware keeps up)
      const char* next = reinterpret_cast<const char*>(bs + kc * nr);
      const int64_t tiles = (nq + mr - 1) / mr;
      const int64_t lines = B.pre && tiles < 48 ? kc * nr * (int64_t)sizeof(float) / 64 : 0;
      for (int64_t ir = 0; ir < nq; ir += mr) {
        const int m = (int)std::min(mr, nq - ir);
        const int64_t t = ir / mr;
        for (int64_t l = t * lines / tiles; l < (t + 1) * lines / tiles; l++) __builtin_prefetch(next + l * 64, 0, 3);
        ks.convT[m - 1][nv - 1](kc, rows.data() + ir, off + pc, bs, tmp + ir * Co + jr, Co, beta, nLast);
      }
    }
  }
  // 8 x 8 blocks: each tmp line read serves 8 outputs
  for (int64_t j = 0; j < nImg; j++) {
    const float* tj = tmp + j * span * Co;
    for (int64_t o0 = sp.o0; o0 < sp.o1; o0 += 8) {
      const int64_t o1 = std::min(sp.o1, o0 + 8);
      for (int64_t i0 = 0; i0 < span; i0 += 8) {
        const int64_t i1 = std::min(span, i0 + 8);
        for (int64_t o = o0; o < o1; o++) {
          float* d = out + j * Co * P + o * P + sp.q0;
          const float b = bias ? bias[o] : 0.0f;
          for (int64_t i = i0; i < i1; i++) {
            const float v = bias ? tj[i * Co + o] + b : tj[i * Co + o];
            d[i] = act && v < 0.0f ? 0.0f : v;
          }
        }
      }
    }
  }
}

// How run() splits the work: each (sample, group) image into pb pixel blocks x cb channel
// blocks of whole units (pixel units: output rows, nr-pixel runs when flat, mr-pixel tiles in
// pixel mode; channel units: register tiles of output channels).
struct Plan {
  bool pix, flat;
  int64_t pu, cu, pb, cb;
  int64_t ig;  // images an item covers (pixel mode, imageGroup), its pixel block then the whole image
};
Plan planOf(const gemm::KernelSet& ks, const Corr& c, int64_t T) {
  Plan p;
  p.pix = pixelMode(ks, c);
  p.flat = !p.pix && flatRows(c);
  p.ig = p.pix ? imageGroup(c) : 1;
  const int64_t P = c.OH * c.OW, images = (c.N * c.G + p.ig - 1) / p.ig;
  p.pu = p.pix ? (P + ks.mr - 1) / ks.mr : p.flat ? (P + ks.nr - 1) / ks.nr : c.OH;
  p.cu = p.pix ? (c.Co + ks.nr - 1) / ks.nr : (c.Co + ks.mr - 1) / ks.mr;
  p.pb = p.pix ? (P + kPixBlock - 1) / kPixBlock : 1;  // pixel mode: its C^T buffer holds kPixBlock pixels
  p.cb = 1;
  // Few images for the threads: split each into ~4T items (claimed one at a time, so a busy
  // core does not hold the others up), by output channels first: every pixel block re-reads
  // all the weights, every channel block only its own (the image stays in L2 either way).
  const int64_t want = 4 * T;
  if (T > 1 && images * p.pb < want) {
    p.cb = std::min(p.cu, (want + images * p.pb - 1) / (images * p.pb));
    if (images * p.pb * p.cb < want && p.ig == 1) p.pb = std::max(p.pb, (want + images * p.cb - 1) / (images * p.cb));
  }
  p.pb = std::min(p.pb, p.pu);
  return p;
}

// Packs every group's weights into base (group gi at gi * packStride), one register sliver and
// k block at a time over the pool, with pack(gi, c0, c1, k0, kc, dst, pixelMode, ks) (output
// channels [c0, c1) x k [k0, k0 + kc) as slivers from c0 on, kc long).
template <typename Pack>
void packAll(const Exec& ex, const gemm::KernelSet& ks, const Corr& c, bool pix, Pack&& pack, float* base) {
  const int64_t K = c.K(), cw = pix ? ks.nr : ks.mr, kcB = kBlock(ks, K), nkb = (K + kcB - 1) / kcB;
  const int64_t cu = (c.Co + cw - 1) / cw, coPad = roundUp(c.Co, cw), pstride = packStride(c);
  ex.pool().parallelFor(c.G * nkb * cu, std::max<int64_t>(1, 16384 / (kcB * cw)), [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; u++) {
      const int64_t gi = u / (nkb * cu), k0 = (u / cu) % nkb * kcB, sl = u % cu;
      const int64_t kc = std::min(kcB, K - k0);
      pack(gi, sl * cw, std::min(c.Co, sl * cw + cw), k0, kc, base + gi * pstride + k0 * coPad + sl * cw * kc, pix, ks);
    }
  });
}

// Packs the weights (packAll; or, prepacked, takes them as they are), then runs the spans of all
// (sample, group, pixel block, channel block) items over the pool (claimItems), each part with
// its own padded image and C^T buffer.
template <typename Pack>
void run(const Exec& ex, const Corr& c, Pack&& pack, const float* prepacked, const float* in, const float* bias,
         int act, float* out, float* scratch) {
  const gemm::KernelSet& ks = gemm::kernelsFor(gemm::activeIsa());
  const int64_t T = chunksOf(ex);
  const Plan pl = planOf(ks, c, T);
  float* base = scratch + ((16 - (reinterpret_cast<uintptr_t>(scratch) / sizeof(float)) % 16) % 16);
  const int64_t K = c.K(), pstride = packStride(c), padN = padFloats(c), tmpN = tmpFloats(c), P = c.OH * c.OW;
  const int64_t cw = pl.pix ? ks.nr : ks.mr;  // channels per channel unit
  // each weight chunk read by one item only (one image unit per group, one pixel block): packed as used
  const int64_t unitsPerGroup = c.G == 1 ? (c.N + pl.ig - 1) / pl.ig : c.N;
  const bool packAsUsed = !prepacked && unitsPerGroup * pl.pb == 1;
  if (!packAsUsed && !prepacked) packAll(ex, ks, c, pl.pix, pack, base);
  const float* packed = prepacked ? prepacked : base;
  std::vector<int32_t> off((size_t)K);
  const int64_t Hp = c.Hp(), Wp = c.Wp(), KHW = c.KH * c.KW;
  for (int64_t k = 0; k < K; k++) {
    const int64_t ci = k / KHW, ki = (k % KHW) / c.KW, kj = k % c.KW;
    off[(size_t)k] = (int32_t)(ci * Hp * Wp + ki * c.dh * Wp + kj * c.dw);
  }
  const int64_t images = c.N * c.G, blocks = pl.pb * pl.cb, items = (images + pl.ig - 1) / pl.ig * blocks;
  const int64_t qu = pl.pix ? ks.mr : pl.flat ? ks.nr : c.OW;  // output pixels per pixel unit
  float* work = base + c.G * pstride;
  struct Part {
    int64_t img = -1;  // the first image now in this part's padded buffers
    std::vector<const float*> rows;
  };
  std::vector<Part> parts((size_t)std::min(T, items));
  claimItems(ex, T, items, [&](int64_t part, int64_t it) {
    float* pad = work + part * (pl.ig * padN + tmpN + kLocalFloats);
    float* tmp = pad + pl.ig * padN;
    Part& pt = parts[(size_t)part];
    const int64_t img = it / blocks * pl.ig, nImg = std::min(pl.ig, images - img);
    const int64_t bp = (it % blocks) / pl.cb, bc = it % pl.cb, gi = img % c.G;
    if (img != pt.img)
      for (int64_t j = 0; j < nImg; j++) padImage(c, in + (img + j) * c.Ci * c.Hi * c.Wi, pad + j * padN);
    pt.img = img;
    const std::function<void(int64_t, int64_t, int64_t, int64_t, float*)> packChunk =
        [&](int64_t c0, int64_t c1, int64_t k0, int64_t kc, float* dst) { pack(gi, c0, c1, k0, kc, dst, pl.pix, ks); };
    const Weights wp{packAsUsed ? nullptr : packed + gi * pstride, tmp + tmpN, &packChunk};
    const float* bsp = bias ? bias + gi * c.Co : nullptr;
    float* o = out + img * c.Co * P;
    Span sp;
    sp.q0 = std::min(P, bp * pl.pu / pl.pb * qu);
    sp.q1 = std::min(P, (bp + 1) * pl.pu / pl.pb * qu);
    sp.o0 = std::min(c.Co, bc * pl.cu / pl.cb * cw);
    sp.o1 = std::min(c.Co, (bc + 1) * pl.cu / pl.cb * cw);
    if (sp.q0 >= sp.q1 || sp.o0 >= sp.o1) return;
    if (pl.pix) pixelTiles(ks, c, wp, off.data(), pad, padN, nImg, bsp, act, o, sp, tmp, pt.rows);
    else rowTiles(ks, c, pl.flat, wp, off.data(), pad, bsp, act, o, sp);
  });
}

}  // namespace

bool directForwardApplies(const ConvGeom& g) { return applies(forwardCorr(g)); }
bool directBackwardInputApplies(const ConvGeom& g) { return g.sh == 1 && g.sw == 1 && applies(inputCorr(g)); }
int64_t directForwardScratch(const Exec& ex, const ConvGeom& g) { return scratchOf(ex, forwardCorr(g)); }
int64_t directBackwardInputScratch(const Exec& ex, const ConvGeom& g) { return scratchOf(ex, inputCorr(g)); }

namespace {
// The forward's weight packing: W[gi] as A (row mode) or W[gi]^T, K x Og, as B (pixel mode).
auto forwardPack(const Corr& c, const float* w) {
  return [&c, w](int64_t gi, int64_t c0, int64_t c1, int64_t k0, int64_t kc, float* dst, bool pix,
                 const gemm::KernelSet&) {
    const float* wg = w + (gi * c.Co + c0) * c.K() + k0;
    if (pix) gemm::packB(true, kc, c1 - c0, wg, c.K(), dst);
    else gemm::packA(false, c1 - c0, kc, wg, c.K(), dst);
  };
}
}  // namespace

int64_t directForwardPackedElems(const ConvGeom& g) {
  const Corr c = forwardCorr(g);
  return c.G * packStride(c);
}

void directForwardPack(const Exec& ex, const ConvGeom& g, const float* w, float* dst) {
  const Corr c = forwardCorr(g);
  const gemm::KernelSet& ks = gemm::kernelsFor(gemm::activeIsa());
  packAll(ex, ks, c, pixelMode(ks, c), forwardPack(c, w), dst);
}

void directForward(const Exec& ex, const ConvGeom& g, const float* x, const float* w, const float* bias, int act,
                   const float* prepacked, float* y, float* scratch) {
  const Corr c = forwardCorr(g);
  run(ex, c, forwardPack(c, w), prepacked, x, bias, act, y, scratch);
}

void directBackwardInput(const Exec& ex, const ConvGeom& g, const float* gy, const float* w, float* dx,
                         float* scratch) {
  const Corr c = inputCorr(g);
  const int64_t Og = c.Ci, Cg = c.Co, KHW = g.KH * g.KW;
  // the weight of output channel cc (of dx) at k = (o, t): w[gi][o][cc] at kernel tap KHW-1-t (flipped)
  auto at = [&](int64_t gi, int64_t cc, int64_t k) { return w[((gi * Og + k / KHW) * Cg + cc) * KHW + KHW - 1 - k % KHW]; };
  // channels [c0, c1) x k [k0, k0 + kc) into dst, laid out as the slivers from c0 on, kc long
  auto pack = [&](int64_t gi, int64_t c0, int64_t c1, int64_t k0, int64_t kc, float* dst, bool pix,
                  const gemm::KernelSet& ks) {
    if (pix) {  // B: sliver s = channels [s*nr, s*nr + nr) at s*kc*nr, row k at + k*nr, zero past c1
      const int64_t nr = ks.nr;
      for (int64_t s = 0; c0 + s * nr < c1; s++)
        for (int64_t k = 0; k < kc; k++)
          for (int64_t l = 0; l < nr; l++) {
            const int64_t cc = c0 + s * nr + l;
            dst[(s * kc + k) * nr + l] = cc < c1 ? at(gi, cc, k0 + k) : 0.0f;
          }
    } else {  // A: sliver s = channels [s*mr, s*mr + mr) at s*kc*mr, element (r, k) at + k*mr + r
      const int64_t mr = ks.mr;
      for (int64_t s = 0; c0 + s * mr < c1; s++)
        for (int64_t k = 0; k < kc; k++)
          for (int64_t r = 0; r < std::min(mr, c1 - c0 - s * mr); r++)
            dst[(s * kc + k) * mr + r] = at(gi, c0 + s * mr + r, k0 + k);
    }
  };
  run(ex, c, pack, nullptr, gy, nullptr, 0, dx, scratch);
}

}  // namespace tf
