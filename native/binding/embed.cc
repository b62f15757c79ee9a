// Entry points of the embed family (issue 10): prepare on the JS thread, run through ex.run.
//   embedFindBadId(ids, idsOff, n, V) -> the first position whose id is outside [0, V), or -1
//   embedLookup(w, wOff, V, D, rowStride, ids, idsOff, n) -> handle of n x D rows of w
//   embedRowsAdd(dst, dstOff, V, D, idx, idxOff, n, src, srcOff, alpha, skip, scaleByFreq):
//     dst[idx[k]] += alpha * src[k] in place (dst V x D contiguous, src n x D contiguous)
//   embedCoalesce(idx, idxOff, vals, valsOff, n, D) -> [indices (n + 1 int32; slot n holds the
//     count m), rows (n x D; the first m used)]
//   embedRenorm(w, wOff, V, D, rowStride, ids, idsOff, n, maxNorm, normType): in place
//   sparseAdagradStep(p, pOff, V, D, sum, idx, idxOff, vals, valsOff, m, clr, eps)
//   sparseAdamStep(p, pOff, V, D, expAvg, expAvgSq, idx, idxOff, vals, valsOff, m, lr, b1, b2, eps, step)
// Tables are float32/float64 with contiguous rows; indices int32. Extents, dtypes, devices and
// every index are checked here before a kernel runs; the optimizer steps also check that
// their indices are strictly increasing (coalesced), which their row-parallel kernels need.
#include "device.h"

namespace tf {

// The data of operand i (offset off) holding `count` elements of dtype dt (-1: float32 or float64).
static void* span(const Napi::CallbackInfo& info, size_t i, int64_t off, int64_t count, int& dt, const char* op,
                  const char* arg, Storage** st = nullptr) {
  Storage* s = argStorage(info, i, op);
  if (dt < 0) {
    if (s->dtype != kF32 && s->dtype != kF64)
      fail("ERR_DTYPE", std::string(op) + ": " + arg + " has dtype " + dtypeName(s->dtype) + ", expected float32 or float64");
    dt = s->dtype;
  } else {
    checkDType(s, dt, op, arg);
  }
  const int64_t es = (int64_t)dtypeSize(dt);
  if (off < 0 || count < 0 || (uint64_t)checkedMul(off + count, es, op) > (uint64_t)s->nbytes)
    fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": " + arg + " (" + std::to_string(count) + " elements from offset " +
                                  std::to_string(off) + ") lies outside its storage");
  if (st) *st = s;
  return static_cast<uint8_t*>(s->data) + off * es;
}

// Elements spanned by V rows of D at rowStride (0 when V or D is 0).
static int64_t tableExtent(int64_t V, int64_t D, int64_t rowStride, const char* op) {
  if (V < 0 || D < 0 || rowStride < D) fail("ERR_ARGUMENT", std::string(op) + ": bad table layout");
  if (V == 0 || D == 0) return 0;
  return checkedMul(V - 1, rowStride, op) + D;
}

static void checkIds(const Exec& ex, const int32_t* ids, int64_t n, int64_t V, const char* op) {
  int32_t bad = 0;
  const int64_t k = need(ex.backend->embed.findBadId, ex, op)(ex, ids, n, V, &bad);
  if (k >= 0)
    fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": index " + std::to_string(bad) + " at position " + std::to_string(k) +
                                  " is out of range for a table of " + std::to_string(V) + " rows");
}

static const int32_t* idsArg(const Napi::CallbackInfo& info, size_t i, int64_t n, const char* op, Storage** st) {
  int dt = kI32;
  return static_cast<const int32_t*>(span(info, i, argInt64(info, i + 1, op), n, dt, op, "indices", st));
}

static Napi::Value FindBadId(const Napi::CallbackInfo& info) {
  const char* op = "embedding";
  const int64_t n = argInt64(info, 2, op), V = argInt64(info, 3, op);
  Storage* is;
  const int32_t* ids = idsArg(info, 0, n, op, &is);
  const Exec ex = execFor(envData(info), op, {is});
  auto kernel = need(ex.backend->embed.findBadId, ex, op);
  int32_t bad = 0;
  return Napi::Number::New(info.Env(), (double)kernel(ex, ids, n, V, &bad));
}

