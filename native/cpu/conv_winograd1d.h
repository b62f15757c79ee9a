// One-dimensional Winograd F(m, r) for float32 r x 1 and 1 x r convolutions (r = 3, 5, 7),
// stride 1, dilation 1, forward only, on weights transformed ahead (prepack). See conv_winograd1d.cc.
#pragma once
#include <cstdint>

#include "../backend/conv.h"
#include "../core/exec.h"

namespace tf {

bool winograd1dForwardApplies(const ConvGeom& g);
int64_t winograd1dForwardScratch(const Exec& ex, const ConvGeom& g);
// The transformed weights: their floats (64-byte aligned), and the transform (false, nothing
// usable written, when w holds an Inf or NaN).
int64_t winograd1dForwardPackedElems(const ConvGeom& g);
bool winograd1dForwardPack(const Exec& ex, const ConvGeom& g, const float* w, float* U);
// y = act(conv(x, w) + bias) from U; false (nothing written) when x holds an Inf or NaN.
bool winograd1dForward(const Exec& ex, const ConvGeom& g, const float* x, const float* U, const float* bias, int act,
                       float* y, float* scratch);

}  // namespace tf
