// Test and bench entry points of our GEMM (native/cpu/gemm). Not public API (leading underscore).
// _sgemmTest(params: Float64Array [transA, transB, M, N, K, alpha, lda, ldb, beta, ldc, mode],
//   A: Float32Array, B: Float32Array, C: Float32Array): C updated in place. mode 0 sgemm on the
//   pool, 1 sgemmSerial, 2 / 4 A packed first (pool / serial), 3 / 5 B packed first.
// _gemmIsa(name?, route?): sets the active ISA ('avx512' | 'avx2' | 'scalar', capped by the CPU;
//   'avx512emu': the AVX-512 tile geometry on AVX2, for tests)
//   and whether matmul may use our sgemm; returns { active, best, route } (best: the CPU's,
//   capped by TAPEFLOW_GEMM_ISA).
// _gemmPeak(kind): 'avx512' | 'avx2' -> GFLOP/s of one core; 'triad1' | 'triad' -> STREAM triad
//   GB/s on one thread | the pool's threads.
// _gemmBench(cblas, transA, transB, M, N, K, iters) -> seconds per call (ours or cblas_sgemm).
#include <cstdlib>
#include <memory>
#include <string>

#include "../cpu/gemm/bench.h"
#include "../cpu/gemm/gemm.h"
#include "device.h"

namespace tf {

namespace {

Exec cpuExec(EnvData* ed) { return Exec{kCpu, &cpuBackend(), &ed->ctx->pool}; }

Napi::Float32Array argF32(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    fail("ERR_ARGUMENT", std::string(op) + ": argument " + std::to_string(i) + " must be a Float32Array");
  return v.As<Napi::Float32Array>();
}

// A stored rows x cols matrix with row stride ld fits in n floats.
void checkFits(const char* what, double rows, double cols, double ld, size_t n) {
  if (rows <= 0 || cols <= 0) return;
  if (ld < cols || (rows - 1) * ld + cols > (double)n)
    fail("ERR_ARGUMENT", std::string("_sgemmTest: ") + what + " (" + std::to_string((int64_t)rows) + " x " +
                             std::to_string((int64_t)cols) + ", ld " + std::to_string((int64_t)ld) +
                             ") does not fit its array of " + std::to_string(n));
}

struct FreeF {
  void operator()(float* p) const { std::free(p); }
};

}  // namespace

static Napi::Value SgemmTest(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  const char* op = "_sgemmTest";
  Napi::Value pv = info[0];
  if (!pv.IsTypedArray() || pv.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    fail("ERR_ARGUMENT", "_sgemmTest: params must be a Float64Array");
  Napi::Float64Array params = pv.As<Napi::Float64Array>();
  if (params.ElementLength() != 11) fail("ERR_ARGUMENT", "_sgemmTest: params must hold 11 numbers");
  double p[11];
  for (int i = 0; i < 11; i++) p[i] = params[i];
  for (int i : {2, 3, 4, 6, 7, 9, 10})
    if (!(p[i] >= 0 && p[i] <= 1e9 && p[i] == (int64_t)p[i])) fail("ERR_ARGUMENT", "_sgemmTest: bad size in params");
  const bool ta = p[0] != 0, tb = p[1] != 0;
  const int64_t M = (int64_t)p[2], N = (int64_t)p[3], K = (int64_t)p[4], lda = (int64_t)p[6], ldb = (int64_t)p[7],
                ldc = (int64_t)p[9], mode = (int64_t)p[10];
  const float alpha = (float)p[5], beta = (float)p[8];
  Napi::Float32Array A = argF32(info, 1, op), B = argF32(info, 2, op), C = argF32(info, 3, op);
  checkFits("A", ta ? K : M, ta ? M : K, (double)lda, A.ElementLength());
  checkFits("B", tb ? N : K, tb ? K : N, (double)ldb, B.ElementLength());
  checkFits("C", M, N, (double)ldc, C.ElementLength());
  const float *a = A.Data(), *b = B.Data();
  float* c = C.Data();
  const Exec ex = cpuExec(ed);
  std::unique_ptr<float, FreeF> packed;
  auto packBuf = [&](int64_t floats) {
    packed.reset(static_cast<float*>(std::aligned_alloc(64, ((size_t)std::max<int64_t>(floats, 1) * 4 + 63) / 64 * 64)));
    if (!packed) fail("ERR_OUT_OF_MEMORY", "_sgemmTest: out of memory");
    return packed.get();
  };
  switch (mode) {
    case 0: sgemm(ex, ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc); break;
    case 1: sgemmSerial(ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc); break;
    case 2:
    case 4: {
      const gemm::PackedA pa = gemm::packA(ta, M, K, a, lda, packBuf(gemm::packedAFloats(M, K)));
      if (mode == 2) sgemm(ex, pa, tb, N, alpha, b, ldb, beta, c, ldc);
      else sgemmSerial(pa, tb, N, alpha, b, ldb, beta, c, ldc);
      break;
    }
    case 3:
    case 5: {
      const gemm::PackedB pb = gemm::packB(tb, K, N, b, ldb, packBuf(gemm::packedBFloats(K, N)));
      if (mode == 3) sgemm(ex, ta, M, alpha, a, lda, pb, beta, c, ldc);
      else sgemmSerial(ta, M, alpha, a, lda, pb, beta, c, ldc);
      break;
    }
    default: fail("ERR_ARGUMENT", "_sgemmTest: mode must be 0..5");
  }
  return info.Env().Undefined();
}

static Napi::Value GemmIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsString()) fail("ERR_ARGUMENT", "_gemmIsa: name must be a string");
    const std::string s = info[0].As<Napi::String>();
    gemm::Isa isa = s == "avx512"      ? gemm::Isa::kAvx512
                    : s == "avx2"      ? gemm::Isa::kAvx2
                    : s == "avx512emu" ? gemm::Isa::kAvx512Emu
                                       : gemm::Isa::kScalar;
    if (s != "avx512" && s != "avx2" && s != "scalar" && s != "avx512emu")
      fail("ERR_ARGUMENT", "_gemmIsa: name must be 'avx512', 'avx2', 'avx512emu' or 'scalar', got '" + s + "'");
    gemm::setActiveIsa(isa);
  }
  if (info.Length() > 1 && !info[1].IsUndefined()) {
    if (!info[1].IsBoolean()) fail("ERR_ARGUMENT", "_gemmIsa: route must be a boolean");
    gemm::setMatmulRoute(info[1].As<Napi::Boolean>());
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("active", gemm::isaName(gemm::activeIsa()));
  o.Set("best", gemm::isaName(gemm::bestIsa()));
  o.Set("route", gemm::matmulRoute());
  return o;
}

