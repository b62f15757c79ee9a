// The CUDA backend's memory entry points (MemoryOps) and device queries; plain C++
// declarations so host-only files can include them.
#pragma once
#include <cstddef>

#include "../core/exec.h"

namespace tf {
namespace cuda {

void* deviceAlloc(const Exec& ex, size_t nbytes);
void deviceFree(const Exec& ex, void* p, size_t nbytes);
void toHost(const Exec& ex, void* host, const void* dev, size_t nbytes);
void fromHost(const Exec& ex, void* dev, const void* host, size_t nbytes);
// Returns every cached block to the driver.
void emptyDeviceCache();
// Devices visible to this process; 0 without a driver or a GPU (never throws).
int deviceCount();

}  // namespace cuda
}  // namespace tf
