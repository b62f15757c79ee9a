// Entry points of the norm family (issue 9): prepare on the JS thread, run through ex.run.
// Every tensor operand is a contiguous run starting at its offset; optional ones are null.
//   batchNorm(dtype, N, C, HW, x, xOff, w, wOff, b, bOff, runMean, rmOff, runVar, rvOff, training, eps, momentum)
//     -> [y (N*C*HW), stats (2C: mean then invstd)]; running stats updated in place when training
//   batchNormBackward(dtype, N, C, HW, x, xOff, dy, dyOff, stats, statsOff, w, wOff, training, flags)
//     -> [dx | null, paramGrad (2C: dweight then dbias) | null]; flags 1 dx, 2 dweight, 4 dbias
//   rowNorm(dtype, R, G, cpg, HW, x, xOff, w, wOff, b, bOff, eps) -> [y (R*cpg*HW), stats (2R: mean then rstd)]
//   rowNormBackward(dtype, R, G, cpg, HW, x, xOff, dy, dyOff, stats, statsOff, w, wOff, flags)
//     -> [dx | null, paramGrad (2*G*cpg) | null]
// Layouts: native/backend/norm.h. Sizes, dtypes, devices and extents are all checked here.
#include <vector>

#include "../cpu/norm.h"
#include "device.h"

