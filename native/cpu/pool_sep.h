// Vector pieces shared by the separable pools (pool_sep.cc) and the same-size and global ones
// (pool_flat.cc): masks, the max and sum combines, masked tap loads, the avg divide.
#pragma once
#ifdef __AVX2__
#include <immintrin.h>

#include <cstdint>
#include <limits>

namespace tf::poolsep {

// mask(n): the first n (0..8) lanes set
alignas(32) inline const int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline __m256i mask(int64_t n) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - n)); }

struct MaxOp {
  static __m256 pad() { return _mm256_set1_ps(-std::numeric_limits<float>::infinity()); }
  // torch's rule: v replaces m only when greater (so the first of -0, +0 stays); a NaN in v sets
  // every bit (a NaN), and max_ps(v, NaN) keeps the NaN in m.
  static __m256 comb(__m256 m, __m256 v) {
    return _mm256_or_ps(_mm256_max_ps(v, m), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  static __m256 fix(__m256 v, __m256i valid) { return _mm256_blendv_ps(pad(), v, _mm256_castsi256_ps(valid)); }
  static __m256 keep(__m256 v, __m256i valid) { return fix(v, valid); }  // v where valid, else the pad
};
struct SumOp {
  static __m256 pad() { return _mm256_setzero_ps(); }  // x + 0 == x: a padded tap adds nothing
  static __m256 comb(__m256 m, __m256 v) { return _mm256_add_ps(m, v); }
  static __m256 fix(__m256 v, __m256i) { return v; }  // a masked load's lanes are 0 already
  static __m256 keep(__m256 v, __m256i valid) { return _mm256_and_ps(v, _mm256_castsi256_ps(valid)); }
};

inline __m256i maskAt(const int32_t* m) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m)); }

template <class Op>
inline __m256 tapLoad(const float* p, const int32_t* m, bool full) {
  if (full) return _mm256_loadu_ps(p);
  const __m256i mk = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(m));
  return Op::fix(_mm256_maskload_ps(p, mk), mk);
}

// sum / d for 8 outputs, rounded as a division at the cost of a multiply and two FMAs (r = 1/d
// correctly rounded, made once per call): q = sum * r is within an ulp, and one Newton step on
// the exact remainder sum - q*d (FMA) rounds it correctly (Markstein), except where the quotient
// is subnormal (below 2^-126: there it may be one subnormal step off; 3.2e8 random sums over
// divisors 1..2000 agreed with vdivps bit for bit otherwise). An infinite or NaN sum keeps q
// (its remainder is NaN). The + 0 first: a sum of -0 is +0, as torch's sum from 0.
inline __m256 avgDivide(__m256 sum, __m256 d, __m256 r) {
  sum = _mm256_add_ps(sum, _mm256_setzero_ps());
  const __m256 q = _mm256_mul_ps(sum, r), rem = _mm256_fnmadd_ps(q, d, sum);
  return _mm256_blendv_ps(q, _mm256_fmadd_ps(rem, r, q), _mm256_cmp_ps(rem, rem, _CMP_ORD_Q));
}

// Stores 8 outputs at dst whole when the task's outputs go on to `end` (lanes past a row or
// plane land on later outputs, written after), else masked at end.
inline void storeUpTo(float* dst, const float* end, __m256 v) {
  if (end - dst >= 8) _mm256_storeu_ps(dst, v);
  else _mm256_maskstore_ps(dst, mask(end - dst), v);
}

}  // namespace tf::poolsep
#endif
