// The GEMM convolution. Per group gi, with K = Cg*KH*KW and P = OH*OW, over a unit of nb samples
// whose column matrices sit side by side (col: K x nb*P):
//   forward         Y (Og x nb*P) = W[gi] (Og x K) . col, scattered to y[n, gi]
//   backwardInput   col = W[gi]^T . GY (GY: gy[n, gi] of the unit gathered side by side); col2im
//   backwardWeight  dW[gi] (Og x K) += GY . col^T
// Small images get several samples per GEMM (nb*P >= ~2048 columns): OpenBLAS runs a
// 64 x 800 x 196 product at half the speed of a 64 x 800 x 1960 one. A 1x1, stride-1,
// unpadded convolution with nb = 1 uses x (and gy) in place: no im2col.
// Threads: with at least as many units as pool threads, units are split over the pool and each
// GEMM runs on its calling thread (BlasSingleThread); otherwise units run one after another and
// OpenBLAS threads each GEMM. Weight gradients sum fixed chunks of units (their number depends
// on the problem only) into partials added in chunk order, so no result depends on the thread count.
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "../core/dtype.h"
#include "../core/error.h"
#include "conv_depthwise.h"
#include "conv_gemm.h"
#include "conv_im2col.h"

namespace tf {

namespace {

bool isDepthwise(const ConvGeom& g) { return g.G > 1 && g.C == g.G; }
bool isPointwise(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.OH == g.H && g.OW == g.W;
}

struct Plan {
  int64_t Cg, Og, K, P, HW, wN;
  int64_t nb;     // samples per GEMM
  int64_t units;  // ceil(N / nb)
  bool direct;    // pointwise with nb = 1: x and gy used in place
  int64_t colN;   // K * nb * P, 0 when direct
  int64_t tmpN;   // Og * nb * P when nb > 1 (the GEMM output / gathered gy), else 0
};

Plan planOf(const ConvGeom& g) {
  Plan p;
  p.Cg = g.C / g.G;
  p.Og = g.O / g.G;
  p.K = p.Cg * g.KH * g.KW;
  p.P = g.OH * g.OW;
  p.HW = g.H * g.W;
  p.wN = g.O * p.K;
  const int64_t P = std::max<int64_t>(1, p.P);
  int64_t nb = (2048 + P - 1) / P;
  // at most ~4M elements (16 MB of float32) of column matrix and gathered gradient per unit
  nb = std::min(nb, std::max<int64_t>(1, ((int64_t)1 << 22) / ((p.K + p.Og) * P)));
  p.nb = std::max<int64_t>(1, std::min(nb, g.N));
  p.units = (g.N + p.nb - 1) / p.nb;
  p.direct = isPointwise(g) && p.nb == 1;
  p.colN = p.direct ? 0 : p.K * p.nb * p.P;
  p.tmpN = p.nb > 1 ? p.Og * p.nb * p.P : 0;
  return p;
}

// Concurrent slots of forward / backwardInput: one per pool thread when every thread gets a
// unit, else 1 (OpenBLAS then threads each GEMM).
int64_t slotsOf(const Exec& ex, const Plan& p) {
  const int64_t t = ex.pool().numThreads();
  return t > 1 && p.units >= t ? t : 1;
}
// Chunks of the weight gradient: up to 8, fewer when their scratch (a unit's buffers and a
// partial dW each) would pass ~32 MB. Depends on the geometry only.
int64_t weightChunks(const Plan& p) {
  const int64_t per = p.colN + p.tmpN + p.wN;
  const int64_t byMem = std::max<int64_t>(1, (int64_t)(8 << 20) / std::max<int64_t>(1, per));
  return std::max<int64_t>(1, std::min<int64_t>({p.units, 8, byMem}));
}

// Runs body(chunk, unitLo, unitHi) for `chunks` contiguous ranges of the units, concurrently
// (BLAS single-threaded) when chunks > 1 and the pool has threads.
template <typename F>
void forChunks(const Exec& ex, int64_t units, int64_t chunks, F&& body) {
  auto lo = [&](int64_t c) { return c * units / chunks; };
  if (chunks > 1 && ex.pool().numThreads() > 1) {
    BlasSingleThread one;
    ex.pool().parallelFor(chunks, 1, [&](int64_t a, int64_t b) {
      for (int64_t c = a; c < b; c++) body(c, lo(c), lo(c + 1));
    });
  } else {
    if (ex.pool().numThreads() > 1) ex.pool().park();  // OpenBLAS's threads take the cores now
    for (int64_t c = 0; c < chunks; c++) body(c, lo(c), lo(c + 1));
  }
}

// The column matrix of samples [n0, n0 + m) of group gi (K x m*P), or x itself when direct.
template <typename T>
const T* columns(const ConvGeom& g, const Plan& p, const T* x, int64_t n0, int64_t m, int64_t gi, T* col) {
  if (p.direct) return x + (n0 * g.C + gi * p.Cg) * p.HW;
  for (int64_t j = 0; j < m; j++) im2col(x + ((n0 + j) * g.C + gi * p.Cg) * p.HW, g, p.Cg, col + j * p.P, m * p.P);
  return col;
}

// gy[n, gi] of samples [n0, n0 + m) side by side (Og x m*P); in place when m == 1.
template <typename T>
const T* gathered(const ConvGeom& g, const Plan& p, const T* gy, int64_t n0, int64_t m, int64_t gi, T* tmp) {
  const T* src = gy + (n0 * g.O + gi * p.Og) * p.P;
  if (m == 1) return src;
  for (int64_t o = 0; o < p.Og; o++)
    for (int64_t j = 0; j < m; j++) std::memcpy(tmp + o * m * p.P + j * p.P, src + (j * g.O + o) * p.P, sizeof(T) * (size_t)p.P);
  return tmp;
}

template <typename T>
void gemmForward(const Exec& ex, const ConvGeom& g, const T* x, const T* w, const T* bias, T* y, T* scratch) {
  const Plan p = planOf(g);
  forChunks(ex, p.units, slotsOf(ex, p), [&](int64_t slot, int64_t u0, int64_t u1) {
    T* col = scratch + slot * (p.colN + p.tmpN);
    T* tmp = col + p.colN;
    for (int64_t u = u0; u < u1; u++) {
      const int64_t n0 = u * p.nb, m = std::min(p.nb, g.N - n0), L = m * p.P;
      for (int64_t gi = 0; gi < g.G; gi++) {
        const T* B = columns(g, p, x, n0, m, gi, col);
        const T* wg = w + gi * p.Og * p.K;
        if (m == 1) {  // straight into y, onto the bias rows
          T* yg = y + (n0 * g.O + gi * p.Og) * p.P;
          if (bias)
            for (int64_t o = 0; o < p.Og; o++) std::fill(yg + o * p.P, yg + (o + 1) * p.P, bias[gi * p.Og + o]);
          convGemm(false, false, p.Og, p.P, p.K, wg, p.K, B, p.P, bias ? T(1) : T(0), yg, p.P);
          continue;
        }
        convGemm(false, false, p.Og, L, p.K, wg, p.K, B, L, T(0), tmp, L);
        for (int64_t j = 0; j < m; j++) {
          for (int64_t o = 0; o < p.Og; o++) {
            T* d = y + ((n0 + j) * g.O + gi * p.Og + o) * p.P;
            const T* s = tmp + o * L + j * p.P;
            const T b = bias ? bias[gi * p.Og + o] : T(0);
            for (int64_t i = 0; i < p.P; i++) d[i] = s[i] + b;
          }
        }
      }
    }
  });
}

template <typename T>
void gemmBackwardInput(const Exec& ex, const ConvGeom& g, const T* gy, const T* w, T* dx, T* scratch) {
  const Plan p = planOf(g);
  forChunks(ex, p.units, slotsOf(ex, p), [&](int64_t slot, int64_t u0, int64_t u1) {
    T* col = scratch + slot * (p.colN + p.tmpN);
    T* tmp = col + p.colN;
    for (int64_t u = u0; u < u1; u++) {
      const int64_t n0 = u * p.nb, m = std::min(p.nb, g.N - n0), L = m * p.P;
      for (int64_t gi = 0; gi < g.G; gi++) {
        const T* GY = gathered(g, p, gy, n0, m, gi, tmp);
        const T* wg = w + gi * p.Og * p.K;
        if (p.direct) {
          convGemm(true, false, p.K, p.P, p.Og, wg, p.K, GY, p.P, T(0), dx + (n0 * g.C + gi * p.Cg) * p.HW, p.P);
          continue;
        }
        convGemm(true, false, p.K, L, p.Og, wg, p.K, GY, L, T(0), col, L);
        for (int64_t j = 0; j < m; j++) {
          T* dxg = dx + ((n0 + j) * g.C + gi * p.Cg) * p.HW;
          std::fill(dxg, dxg + p.Cg * p.HW, T(0));
          col2im(col + j * p.P, g, p.Cg, dxg, L);
        }
      }
    }
  });
}

template <typename T>
void gemmBackwardWeight(const Exec& ex, const ConvGeom& g, const T* x, const T* gy, T* dw, T* scratch) {
  const Plan p = planOf(g);
  const int64_t chunks = weightChunks(p);
  // scratch: per chunk a unit's buffers, then chunks - 1 partial weight gradients (chunk 0 writes dw)
  T* partials = scratch + chunks * (p.colN + p.tmpN);
  forChunks(ex, p.units, chunks, [&](int64_t chunk, int64_t u0, int64_t u1) {
    T* col = scratch + chunk * (p.colN + p.tmpN);
    T* tmp = col + p.colN;
    T* acc = chunk == 0 ? dw : partials + (chunk - 1) * p.wN;
    for (int64_t u = u0; u < u1; u++) {
      const int64_t n0 = u * p.nb, m = std::min(p.nb, g.N - n0), L = m * p.P;
      for (int64_t gi = 0; gi < g.G; gi++) {
        const T* B = columns(g, p, x, n0, m, gi, col);
        const T* GY = gathered(g, p, gy, n0, m, gi, tmp);
        convGemm(false, true, p.Og, p.K, L, GY, L, B, L, u == u0 ? T(0) : T(1), acc + gi * p.Og * p.K, p.K);
      }
    }
  });
  if (chunks > 1) {
    ex.pool().parallelFor(p.wN, kGrainElementwise, [&](int64_t lo, int64_t hi) {
      for (int64_t c = 1; c < chunks; c++) {
        const T* q = partials + (c - 1) * p.wN;
        for (int64_t i = lo; i < hi; i++) dw[i] += q[i];
      }
    });
  }
}

template <typename T>
void forwardTyped(const Exec& ex, const ConvGeom& g, const T* x, const T* w, const T* bias, T* y, T* scratch) {
  const int64_t outN = g.N * g.O * g.OH * g.OW;
  if (outN == 0) return;
  if (g.C == 0) {  // no input channels: the bias alone
    const int64_t P = g.OH * g.OW;
    for (int64_t i = 0; i < g.N * g.O; i++) std::fill(y + i * P, y + (i + 1) * P, bias ? bias[i % g.O] : T(0));
    return;
  }
  if (isDepthwise(g)) return depthwiseForward(ex, g, x, w, bias, y);
  gemmForward(ex, g, x, w, bias, y, scratch);
}

template <typename T>
void backwardInputTyped(const Exec& ex, const ConvGeom& g, const T* gy, const T* w, T* dx, T* scratch) {
  const int64_t inN = g.N * g.C * g.H * g.W;
  if (inN == 0) return;
  if (g.O == 0 || g.OH * g.OW == 0) {
    std::fill(dx, dx + inN, T(0));
    return;
  }
  if (isDepthwise(g)) return depthwiseBackwardInput(ex, g, gy, w, dx);
  gemmBackwardInput(ex, g, gy, w, dx, scratch);
}

template <typename T>
void backwardWeightTyped(const Exec& ex, const ConvGeom& g, const T* x, const T* gy, T* dw, T* scratch) {
  const int64_t wN = g.O * (g.C / g.G) * g.KH * g.KW;
  if (wN == 0) return;
  if (g.N == 0 || g.OH * g.OW == 0) {
    std::fill(dw, dw + wN, T(0));
    return;
  }
  if (isDepthwise(g)) return depthwiseBackwardWeight(ex, g, x, gy, dw);
  gemmBackwardWeight(ex, g, x, gy, dw, scratch);
}

[[noreturn]] void badDtype(const char* op, int dtype) {
  fail("ERR_DTYPE", std::string(op) + ": dtype " + dtypeName(dtype) + " is not supported (float32 or float64)");
}

}  // namespace

int64_t convScratchElems(const Exec& ex, int kind, const ConvGeom& g) {
  if (isDepthwise(g) || g.C == 0 || g.N == 0 || g.O == 0 || g.OH * g.OW == 0) return 0;
  const Plan p = planOf(g);
  if (kind == kConvBackwardWeight) {
    const int64_t chunks = weightChunks(p);
    return chunks * (p.colN + p.tmpN) + (chunks - 1) * p.wN;
  }
  return slotsOf(ex, p) * (p.colN + p.tmpN);
}

void convForward(const Exec& ex, int dtype, const ConvGeom& g, const void* x, const void* w, const void* bias, void* y,
                 void* scratch) {
  if (dtype == kF32)
    return forwardTyped(ex, g, (const float*)x, (const float*)w, (const float*)bias, (float*)y, (float*)scratch);
  if (dtype == kF64)
    return forwardTyped(ex, g, (const double*)x, (const double*)w, (const double*)bias, (double*)y, (double*)scratch);
  badDtype("conv2d", dtype);
}

void convBackwardInput(const Exec& ex, int dtype, const ConvGeom& g, const void* gy, const void* w, void* dx,
                       void* scratch) {
  if (dtype == kF32) return backwardInputTyped(ex, g, (const float*)gy, (const float*)w, (float*)dx, (float*)scratch);
  if (dtype == kF64) return backwardInputTyped(ex, g, (const double*)gy, (const double*)w, (double*)dx, (double*)scratch);
  badDtype("conv2dBackwardInput", dtype);
}

void convBackwardWeight(const Exec& ex, int dtype, const ConvGeom& g, const void* x, const void* gy, void* dw,
                        void* scratch) {
  if (dtype == kF32) return backwardWeightTyped(ex, g, (const float*)x, (const float*)gy, (float*)dw, (float*)scratch);
  if (dtype == kF64) return backwardWeightTyped(ex, g, (const double*)x, (const double*)gy, (double*)dw, (double*)scratch);
  badDtype("conv2dBackwardWeight", dtype);
}

}  // namespace tf
