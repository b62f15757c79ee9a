// The layout of an op that runs along one axis of an (out, x) view — scan, softmax — once
// the caller has moved that axis last: the axis, the other dims ("rows") coalesced, and the
// two ways such kernels walk the rows:
//  - forRows: one row at a time (contiguous rows, or any layout);
//  - forTiles: when the fastest-varying row dim is contiguous in both operands, a tile of
//    adjacent rows is processed together, step by step along the axis, so every load and
//    store is contiguous and the work vectorises across the tile.
#pragma once
#include <algorithm>
#include <cstdint>

#include "../core/shape.h"
#include "../core/threadpool.h"

namespace tf {

struct AxisLastLayout {
  int64_t D = 0, so = 0, sx = 0;  // the axis: length, stride in out, stride in x
  int64_t M = 0;                  // number of rows
  StridedLayout<2> K;             // the row dims, coalesced

  explicit AxisLastLayout(const StridedLayout<2>& L) {
    const int last = L.ndim - 1;
    D = L.shape[last];
    so = L.strides[0][last];
    sx = L.strides[1][last];
    K.ndim = last;
    K.numel = 1;
    for (int d = 0; d < last; d++) {
      K.shape[d] = L.shape[d];
      K.strides[0][d] = L.strides[0][d];
      K.strides[1][d] = L.strides[1][d];
      K.numel *= L.shape[d];
    }
    M = K.numel;
    if (M > 0) K.coalesce();
  }

  bool empty() const { return M == 0 || D == 0; }

  // True when forTiles applies: more than one row, and the fastest row dim has unit stride
  // in both operands.
  bool rowsAdjacent() const {
    const int kl = K.ndim - 1;
    return M > 1 && K.shape[kl] > 1 && K.strides[0][kl] == 1 && K.strides[1][kl] == 1;
  }

  // Calls body(scratch, outOffset, xOffset) for every row, in parallel tasks of about
  // `work` elements; scratch = makeScratch() once per task (a row buffer, say).
  template <typename MakeScratch, typename Body>
  void forRows(ThreadPool& pool, int64_t work, MakeScratch&& makeScratch, Body&& body) const {
    pool.parallelFor(M, std::max<int64_t>(1, work / D), [&](int64_t mb, int64_t me) {
      auto scratch = makeScratch();
      K.forRange(mb, me, [&](const int64_t* off, int64_t n, const int64_t* st) {
        for (int64_t i = 0; i < n; i++) body(scratch, off[0] + i * st[0], off[1] + i * st[1]);
      });
    });
  }
  template <typename Body>
  void forRows(ThreadPool& pool, int64_t work, Body&& body) const {
    forRows(pool, work, [] { return 0; }, [&](int, int64_t oo, int64_t ox) { body(oo, ox); });
  }

  // Calls body(outOffset, xOffset, w) for every tile of w <= tile adjacent rows (their first
  // row's offsets), in parallel tasks of about `work` elements. Needs rowsAdjacent().
  template <typename Body>
  void forTiles(ThreadPool& pool, int64_t tile, int64_t work, Body&& body) const {
    const int kl = K.ndim - 1;
    const int64_t K0 = K.shape[kl];
    const int64_t nt = (K0 + tile - 1) / tile;
    const int64_t grain = std::max<int64_t>(1, work / (std::min(K0, tile) * D));
    pool.parallelFor((M / K0) * nt, grain, [&](int64_t tb, int64_t te) {
      for (int64_t t = tb; t < te; t++) {
        const int64_t j0 = (t % nt) * tile;
        int64_t off[2];
        flatToOffsets<2>(t / nt, kl, K.shape, K.strides, off);  // the row dims outside the tile
        body(off[0] + j0, off[1] + j0, std::min(tile, K0 - j0));
      }
    });
  }
};

}  // namespace tf
