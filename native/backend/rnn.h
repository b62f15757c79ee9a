// Recurrent networks (issue 10): fused LSTM / GRU / RNN forward and backward through time.
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

struct RnnOps {};

}  // namespace tf
