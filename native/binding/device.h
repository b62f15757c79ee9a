// Device dispatch for entry points: the operands' storage device picks the Backend, once
// per call. Mixed devices are refused with one error naming both; an entry the backend
// lacks is refused before anything is allocated.
#pragma once
#include <initializer_list>
#include <string>

#include "../backend/backend.h"
#include "common.h"

namespace tf {

[[noreturn]] void failMixedDevices(const char* op, int a, int b);
[[noreturn]] void failNotOnDevice(const char* op, int device);
const Backend& backendFor(int device, const char* op);

// The execution context for an op over these storages (nulls, e.g. scalar operands, are skipped).
inline Exec execFor(EnvData* ed, const char* op, std::initializer_list<const Storage*> operands) {
  int dev = -1;
  for (const Storage* s : operands) {
    if (!s) continue;
    if (dev < 0) dev = s->device;
    else if (s->device != dev) failMixedDevices(op, dev, s->device);
  }
  if (dev <= kCpu) return Exec{kCpu, &cpuBackend(), &ed->ctx->pool};
  return Exec{dev, &backendFor(dev, op), &ed->ctx->pool};
}

// The kernel `fn` of ex's backend, or ERR_DEVICE "<op> is not implemented on <device> yet".
template <typename Fn>
inline Fn need(Fn fn, const Exec& ex, const char* op) {
  if (!fn) failNotOnDevice(op, ex.device);
  return fn;
}

// A new contiguous output on ex's device; freed by guarded<> if the call throws later.
inline Napi::Value newOutput(Napi::Env env, EnvData* ed, const Exec& ex, int64_t numel, int dtype, const char* op,
                               Storage** out) {
  int64_t bytes = checkedMul(numel, (int64_t)dtypeSize(dtype), op);
  *out = newStorage(ed->ctx, (size_t)bytes, dtype, ex.device);
  ed->pending.push_back(*out);
  return wrapStorage(env, *out);
}

}  // namespace tf
