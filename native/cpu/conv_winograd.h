// Winograd convolution for float32, stride 1, dilation 1: F(4x4, 3x3) for 3x3 kernels and
// F(2x2, 5x5) for 5x5 ones (both on 6 x 6 transformed tiles), forward and input gradient. See
// conv_winograd.cc. Taken where both channel counts (per group) are at least 32.
#pragma once
#include <cstdint>

#include "../backend/conv.h"
#include "../core/exec.h"

namespace tf {

// prepacked: whether the weights come transformed ahead (winogradForwardPack; fewer pixels then pay)
bool winogradForwardApplies(const ConvGeom& g, bool prepacked);
// The fewest output pixels (N * OH * OW per group) a call needs to take Winograd; returns the old value.
int64_t setWinogradMinPixels(int64_t n);
bool winogradBackwardInputApplies(const ConvGeom& g);
int64_t winogradForwardScratch(const Exec& ex, const ConvGeom& g);
int64_t winogradBackwardInputScratch(const Exec& ex, const ConvGeom& g);
// false (nothing written) when x / gy or w holds an Inf or NaN: then the caller runs another kernel.
// preU: null, or what winogradForwardPack made from w for this geometry (then w is not read).
bool winogradForward(const Exec& ex, const ConvGeom& g, const float* x, const float* w, const float* bias,
                     const float* preU, float* y, float* scratch);
// The forward's transformed weights, made once for inference: their floats (64-byte aligned),
// and the transform (false, nothing usable written, when w holds an Inf or NaN).
int64_t winogradForwardPackedElems(const ConvGeom& g);
bool winogradForwardPack(const Exec& ex, const ConvGeom& g, const float* w, float* dst);
bool winogradBackwardInput(const Exec& ex, const ConvGeom& g, const float* gy, const float* w, float* dx,
                           float* scratch);

}  // namespace tf
