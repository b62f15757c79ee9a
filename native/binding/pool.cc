// Entry points of the pool family (issue 9): prepare on the JS thread, run through ex.run.
// Inputs are contiguous planes at an offset (lib/ops/pool.ts makes them so); the geometry
// (native/backend/pool.h) travels as plain numbers and is re-validated here.
//   poolForward(kind, dtype, x, xOff, planes, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, flags, divisor)
//     kind 0 max (-> [out]), 1 max with indices (-> [out, idx int32]), 2 avg (-> [out]);
//     flags: 1 adaptive windows, 2 countIncludePad
//   poolBackward(kind, dtype, g, gOff, idx, idxOff, <geometry as above>) -> dx (planes x H x W);
//     kind 0 max (through idx), 2 avg (idx ignored: pass g's handle)
//   resample(backward, dtype, x, xOff, planes, H, W, OH, OW, mode, alignCorners, scaleH, scaleW)
//     -> out (OH x OW planes), or with backward = 1 the gradient (H x W planes) of x = g (OH x OW)
#include <cmath>

#include "../cpu/pool.h"
#include "device.h"

namespace tf {

namespace {


// A size, kernel, stride, pad or dilation: an integer in [lo, 2^31).
int64_t geomArg(const Napi::CallbackInfo& info, size_t i, const char* op, const char* name, int64_t lo) {
  const int64_t v = argInt64(info, i, op);
  if (v < lo || v > 2147483647)
    fail("ERR_ARGUMENT", std::string(op) + ": " + name + " must be an integer in [" + std::to_string(lo) +
                             ", 2^31), got " + std::to_string(v));
  return v;
}

int floatDType(const Napi::CallbackInfo& info, size_t i, const char* op) {
  const int dt = argDType(info, i, op);
  if (dt != kF32 && dt != kF64)
    fail("ERR_DTYPE", std::string(op) + ": input must be float32 or float64, got " + dtypeName(dt));
  return dt;
}

// Reads the geometry at info[at ...] (planes, H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, flags, divisor).
PoolGeom readGeom(const Napi::CallbackInfo& info, size_t at, const char* op) {
  PoolGeom g;
  g.planes = geomArg(info, at, op, "planes", 0);
  g.H = geomArg(info, at + 1, op, "H", 0);
  g.W = geomArg(info, at + 2, op, "W", 0);
  g.OH = geomArg(info, at + 3, op, "OH", 0);
  g.OW = geomArg(info, at + 4, op, "OW", 0);
  const int flags = argInt(info, at + 13, op);
  g.adaptive = (flags & 1) != 0;
  g.countIncludePad = (flags & 2) != 0;
  const int64_t k = g.adaptive ? 0 : 1;  // adaptive windows ignore these
  g.kh = geomArg(info, at + 5, op, "kernel height", k);
  g.kw = geomArg(info, at + 6, op, "kernel width", k);
  g.sh = geomArg(info, at + 7, op, "stride height", k);
  g.sw = geomArg(info, at + 8, op, "stride width", k);
  g.ph = geomArg(info, at + 9, op, "padding height", 0);
  g.pw = geomArg(info, at + 10, op, "padding width", 0);
  g.dh = geomArg(info, at + 11, op, "dilation height", k);
  g.dw = geomArg(info, at + 12, op, "dilation width", k);
  g.divisor = argInt64(info, at + 14, op);
  if (g.divisor < -2147483647 || g.divisor > 2147483647)
    fail("ERR_ARGUMENT", std::string(op) + ": divisor must be an int32, got " + std::to_string(g.divisor));
  // the window arithmetic of poolAxis (o*stride - pad + (k-1)*dilation) must stay far inside int64
  if ((double)g.OH * g.sh + (double)g.kh * g.dh > 4e18 || (double)g.OW * g.sw + (double)g.kw * g.dw > 4e18)
    fail("ERR_ARGUMENT", std::string(op) + ": window geometry too large (output size x stride + kernel x dilation)");
  if (g.H * g.W > 2147483647)
    fail("ERR_SHAPE", std::string(op) + ": an input plane of " + std::to_string(g.H) + " x " + std::to_string(g.W) +
                          " has more than 2^31 - 1 elements (int32 indices)");
  if (g.adaptive && ((g.OH == 0 && g.H > 0) || (g.OW == 0 && g.W > 0)))
    fail("ERR_ARGUMENT", std::string(op) + ": adaptive output size must be positive");
  return g;
}

const char* poolName(int kind, bool backward) {
  if (kind == 2) return backward ? "avgPool.backward" : "avgPool";
  return backward ? "maxPool.backward" : "maxPool";
}

Napi::Value PoolForward(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  const int kind = argInt(info, 0, "pool");
  if (kind < 0 || kind > 2) fail("ERR_ARGUMENT", "pool: unknown kind " + std::to_string(kind));
  const char* op = poolName(kind, false);
  const int dt = floatDType(info, 1, op);
  Storage* xs = argStorage(info, 2, op);
  const int64_t xOff = argInt64(info, 3, op);
  const PoolGeom g = readGeom(info, 4, op);
  checkDType(xs, dt, op, "input");
  const int64_t inN = checkedMul(g.planes, checkedMul(g.H, g.W, op), op);
  const int64_t outN = checkedMul(g.planes, checkedMul(g.OH, g.OW, op), op);
  checkExtent(flatRun(inN), 0, xOff, xs, op, "input");
  const Exec ex = execFor(ed, op, {xs});
  auto maxK = kind == 2 ? nullptr : need(ex.backend->pool.maxForward, ex, op);
  auto avgK = kind == 2 ? need(ex.backend->pool.avgForward, ex, op) : nullptr;
  Napi::Env env = info.Env();
  Napi::Array res = Napi::Array::New(env, kind == 1 ? 2 : 1);
  Storage *out, *idx = nullptr;
  res.Set(0u, newOutput(env, ed, ex, outN, dt, op, &out));
  if (kind == 1) res.Set(1u, newOutput(env, ed, ex, outN, kI32, op, &idx));
  if (outN == 0) return res;
  const void* x = static_cast<const uint8_t*>(xs->data) + xOff * (int64_t)dtypeSize(dt);
  void* o = out->data;
  int32_t* ip = idx ? static_cast<int32_t*>(idx->data) : nullptr;
  if (kind == 2) ex.run([=] { avgK(ex, dt, g, x, o); });
  else ex.run([=] { maxK(ex, dt, g, x, o, ip); });
  return res;
}

Napi::Value PoolBackward(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  const int kind = argInt(info, 0, "pool.backward");
  if (kind != 0 && kind != 2) fail("ERR_ARGUMENT", "pool.backward: unknown kind " + std::to_string(kind));
  const char* op = poolName(kind, true);
  const int dt = floatDType(info, 1, op);
  Storage* gs = argStorage(info, 2, op);
  const int64_t gOff = argInt64(info, 3, op);
  Storage* is = argStorage(info, 4, op);
  const int64_t iOff = argInt64(info, 5, op);
  const PoolGeom g = readGeom(info, 6, op);
  checkDType(gs, dt, op, "grad");
  const int64_t inN = checkedMul(g.planes, checkedMul(g.H, g.W, op), op);
  const int64_t outN = checkedMul(g.planes, checkedMul(g.OH, g.OW, op), op);
  checkExtent(flatRun(outN), 0, gOff, gs, op, "grad");
  if (kind == 0) {
    checkDType(is, kI32, op, "indices");
    checkExtent(flatRun(outN), 0, iOff, is, op, "indices");
  }
  const Exec ex = execFor(ed, op, {gs, kind == 0 ? is : nullptr});
  auto maxK = kind == 0 ? need(ex.backend->pool.maxBackward, ex, op) : nullptr;
  auto avgK = kind == 2 ? need(ex.backend->pool.avgBackward, ex, op) : nullptr;
  Storage* out;
  Napi::Value h = newOutput(info.Env(), ed, ex, inN, dt, op, &out);
  if (inN == 0) return h;
  const void* gp = static_cast<const uint8_t*>(gs->data) + gOff * (int64_t)dtypeSize(dt);
  void* o = out->data;
  if (kind == 2) {
    ex.run([=] { avgK(ex, dt, g, gp, o); });
  } else {
    const int32_t* ip = static_cast<const int32_t*>(is->data) + iOff;
    ex.run([=] { maxK(ex, dt, g, gp, ip, o); });
  }
  return h;
}

Napi::Value Resample(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  const bool backward = argInt(info, 0, "interpolate") != 0;
  const char* op = backward ? "interpolate.backward" : "interpolate";
  const int dt = floatDType(info, 1, op);
  Storage* xs = argStorage(info, 2, op);
  const int64_t xOff = argInt64(info, 3, op);
  ResampleGeom g;
  g.planes = geomArg(info, 4, op, "planes", 0);
  g.H = geomArg(info, 5, op, "H", 0);
  g.W = geomArg(info, 6, op, "W", 0);
  g.OH = geomArg(info, 7, op, "OH", 0);
  g.OW = geomArg(info, 8, op, "OW", 0);
  g.mode = argInt(info, 9, op);
  if (g.mode != 0 && g.mode != 1) fail("ERR_ARGUMENT", std::string(op) + ": unknown mode " + std::to_string(g.mode));
  g.alignCorners = argInt(info, 10, op) != 0;
  g.scaleH = argDouble(info, 11, op);
  g.scaleW = argDouble(info, 12, op);
  if (!(g.scaleH >= 0) || !(g.scaleW >= 0) || !std::isfinite(g.scaleH) || !std::isfinite(g.scaleW))
    fail("ERR_ARGUMENT", std::string(op) + ": scale factors must be finite and >= 0");
  if ((g.H == 0 || g.W == 0 || g.OH == 0 || g.OW == 0) && g.planes > 0)
    fail("ERR_SHAPE", std::string(op) + ": input and output sizes must be positive, got " + std::to_string(g.H) + "x" +
                          std::to_string(g.W) + " -> " + std::to_string(g.OH) + "x" + std::to_string(g.OW));
  checkDType(xs, dt, op, "input");
  const int64_t inN = checkedMul(g.planes, checkedMul(g.H, g.W, op), op);
  const int64_t outN = checkedMul(g.planes, checkedMul(g.OH, g.OW, op), op);
  checkExtent(flatRun(backward ? outN : inN), 0, xOff, xs, op, "input");
  const Exec ex = execFor(ed, op, {xs});
  auto kernel = need(backward ? ex.backend->pool.resampleBackward : ex.backend->pool.resampleForward, ex, op);
  Storage* out;
  const int64_t n = backward ? inN : outN;
  Napi::Value h = newOutput(info.Env(), ed, ex, n, dt, op, &out);
  if (n == 0) return h;
  const void* x = static_cast<const uint8_t*>(xs->data) + xOff * (int64_t)dtypeSize(dt);
  void* o = out->data;
  ex.run([=] { kernel(ex, dt, g, x, o); });
  return h;
}

}  // namespace

void registerPool(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "poolForward", PoolForward);
  TF_EXPORT(exports, "poolBackward", PoolBackward);
  TF_EXPORT(exports, "resample", Resample);
}

}  // namespace tf
