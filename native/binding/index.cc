// Indexing entry points. Index tensors arrive as storage handles + layouts in meta and
// must be int32; every index is range-checked (findBadIndex) BEFORE any other operand
// is read, so an out-of-range index is a TapeflowError, never an out-of-bounds read.
//
//   gather(x, xOff, idx, idxOff, axisDim, axisStride, axis, opName) -> out handle (x's dtype)
//     meta: [A] layout over the output shape: strides out (ignored: contiguous), x (0 on the
//           dims that come from the indices; the gathered axis itself is excluded), idx
//           (0 on the dims that come from x); [B] the index tensor's own layout (1 operand).
//     Carries tf.gather and take_along_axis. Negative indices count from the end.
//   scatterAdd(out, outOff, idx, idxOff, src, srcOff, axisDim, axisStride, axis, opName)
//     in place on out. meta: layout over the index shape with the scatter axis LAST:
//     strides out (0 on the axis), idx, src. Negative indices count from the end.
//   oneHot(idx, idxOff, depth, dtype, onValue, offValue) -> out handle, shape idx.shape + [depth]
//     meta: the index layout (1 operand). Indices must lie in [0, depth).
#include "../cpu/index.h"

#include <string>

#include "device.h"

namespace tf {

static std::string argOpName(const Napi::CallbackInfo& info, size_t i, const char* dflt) {
  if (info.Length() > i && info[i].IsString()) return info[i].As<Napi::String>().Utf8Value();
  return dflt;
}

[[noreturn]] static void failIndex(const std::string& op, int32_t v, int64_t axis, int64_t dim, bool allowNegative) {
  std::string msg = op + ": index " + std::to_string(v) + " is out of range for ";
  msg += axis >= 0 ? "axis " + std::to_string(axis) + " of size " + std::to_string(dim) : "depth " + std::to_string(dim);
  if (dim == 0) msg += " (no index is valid)";
  else if (allowNegative) msg += " (valid range [" + std::to_string(-dim) + ", " + std::to_string(dim - 1) + "])";
  else msg += " (valid range [0, " + std::to_string(dim - 1) + "])";
  fail("ERR_OUT_OF_BOUNDS", msg);
}

static Napi::Value Gather(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  std::string opName = argOpName(info, 7, "gather");
  const char* op = opName.c_str();
  Storage* x = argStorage(info, 0, op);
  int64_t xOff = argInt64(info, 1, op);
  Storage* idx = argStorage(info, 2, op);
  int64_t iOff = argInt64(info, 3, op);
  int64_t axisDim = argInt64(info, 4, op);
  int64_t axisStride = argInt64(info, 5, op);
  int64_t axis = argInt64(info, 6, op);
  if (axisDim < 0) fail("ERR_ARGUMENT", opName + ": negative axis size");
  checkDType(idx, kI32, op, "indices");
  StridedLayout<3> L;
  StridedLayout<1> LI;
  size_t pos = 0;
  readLayout(ed, pos, L, op);
  readLayout(ed, pos, LI, op);
  checkExtent(LI, 0, iOff, idx, op, "indices");
  checkExtent(L, 2, iOff, idx, op, "indices");
  const Exec ex = execFor(ed, op, {x, idx});
  const IndexOps& k = ex.backend->index;
  const int32_t* ip = dataAs<int32_t>(idx, iOff);
  // Indices are validated before anything else reads them (data-dependent, so a queued
  // run would have to wait for them: keep it here, in prepare).
  if (LI.numel > 0) {
    LI.coalesce();
    int32_t bad = 0;
    if (need(k.findBadIndex, ex, op)(ex, LI, ip, axisDim, true, &bad) >= 0) failIndex(opName, bad, axis, axisDim, true);
  }
  checkExtentWithAxis(L, 1, xOff, axisDim, axisStride, x, op, "x");
  auto kernel = need(k.gather, ex, op);
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, L.numel, x->dtype, op, &out);
  if (L.numel == 0) return h;
  int64_t s = 1;
  for (int d = L.ndim - 1; d >= 0; d--) {
    L.strides[0][d] = s;
    s *= L.shape[d];
  }
  L.coalesce();
  void* o = out->data;
  const void* xp = static_cast<uint8_t*>(x->data) + xOff * dtypeSize(x->dtype);
  const int dt = x->dtype;
  ex.run([=] { kernel(ex, L, dt, o, xp, ip, axisDim, axisStride); });
  return h;
}

static Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  std::string opName = argOpName(info, 9, "scatterAdd");
  const char* op = opName.c_str();
  Storage* out = argStorage(info, 0, op);
  int64_t oOff = argInt64(info, 1, op);
  Storage* idx = argStorage(info, 2, op);
  int64_t iOff = argInt64(info, 3, op);
  Storage* src = argStorage(info, 4, op);
  int64_t sOff = argInt64(info, 5, op);
  int64_t axisDim = argInt64(info, 6, op);
  int64_t axisStride = argInt64(info, 7, op);
  int64_t axis = argInt64(info, 8, op);
  if (axisDim < 0) fail("ERR_ARGUMENT", opName + ": negative axis size");
  checkDType(idx, kI32, op, "indices");
  checkDType(src, out->dtype, op, "src");
  StridedLayout<3> L;
  size_t pos = 0;
  readLayout(ed, pos, L, op);
  checkExtent(L, 1, iOff, idx, op, "indices");
  const Exec ex = execFor(ed, op, {out, idx, src});
  const IndexOps& k = ex.backend->index;
  auto kernel = need(k.scatterAdd, ex, op);
  if (L.numel == 0) return info.Env().Undefined();
  const int64_t rowLen = L.ndim > 0 ? L.shape[L.ndim - 1] : 1;
  L.coalesce();
  const int32_t* ip = dataAs<int32_t>(idx, iOff);
  int32_t bad = 0;
  if (need(k.findBadIndexOf, ex, op)(ex, L, 1, ip, axisDim, true, &bad) >= 0) failIndex(opName, bad, axis, axisDim, true);
  checkExtentWithAxis(L, 0, oOff, axisDim, axisStride, out, op, "x");
  checkExtent(L, 2, sOff, src, op, "src");
  size_t es = dtypeSize(out->dtype);
  void* o = static_cast<uint8_t*>(out->data) + oOff * es;
  const void* sp = static_cast<uint8_t*>(src->data) + sOff * es;
  const int dt = out->dtype;
  ex.run([=] { kernel(ex, L, rowLen, dt, o, ip, sp, axisStride, axisDim); });
  return info.Env().Undefined();
}

static Napi::Value OneHot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  const char* op = "oneHot";
  Storage* idx = argStorage(info, 0, op);
  int64_t iOff = argInt64(info, 1, op);
  int64_t depth = argInt64(info, 2, op);
  int dt = argDType(info, 3, op);
  double on = argDouble(info, 4, op);
  double off = argDouble(info, 5, op);
  if (depth < 0) fail("ERR_ARGUMENT", "oneHot: negative depth");
  checkDType(idx, kI32, op, "indices");
  StridedLayout<1> L;
  size_t pos = 0;
  readLayout(ed, pos, L, op);
  checkExtent(L, 0, iOff, idx, op, "indices");
  const Exec ex = execFor(ed, op, {idx});
  const IndexOps& k = ex.backend->index;
  const int32_t* ip = dataAs<int32_t>(idx, iOff);
  if (L.numel > 0) {
    L.coalesce();
    int32_t bad = 0;
    if (need(k.findBadIndex, ex, op)(ex, L, ip, depth, false, &bad) >= 0) failIndex("oneHot", bad, -1, depth, false);
  }
  auto kernel = need(k.oneHot, ex, op);
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, checkedMul(L.numel, depth, op), dt, op, &out);
  void* o = out->data;
  ex.run([=] { kernel(ex, L, dt, o, ip, depth, on, off); });
  return h;
}

void registerIndex(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "gather", Gather);
  TF_EXPORT(exports, "scatterAdd", ScatterAdd);
  TF_EXPORT(exports, "oneHot", OneHot);
}

}  // namespace tf
