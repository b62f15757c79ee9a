// Reductions, scans and softmax.
//
// reduce(op, dtype, outDtype, x, xOff, nKept) -> out handle
//   meta: layout of x (1 operand) with the kept dims first, in output order, then the
//   reduced dims. out is contiguous with numel = product of the kept dims. outDtype must
//   equal reduceOutDType(op, dtype) (lib/ops/reduce.ts mirrors the rule).
// scan(op, dtype, outDtype, x, xOff) -> out handle
// softmax(log, dtype, x, xOff) -> out handle
//   meta: layout of (out, x) with the scanned / softmax axis LAST; out strides are those
//   of a fresh contiguous tensor of the original shape, permuted the same way.
#include "../cpu/reduce.h"
#include "../cpu/softmax.h"
#include "device.h"

namespace tf {

static Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  const char* op = "reduce";
  int code = argInt(info, 0, op);
  if (code < 0 || code >= kReduceOpCount) fail("ERR_ARGUMENT", "reduce: unknown op code " + std::to_string(code));
  int dt = argDType(info, 1, op);
  int outDt = argDType(info, 2, op);
  if (outDt != reduceOutDType(code, dt))
    fail("ERR_DTYPE", std::string("reduce: output dtype ") + dtypeName(outDt) + " does not match the op's " + dtypeName(reduceOutDType(code, dt)));
  Storage* x = argStorage(info, 3, op);
  int64_t xOff = argInt64(info, 4, op);
  int nKept = argInt(info, 5, op);
  StridedLayout<1> L;
  size_t pos = 0;
  readLayout(ed, pos, L, op);
  if (nKept < 0 || nKept > L.ndim) fail("ERR_ARGUMENT", "reduce: kept-dim count out of range");
  checkDType(x, dt, op, "x");
  checkExtent(L, 0, xOff, x, op, "x");
  int64_t M = 1, N = 1;
  for (int d = 0; d < L.ndim; d++) (d < nKept ? M : N) *= L.shape[d];
  if (N == 0 && reduceNeedsElements(code)) fail("ERR_SHAPE", "reduce: cannot take max/min/argmax/argmin over an empty dimension");
  if ((code == kRArgMax || code == kRArgMin) && N > 2147483647LL) fail("ERR_SHAPE", "reduce: argmax/argmin index does not fit int32");
  const Exec ex = execFor(ed, op, {x});
  auto kernel = need(ex.backend->reduce.reduce, ex, op);
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, M, outDt, op, &out);
  if (M == 0) return h;
  const void* xp = static_cast<uint8_t*>(x->data) + xOff * dtypeSize(dt);
  void* o = out->data;
  ex.run([=] { kernel(ex, code, dt, L, nKept, xp, o); });
  return h;
}

// Reads the (out, x) layout with the axis last, checks x, allocates out and checks its strides.
static Napi::Value axisOpSetup(const Napi::CallbackInfo& info, EnvData* ed, const char* op, int dt, int outDt, size_t xArg,
                               StridedLayout<2>& L, Storage*& x, int64_t& xOff, Storage*& out, Exec& ex) {
  x = argStorage(info, xArg, op);
  xOff = argInt64(info, xArg + 1, op);
  size_t pos = 0;
  readLayout(ed, pos, L, op);
  if (L.ndim < 1) fail("ERR_ARGUMENT", std::string(op) + ": layout needs the axis dim");
  checkDType(x, dt, op, "x");
  checkExtent(L, 1, xOff, x, op, "x");
  ex = execFor(ed, op, {x});
  Napi::Value h = newOutput(info.Env(), ed, ex, L.numel, outDt, op, &out);
  checkExtent(L, 0, 0, out, op, "out");
  return h;
}

static Napi::Value Scan(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  const char* op = "scan";
  int code = argInt(info, 0, op);
  if (code < 0 || code >= kScanOpCount) fail("ERR_ARGUMENT", "scan: unknown op code " + std::to_string(code));
  int dt = argDType(info, 1, op);
  int outDt = argDType(info, 2, op);
  if (outDt != scanOutDType(dt)) fail("ERR_DTYPE", std::string("scan: output dtype ") + dtypeName(outDt) + " does not match");
  StridedLayout<2> L;
  Storage *x, *out;
  int64_t xOff;
  Exec ex;
  Napi::Value h = axisOpSetup(info, ed, op, dt, outDt, 3, L, x, xOff, out, ex);
  auto kernel = need(ex.backend->reduce.scan, ex, op);
  if (L.numel == 0) return h;
  void* o = out->data;
  const void* xp = static_cast<uint8_t*>(x->data) + xOff * dtypeSize(dt);
  ex.run([=] { kernel(ex, code, dt, L, o, xp); });
  return h;
}

static Napi::Value Softmax(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  const char* op = "softmax";
  int isLog = argInt(info, 0, op);
  int dt = argDType(info, 1, op);
  if (dt != kF32 && dt != kF64) fail("ERR_DTYPE", std::string("softmax: dtype must be float32 or float64, got ") + dtypeName(dt));
  StridedLayout<2> L;
  Storage *x, *out;
  int64_t xOff;
  Exec ex;
  Napi::Value h = axisOpSetup(info, ed, op, dt, dt, 2, L, x, xOff, out, ex);
  auto kernel = need(ex.backend->reduce.softmax, ex, op);
  if (L.numel == 0) return h;
  void* o = out->data;
  const void* xp = static_cast<uint8_t*>(x->data) + xOff * dtypeSize(dt);
  const bool lg = isLog != 0;
  ex.run([=] { kernel(ex, lg, dt, L, o, xp); });
  return h;
}

void registerReduce(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "reduce", Reduce);
  TF_EXPORT(exports, "scan", Scan);
  TF_EXPORT(exports, "softmax", Softmax);
}

}  // namespace tf
