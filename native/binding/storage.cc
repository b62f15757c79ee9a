// Storage lifecycle, host transfers, memory statistics and thread settings.
#include <cstdlib>
#include <cstring>
#include <thread>

#include "../cpu/blas.h"
#include "device.h"

namespace tf {

static int defaultThreads() {
  int n = 0;
  for (const char* var : {"TAPEFLOW_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}) {
    if (const char* v = std::getenv(var)) {
      n = std::atoi(v);
      if (n > 0) break;
    }
  }
  if (n <= 0) {
    unsigned hc = std::thread::hardware_concurrency();
    n = hc ? (int)hc : 1;
  }
  return n < ThreadPool::maxThreads() ? n : ThreadPool::maxThreads();
}

// The shapes-and-strides buffer of this environment (see common.h). The addon owns it and
// every copy of the JS layer over this addon (jest.resetModules(), a cleared require cache,
// two packages resolving to one build) gets this same buffer from init(): a copy that
// registered its own buffer would redirect the others' calls to it.
static constexpr size_t kMetaLength = 8192;

// init(ErrorClass) -> { meta: Float64Array, threads, maxThreads }. The first call registers
// the error class native errors are made of (lib/core/errors.ts makes `instanceof` hold for
// every copy's class); later calls return the same buffer.
static Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = env.GetInstanceData<EnvData>();
  if (info.Length() < 1 || !info[0].IsFunction()) throwJs(env, "ERR_ARGUMENT", "init(ErrorClass)");
  if (!ed->meta) {
    Napi::Float64Array meta = Napi::Float64Array::New(env, kMetaLength);
    ed->metaRef = Napi::Persistent(meta);
    ed->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
    ed->meta = meta.Data();
    ed->metaLen = meta.ElementLength();
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("meta", ed->metaRef.Value());
  r.Set("threads", ed->ctx->pool.numThreads());
  r.Set("maxThreads", ThreadPool::maxThreads());
  return r;
}

// empty(numel, dtype, device = 0) -> handle (uninitialised)
static Napi::Value Empty(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  int64_t n = argInt64(info, 0, "empty");
  int dt = argDType(info, 1, "empty");
  int dev = info.Length() > 2 && !info[2].IsUndefined() ? argInt(info, 2, "empty") : kCpu;
  if (n < 0) fail("ERR_SHAPE", "empty: negative element count");
  Storage* s;
  if (dev == kCpu) return newOutput(info.Env(), ed, n, dt, "empty", &s);
  const Exec ex{dev, &backendFor(dev, "empty"), &ed->ctx->pool};
  return newOutput(info.Env(), ed, ex, n, dt, "empty", &s);
}

// fromTypedArray(typedArray, dtype) -> handle holding a copy of its bytes. The bytes are
// taken from the typed array's own view, so one over a SharedArrayBuffer works too (Napi's
// ArrayBuffer accessors refuse a SharedArrayBuffer).
static Napi::Value FromTypedArray(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  if (!info[0].IsTypedArray()) fail("ERR_ARGUMENT", "fromTypedArray: expected a TypedArray");
  int dt = argDType(info, 1, "fromTypedArray");
  napi_typedarray_type type;
  size_t n = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(info.Env(), info[0], &type, &n, &data, nullptr, nullptr) != napi_ok)
    fail("ERR_ARGUMENT", "fromTypedArray: cannot read the typed array");
  size_t esz = dtypeSize(dt);
  size_t tsz;
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: tsz = 1; break;
    case napi_int16_array: case napi_uint16_array: tsz = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: tsz = 4; break;
    default: tsz = 8; break;
  }
  if (tsz != esz) fail("ERR_DTYPE", "fromTypedArray: typed array element size does not match dtype");
  Storage* s;
  Napi::Value h = newOutput(info.Env(), ed, (int64_t)n, dt, "fromTypedArray", &s);
  if (n) {
    if (!data) fail("ERR_ARGUMENT", "fromTypedArray: the typed array's buffer is detached");
    std::memcpy(s->data, data, n * esz);
  }
  return h;
}

// Node 18-20 refuse typed arrays longer than 2^32 elements (buffer.constants.MAX_LENGTH).
static constexpr int64_t kMaxTypedArrayLength = int64_t(1) << 32;

// A new ArrayBuffer of `bytes`, or ERR_OUT_OF_MEMORY. napi_create_arraybuffer (V8's
// ArrayBuffer::New) aborts the whole process when the allocation fails, so a large one is
// first tried with malloc (after giving our cached blocks back if that fails): once that
// succeeds, V8's allocation of the same size does too.
static Napi::ArrayBuffer newArrayBuffer(Napi::Env env, Context* ctx, size_t bytes, const char* op) {
  if (bytes >= (size_t(1) << 20)) {
    void* probe = std::malloc(bytes);
    if (!probe) {
      ctx->alloc.emptyCache();
      probe = std::malloc(bytes);
    }
    if (!probe) fail("ERR_OUT_OF_MEMORY", std::string(op) + ": cannot allocate " + std::to_string(bytes) + " bytes for the JS copy");
    std::free(probe);
  }
  return Napi::ArrayBuffer::New(env, bytes);
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
  if (n > kMaxTypedArrayLength)
    fail("ERR_OUT_OF_MEMORY", "dataSync: " + std::to_string(n) + " elements are more than the " +
                                  std::to_string(kMaxTypedArrayLength) + " a JS typed array can hold");
  Napi::ArrayBuffer ab = newArrayBuffer(env, s->ctx, (size_t)n * esz, "dataSync");
  if (n) std::memcpy(ab.Data(), static_cast<uint8_t*>(s->data) + off * esz, (size_t)n * esz);
  switch (s->dtype) {
    case kF32: return Napi::Float32Array::New(env, (size_t)n, ab, 0);
    case kF64: return Napi::Float64Array::New(env, (size_t)n, ab, 0);
    case kI32: return Napi::Int32Array::New(env, (size_t)n, ab, 0);
    default: return Napi::Uint8Array::New(env, (size_t)n, ab, 0);
  }
}

