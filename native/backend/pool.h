// Pooling and resampling: max/avg/adaptive pools forward and backward, interpolate (issue 9).
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
//
// Every kernel works on `planes` contiguous H x W input planes (N*C of an NCHW tensor) and
// OH x OW output planes; 1-D pools are H = 1 planes. The binding validates the geometry
// (positive kernel, stride, dilation; non-negative pads and sizes; plane sizes below 2^31
// so int32 indices hold any position) before a kernel runs.
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

struct PoolGeom {
  int64_t planes, H, W, OH, OW;
  // window o of an axis starts at o*stride - pad and has kernel taps `dilation` apart; taps
  // outside [0, size) are skipped (padding). Unused when adaptive.
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  // adaptive: window o of an axis covers [floor(o*size/out), ceil((o+1)*size/out)) (torch)
  bool adaptive;
  // avg: divide by the window clipped to the padded input (true) or to the input (false)
  bool countIncludePad;
  // avg: a divisor for every window when nonzero (torch's divisor_override; 0 = none)
  int64_t divisor;
};

struct ResampleGeom {
  int64_t planes, H, W, OH, OW;
  int mode;           // 0 nearest (torch's floor(dst * scale) rule), 1 bilinear
  bool alignCorners;  // bilinear only
  // torch's scale_factor per axis when given (> 0), else 0: the kernel's scale is then 1/s
  // instead of in/out (torch 1.13 with recompute_scale_factor unset)
  double scaleH, scaleW;
};

struct PoolOps {
  // out[p, o] = the max over the window (torch's rule: the first max, a NaN wins); idx (may be
  // null) gets its flat position h*W + w in the plane.
  void (*maxForward)(const Exec&, int dtype, const PoolGeom&, const void* x, void* out, int32_t* idx);
  // dx (planes x H x W, overwritten) = sum of g over the outputs whose idx points at it;
  // indices outside the plane are skipped.
  void (*maxBackward)(const Exec&, int dtype, const PoolGeom&, const void* g, const int32_t* idx, void* dx);
  void (*avgForward)(const Exec&, int dtype, const PoolGeom&, const void* x, void* out);
  // the adjoint of avgForward: dx overwritten
  void (*avgBackward)(const Exec&, int dtype, const PoolGeom&, const void* g, void* dx);
  void (*resampleForward)(const Exec&, int dtype, const ResampleGeom&, const void* x, void* out);
  // the adjoint of resampleForward: dx overwritten
  void (*resampleBackward)(const Exec&, int dtype, const ResampleGeom&, const void* g, void* dx);
};

}  // namespace tf
