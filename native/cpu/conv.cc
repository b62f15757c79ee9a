// The GEMM convolution. Per sample n and group gi, with K = Cg*KH*KW and P = OH*OW:
//   forward         y[n, gi]  (Og x P) = W[gi] (Og x K) . col(x[n, gi]) (K x P)
//   backwardInput   col (K x P) = W[gi]^T . gy[n, gi];   dx[n, gi] = col2im(col)
//   backwardWeight  dW[gi] (Og x K) += gy[n, gi] . col(x[n, gi])^T
// A 1x1, stride-1, unpadded convolution uses x[n, gi] itself as col (no im2col).
// Threads: with at least as many samples as pool threads, samples are split over the pool and
// each GEMM runs on its calling thread (BlasSingleThread); otherwise samples run one after
// another and OpenBLAS threads each GEMM. Weight gradients sum fixed chunks of samples (their
// number depends on the problem only) into partials reduced in chunk order, so the result
// does not depend on the thread count.
#include "conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/dtype.h"
#include "../core/error.h"
#include "conv_depthwise.h"
#include "conv_direct.h"
#include "conv_gemm.h"
#include "conv_im2col.h"
#include "conv_prepack.h"
#include "conv_winograd.h"
#include "conv_winograd1d.h"
#include "gemm/gemm.h"
#include "gemm/kernels.h"

namespace tf {

namespace {

bool isDepthwise(const ConvGeom& g) { return g.G > 1 && g.C == g.G; }
bool isPointwise(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.OH == g.H && g.OW == g.W;
}
int64_t colElems(const ConvGeom& g) {
  return isPointwise(g) ? 0 : (g.C / g.G) * g.KH * g.KW * g.OH * g.OW;
}
// Concurrent sample chunks of forward / backwardInput: one per pool thread when every thread
// gets a sample, else 1 (OpenBLAS then threads each GEMM).
int64_t sampleChunks(const Exec& ex, const ConvGeom& g) {
  const int64_t t = ex.pool().numThreads();
  return t > 1 && g.N >= t ? t : 1;
}
// Chunks of the weight gradient: up to 8, fewer when their scratch (a col buffer and a
// partial dW each) would pass ~32 MB. Depends on the geometry only.
int64_t weightChunks(const ConvGeom& g) {
  const int64_t per = colElems(g) + g.O * (g.C / g.G) * g.KH * g.KW;
  const int64_t byMem = std::max<int64_t>(1, (int64_t)(8 << 20) / std::max<int64_t>(1, per));
  return std::max<int64_t>(1, std::min<int64_t>({g.N, 8, byMem}));
}

// Runs body(chunk, sampleLo, sampleHi, gemmEx) for `chunks` contiguous chunks of the N samples,
// concurrently (BLAS single-threaded, gemmEx null) when chunks > 1 and the pool has threads;
// otherwise one after another with gemmEx = &ex, so that each GEMM may use the threads itself.
template <typename T, typename F>
void forChunks(const Exec& ex, int64_t N, int64_t chunks, F&& body) {
  auto range = [&](int64_t c) { return std::make_pair(c * N / chunks, (c + 1) * N / chunks); };
  if (chunks > 1 && ex.pool().numThreads() > 1) {
    BlasSingleThread one;
    ex.pool().parallelFor(chunks, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t c = lo; c < hi; c++) body(c, range(c).first, range(c).second, (const Exec*)nullptr);
    });
  } else {
    // float64's OpenBLAS brings its own threads: ours must not poll against them
    if (ex.pool().numThreads() > 1 && !std::is_same<T, float>::value) ex.pool().park();
    for (int64_t c = 0; c < chunks; c++) body(c, range(c).first, range(c).second, &ex);
  }
}

// y = max(y, 0) over n elements; NaN stays NaN (as relu)
template <typename T>
void reluInPlace(T* y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = y[i] < T(0) ? T(0) : y[i];
}

// float32 forward packs each group's weights once for all samples (sgemm would pack them per
// sample): room for G packed A operands of any ISA's tile (Og rounded up to 4, 6 or 14 rows:
// at most Og + 13), each 64-byte aligned.
int64_t packedWeightElems(const ConvGeom& g) {
  const int64_t Og = g.O / g.G, K = (g.C / g.G) * g.KH * g.KW;
  return 16 + g.G * ((Og + gemm::kMaxMR) * K + 16);
}

