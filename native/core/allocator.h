// Caching host allocator: freed blocks go to per-size-class free lists and are
// reused, so a loop making same-sized tensors does not page-fault and zero fresh
// memory on every iteration (PyTorch's CUDA allocator and jemalloc do the same).
// One instance per Node environment; used only from that environment's thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tf {

class CachingAllocator {
 public:
  static constexpr size_t kAlign = 64;
  CachingAllocator();
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // Returns a 64-byte aligned block of at least `bytes` (its real size in *capacity).
  // Throws tf::Error(ERR_OUT_OF_MEMORY) when the request cannot be met.
  void* allocate(size_t bytes, size_t* capacity);
  void release(void* p, size_t capacity);
  void emptyCache();

  size_t cachedBytes() const { return cachedBytes_; }
  size_t cachedBlocks() const { return cachedBlocks_; }
  size_t maxCachedBytes() const { return maxCached_; }
  void setMaxCachedBytes(size_t b);
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }

  static size_t roundSize(size_t bytes, int* cls);

 private:
  std::vector<std::vector<void*>> free_;  // by size class
  size_t cachedBytes_ = 0, cachedBlocks_ = 0, maxCached_;
  uint64_t hits_ = 0, misses_ = 0;
  size_t physBytes_;
};

}  // namespace tf
