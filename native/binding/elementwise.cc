// binary(op, dtype, a, aOff, b | number, bOff) -> out handle.
// meta: layout of (out, a, b) over the broadcast output shape; out strides contiguous.
// A JS number for b is a weak scalar already converted to dtype by the caller.
#include "../cpu/elementwise.h"
#include "common.h"

namespace tf {

static Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(env);
  int op = argInt(info, 0, "binary");
  if (op < 0 || op >= kBinaryOpCount) fail("ERR_ARGUMENT", "binary: unknown op code " + std::to_string(op));
  int dt = argDType(info, 1, "binary");
  StridedLayout<3> L;
  size_t pos = 0;
  readLayout(ed, pos, L, "binary");
  Storage* a = argStorage(info, 2, "binary");
  int64_t aOff = argInt64(info, 3, "binary");
  checkDType(a, dt, "binary", "a");
  checkExtent(L, 1, aOff, a, "binary", "a");
  union { float f; double d; int32_t i; uint8_t u; } scalar;
  const void* bp;
  if (info[4].IsNumber()) {
    double v = info[4].As<Napi::Number>().DoubleValue();
    switch (dt) {
      case kF32: scalar.f = (float)v; break;
      case kF64: scalar.d = v; break;
      case kI32: scalar.i = (int32_t)v; break;
      default: scalar.u = v != 0; break;
    }
    bp = &scalar;
    for (int d = 0; d < L.ndim; d++) L.strides[2][d] = 0;
  } else {
    Storage* b = argStorage(info, 4, "binary");
    int64_t bOff = argInt64(info, 5, "binary");
    checkDType(b, dt, "binary", "b");
    checkExtent(L, 2, bOff, b, "binary", "b");
    bp = static_cast<uint8_t*>(b->data) + bOff * dtypeSize(dt);
  }
  int outDt = binaryYieldsBool(op) ? (int)kBool : dt;
  Storage* out;
  Napi::Value h = newOutput(env, ed, L.numel, outDt, "binary", &out);
  if (L.numel == 0) return h;
  {  // out is always a fresh contiguous tensor, whatever strides JS wrote
    int64_t s = 1;
    for (int d = L.ndim - 1; d >= 0; d--) {
      L.strides[0][d] = s;
      s *= L.shape[d];
    }
  }
  L.coalesce();
  binaryKernel(ed->ctx->pool, op, dt, L, out->data, static_cast<uint8_t*>(a->data) + aOff * dtypeSize(dt), bp);
  return h;
}

void registerElementwise(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "binary", Binary);
}

}  // namespace tf
