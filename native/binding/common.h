// Shared helpers for the JS-facing entry points. Only binding/ includes napi.h.
//
// Argument passing: shapes and strides travel through `meta`, a Float64Array that JS
// fills before each call (one per environment, registered by init()). Reading it costs
// nothing, where unpacking JS arrays would cost ~50 ns per element.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "../core/context.h"
#include "../core/dtype.h"
#include "../core/error.h"
#include "../core/shape.h"

namespace tf {

struct Tracker;  // track.cc

struct EnvData {
  Context* ctx = nullptr;
  Tracker* tracker = nullptr;  // GC tracking state (track.cc), owned by its cleanup hook
  double* meta = nullptr;
  size_t metaLen = 0;
  Napi::Reference<Napi::Float64Array> metaRef;
  Napi::FunctionReference errorClass;
  std::vector<Storage*> pending;  // outputs of the call in progress (freed if it throws)
  ~EnvData() {
    if (ctx) ctx->unref();
  }
};

EnvData* envData(Napi::Env env);
[[noreturn]] void failNotInitialized(Napi::Env env);
// Every entry point gets the EnvData as its function data (TF_EXPORT), so a call reads it
// from the callback info instead of napi_get_instance_data (several lookups per small op).
inline EnvData* envData(const Napi::CallbackInfo& info) {
  EnvData* ed = static_cast<EnvData*>(info.Data());
  if (!ed->meta) failNotInitialized(info.Env());
  return ed;
}

// Throws the tapeflow error class (registered by init) with a code; falls back to Error.
[[noreturn]] void throwJs(Napi::Env env, const std::string& code, const std::string& msg);

// Runs an entry point, turning tf::Error and std exceptions into JS errors.
void dropPendingOutputs(EnvData* ed);

// The function data of every entry point is its environment's EnvData (TF_EXPORT).
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  EnvData* ed = static_cast<EnvData*>(info.Data());
  try {
    Napi::Value r = F(info);
    ed->pending.clear();
    return r;
  } catch (const Error& e) {
    dropPendingOutputs(ed);
    throwJs(info.Env(), e.code, e.what());
  } catch (const Napi::Error&) {
    dropPendingOutputs(ed);
    throw;
  } catch (const std::bad_alloc&) {
    dropPendingOutputs(ed);
    throwJs(info.Env(), "ERR_OUT_OF_MEMORY", "out of memory");
  } catch (const std::exception& e) {
    dropPendingOutputs(ed);
    throwJs(info.Env(), "ERR_INTERNAL", e.what());
  }
}

// Storage for the handle (a number) at argument i; throws a clear error for a wrong type
// or a disposed tensor.
Storage* argStorage(const Napi::CallbackInfo& info, size_t i, const char* op);
// The error for a handle (argument i, a number in [0, 2^53)) the table refused: ERR_DISPOSED
// for one of ours already freed, ERR_ARGUMENT for one never issued here.
[[noreturn]] void failHandle(Napi::Env env, Context* ctx, double d, size_t i, const char* op);
int argInt(const Napi::CallbackInfo& info, size_t i, const char* op);
int64_t argInt64(const Napi::CallbackInfo& info, size_t i, const char* op);
double argDouble(const Napi::CallbackInfo& info, size_t i, const char* op);
int argDType(const Napi::CallbackInfo& info, size_t i, const char* op);

// The JS handle of a new Storage: a number. lib/tensor.ts hands it to track()/trackBatch()
// (binding/track.cc), which tie the storage's lifetime to JS objects (freed when collected).
Napi::Value wrapStorage(Napi::Env env, Storage* s);
// Allocates storage for `numel` elements of dtype and wraps it.
Storage* allocStorage(EnvData* ed, int64_t numel, int dtype, const char* op);

// Reads meta starting at `pos`: ndim, shape[ndim], then NOPS stride arrays; advances pos.
// A layout at pos 0 is consumed: meta[0] becomes NaN once read, so a call whose layout was
// overwritten after JS wrote it (a valueOf, getter or Proxy trap of an argument ran another op
// in between, whose own call consumed meta) fails with a clear error instead of computing on
// the other op's shapes. Costs one store.
template <int NOPS>
void readLayout(EnvData* ed, size_t& pos, StridedLayout<NOPS>& L, const char* op) {
  if (pos + 1 > ed->metaLen) fail("ERR_ARGUMENT", std::string(op) + ": metadata overflow");
  double nd = ed->meta[pos];
  if (nd != nd)
    fail("ERR_ARGUMENT", std::string(op) + ": its shape metadata was used up by another call (user code — a valueOf, "
                                           "getter or Proxy trap of an argument — ran a tapeflow op in the middle of this one)");
  if (!(nd >= 0 && nd <= kMaxDims) || nd != (int)nd)
    fail("ERR_RANK", std::string(op) + ": rank must be 0.." + std::to_string(kMaxDims));
  int n = (int)nd;
  if (pos + 1 + (size_t)n * (NOPS + 1) > ed->metaLen) fail("ERR_ARGUMENT", std::string(op) + ": metadata overflow");
  const double* strd[NOPS];
  for (int k = 0; k < NOPS; k++) strd[k] = ed->meta + pos + 1 + n * (k + 1);
  L.load(n, ed->meta + pos + 1, strd, op);
  if (pos == 0) ed->meta[0] = __builtin_nan("");
  pos += 1 + (size_t)n * (NOPS + 1);
}

