// Entry points of the rnn family (issue 10): one layer and one direction per call.
//   rnnForward(dtype, mode, T, B, I, H, P, reverse, x, xOff, h0, h0Off, c0, c0Off, wih, wihOff, whh, whhOff,
//              bih, bihOff, bhh, bhhOff, whr, whrOff, lengths, lengthsOff)
//     -> [out, ws]: out = [y (T*B*P) | hN (B*P) | cN (B*H, LSTM only)], ws the saved workspace
//   rnnBackward(<the same 26 arguments>, ws, wsOff, dOut, dOutOff)
//     -> [dx (T*B*I) | dh0 (B*P) | dc0 (B*H, LSTM) | dwih | dwhh | dbih | dbhh | dwhr (P*H, projection)]
// Optional operands are null handles (h0/c0: zeros; biases; whr: no projection; lengths: all T).
// Every operand is contiguous; extents, dtypes, sizes and the lengths are checked here.
#include <climits>
#include <string>
#include <vector>

#include "../cpu/rnn.h"
#include "device.h"

namespace tf {
namespace {


struct RnnArgs {
  const Napi::CallbackInfo& info;
  const char* op;
  EnvData* ed;
  int dt;
  RnnGeom g{};
  int64_t G = 0;
  const void *x, *h0, *c0;
  RnnWeights w{};
  const int32_t* lengths = nullptr;
  std::vector<const Storage*> storages;

