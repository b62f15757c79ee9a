// Reduction policies over arithmetic accumulators: sum (and mean), prod, and the second
// passes of var/std and logsumexp. The order-based ones (max/min, argmax/argmin, any/all)
// are in reduce_extreme.h; runPass (reduce_pass.h) drives any of them.
//
// Accumulators: sums accumulate in double. Contiguous float32 rows first add blocks of
// 256 elements in 32 float lanes (8 terms each) at memory speed, and the outer order adds
// 4 rows in float before its double accumulators; the float rounding is that of a few
// terms, so a 1e6-element float32 sum is off by ~5e-11 * sum|x| (about a third of a
// float32 ulp of the result for random data). var/std/logsumexp second passes and prod
// accumulate in double; int32/bool sums in 64-bit integers wrapped to int32 at the end
// (as int32 arithmetic would).
//
// A policy P has an accumulator type A and:
//   init(idx0, prm)          fresh state for a range starting at reduced index idx0
//   row(a, p, n, s, idx0, prm) fold n elements p[0], p[s], ... (reduced indices idx0..)
//   merge(a, b)              fold a later range's state b into a
//   col(acc, p, w, s, idx, prm) fold one reduced element into w outputs: acc[j] <- p[j*s]
//   cols(...) (optional)     fold n reduced elements at once (blocked over rows)
// prm is the per-output parameter of a second pass (mean for var, max for logsumexp).

#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "simd.h"

