// Helpers of the Winograd kernels (conv_winograd.cc, conv_winograd1d.cc): 8 tiles at a time in
// vector lanes, and the finiteness test that sends Inf / NaN operands to the direct kernels.
#pragma once
#include <cstdint>
#include <cstring>

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

// Tiles per work item: most (V and M then stay in L2), or half that where items of `most` would
// not spread evenly over the threads (a batch-1 35x35 layer: 81 tiles, 3 items of 32 for 2
// threads, 2 : 1). groups: items per tile block (one per group).
inline int64_t tileBlock(int64_t tiles, int64_t groups, int64_t threads, int64_t most) {
  const int64_t big = groups * ((tiles + most - 1) / most);
  return threads > 1 && big % threads != 0 && big < 4 * threads ? most / 2 : most;
}

}  // namespace lanes
}  // namespace tf