static Napi::Value GemmPeak(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  if (!info[0].IsString()) fail("ERR_ARGUMENT", "_gemmPeak: kind must be a string");
  const std::string k = info[0].As<Napi::String>();
  double v;
  if (k == "avx512") v = gemm::fmaPeakGflops(gemm::Isa::kAvx512);
  else if (k == "avx2") v = gemm::fmaPeakGflops(gemm::Isa::kAvx2);
  else if (k == "triad1" || k == "triad") v = gemm::triadGBs(cpuExec(ed), k == "triad1" ? 1 : ed->ctx->pool.numThreads());
  else fail("ERR_ARGUMENT", "_gemmPeak: kind must be 'avx512', 'avx2', 'triad1' or 'triad', got '" + k + "'");
  return Napi::Number::New(info.Env(), v);
}

static Napi::Value GemmBench(const Napi::CallbackInfo& info) {
  EnvData* ed = envData(info);
  const char* op = "_gemmBench";
  const bool cblas = argInt(info, 0, op) != 0, ta = argInt(info, 1, op) != 0, tb = argInt(info, 2, op) != 0;
  const double s = gemm::benchGemmSeconds(cpuExec(ed), cblas, ta, tb, argInt64(info, 3, op), argInt64(info, 4, op),
                                          argInt64(info, 5, op), argInt64(info, 6, op));
  return Napi::Number::New(info.Env(), s);
}

void registerGemm(Napi::Env env, Napi::Object exports) {
  TF_EXPORT(exports, "_sgemmTest", SgemmTest);
  TF_EXPORT(exports, "_gemmIsa", GemmIsa);
  TF_EXPORT(exports, "_gemmPeak", GemmPeak);
  TF_EXPORT(exports, "_gemmBench", GemmBench);
}

}  // namespace tf
