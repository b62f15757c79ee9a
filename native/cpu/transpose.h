// Cache-tile transposes shared by the copy and elementwise kernels: dst[a][b] = src[b][a]
// over a rows x cols tile, through 8x8 AVX2 register blocks for 4-byte element types.
#pragma once
#include <cstdint>
#include <type_traits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace tf {

#if defined(__AVX2__)
// One 8x8 block of 4-byte elements: src rows at stride ss (contiguous along a), dst rows at
// stride ds (contiguous along b).
template <typename T>
inline void transpose8x8(const T* src, int64_t ss, T* dst, int64_t ds) {
  static_assert(sizeof(T) == 4, "transpose8x8 moves 4-byte elements");
  __m256 r[8], t[8];
  for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(reinterpret_cast<const float*>(src + k * ss));
  for (int k = 0; k < 4; k++) {
    t[2 * k] = _mm256_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 2; k++) {
    r[4 * k + 0] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    r[4 * k + 1] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    r[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    r[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  for (int k = 0; k < 4; k++) {
    t[k] = _mm256_permute2f128_ps(r[k], r[k + 4], 0x20);
    t[k + 4] = _mm256_permute2f128_ps(r[k], r[k + 4], 0x31);
  }
  for (int k = 0; k < 8; k++) _mm256_storeu_ps(reinterpret_cast<float*>(dst + k * ds), t[k]);
}
#endif

// dst[i * ds + j] = src[i + j * ss] for i < rows, j < cols (a tile of a transposed view,
// written row-major).
template <typename T>
inline void transposeTile(const T* src, int64_t ss, T* dst, int64_t ds, int64_t rows, int64_t cols) {
  int64_t i = 0;
#if defined(__AVX2__)
  if constexpr (sizeof(T) == 4) {
    for (; i + 8 <= rows; i += 8) {
      int64_t j = 0;
      for (; j + 8 <= cols; j += 8) transpose8x8(src + i + j * ss, ss, dst + i * ds + j, ds);
      for (int64_t ii = i; ii < i + 8; ii++)
        for (int64_t jj = j; jj < cols; jj++) dst[ii * ds + jj] = src[ii + jj * ss];
    }
  }
#endif
  for (; i < rows; i++)
    for (int64_t j = 0; j < cols; j++) dst[i * ds + j] = src[i + j * ss];
}

}  // namespace tf
