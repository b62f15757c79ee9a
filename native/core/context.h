// Per-environment native state (one per Node environment / worker thread). Kernels
// see only the ThreadPool; the binding layer owns napi handles separately.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "allocator.h"
#include "device.h"
#include "threadpool.h"

namespace tf {

struct Storage;

// Live storages by handle. JS holds a handle as a plain number (slot + generation
// * 2^26): cheaper to pass than an External, and a stale or forged number is caught
// by the generation check instead of dereferencing freed memory.
class StorageTable {
 public:
  static constexpr uint64_t kSlotBits = 26;
  static constexpr uint64_t kSlotMask = (uint64_t(1) << kSlotBits) - 1;
  static constexpr uint64_t kMaxGen = uint64_t(1) << 26;
  uint64_t insert(Storage* s) {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = (uint32_t)slots_.size();
      slots_.push_back(nullptr);
      gens_.push_back(1);
    }
    slots_[slot] = s;
    return slot | (uint64_t(gens_[slot]) << kSlotBits);
  }
  // nullptr when the handle is stale, out of range or malformed.
  Storage* get(uint64_t h) const {
    uint64_t slot = h & kSlotMask, gen = h >> kSlotBits;
    if (slot >= slots_.size() || gens_[slot] != gen) return nullptr;
    return slots_[slot];
  }
  void erase(uint64_t h) {
    uint64_t slot = h & kSlotMask;
    slots_[slot] = nullptr;
    gens_[slot] = (uint32_t)(gens_[slot] + 1 < kMaxGen ? gens_[slot] + 1 : 1);
    free_.push_back((uint32_t)slot);
  }
  template <typename F>
  void forEach(F&& f) const {
    for (Storage* s : slots_)
      if (s) f(s);
  }

 private:
  std::vector<Storage*> slots_;
  std::vector<uint32_t> gens_;
  std::vector<uint32_t> free_;
};

struct Context {
  CachingAllocator alloc;
  StorageTable table;
  ThreadPool pool;
  size_t liveStorages = 0;
  size_t liveBytes = 0;
  int64_t pendingExternal = 0;  // bytes not yet reported to V8 (batched to keep small ops cheap)
  int refs = 1;  // the environment's own reference + one per JS owner with a pending finalizer
  std::vector<Storage*> spareShells;  // recycled Storage structs: no malloc per op
  explicit Context(int threads) : pool(threads) {}
  ~Context();
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
  int device = 0;  // core/device.h: 0 = cpu, 1 + N = cuda:N
  uint64_t handle = 0;
  Context* ctx = nullptr;
};

// Allocates storage for `nbytes` (uninitialised). Throws tf::Error on failure.
// `device` other than the CPU allocates through that device's backend (ERR_DEVICE when absent).
Storage* newStorage(Context* ctx, size_t nbytes, int dtype, int device = 0);
// Frees the buffer (back to the cache) and the handle; used by dispose() and by the
// finalizer of the JS object that owns the handle.
void destroyStorage(Storage* s);

}  // namespace tf
