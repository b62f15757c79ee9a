// Direct kernels for convolutions whose groups each see one input channel (depthwise,
// G == C, any channel multiplier O / G): no im2col, no GEMM — each output plane is a sum of
// KH * KW shifted, scaled input planes, which stay in L1. Memory-bound, as they should be.
#pragma once
#include "../backend/conv.h"

namespace tf {

template <typename T>
void depthwiseForward(const Exec& ex, const ConvGeom& g, const T* x, const T* w, const T* bias, T* y);
template <typename T>
void depthwiseBackwardInput(const Exec& ex, const ConvGeom& g, const T* gy, const T* w, T* dx);
template <typename T>
void depthwiseBackwardWeight(const Exec& ex, const ConvGeom& g, const T* x, const T* gy, T* dw);

}  // namespace tf
