// matmul(dtype, a, aOff, b, bOff) -> out handle, out contiguous [...batch, M, N].
// meta: layout of a over [...batch, M, K], then layout of b over [...batch, K, N] (one stride
// array each; batch strides are 0 where an operand is broadcast). lib/ops/matmul.ts maps 1-D
// operands to M = 1 / N = 1 and removes those dims from the result shape.
// benchSgemm(n, iters) -> seconds per cblas_sgemm call on native n x n matrices (bench baseline).
#include "../cpu/matmul.h"
#include "device.h"

namespace tf {

static Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* ed = envData(info);
  const char* op = "matmul";
  int dt = argDType(info, 0, op);
  if (dt == kBool) fail("ERR_DTYPE", "matmul: bool tensors are not supported");
  StridedLayout<1> La, Lb;
  size_t pos = 0;
  readLayout(ed, pos, La, op);
  readLayout(ed, pos, Lb, op);
  const BatchIndex<2> bi = pairBatch(La, Lb, op);
  const int nb = bi.ndim;
  const int64_t M = La.shape[nb], K = La.shape[nb + 1], N = Lb.shape[nb + 1];
  if (Lb.shape[nb] != K)
    fail("ERR_SHAPE", "matmul: inner dimensions differ: " + std::to_string(K) + " vs " + std::to_string(Lb.shape[nb]));
  Storage* a = argStorage(info, 1, op);
  int64_t aOff = argInt64(info, 2, op);
  Storage* b = argStorage(info, 3, op);
  int64_t bOff = argInt64(info, 4, op);
  checkDType(a, dt, op, "a");
  checkDType(b, dt, op, "b");
  checkExtent(La, 0, aOff, a, op, "a");
  checkExtent(Lb, 0, bOff, b, op, "b");
  const int64_t total = checkedMul(checkedMul(bi.count, M, op), N, op);
  const Exec ex = execFor(ed, op, {a, b});
  auto kernel = need(ex.backend->matmul.matmul, ex, op);
  Storage* out;
  Napi::Value h = newOutput(env, ed, ex, total, dt, op, &out);
  if (total == 0) return h;
  const size_t es = dtypeSize(dt);
  MatView va{static_cast<uint8_t*>(a->data) + aOff * es, La.strides[0][nb], La.strides[0][nb + 1]};
  MatView vb{static_cast<uint8_t*>(b->data) + bOff * es, Lb.strides[0][nb], Lb.strides[0][nb + 1]};
  void* o = out->data;
  ex.run([=] { kernel(ex, dt, bi, M, N, K, va, vb, o); });
  return h;
}

static Napi::Value BenchSgemm(const Napi::CallbackInfo& info) {
  int64_t n = argInt64(info, 0, "benchSgemm");
  int64_t iters = argInt64(info, 1, "benchSgemm");
  return Napi::Number::New(info.Env(), benchSgemmSeconds(n, iters));
}

void registerMatmul(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "matmul", Matmul);
  TF_EXPORT(exports, "benchSgemm", BenchSgemm);
}

}  // namespace tf