// preA: null, or float32 weights packed ahead (convPrepack: group gi at preA + gi * gemmPackStride)
template <typename T>
void gemmForward(const Exec& ex, const ConvGeom& g, const T* x, const T* w, const T* bias, int act, const float* preA,
                 T* y, T* scratch) {
  const int64_t Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.KH * g.KW, P = g.OH * g.OW, HW = g.H * g.W;
  const int64_t colN = colElems(g);
  std::vector<gemm::PackedA> packed;
  if constexpr (std::is_same<T, float>::value) {
    T* at = scratch + sampleChunks(ex, g) * colN;
    for (int64_t gi = 0; gi < g.G && preA; gi++)
      packed.push_back(gemm::PackedA{preA + gi * gemmPackStride(g), Og, K, gemm::activeIsa()});
    for (int64_t gi = 0; gi < g.G && !preA; gi++) {
      at += (16 - (reinterpret_cast<uintptr_t>(at) / sizeof(float)) % 16) % 16;
      packed.push_back(gemm::packA(false, Og, K, w + gi * Og * K, K, at));
      at += gemm::packedAFloats(Og, K);
    }
  }
  forChunks<T>(ex, g.N, sampleChunks(ex, g), [&](int64_t chunk, int64_t n0, int64_t n1, const Exec* gex) {
    T* col = scratch + chunk * colN;
    for (int64_t n = n0; n < n1; n++) {
      for (int64_t gi = 0; gi < g.G; gi++) {
        const T* xg = x + (n * g.C + gi * Cg) * HW;
        T* yg = y + (n * g.O + gi * Og) * P;
        const T* B = xg;
        if (colN) {
          im2col(xg, g, Cg, col);
          B = col;
        }
        T beta = 0;
        if (bias) {  // the GEMM adds onto the bias rows
          for (int64_t o = 0; o < Og; o++) std::fill(yg + o * P, yg + (o + 1) * P, bias[gi * Og + o]);
          beta = 1;
        }
        if constexpr (std::is_same<T, float>::value) {
          if (gex) sgemm(*gex, packed[(size_t)gi], false, P, 1.0f, B, P, beta, yg, P);
          else sgemmSerial(packed[(size_t)gi], false, P, 1.0f, B, P, beta, yg, P);
        } else {
          convGemm(gex, false, false, Og, P, K, w + gi * Og * K, K, B, P, beta, yg, P);
        }
        if (act) reluInPlace(yg, Og * P);  // while this sample's output is still in cache
      }
    }
  });
}

template <typename T>
void gemmBackwardInput(const Exec& ex, const ConvGeom& g, const T* gy, const T* w, T* dx, T* scratch) {
  const int64_t Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.KH * g.KW, P = g.OH * g.OW, HW = g.H * g.W;
  const int64_t colN = colElems(g);
  forChunks<T>(ex, g.N, sampleChunks(ex, g), [&](int64_t chunk, int64_t n0, int64_t n1, const Exec* gex) {
    T* col = scratch + chunk * colN;
    for (int64_t n = n0; n < n1; n++) {
      for (int64_t gi = 0; gi < g.G; gi++) {
        const T* gyg = gy + (n * g.O + gi * Og) * P;
        const T* wg = w + gi * Og * K;
        T* dxg = dx + (n * g.C + gi * Cg) * HW;
        if (!colN) {
          convGemm(gex, true, false, K, P, Og, wg, K, gyg, P, T(0), dxg, P);
          continue;
        }
        convGemm(gex, true, false, K, P, Og, wg, K, gyg, P, T(0), col, P);
        std::fill(dxg, dxg + Cg * HW, T(0));
        col2im(col, g, Cg, dxg);
      }
    }
  });
}

template <typename T>
void gemmBackwardWeight(const Exec& ex, const ConvGeom& g, const T* x, const T* gy, T* dw, T* scratch) {
  const int64_t Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.KH * g.KW, P = g.OH * g.OW, HW = g.H * g.W;
  const int64_t colN = colElems(g), wN = g.O * K, chunks = weightChunks(g);
  // scratch: chunks col buffers, then chunks - 1 partial weight gradients (chunk 0 writes dw)
  T* partials = scratch + chunks * colN;
  forChunks<T>(ex, g.N, chunks, [&](int64_t chunk, int64_t n0, int64_t n1, const Exec* gex) {
    T* col = scratch + chunk * colN;
    T* acc = chunk == 0 ? dw : partials + (chunk - 1) * wN;
    for (int64_t n = n0; n < n1; n++) {
      for (int64_t gi = 0; gi < g.G; gi++) {
        const T* xg = x + (n * g.C + gi * Cg) * HW;
        const T* B = xg;
        if (colN) {
          im2col(xg, g, Cg, col);
          B = col;
        }
        convGemm(gex, false, true, Og, K, P, gy + (n * g.O + gi * Og) * P, P, B, P, n == n0 ? T(0) : T(1), acc + gi * Og * K, K);
      }
    }
  });
  if (chunks > 1) {
    ex.pool().parallelFor(wN, kGrainElementwise, [&](int64_t lo, int64_t hi) {
      for (int64_t c = 1; c < chunks; c++) {
        const T* p = partials + (c - 1) * wN;
        for (int64_t i = lo; i < hi; i++) dw[i] += p[i];
      }
    });
  }
}

// act over all of y, for the kernels that do not apply it as they go
template <typename T>
void actPass(const Exec& ex, int act, T* y, int64_t n) {
  if (act)
    ex.pool().parallelFor(n, kGrainElementwise, [&](int64_t lo, int64_t hi) { reluInPlace(y + lo, hi - lo); });
}

