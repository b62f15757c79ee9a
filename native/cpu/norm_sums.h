// The float64 sums every normalisation kernel is built from, over contiguous runs: 8 lanes
// (two 4-wide double vectors) in a fixed order, so a result never depends on the thread count.
// The data are shifted first (by the run's first value, or the mean), so the sum of squares
// does not cancel catastrophically when the mean is large against the spread.
#pragma once
#include <cstdint>
#include <cstring>

#include "simd.h"

namespace tf::normsum {

using simd::d4;

inline void load8(const float* p, d4& a, d4& b) {
  simd::f8 v = simd::ld8(p);
  a = simd::lo4d(v);
  b = simd::hi4d(v);
}
inline void load8(const double* p, d4& a, d4& b) {
  std::memcpy(&a, p, sizeof a);
  std::memcpy(&b, p + 4, sizeof b);
}
inline double hsum(d4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }

// s += sum(x - shift), q += sum((x - shift)^2)
template <typename T>
inline void shiftedSums(const T* x, int64_t n, double shift, double& s, double& q) {
  const d4 sh = {shift, shift, shift, shift};
  d4 s0 = {0, 0, 0, 0}, s1 = s0, q0 = s0, q1 = s0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    d4 a, b;
    load8(x + i, a, b);
    a -= sh;
    b -= sh;
    s0 += a;
    s1 += b;
    q0 += a * a;
    q1 += b * b;
  }
  double ts = hsum(s0 + s1), tq = hsum(q0 + q1);
  for (; i < n; i++) {
    double d = (double)x[i] - shift;
    ts += d;
    tq += d * d;
  }
  s += ts;
  q += tq;
}

// sdy += sum(dy), sdyx += sum(dy * (x - mean))
template <typename T>
inline void dotSums(const T* x, const T* dy, int64_t n, double mean, double& sdy, double& sdyx) {
  const d4 m = {mean, mean, mean, mean};
  d4 s0 = {0, 0, 0, 0}, s1 = s0, p0 = s0, p1 = s0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    d4 xa, xb, ga, gb;
    load8(x + i, xa, xb);
    load8(dy + i, ga, gb);
    s0 += ga;
    s1 += gb;
    p0 += ga * (xa - m);
    p1 += gb * (xb - m);
  }
  double ts = hsum(s0 + s1), tp = hsum(p0 + p1);
  for (; i < n; i++) {
    ts += (double)dy[i];
    tp += (double)dy[i] * ((double)x[i] - mean);
  }
  sdy += ts;
  sdyx += tp;
}

// As dotSums with dy scaled elementwise by w: s1 += sum(w dy), s2 += sum(w dy (x - mean)).
template <typename T>
inline void weightedDotSums(const T* x, const T* dy, const T* w, int64_t n, double mean, double& s1, double& s2) {
  const d4 m = {mean, mean, mean, mean};
  d4 s0 = {0, 0, 0, 0}, s1v = s0, p0 = s0, p1 = s0;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    d4 xa, xb, ga, gb, wa, wb;
    load8(x + i, xa, xb);
    load8(dy + i, ga, gb);
    load8(w + i, wa, wb);
    ga *= wa;
    gb *= wb;
    s0 += ga;
    s1v += gb;
    p0 += ga * (xa - m);
    p1 += gb * (xb - m);
  }
  double ts = hsum(s0 + s1v), tp = hsum(p0 + p1);
  for (; i < n; i++) {
    double g = (double)dy[i] * (double)w[i];
    ts += g;
    tp += g * ((double)x[i] - mean);
  }
  s1 += ts;
  s2 += tp;
}

// mean and biased variance of n values from their shifted sums
inline void momentsOf(double shift, double s, double q, int64_t n, double& mean, double& var) {
  const double dm = s / (double)n;
  mean = shift + dm;
  var = q / (double)n - dm * dm;
  if (var < 0) var = 0;  // rounding of a constant run
}

}  // namespace tf::normsum
