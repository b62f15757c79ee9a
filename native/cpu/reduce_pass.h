// The pass driver: runs one reduction policy over a Geom. Two loop orders:
//  - inner: the reduced dims are the fastest-varying in memory; each output reduces its
//    rows (contiguous rows are vectorised with many independent accumulators);
//  - outer: the last kept dim has the smallest stride (e.g. sum over axis 0 of a
//    row-major matrix); a tile of up to kTile outputs is accumulated row by row, so every
//    load is contiguous and vectorised across outputs.
// A long reduction is split into fixed chunks of reduced elements whose partial states
// are merged in order afterwards. The split depends only on the shape, never on the
// thread count, so results are identical for any number of threads.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../core/threadpool.h"
#include "reduce_geom.h"

namespace tf::reduction {
namespace {  // internal linkage: see reduce.cc

constexpr int64_t kChunk = 65536;  // reduced elements per partial state when a reduction is split
constexpr int64_t kTile = 1024;    // outputs per tile in the outer loop order (accumulators stay in L1)

template <class P, typename T>
inline void reduceRange(const StridedLayout<1>& R, const T* base, int64_t b, int64_t e, typename P::A& a, double pm) {
  if (b >= e) return;
  if (R.ndim == 1) {
    const int64_t s = R.strides[0][0];
    P::row(a, base + b * s, e - b, s, b, pm);
    return;
  }
  int64_t idx = b;
  R.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
    P::row(a, base + off[0], n, st[0], idx, pm);
    idx += n;
  });
}

// Folds n reduced elements (rs apart) into w outputs; policies may provide a blocked cols().
template <class P, typename = void>
struct HasCols : std::false_type {};
template <class P>
struct HasCols<P, decltype(void(&P::cols))> : std::true_type {};

template <class P, typename T>
inline void colsOf(typename P::A* acc, const T* p, int64_t w, int64_t ks, int64_t n, int64_t rs, int64_t idx, const double* prm) {
  if constexpr (HasCols<P>::value) P::cols(acc, p, w, ks, n, rs, idx, prm);
  else for (int64_t r = 0; r < n; r++) P::col(acc, p + r * rs, w, ks, idx + r, prm);
}

// Runs one pass of policy P and calls sink(m, state) once per output m (from any thread
// when nothing was split, else from the caller's thread).
template <class P, typename T, typename Sink>
void runPass(ThreadPool& pool, const Geom& g, const T* x, const double* prm, Sink&& sink) {
  using A = typename P::A;
  const int64_t M = g.M, N = g.N;
  if (M == 0) return;
  if (!g.outer) {
    if (N <= kChunk) {
      const int64_t grain = std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(N, 1));
      pool.parallelFor(M, grain, [&](int64_t mb, int64_t me) {
        int64_t m = mb;
        g.K.forRange(mb, me, [&](const int64_t* off, int64_t n, const int64_t* st) {
          for (int64_t i = 0; i < n; i++, m++) {
            const double pm = prm ? prm[m] : 0.0;
            A a = P::init(0, pm);
            reduceRange<P>(g.R, x + off[0] + i * st[0], 0, N, a, pm);
            sink(m, a);
          }
        });
      });
      return;
    }
    const int64_t nch = (N + kChunk - 1) / kChunk;
    std::vector<A> part((size_t)(M * nch));
    pool.parallelFor(M * nch, 1, [&](int64_t tb, int64_t te) {
      for (int64_t t = tb; t < te; t++) {
        const int64_t m = t / nch, c = t % nch;
        const int64_t b = c * kChunk, e = std::min(N, b + kChunk);
        const double pm = prm ? prm[m] : 0.0;
        A a = P::init(b, pm);
        int64_t off;
        g.K.offsets(m, &off);
        reduceRange<P>(g.R, x + off, b, e, a, pm);
        part[(size_t)t] = a;
      }
    });
    for (int64_t m = 0; m < M; m++) {
      A a = part[(size_t)(m * nch)];
      for (int64_t c = 1; c < nch; c++) P::merge(a, part[(size_t)(m * nch + c)]);
      sink(m, a);
    }
    return;
  }
  // Outer order: tiles of the last kept dim, accumulated across reduced elements.
  const int last = g.K.ndim - 1;
  const int64_t K0 = g.K.shape[last], ks = g.K.strides[0][last];
  StridedLayout<1> KO = g.K;  // the other kept dims
  KO.ndim = last;
  const int64_t O = M / K0;
  const int64_t nt = (K0 + kTile - 1) / kTile;
  const int64_t width = std::min(K0, kTile);
  // Chunks of rows (partial states merged in a fixed order) give threads work; their size
  // depends on the shape only, so results are the same for every thread count. A multiple
  // of 8 rows, so policies that fold 8 rows at a time (sum) leave no single rows behind.
  const int64_t rowsPerChunk = (std::max<int64_t>(64, 4 * kChunk / width) + 7) / 8 * 8;
  const int64_t nch = (N + rowsPerChunk - 1) / rowsPerChunk;
  std::vector<A> part(nch > 1 ? (size_t)(M * nch) : 0);
  const int64_t grain = std::max<int64_t>(1, kGrainElementwise / (width * std::min(N, rowsPerChunk)));
  pool.parallelFor(O * nt * nch, grain, [&](int64_t tb, int64_t te) {
    A acc[kTile];
    for (int64_t t = tb; t < te; t++) {
      const int64_t c = t % nch, tile = (t / nch) % nt, o = t / (nch * nt);
      const int64_t j0 = tile * kTile, w = std::min(kTile, K0 - j0), m0 = o * K0 + j0;
      int64_t off;
      KO.offsets(o, &off);
      const T* base = x + off + j0 * ks;
      const int64_t b = c * rowsPerChunk, e = std::min(N, b + rowsPerChunk);
      const double* pc = prm ? prm + m0 : nullptr;
      for (int64_t j = 0; j < w; j++) acc[j] = P::init(b, pc ? pc[j] : 0.0);
      if (g.R.ndim == 1) {
        const int64_t rs = g.R.strides[0][0];
        colsOf<P>(acc, base + b * rs, w, ks, e - b, rs, b, pc);
      } else {
        int64_t idx = b;
        g.R.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
          colsOf<P>(acc, base + off[0], w, ks, n, st[0], idx, pc);
          idx += n;
        });
      }
      if (nch == 1) for (int64_t j = 0; j < w; j++) sink(m0 + j, acc[j]);
      else for (int64_t j = 0; j < w; j++) part[(size_t)(c * M + m0 + j)] = acc[j];
    }
  });
  if (nch > 1) {
    for (int64_t m = 0; m < M; m++) {
      A a = part[(size_t)m];
      for (int64_t c = 1; c < nch; c++) P::merge(a, part[(size_t)(c * M + m)]);
      sink(m, a);
    }
  }
}

}  // namespace
}  // namespace tf::reduction