// The errors of checkExtent, out of line (cold): offset outside [0, cap], or a view reaching outside.
[[noreturn]] __attribute__((cold)) void failOffset(const char* op, const char* arg, int64_t offset, int64_t cap);
[[noreturn]] __attribute__((cold)) void failExtent(const char* op, const char* arg, int64_t lo, int64_t hi, int64_t cap, bool overflow);

// Checks that operand k of L, starting at element `offset`, stays inside storage s, plus
// an optional extra dim (extraDim items extraStride apart: the indexed axis of gather /
// scatter). Every span is overflow-checked: strides, offsets and dims were set by JS and may
// have been set by hand (t._strides = [6e18]) to wrap an int64 sum back inside the storage.
template <int NOPS>
inline void checkExtentWithAxis(const StridedLayout<NOPS>& L, int k, int64_t offset, int64_t extraDim, int64_t extraStride,
                                const Storage* s, const char* op, const char* arg) {
  const int64_t cap = (int64_t)(s->nbytes / dtypeSize(s->dtype));
  if (offset < 0 || offset > cap) failOffset(op, arg, offset, cap);
  if (extraDim < 0) fail("ERR_ARGUMENT", std::string(op) + ": negative size of the indexed axis of " + arg);
  if (L.numel == 0 || extraDim == 0) return;
  int64_t lo = offset, hi = offset, span;
  bool overflow = false;
  for (int d = 0; d <= L.ndim; d++) {
    const int64_t n = d < L.ndim ? L.shape[d] : extraDim, st = d < L.ndim ? L.strides[k][d] : extraStride;
    overflow |= __builtin_mul_overflow(n - 1, st, &span);
    overflow |= span < 0 ? __builtin_add_overflow(lo, span, &lo) : __builtin_add_overflow(hi, span, &hi);
  }
  if (overflow || lo < 0 || hi >= cap) failExtent(op, arg, lo, hi, cap, overflow);
}

// checkExtentWithAxis without the extra dim: what every entry point calls for every operand.
template <int NOPS>
inline void checkExtent(const StridedLayout<NOPS>& L, int k, int64_t offset, const Storage* s, const char* op, const char* arg) {
  const int64_t cap = (int64_t)(s->nbytes / dtypeSize(s->dtype));
  if (offset < 0 || offset > cap) failOffset(op, arg, offset, cap);
  if (L.numel == 0) return;
  int64_t lo = offset, hi = offset, span;
  bool overflow = false;
  for (int d = 0; d < L.ndim; d++) {
    overflow |= __builtin_mul_overflow(L.shape[d] - 1, L.strides[k][d], &span);
    overflow |= span < 0 ? __builtin_add_overflow(lo, span, &lo) : __builtin_add_overflow(hi, span, &hi);
  }
  if (overflow || lo < 0 || hi >= cap) failExtent(op, arg, lo, hi, cap, overflow);
}

inline void checkDType(const Storage* s, int dt, const char* op, const char* arg) {
  if (s->dtype != dt)
    fail("ERR_DTYPE", std::string(op) + ": " + arg + " has dtype " + dtypeName(s->dtype) + ", expected " + dtypeName(dt));
}

template <typename T>
inline T* dataAs(Storage* s, int64_t offset) { return static_cast<T*>(s->data) + offset; }

// Registration functions, one per feature file (called from addon.cc).
void registerStorage(Napi::Env env, Napi::Object exports);
void registerCopy(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerReduce(Napi::Env env, Napi::Object exports);
void registerMatmul(Napi::Env env, Napi::Object exports);
void registerLinalg(Napi::Env env, Napi::Object exports);
void registerIndex(Napi::Env env, Napi::Object exports);
void registerRandom(Napi::Env env, Napi::Object exports);
void registerOptim(Napi::Env env, Napi::Object exports);
void registerLoss(Napi::Env env, Napi::Object exports);
void registerDevice(Napi::Env env, Napi::Object exports);
void registerTrack(Napi::Env env, Napi::Object exports);
void registerSort(Napi::Env env, Napi::Object exports);
void registerConv(Napi::Env env, Napi::Object exports);
void registerPool(Napi::Env env, Napi::Object exports);
void registerNorm(Napi::Env env, Napi::Object exports);
void registerGemm(Napi::Env env, Napi::Object exports);  // test/bench hooks of native/cpu/gemm
void registerRnn(Napi::Env env, Napi::Object exports);
void registerEmbed(Napi::Env env, Napi::Object exports);
void registerIo(Napi::Env env, Napi::Object exports);  // checkpoint byte conversion (lib/io)

#define TF_EXPORT(exports, name, fn) \
  exports.Set(name, Napi::Function::New(env, ::tf::guarded<fn>, name, env.GetInstanceData<::tf::EnvData>()))

}  // namespace tf

namespace tf {
// Allocates an output of numel elements and returns its handle. If the entry point
// throws afterwards, guarded<> frees every output allocated during the call.
inline Napi::Value newOutput(Napi::Env env, EnvData* ed, int64_t numel, int dtype, const char* op, Storage** out) {
  *out = allocStorage(ed, numel, dtype, op);
  ed->pending.push_back(*out);
  return wrapStorage(env, *out);
}

}  // namespace tf
