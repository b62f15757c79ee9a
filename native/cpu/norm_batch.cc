// Batch norm over [N, C, HW]: one task per group of channels. A channel's N runs of HW are
// read once for the statistics (float64 shifted sums) and once more to write the output; at
// the sizes of a CNN a channel's data (N * HW elements) fits in L2, so the second read is
// mostly from cache and the kernel costs about one pass over memory each way.
#include <algorithm>
#include <cmath>

#include "../core/dtype.h"
#include "../core/error.h"
#include "norm.h"
#include "norm_store.h"
#include "norm_sums.h"

namespace tf {

namespace {

using normsum::dotSums;
using normsum::shiftedSums;

int64_t channelGrain(int64_t perChannel) { return std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(1, perChannel)); }

template <typename T>
void forwardTyped(const Exec& ex, const BatchNormFwd& a) {
  const T* x = static_cast<const T*>(a.x);
  const T* w = static_cast<const T*>(a.weight);
  const T* bias = static_cast<const T*>(a.bias);
  T* rm = static_cast<T*>(a.runMean);
  T* rv = static_cast<T*>(a.runVar);
  T* y = static_cast<T*>(a.y);
  T* sm = static_cast<T*>(a.saveMean);
  T* si = static_cast<T*>(a.saveInvstd);
  const int64_t N = a.N, C = a.C, HW = a.HW, M = N * HW;
  const bool stream = M * C * (int64_t)sizeof(T) >= normstore::kStreamBytes;
  ex.pool().parallelFor(C, channelGrain(M), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      double mean, invstd;
      if (a.training) {
        const double shift = M > 0 ? (double)x[c * HW] : 0.0;
        double s = 0, q = 0, var;
        for (int64_t n = 0; n < N; n++) shiftedSums(x + (n * C + c) * HW, HW, shift, s, q);
        normsum::momentsOf(shift, s, q, M, mean, var);
        invstd = 1.0 / std::sqrt(var + a.eps);
        const double mo = a.momentum;
        if (rm) rm[c] = (T)((1 - mo) * (double)rm[c] + mo * mean);
        if (rv) rv[c] = (T)((1 - mo) * (double)rv[c] + mo * (M > 1 ? var * (double)M / (double)(M - 1) : NAN));
      } else {
        mean = (double)rm[c];
        invstd = 1.0 / std::sqrt((double)rv[c] + a.eps);
      }
      sm[c] = (T)mean;
      si[c] = (T)invstd;
      const T sc = (T)(invstd * (w ? (double)w[c] : 1.0));
      const T b = bias ? bias[c] : T(0);
      for (int64_t n = 0; n < N; n++)
        normstore::affine<T>(x + (n * C + c) * HW, y + (n * C + c) * HW, HW, (T)mean, sc, b, stream);
    }
    if (stream) normstore::streamFence();
  });
}

template <typename T>
void backwardTyped(const Exec& ex, const BatchNormBwd& a) {
  const T* x = static_cast<const T*>(a.x);
  const T* dy = static_cast<const T*>(a.dy);
  const T* sm = static_cast<const T*>(a.mean);
  const T* si = static_cast<const T*>(a.invstd);
  const T* w = static_cast<const T*>(a.weight);
  T* dx = static_cast<T*>(a.dx);
  T* dw = static_cast<T*>(a.dweight);
  T* db = static_cast<T*>(a.dbias);
  const int64_t N = a.N, C = a.C, HW = a.HW, M = N * HW;
  const bool sums = dw || db || (dx && a.training);
  const bool stream = M * C * (int64_t)sizeof(T) >= normstore::kStreamBytes;
  ex.pool().parallelFor(C, channelGrain(2 * M), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++) {
      const double mean = (double)sm[c], invstd = (double)si[c], wc = w ? (double)w[c] : 1.0;
      double sdy = 0, sdyx = 0;
      if (sums)
        for (int64_t n = 0; n < N; n++) dotSums(x + (n * C + c) * HW, dy + (n * C + c) * HW, HW, mean, sdy, sdyx);
      if (dw) dw[c] = (T)(sdyx * invstd);
      if (db) db[c] = (T)sdy;
      if (!dx) continue;
      // dx = w invstd (dy - sdy/M - (x - mean) invstd^2 sdyx/M)
      const double A = wc * invstd;
      const double B = a.training && M > 0 ? -A * invstd * invstd * sdyx / (double)M : 0.0;
      const double K = a.training && M > 0 ? -A * sdy / (double)M : 0.0;
      for (int64_t n = 0; n < N; n++) {
        const int64_t o = (n * C + c) * HW;
        normstore::grad<T>(x + o, dy + o, dx + o, HW, (T)mean, (T)A, (T)B, (T)K, stream);
      }
    }
    if (stream) normstore::streamFence();
  });
}

}  // namespace

void batchNormForward(const Exec& ex, int dtype, const BatchNormFwd& a) {
  if (dtype == kF32) forwardTyped<float>(ex, a);
  else if (dtype == kF64) forwardTyped<double>(ex, a);
  else fail("ERR_DTYPE", "batchNorm: float32 or float64 expected");
}

void batchNormBackward(const Exec& ex, int dtype, const BatchNormBwd& a) {
  if (dtype == kF32) backwardTyped<float>(ex, a);
  else if (dtype == kF64) backwardTyped<double>(ex, a);
  else fail("ERR_DTYPE", "batchNorm.backward: float32 or float64 expected");
}

}  // namespace tf
