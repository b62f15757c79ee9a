#include "index.h"

#include <atomic>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "../core/dtype.h"

namespace tf {

namespace {

template <typename T>
inline T castValue(double v) {
  if constexpr (std::is_same<T, uint8_t>::value) return v != 0 ? 1 : 0;  // bool (NaN is true, as a cast)
  else if constexpr (std::is_same<T, int32_t>::value) {
    if (!(v == v)) return 0;
    if (v >= 2147483647.0) return 2147483647;
    if (v <= -2147483648.0) return (int32_t)-2147483648LL;
    return (int32_t)v;
  } else return (T)v;
}

template <int NOPS>
int64_t findBad(ThreadPool& pool, const StridedLayout<NOPS>& L, int k, const int32_t* idx, int64_t dim,
                bool allowNegative, int32_t* badValue) {
  if (L.numel == 0) return -1;
  const int64_t lo = allowNegative ? -dim : 0;
  const int64_t hi = dim;  // exclusive
  std::atomic<int64_t> first{INT64_MAX};
  pool.parallelFor(L.numel, kGrainElementwise, [&](int64_t b, int64_t e) {
    int64_t pos = b;
    bool found = false;
    L.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
      if (found) return;
      const int32_t* p = idx + off[k];
      const int64_t s = st[k];
      for (int64_t i = 0; i < n; i++) {
        int64_t v = p[i * s];
        if (v < lo || v >= hi) {
          found = true;
          int64_t at = pos + i;
          int64_t cur = first.load();
          while (at < cur && !first.compare_exchange_weak(cur, at)) {
          }
          return;
        }
      }
      pos += n;
    });
  });
  int64_t at = first.load();
  if (at == INT64_MAX) return -1;
  L.forRange(at, at + 1, [&](const int64_t* off, int64_t, const int64_t*) { *badValue = idx[off[k]]; });
  return at;
}

template <typename T>
void gatherTyped(ThreadPool& pool, const StridedLayout<3>& L, T* out, const T* x, const int32_t* idx, int64_t axisDim,
                 int64_t axisStride) {
  pool.parallelFor(L.numel, kGrainElementwise, [&](int64_t b, int64_t e) {
    L.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
      T* o = out + off[0];
      const T* xb = x + off[1];
      const int32_t* ib = idx + off[2];
      if (st[2] == 0) {  // one index for the whole row (tf.gather's inner dims)
        int64_t j = ib[0];
        if (j < 0) j += axisDim;
        const T* s = xb + j * axisStride;
        if (st[0] == 1 && st[1] == 1) std::memcpy(o, s, (size_t)n * sizeof(T));
        else for (int64_t i = 0; i < n; i++) o[i * st[0]] = s[i * st[1]];
      } else {
        for (int64_t i = 0; i < n; i++) {
          int64_t j = ib[i * st[2]];
          if (j < 0) j += axisDim;
          o[i * st[0]] = xb[i * st[1] + j * axisStride];
        }
      }
    });
  });
}

template <typename T>
void scatterAddTyped(ThreadPool& pool, const StridedLayout<3>& L, int64_t rowLen, T* out, const int32_t* idx,
                     const T* src, int64_t axisStride, int64_t axisDim) {
  const int64_t rows = L.numel / rowLen;
  int64_t grainRows = kGrainElementwise / rowLen;
  if (grainRows < 1) grainRows = 1;
  pool.parallelFor(rows, grainRows, [&](int64_t b, int64_t e) {
    L.forRange(b * rowLen, e * rowLen, [&](const int64_t* off, int64_t n, const int64_t* st) {
      T* o = out + off[0];
      const int32_t* ib = idx + off[1];
      const T* s = src + off[2];
      for (int64_t i = 0; i < n; i++) {
        int64_t j = ib[i * st[1]];
        if (j < 0) j += axisDim;
        T& d = o[i * st[0] + j * axisStride];
        if constexpr (std::is_same<T, uint8_t>::value) d = (uint8_t)((d | s[i * st[2]]) != 0);
        else d = d + s[i * st[2]];
      }
    });
  });
}

template <typename T>
void oneHotTyped(ThreadPool& pool, const StridedLayout<1>& L, T* out, const int32_t* idx, int64_t depth, T on, T off) {
  int64_t grain = kGrainElementwise / (depth > 0 ? depth : 1);
  if (grain < 1) grain = 1;
  pool.parallelFor(L.numel, grain, [&](int64_t b, int64_t e) {
    int64_t pos = b;
    L.forRange(b, e, [&](const int64_t* offs, int64_t n, const int64_t* st) {
      const int32_t* ib = idx + offs[0];
      for (int64_t i = 0; i < n; i++) {
        T* row = out + (pos + i) * depth;
        for (int64_t c = 0; c < depth; c++) row[c] = off;
        row[ib[i * st[0]]] = on;
      }
      pos += n;
    });
  });
}

}  // namespace

int64_t findBadIndex(const Exec& ex, const StridedLayout<1>& L, const int32_t* idx, int64_t dim, bool allowNegative,
                     int32_t* badValue) {
  ThreadPool& pool = ex.pool();
  return findBad<1>(pool, L, 0, idx, dim, allowNegative, badValue);
}

int64_t findBadIndex(const Exec& ex, const StridedLayout<3>& L, int k, const int32_t* idx, int64_t dim,
                     bool allowNegative, int32_t* badValue) {
  ThreadPool& pool = ex.pool();
  return findBad<3>(pool, L, k, idx, dim, allowNegative, badValue);
}

void gatherKernel(const Exec& ex, const StridedLayout<3>& L, int dtype, void* out, const void* x, const int32_t* idx,
                  int64_t axisDim, int64_t axisStride) {
  ThreadPool& pool = ex.pool();
  // gather only moves elements: dispatch on the element size
  switch (dtypeSize(dtype)) {
    case 1: gatherTyped<uint8_t>(pool, L, (uint8_t*)out, (const uint8_t*)x, idx, axisDim, axisStride); break;
    case 4: gatherTyped<int32_t>(pool, L, (int32_t*)out, (const int32_t*)x, idx, axisDim, axisStride); break;
    case 8: gatherTyped<int64_t>(pool, L, (int64_t*)out, (const int64_t*)x, idx, axisDim, axisStride); break;
    default: break;
  }
}

void scatterAddKernel(const Exec& ex, const StridedLayout<3>& L, int64_t rowLen, int dtype, void* out,
                      const int32_t* idx, const void* src, int64_t axisStride, int64_t axisDim) {
  ThreadPool& pool = ex.pool();
  if (L.numel == 0 || rowLen <= 0) return;
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    scatterAddTyped<T>(pool, L, rowLen, static_cast<T*>(out), idx, static_cast<const T*>(src), axisStride, axisDim);
  });
}

void oneHotKernel(const Exec& ex, const StridedLayout<1>& L, int dtype, void* out, const int32_t* idx, int64_t depth,
                  double onValue, double offValue) {
  ThreadPool& pool = ex.pool();
  if (L.numel == 0 || depth == 0) return;
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    oneHotTyped<T>(pool, L, static_cast<T*>(out), idx, depth, castValue<T>(onValue), castValue<T>(offValue));
  });
}

}  // namespace tf
