// Winograd convolution for float32, stride 1, dilation 1: F(4x4, 3x3) for 3x3 kernels and
// F(2x2, 5x5) for 5x5 ones (both on 6 x 6 transformed tiles), forward and input gradient. See
// conv_winograd.cc. Taken where both channel counts (per group) are at least 32.
#pragma once
#include <cstdint>

#include "../backend/conv.h"
#include "../core/exec.h"

namespace tf {

bool winogradForwardApplies(const ConvGeom& g);
// The fewest output pixels (N * OH * OW per group) a call needs to take Winograd; returns the old value.
int64_t setWinogradMinPixels(int64_t n);
bool winogradBackwardInputApplies(const ConvGeom& g);
int64_t winogradForwardScratch(const Exec& ex, const ConvGeom& g);
int64_t winogradBackwardInputScratch(const Exec& ex, const ConvGeom& g);
// false (nothing written) when x / gy or w holds an Inf or NaN: then the caller runs another kernel
bool winogradForward(const Exec& ex, const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
                     float* scratch);
bool winogradBackwardInput(const Exec& ex, const ConvGeom& g, const float* gy, const float* w, float* dx,
                           float* scratch);

}  // namespace tf
