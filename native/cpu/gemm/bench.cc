#include "bench.h"

#include <cblas.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <memory>
#include <string>

#include "../../core/error.h"

namespace tf {
namespace gemm {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// 16 independent accumulators: 2 FMA pipes x 4-5 cycles latency need 8-10 in flight.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// noipa: otherwise GCC sees a const function and may move the call out of the timed region
__attribute__((target("avx512f"), noipa)) float fmaLoop512(int64_t iters, float seed) {
  __m512 acc[16];
  for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps(seed + (float)i);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; it++)
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  __m512 s = acc[0];
  for (int i = 1; i < 16; i++) s = _mm512_add_ps(s, acc[i]);
  float out[16];  // (not _mm512_reduce_add_ps: GCC 12's header warns about an undefined operand)
  _mm512_storeu_ps(out, s);
  float t = 0.0f;
  for (int i = 0; i < 16; i++) t += out[i];
  return t;
}
__attribute__((target("avx2,fma"), noipa)) float fmaLoop256(int64_t iters, float seed) {
  __m256 acc[12];  // 12 + 2 constants fit the 16 ymm registers
  for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps(seed + (float)i);
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; it++)
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  __m256 s = acc[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, acc[i]);
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}
#endif

volatile float gSink;

struct FreeF {
  void operator()(float* p) const { std::free(p); }
};
using Buf = std::unique_ptr<float, FreeF>;
Buf alloc(int64_t n, const char* what) {
  Buf b(static_cast<float*>(std::aligned_alloc(64, ((size_t)n * sizeof(float) + 63) / 64 * 64)));
  if (!b) fail("ERR_OUT_OF_MEMORY", std::string("bench: out of memory for ") + what);
  return b;
}

}  // namespace

double fmaPeakGflops(Isa isa) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  const bool ok = isa == Isa::kAvx512 ? __builtin_cpu_supports("avx512f") : isa == Isa::kAvx2 && __builtin_cpu_supports("fma");
  if (!ok) return 0.0;
  const int lanes = isa == Isa::kAvx512 ? 16 : 8, accs = isa == Isa::kAvx512 ? 16 : 12;
  auto once = [&](int64_t iters) {
    auto t0 = Clock::now();
    gSink = isa == Isa::kAvx512 ? fmaLoop512(iters, 1.0f) : fmaLoop256(iters, 1.0f);
    return since(t0);
  };
  int64_t iters = 1 << 20;
  while (once(iters) < 0.02) iters *= 2;  // also warms the core's clock and the wide units
  double best = 1e30;
  for (int r = 0; r < 15; r++) best = std::min(best, once(iters));  // best of 15: other load only slows
  return (double)iters * accs * lanes * 2 / best / 1e9;
#else
  (void)isa;
  return 0.0;
#endif
}

double triadGBs(const Exec& ex, int threads) {
  const int64_t n = 8 << 20;  // 8 Mi floats = 32 MiB per array
  Buf a = alloc(n, "triad"), b = alloc(n, "triad"), c = alloc(n, "triad");
  float *pa = a.get(), *pb = b.get(), *pc = c.get();
  ThreadPool& pool = ex.pool();
  const int parts = std::max(1, std::min(threads, pool.numThreads()));
  const int64_t chunk = (n + parts - 1) / parts;
  // each part first-touches the pages it will stream, as STREAM does
  auto each = [&](auto&& body) {
    if (parts == 1) return body(0, n);
    pool.parallelFor(parts, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t p = lo; p < hi; p++) body(p * chunk, std::min(n, (p + 1) * chunk));
    });
  };
  each([&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; i++) pa[i] = 0.0f, pb[i] = 1.0f, pc[i] = 2.0f;
  });
  const float s = 3.0f;
  double best = 1e30;
  for (int r = 0; r < 6; r++) {
    auto t0 = Clock::now();
    each([&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; i++) pa[i] = pb[i] + s * pc[i];
    });
    best = std::min(best, since(t0));
  }
  gSink = pa[n / 2];
  return 12.0 * (double)n / best / 1e9;
}

double benchGemmSeconds(const Exec& ex, bool cblas, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
                        int64_t iters) {
  if (M < 1 || N < 1 || K < 1 || M > 16384 || N > 16384 || K > 16384)
    fail("ERR_ARGUMENT", "benchGemm: M, N, K must be 1..16384, got " + std::to_string(M) + ", " + std::to_string(N) +
                             ", " + std::to_string(K));
  if (iters < 1) fail("ERR_ARGUMENT", "benchGemm: iters must be >= 1");
  Buf A = alloc(M * K, "A"), B = alloc(K * N, "B"), C = alloc(M * N, "C");
  uint32_t st = 12345;
  auto rnd = [&] {
    st = st * 1664525u + 1013904223u;
    return (float)(st >> 8) / 16777216.0f - 0.5f;
  };
  for (int64_t i = 0; i < M * K; i++) A.get()[i] = rnd();
  for (int64_t i = 0; i < K * N; i++) B.get()[i] = rnd();
  for (int64_t i = 0; i < M * N; i++) C.get()[i] = 0.0f;
  const int64_t lda = transA ? M : K, ldb = transB ? K : N;
  auto call = [&] {
    if (cblas) {
      cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, (int)M, (int)N,
                  (int)K, 1.0f, A.get(), (int)lda, B.get(), (int)ldb, 0.0f, C.get(), (int)N);
    } else {
      sgemm(ex, transA, transB, M, N, K, 1.0f, A.get(), lda, B.get(), ldb, 0.0f, C.get(), N);
    }
  };
  if (cblas) ex.pool().park();  // OpenBLAS brings its own threads
  call();
  auto t0 = Clock::now();
  for (int64_t it = 0; it < iters; it++) call();
  return since(t0) / (double)iters;
}

}  // namespace gemm
}  // namespace tf
