#include "device.h"

namespace tf {

void failMixedDevices(const char* op, int a, int b) {
  fail("ERR_DEVICE", std::string(op) + ": expected all tensors on one device, got " + deviceName(a) + " and " +
                         deviceName(b));
}

void failNotOnDevice(const char* op, int device) {
  fail("ERR_DEVICE", std::string(op) + " is not implemented on " + deviceName(device) + " yet");
}

const Backend& backendFor(int device, const char* op) {
  if (device == kCpu) return cpuBackend();
  const Backend* be = isCuda(device) ? cudaBackend() : nullptr;
  if (!be)
    fail("ERR_DEVICE", std::string(op) + ": " + deviceName(device) +
                           " is not available: tapeflow was built without CUDA (npm run build:cuda)");
  return *be;
}

}  // namespace tf
