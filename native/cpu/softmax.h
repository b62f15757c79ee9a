// softmax / logSoftmax along one axis, numerically stable (the max is subtracted first).
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

#include "../core/shape.h"
#include "../core/exec.h"

namespace tf {

// L: operand 0 = out, 1 = x, with the softmax axis as the LAST dim (the caller permutes).
// dtype: float32 or float64 (out has the same dtype). A row whose max is -inf, +inf or NaN
// gives NaN everywhere, as PyTorch does.
void softmaxKernel(const Exec& ex, bool log, int dtype, const StridedLayout<2>& L, void* out, const void* x);

// Portable 8-wide float vectors (GCC/Clang vector extensions) and a vectorised expf,
// shared by softmax.cc and reduce.cc (logsumexp).
namespace simd {

typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
typedef float f4 __attribute__((vector_size(16)));
typedef double d4 __attribute__((vector_size(32)));

inline f8 ld8(const float* p) { f8 v; std::memcpy(&v, p, sizeof v); return v; }
inline void st8(float* p, f8 v) { std::memcpy(p, &v, sizeof v); }
inline f8 splat8(float v) { return f8{v, v, v, v, v, v, v, v}; }
inline d4 lo4d(f8 v) { return __builtin_convertvector(f4{v[0], v[1], v[2], v[3]}, d4); }
inline d4 hi4d(f8 v) { return __builtin_convertvector(f4{v[4], v[5], v[6], v[7]}, d4); }

// Cephes-style expf: x = n*ln2 + r with |r| <= ln2/2, a degree-7 polynomial for exp(r),
// 2^n built in the exponent bits. Max relative error ~1.5 ulp. NaN propagates; x below
// -87.3365 (result under FLT_MIN, including -inf) gives 0; above 88.3763 gives +inf.
// NonPositive: the caller guarantees x <= 0 or NaN (x - max), which skips the upper clamp.
template <bool NonPositive = false>
inline f8 exp8(f8 x) {
  const f8 lo = splat8(-87.3365478515625f), hi = splat8(88.3762626647949f);
  // lanes below lo compute exp(0) and are zeroed at the end: clamping them to lo instead
  // would make y * 2^-126 a subnormal, and each subnormal result costs a ~100-cycle
  // microcode assist (a row tail padded with -inf hit it on every row)
  f8 xc = x < lo ? splat8(0.0f) : x;
  if (!NonPositive) xc = xc > hi ? hi : xc;
  const f8 magic = splat8(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  f8 n = (xc * splat8(1.44269504088896341f) + magic) - magic;
  f8 r = xc - n * splat8(0.693359375f);
  r = r - n * splat8(-2.12194440e-4f);
  f8 y = splat8(1.9875691500E-4f);
  y = y * r + splat8(1.3981999507E-3f);
  y = y * r + splat8(8.3334519073E-3f);
  y = y * r + splat8(4.1665795894E-2f);
  y = y * r + splat8(1.6666665459E-1f);
  y = y * r + splat8(5.0000001201E-1f);
  y = y * (r * r) + r + splat8(1.0f);
  i8 bits = (__builtin_convertvector(n, i8) + 127) << 23;
  f8 scale;
  std::memcpy(&scale, &bits, sizeof scale);
  y = y * scale;
  y = x < lo ? splat8(0.0f) : y;
  if (!NonPositive) y = x > hi ? splat8(std::numeric_limits<float>::infinity()) : y;
  return y;
}

}  // namespace simd

}  // namespace tf
