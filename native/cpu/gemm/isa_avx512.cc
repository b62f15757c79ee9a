// The AVX-512 microkernels: a 14 x 32 register tile (28 zmm accumulators, two B vectors and
// one broadcast: 31 of 32 registers), enough independent FMAs to cover 4-cycle latency on
// two 512-bit FMA pipes (Zen 5, Xeon). The broadcast folds into the FMA ({1to16} operand).
#include <cstdint>

#include "kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>  // before the pragma: its own functions carry their targets

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,fma,avx2")
#include "micro.h"

namespace tf {
namespace gemm {
namespace {

struct Avx512 {
  using V = __m512;
  static constexpr int W = 16, MR = 14, NV = 2;
  static inline V zero() { return _mm512_setzero_ps(); }
  static inline V set1(float x) { return _mm512_set1_ps(x); }
  static inline V load(const float* p) { return _mm512_loadu_ps(p); }
  static inline V bcast(const float* p) { return _mm512_set1_ps(*p); }
  static inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  // masked-off lanes are neither read nor written (no fault past the end of C)
  static inline V loadN(const float* p, int n) { return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p); }
  static inline void store(float* p, V x) { _mm512_storeu_ps(p, x); }
  static inline void storeN(float* p, V x, int n) { _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), x); }
};

// KC 192: a 192 x 32 B sliver is 24 KiB, within L1 (32-48 KiB) beside the A stream.
// MC 168: the 168 x 192 A block is 126 KiB of L2. NC 1024: the B block 768 KiB.
constexpr KernelSet kSet = makeKernelSet<Avx512>("avx512", 192, 168, 1024);

}  // namespace

const KernelSet& avx512Kernels() { return kSet; }

}  // namespace gemm
}  // namespace tf
#pragma GCC pop_options

#else
namespace tf {
namespace gemm {
// Not an x86-64 GCC/Clang build: the driver never selects AVX-512 (bestIsa), so no table.
const KernelSet& avx512Kernels() { return scalarKernels(); }
}  // namespace gemm
}  // namespace tf
#endif