static Napi::Value Lookup(const Napi::CallbackInfo& info) {
  const char* op = "embedding";
  EnvData* ed = envData(info);
  const int64_t V = argInt64(info, 2, op), D = argInt64(info, 3, op), rs = argInt64(info, 4, op);
  const int64_t n = argInt64(info, 7, op);
  int dt = -1;
  Storage *ws, *is;
  const void* w = span(info, 0, argInt64(info, 1, op), tableExtent(V, D, rs, op), dt, op, "weight", &ws);
  const int32_t* ids = idsArg(info, 5, n, op, &is);
  const Exec ex = execFor(ed, op, {ws, is});
  auto kernel = need(ex.backend->embed.lookup, ex, op);
  checkIds(ex, ids, n, V, op);
  Storage* out;
  Napi::Value h = newOutput(info.Env(), ed, ex, checkedMul(n, D, op), dt, op, &out);
  void* o = out->data;
  ex.run([=] { kernel(ex, dt, n, D, w, rs, ids, o); });
  return h;
}

static Napi::Value RowsAdd(const Napi::CallbackInfo& info) {
  const char* op = "embedding.backward";
  const int64_t V = argInt64(info, 2, op), D = argInt64(info, 3, op), n = argInt64(info, 6, op);
  int dt = -1;
  Storage *ds, *is, *ss;
  void* dst = span(info, 0, argInt64(info, 1, op), tableExtent(V, D, D, op), dt, op, "destination", &ds);
  const int32_t* idx = idsArg(info, 4, n, op, &is);
  const void* src = span(info, 7, argInt64(info, 8, op), checkedMul(n, D, op), dt, op, "rows", &ss);
  const double alpha = argDouble(info, 9, op);
  const int64_t skip = argInt64(info, 10, op);
  const bool freq = argInt(info, 11, op) != 0;
  const Exec ex = execFor(envData(info), op, {ds, is, ss});
  auto kernel = need(ex.backend->embed.rowsAdd, ex, op);
  checkIds(ex, idx, n, V, op);
  if (n == 0 || D == 0) return info.Env().Undefined();
  ex.run([=] { kernel(ex, dt, V, D, dst, idx, n, src, alpha, skip, freq); });
  return info.Env().Undefined();
}

static Napi::Value Coalesce(const Napi::CallbackInfo& info) {
  const char* op = "coalesce";
  EnvData* ed = envData(info);
  const int64_t n = argInt64(info, 4, op), D = argInt64(info, 5, op);
  if (D < 0) fail("ERR_ARGUMENT", std::string(op) + ": negative row length");
  Storage *is, *vs;
  const int32_t* idx = idsArg(info, 0, n, op, &is);
  int dt = -1;
  const void* vals = span(info, 2, argInt64(info, 3, op), checkedMul(n, D, op), dt, op, "values", &vs);
  const Exec ex = execFor(ed, op, {is, vs});
  auto kernel = need(ex.backend->embed.coalesce, ex, op);
  Storage *oi, *ov;
  Napi::Value hi = newOutput(info.Env(), ed, ex, n + 1, kI32, op, &oi);
  Napi::Value hv = newOutput(info.Env(), ed, ex, checkedMul(n, D, op), dt, op, &ov);
  int32_t* outIdx = static_cast<int32_t*>(oi->data);
  void* outVals = ov->data;
  ex.run([=] { outIdx[n] = (int32_t)kernel(ex, dt, n, D, idx, vals, outIdx, outVals); });
  Napi::Array r = Napi::Array::New(info.Env(), 2);
  r.Set(uint32_t(0), hi);
  r.Set(uint32_t(1), hv);
  return r;
}

static Napi::Value Renorm(const Napi::CallbackInfo& info) {
  const char* op = "embedding";
  const int64_t V = argInt64(info, 2, op), D = argInt64(info, 3, op), rs = argInt64(info, 4, op);
  const int64_t n = argInt64(info, 7, op);
  int dt = -1;
  Storage *ws, *is;
  void* w = span(info, 0, argInt64(info, 1, op), tableExtent(V, D, rs, op), dt, op, "weight", &ws);
  const int32_t* ids = idsArg(info, 5, n, op, &is);
  const double maxNorm = argDouble(info, 8, op), normType = argDouble(info, 9, op);
  if (!(normType > 0)) fail("ERR_ARGUMENT", std::string(op) + ": normType must be > 0");
  const Exec ex = execFor(envData(info), op, {ws, is});
  auto kernel = need(ex.backend->embed.renorm, ex, op);
  checkIds(ex, ids, n, V, op);
  ex.run([=] { kernel(ex, dt, D, w, rs, ids, n, maxNorm, normType); });
  return info.Env().Undefined();
}

