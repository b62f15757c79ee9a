// Elementwise entry points. The output is always a fresh contiguous tensor; the strides
// JS writes for it in meta are ignored.
//
// binary(op, dtype | flags, a, aOff, b, bOff) -> out handle
//   meta: layout of (out, a, b) over the broadcast output shape. dtype is the compute dtype
//   of both inputs; the output is bool for comparisons/logical ops, else dtype. flags
//   kScalarA (0x100) / kScalarB (0x200) mark an operand that is a JS number: its handle slot
//   holds the value itself (weak: the caller already chose dtype; its offset is ignored), so
//   a JS number needs no storage.
// unary(op, dtype, a, aOff, alpha, beta) -> out handle
//   meta: layout of (out, a). a may be stored as int32/bool and computed as float32 (or
//   bool as int32); the output is bool for isnan/isfinite/logicalNot, else dtype.
//   alpha/beta: leakyRelu/elu alpha; softplus beta, threshold; clip min, max (±Infinity = none).
// where(dtype | flags, cond, cOff, a, aOff, b, bOff) -> out handle
//   meta: layout of (out, cond, a, b); cond is bool, a and b are dtype (flags mark a scalar,
//   as for binary).
#include <cmath>

#include "../cpu/elementwise.h"
#include "device.h"

namespace tf {

namespace {

union Scalar {
  float f;
  double d;
  int32_t i;
  uint8_t u;
};

// A JS number as one element of dtype (int32 saturates; NaN -> 0; bool = nonzero).
const void* scalarAs(double v, int dt, Scalar& s) {
  switch (dt) {
    case kF32: s.f = (float)v; break;
    case kF64: s.d = v; break;
    case kI32: s.i = !(v == v) ? 0 : v >= 2147483647.0 ? 2147483647 : v <= -2147483648.0 ? INT32_MIN : (int32_t)v; break;
    default: s.u = v != 0; break;
  }
  return &s;
}

// Operand k from args (i, i+1): a tensor (handle, offset) checked against the layout, or,
// when the offset is -1, a scalar value broadcast over it (its strides set to 0).
// *st receives the tensor's storage (null for a scalar), for device dispatch.
// The dtype argument of binary/where: the dtype code, plus these bits for an operand that is a
// JS number (its value in the handle slot). A flag, not a marker offset: a tensor whose offset
// was set to -1 by hand must fail the extent check, not be read as a number.
constexpr int kScalarA = 0x100, kScalarB = 0x200;

int argDTypeFlags(const Napi::CallbackInfo& info, size_t i, const char* op, int* flags) {
  const int v = argInt(info, i, op);
  *flags = v & (kScalarA | kScalarB);
  const int dt = v & ~(kScalarA | kScalarB);
  if (dt < 0 || dt > kBool) fail("ERR_DTYPE", std::string(op) + ": unknown dtype code " + std::to_string(v));
  return dt;
}

template <int NOPS>
const void* operand(const Napi::CallbackInfo& info, size_t i, int dt, StridedLayout<NOPS>& L, int k, Scalar& s,
                    const char* op, const char* arg, Storage** stOut, bool scalar) {
  if (scalar) {
    double v = argDouble(info, i, op);
    for (int d = 0; d < L.ndim; d++) L.strides[k][d] = 0;
    *stOut = nullptr;
    return scalarAs(v, dt, s);
  }
  int64_t off = argInt64(info, i + 1, op);
  Storage* st = argStorage(info, i, op);
  *stOut = st;
  checkDType(st, dt, op, arg);
  checkExtent(L, k, off, st, op, arg);
  return static_cast<uint8_t*>(st->data) + off * (int64_t)dtypeSize(dt);
}

template <int NOPS>
void contiguousOut(StridedLayout<NOPS>& L) {
  int64_t s = 1;
  for (int d = L.ndim - 1; d >= 0; d--) {
    L.strides[0][d] = s;
    s *= L.shape[d];
  }
}

}  // namespace

static Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  int op = argInt(info, 0, "binary");
  int flags;
  int dt = argDTypeFlags(info, 1, "binary", &flags);
  checkBinaryOp(op, dt);
  StridedLayout<3> L;
  size_t pos = 0;
  readLayout(ed, pos, L, "binary");
  Scalar sa, sb;
  Storage *as, *bs;
  const void* ap = operand(info, 2, dt, L, 1, sa, "binary", "a", &as, flags & kScalarA);
  const void* bp = operand(info, 4, dt, L, 2, sb, "binary", "b", &bs, flags & kScalarB);
  const char* name = kBinaryOps[op].name;  // the op's own name in device errors ("add: ...")
  const Exec ex = execFor(ed, name, {as, bs});
  auto kernel = need(ex.backend->elementwise.binary, ex, name);
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, L.numel, binaryYieldsBool(op) ? (int)kBool : dt, "binary", &out);
  if (L.numel == 0) return h;
  contiguousOut(L);
  L.coalesce();
  // Scalars live in this frame: copy them into the callable with the layout.
  void* op_ = out->data;
  const Scalar sa2 = sa, sb2 = sb;
  const bool aScalar = !as, bScalar = !bs;
  ex.run([=] { kernel(ex, op, dt, L, op_, aScalar ? (const void*)&sa2 : ap, bScalar ? (const void*)&sb2 : bp); });
  return h;
}

static Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  int op = argInt(info, 0, "unary");
  int dt = argDType(info, 1, "unary");
  Storage* a = argStorage(info, 2, "unary");
  int64_t aOff = argInt64(info, 3, "unary");
  double alpha = argDouble(info, 4, "unary");
  double beta = argDouble(info, 5, "unary");
  checkUnaryOp(op, dt, a->dtype);
  StridedLayout<2> L;
  size_t pos = 0;
  readLayout(ed, pos, L, "unary");
  checkExtent(L, 1, aOff, a, "unary", "a");
  const char* name = kUnaryOps[op].name;
  const Exec ex = execFor(ed, name, {a});
  auto kernel = need(ex.backend->elementwise.unary, ex, name);
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, L.numel, unaryYieldsBool(op) ? (int)kBool : dt, "unary", &out);
  if (L.numel == 0) return h;
  contiguousOut(L);
  L.coalesce();
  void* o = out->data;
  const void* ap = static_cast<uint8_t*>(a->data) + aOff * (int64_t)dtypeSize(a->dtype);
  const int inDt = a->dtype;
  ex.run([=] { kernel(ex, op, dt, inDt, L, o, ap, alpha, beta); });
  return h;
}

static Napi::Value Where(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  int flags;
  int dt = argDTypeFlags(info, 0, "where", &flags);
  StridedLayout<4> L;
  size_t pos = 0;
  readLayout(ed, pos, L, "where");
  Storage* c = argStorage(info, 1, "where");
  int64_t cOff = argInt64(info, 2, "where");
  checkDType(c, kBool, "where", "condition");
  checkExtent(L, 1, cOff, c, "where", "condition");
  Scalar sa, sb;
  Storage *as, *bs;
  const void* ap = operand(info, 3, dt, L, 2, sa, "where", "a", &as, flags & kScalarA);
  const void* bp = operand(info, 5, dt, L, 3, sb, "where", "b", &bs, flags & kScalarB);
  const Exec ex = execFor(ed, "where", {c, as, bs});
  auto kernel = need(ex.backend->elementwise.where, ex, "where");
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, L.numel, dt, "where", &out);
  if (L.numel == 0) return h;
  contiguousOut(L);
  L.coalesce();
  void* o = out->data;
  const uint8_t* cp = static_cast<const uint8_t*>(c->data) + cOff;
  const Scalar sa2 = sa, sb2 = sb;
  const bool aScalar = !as, bScalar = !bs;
  ex.run([=] { kernel(ex, dt, L, o, cp, aScalar ? (const void*)&sa2 : ap, bScalar ? (const void*)&sb2 : bp); });
  return h;
}

void registerElementwise(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "binary", Binary);
  TF_EXPORT(exports, "unary", Unary);
  TF_EXPORT(exports, "where", Where);
}

}  // namespace tf
