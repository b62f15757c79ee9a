#include "context.h"

namespace tf {

Storage* newStorage(Context* ctx, size_t nbytes, int dtype) {
  size_t cap = 0;
  void* p = ctx->alloc.allocate(nbytes ? nbytes : 1, &cap);
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
  s->ctx = ctx;
  s->handle = ctx->table.insert(s);
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
  if (ctx->spareShells.size() < 4096) ctx->spareShells.push_back(s);
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
