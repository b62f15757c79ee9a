// Ties native buffers to the garbage collector.
//
// A weak reference per storage (napi_add_finalizer) costs ~150 ns over its life: a malloc'd
// napi Reference, a V8 global handle, its processing in every scavenge and the finalizer call
// — more than the rest of a small op. So storages are tracked in batches: lib/tensor.ts hands
// over a JS array of up to 256 StorageRefs (the batch's token), and every member points back at
// that array. The array is then reachable exactly while some member is, and one weak reference
// on it frees all its buffers when the last member dies.
//
// A batch whose token outlives a garbage collection holds a member that is still in use
// (`losses.push(loss)`) and would pin its dead siblings' buffers for as long as that one lives.
// So such a batch is split at the next trackBatch after that GC: each member that still has a
// buffer gets a weak reference of its own, the token drops its members, and the dead ones are
// freed by the next collection. A batch thus pins dead buffers for at most one GC more than
// per-storage tracking would. GCs are counted by a sentinel: an unreachable object with a
// finalizer, made anew after each collection.
//
// Every finalizer here is a basic one (NAPI_EXPERIMENTAL): it runs inside the GC, touches no
// JS, and so a synchronous loop that never yields still gets its memory back.
#include <vector>

#include "common.h"

namespace tf {

struct Tracker;

namespace {
struct Batch;
}

struct Tracker {
  Context* ctx;
  napi_env env;
  int refs = 1;             // the environment + a pending sentinel
  uint64_t epoch = 0;       // GCs seen (sentinel finalizers)
  uint64_t scanned = 0;     // epoch at the last scan
  uint64_t deadSince = 0;   // batches finalized since the last scan
  bool sentinel = false;    // a sentinel is waiting for the next GC
  std::vector<Batch*> open; // batches not yet swept or split (touched only on the JS thread)
  Tracker(Context* c, napi_env e) : ctx(c), env(e) {}
  void unref() {
    if (--refs == 0) {
      ctx->unref();
      delete this;
    }
  }
};

namespace {

struct Batch {
  Tracker* tracker;
  napi_ref ref = nullptr;  // weak, carries finalizeBatch; deleted on the JS thread (scan, cleanup)
  uint64_t epoch = 0;      // GCs seen when the batch was tracked
  bool dead = false;       // set by finalizeBatch (inside the GC)
  std::vector<uint64_t> handles;  // parallel to the token array; 0 = nothing to free
  explicit Batch(Tracker* t) : tracker(t) {}
};


void destroyHandle(Context* ctx, uint64_t h) {
  // A handle already freed by dispose() (or reused since) fails the generation check.
  if (Storage* s = ctx->table.get(h)) destroyStorage(s);
}

// Per-storage finalizer: data is the handle, hint the Context.
void finalizeOwner(node_api_basic_env, void* data, void* hint) {
  Context* ctx = static_cast<Context*>(hint);
  destroyHandle(ctx, (uint64_t)(uintptr_t)data);
  ctx->unref();
}

// The token of a batch was collected, so every member was: free them all. The Batch record and
// its napi_ref are deleted by the next scan (napi_delete_reference cannot run inside the GC).
void finalizeBatch(node_api_basic_env, void* data, void*) {
  Batch* b = static_cast<Batch*>(data);
  for (uint64_t h : b->handles)
    if (h) destroyHandle(b->tracker->ctx, h);
  b->handles.clear();
  b->dead = true;
  b->tracker->deadSince++;
}

void finalizeSentinel(node_api_basic_env, void* data, void*) {
  Tracker* t = static_cast<Tracker*>(data);
  t->epoch++;
  t->sentinel = false;
  t->unref();
}

bool attachOwner(napi_env env, napi_value owner, Storage* s, Context* ctx) {
  if (napi_add_finalizer(env, owner, (void*)(uintptr_t)s->handle, finalizeOwner, ctx, nullptr) != napi_ok) return false;
  ctx->refs++;
  return true;
}

// A batch that outlived a GC: give each member still holding a buffer its own weak reference
// and empty the token, so the dead members become unreachable.
void split(napi_env env, Batch* b) {
  Context* ctx = b->tracker->ctx;
  napi_value token = nullptr;
  napi_get_reference_value(env, b->ref, &token);
  bool isArray = false;
  if (token) napi_is_array(env, token, &isArray);
  if (isArray) {
    for (size_t i = 0; i < b->handles.size(); i++) {
      Storage* s = b->handles[i] ? ctx->table.get(b->handles[i]) : nullptr;
      if (!s) continue;
      napi_value owner;
      napi_valuetype type = napi_undefined;
      if (napi_get_element(env, token, (uint32_t)i, &owner) == napi_ok) napi_typeof(env, owner, &type);
      if (type == napi_object) attachOwner(env, owner, s, ctx);
    }
    napi_value zero;
    napi_create_uint32(env, 0, &zero);
    napi_set_named_property(env, token, "length", zero);
  } else if (!token) {
    // Collected with its finalizer still to come (a runtime that defers finalizers): every
    // member is gone, so free them here, since deleting the reference cancels that finalizer.
    for (uint64_t h : b->handles)
      if (h) destroyHandle(ctx, h);
  }
  // Deleting the reference cancels finalizeBatch.
  napi_delete_reference(env, b->ref);
  delete b;
}

// Sweeps finalized batches and splits those that outlived a GC. Allocations in here may run
// a GC and its finalizers: they only set flags and counters, never touch `open`.
void scan(napi_env env, Tracker* t) {
  t->scanned = t->epoch;
  t->deadSince = 0;
  std::vector<Batch*> batches;
  batches.swap(t->open);
  std::vector<Batch*> keep;
  for (Batch* b : batches) {
    if (b->dead) {
      napi_delete_reference(env, b->ref);
      delete b;
    } else if (b->epoch < t->scanned) {
      split(env, b);
    } else {
      keep.push_back(b);
    }
  }
  t->open.swap(keep);
}

void makeSentinel(napi_env env, Tracker* t) {
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return;
  if (napi_add_finalizer(env, o, t, finalizeSentinel, nullptr, nullptr) != napi_ok) return;
  t->refs++;
  t->sentinel = true;
}

// At environment teardown (before Node-API finalizes what remains): delete the batches'
// references, which cancels their finalizers; their storages are freed with the Context.
void cleanup(void* arg) {
  Tracker* t = static_cast<Tracker*>(arg);
  for (Batch* b : t->open) {
    napi_delete_reference(t->env, b->ref);
    delete b;
  }
  t->open.clear();
  t->unref();
}

// track(owner, handle): frees the storage when `owner` (its StorageRef) is collected. For big
// buffers, where the weak reference costs nothing next to the work.
Napi::Value Track(const Napi::CallbackInfo& info) {
  Tracker* t = static_cast<EnvData*>(info.Data())->tracker;
  if (!info[0].IsObject()) fail("ERR_ARGUMENT", "track: owner must be an object");
  if (!attachOwner(info.Env(), info[0], argStorage(info, 1, "track"), t->ctx))
    fail("ERR_INTERNAL", "track: could not attach a finalizer");
  return info.Env().Undefined();
}

// trackBatch(token: StorageRef[], handles: Float64Array, n): frees the storages handles[0..n)
// when `token` is collected; token[i] owns handles[i] and every member keeps a reference to
// the token (lib/tensor.ts flushTracking). Also sweeps and splits the batches tracked before
// (n = 0 does only that). Returns how many batches are still watched.
Napi::Value TrackBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Tracker* t = static_cast<EnvData*>(info.Data())->tracker;
  if (!info[0].IsArray() || !info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    fail("ERR_ARGUMENT", "trackBatch(token, handles, n)");
  Napi::Float64Array handles = info[1].As<Napi::Float64Array>();
  int64_t n = argInt64(info, 2, "trackBatch");
  if (n < 0 || (size_t)n > handles.ElementLength() || (uint32_t)n > info[0].As<Napi::Array>().Length())
    fail("ERR_ARGUMENT", "trackBatch: bad count");
  if (t->epoch != t->scanned || t->deadSince != 0) scan(env, t);
  Napi::Number open = Napi::Number::New(env, (double)t->open.size());
  if (n == 0) return open;
  Batch* b = new Batch(t);
  b->handles.resize((size_t)n);
  size_t live = 0;
  for (size_t i = 0; i < (size_t)n; i++) {
    double d = handles[i];
    Storage* s = d >= 0 && d < 9007199254740992.0 ? t->ctx->table.get((uint64_t)d) : nullptr;
    b->handles[i] = s ? s->handle : 0;  // freed in the meantime: nothing to track
    live += s != nullptr;
  }
  if (live == 0 || napi_add_finalizer(env, info[0], b, finalizeBatch, nullptr, &b->ref) != napi_ok) {
    delete b;
    if (live) fail("ERR_INTERNAL", "trackBatch: could not attach a finalizer");
    return open;
  }
  b->epoch = t->epoch;
  t->open.push_back(b);
  if (!t->sentinel) makeSentinel(env, t);  // counts the next GC for the batches now open
  return Napi::Number::New(env, (double)t->open.size());
}

}  // namespace

void registerTrack(Napi::Env env, Napi::Object exports) {
  EnvData* ed = env.GetInstanceData<EnvData>();  // made by registerStorage
  Tracker* t = new Tracker(ed->ctx, env);
  ed->ctx->refs++;
  napi_add_env_cleanup_hook(env, cleanup, t);
  ed->tracker = t;
  TF_EXPORT(exports, "track", Track);
  TF_EXPORT(exports, "trackBatch", TrackBatch);
}

}  // namespace tf
