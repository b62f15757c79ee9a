// Internal to the elementwise kernels (elementwise.cc, unary.cc): the contiguous-output
// store loop, with non-temporal stores for outputs too big to stay in cache.
#pragma once
#include <cstddef>
#include <cstdint>

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace tf {
namespace ew {

// Outputs of at least this many bytes are written with streaming (non-temporal) stores:
// they skip the read-for-ownership of every destination line, which cuts the memory
// traffic of a + b from 16 to 12 bytes per element. Smaller outputs stay on the normal
// path so that the next op finds them in cache.
constexpr int64_t kStreamBytes = int64_t(8) << 20;

// o[i] = gen(i) for i in [0, n). With `stream`, results are computed into a small aligned
// buffer (the compute loop still vectorises) and streamed out 32 bytes at a time.
template <typename R, typename Gen>
inline void storeLoop(R* __restrict o, int64_t n, bool stream, Gen&& gen) {
#if defined(__AVX__)
  constexpr int64_t K = 2048 / (int64_t)sizeof(R);  // 2 KB per chunk: stays in L1
  if (stream && n >= 2 * K) {
    int64_t i = 0;
    while (i < n && (reinterpret_cast<uintptr_t>(o + i) & 31) != 0) {
      o[i] = gen(i);
      i++;
    }
    alignas(64) R buf[K];
    for (; i + K <= n; i += K) {
      for (int64_t j = 0; j < K; j++) buf[j] = gen(i + j);
      char* dst = reinterpret_cast<char*>(o + i);
      const char* src = reinterpret_cast<const char*>(buf);
      for (int64_t j = 0; j < K * (int64_t)sizeof(R); j += 32)
        _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + j), _mm256_load_si256(reinterpret_cast<const __m256i*>(src + j)));
    }
    for (; i < n; i++) o[i] = gen(i);
    _mm_sfence();
    return;
  }
#else
  (void)stream;
#endif
  for (int64_t i = 0; i < n; i++) o[i] = gen(i);
}

}  // namespace ew
}  // namespace tf
