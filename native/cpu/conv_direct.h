// Direct float32 convolution for stride 1 (forward, and the input gradient, which is a stride-1
// correlation of gy with the flipped, transposed weights): no im2col. See conv_direct.cc.
#pragma once
#include <cstdint>

#include "../backend/conv.h"
#include "../core/exec.h"

namespace tf {

// (conv_direct_dw.cc: the weight gradient, any stride, on the same microkernels.)
// Whether the direct kernels take this geometry (float32, dense or grouped, not depthwise).
bool directForwardApplies(const ConvGeom& g);
bool directBackwardInputApplies(const ConvGeom& g);
bool directBackwardWeightApplies(const ConvGeom& g);
// Scratch floats they need (packed weights and one padded image per pool thread).
int64_t directForwardScratch(const Exec& ex, const ConvGeom& g);
int64_t directBackwardInputScratch(const Exec& ex, const ConvGeom& g);
int64_t directBackwardWeightScratch(const Exec& ex, const ConvGeom& g);

// act 1: relu on each output (after the bias) as it is finished. prepacked: null, or what
// directForwardPack made from w for this geometry (then w is not read).
void directForward(const Exec& ex, const ConvGeom& g, const float* x, const float* w, const float* bias, int act,
                   const float* prepacked, float* y, float* scratch);
// The forward's packed weights, made once for inference: their floats (64-byte aligned) and the packing.
int64_t directForwardPackedElems(const ConvGeom& g);
void directForwardPack(const Exec& ex, const ConvGeom& g, const float* w, float* dst);
void directBackwardInput(const Exec& ex, const ConvGeom& g, const float* gy, const float* w, float* dx,
                         float* scratch);
void directBackwardWeight(const Exec& ex, const ConvGeom& g, const float* x, const float* gy, float* dw,
                          float* scratch);

}  // namespace tf
