// inverse(dtype, x, xOff) -> out [...batch, n, n];  det(dtype, x, xOff) -> out [...batch]
//   meta: layout of x over [...batch, n, n].
// solve(dtype, a, aOff, b, bOff) -> out [...batch, n, k]
//   meta: layout of a over [...batch, n, n], then of b over [...batch, n, k] (batch strides 0
//   where broadcast). lib/ops/linalg.ts casts to float32/float64 and handles vector right-hand sides.
#include "../cpu/linalg.h"
#include "device.h"

namespace tf {

static int floatDType(const Napi::CallbackInfo& info, const char* op) {
  int dt = argDType(info, 0, op);
  if (dt != kF32 && dt != kF64)
    fail("ERR_DTYPE", std::string(op) + ": dtype " + dtypeName(dt) + " is not supported (float32 or float64)");
  return dt;
}

// Reads one square-matrix operand: layout [...batch, n, n] from meta, storage at info[1], offset at info[2].
static void readSquare(const Napi::CallbackInfo& info, EnvData* ed, int dt, const char* op, BatchIndex<1>& bi, int64_t& n,
                       MatView& v, Exec& ex) {
  StridedLayout<1> L;
  size_t pos = 0;
  readLayout(ed, pos, L, op);
  if (L.ndim < 2 || L.shape[L.ndim - 1] != L.shape[L.ndim - 2])
    fail("ERR_SHAPE", std::string(op) + ": expected a layout of square matrices");
  Storage* x = argStorage(info, 1, op);
  int64_t off = argInt64(info, 2, op);
  checkDType(x, dt, op, "x");
  checkExtent(L, 0, off, x, op, "x");
  ex = execFor(ed, op, {x});
  const int nb = L.ndim - 2;
  bi.ndim = nb;
  bi.count = 1;
  for (int d = 0; d < nb; d++) {
    bi.shape[d] = L.shape[d];
    bi.strides[0][d] = L.strides[0][d];
    bi.count = checkedMul(bi.count, L.shape[d], op);
  }
  n = L.shape[nb];
  v = MatView{static_cast<uint8_t*>(x->data) + off * dtypeSize(dt), L.strides[0][nb], L.strides[0][nb + 1]};
}

static Napi::Value Inverse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  int dt = floatDType(info, "inverse");
  BatchIndex<1> bi;
  int64_t n;
  MatView v;
  Exec ex;
  readSquare(info, ed, dt, "inverse", bi, n, v, ex);
  auto kernel = need(ex.backend->matmul.inverse, ex, "inverse");
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, checkedMul(bi.count, checkedMul(n, n, "inverse"), "inverse"), dt, "inverse", &out);
  void* o = out->data;
  ex.run([=] { kernel(ex, dt, bi, n, v, o); });
  return h;
}

static Napi::Value Det(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  int dt = floatDType(info, "det");
  BatchIndex<1> bi;
  int64_t n;
  MatView v;
  Exec ex;
  readSquare(info, ed, dt, "det", bi, n, v, ex);
  auto kernel = need(ex.backend->matmul.det, ex, "det");
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, bi.count, dt, "det", &out);
  void* o = out->data;
  ex.run([=] { kernel(ex, dt, bi, n, v, o); });
  return h;
}

static Napi::Value Solve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  const char* op = "solve";
  int dt = floatDType(info, op);
  StridedLayout<1> La, Lb;
  size_t pos = 0;
  readLayout(ed, pos, La, op);
  readLayout(ed, pos, Lb, op);
  const BatchIndex<2> bi = pairBatch(La, Lb, op);
  const int nb = bi.ndim;
  const int64_t n = La.shape[nb], k = Lb.shape[nb + 1];
  if (La.shape[nb + 1] != n || Lb.shape[nb] != n) fail("ERR_SHAPE", "solve: a must be n x n and b n x k");
  Storage* a = argStorage(info, 1, op);
  int64_t aOff = argInt64(info, 2, op);
  Storage* b = argStorage(info, 3, op);
  int64_t bOff = argInt64(info, 4, op);
  checkDType(a, dt, op, "a");
  checkDType(b, dt, op, "b");
  checkExtent(La, 0, aOff, a, op, "a");
  checkExtent(Lb, 0, bOff, b, op, "b");
  const Exec ex = execFor(ed, op, {a, b});
  auto kernel = need(ex.backend->matmul.solve, ex, op);
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, checkedMul(checkedMul(bi.count, n, op), k, op), dt, op, &out);
  const size_t es = dtypeSize(dt);
  MatView va{static_cast<uint8_t*>(a->data) + aOff * es, La.strides[0][nb], La.strides[0][nb + 1]};
  MatView vb{static_cast<uint8_t*>(b->data) + bOff * es, Lb.strides[0][nb], Lb.strides[0][nb + 1]};
  void* o = out->data;
  ex.run([=] { kernel(ex, dt, bi, n, k, va, vb, o); });
  return h;
}

void registerLinalg(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "inverse", Inverse);
  TF_EXPORT(exports, "det", Det);
  TF_EXPORT(exports, "solve", Solve);
}

}  // namespace tf
