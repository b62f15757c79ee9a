// Per-environment native state (one per Node environment / worker thread). Kernels
// see only the ThreadPool; the binding layer owns napi handles separately.
#pragma once
#include <cstddef>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "allocator.h"
#include "device.h"
#include "threadpool.h"

namespace tf {

struct Storage;

// Live storages by handle. JS holds a handle as a plain number, cheaper to pass than an
// External: the raw value slot | generation << 26 (53 bits, so every handle is an exact JS
// number) scrambled by a bijection keyed per environment — times a random odd number mod
// 2^53, then XOR a random mask. A stale handle fails the generation check; a handle from
// another environment (a worker's tensor, another addon instance), a guessed number or a
// neighbour of a real handle decodes to an unrelated slot and generation, which match a
// live storage with odds of about 2^-27, instead of aliasing an unrelated tensor.
// Decoding costs a multiply and an XOR.
class StorageTable {
 public:
  static constexpr uint64_t kSlotBits = 26;
  static constexpr uint64_t kSlotMask = (uint64_t(1) << kSlotBits) - 1;
  static constexpr uint64_t kGenBits = 27;
  static constexpr uint64_t kMaxGen = uint64_t(1) << kGenBits;
  static constexpr uint64_t kHandleMask = (uint64_t(1) << (kSlotBits + kGenBits)) - 1;
  // key0 and key1: random bits (see randomHandleKey).
  StorageTable(uint64_t key0, uint64_t key1);

  // Throws tf::Error when 2^26 storages are alive at once.
  uint64_t insert(Storage* s) {
    uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = grow();
    }
    slots_[slot] = s;
    return encode(slot | (uint64_t(gens_[slot]) << kSlotBits));
  }
  // nullptr when the handle is stale, foreign, out of range or malformed.
  Storage* get(uint64_t h) const {
    const uint64_t raw = decode(h);
    const uint64_t slot = raw & kSlotMask, gen = raw >> kSlotBits;
    if (slot >= slots_.size() || gens_[slot] != gen) return nullptr;
    return slots_[slot];
  }
  // For a handle get() refused: true when it is one of ours whose storage was freed
  // (disposed), false when it was never issued by this table (foreign or forged).
  bool wasFreed(uint64_t h) const {
    const uint64_t raw = decode(h);
    const uint64_t slot = raw & kSlotMask, gen = raw >> kSlotBits;
    return h <= kHandleMask && slot < slots_.size() && gen >= 1 && gen < gens_[slot];
  }
  void erase(uint64_t h) {
    const uint64_t slot = decode(h) & kSlotMask;
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
  uint32_t grow();  // a new slot (out of line: rare)
  uint64_t encode(uint64_t raw) const { return ((raw * mul_) & kHandleMask) ^ xor_; }
  uint64_t decode(uint64_t h) const { return ((h ^ xor_) * inv_) & kHandleMask; }
  uint64_t mul_, inv_, xor_;  // mul_ odd; inv_ its inverse mod 2^53
  std::vector<Storage*> slots_;
  std::vector<uint32_t> gens_;
  std::vector<uint32_t> free_;
};

// A random key per environment (handles of one environment mean nothing in another).
uint64_t randomHandleKey();

struct Context {
  CachingAllocator alloc;
  StorageTable table;
  ThreadPool pool;
  size_t liveStorages = 0;
  size_t liveBytes = 0;
  int64_t pendingExternal = 0;  // bytes not yet reported to V8 (batched to keep small ops cheap)
  int refs = 1;  // the environment's own reference + one per JS owner with a pending finalizer
  std::vector<Storage*> spareShells;  // recycled Storage structs: no malloc per op
  // The table, the shells and the host cache belong to the thread that made the Context. A
  // storage released on another thread (a kernel run off the JS thread dropping its last
  // reference) is queued here by handle and freed by that thread at its next allocation or
  // memory query; the generation check then skips one JS disposed in the meantime.
  const std::thread::id owner = std::this_thread::get_id();
  std::mutex remoteMu;
  std::vector<uint64_t> remoteFrees;
  std::atomic<bool> hasRemoteFrees{false};
  void deferFree(uint64_t handle);
  void drainRemoteFrees();
  explicit Context(int threads) : table(randomHandleKey(), randomHandleKey()), pool(threads) {
    spareShells.reserve(kMaxSpareShells);  // destroyStorage runs in GC finalizers: no allocation there
  }
  static constexpr size_t kMaxSpareShells = 4096;
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
// finalizer of the JS object that owns the handle. Safe from any thread: off the Context's
// own thread it only queues the handle (Context::deferFree). The Context must outlive the call.
void destroyStorage(Storage* s);

}  // namespace tf
