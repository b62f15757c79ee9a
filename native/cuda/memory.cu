// Device memory for the CUDA backend: a caching allocator over cudaMalloc (as PyTorch's),
// since cudaMalloc/cudaFree synchronise the device and cost tens of microseconds. Freed
// blocks go to per-device lists keyed by a rounded size and are reused; when cudaMalloc
// fails the cache is released and the allocation retried once. A mutex guards the lists:
// storages may be freed from another thread (a finalizer, a later async queue).
#include <map>
#include <mutex>
#include <vector>

#include "cuda_common.cuh"
#include "memory.h"

namespace tf {
namespace cuda {

namespace {

// 512 B granules below 1 MiB, 128 KiB granules above: bounded waste, few distinct sizes.
size_t roundSize(size_t n) {
  const size_t g = n < (1u << 20) ? 512 : (128u << 10);
  return (n + g - 1) / g * g;
}

struct Cache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free[kMaxCudaDevices];
  size_t cachedBytes = 0;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: frees may arrive during process teardown
  return *c;
}

void releaseLocked(Cache& c, int index) {
  for (auto& kv : c.free[index]) {
    for (void* p : kv.second) {
      cudaFree(p);
      c.cachedBytes -= kv.first;
    }
  }
  c.free[index].clear();
}

}  // namespace

void* deviceAlloc(const Exec& ex, size_t nbytes) {
  const size_t n = roundSize(nbytes);
  const int index = cudaIndex(ex.device);
  use(ex);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free[index].find(n);
    if (it != c.free[index].end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cachedBytes -= n;
      return p;
    }
  }
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, n);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    {
      std::lock_guard<std::mutex> lock(c.mu);
      releaseLocked(c, index);
    }
    e = cudaMalloc(&p, n);
  }
  if (e != cudaSuccess)
    check(e, ("cudaMalloc of " + std::to_string(n) + " bytes on " + deviceName(ex.device)).c_str());
  return p;
}

void deviceFree(const Exec& ex, void* p, size_t nbytes) {
  if (!p) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  const size_t n = roundSize(nbytes);
  c.free[cudaIndex(ex.device)][n].push_back(p);
  c.cachedBytes += n;
}

void toHost(const Exec& ex, void* host, const void* dev, size_t nbytes) {
  cudaStream_t s = use(ex);
  check(cudaMemcpyAsync(host, dev, nbytes, cudaMemcpyDeviceToHost, s), "copy to the cpu");
  check(cudaStreamSynchronize(s), "copy to the cpu");
}

void fromHost(const Exec& ex, void* dev, const void* host, size_t nbytes) {
  cudaStream_t s = use(ex);
  // host memory is pageable and may be reused by the caller at once: wait for the copy
  check(cudaMemcpyAsync(dev, host, nbytes, cudaMemcpyHostToDevice, s), "copy to the device");
  check(cudaStreamSynchronize(s), "copy to the device");
}

void emptyDeviceCache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (int i = 0; i < kMaxCudaDevices; i++) {
    if (c.free[i].empty()) continue;
    if (cudaSetDevice(i) == cudaSuccess) releaseLocked(c, i);
  }
}

int deviceCount() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // no driver or no device: the CUDA build then runs on the CPU only
    return 0;
  }
  return n < kMaxCudaDevices ? n : kMaxCudaDevices;
}

}  // namespace cuda
}  // namespace tf
