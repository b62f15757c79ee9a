#include "common.h"

#include <cmath>

namespace tf {

EnvData* envData(Napi::Env env) {
  EnvData* ed = env.GetInstanceData<EnvData>();
  if (!ed || !ed->meta) failNotInitialized(env);
  return ed;
}

void failNotInitialized(Napi::Env env) {
  throwJs(env, "ERR_NOT_INITIALIZED", "tapeflow native addon used before init()");
}

void dropPendingOutputs(EnvData* ed) {
  for (Storage* s : ed->pending) destroyStorage(s);
  ed->pending.clear();
}

void throwJs(Napi::Env env, const std::string& code, const std::string& msg) {
  EnvData* ed = env.GetInstanceData<EnvData>();
  Napi::Object err;
  if (ed && !ed->errorClass.IsEmpty()) {
    err = ed->errorClass.New({Napi::String::New(env, msg), Napi::String::New(env, code)});
  } else {
    err = Napi::Error::New(env, msg).Value();
    err.Set("code", code);
  }
  throw Napi::Error(env, err);
}

[[noreturn]] void failHandle(Napi::Env env, Context* ctx, double d, size_t i, const char* op) {
  if (ctx->table.wasFreed((uint64_t)d)) throwJs(env, "ERR_DISPOSED", std::string(op) + ": tensor was disposed");
  throwJs(env, "ERR_ARGUMENT", std::string(op) + ": argument " + std::to_string(i) +
                                   " is a tensor handle that does not belong to this thread (tensors cannot move between "
                                   "worker threads or copies of the addon: send the data, e.g. t.dataSync(), and rebuild it)");
}

Storage* argStorage(const Napi::CallbackInfo& info, size_t i, const char* op) {
  napi_value v = info[i];
  double d;
  if (napi_get_value_double(info.Env(), v, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0)
    throwJs(info.Env(), "ERR_ARGUMENT", std::string(op) + ": argument " + std::to_string(i) + " is not a tensor storage");
  EnvData* ed = static_cast<EnvData*>(info.Data());
  Storage* s = ed->ctx->table.get((uint64_t)d);
  if (!s) failHandle(info.Env(), ed->ctx, d, i, op);
  return s;
}

void failOffset(const char* op, const char* arg, int64_t offset, int64_t cap) {
  fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": " + arg + " offset " + std::to_string(offset) + " is outside its storage of " +
                                std::to_string(cap) + " elements");
}

void failExtent(const char* op, const char* arg, int64_t lo, int64_t hi, int64_t cap, bool overflow) {
  const std::string where = std::string(op) + ": " + arg + " view reaches outside its storage";
  if (overflow) fail("ERR_OUT_OF_BOUNDS", where + " (its strides overflow int64)");
  fail("ERR_OUT_OF_BOUNDS", where + " (elements " + std::to_string(lo) + ".." + std::to_string(hi) + " of " + std::to_string(cap) + ")");
}

[[noreturn]] static void failArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* what) {
  throwJs(info.Env(), "ERR_ARGUMENT", std::string(op) + ": argument " + std::to_string(i) + what);
}

// napi_get_value_double refuses a non-number itself: no separate type query on the hot path.
int64_t argInt64(const Napi::CallbackInfo& info, size_t i, const char* op) {
  double d;
  if (napi_get_value_double(info.Env(), info[i], &d) != napi_ok) failArg(info, i, op, " must be a number");
  if (!(std::fabs(d) <= 9007199254740992.0) || d != (double)(int64_t)d) failArg(info, i, op, " must be an integer");
  return (int64_t)d;
}

int argInt(const Napi::CallbackInfo& info, size_t i, const char* op) {
  int64_t v = argInt64(info, i, op);
  if (v < INT32_MIN || v > INT32_MAX) throwJs(info.Env(), "ERR_ARGUMENT", std::string(op) + ": argument " + std::to_string(i) + " out of int32 range");
  return (int)v;
}

double argDouble(const Napi::CallbackInfo& info, size_t i, const char* op) {
  double d;
  if (napi_get_value_double(info.Env(), info[i], &d) != napi_ok) failArg(info, i, op, " must be a number");
  return d;
}

int argDType(const Napi::CallbackInfo& info, size_t i, const char* op) {
  int dt = argInt(info, i, op);
  if (dt < 0 || dt > kBool) throwJs(info.Env(), "ERR_DTYPE", std::string(op) + ": unknown dtype code " + std::to_string(dt));
  return dt;
}

static void flushExternal(Napi::Env env, Context* ctx) {
  // V8 is told about native memory in 1 MiB steps so small ops skip the call.
  if (ctx->pendingExternal > (1 << 20) || ctx->pendingExternal < -(1 << 20)) {
    int64_t adjusted;
    napi_adjust_external_memory(env, ctx->pendingExternal, &adjusted);
    ctx->pendingExternal = 0;
  }
}

Napi::Value wrapStorage(Napi::Env env, Storage* s) {
  flushExternal(env, s->ctx);
  return Napi::Number::New(env, (double)s->handle);
}

Storage* allocStorage(EnvData* ed, int64_t numel, int dtype, const char* op) {
  int64_t bytes = checkedMul(numel, (int64_t)dtypeSize(dtype), op);
  return newStorage(ed->ctx, (size_t)bytes, dtype);
}

}  // namespace tf
