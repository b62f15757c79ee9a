#include "context.h"
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

Storage* newStorage(Context* ctx, size_t nbytes, int dtype, int device) {
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
  Storage* s;
  if (!ctx->spareShells.empty()) {
    s = ctx->spareShells.back();
    ctx->spareShells.pop_back();
  } else {
    s = new Storage();
  }
  s->data = p;
  s->nbytes = nbytes;
  s->capacity = cap;
  s->dtype = dtype;
  s->device = device;
  s->ctx = ctx;
  s->handle = ctx->table.insert(s);
  ctx->liveStorages++;
  ctx->liveBytes += nbytes;
  ctx->pendingExternal += (int64_t)cap;
  return s;
}

// Returns a storage's buffer to the allocator of its device.
static void releaseData(Storage* s) {
  if (s->device == kCpu) {
    s->ctx->alloc.release(s->data, s->capacity);
  } else {
    const Backend& be = deviceBackend(s->device);
    Exec ex{s->device, &be, &s->ctx->pool};
    be.memory.free(ex, s->data, s->capacity);
  }
}

void destroyStorage(Storage* s) {
  Context* ctx = s->ctx;
  releaseData(s);
  ctx->liveStorages--;
  ctx->liveBytes -= s->nbytes;
  ctx->pendingExternal -= (int64_t)s->capacity;
  ctx->table.erase(s->handle);
  s->data = nullptr;
  // A GC frees its tens of thousands of storages at once: keep their shells (56 B each) for
  // the ops that follow, or each would cost a malloc/free pair.
  if (ctx->spareShells.size() < 65536) ctx->spareShells.push_back(s);
  else delete s;
}

Context::~Context() {
  // Storages never handed to the GC (created just before the environment ended).
  table.forEach([&](Storage* s) {
    releaseData(s);
    delete s;
  });
  for (Storage* s : spareShells) delete s;
}

}  // namespace tf
