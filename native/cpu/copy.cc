#include "copy.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "../core/dtype.h"
#include "transpose.h"

namespace tf {

template <typename D, typename S>
static inline D convert(S v) {
  if constexpr (std::is_same<D, uint8_t>::value) return v != S(0) ? 1 : 0;  // bool: nonzero -> true
  else if constexpr (std::is_same<D, int32_t>::value && !std::is_integral<S>::value) {
    // float -> int32 truncates toward zero; NaN and out-of-range saturate instead of UB
    if (!(v == v)) return 0;
    if (v >= 2147483647.0) return 2147483647;
    if (v <= -2147483648.0) return (int32_t)-2147483648LL;
    return (int32_t)v;
  } else return (D)v;
}

// A transpose: dst contiguous along the last dim, src contiguous along the one before it
// (x.T.contiguous(), a transposed operand being packed, a transposed view cast), under any
// outer dims. Copied in 32x32 tiles so reads and writes both use whole cache lines:
// element by element, a [256, 784] float32 transpose ran at ~11 GB/s.
template <typename D, typename S>
static bool copyTransposed(ThreadPool& pool, const StridedLayout<2>& layout, D* dst, const S* src) {
  StridedLayout<2> L = layout;
  L.coalesce();
  if (L.ndim < 2) return false;
  const int r = L.ndim - 2, c = L.ndim - 1;
  const int64_t R = L.shape[r], C = L.shape[c];
  if (L.strides[0][c] != 1 || L.strides[1][r] != 1 || L.strides[1][c] == 1 || R < 16 || C < 16) return false;
  const int64_t dsr = L.strides[0][r], ssc = L.strides[1][c];
  int64_t outer = 1;
  for (int d = 0; d < r; d++) outer *= L.shape[d];
  constexpr int64_t kTile = 32;
  const int64_t rowTiles = (R + kTile - 1) / kTile;
  const int64_t grain = std::max<int64_t>(1, kGrainElementwise / (kTile * C));
  pool.parallelFor(outer * rowTiles, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; t++) {
      const int64_t o = t / rowTiles, i0 = (t % rowTiles) * kTile, i1 = std::min(R, i0 + kTile);
      int64_t off[2];
      flatToOffsets<2>(o, r, L.shape, L.strides, off);  // the dims outside the tiled two
      const int64_t od = off[0], os = off[1];
      for (int64_t j0 = 0; j0 < C; j0 += kTile) {
        const int64_t j1 = std::min(C, j0 + kTile);
        int64_t i = i0;
        if constexpr (std::is_same<D, S>::value) {
          transposeTile(src + os + i0 + j0 * ssc, ssc, dst + od + i0 * dsr + j0, dsr, i1 - i0, j1 - j0);
          i = i1;
        }
        for (; i < i1; i++) {
          D* drow = dst + od + i * dsr;
          const S* scol = src + os + i;
          for (int64_t j = j0; j < j1; j++) drow[j] = convert<D>(scol[j * ssc]);
        }
      }
    }
  });
  return true;
}

template <typename D, typename S>
static void copyTyped(ThreadPool& pool, const StridedLayout<2>& L, D* dst, const S* src) {
  if (copyTransposed<D, S>(pool, L, dst, src)) return;
  pool.parallelFor(L.numel, kGrainElementwise, [&](int64_t b, int64_t e) {
    L.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
      D* d = dst + off[0];
      const S* s = src + off[1];
      if (st[0] == 1 && st[1] == 1) {
        if constexpr (std::is_same<D, S>::value) std::memcpy(d, s, (size_t)n * sizeof(D));
        else for (int64_t i = 0; i < n; i++) d[i] = convert<D>(s[i]);
      } else if (st[0] == 1 && st[1] == 0) {
        D v = convert<D>(s[0]);
        for (int64_t i = 0; i < n; i++) d[i] = v;
      } else {
        for (int64_t i = 0; i < n; i++) d[i * st[0]] = convert<D>(s[i * st[1]]);
      }
    });
  });
}

void copyStrided(const Exec& ex, const StridedLayout<2>& L, void* dst, int dstDtype, const void* src, int srcDtype) {
  ThreadPool& pool = ex.pool();
  dispatchDType(dstDtype, [&](auto d) {
    using D = decltype(d);
    dispatchDType(srcDtype, [&](auto s) {
      using S = decltype(s);
      copyTyped<D, S>(pool, L, static_cast<D*>(dst), static_cast<const S*>(src));
    });
  });
}

void fillStrided(const Exec& ex, const StridedLayout<1>& L, void* dst, int dtype, double value) {
  ThreadPool& pool = ex.pool();
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    T v = convert<T>(value);
    T* p = static_cast<T*>(dst);
    pool.parallelFor(L.numel, kGrainElementwise, [&](int64_t b, int64_t e) {
      L.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
        T* d = p + off[0];
        if (st[0] == 1) for (int64_t i = 0; i < n; i++) d[i] = v;
        else for (int64_t i = 0; i < n; i++) d[i * st[0]] = v;
      });
    });
  });
}

}  // namespace tf
