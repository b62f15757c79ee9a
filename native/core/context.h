// Per-environment native state (one per Node environment / worker thread). Kernels
// see only the ThreadPool; the binding layer owns napi handles separately.
#pragma once
#include <cstddef>
#include <cstdint>

#include "allocator.h"
#include "threadpool.h"

namespace tf {

struct Context {
  CachingAllocator alloc;
  ThreadPool pool;
  size_t liveStorages = 0;
  size_t liveBytes = 0;
  int64_t pendingExternal = 0;  // bytes not yet reported to V8 (batched to keep small ops cheap)
  int refs = 1;                 // the environment's own reference + one per live Storage
  explicit Context(int threads) : pool(threads) {}
  void unref() {
    if (--refs == 0) delete this;
  }
};

// A block of device memory shared by a tensor and its views.
struct Storage {
  void* data = nullptr;
  size_t nbytes = 0;
  size_t capacity = 0;
  int dtype = 0;
  int device = 0;  // 0 = cpu; cuda:N later
  Context* ctx = nullptr;
};

// Allocates storage for `nbytes` (uninitialised). Throws tf::Error on failure.
Storage* newStorage(Context* ctx, size_t nbytes, int dtype);
// Returns the buffer to the cache now (dispose); the Storage shell stays until GC.
void releaseStorageData(Storage* s);
// Called by the finalizer: releases data if still held and deletes the shell.
void destroyStorage(Storage* s);

}  // namespace tf