template <typename T>
void forwardTyped(const Exec& ex, const ConvGeom& g, const T* x, const T* w, const T* bias, int act, const void* packed,
                  int64_t packedN, T* y, T* scratch) {
  const int64_t outN = g.N * g.O * g.OH * g.OW;
  if (outN == 0) return;
  if (g.C == 0) {  // no input channels: the bias alone
    const int64_t P = g.OH * g.OW;
    for (int64_t i = 0; i < g.N * g.O; i++) std::fill(y + i * P, y + (i + 1) * P, bias ? bias[i % g.O] : T(0));
    return actPass(ex, act, y, outN);
  }
  if (isDepthwise(g)) {
    depthwiseForward(ex, g, x, w, bias, y);
    return actPass(ex, act, y, outN);
  }
  if constexpr (std::is_same<T, float>::value) {
    const ConvAlgo algo = forwardAlgo(g, packed != nullptr);
    const float* pre = prepackedFor(g, algo, packed, packedN);
    if (algo == ConvAlgo::kWinograd && winogradForward(ex, g, x, w, bias, pre, y, scratch))
      return actPass(ex, act, y, outN);
    if (algo == ConvAlgo::kWinograd1d && pre && winograd1dForward(ex, g, x, pre, bias, act, y, scratch)) return;
    if (algo != ConvAlgo::kGemm && directForwardApplies(g))
      return directForward(ex, g, x, w, bias, act, algo == ConvAlgo::kDirect ? pre : nullptr, y, scratch);
    return gemmForward(ex, g, x, w, bias, act, algo == ConvAlgo::kGemm ? pre : nullptr, y, scratch);
  }
  gemmForward(ex, g, x, w, bias, act, nullptr, y, scratch);
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
  if constexpr (std::is_same<T, float>::value) {
    if (convWinogradOn() && winogradBackwardInputApplies(g) && winogradBackwardInput(ex, g, gy, w, dx, scratch)) return;
    if (directBackwardInputApplies(g)) return directBackwardInput(ex, g, gy, w, dx, scratch);
  }
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
  if constexpr (std::is_same<T, float>::value) {
    if (directBackwardWeightApplies(g)) return directBackwardWeight(ex, g, x, gy, dw, scratch);
  }
  gemmBackwardWeight(ex, g, x, gy, dw, scratch);
}

[[noreturn]] void badDtype(const char* op, int dtype) {
  fail("ERR_DTYPE", std::string(op) + ": dtype " + dtypeName(dtype) + " is not supported (float32 or float64)");
}

}  // namespace

int64_t convScratchElems(const Exec& ex, int kind, const ConvGeom& g) {
  if (isDepthwise(g) || g.C == 0 || g.N == 0) return 0;
  if (kind == kConvBackwardWeight) {
    const int64_t chunks = weightChunks(g);
    const int64_t direct = directBackwardWeightApplies(g) ? directBackwardWeightScratch(ex, g) : 0;
    return std::max(direct, chunks * colElems(g) + (chunks - 1) * g.O * (g.C / g.G) * g.KH * g.KW);
  }
  // the dtype is not known here: room for float32's direct kernels and float64's im2col alike
  int64_t direct = 0;
  const bool fwd = kind == kConvForward || kind == kConvForwardPrepacked;
  if (fwd && directForwardApplies(g)) direct = directForwardScratch(ex, g);
  if (kind == kConvBackwardInput && directBackwardInputApplies(g)) direct = directBackwardInputScratch(ex, g);
  if (convWinogradOn() && kind == kConvForwardPrepacked && winograd1dForwardApplies(g))
    direct = std::max(direct, winograd1dForwardScratch(ex, g));
  if (convWinogradOn() && fwd && winogradForwardApplies(g, kind == kConvForwardPrepacked))
    direct = std::max(direct, winogradForwardScratch(ex, g));
  if (convWinogradOn() && kind == kConvBackwardInput && winogradBackwardInputApplies(g))
    direct = std::max(direct, winogradBackwardInputScratch(ex, g));
  const int64_t packedW = fwd ? packedWeightElems(g) : 0;
  return std::max(direct, sampleChunks(ex, g) * colElems(g) + packedW);
}

void convForward(const Exec& ex, int dtype, const ConvGeom& g, const void* x, const void* w, const void* bias, int act,
                 const void* packed, int64_t packedN, void* y, void* scratch) {
  if (act != 0 && act != 1) fail("ERR_ARGUMENT", "conv2d: act must be 0 (none) or 1 (relu), got " + std::to_string(act));
  if (dtype == kF32)
    return forwardTyped(ex, g, (const float*)x, (const float*)w, (const float*)bias, act, packed, packedN, (float*)y,
                        (float*)scratch);
  if (dtype == kF64)
    return forwardTyped(ex, g, (const double*)x, (const double*)w, (const double*)bias, act, nullptr, 0, (double*)y,
                        (double*)scratch);
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
