// Device codes, as stored in Storage::device and read by every binding: 0 is the CPU,
// 1 + N is cuda:N. A plain int so the hot path compares integers, never strings.
#pragma once
#include <string>

namespace tf {

constexpr int kCpu = 0;
constexpr int kMaxCudaDevices = 64;

inline bool isCuda(int device) { return device >= 1 && device <= kMaxCudaDevices; }
inline int cudaDevice(int index) { return 1 + index; }
inline int cudaIndex(int device) { return device - 1; }

inline std::string deviceName(int device) {
  if (device == kCpu) return "cpu";
  if (isCuda(device)) return "cuda:" + std::to_string(cudaIndex(device));
  return "device#" + std::to_string(device);
}

}  // namespace tf
