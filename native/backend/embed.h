// Embeddings and row-sparse updates (issue 10): lookups, their row-sparse gradients and the
// optimizer steps that touch only the rows a batch used.
// Filled in native/cpu/backend.cc; a null entry makes the binding raise ERR_DEVICE.
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

struct EmbedOps {};

}  // namespace tf
