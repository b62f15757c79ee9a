// The output loops of the batch norm kernels, with non-temporal stores for large outputs: y and
// dx of a CNN layer (tens of MB) are not read again before they leave the cache, and streaming
// them skips the read-for-ownership of every destination line and leaves the L2 to the input,
// which the kernels read twice. Callers end a task with streamFence() when they streamed.
#pragma once
#include <cstdint>
#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define TF_NORM_STREAM 1
#endif

namespace tf::normstore {

// Outputs at least this big are streamed (well past what the L2 keeps for the next op).
constexpr int64_t kStreamBytes = 4 << 20;

inline void streamFence() {
#ifdef TF_NORM_STREAM
  _mm_sfence();
#endif
}

// y = (x - m) * s + b
template <typename T>
void __attribute__((noinline)) affine(const T* __restrict x, T* __restrict y, int64_t n, T m, T s, T b, bool stream) {
  int64_t i = 0;
#ifdef TF_NORM_STREAM
  if (stream) {
    for (; i < n && (reinterpret_cast<uintptr_t>(y + i) & 31); i++) y[i] = (x[i] - m) * s + b;
    if constexpr (sizeof(T) == 4) {
      const __m256 vm = _mm256_set1_ps(m), vs = _mm256_set1_ps(s), vb = _mm256_set1_ps(b);
      for (; i + 8 <= n; i += 8) _mm256_stream_ps(y + i, _mm256_fmadd_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vs, vb));
    } else {
      const __m256d vm = _mm256_set1_pd(m), vs = _mm256_set1_pd(s), vb = _mm256_set1_pd(b);
      for (; i + 4 <= n; i += 4) _mm256_stream_pd(y + i, _mm256_fmadd_pd(_mm256_sub_pd(_mm256_loadu_pd(x + i), vm), vs, vb));
    }
  }
#else
  (void)stream;
#endif
  for (; i < n; i++) y[i] = (x[i] - m) * s + b;
}

// dx = a * dy + (bx * (x - m) + c)
template <typename T>
void __attribute__((noinline)) grad(const T* __restrict x, const T* __restrict dy, T* __restrict dx, int64_t n, T m, T a, T bx,
                                    T c, bool stream) {
  int64_t i = 0;
#ifdef TF_NORM_STREAM
  if (stream) {
    for (; i < n && (reinterpret_cast<uintptr_t>(dx + i) & 31); i++) dx[i] = a * dy[i] + (bx * (x[i] - m) + c);
    if constexpr (sizeof(T) == 4) {
      const __m256 vm = _mm256_set1_ps(m), va = _mm256_set1_ps(a), vb = _mm256_set1_ps(bx), vc = _mm256_set1_ps(c);
      for (; i + 8 <= n; i += 8) {
        const __m256 t = _mm256_fmadd_ps(vb, _mm256_sub_ps(_mm256_loadu_ps(x + i), vm), vc);
        _mm256_stream_ps(dx + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(dy + i), t));
      }
    } else {
      const __m256d vm = _mm256_set1_pd(m), va = _mm256_set1_pd(a), vb = _mm256_set1_pd(bx), vc = _mm256_set1_pd(c);
      for (; i + 4 <= n; i += 4) {
        const __m256d t = _mm256_fmadd_pd(vb, _mm256_sub_pd(_mm256_loadu_pd(x + i), vm), vc);
        _mm256_stream_pd(dx + i, _mm256_fmadd_pd(va, _mm256_loadu_pd(dy + i), t));
      }
    }
  }
#else
  (void)stream;
#endif
  for (; i < n; i++) dx[i] = a * dy[i] + (bx * (x[i] - m) + c);
}

}  // namespace tf::normstore
