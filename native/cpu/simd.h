// Portable 8-wide float vectors (GCC/Clang vector extensions) and a vectorised expf, used
// by softmax.cc, loss.cc and the logsumexp reduction.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

#include "exp_core.h"

namespace tf::simd {

typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
typedef float f4 __attribute__((vector_size(16)));
typedef double d4 __attribute__((vector_size(32)));

inline f8 ld8(const float* p) { f8 v; std::memcpy(&v, p, sizeof v); return v; }
inline void st8(float* p, f8 v) { std::memcpy(p, &v, sizeof v); }
inline f8 splat8(float v) { return f8{v, v, v, v, v, v, v, v}; }
inline d4 lo4d(f8 v) { return __builtin_convertvector(f4{v[0], v[1], v[2], v[3]}, d4); }
inline d4 hi4d(f8 v) { return __builtin_convertvector(f4{v[4], v[5], v[6], v[7]}, d4); }

// e^x on 8 lanes by the algorithm of exp_core.h (ew::expf_v's range reduction and
// polynomial), 2^n built in the exponent bits in one step. NaN propagates; x below -87.3365 (result under
// FLT_MIN, including -inf) gives 0; above 88.3763 gives +inf.
// NonPositive: the caller guarantees x <= 0 or NaN (x - max), which skips the upper clamp.
template <bool NonPositive = false>
inline f8 exp8(f8 x) {
  const f8 lo = splat8(-87.3365478515625f), hi = splat8(88.3762626647949f);
  // lanes below lo compute exp(0) and are zeroed at the end: clamping them to lo instead
  // would make y * 2^-126 a subnormal, and each subnormal result costs a ~100-cycle
  // microcode assist (a row tail padded with -inf hit it on every row)
  f8 xc = x < lo ? splat8(0.0f) : x;
  if (!NonPositive) xc = xc > hi ? hi : xc;
  const f8 n = expf_core::expN(xc);
  f8 y = expf_core::expReduced(xc, n);
  i8 bits = (__builtin_convertvector(n, i8) + 127) << 23;
  f8 scale;
  std::memcpy(&scale, &bits, sizeof scale);
  y = y * scale;
  y = x < lo ? splat8(0.0f) : y;
  if (!NonPositive) y = x > hi ? splat8(std::numeric_limits<float>::infinity()) : y;
  return y;
}

}  // namespace tf::simd
