// Convolution weights packed ahead for inference (ConvOps::prepack): a float32 forward packs
// (direct, GEMM) or transforms (Winograd) its weights on every call, which at batch 1 is ~8 % of
// an Inception v3 forward. An importer's folded weights do not change between calls, so it keeps
// this copy and passes it back. The copy starts with a header naming the kernel, the ISA and the
// geometry it was made for; a call whose own choice differs ignores it and packs as usual.
#pragma once
#include <cstdint>

#include "../backend/conv.h"
#include "../core/exec.h"

namespace tf {

// kWinograd1d: r x 1 / 1 x r kernels, only on weights transformed ahead
enum class ConvAlgo : int32_t { kNone = 0, kWinograd = 1, kDirect = 2, kGemm = 3, kWinograd1d = 4 };

// float32 3x3 / 5x5 stride-1 convolutions take Winograd (conv_winograd.cc) unless
// TAPEFLOW_CONV_WINOGRAD=0 (read at load: the direct kernels, for comparison).
bool convWinogradOn();
// The kernel a float32 forward picks first (Winograd may still fall back on non-finite input);
// kNone for depthwise or channel-less geometries. prepacked: weights come packed ahead.
ConvAlgo forwardAlgo(const ConvGeom& g, bool prepacked);

int64_t convPrepackElems(const Exec& ex, int dtype, const ConvGeom& g);
void convPrepack(const Exec& ex, int dtype, const ConvGeom& g, const void* w, void* packed);

// The packed weights in `packed` (packedN floats from convPrepack) when they were made for this
// geometry (any N), the active ISA and algo; else null.
const float* prepackedFor(const ConvGeom& g, ConvAlgo algo, const void* packed, int64_t packedN);

// GEMM path: group gi's packed A (Og x K) at packed + gi * gemmPackStride(g).
int64_t gemmPackStride(const ConvGeom& g);

}  // namespace tf
