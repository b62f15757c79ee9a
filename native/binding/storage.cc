// Storage lifecycle, host transfers, memory statistics and thread settings.
#include <cstdlib>
#include <cstring>
#include <thread>

#include "../cpu/blas.h"
#include "device.h"

namespace tf {

static int defaultThreads() {
  for (const char* var : {"TAPEFLOW_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}) {
    if (const char* v = std::getenv(var)) {
      int n = std::atoi(v);
      if (n > 0) return n;
    }
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? (int)hc : 1;
}

// init(meta: Float64Array, ErrorClass)
static Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = env.GetInstanceData<EnvData>();
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array || !info[1].IsFunction())
    throwJs(env, "ERR_ARGUMENT", "init(meta: Float64Array, ErrorClass)");
  Napi::Float64Array meta = info[0].As<Napi::Float64Array>();
  ed->meta = meta.Data();
  ed->metaLen = meta.ElementLength();
  ed->metaRef = Napi::Persistent(meta);
  ed->errorClass = Napi::Persistent(info[1].As<Napi::Function>());
  return Napi::Number::New(env, ed->ctx->pool.numThreads());
}

// empty(numel, dtype, device = 0) -> handle (uninitialised)
static Napi::Value Empty(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info.Env());
  int64_t n = argInt64(info, 0, "empty");
  int dt = argDType(info, 1, "empty");
  int dev = info.Length() > 2 && !info[2].IsUndefined() ? argInt(info, 2, "empty") : kCpu;
  if (n < 0) fail("ERR_SHAPE", "empty: negative element count");
  Storage* s;
  if (dev == kCpu) return newOutput(info.Env(), ed, n, dt, "empty", &s);
  const Exec ex{dev, &backendFor(dev, "empty"), &ed->ctx->pool};
  return newOutput(info.Env(), ed, ex, n, dt, "empty", &s);
}

// fromTypedArray(typedArray, dtype) -> handle holding a copy of its bytes
static Napi::Value FromTypedArray(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info.Env());
  if (!info[0].IsTypedArray()) fail("ERR_ARGUMENT", "fromTypedArray: expected a TypedArray");
  Napi::TypedArray ta = info[0].As<Napi::TypedArray>();
  int dt = argDType(info, 1, "fromTypedArray");
  size_t n = ta.ElementLength();
  size_t esz = dtypeSize(dt);
  if (ta.ByteLength() != n * esz) fail("ERR_DTYPE", "fromTypedArray: typed array element size does not match dtype");
  Storage* s;
  Napi::Value h = newOutput(info.Env(), ed, (int64_t)n, dt, "fromTypedArray", &s);
  if (n) std::memcpy(s->data, static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), n * esz);
  return h;
}

// toTypedArray(handle, offset, numel) -> new TypedArray copy of elements [offset, offset+numel)
static Napi::Value ToTypedArray(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Storage* s = argStorage(info, 0, "dataSync");
  int64_t off = argInt64(info, 1, "dataSync");
  int64_t n = argInt64(info, 2, "dataSync");
  size_t esz = dtypeSize(s->dtype);
  int64_t cap = (int64_t)(s->nbytes / esz);
  if (off < 0 || n < 0 || off > cap || n > cap - off) fail("ERR_OUT_OF_BOUNDS", "dataSync: range outside storage");
  if (s->device != kCpu) fail("ERR_DEVICE", "dataSync: the storage is on " + deviceName(s->device) + "; copy it to the cpu first");
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, (size_t)n * esz);
  if (n) std::memcpy(ab.Data(), static_cast<uint8_t*>(s->data) + off * esz, (size_t)n * esz);
  switch (s->dtype) {
    case kF32: return Napi::Float32Array::New(env, (size_t)n, ab, 0);
    case kF64: return Napi::Float64Array::New(env, (size_t)n, ab, 0);
    case kI32: return Napi::Int32Array::New(env, (size_t)n, ab, 0);
    default: return Napi::Uint8Array::New(env, (size_t)n, ab, 0);
  }
}

// free(handle): return the buffer to the cache now. Freeing twice is a no-op.
static Napi::Value Free(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info.Env());
  double d = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0)) fail("ERR_ARGUMENT", "dispose: not a tensor storage");
  if (Storage* s = ed->ctx->table.get((uint64_t)d)) destroyStorage(s);
  return info.Env().Undefined();
}

static Napi::Value IsFreed(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info.Env());
  double d = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  return Napi::Boolean::New(info.Env(), !(d >= 0) || !ed->ctx->table.get((uint64_t)d));
}

static Napi::Value Memory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(env);
  Context* c = ed->ctx;
  Napi::Object o = Napi::Object::New(env);
  o.Set("liveStorages", (double)c->liveStorages);
  o.Set("liveBytes", (double)c->liveBytes);
  o.Set("cachedBytes", (double)c->alloc.cachedBytes());
  o.Set("cachedBlocks", (double)c->alloc.cachedBlocks());
  o.Set("maxCachedBytes", (double)c->alloc.maxCachedBytes());
  o.Set("cacheHits", (double)c->alloc.hits());
  o.Set("cacheMisses", (double)c->alloc.misses());
  return o;
}

static Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  envData(info.Env())->ctx->alloc.emptyCache();
  return info.Env().Undefined();
}

static Napi::Value SetMaxCachedBytes(const Napi::CallbackInfo& info) {
  int64_t b = argInt64(info, 0, "setMaxCachedBytes");
  if (b < 0) fail("ERR_ARGUMENT", "setMaxCachedBytes: bytes must be >= 0");
  envData(info.Env())->ctx->alloc.setMaxCachedBytes((size_t)b);
  return info.Env().Undefined();
}

static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = argInt(info, 0, "setNumThreads");
  if (n < 1 || n > 1024) fail("ERR_ARGUMENT", "setNumThreads: n must be between 1 and 1024, got " + std::to_string(n));
  envData(info.Env())->ctx->pool.resize(n);
  blasSetNumThreads(n);
  return info.Env().Undefined();
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), envData(info.Env())->ctx->pool.numThreads());
}

static Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("coreType", blasCoreName());
  o.Set("config", blasConfig());
  o.Set("numThreads", blasGetNumThreads());
  return o;
}

void registerStorage(Napi::Env env, Napi::Object exports) {
  EnvData* ed = new EnvData();
  int threads = defaultThreads();
  ed->ctx = new Context(threads);
  blasSetNumThreads(threads);
  env.SetInstanceData<EnvData>(ed);  // deleted at environment teardown; Context lives while storages do
  TF_EXPORT(exports, "init", Init);
  TF_EXPORT(exports, "empty", Empty);
  TF_EXPORT(exports, "fromTypedArray", FromTypedArray);
  TF_EXPORT(exports, "toTypedArray", ToTypedArray);
  TF_EXPORT(exports, "free", Free);
  TF_EXPORT(exports, "isFreed", IsFreed);
  TF_EXPORT(exports, "memory", Memory);
  TF_EXPORT(exports, "emptyCache", EmptyCache);
  TF_EXPORT(exports, "setMaxCachedBytes", SetMaxCachedBytes);
  TF_EXPORT(exports, "setNumThreads", SetNumThreads);
  TF_EXPORT(exports, "getNumThreads", GetNumThreads);
  TF_EXPORT(exports, "blasInfo", BlasInfo);
}

}  // namespace tf
