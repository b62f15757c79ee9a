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

struct EnvData {
  Context* ctx = nullptr;
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

// Throws the tapeflow error class (registered by init) with a code; falls back to Error.
[[noreturn]] void throwJs(Napi::Env env, const std::string& code, const std::string& msg);

// Runs an entry point, turning tf::Error and std exceptions into JS errors.
void dropPendingOutputs(Napi::Env env);
void clearPendingOutputs(Napi::Env env);

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value guarded(const Napi::CallbackInfo& info) {
  try {
    Napi::Value r = F(info);
    clearPendingOutputs(info.Env());
    return r;
  } catch (const Error& e) {
    dropPendingOutputs(info.Env());
    throwJs(info.Env(), e.code, e.what());
  } catch (const Napi::Error&) {
    dropPendingOutputs(info.Env());
    throw;
  } catch (const std::bad_alloc&) {
    dropPendingOutputs(info.Env());
    throwJs(info.Env(), "ERR_OUT_OF_MEMORY", "out of memory");
  } catch (const std::exception& e) {
    dropPendingOutputs(info.Env());
    throwJs(info.Env(), "ERR_INTERNAL", e.what());
  }
}

// Storage for the handle (a number) at argument i; throws a clear error for a wrong type
// or a disposed tensor.
Storage* argStorage(const Napi::CallbackInfo& info, size_t i, const char* op);
int argInt(const Napi::CallbackInfo& info, size_t i, const char* op);
int64_t argInt64(const Napi::CallbackInfo& info, size_t i, const char* op);
double argDouble(const Napi::CallbackInfo& info, size_t i, const char* op);
int argDType(const Napi::CallbackInfo& info, size_t i, const char* op);

// The JS handle of a new Storage: a number. lib/tensor.ts hands it to track() at once,
// which ties the storage's lifetime to a JS object (freed when that is collected).
Napi::Value wrapStorage(Napi::Env env, Storage* s);
// Allocates storage for `numel` elements of dtype and wraps it.
Storage* allocStorage(EnvData* ed, int64_t numel, int dtype, const char* op);

// Reads meta starting at `pos`: ndim, shape[ndim], then nops stride arrays.
// Advances pos. Checks every operand's extent lies inside its storage (elements
// `offset + sum((shape-1)*stride)` for positive and negative strides).
template <int NOPS>
void readLayout(EnvData* ed, size_t& pos, StridedLayout<NOPS>& L, const char* op) {
  if (pos + 1 > ed->metaLen) fail("ERR_ARGUMENT", std::string(op) + ": metadata overflow");
  double nd = ed->meta[pos];
  if (!(nd >= 0 && nd <= kMaxDims) || nd != (int)nd)
    fail("ERR_RANK", std::string(op) + ": rank must be 0.." + std::to_string(kMaxDims));
  int n = (int)nd;
  if (pos + 1 + (size_t)n * (NOPS + 1) > ed->metaLen) fail("ERR_ARGUMENT", std::string(op) + ": metadata overflow");
  const double* strd[NOPS];
  for (int k = 0; k < NOPS; k++) strd[k] = ed->meta + pos + 1 + n * (k + 1);
  L.load(n, ed->meta + pos + 1, strd, op);
  pos += 1 + (size_t)n * (NOPS + 1);
}

// Checks that operand k of L, starting at element `offset`, stays inside storage s.
template <int NOPS>
void checkExtent(const StridedLayout<NOPS>& L, int k, int64_t offset, const Storage* s, const char* op, const char* arg) {
  int64_t cap = (int64_t)(s->nbytes / dtypeSize(s->dtype));
  if (L.numel == 0) {
    if (offset < 0 || offset > cap) fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": " + arg + " offset out of bounds");
    return;
  }
  int64_t lo = offset, hi = offset;
  for (int d = 0; d < L.ndim; d++) {
    int64_t span = (L.shape[d] - 1) * L.strides[k][d];
    if (span < 0) lo += span; else hi += span;
  }
  if (lo < 0 || hi >= cap)
    fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": " + arg + " view reaches outside its storage (elements " +
                                  std::to_string(lo) + ".." + std::to_string(hi) + " of " + std::to_string(cap) + ")");
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
void registerSort(Napi::Env env, Napi::Object exports);

#define TF_EXPORT(exports, name, fn) \
  exports.Set(name, Napi::Function::New(env, ::tf::guarded<fn>, name))

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
