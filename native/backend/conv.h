// Convolution: conv1d/conv2d/convTranspose2d forward, data and weight gradients (issue 9).
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
#pragma once
#include "../core/exec.h"

namespace tf {

struct ConvOps {};

}  // namespace tf
