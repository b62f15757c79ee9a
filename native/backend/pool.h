// Pooling and resampling: max/avg/adaptive pools forward and backward, interpolate (issue 9).
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
#pragma once
#include "../core/exec.h"

namespace tf {

struct PoolOps {};

}  // namespace tf
