// The float32 e^x algorithm, written once for a float and for a GCC/Clang float vector:
// ew::expf_v (elementwise_math.h: scalar code that GCC vectorises, full IEEE range with
// subnormal results) and simd::exp8 (simd.h: explicit 8-lane vectors for softmax,
// logsumexp and cross-entropy, results under FLT_MIN flushed to 0) share it and differ only
// in how they clamp x, round x*log2(e) and build 2^n. Cephes expf: x = n*ln2 + r with
// n = round(x*log2(e)) and |r| <= ln2/2; ln2 is split in two (the high part has 9
// significant bits, so n*hi is exact) so r carries no error from the reduction; then a
// degree-7 polynomial for e^r. Max relative error 1.01 ulp (expf_v, every 7th float).
#pragma once
#include <cmath>
#include <type_traits>

namespace tf::expf_core {

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;  // ln2 - kLn2Hi
constexpr float kRound = 12582912.0f;      // 1.5 * 2^23: (v + kRound) - kRound is v rounded to an integer, |v| < 2^22
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f, kP3 = 4.1665795894e-2f,
                kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;

// a * b + c rounded once: std::fma for a float; for vectors (either of b, c may be a float,
// broadcast) the compiler fuses the expression (GCC's default -ffp-contract=fast, Clang's
// =on), so both forms round alike.
template <typename V, typename B, typename C>
inline __attribute__((always_inline)) V madd(V a, B b, C c) {
  if constexpr (std::is_same<V, float>::value) return std::fma(a, b, c);
  else return a * b + c;
}

// c - a * b rounded once (as madd).
template <typename V, typename B, typename C>
inline __attribute__((always_inline)) V nmadd(V a, B b, C c) {
  if constexpr (std::is_same<V, float>::value) return std::fma(-a, b, c);
  else return c - a * b;
}

// n = round(x * log2(e)), ties to even, as a float; |x| must be below ~2.9e6 (callers
// clamp). A float uses nearbyint (one vroundps once GCC vectorises the loop); vectors have
// no portable rounding op and add and subtract 1.5 * 2^23 instead. The two can differ only
// where x * log2(e) is within an ulp of a half-integer: r then sits at the edge of
// [-ln2/2, ln2/2] either way, where the polynomial is as accurate.
template <typename V>
inline __attribute__((always_inline)) V expN(V x) {
  if constexpr (std::is_same<V, float>::value) return std::nearbyint(x * kLog2e);
  else return (x * kLog2e + kRound) - kRound;
}

// e^r for r = x - n*ln2 (n from expN), to float precision.
template <typename V>
inline __attribute__((always_inline)) V expReduced(V x, V n) {
  V r = nmadd(n, kLn2Hi, x);
  r = nmadd(n, kLn2Lo, r);
  V p = V{} + kP0;  // in every lane
  p = madd(p, r, kP1);
  p = madd(p, r, kP2);
  p = madd(p, r, kP3);
  p = madd(p, r, kP4);
  p = madd(p, r, kP5);
  return madd(p, r * r, r) + 1.0f;
}

}  // namespace tf::expf_core
