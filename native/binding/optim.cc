// Fused optimizer steps. Each entry point updates one parameter (and its state) in place:
//   sgdStep(n, p, pOff, g, gOff, buf|null, lr, momentum, dampening, weightDecay, nesterov, firstStep)
//   adamStep(n, p, pOff, g, gOff, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, decoupled, step)
//   rmspropStep(n, p, pOff, g, gOff, squareAvg, gradAvg|null, buf|null, lr, alpha, eps, weightDecay, momentum)
//   adagradStep(n, p, pOff, g, gOff, stateSum, lr, lrDecay, weightDecay, eps, step)
// Every operand is a contiguous run of n elements of the parameter's float dtype starting at
// its offset (state buffers at offset 0); extents and dtypes are checked here.
#include "../cpu/optim.h"
#include "device.h"

namespace tf {


// The data pointer of operand (handle at i, offset off) after checking dtype, device and extent.
// `device` < 0 takes the operand's device; otherwise it must match.
static void* operand(const Napi::CallbackInfo& info, size_t i, int64_t off, const StridedLayout<1>& L, int dtype,
                     const char* op, const char* arg, int& device) {
  Storage* s = argStorage(info, i, op);
  checkDType(s, dtype, op, arg);
  if (device < 0) device = s->device;
  else if (s->device != device) failMixedDevices(op, device, s->device);
  checkExtent(L, 0, off, s, op, arg);
  return static_cast<uint8_t*>(s->data) + off * (int64_t)dtypeSize(dtype);
}

static bool isAbsent(const Napi::CallbackInfo& info, size_t i) { return info[i].IsNull() || info[i].IsUndefined(); }

static void* optionalOperand(const Napi::CallbackInfo& info, size_t i, const StridedLayout<1>& L, int dtype,
                             const char* op, const char* arg, int& device) {
  return isAbsent(info, i) ? nullptr : operand(info, i, 0, L, dtype, op, arg, device);
}

// Reads n and the parameter; returns the parameter's dtype.
static int paramDType(const Napi::CallbackInfo& info, const char* op, int64_t& n) {
  n = argInt64(info, 0, op);
  if (n < 0) fail("ERR_ARGUMENT", std::string(op) + ": negative element count");
  Storage* p = argStorage(info, 1, op);
  if (p->dtype != kF32 && p->dtype != kF64)
    fail("ERR_DTYPE", std::string(op) + ": parameter has dtype " + dtypeName(p->dtype) + ", expected float32 or float64");
  return p->dtype;
}

// What every step reads first: args 0-4 (n, param, paramOff, grad, gradOff), checked.
struct StepArgs {
  EnvData* ed;
  int64_t n;
  int dt;
  mutable int device = -1;  // every operand's (checked as each is read)
  StridedLayout<1> L;
  void* p;
  const void* g;
  StepArgs(const Napi::CallbackInfo& info, const char* op) : ed(envData(info)) {
    dt = paramDType(info, op, n);
    L = flatRun(n);
    p = operand(info, 1, argInt64(info, 2, op), L, dt, op, "param", device);
    g = operand(info, 3, argInt64(info, 4, op), L, dt, op, "grad", device);
  }
  // The state buffer at argument i (offset 0), optional when `optional`.
  void* state(const Napi::CallbackInfo& info, size_t i, const char* op, const char* arg, bool optional = false) const {
    return optional ? optionalOperand(info, i, L, dt, op, arg, device) : operand(info, i, 0, L, dt, op, arg, device);
  }
  // The context for the update (all operands were checked to share `device`).
  Exec exec(const char* op) const {
    return device <= kCpu ? Exec{kCpu, &cpuBackend(), &ed->ctx->pool} : Exec{device, &backendFor(device, op), &ed->ctx->pool};
  }
};

static Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  const char* op = "sgdStep";
  const StepArgs a(info, op);
  void* buf = a.state(info, 5, op, "momentum_buffer", true);
  double lr = argDouble(info, 6, op), momentum = argDouble(info, 7, op), dampening = argDouble(info, 8, op);
  double wd = argDouble(info, 9, op);
  bool nesterov = argInt(info, 10, op) != 0, first = argInt(info, 11, op) != 0;
  const Exec ex = a.exec(op);
  auto kernel = need(ex.backend->optim.sgd, ex, op);
  if (a.n == 0) return info.Env().Undefined();
  const int dt = a.dt;
  const int64_t n = a.n;
  void* p = a.p;
  const void* g = a.g;
  ex.run([=] { kernel(ex, dt, n, p, g, buf, lr, momentum, dampening, wd, nesterov, first); });
  return info.Env().Undefined();
}

static Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  const char* op = "adamStep";
  const StepArgs a(info, op);
  void* m = a.state(info, 5, op, "exp_avg");
  void* v = a.state(info, 6, op, "exp_avg_sq");
  double lr = argDouble(info, 7, op), b1 = argDouble(info, 8, op), b2 = argDouble(info, 9, op);
  double eps = argDouble(info, 10, op), wd = argDouble(info, 11, op);
  bool decoupled = argInt(info, 12, op) != 0;
  double step = argDouble(info, 13, op);
  if (!(step >= 1)) fail("ERR_ARGUMENT", std::string(op) + ": step must be >= 1");
  const Exec ex = a.exec(op);
  auto kernel = need(ex.backend->optim.adam, ex, op);
  if (a.n == 0) return info.Env().Undefined();
  const int dt = a.dt;
  const int64_t n = a.n;
  void* p = a.p;
  const void* g = a.g;
  ex.run([=] { kernel(ex, dt, n, p, g, m, v, lr, b1, b2, eps, wd, decoupled, step); });
  return info.Env().Undefined();
}

static Napi::Value RmspropStep(const Napi::CallbackInfo& info) {
  const char* op = "rmspropStep";
  const StepArgs a(info, op);
  void* sq = a.state(info, 5, op, "square_avg");
  void* ga = a.state(info, 6, op, "grad_avg", true);
  void* buf = a.state(info, 7, op, "momentum_buffer", true);
  double lr = argDouble(info, 8, op), alpha = argDouble(info, 9, op), eps = argDouble(info, 10, op);
  double wd = argDouble(info, 11, op), momentum = argDouble(info, 12, op);
  if (momentum > 0 && !buf) fail("ERR_ARGUMENT", std::string(op) + ": momentum > 0 needs a momentum buffer");
  const Exec ex = a.exec(op);
  auto kernel = need(ex.backend->optim.rmsprop, ex, op);
  if (a.n == 0) return info.Env().Undefined();
  const int dt = a.dt;
  const int64_t n = a.n;
  void* p = a.p;
  const void* g = a.g;
  ex.run([=] { kernel(ex, dt, n, p, g, sq, ga, buf, lr, alpha, eps, wd, momentum); });
  return info.Env().Undefined();
}

static Napi::Value AdagradStep(const Napi::CallbackInfo& info) {
  const char* op = "adagradStep";
  const StepArgs a(info, op);
  void* ss = a.state(info, 5, op, "sum");
  double lr = argDouble(info, 6, op), lrDecay = argDouble(info, 7, op), wd = argDouble(info, 8, op);
  double eps = argDouble(info, 9, op), step = argDouble(info, 10, op);
  if (!(step >= 1)) fail("ERR_ARGUMENT", std::string(op) + ": step must be >= 1");
  const Exec ex = a.exec(op);
  auto kernel = need(ex.backend->optim.adagrad, ex, op);
  if (a.n == 0) return info.Env().Undefined();
  const int dt = a.dt;
  const int64_t n = a.n;
  void* p = a.p;
  const void* g = a.g;
  ex.run([=] { kernel(ex, dt, n, p, g, ss, lr, lrDecay, wd, eps, step); });
  return info.Env().Undefined();
}

void registerOptim(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "sgdStep", SgdStep);
  TF_EXPORT(exports, "adamStep", AdamStep);
  TF_EXPORT(exports, "rmspropStep", RmspropStep);
  TF_EXPORT(exports, "adagradStep", AdagradStep);
}

}  // namespace tf
