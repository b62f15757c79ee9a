// The geometry of one reduction: the input view splits into kept dims (K, the output's
// order) and reduced dims (R), each coalesced, and the loop order is chosen from their
// strides (see reduce_pass.h).
#pragma once
#include <cstdint>

#include "../core/shape.h"

namespace tf::reduction {
namespace {  // internal linkage: see reduce.cc

struct Geom {
  StridedLayout<1> K, R;  // kept dims (output order) and reduced dims, coalesced
  int64_t M = 1, N = 1;
  bool outer = false;
};

// Builds the geometry. Order-free reductions flip negative reduced strides (moving the
// base) and sort reduced dims by decreasing stride so they coalesce as far as possible;
// argmax/argmin keep the logical order, which their indices refer to.
Geom makeGeom(const StridedLayout<1>& X, int nKept, bool orderFree, int64_t& baseShift) {
  Geom g;
  baseShift = 0;
  g.K.ndim = nKept;
  g.R.ndim = X.ndim - nKept;
  for (int d = 0; d < nKept; d++) {
    g.K.shape[d] = X.shape[d];
    g.K.strides[0][d] = X.strides[0][d];
    g.M *= X.shape[d];
  }
  for (int d = nKept; d < X.ndim; d++) {
    int r = d - nKept;
    g.R.shape[r] = X.shape[d];
    g.R.strides[0][r] = X.strides[0][d];
    g.N *= X.shape[d];
  }
  g.K.numel = g.M;
  g.R.numel = g.N;
  if (g.M == 0 || g.N == 0) {
    g.K.coalesce();
    g.R.coalesce();
    return g;
  }
  if (orderFree) {
    for (int r = 0; r < g.R.ndim; r++) {
      int64_t& s = g.R.strides[0][r];
      if (s < 0) {
        baseShift += (g.R.shape[r] - 1) * s;
        s = -s;
      }
    }
    // stable insertion sort by decreasing stride
    for (int a = 1; a < g.R.ndim; a++) {
      int64_t sh = g.R.shape[a], st = g.R.strides[0][a];
      int b = a - 1;
      while (b >= 0 && g.R.strides[0][b] < st) {
        g.R.shape[b + 1] = g.R.shape[b];
        g.R.strides[0][b + 1] = g.R.strides[0][b];
        b--;
      }
      g.R.shape[b + 1] = sh;
      g.R.strides[0][b + 1] = st;
    }
  }
  g.K.coalesce();
  g.R.coalesce();
  if (g.M > 1 && g.N > 1) {
    int64_t minR = INT64_MAX;
    for (int r = 0; r < g.R.ndim; r++) {
      int64_t s = g.R.strides[0][r] < 0 ? -g.R.strides[0][r] : g.R.strides[0][r];
      if (g.R.shape[r] > 1 && s < minR) minR = s;
    }
    int last = g.K.ndim - 1;
    int64_t ks = g.K.strides[0][last];
    if (ks < 0) ks = -ks;
    g.outer = g.K.shape[last] > 1 && ks != 0 && ks < minR;
  }
  return g;
}

}  // namespace
}  // namespace tf::reduction
