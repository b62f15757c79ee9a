// Entry points of the conv family (issue 9): prepare on the JS thread, run through ex.run.
//   convForward(dtype, N, C, H, W, O, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, G, x, xOff, w, wOff, bias, biasOff)
//     [, act [, packed [, out, outOff]]] -> handle of y [N, O, OH, OW]; bias = -1 for none; act 0 (default):
//     none, 1: relu after the bias; packed: -1 (default) or a handle convPrepack made from this weight; out:
//     -1 (default) or a storage of the dtype that y is written into at element outOff (contiguous; it must
//     not be an operand's), then the call returns undefined
//   convPrepack(dtype, <geometry as above>, w, wOff) -> [handle, numel] of the weights packed ahead for
//     inference (a flat buffer of the dtype; its layout is the kernel's), or -1 when this geometry packs nothing ahead
//   convBackwardInput(dtype, <geometry as above>, gy, gyOff, w, wOff) -> handle of dx [N, C, H, W]
//   convBackwardWeight(dtype, <geometry as above>, x, xOff, gy, gyOff) -> handle of dw [O, C/G, KH, KW]
// Every operand is contiguous (x NCHW, w OIHW, gy [N, O, OH, OW]); ph/pw are the top/left
// padding (the output size carries the rest). Geometry, dtypes and extents are all checked
// here: the kernels trust them.
#include <climits>

#include "../cpu/conv.h"
#include "../cpu/conv_winograd.h"
#include "device.h"

