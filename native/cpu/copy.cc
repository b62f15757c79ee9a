#include "copy.h"

#include <cstring>

#include "../core/dtype.h"

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

template <typename D, typename S>
static void copyTyped(ThreadPool& pool, const StridedLayout<2>& L, D* dst, const S* src) {
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

void copyStrided(ThreadPool& pool, const StridedLayout<2>& L, void* dst, int dstDtype, const void* src, int srcDtype) {
  dispatchDType(dstDtype, [&](auto d) {
    using D = decltype(d);
    dispatchDType(srcDtype, [&](auto s) {
      using S = decltype(s);
      copyTyped<D, S>(pool, L, static_cast<D*>(dst), static_cast<const S*>(src));
    });
  });
}

void fillStrided(ThreadPool& pool, const StridedLayout<1>& L, void* dst, int dtype, double value) {
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
