#include "pack.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TF_GEMM_X86 1
#endif

namespace tf {
namespace gemm {

namespace {

// B (k, j) at B[k*ldb + j] into NR-wide slivers, a fixed-length copy per sliver row that the
// compiler turns into vector moves.
template <int NR>
void packBRows(const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* dst,
               int64_t sliverStride) {
  const int64_t full = nc / NR;
  const int rest = (int)(nc - full * NR);
  for (int64_t s = 0; s < full; s++) {
    const float* src = B + k0 * ldb + j0 + s * NR;
    float* d = dst + s * sliverStride;
    for (int64_t k = 0; k < kc; k++)
      for (int t = 0; t < NR; t++) d[k * NR + t] = src[k * ldb + t];
  }
  if (rest) {
    const float* src = B + k0 * ldb + j0 + full * NR;
    float* d = dst + full * sliverStride;
    for (int64_t k = 0; k < kc; k++) {
      for (int t = 0; t < rest; t++) d[k * NR + t] = src[k * ldb + t];
      for (int t = rest; t < NR; t++) d[k * NR + t] = 0.0f;
    }
  }
}

// One full MR-row sliver of A: element (i, k) at A[i*ars + k*aks].
template <int MR>
void packASliver(const float* A, int64_t ars, int64_t aks, int64_t kc, float* d) {
  for (int64_t k = 0; k < kc; k++)
    for (int r = 0; r < MR; r++) d[k * MR + r] = A[r * ars + k * aks];
}

}  // namespace

#ifdef TF_GEMM_X86
namespace {

bool haveAvx2() {
  static const bool yes = (__builtin_cpu_init(), __builtin_cpu_supports("avx2") != 0);
  return yes;
}

// d[t*ldd + c] = src[c*lds + t] for an 8 x 8 block: rows c of the source (8 k each) become
// the 8 columns of 8 consecutive sliver rows (the transposed B operand, Linear's x W^T).
__attribute__((target("avx2"))) void transpose8x8(const float* src, int64_t lds, float* d, int64_t ldd) {
  __m256 r0 = _mm256_loadu_ps(src + 0 * lds), r1 = _mm256_loadu_ps(src + 1 * lds);
  __m256 r2 = _mm256_loadu_ps(src + 2 * lds), r3 = _mm256_loadu_ps(src + 3 * lds);
  __m256 r4 = _mm256_loadu_ps(src + 4 * lds), r5 = _mm256_loadu_ps(src + 5 * lds);
  __m256 r6 = _mm256_loadu_ps(src + 6 * lds), r7 = _mm256_loadu_ps(src + 7 * lds);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(d + 0 * ldd, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(d + 1 * ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// A full 6-row sliver of a row-major A (element (r, k) at A[r*lda + k]), 8 k at a time: the
// six row segments transposed in registers, each k's 6 values stored at once (never past the
// sliver: the next one may be another thread's). AVX2 masked stores are slow on AMD.
__attribute__((target("avx2"))) void packA6Rows(const float* A, int64_t lda, int64_t kc, float* d) {
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8) {
    const __m256 r0 = _mm256_loadu_ps(A + 0 * lda + k), r1 = _mm256_loadu_ps(A + 1 * lda + k);
    const __m256 r2 = _mm256_loadu_ps(A + 2 * lda + k), r3 = _mm256_loadu_ps(A + 3 * lda + k);
    const __m256 r4 = _mm256_loadu_ps(A + 4 * lda + k), r5 = _mm256_loadu_ps(A + 5 * lda + k);
    const __m256 z = _mm256_setzero_ps();
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
    __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
    __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, z, 0x44), u5 = _mm256_shuffle_ps(t4, z, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, z, 0x44), u7 = _mm256_shuffle_ps(t5, z, 0xEE);
    // 8-float stores, each one's 2 extra floats overwritten by the next; the last k's as 4 + 2
    _mm256_storeu_ps(d + (k + 0) * 6, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(d + (k + 1) * 6, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(d + (k + 2) * 6, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(d + (k + 3) * 6, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(d + (k + 4) * 6, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(d + (k + 5) * 6, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(d + (k + 6) * 6, _mm256_permute2f128_ps(u2, u6, 0x31));
    const __m256 last = _mm256_permute2f128_ps(u3, u7, 0x31);
    _mm_storeu_ps(d + (k + 7) * 6, _mm256_castps256_ps128(last));
    _mm_storel_pi(reinterpret_cast<__m64*>(d + (k + 7) * 6 + 4), _mm256_extractf128_ps(last, 1));
  }
  for (; k < kc; k++)
    for (int r = 0; r < 6; r++) d[k * 6 + r] = A[r * lda + k];
}

}  // namespace
#endif

void packASlivers(bool transA, const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc, int mr,
                  float* dst, int64_t sliverStride) {
  for (int64_t s = 0; s * mr < mc; s++) {
    const int64_t i = i0 + s * mr;
    const int m = (int)std::min<int64_t>(mr, i0 + mc - i);
    float* d = dst + s * sliverStride;
    if (m == mr && (mr == 6 || mr == 14)) {
      const float* src = transA ? A + k0 * lda + i : A + i * lda + k0;
      const int64_t ars = transA ? 1 : lda, aks = transA ? lda : 1;
#ifdef TF_GEMM_X86
      if (mr == 6 && !transA && haveAvx2()) {  // the AVX2 tile's A: conv weights, Linear's x
        packA6Rows(src, lda, kc, d);
        continue;
      }
#endif
      if (mr == 6) packASliver<6>(src, ars, aks, kc, d);
      else packASliver<14>(src, ars, aks, kc, d);
    } else if (transA) {
      // element (i, k) at A[k*lda + i]: each k is a contiguous run of m floats
      for (int64_t k = 0; k < kc; k++) std::memcpy(d + k * mr, A + (k0 + k) * lda + i, sizeof(float) * (size_t)m);
    } else {
      // element (i, k) at A[i*lda + k]: m row streams read in step, the sliver written in order
      const float* rows[32];
      for (int r = 0; r < m; r++) rows[r] = A + (i + r) * lda + k0;
      for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < m; r++) d[k * mr + r] = rows[r][k];
    }
  }
}


void packBSlivers(bool transB, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr,
                  float* dst, int64_t sliverStride) {
  if (!transB && nr == 16) return packBRows<16>(B, ldb, k0, kc, j0, nc, dst, sliverStride);
  if (!transB && nr == 32) return packBRows<32>(B, ldb, k0, kc, j0, nc, dst, sliverStride);
  for (int64_t s = 0; s * nr < nc; s++) {
    const int64_t j = j0 + s * nr;
    const int n = (int)std::min<int64_t>(nr, j0 + nc - j);
    float* d = dst + s * sliverStride;
    if (!transB) {
      // element (k, j) at B[k*ldb + j]: each k is a contiguous run of n floats
      for (int64_t k = 0; k < kc; k++) {
        std::memcpy(d + k * nr, B + (k0 + k) * ldb + j, sizeof(float) * (size_t)n);
        if (n < nr) std::memset(d + k * nr + n, 0, sizeof(float) * (size_t)(nr - n));
      }
    } else {
      // element (k, j) at B[j*ldb + k]: a transpose, 8 k at a time so each column's reads stay
      // contiguous and the writes fill whole sliver rows
      int64_t k = 0;
#ifdef TF_GEMM_X86
      if (n == nr && nr % 8 == 0 && haveAvx2()) {
        for (; k + 8 <= kc; k += 8)
          for (int c = 0; c < nr; c += 8) transpose8x8(B + (j + c) * ldb + k0 + k, ldb, d + k * nr + c, nr);
      }
#endif
      for (; k + 8 <= kc; k += 8) {
        for (int c = 0; c < n; c++) {
          const float* src = B + (j + c) * ldb + k0 + k;
          for (int t = 0; t < 8; t++) d[(k + t) * nr + c] = src[t];
        }
        for (int t = 0; t < 8; t++)
          for (int c = n; c < nr; c++) d[(k + t) * nr + c] = 0.0f;
      }
      for (; k < kc; k++) {
        for (int c = 0; c < n; c++) d[k * nr + c] = B[(j + c) * ldb + k0 + k];
        for (int c = n; c < nr; c++) d[k * nr + c] = 0.0f;
      }
    }
  }
}

}  // namespace gemm
}  // namespace tf