namespace tf {

namespace {


[[noreturn]] void badGeom(const char* op, const std::string& what) { fail("ERR_ARGUMENT", std::string(op) + ": " + what); }

struct ConvCall {
  EnvData* ed;
  int dt;
  ConvGeom g;
  int64_t xN, wN, yN;  // elements of input, weight, output
  ConvCall(const Napi::CallbackInfo& info, const char* op) : ed(envData(info)) {
    dt = argDType(info, 0, op);
    if (dt != kF32 && dt != kF64) fail("ERR_DTYPE", std::string(op) + ": dtype must be float32 or float64, got " + dtypeName(dt));
    int64_t v[16];
    for (int i = 0; i < 16; i++) v[i] = argInt64(info, 1 + i, op);
    g = ConvGeom{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
    for (int i = 0; i < 16; i++)
      if (v[i] < 0 || v[i] > INT_MAX)  // products of two then stay far inside int64
        badGeom(op, "geometry value " + std::to_string(v[i]) + " at position " + std::to_string(i) + " is outside [0, 2^31)");
    if (g.KH < 1 || g.KW < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.G < 1)
      badGeom(op, "kernel size, stride, dilation and groups must be >= 1");
    if (g.C % g.G || g.O % g.G) badGeom(op, "groups must divide the input and output channels");
    const int64_t Cg = g.C / g.G;
    xN = checkedMul(checkedMul(g.N, g.C, op), checkedMul(g.H, g.W, op), op);
    const int64_t K = checkedMul(Cg, checkedMul(g.KH, g.KW, op), op);
    wN = checkedMul(g.O, K, op);
    const int64_t P = checkedMul(g.OH, g.OW, op);
    yN = checkedMul(checkedMul(g.N, g.O, op), P, op);
    checkedMul(K, P, op);  // the im2col buffer
    if (K > INT_MAX || P > INT_MAX || g.H * g.W > INT_MAX) badGeom(op, "sizes exceed the BLAS int range");
  }
  const void* operand(const Napi::CallbackInfo& info, size_t i, int64_t n, const char* op, const char* arg, Storage** s) {
    *s = argStorage(info, i, op);
    const int64_t off = argInt64(info, i + 1, op);
    checkDType(*s, dt, op, arg);
    checkExtent(flatRun(n), 0, off, *s, op, arg);
    return static_cast<const uint8_t*>((*s)->data) + off * (int64_t)dtypeSize(dt);
  }
  // Scratch from the caching allocator (no fresh pages per call), freed by the run callable.
  Storage* scratch(const Exec& ex, int kind, const char* op) const {
    const int64_t n = ex.backend->conv.scratchElems ? ex.backend->conv.scratchElems(ex, kind, g) : 0;
    if (n <= 0) return nullptr;
    return newStorage(ed->ctx, (size_t)checkedMul(n, (int64_t)dtypeSize(dt), op), dt, ex.device);
  }
};

// Runs kernel(scratchData) and frees the scratch storage whatever happens.
template <typename F>
void runWithScratch(const Exec& ex, Storage* s, F&& kernel) {
  ex.run([=] {
    struct Free {
      Storage* s;
      ~Free() {
        if (s) destroyStorage(s);
      }
    } f{s};
    kernel(s ? s->data : nullptr);
  });
}

Napi::Value ConvForward(const Napi::CallbackInfo& info) {
  const char* op = "conv2d";
  ConvCall c(info, op);
  Storage *xs, *ws, *bs = nullptr;
  const void* x = c.operand(info, 17, c.xN, op, "input", &xs);
  const void* w = c.operand(info, 19, c.wN, op, "weight", &ws);
  const void* b = nullptr;
  if (argInt64(info, 21, op) != -1) b = c.operand(info, 21, c.g.O, op, "bias", &bs);
  int act = 0;
  if (info.Length() > 23 && !info[23].IsUndefined()) {
    const int64_t a = argInt64(info, 23, op);
    if (a != 0 && a != 1) badGeom(op, "act must be 0 (none) or 1 (relu), got " + std::to_string(a));
    act = (int)a;
  }
  Storage* ps = nullptr;
  if (info.Length() > 24 && !info[24].IsUndefined() && argInt64(info, 24, op) != -1) {
    ps = argStorage(info, 24, op);
    checkDType(ps, c.dt, op, "packed");
  }
  Storage* os = nullptr;
  int64_t oOff = 0;
  if (info.Length() > 26 && !info[25].IsUndefined() && argInt64(info, 25, op) != -1) {
    os = argStorage(info, 25, op);
    oOff = argInt64(info, 26, op);
    checkDType(os, c.dt, op, "out");
    checkExtent(flatRun(c.yN), 0, oOff, os, op, "out");
    if (os == xs || os == ws || os == bs || os == ps) badGeom(op, "out must not be the storage of an operand");
  }
  const Exec ex = execFor(c.ed, op, {xs, ws, bs, ps, os});
  auto kernel = need(ex.backend->conv.forward, ex, op);
  Storage* out = os;
  Napi::Value h = os ? info.Env().Undefined() : newOutput(info.Env(), c.ed, ex, c.yN, c.dt, op, &out);
  Storage* s = c.scratch(ex, ps ? kConvForwardPrepacked : kConvForward, op);
  const ConvGeom g = c.g;
  const int dt = c.dt;
  void* y = static_cast<uint8_t*>(out->data) + (os ? oOff * (int64_t)dtypeSize(dt) : 0);
  // the kernel trusts a packed buffer only after matching its header against this call, so any
  // storage of the dtype is safe to pass: its size in elements comes from the storage itself
  const void* pk = ps ? ps->data : nullptr;
  const int64_t pkN = ps ? (int64_t)(ps->nbytes / dtypeSize(dt)) : 0;
  runWithScratch(ex, s, [=](void* sp) { kernel(ex, dt, g, x, w, b, act, pk, pkN, y, sp); });
  return h;
}

Napi::Value ConvPrepack(const Napi::CallbackInfo& info) {
  const char* op = "conv2d";
  ConvCall c(info, op);
  Storage* ws;
  const void* w = c.operand(info, 17, c.wN, op, "weight", &ws);
  const Exec ex = execFor(c.ed, op, {ws});
  const int64_t n = ex.backend->conv.prepackElems ? ex.backend->conv.prepackElems(ex, c.dt, c.g) : 0;
  if (n <= 0 || !ex.backend->conv.prepack) return Napi::Number::New(info.Env(), -1);
  Storage* out;
  Napi::Value h = newOutput(info.Env(), c.ed, ex, n, c.dt, op, &out);
  auto kernel = ex.backend->conv.prepack;
  const ConvGeom g = c.g;
  const int dt = c.dt;
  void* dst = out->data;
  ex.run([=] { kernel(ex, dt, g, w, dst); });
  Napi::Array res = Napi::Array::New(info.Env(), 2);
  res.Set(0u, h);
  res.Set(1u, Napi::Number::New(info.Env(), (double)n));
  return res;
}

Napi::Value ConvBackwardInput(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardInput";
  ConvCall c(info, op);
  Storage *gs, *ws;
  const void* gy = c.operand(info, 17, c.yN, op, "grad", &gs);
  const void* w = c.operand(info, 19, c.wN, op, "weight", &ws);
  const Exec ex = execFor(c.ed, op, {gs, ws});
  auto kernel = need(ex.backend->conv.backwardInput, ex, op);
  Storage* out;
  Napi::Value h = newOutput(info.Env(), c.ed, ex, c.xN, c.dt, op, &out);
  Storage* s = c.scratch(ex, kConvBackwardInput, op);
  const ConvGeom g = c.g;
  const int dt = c.dt;
  void* dx = out->data;
  runWithScratch(ex, s, [=](void* sp) { kernel(ex, dt, g, gy, w, dx, sp); });
  return h;
}

Napi::Value ConvBackwardWeight(const Napi::CallbackInfo& info) {
  const char* op = "conv2dBackwardWeight";
  ConvCall c(info, op);
  Storage *xs, *gs;
  const void* x = c.operand(info, 17, c.xN, op, "input", &xs);
  const void* gy = c.operand(info, 19, c.yN, op, "grad", &gs);
  const Exec ex = execFor(c.ed, op, {xs, gs});
  auto kernel = need(ex.backend->conv.backwardWeight, ex, op);
  Storage* out;
  Napi::Value h = newOutput(info.Env(), c.ed, ex, c.wN, c.dt, op, &out);
  Storage* s = c.scratch(ex, kConvBackwardWeight, op);
  const ConvGeom g = c.g;
  const int dt = c.dt;
  void* dw = out->data;
  runWithScratch(ex, s, [=](void* sp) { kernel(ex, dt, g, x, gy, dw, sp); });
  return h;
}

}  // namespace

// _convWinogradMinPixels(n?): test hook; sets the Winograd pixel threshold, returns the old one.
static Napi::Value ConvWinogradMinPixels(const Napi::CallbackInfo& info) {
  int64_t old;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    const int64_t n = argInt64(info, 0, "_convWinogradMinPixels");
    if (n < 0) fail("ERR_ARGUMENT", "_convWinogradMinPixels: n must be >= 0");
    old = setWinogradMinPixels(n);
  } else {
    old = setWinogradMinPixels(0);
    setWinogradMinPixels(old);
  }
  return Napi::Number::New(info.Env(), (double)old);
}

void registerConv(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "_convWinogradMinPixels", ConvWinogradMinPixels);
  TF_EXPORT(exports, "convForward", ConvForward);
  TF_EXPORT(exports, "convPrepack", ConvPrepack);
  TF_EXPORT(exports, "convBackwardInput", ConvBackwardInput);
  TF_EXPORT(exports, "convBackwardWeight", ConvBackwardWeight);
}

}  // namespace tf
