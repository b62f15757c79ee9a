// Direct float32 weight gradient: dW[gi] (Og x K) = sum over n of gy[n, gi] (Og x P) . col(x[n, gi])^T,
// without im2col. It is computed transposed, dW^T (K x Og), with the pixel-mode microkernel
// (ConvMicroT): a tile is mr kernel taps k = (c, ki, kj) x nr output channels, the reduction runs
// over output pixels q, A element (k, q) is broadcast from the padded input at tapOff[k] +
// pixOff[q], and B row q is gy[n, gi][., q] (gy transposed into packed slivers, Og * P floats a
// sample against K * Og * P multiply-adds).
// Samples are summed in fixed chunks (their number depends on the geometry only) into partial
// dW^T buffers, one sample after another with k blocks fixed by P and the ISA; the partials are
// then added in chunk order while transposing into dw. So the result does not depend on the
// thread count.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <vector>

#include "conv_direct.h"
#include "conv_direct_impl.h"
#include "gemm/gemm.h"
#include "gemm/kernels.h"

namespace tf {

namespace {
using namespace direct;

Corr corrOf(const ConvGeom& g) { return forwardCorr(g); }
int64_t packFloats(const Corr& c) { return round16(c.OH * c.OW * roundUp(c.Co, 32)); }
int64_t partFloats(const Corr& c) { return round16(c.G * roundUp(c.K(), gemm::kMaxMR) * c.Co); }
int64_t workFloats(const Corr& c) { return padFloats(c) + packFloats(c); }
int64_t partsOf(const Exec& ex) { return std::max(1, ex.pool().numThreads()); }
// up to 8 chunks of samples, fewer when their partials would pass ~32 MB; the geometry alone decides
int64_t chunksOf(const Corr& c) {
  const int64_t byMem = std::max<int64_t>(1, (int64_t)(8 << 20) / partFloats(c));
  return std::max<int64_t>(1, std::min<int64_t>({c.N, 8, byMem}));
}

// gy[n, gi] (Og x P) as packed B slivers of its transpose: (q, o) at (o/nr)*P*nr + q*nr + o%nr, zero past Og.
void packGyT(const float* gy, int64_t Og, int64_t P, int nr, float* dst) {
  const float* src[64];
  for (int64_t s = 0; s * nr < Og; s++) {
    float* d = dst + s * P * nr;
    const int n = (int)std::min<int64_t>(nr, Og - s * nr);
    for (int l = 0; l < n; l++) src[l] = gy + (s * nr + l) * P;
    // 8 pixels at a time: each source row is read in runs, each sliver row written whole
    int64_t q0 = 0;
    for (; q0 + 8 <= P; q0 += 8) {
      for (int l = 0; l < n; l++)
        for (int64_t q = q0; q < q0 + 8; q++) d[q * nr + l] = src[l][q];
      for (int l = n; l < nr; l++)
        for (int64_t q = q0; q < q0 + 8; q++) d[q * nr + l] = 0.0f;
    }
    for (int64_t q = q0; q < P; q++)
      for (int l = 0; l < nr; l++) d[q * nr + l] = l < n ? src[l][q] : 0.0f;
  }
}

}  // namespace

bool directBackwardWeightApplies(const ConvGeom& g) {
  const Corr c = corrOf(g);
  const gemm::KernelSet& ks = gemm::kernelsFor(gemm::activeIsa());
  const double eff = c.Co / (double)roundUp(c.Co, ks.w) * (c.K() / (double)roundUp(c.K(), ks.mr));
  // a 1x1, stride-1, unpadded one is a plain GEMM on x itself (conv.cc): no padded copy, no indirection
  const bool pointwise = c.KH == 1 && c.KW == 1 && c.sh == 1 && c.sw == 1 && c.ph == 0 && c.pw == 0 &&
                         c.OH == c.Hi && c.OW == c.Wi;
  return eff >= 0.5 && !pointwise && c.Ci * c.Hp() * c.Wp() + kSlack < INT32_MAX && c.OH * c.OW < INT32_MAX;
}

int64_t directBackwardWeightScratch(const Exec& ex, const ConvGeom& g) {
  const Corr c = corrOf(g);
  return 16 + partsOf(ex) * workFloats(c) + chunksOf(c) * partFloats(c);
}

void directBackwardWeight(const Exec& ex, const ConvGeom& g, const float* x, const float* gy, float* dw,
                          float* scratch) {
  const gemm::KernelSet& ks = gemm::kernelsFor(gemm::activeIsa());
  const Corr c = corrOf(g);
  const int64_t K = c.K(), Og = c.Co, P = c.OH * c.OW, Hp = c.Hp(), Wp = c.Wp(), KHW = c.KH * c.KW;
  const int64_t mr = ks.mr, nr = ks.nr, chunks = chunksOf(c), partN = partFloats(c), padN = padFloats(c);
  const int64_t gPart = roundUp(K, gemm::kMaxMR) * Og, T = partsOf(ex);
  float* base = scratch + ((16 - (reinterpret_cast<uintptr_t>(scratch) / sizeof(float)) % 16) % 16);
  std::vector<int32_t> tapOff((size_t)K), pixOff((size_t)P);
  for (int64_t k = 0; k < K; k++) {
    const int64_t ci = k / KHW, ki = (k % KHW) / c.KW, kj = k % c.KW;
    tapOff[(size_t)k] = (int32_t)(ci * Hp * Wp + ki * c.dh * Wp + kj * c.dw);
  }
  for (int64_t q = 0; q < P; q++) pixOff[(size_t)q] = (int32_t)((q / c.OW) * c.sh * Wp + (q % c.OW) * c.sw);
  const int64_t kcB = blockSize(P, ks.kc, 1);
  // items: a chunk of samples x a range of tap tiles (several when there are few chunks for the
  // threads, e.g. batch 1); each writes its own rows of its chunk's partial
  const int64_t tapTiles = (K + mr - 1) / mr;
  const int64_t split = chunks >= 2 * T ? 1 : std::min(tapTiles, (2 * T + chunks - 1) / chunks);
  float* parts = base + T * workFloats(c);
  claimItems(ex, T, chunks * split, [&](int64_t wpart, int64_t item) {
    const int64_t chunk = item / split, si = item % split;
    const int64_t k0 = si * tapTiles / split * mr, k1 = std::min(K, (si + 1) * tapTiles / split * mr);
    float* pad = base + wpart * workFloats(c);
    float* bp = pad + padN;
    float* part = parts + chunk * partN;
    std::vector<const float*> rows((size_t)K);
    for (int64_t k = 0; k < K; k++) rows[(size_t)k] = pad + tapOff[(size_t)k];
    const int64_t n0 = chunk * c.N / chunks, n1 = (chunk + 1) * c.N / chunks;
    for (int64_t n = n0; n < n1; n++) {
      for (int64_t gi = 0; gi < c.G; gi++) {
        const int64_t img = n * c.G + gi;
        padImage(c, x + img * c.Ci * c.Hi * c.Wi, pad);
        packGyT(gy + img * Og * P, Og, P, (int)nr, bp);
        float* pg = part + gi * gPart;
        for (int64_t pc = 0; pc < P; pc += kcB) {
          const int64_t kc = std::min(kcB, P - pc);
          const float beta = n == n0 && pc == 0 ? 0.0f : 1.0f;
          for (int64_t jr = 0; jr < Og; jr += nr) {
            const int nn = (int)std::min(nr, Og - jr);
            const int nv = (nn + ks.w - 1) / ks.w;
            const int nLast = nn - (nv - 1) * ks.w;
            const float* bs = bp + (jr / nr) * P * nr + pc * nr;
            for (int64_t ir = k0; ir < k1; ir += mr) {
              const int m = (int)std::min(mr, k1 - ir);
              ks.convT[m - 1][nv - 1](kc, rows.data() + ir, pixOff.data() + pc, bs, pg + ir * Og + jr, Og, beta, nLast);
            }
          }
        }
      }
    }
  });
  // the partials added in chunk order into chunk 0's, then transposed: dw[gi][o][k] = part[gi][k][o]
  float* part0 = parts;
  const int64_t total = c.G * gPart;
  if (chunks > 1) {
    ex.pool().parallelFor(total, kGrainElementwise, [&](int64_t lo, int64_t hi) {
      for (int64_t ch = 1; ch < chunks; ch++) {
        const float* p = part0 + ch * partN;
        for (int64_t i = lo; i < hi; i++) part0[i] += p[i];
      }
    });
  }
  for (int64_t gi = 0; gi < c.G; gi++) {
    const float* pg = part0 + gi * gPart;
    float* d = dw + gi * Og * K;
    for (int64_t k0 = 0; k0 < K; k0 += 8)
      for (int64_t o = 0; o < Og; o++)
        for (int64_t k = k0; k < std::min(K, k0 + 8); k++) d[o * K + k] = pg[k * Og + o];
  }
}

}  // namespace tf
