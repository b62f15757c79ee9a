// Random tensors. The generator state (seed, offset) lives in JS (lib/ops/random.ts);
// each entry point fills a fresh contiguous buffer from (seed, offset) and returns the
// number of Philox counters it used, which JS adds to its offset.
//
//   randomFill(dst, n, kind, seedLo, seedHi, offset, a, b) -> counters   (kind: cpu/random.h)
//   bernoulliFill(dst, n, p, pOffset, seedLo, seedHi, offset) -> counters (p: n contiguous from pOffset)
//   randperm(dst int32, n, seedLo, seedHi, offset) -> counters
// dst is filled from element 0 to n - 1 (n must fit in its storage).
//   philox4x32(c0, c1, c2, c3, k0, k1) -> [4 words]                   (known-answer tests)
#include "../cpu/random.h"

#include <cmath>

#include "device.h"

namespace tf {

static uint32_t argU32(const Napi::CallbackInfo& info, size_t i, const char* op) {
  int64_t v = argInt64(info, i, op);
  if (v < 0 || v > 0xFFFFFFFFLL) fail("ERR_ARGUMENT", std::string(op) + ": argument " + std::to_string(i) + " must be a uint32");
  return (uint32_t)v;
}

static uint64_t argSeed(const Napi::CallbackInfo& info, size_t i, const char* op) {
  return ((uint64_t)argU32(info, i + 1, op) << 32) | argU32(info, i, op);
}

static uint64_t argOffset(const Napi::CallbackInfo& info, size_t i, const char* op) {
  int64_t v = argInt64(info, i, op);
  if (v < 0) fail("ERR_ARGUMENT", std::string(op) + ": counter offset must be >= 0");
  return (uint64_t)v;
}

static int64_t capacity(const Storage* s) { return (int64_t)(s->nbytes / dtypeSize(s->dtype)); }

static int64_t argCount(const Napi::CallbackInfo& info, size_t i, const Storage* dst, const char* op) {
  int64_t n = argInt64(info, i, op);
  if (n < 0 || n > capacity(dst)) fail("ERR_OUT_OF_BOUNDS", std::string(op) + ": element count outside the output storage");
  return n;
}

static Napi::Value RandomFill(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  const char* op = "random";
  Storage* dst = argStorage(info, 0, op);
  int64_t n = argCount(info, 1, dst, op);
  int kind = argInt(info, 2, op);
  uint64_t seed = argSeed(info, 3, op);
  uint64_t offset = argOffset(info, 5, op);
  double a = argDouble(info, 6, op), b = argDouble(info, 7, op);
  const Exec ex = execFor(ed, op, {dst});
  auto kernel = need(ex.backend->random.fill, ex, op);
  // The counters used come back to JS at once (it advances its stream offset), so this run
  // is awaited in place; a queued version would take them from randomCounters() instead.
  uint64_t used = 0;
  void* d = dst->data;
  const int dt = dst->dtype;
  ex.run([&used, ex, kernel, d, dt, n, kind, seed, offset, a, b] { used = kernel(ex, d, dt, n, kind, seed, offset, a, b); });
  return Napi::Number::New(info.Env(), (double)used);
}

static Napi::Value BernoulliFill(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  const char* op = "bernoulli";
  Storage* dst = argStorage(info, 0, op);
  int64_t n = argCount(info, 1, dst, op);
  Storage* p = argStorage(info, 2, op);
  int64_t pOff = argInt64(info, 3, op);
  uint64_t seed = argSeed(info, 4, op);
  uint64_t offset = argOffset(info, 6, op);
  if (pOff < 0 || pOff > capacity(p) || n > capacity(p) - pOff)
    fail("ERR_OUT_OF_BOUNDS", "bernoulli: probabilities reach outside their storage");
  size_t pe = dtypeSize(p->dtype);
  const Exec ex = execFor(ed, op, {dst, p});
  auto kernel = need(ex.backend->random.bernoulli, ex, op);
  uint64_t used = 0;
  void* d = dst->data;
  const int dt = dst->dtype, pdt = p->dtype;
  const void* pp = static_cast<uint8_t*>(p->data) + pOff * pe;
  ex.run([&used, ex, kernel, d, dt, pp, pdt, n, seed, offset] { used = kernel(ex, d, dt, pp, pdt, n, seed, offset); });
  return Napi::Number::New(info.Env(), (double)used);
}

static Napi::Value Randperm(const Napi::CallbackInfo& info) {
  const char* op = "randperm";
  Storage* dst = argStorage(info, 0, op);
  checkDType(dst, kI32, op, "output");
  if (dst->device != kCpu) failNotOnDevice(op, dst->device);
  int64_t n = argCount(info, 1, dst, op);
  uint64_t seed = argSeed(info, 2, op);
  uint64_t offset = argOffset(info, 4, op);
  uint64_t used = randpermFill(static_cast<int32_t*>(dst->data), n, seed, offset);
  return Napi::Number::New(info.Env(), (double)used);
}

static Napi::Value Philox4x32(const Napi::CallbackInfo& info) {
  const char* op = "philox4x32";
  uint32_t ctr[4], key[2], out[4];
  for (int i = 0; i < 4; i++) ctr[i] = argU32(info, (size_t)i, op);
  for (int i = 0; i < 2; i++) key[i] = argU32(info, (size_t)(4 + i), op);
  philox4x32_10(ctr, key, out);
  Napi::Env env = info.Env();
  Napi::Array arr = Napi::Array::New(env, 4);
  for (uint32_t i = 0; i < 4; i++) arr.Set(i, Napi::Number::New(env, (double)out[i]));
  return arr;
}

void registerRandom(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "randomFill", RandomFill);
  TF_EXPORT(exports, "bernoulliFill", BernoulliFill);
  TF_EXPORT(exports, "randperm", Randperm);
  TF_EXPORT(exports, "philox4x32", Philox4x32);
}

}  // namespace tf
