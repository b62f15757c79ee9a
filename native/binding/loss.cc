// Fused softmax cross-entropy (lib/nn/functional.ts crossEntropy):
//   xent(dtype, N, C, x, xOff, labels, labelsOff, labelStride, ignoreIndex) -> handle of 2N + 1
//     elements: [0, N) the per-row losses (0 where the label is ignoreIndex), [N, 2N) the row
//     logsumexps (saved for the backward), [2N] the number of rows not ignored
//   xentBackward(dtype, N, C, x, xOff, labels, labelsOff, labelStride, ignoreIndex, lse, lseOff, g, gOff,
//     gStride, scale) -> handle of N*C elements: the gradient of the logits (0 on ignored rows)
// x is N contiguous rows of C; labels int32 with the given stride; g has gStride (0 = one
// value for every row). Extents, dtypes and label ranges are checked here.
#include "../cpu/loss.h"
#include "device.h"

namespace tf {

static StridedLayout<1> runLayout(int64_t n, int64_t stride) {
  StridedLayout<1> L;
  L.ndim = 1;
  L.shape[0] = n;
  L.strides[0][0] = stride;
  L.numel = n;
  return L;
}

struct XentArgs {
  EnvData* ed;
  int dt;
  int64_t N, C, ls, ignore;
  const void* x;
  const int32_t* labels;
  Storage *xs, *lsStore;
  XentArgs(const Napi::CallbackInfo& info, const char* op) : ed(envData(info)) {
    dt = argDType(info, 0, op);
    if (dt != kF32 && dt != kF64) fail("ERR_DTYPE", std::string(op) + ": logits must be float32 or float64, got " + dtypeName(dt));
    N = argInt64(info, 1, op);
    C = argInt64(info, 2, op);
    if (N < 0 || C < 1) fail("ERR_SHAPE", std::string(op) + ": need N >= 0 rows of C >= 1 classes");
    xs = argStorage(info, 3, op);
    int64_t xOff = argInt64(info, 4, op);
    checkDType(xs, dt, op, "logits");
    checkExtent(runLayout(checkedMul(N, C, op), 1), 0, xOff, xs, op, "logits");
    x = static_cast<uint8_t*>(xs->data) + xOff * (int64_t)dtypeSize(dt);
    lsStore = argStorage(info, 5, op);
    int64_t lOff = argInt64(info, 6, op);
    ls = argInt64(info, 7, op);
    checkDType(lsStore, kI32, op, "labels");
    checkExtent(runLayout(N, ls), 0, lOff, lsStore, op, "labels");
    labels = static_cast<const int32_t*>(lsStore->data) + lOff;
    ignore = argInt64(info, 8, op);
  }
};

static Napi::Value Xent(const Napi::CallbackInfo& info) {
  const char* op = "crossEntropy";
  XentArgs a(info, op);
  const Exec ex = execFor(a.ed, op, {a.xs, a.lsStore});
  auto kernel = need(ex.backend->loss.xentForward, ex, op);
  Storage* out;
  Napi::Value h = newOutput(info.Env(), a.ed, ex, 2 * a.N + 1, a.dt, op, &out);
  uint8_t* o = static_cast<uint8_t*>(out->data);
  const int64_t es = (int64_t)dtypeSize(a.dt);
  const int dt = a.dt;
  const int64_t N = a.N, C = a.C, ls = a.ls, ignore = a.ignore;
  const void* x = a.x;
  const int32_t* labels = a.labels;
  ex.run([=] {
    const int64_t kept = N > 0 ? kernel(ex, dt, N, C, x, labels, ls, ignore, o, o + N * es) : 0;
    if (dt == kF32) reinterpret_cast<float*>(o)[2 * N] = (float)kept;
    else reinterpret_cast<double*>(o)[2 * N] = (double)kept;
  });
  return h;
}

static Napi::Value XentBackward(const Napi::CallbackInfo& info) {
  const char* op = "crossEntropy.backward";
  XentArgs a(info, op);
  const int64_t es = (int64_t)dtypeSize(a.dt);
  Storage* lse = argStorage(info, 9, op);
  int64_t lseOff = argInt64(info, 10, op);
  checkDType(lse, a.dt, op, "lse");
  checkExtent(runLayout(a.N, 1), 0, lseOff, lse, op, "lse");
  Storage* g = argStorage(info, 11, op);
  int64_t gOff = argInt64(info, 12, op);
  int64_t gs = argInt64(info, 13, op);
  double scale = argDouble(info, 14, op);
  checkDType(g, a.dt, op, "grad");
  checkExtent(runLayout(a.N, gs), 0, gOff, g, op, "grad");
  const Exec ex = execFor(a.ed, op, {a.xs, a.lsStore, lse, g});
  auto kernel = need(ex.backend->loss.xentBackward, ex, op);
  Storage* out;
  Napi::Value h = newOutput(info.Env(), a.ed, ex, a.N * a.C, a.dt, op, &out);
  if (a.N == 0) return h;
  const int dt = a.dt;
  const int64_t N = a.N, C = a.C, ls = a.ls, ignore = a.ignore;
  const void* x = a.x;
  const int32_t* labels = a.labels;
  const void* lp = static_cast<uint8_t*>(lse->data) + lseOff * es;
  const void* gp = static_cast<uint8_t*>(g->data) + gOff * es;
  void* o = out->data;
  ex.run([=] { kernel(ex, dt, N, C, x, labels, ls, ignore, lp, gp, gs, scale, o); });
  return h;
}

void registerLoss(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "xent", Xent);
  TF_EXPORT(exports, "xentBackward", XentBackward);
}

}  // namespace tf
