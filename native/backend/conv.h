// Convolution: conv1d/conv2d/convTranspose2d forward, data and weight gradients (issue 9).
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
//
// Every kernel works on contiguous NCHW tensors and OIHW weights ([O, C/G, KH, KW]); conv1d is
// conv2d with H = 1, convTranspose2d is backwardInput, NHWC is permuted in lib/ops/conv.ts.
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

// One 2-D convolution's geometry. Padding is the top/left amount only: the output size (OH, OW)
// already carries any bottom/right padding (asymmetric 'same'); a kernel reads zeros for every
// input row/column outside [0, H) x [0, W).
struct ConvGeom {
  int64_t N, C, H, W;  // input
  int64_t O, KH, KW;   // weight [O, C/G, KH, KW]
  int64_t OH, OW;      // output
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t G;
};

// kConvForwardPrepacked: the forward given weights packed ahead (prepack)
enum ConvKind { kConvForward = 0, kConvBackwardInput = 1, kConvBackwardWeight = 2, kConvForwardPrepacked = 3 };

struct ConvOps {
  // Scratch (elements of dtype) the kernel of `kind` needs for this geometry and pool.
  int64_t (*scratchElems)(const Exec&, int kind, const ConvGeom&);
  // y[N, O, OH, OW] = act(conv(x[N, C, H, W], w) (+ bias[O] when bias is not null)); act 0: none, 1: relu.
  // packed: null, or packedN elements made by prepack from this w (it is used only where it
  // matches the geometry and the kernel this call picks; otherwise w is packed as usual).
  void (*forward)(const Exec&, int dtype, const ConvGeom&, const void* x, const void* w, const void* bias, int act,
                  const void* packed, int64_t packedN, void* y, void* scratch);
  // dx[N, C, H, W] from gy[N, O, OH, OW] and w (the adjoint of forward in x)
  void (*backwardInput)(const Exec&, int dtype, const ConvGeom&, const void* gy, const void* w, void* dx, void* scratch);
  // dw[O, C/G, KH, KW] from x and gy (the adjoint of forward in w); independent of the thread count
  void (*backwardWeight)(const Exec&, int dtype, const ConvGeom&, const void* x, const void* gy, void* dw,
                         void* scratch);
  // Inference: w in the layout the forward kernel would pack it into for this geometry (any N),
  // made once and passed back to forward. Elements of dtype prepack writes; 0 when the kernel
  // for this geometry packs nothing ahead.
  int64_t (*prepackElems)(const Exec&, int dtype, const ConvGeom&);
  void (*prepack)(const Exec&, int dtype, const ConvGeom&, const void* w, void* packed);
};

}  // namespace tf
