// Normalisation: batch/layer/group norm forward and fused backward, moments (issue 9).
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
#pragma once
#include "../core/exec.h"

namespace tf {

struct NormOps {};

}  // namespace tf
