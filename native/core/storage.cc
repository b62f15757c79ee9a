#include <chrono>
#include <random>

#include "context.h"
#include "error.h"

namespace tf {

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

uint64_t StorageTable::insert(Storage* s) {
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    if (slots_.size() > kSlotMask) fail("ERR_OUT_OF_MEMORY", "too many live tensors (2^26 storages)");
    slots_.push_back(nullptr);
    gens_.push_back(1);
    // erase() runs in GC finalizers, where it must not allocate (or throw): room for every slot.
    if (free_.capacity() < slots_.capacity()) free_.reserve(slots_.capacity());
    slot = (uint32_t)(slots_.size() - 1);
  }
  slots_[slot] = s;
  return encode(slot | (uint64_t(gens_[slot]) << kSlotBits));
}

Storage* newStorage(Context* ctx, size_t nbytes, int dtype) {
  Storage* s;
  if (!ctx->spareShells.empty()) {
    s = ctx->spareShells.back();
    ctx->spareShells.pop_back();
  } else {
    s = new Storage();
  }
  size_t cap = 0;
  void* p;
  try {
    p = ctx->alloc.allocate(nbytes ? nbytes : 1, &cap);
  } catch (...) {
    delete s;
    throw;
  }
  s->data = p;
  s->nbytes = nbytes;
  s->capacity = cap;
  s->dtype = dtype;
  s->ctx = ctx;
  try {
    s->handle = ctx->table.insert(s);
  } catch (...) {
    ctx->alloc.release(p, cap);
    delete s;
    throw;
  }
  ctx->liveStorages++;
  ctx->liveBytes += nbytes;
  ctx->pendingExternal += (int64_t)cap;
  return s;
}

void destroyStorage(Storage* s) {
  Context* ctx = s->ctx;
  ctx->alloc.release(s->data, s->capacity);
  ctx->liveStorages--;
  ctx->liveBytes -= s->nbytes;
  ctx->pendingExternal -= (int64_t)s->capacity;
  ctx->table.erase(s->handle);
  s->data = nullptr;
  if (ctx->spareShells.size() < Context::kMaxSpareShells) ctx->spareShells.push_back(s);
  else delete s;
}

Context::~Context() {
  // Storages never handed to the GC (created just before the environment ended).
  table.forEach([&](Storage* s) {
    alloc.release(s->data, s->capacity);
    delete s;
  });
  for (Storage* s : spareShells) delete s;
}

}  // namespace tf