// What both sparse steps read: the parameter (V x D contiguous), m strictly increasing row
// indices, their m x D gradient rows; state buffers shaped as the parameter.
struct SparseStepArgs {
  int64_t V, D, m, tableN;
  int dt = -1;
  void *p, *vals;
  const int32_t* idx;
  Storage *ps, *is, *vs;
  SparseStepArgs(const Napi::CallbackInfo& info, const char* op, size_t stateCount) {
    V = argInt64(info, 2, op);
    D = argInt64(info, 3, op);
    tableN = tableExtent(V, D, D, op);
    p = span(info, 0, argInt64(info, 1, op), tableN, dt, op, "param", &ps);
    const size_t i = 4 + stateCount;
    m = argInt64(info, i + 4, op);
    idx = idsArg(info, i, m, op, &is);
    vals = span(info, i + 2, argInt64(info, i + 3, op), checkedMul(m, D, op), dt, op, "gradient rows", &vs);
  }
  // Called once the device is known to be the host's: the row-parallel kernels need distinct rows.
  void checkRows(const char* op) const {
    for (int64_t k = 0; k < m; k++)
      if (idx[k] < 0 || idx[k] >= V || (k > 0 && idx[k] <= idx[k - 1]))
        fail("ERR_ARGUMENT", std::string(op) + ": the gradient's row indices must be distinct, sorted and in [0, " +
                                 std::to_string(V) + ") (coalesce it first)");
  }
  void* state(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg, Storage** st) {
    return span(info, i, 0, tableN, dt, op, arg, st);
  }
};

static Napi::Value SparseAdagrad(const Napi::CallbackInfo& info) {
  const char* op = "Adagrad.step";
  SparseStepArgs a(info, op, 1);
  Storage* ss;
  void* sum = a.state(info, 4, op, "sum", &ss);
  const double clr = argDouble(info, 10, op), eps = argDouble(info, 11, op);
  const Exec ex = execFor(envData(info), op, {a.ps, ss, a.is, a.vs});
  auto kernel = need(ex.backend->embed.adagrad, ex, op);
  if (ex.device <= kCpu) a.checkRows(op);  // a device backend validates on its side
  const int dt = a.dt;
  const int64_t m = a.m, D = a.D;
  void* p = a.p;
  const void* vals = a.vals;
  const int32_t* idx = a.idx;
  ex.run([=] { kernel(ex, dt, m, D, p, sum, idx, vals, clr, eps); });
  return info.Env().Undefined();
}

static Napi::Value SparseAdam(const Napi::CallbackInfo& info) {
  const char* op = "SparseAdam.step";
  SparseStepArgs a(info, op, 2);
  Storage *s1, *s2;
  void* m1 = a.state(info, 4, op, "exp_avg", &s1);
  void* m2 = a.state(info, 5, op, "exp_avg_sq", &s2);
  const double lr = argDouble(info, 11, op), b1 = argDouble(info, 12, op), b2 = argDouble(info, 13, op);
  const double eps = argDouble(info, 14, op), step = argDouble(info, 15, op);
  if (!(step >= 1)) fail("ERR_ARGUMENT", std::string(op) + ": step must be >= 1");
  const Exec ex = execFor(envData(info), op, {a.ps, s1, s2, a.is, a.vs});
  auto kernel = need(ex.backend->embed.adam, ex, op);
  if (ex.device <= kCpu) a.checkRows(op);  // a device backend validates on its side
  const int dt = a.dt;
  const int64_t m = a.m, D = a.D;
  void* p = a.p;
  const void* vals = a.vals;
  const int32_t* idx = a.idx;
  ex.run([=] { kernel(ex, dt, m, D, p, m1, m2, idx, vals, lr, b1, b2, eps, step); });
  return info.Env().Undefined();
}

void registerEmbed(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "embedFindBadId", FindBadId);
  TF_EXPORT(exports, "embedLookup", Lookup);
  TF_EXPORT(exports, "embedRowsAdd", RowsAdd);
  TF_EXPORT(exports, "embedCoalesce", Coalesce);
  TF_EXPORT(exports, "embedRenorm", Renorm);
  TF_EXPORT(exports, "sparseAdagradStep", SparseAdagrad);
  TF_EXPORT(exports, "sparseAdamStep", SparseAdam);
}

}  // namespace tf
