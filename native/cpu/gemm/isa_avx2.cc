// The AVX2/FMA microkernels: a 6 x 16 register tile (12 ymm accumulators, two B vectors and
// one broadcast: 15 of 16 registers), covering 4-5 cycle FMA latency on two 256-bit pipes.
#include <cstdint>

#include "kernels.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>  // before the pragma: its own functions carry their targets

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "micro.h"

namespace tf {
namespace gemm {
namespace {

// lanes [8 - n, 16) of this window are -1: loading 8 ints from kMaskWindow + 8 - n gives a
// mask of n leading ones
alignas(64) constexpr int32_t kMaskWindow[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

struct Avx2 {
  using V = __m256;
  static constexpr int W = 8, MR = 6, NV = 2;
  static inline V zero() { return _mm256_setzero_ps(); }
  static inline V set1(float x) { return _mm256_set1_ps(x); }
  static inline V load(const float* p) { return _mm256_loadu_ps(p); }
  static inline V bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static inline __m256i mask(int n) { return _mm256_loadu_si256((const __m256i*)(kMaskWindow + 8 - n)); }
  // masked-off lanes are neither read nor written (no fault past the end of C)
  static inline V loadN(const float* p, int n) { return _mm256_maskload_ps(p, mask(n)); }
  static inline void store(float* p, V x) { _mm256_storeu_ps(p, x); }
  static inline void storeN(float* p, V x, int n) { _mm256_maskstore_ps(p, mask(n), x); }
};

// Test-only: the AVX-512 tile geometry (14 x 32, 16-lane vectors, its cache blocks) on pairs of
// AVX2 vectors, so a CPU without AVX-512 still runs every shape, edge mask and block boundary the
// AVX-512 kernels see; only Avx512's one-line intrinsic wrappers are not exercised. Slow (spills).
struct Avx512Emu {
  struct V {
    __m256 lo, hi;
  };
  static constexpr int W = 16, MR = 14, NV = 2;
  static inline V zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
  static inline V set1(float x) { return {_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
  static inline V load(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
  static inline V bcast(const float* p) { return {_mm256_broadcast_ss(p), _mm256_broadcast_ss(p)}; }
  static inline V fma(V a, V b, V c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
  static inline V mul(V a, V b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
  static inline V loadN(const float* p, int n) {
    return {_mm256_maskload_ps(p, Avx2::mask(n < 8 ? n : 8)), _mm256_maskload_ps(p + 8, Avx2::mask(n > 8 ? n - 8 : 0))};
  }
  static inline void store(float* p, V x) {
    _mm256_storeu_ps(p, x.lo);
    _mm256_storeu_ps(p + 8, x.hi);
  }
  static inline void storeN(float* p, V x, int n) {
    _mm256_maskstore_ps(p, Avx2::mask(n < 8 ? n : 8), x.lo);
    _mm256_maskstore_ps(p + 8, Avx2::mask(n > 8 ? n - 8 : 0), x.hi);
  }
};
constexpr KernelSet kEmu = makeKernelSet<Avx512Emu>("avx512emu", 192, 168, 1024);

// KC 256: a 256 x 16 B sliver is 16 KiB of L1. MC 120: the 120 x 256 A block is 120 KiB of
// L2. NC 1024: the B block 1 MiB (L2/L3).
constexpr KernelSet kSet = makeKernelSet<Avx2>("avx2", 256, 120, 1024);

}  // namespace

const KernelSet& avx2Kernels() { return kSet; }
const KernelSet& avx512EmuKernels() { return kEmu; }

}  // namespace gemm
}  // namespace tf
#pragma GCC pop_options

#else
namespace tf {
namespace gemm {
const KernelSet& avx2Kernels() { return scalarKernels(); }
const KernelSet& avx512EmuKernels() { return scalarKernels(); }
}  // namespace gemm
}  // namespace tf
#endif
