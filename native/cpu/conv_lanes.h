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

// A Winograd work item: tiles [t0, t1) of one group, output channels block cb of cbs.
struct TileItem {
  int64_t gi, t0, t1, cb, cbs;
};
// The items of a call: blocks of `most` tiles (V and M then stay in L2); the blocks left over after
// whole rounds of `threads` (and the short tail block) are each cut into `threads` blocks of
// output channels, so every thread gets the same share: a batch-1 35x35 layer, 81 tiles =
// 32 + 32 + 17, runs as 32 | 32 | 17 / 2 | 17 / 2 on 2 threads; an 8x8 one, 16 tiles, as 16 / 2 | 16 / 2.
inline std::vector<TileItem> tileItems(int64_t tiles, int64_t groups, int64_t threads, int64_t most) {
  std::vector<TileItem> v;
  const int64_t blocks = (tiles + most - 1) / most, full = tiles / most;
  const int64_t whole = threads > 1 ? (groups * full - (groups * full) % threads) / groups : blocks;
  for (int64_t gi = 0; gi < groups; gi++)
    for (int64_t b = 0; b < blocks; b++) {
      const int64_t t0 = b * most, t1 = std::min(tiles, t0 + most), cbs = b < whole ? 1 : threads;
      for (int64_t cb = 0; cb < cbs; cb++) v.push_back({gi, t0, t1, cb, cbs});
    }
  return v;
}
// Output channels [o0, o1) of channel block b of n over Co channels in whole slivers of mr.
inline void coRange(int64_t Co, int64_t mr, int64_t b, int64_t n, int64_t* o0, int64_t* o1) {
  const int64_t slivers = (Co + mr - 1) / mr;
  *o0 = std::min(Co, b * slivers / n * mr);
  *o1 = std::min(Co, (b + 1) * slivers / n * mr);
}
// Runs work(part, gi, t0, t1, o0, o1) for every item over the pool (claimItems), its output
// channels [o0, o1) in whole slivers of mr (empty channel blocks skipped).
template <typename Claim, typename F>
void forTileItems(Claim&& claim, const std::vector<TileItem>& items, int64_t Co, int64_t mr, F&& work) {
  claim((int64_t)items.size(), [&](int64_t part, int64_t it) {
    const TileItem& u = items[(size_t)it];
    int64_t o0, o1;
    coRange(Co, mr, u.cb, u.cbs, &o0, &o1);
    if (o0 < o1) work(part, u.gi, u.t0, u.t1, o0, o1);
  });
}

}  // namespace lanes
}  // namespace tf
