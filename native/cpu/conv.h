// Convolution kernels (backend table native/backend/conv.h): im2col + one GEMM per sample and
// group (convGemm, conv_gemm.h), 1x1 stride-1 convolutions straight on NCHW, depthwise direct.
#pragma once
#include "../backend/conv.h"

namespace tf {

int64_t convScratchElems(const Exec& ex, int kind, const ConvGeom& g);
void convForward(const Exec& ex, int dtype, const ConvGeom& g, const void* x, const void* w, const void* bias, int act,
                 const void* packed, int64_t packedN, void* y, void* scratch);
void convBackwardInput(const Exec& ex, int dtype, const ConvGeom& g, const void* gy, const void* w, void* dx,
                       void* scratch);
void convBackwardWeight(const Exec& ex, int dtype, const ConvGeom& g, const void* x, const void* gy, void* dw,
                        void* scratch);

}  // namespace tf
