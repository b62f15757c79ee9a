// Helpers of the Winograd kernels (conv_winograd.cc, conv_winograd1d.cc): 8 tiles at a time in
// vector lanes, and the finiteness test that sends Inf / NaN operands to the direct kernels.
#pragma once
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <vector>

namespace tf {
namespace lanes {

constexpr int kL = 8;  // tiles per transform (vector lanes)
// kL lanes of floats (a GCC/Clang vector: one ymm with the build's AVX2, lowered elsewhere)
typedef float V8 __attribute__((vector_size(kL * sizeof(float))));
inline V8 load8(const float* p) {
  V8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, V8 v) { std::memcpy(p, &v, sizeof v); }

// Whether every float of p[0, n) is finite (an integer test on the exponent bits: vectorises).
inline bool allFinite(const float* p, int64_t n) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; i++) {
    uint32_t b;
    std::memcpy(&b, p + i, sizeof b);
    bad |= (b & 0x7f800000u) == 0x7f800000u;
  }
  return bad == 0;
}

// How a Winograd call splits its work: tile blocks of `block` tiles, each cut into coBlocks
// blocks of output channels. Tile blocks of `most` keep V and M in L2; half that, then output
// channel blocks, where items would not spread evenly over the threads (a batch-1 35x35 layer:
// 81 tiles, 3 items of 32 for 2 threads; an 8x8 one: 16 tiles, one item). groups: items per tile block.
struct Split {
  int64_t block, coBlocks;
};
inline Split splitTiles(int64_t tiles, int64_t groups, int64_t threads, int64_t most) {
  auto items = [&](int64_t b) { return groups * ((tiles + b - 1) / b); };
  auto uneven = [&](int64_t n) { return threads > 1 && n % threads != 0 && n < 4 * threads; };
  Split s{most, 1};
  if (uneven(items(most))) s.block = most / 2;
  if (uneven(items(s.block))) s.coBlocks = threads;
  return s;
}
// Output channels [o0, o1) of channel block b of n over Co channels in whole slivers of mr.
inline void coRange(int64_t Co, int64_t mr, int64_t b, int64_t n, int64_t* o0, int64_t* o1) {
  const int64_t slivers = (Co + mr - 1) / mr;
  *o0 = std::min(Co, b * slivers / n * mr);
  *o1 = std::min(Co, (b + 1) * slivers / n * mr);
}
// Runs pad(img, c0, c1) over the planes of n images, in chunks of planes when there are fewer
// images than threads (batch 1: the padding is no serial step). ok[img] &= what pad returns.
template <typename Pool, typename F>
void forPlanes(Pool& pool, int64_t n, int64_t planes, std::vector<char>& ok, F&& pad) {
  const int64_t T = std::max(1, pool.numThreads());
  const int64_t chunks = n >= T ? 1 : std::min<int64_t>(planes, 4 * T);
  std::vector<char> part((size_t)(n * chunks), 1);
  pool.parallelFor(n * chunks, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; u++) {
      const int64_t img = u / chunks, k = u % chunks;
      part[(size_t)u] = pad(img, k * planes / chunks, (k + 1) * planes / chunks);
    }
  });
  ok.assign((size_t)n, 1);
  for (int64_t u = 0; u < n * chunks; u++) ok[(size_t)(u / chunks)] &= part[(size_t)u];
}

}  // namespace lanes
}  // namespace tf