namespace tf {

namespace {


// Reads the operands of one call, checking each against the call's dtype.
struct Reader {
  const Napi::CallbackInfo& info;
  const char* op;
  int dt;
  std::vector<const Storage*> storages;
  Reader(const Napi::CallbackInfo& i, const char* o) : info(i), op(o), dt(argDType(i, 0, o)) {
    if (dt != kF32 && dt != kF64)
      fail("ERR_DTYPE", std::string(op) + ": expected float32 or float64, got " + dtypeName(dt));
  }
  int64_t dim(size_t i, const char* name) {
    const int64_t v = argInt64(info, i, op);
    if (v < 0) fail("ERR_SHAPE", std::string(op) + ": " + name + " must be >= 0");
    return v;
  }
  // the operand (handle i, offset i + 1) holding n elements, or null when absent and optional
  void* operand(size_t i, int64_t n, const char* arg, bool optional = false) {
    if (optional && (info[i].IsNull() || info[i].IsUndefined())) return nullptr;
    Storage* s = argStorage(info, i, op);
    const int64_t off = argInt64(info, i + 1, op);
    checkDType(s, dt, op, arg);
    checkExtent(flatRun(n), 0, off, s, op, arg);
    storages.push_back(s);
    return static_cast<uint8_t*>(s->data) + off * (int64_t)dtypeSize(dt);
  }
  Exec exec(EnvData* ed) {
    int dev = -1;
    for (const Storage* s : storages) {
      if (dev < 0) dev = s->device;
      else if (s->device != dev) failMixedDevices(op, dev, s->device);
    }
    return dev <= kCpu ? Exec{kCpu, &cpuBackend(), &ed->ctx->pool} : Exec{dev, &backendFor(dev, op), &ed->ctx->pool};
  }
};

Napi::Value pair(Napi::Env env, Napi::Value a, Napi::Value b) {
  Napi::Array res = Napi::Array::New(env, 2);
  res.Set(uint32_t(0), a);
  res.Set(uint32_t(1), b);
  return res;
}

Napi::Value BatchNorm(const Napi::CallbackInfo& info) {
  const char* op = "batchNorm";
  EnvData* ed = envData(info);
  Reader r(info, op);
  BatchNormFwd a{};
  a.N = r.dim(1, "N");
  a.C = r.dim(2, "C");
  a.HW = r.dim(3, "HW");
  const int64_t numel = checkedMul(checkedMul(a.N, a.C, op), a.HW, op);
  a.x = r.operand(4, numel, "input");
  a.weight = r.operand(6, a.C, "weight", true);
  a.bias = r.operand(8, a.C, "bias", true);
  a.runMean = r.operand(10, a.C, "running_mean", true);
  a.runVar = r.operand(12, a.C, "running_var", true);
  a.training = info[14].ToBoolean().Value();
  a.eps = argDouble(info, 15, op);
  a.momentum = argDouble(info, 16, op);
  if (!(a.eps >= 0)) fail("ERR_ARGUMENT", std::string(op) + ": eps must be >= 0");
  if (!a.training && (!a.runMean || !a.runVar))
    fail("ERR_ARGUMENT", std::string(op) + ": running_mean and running_var are needed when not training");
  if ((a.runMean == nullptr) != (a.runVar == nullptr))
    fail("ERR_ARGUMENT", std::string(op) + ": running_mean and running_var must be given together");
  const Exec ex = r.exec(ed);
  auto kernel = need(ex.backend->norm.batchNormForward, ex, op);
  Storage *y, *stats;
  Napi::Value hy = newOutput(info.Env(), ed, ex, numel, r.dt, op, &y);
  Napi::Value hs = newOutput(info.Env(), ed, ex, 2 * a.C, r.dt, op, &stats);
  a.y = y->data;
  a.saveMean = stats->data;
  a.saveInvstd = static_cast<uint8_t*>(stats->data) + a.C * (int64_t)dtypeSize(r.dt);
  const int dt = r.dt;
  // nothing to normalise (lib/ops answers an empty input itself): no loop over empty rows or channels
  if (numel > 0) ex.run([=] { kernel(ex, dt, a); });
  return pair(info.Env(), hy, hs);
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  const char* op = "batchNorm.backward";
  EnvData* ed = envData(info);
  Reader r(info, op);
  BatchNormBwd a{};
  a.N = r.dim(1, "N");
  a.C = r.dim(2, "C");
  a.HW = r.dim(3, "HW");
  const int64_t numel = checkedMul(checkedMul(a.N, a.C, op), a.HW, op);
  a.x = r.operand(4, numel, "input");
  a.dy = r.operand(6, numel, "grad");
  const void* stats = r.operand(8, 2 * a.C, "stats");
  a.mean = stats;
  a.invstd = static_cast<const uint8_t*>(stats) + a.C * (int64_t)dtypeSize(r.dt);
  a.weight = r.operand(10, a.C, "weight", true);
  a.training = info[12].ToBoolean().Value();
  const int flags = argInt(info, 13, op);
  const Exec ex = r.exec(ed);
  auto kernel = need(ex.backend->norm.batchNormBackward, ex, op);
  Napi::Env env = info.Env();
  Napi::Value hdx = env.Null(), hpg = env.Null();
  Storage *dx, *pg;
  if (flags & 1) {
    hdx = newOutput(env, ed, ex, numel, r.dt, op, &dx);
    a.dx = dx->data;
  }
  if (flags & 6) {
    hpg = newOutput(env, ed, ex, 2 * a.C, r.dt, op, &pg);
    a.dweight = (flags & 2) ? pg->data : nullptr;
    a.dbias = (flags & 4) ? static_cast<uint8_t*>(pg->data) + a.C * (int64_t)dtypeSize(r.dt) : nullptr;
  }
  const int dt = r.dt;
  // nothing to normalise (lib/ops answers an empty input itself): no loop over empty rows or channels
  if (numel > 0) ex.run([=] { kernel(ex, dt, a); });
  return pair(env, hdx, hpg);
}

// R rows of cpg * HW in G groups; returns the row length
int64_t rowDims(Reader& r, const char* op, int64_t& R, int64_t& G, int64_t& cpg, int64_t& HW) {
  R = r.dim(1, "R");
  G = r.dim(2, "G");
  cpg = r.dim(3, "cpg");
  HW = r.dim(4, "HW");
  if (G < 1 || R % G != 0) fail("ERR_SHAPE", std::string(op) + ": the row count must be a multiple of the group count");
  return checkedMul(cpg, HW, op);
}

Napi::Value RowNorm(const Napi::CallbackInfo& info) {
  const char* op = "layerNorm";
  EnvData* ed = envData(info);
  Reader r(info, op);
  RowNormFwd a{};
  const int64_t D = rowDims(r, op, a.R, a.G, a.cpg, a.HW);
  const int64_t numel = checkedMul(a.R, D, op), nch = checkedMul(a.G, a.cpg, op);
  a.x = r.operand(5, numel, "input");
  a.weight = r.operand(7, nch, "weight", true);
  a.bias = r.operand(9, nch, "bias", true);
  a.eps = argDouble(info, 11, op);
  if (!(a.eps >= 0)) fail("ERR_ARGUMENT", std::string(op) + ": eps must be >= 0");
  const Exec ex = r.exec(ed);
  auto kernel = need(ex.backend->norm.rowNormForward, ex, op);
  Storage *y, *stats;
  Napi::Value hy = newOutput(info.Env(), ed, ex, numel, r.dt, op, &y);
  Napi::Value hs = newOutput(info.Env(), ed, ex, 2 * a.R, r.dt, op, &stats);
  a.y = y->data;
  a.mean = stats->data;
  a.rstd = static_cast<uint8_t*>(stats->data) + a.R * (int64_t)dtypeSize(r.dt);
  const int dt = r.dt;
  // nothing to normalise (lib/ops answers an empty input itself): no loop over empty rows or channels
  if (numel > 0) ex.run([=] { kernel(ex, dt, a); });
  return pair(info.Env(), hy, hs);
}

Napi::Value RowNormBackward(const Napi::CallbackInfo& info) {
  const char* op = "layerNorm.backward";
  EnvData* ed = envData(info);
  Reader r(info, op);
  RowNormBwd a{};
  const int64_t D = rowDims(r, op, a.R, a.G, a.cpg, a.HW);
  const int64_t numel = checkedMul(a.R, D, op), nch = checkedMul(a.G, a.cpg, op);
  a.x = r.operand(5, numel, "input");
  a.dy = r.operand(7, numel, "grad");
  const void* stats = r.operand(9, 2 * a.R, "stats");
  a.mean = stats;
  a.rstd = static_cast<const uint8_t*>(stats) + a.R * (int64_t)dtypeSize(r.dt);
  a.weight = r.operand(11, nch, "weight", true);
  const int flags = argInt(info, 13, op);
  const Exec ex = r.exec(ed);
  auto kernel = need(ex.backend->norm.rowNormBackward, ex, op);
  Napi::Env env = info.Env();
  Napi::Value hdx = env.Null(), hpg = env.Null();
  Storage *dx, *pg;
  if (flags & 1) {
    hdx = newOutput(env, ed, ex, numel, r.dt, op, &dx);
    a.dx = dx->data;
  }
  if (flags & 6) {
    hpg = newOutput(env, ed, ex, 2 * nch, r.dt, op, &pg);
    a.dweight = (flags & 2) ? pg->data : nullptr;
    a.dbias = (flags & 4) ? static_cast<uint8_t*>(pg->data) + nch * (int64_t)dtypeSize(r.dt) : nullptr;
  }
  const int dt = r.dt;
  // nothing to normalise (lib/ops answers an empty input itself): no loop over empty rows or channels
  if (numel > 0) ex.run([=] { kernel(ex, dt, a); });
  return pair(env, hdx, hpg);
}

}  // namespace

void registerNorm(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "batchNorm", BatchNorm);
  TF_EXPORT(exports, "batchNormBackward", BatchNormBackward);
  TF_EXPORT(exports, "rowNorm", RowNorm);
  TF_EXPORT(exports, "rowNormBackward", RowNormBackward);
}

}  // namespace tf
