#include "conv_prepack.h"

#include <cstdlib>
#include <cstring>

#include "../core/dtype.h"
#include "conv_direct.h"
#include "conv_winograd.h"
#include "conv_winograd1d.h"
#include "gemm/gemm.h"
#include "gemm/kernels.h"

namespace tf {

namespace {

constexpr int32_t kMagic = 0x50434654;  // "TFCP"
constexpr int64_t kHeader = 32;         // int32 words = floats; keeps the payload 64-byte aligned
enum { kAlgoAt = 1, kIsaAt = 2, kGeomAt = 3, kLenAt = 18 };

// The header of a copy of n floats for kernel a: the kernel, the active ISA and every geometry
// value but N (each checked <= INT_MAX by the binding).
void headerOf(const ConvGeom& g, ConvAlgo a, int64_t n, int32_t* h) {
  std::memset(h, 0, kHeader * sizeof(int32_t));
  h[0] = kMagic;
  h[kAlgoAt] = (int32_t)a;
  h[kIsaAt] = (int32_t)gemm::activeIsa();
  const int64_t v[15] = {g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.G};
  for (int i = 0; i < 15; i++) h[kGeomAt + i] = (int32_t)v[i];
  h[kLenAt] = (int32_t)(n & 0x7fffffff);
  h[kLenAt + 1] = (int32_t)(n >> 31);
}

int64_t payloadElems(const ConvGeom& g, ConvAlgo a) {
  switch (a) {
    case ConvAlgo::kWinograd: return winogradForwardPackedElems(g);
    case ConvAlgo::kWinograd1d: return winograd1dForwardPackedElems(g);
    case ConvAlgo::kDirect: return directForwardPackedElems(g);
    case ConvAlgo::kGemm: return g.G * gemmPackStride(g);
    default: return 0;
  }
}

}  // namespace

bool convWinogradOn() {
  static const bool on = [] {
    const char* v = std::getenv("TAPEFLOW_CONV_WINOGRAD");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return on;
}

ConvAlgo forwardAlgo(const ConvGeom& g, bool prepacked) {
  if (g.C == 0 || (g.G > 1 && g.C == g.G) || g.N * g.O * g.OH * g.OW == 0) return ConvAlgo::kNone;
  if (convWinogradOn() && winogradForwardApplies(g, prepacked)) return ConvAlgo::kWinograd;
  if (convWinogradOn() && prepacked && winograd1dForwardApplies(g)) return ConvAlgo::kWinograd1d;
  if (directForwardApplies(g)) return ConvAlgo::kDirect;
  return ConvAlgo::kGemm;
}

int64_t gemmPackStride(const ConvGeom& g) {
  const int64_t Og = g.O / g.G, K = (g.C / g.G) * g.KH * g.KW;
  return ((Og + gemm::kMaxMR) * K + 15) / 16 * 16;
}

int64_t convPrepackElems(const Exec&, int dtype, const ConvGeom& g) {
  if (dtype != kF32) return 0;
  const int64_t n = payloadElems(g, forwardAlgo(g, true));
  return n > 0 ? kHeader + n : 0;
}

void convPrepack(const Exec& ex, int dtype, const ConvGeom& g, const void* w, void* packed) {
  if (dtype != kF32) return;
  ConvAlgo a = forwardAlgo(g, true);
  const float* wf = static_cast<const float*>(w);
  float* dst = static_cast<float*>(packed) + kHeader;
  const int64_t n = payloadElems(g, a);
  // Inf / NaN weights: no copy (the forward then hands the call to the direct kernels)
  if (a == ConvAlgo::kWinograd && !winogradForwardPack(ex, g, wf, dst)) a = ConvAlgo::kNone;
  if (a == ConvAlgo::kWinograd1d && !winograd1dForwardPack(ex, g, wf, dst)) a = ConvAlgo::kNone;
  if (a == ConvAlgo::kDirect) directForwardPack(ex, g, wf, dst);
  if (a == ConvAlgo::kGemm) {
    const int64_t Og = g.O / g.G, K = (g.C / g.G) * g.KH * g.KW;
    ex.pool().parallelFor(g.G, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t gi = lo; gi < hi; gi++) gemm::packA(false, Og, K, wf + gi * Og * K, K, dst + gi * gemmPackStride(g));
    });
  }
  int32_t h[kHeader];
  headerOf(g, a, n, h);
  std::memcpy(packed, h, sizeof h);
}

const float* prepackedFor(const ConvGeom& g, ConvAlgo algo, const void* packed, int64_t packedN) {
  if (!packed || algo == ConvAlgo::kNone || packedN < kHeader || reinterpret_cast<uintptr_t>(packed) % 64) return nullptr;
  const int64_t n = payloadElems(g, algo);
  int32_t want[kHeader];
  headerOf(g, algo, n, want);
  if (packedN != kHeader + n || std::memcmp(packed, want, sizeof want) != 0) return nullptr;
  return static_cast<const float*>(packed) + kHeader;
}

}  // namespace tf