// free(handle): return the buffer to the cache now. Freeing twice is a no-op; a handle this
// environment never issued (another thread's tensor, a forged number) is an error.
static Napi::Value Free(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  double d = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d < 9007199254740992.0)) fail("ERR_ARGUMENT", "dispose: not a tensor storage");
  if (Storage* s = ed->ctx->table.get((uint64_t)d)) destroyStorage(s);
  else if (!ed->ctx->table.wasFreed((uint64_t)d)) failHandle(info.Env(), ed->ctx, d, 0, "dispose");
  return info.Env().Undefined();
}

static Napi::Value IsFreed(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  double d = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  return Napi::Boolean::New(info.Env(), !(d >= 0 && d < 9007199254740992.0) || !ed->ctx->table.get((uint64_t)d));
}

static Napi::Value Memory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  Context* c = ed->ctx;
  if (c->hasRemoteFrees.load(std::memory_order_acquire)) c->drainRemoteFrees();
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
  Context* c = envData(info)->ctx;
  c->drainRemoteFrees();
  c->alloc.emptyCache();
  return info.Env().Undefined();
}

// _freeOnThreads(handles: Float64Array, threads): test hook. Releases the storages from
// `threads` other threads at once, as kernels run off the JS thread will, and returns how many
// it handed over; they are freed here at the next allocation or memory query.
static Napi::Value FreeOnThreads(const Napi::CallbackInfo& info) {
  Context* c = envData(info)->ctx;
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    fail("ERR_ARGUMENT", "_freeOnThreads: handles must be a Float64Array");
  Napi::Float64Array hs = info[0].As<Napi::Float64Array>();
  int64_t threads = argInt64(info, 1, "_freeOnThreads");
  if (threads < 1 || threads > 64) fail("ERR_ARGUMENT", "_freeOnThreads: threads must be in [1, 64]");
  std::vector<Storage*> ss;
  for (size_t i = 0; i < hs.ElementLength(); i++) {
    const double d = hs[i];
    if (Storage* s = d >= 0 && d < 9007199254740992.0 ? c->table.get((uint64_t)d) : nullptr) ss.push_back(s);
  }
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < threads; t++)
    pool.emplace_back([&ss, t, threads] {
      for (size_t i = (size_t)t; i < ss.size(); i += (size_t)threads) destroyStorage(ss[i]);
    });
  for (std::thread& th : pool) th.join();
  return Napi::Number::New(info.Env(), (double)ss.size());
}

static Napi::Value SetMaxCachedBytes(const Napi::CallbackInfo& info) {
  int64_t b = argInt64(info, 0, "setMaxCachedBytes");
  if (b < 0) fail("ERR_ARGUMENT", "setMaxCachedBytes: bytes must be >= 0");
  envData(info)->ctx->alloc.setMaxCachedBytes((size_t)b);
  return info.Env().Undefined();
}

// setNumThreads(n): our pool first, then OpenBLAS, so a pool the system refuses leaves both
// at their previous count (OpenBLAS ignores a failed pthread_create and would hang on the
// threads it thinks it has).
static Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = argInt(info, 0, "setNumThreads");
  const int maxN = ThreadPool::maxThreads();
  if (n < 1 || n > maxN)
    fail("ERR_ARGUMENT", "setNumThreads: n must be between 1 and " + std::to_string(maxN) + " (4 per core), got " + std::to_string(n));
  envData(info)->ctx->pool.resize(n);
  blasSetNumThreads(n);
  return info.Env().Undefined();
}

static Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), envData(info)->ctx->pool.numThreads());
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
  blasSetNumThreads(ed->ctx->pool.numThreads());  // the pool may have got fewer threads than asked
  env.SetInstanceData<EnvData>(ed);  // deleted at environment teardown; Context lives while storages do
  TF_EXPORT(exports, "init", Init);
  TF_EXPORT(exports, "empty", Empty);
  TF_EXPORT(exports, "fromTypedArray", FromTypedArray);
  TF_EXPORT(exports, "toTypedArray", ToTypedArray);
  TF_EXPORT(exports, "free", Free);
  TF_EXPORT(exports, "isFreed", IsFreed);
  TF_EXPORT(exports, "memory", Memory);
  TF_EXPORT(exports, "emptyCache", EmptyCache);
  TF_EXPORT(exports, "_freeOnThreads", FreeOnThreads);
  TF_EXPORT(exports, "setMaxCachedBytes", SetMaxCachedBytes);
  TF_EXPORT(exports, "setNumThreads", SetNumThreads);
  TF_EXPORT(exports, "getNumThreads", GetNumThreads);
  TF_EXPORT(exports, "blasInfo", BlasInfo);
}

}  // namespace tf
