#include <chrono>
#include <random>

#include "context.h"
#include "error.h"
#include "../backend/backend.h"

namespace tf {

namespace {
// The backend that owns memory of a non-CPU device (its MemoryOps allocate and free it).
const Backend& deviceBackend(int device) {
  const Backend* be = isCuda(device) ? cudaBackend() : nullptr;
  if (!be || !be->memory.alloc) fail("ERR_DEVICE", "device " + deviceName(device) + " is not available in this build");
  return *be;
}
}  // namespace

uint64_t randomHandleKey() {
  uint64_t k = 0;
  try {
    std::random_device rd;
    k = (uint64_t(rd()) << 32) ^ rd();
  } catch (...) {
  }
  // Mixed with the clock in case random_device is deterministic on this platform (splitmix64).
  k ^= (uint64_t)std::chrono::steady_clock::now().time_since_epoch().count();
  k += 0x9e3779b97f4a7c15ull;
  k = (k ^ (k >> 30)) * 0xbf58476d1ce4e5b9ull;
  k = (k ^ (k >> 27)) * 0x94d049bb133111ebull;
  return k ^ (k >> 31);
}

StorageTable::StorageTable(uint64_t key0, uint64_t key1) : xor_(key1 & kHandleMask) {
  mul_ = key0 | 1;
  uint64_t inv = mul_;  // Newton's iteration for the inverse mod 2^64: each step doubles the good bits
  for (int i = 0; i < 6; i++) inv *= 2 - mul_ * inv;
  inv_ = inv & kHandleMask;
  mul_ &= kHandleMask;
}

uint32_t StorageTable::grow() {
  if (slots_.size() > kSlotMask) fail("ERR_OUT_OF_MEMORY", "too many live tensors (2^26 storages)");
  if (slots_.size() == slots_.capacity()) {
    // All three reserved first, so a bad_alloc leaves them consistent; free_ has room for
    // every slot because erase() runs in GC finalizers, where it must not allocate (or throw).
    const size_t cap = slots_.capacity() < 64 ? 64 : 2 * slots_.capacity();
    slots_.reserve(cap);
    gens_.reserve(cap);
    free_.reserve(cap);
  }
  slots_.push_back(nullptr);
  gens_.push_back(1);
  return (uint32_t)(slots_.size() - 1);
}

// Returns a buffer to the allocator of its device.
static void releaseData(Context* ctx, int device, void* data, size_t capacity) {
  if (device == kCpu) {
    ctx->alloc.release(data, capacity);
  } else {
    const Backend& be = deviceBackend(device);
    Exec ex{device, &be, &ctx->pool};
    be.memory.free(ex, data, capacity);
  }
}

Storage* newStorage(Context* ctx, size_t nbytes, int dtype, int device) {
  if (ctx->hasRemoteFrees.load(std::memory_order_acquire)) ctx->drainRemoteFrees();
  size_t cap = 0;
  void* p;
  if (device == kCpu) {
    p = ctx->alloc.allocate(nbytes ? nbytes : 1, &cap);
  } else {
    const Backend& be = deviceBackend(device);
    Exec ex{device, &be, &ctx->pool};
    cap = nbytes ? nbytes : 1;
    p = be.memory.alloc(ex, cap);
  }
  Storage* s = nullptr;
  try {
    if (!ctx->spareShells.empty()) {
      s = ctx->spareShells.back();
      ctx->spareShells.pop_back();
    } else {
      s = new Storage();
    }
    s->handle = ctx->table.insert(s);
  } catch (...) {  // out of memory for the shell or the table: nothing may leak
    delete s;
    releaseData(ctx, device, p, cap);
    throw;
  }
  s->data = p;
  s->nbytes = nbytes;
  s->capacity = cap;
  s->dtype = dtype;
  s->device = device;
  s->ctx = ctx;
  ctx->liveStorages++;
  ctx->liveBytes += nbytes;
  ctx->pendingExternal += (int64_t)cap;
  return s;
}

void destroyStorage(Storage* s) {
  Context* ctx = s->ctx;
  if (std::this_thread::get_id() != ctx->owner) {
    ctx->deferFree(s->handle);
    return;
  }
  releaseData(ctx, s->device, s->data, s->capacity);
  ctx->liveStorages--;
  ctx->liveBytes -= s->nbytes;
  ctx->pendingExternal -= (int64_t)s->capacity;
  ctx->table.erase(s->handle);
  s->data = nullptr;
  if (ctx->spareShells.size() < Context::kMaxSpareShells) ctx->spareShells.push_back(s);
  else delete s;
}

void Context::deferFree(uint64_t handle) {
  std::lock_guard<std::mutex> lock(remoteMu);
  try {
    remoteFrees.push_back(handle);
  } catch (...) {  // out of memory on a foreign thread: the buffer stays until the Context goes
    return;
  }
  hasRemoteFrees.store(true, std::memory_order_release);
}

void Context::drainRemoteFrees() {
  std::vector<uint64_t> handles;
  {
    std::lock_guard<std::mutex> lock(remoteMu);
    handles.swap(remoteFrees);
    hasRemoteFrees.store(false, std::memory_order_relaxed);
  }
  for (uint64_t h : handles)
    if (Storage* s = table.get(h)) destroyStorage(s);
}

Context::~Context() {
  // Handles queued by other threads are still in the table: freed with the rest below.
  // Storages never handed to the GC (created just before the environment ended).
  table.forEach([&](Storage* s) {
    releaseData(this, s->device, s->data, s->capacity);
    delete s;
  });
  for (Storage* s : spareShells) delete s;
}

}  // namespace tf