  RnnArgs(const Napi::CallbackInfo& i, const char* o) : info(i), op(o), ed(envData(i)) {
    dt = argDType(info, 0, op);
    if (dt != kF32 && dt != kF64) fail("ERR_DTYPE", std::string(op) + ": expected float32 or float64, got " + dtypeName(dt));
    g.mode = argInt(info, 1, op);
    if (g.mode < kRnnLstm || g.mode > kRnnRelu) fail("ERR_ARGUMENT", std::string(op) + ": unknown mode");
    g.T = dim(2, "T", 0);
    g.B = dim(3, "B", 0);
    g.I = dim(4, "I", 1);
    g.H = dim(5, "H", 1);
    g.P = dim(6, "P", 1);
    g.reverse = info[7].ToBoolean().Value();
    G = rnnGates(g.mode);
    const int64_t GH = checkedMul(G, g.H, op);
    // the GEMMs take int sizes and leading dimensions
    const int64_t TB = checkedMul(g.T, g.B, op);
    for (int64_t v : {TB, GH, g.I, g.P, checkedMul(TB, GH, op)})
      if (v > INT_MAX) fail("ERR_SHAPE", std::string(op) + ": sizes above 2^31 - 1 are not supported");
    x = operand(8, checkedMul(TB, g.I, op), "input");
    h0 = operand(10, checkedMul(g.B, g.P, op), "h0", true);
    c0 = g.mode == kRnnLstm ? operand(12, checkedMul(g.B, g.H, op), "c0", true) : nullptr;
    w.wih = operand(14, checkedMul(GH, g.I, op), "weight_ih");
    w.whh = operand(16, checkedMul(GH, g.P, op), "weight_hh");
    w.bih = operand(18, GH, "bias_ih", true);
    w.bhh = operand(20, GH, "bias_hh", true);
    w.whr = g.mode == kRnnLstm ? operand(22, checkedMul(g.P, g.H, op), "weight_hr", true) : nullptr;
    if (!w.whr && g.P != g.H) fail("ERR_SHAPE", std::string(op) + ": P must equal H without a projection");
    if (w.whr && g.P >= g.H) fail("ERR_SHAPE", std::string(op) + ": the projection size must be below H");
    if (!info[24].IsNull() && !info[24].IsUndefined()) {
      Storage* s = argStorage(info, 24, op);
      const int64_t off = argInt64(info, 25, op);
      checkDType(s, kI32, op, "lengths");
      checkExtent(flatRun(g.B), 0, off, s, op, "lengths");
      storages.push_back(s);
      lengths = static_cast<const int32_t*>(s->data) + off;
      for (int64_t b = 0; b < g.B; b++)  // re-checked: the kernel indexes steps by them
        if (lengths[b] < 0 || lengths[b] > g.T)
          fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": lengths[" + std::to_string(b) + "] = " +
                                        std::to_string(lengths[b]) + " is outside [0, " + std::to_string(g.T) + "]");
    }
  }
  int64_t dim(size_t i, const char* name, int64_t min) {
    const int64_t v = argInt64(info, i, op);
    if (v < min) fail("ERR_SHAPE", std::string(op) + ": " + name + " must be >= " + std::to_string(min));
    return v;
  }
  const void* operand(size_t i, int64_t n, const char* arg, bool optional = false) {
    if (optional && (info[i].IsNull() || info[i].IsUndefined())) return nullptr;
    Storage* s = argStorage(info, i, op);
    const int64_t off = argInt64(info, i + 1, op);
    checkDType(s, dt, op, arg);
    checkExtent(flatRun(n), 0, off, s, op, arg);
    storages.push_back(s);
    return static_cast<uint8_t*>(s->data) + off * (int64_t)dtypeSize(dt);
  }
  Exec exec() {
    int dev = -1;
    for (const Storage* s : storages) {
      if (dev < 0) dev = s->device;
      else if (s->device != dev) failMixedDevices(op, dev, s->device);
    }
    return dev <= kCpu ? Exec{kCpu, &cpuBackend(), &ed->ctx->pool} : Exec{dev, &backendFor(dev, op), &ed->ctx->pool};
  }
  int64_t outElems() const {
    return g.T * g.B * g.P + g.B * g.P + (g.mode == kRnnLstm ? g.B * g.H : 0);
  }
};

Napi::Value pair(Napi::Env env, Napi::Value a, Napi::Value b) {
  Napi::Array res = Napi::Array::New(env, 2);
  res.Set(uint32_t(0), a);
  res.Set(uint32_t(1), b);
  return res;
}

Napi::Value RnnForward(const Napi::CallbackInfo& info) {
  const char* op = "rnn";
  RnnArgs a(info, op);
  const Exec ex = a.exec();
  auto kernel = need(ex.backend->rnn.forward, ex, op);
  Storage *out, *ws;
  Napi::Value ho = newOutput(info.Env(), a.ed, ex, a.outElems(), a.dt, op, &out);
  Napi::Value hw = newOutput(info.Env(), a.ed, ex, rnnWorkspaceElems(a.g), a.dt, op, &ws);
  const int64_t es = (int64_t)dtypeSize(a.dt), TBP = a.g.T * a.g.B * a.g.P, BP = a.g.B * a.g.P;
  uint8_t* o = static_cast<uint8_t*>(out->data);
  void* cN = a.g.mode == kRnnLstm ? o + (TBP + BP) * es : nullptr;
  const int dt = a.dt;
  const RnnGeom g = a.g;
  const RnnWeights w = a.w;
  const void *x = a.x, *h0 = a.h0, *c0 = a.c0;
  const int32_t* len = a.lengths;
  void* wsp = ws->data;
  ex.run([=] { kernel(ex, dt, g, x, h0, c0, w, len, o, o + TBP * es, cN, wsp); });
  return pair(info.Env(), ho, hw);
}

Napi::Value RnnBackward(const Napi::CallbackInfo& info) {
  const char* op = "rnn.backward";
  RnnArgs a(info, op);
  const void* ws = a.operand(26, rnnWorkspaceElems(a.g), "workspace");
  const void* dOut = a.operand(28, a.outElems(), "grad");
  const Exec ex = a.exec();
  auto kernel = need(ex.backend->rnn.backward, ex, op);
  const RnnGeom g = a.g;
  const int64_t GH = a.G * g.H, es = (int64_t)dtypeSize(a.dt);
  const bool lstm = g.mode == kRnnLstm, proj = a.w.whr != nullptr;
  const int64_t sizes[] = {g.T * g.B * g.I, g.B * g.P, lstm ? g.B * g.H : 0, GH * g.I, GH * g.P, GH, GH,
                           proj ? g.P * g.H : 0};
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  Storage* out;
  Napi::Value h = newOutput(info.Env(), a.ed, ex, total, a.dt, op, &out);
  uint8_t* parts[8];
  uint8_t* p = static_cast<uint8_t*>(out->data);
  for (int k = 0; k < 8; k++) {
    parts[k] = p;
    p += sizes[k] * es;
  }
  const uint8_t* dy = static_cast<const uint8_t*>(dOut);
  const void* dhN = dy + g.T * g.B * g.P * es;
  const void* dcN = lstm ? dy + (g.T * g.B * g.P + g.B * g.P) * es : nullptr;
  const int dt = a.dt;
  const RnnWeights w = a.w;
  const void *x = a.x, *h0 = a.h0, *c0 = a.c0;
  const int32_t* len = a.lengths;
  ex.run([=] {
    kernel(ex, dt, g, x, h0, c0, w, len, ws, dy, dhN, dcN, parts[0], parts[1], lstm ? parts[2] : nullptr, parts[3],
           parts[4], parts[5], parts[6], proj ? parts[7] : nullptr);
  });
  return h;
}

}  // namespace

void registerRnn(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "rnnForward", RnnForward);
  TF_EXPORT(exports, "rnnBackward", RnnBackward);
}

}  // namespace tf