namespace tf::reduction {
namespace {  // internal linkage: see reduce.cc

using namespace simd;
inline f4 ld4(const float* p) { f4 v; std::memcpy(&v, p, sizeof v); return v; }
inline d4 ld4d(const double* p) { d4 v; std::memcpy(&v, p, sizeof v); return v; }

template <typename T> struct SumAccT { using type = double; };
template <> struct SumAccT<int32_t> { using type = int64_t; };
template <> struct SumAccT<uint8_t> { using type = int64_t; };
template <typename T> struct ProdAccT { using type = double; };
template <> struct ProdAccT<int32_t> { using type = uint64_t; };  // wraps like int32 arithmetic
template <> struct ProdAccT<uint8_t> { using type = uint64_t; };

template <typename T> constexpr bool kIsFloat = std::is_floating_point<T>::value;

template <typename T>
struct SumP {
  using A = typename SumAccT<T>::type;
  static A init(int64_t, double) { return 0; }
  static void row(A& a, const T* p, int64_t n, int64_t s, int64_t, double) {
    int64_t i = 0;
    A r = 0;
    if (s == 1) {
      if constexpr (std::is_same<T, float>::value) {
        // Blocks of up to 256 elements: 4 float vectors (32 lanes, 8 adds each), then the
        // block total is added in double. Runs at memory speed; the float32 rounding is
        // that of 8-term partial sums instead of n terms for one float accumulator.
        double tot = 0;
        while (i + 32 <= n) {
          const int64_t bend = i + std::min<int64_t>((n - i) & ~int64_t(31), 256);
          f8 c0 = splat8(0), c1 = c0, c2 = c0, c3 = c0;
          for (; i < bend; i += 32) {
            c0 += ld8(p + i);
            c1 += ld8(p + i + 8);
            c2 += ld8(p + i + 16);
            c3 += ld8(p + i + 24);
          }
          const d4 t = (lo4d(c0) + hi4d(c0)) + (lo4d(c1) + hi4d(c1)) + ((lo4d(c2) + hi4d(c2)) + (lo4d(c3) + hi4d(c3)));
          tot += (t[0] + t[1]) + (t[2] + t[3]);
        }
        r = tot;
      } else if constexpr (std::is_same<T, double>::value) {
        d4 c[8] = {};
        for (; i + 32 <= n; i += 32)
          for (int k = 0; k < 8; k++) c[k] += ld4d(p + i + 4 * k);
        for (int w = 4; w >= 1; w /= 2)
          for (int k = 0; k < w; k++) c[k] += c[k + w];
        r = (c[0][0] + c[0][1]) + (c[0][2] + c[0][3]);
      } else {
        A c[16] = {};
        for (; i + 16 <= n; i += 16)
          for (int k = 0; k < 16; k++) c[k] += (A)p[i + k];
        for (int k = 0; k < 16; k++) r += c[k];
      }
      for (; i < n; i++) r += (A)p[i];
    } else {
      for (; i < n; i++) r += (A)p[i * s];
    }
    a += r;
  }
  static void merge(A& a, const A& b) { a += b; }
  static void col(A* acc, const T* p, int64_t w, int64_t s, int64_t, const double*) {
    if (s == 1) for (int64_t j = 0; j < w; j++) acc[j] += (A)p[j];
    else for (int64_t j = 0; j < w; j++) acc[j] += (A)p[j * s];
  }
  // n reduced elements rs apart: eight (then four) rows are added in T before touching the
  // accumulators, so the double accumulators cost less L1 traffic than the input itself.
  static void cols(A* acc, const T* p, int64_t w, int64_t ks, int64_t n, int64_t rs, int64_t idx, const double* prm) {
    int64_t r = 0;
    if (ks == 1 && kIsFloat<T>) {
      for (; r + 8 <= n; r += 8) {
        const T* p0 = p + r * rs;
        const T* p1 = p0 + rs;
        const T* p2 = p1 + rs;
        const T* p3 = p2 + rs;
        const T* p4 = p3 + rs;
        const T* p5 = p4 + rs;
        const T* p6 = p5 + rs;
        const T* p7 = p6 + rs;
        for (int64_t j = 0; j < w; j++)
          acc[j] += (A)(((p0[j] + p1[j]) + (p2[j] + p3[j])) + ((p4[j] + p5[j]) + (p6[j] + p7[j])));
      }
      for (; r + 4 <= n; r += 4) {
        const T* p0 = p + r * rs;
        const T* p1 = p0 + rs;
        const T* p2 = p1 + rs;
        const T* p3 = p2 + rs;
        for (int64_t j = 0; j < w; j++) acc[j] += (A)((p0[j] + p1[j]) + (p2[j] + p3[j]));
      }
    }
    for (; r < n; r++) col(acc, p + r * rs, w, ks, idx + r, prm);
  }
};

template <typename T>
struct ProdP {
  using A = typename ProdAccT<T>::type;
  static A init(int64_t, double) { return 1; }
  static void row(A& a, const T* p, int64_t n, int64_t s, int64_t, double) {
    A c[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    int64_t i = 0;
    if (s == 1)
      for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) c[k] *= (A)p[i + k];
    A r = 1;
    for (; i < n; i++) r *= (A)p[i * s];
    for (int k = 0; k < 8; k++) r *= c[k];
    a *= r;
  }
  static void merge(A& a, const A& b) { a *= b; }
  static void col(A* acc, const T* p, int64_t w, int64_t s, int64_t, const double*) {
    if (s == 1) for (int64_t j = 0; j < w; j++) acc[j] *= (A)p[j];
    else for (int64_t j = 0; j < w; j++) acc[j] *= (A)p[j * s];
  }
};

// Second pass of var/std: sums of d = x - mean and d^2 (the sum of d corrects the rounding of the mean).
template <typename T>
struct VarP {
  struct A {
    double s1, s2;
  };
  static A init(int64_t, double) { return A{0, 0}; }
  static void row(A& a, const T* p, int64_t n, int64_t s, int64_t, double mu) {
    int64_t i = 0;
    if constexpr (kIsFloat<T>) {
      if (s == 1) {
        const d4 vm = {mu, mu, mu, mu};
        d4 c1[4] = {}, c2[4] = {};
        for (; i + 16 <= n; i += 16)
          for (int k = 0; k < 4; k++) {
            d4 d;
            if constexpr (std::is_same<T, float>::value) d = __builtin_convertvector(ld4(p + i + 4 * k), d4) - vm;
            else d = ld4d(p + i + 4 * k) - vm;
            c1[k] += d;
            c2[k] += d * d;
          }
        const d4 t1 = (c1[0] + c1[1]) + (c1[2] + c1[3]), t2 = (c2[0] + c2[1]) + (c2[2] + c2[3]);
        a.s1 += (t1[0] + t1[1]) + (t1[2] + t1[3]);
        a.s2 += (t2[0] + t2[1]) + (t2[2] + t2[3]);
      }
    }
    double c1[4] = {0, 0, 0, 0}, c2[4] = {0, 0, 0, 0};
    if (s == 1)
      for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) {
          double d = (double)p[i + k] - mu;
          c1[k] += d;
          c2[k] += d * d;
        }
    for (; i < n; i++) {
      double d = (double)p[i * s] - mu;
      c1[0] += d;
      c2[0] += d * d;
    }
    a.s1 += (c1[0] + c1[1]) + (c1[2] + c1[3]);
    a.s2 += (c2[0] + c2[1]) + (c2[2] + c2[3]);
  }
  static void merge(A& a, const A& b) { a.s1 += b.s1; a.s2 += b.s2; }
  static void col(A* acc, const T* p, int64_t w, int64_t s, int64_t, const double* mu) {
    for (int64_t j = 0; j < w; j++) {
      double d = (double)p[j * s] - mu[j];
      acc[j].s1 += d;
      acc[j].s2 += d * d;
    }
  }
};

// Second pass of logsumexp: sum of exp(x - max); skipped where the max is not finite.
template <typename T>
struct LseP {
  using A = double;
  static A init(int64_t, double) { return 0; }
  static void row(A& a, const T* p, int64_t n, int64_t s, int64_t, double mx) {
    if (!std::isfinite(mx)) return;
    int64_t i = 0;
    if constexpr (std::is_same<T, float>::value) {
      if (s == 1) {  // vectorised expf (the max is a float value, so x - max is as exact as float allows)
        const f8 vm = splat8((float)mx);
        d4 c0 = {0, 0, 0, 0}, c1 = {0, 0, 0, 0};
        for (; i + 8 <= n; i += 8) {
          const f8 e = exp8<true>(ld8(p + i) - vm);
          c0 += lo4d(e);
          c1 += hi4d(e);
        }
        c0 += c1;
        a += (c0[0] + c0[1]) + (c0[2] + c0[3]);
        for (; i < n; i++) a += (double)std::exp(p[i] - (float)mx);
        return;
      }
    }
    double c[4] = {0, 0, 0, 0};
    if (s == 1)
      for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) c[k] += std::exp((double)p[i + k] - mx);
    for (; i < n; i++) c[0] += std::exp((double)p[i * s] - mx);
    a += (c[0] + c[1]) + (c[2] + c[3]);
  }
  static void merge(A& a, const A& b) { a += b; }
  static void col(A* acc, const T* p, int64_t w, int64_t s, int64_t, const double* mx) {
    for (int64_t j = 0; j < w; j++)
      if (std::isfinite(mx[j])) acc[j] += std::exp((double)p[j * s] - mx[j]);
  }
};

}  // namespace
}  // namespace tf::reduction
