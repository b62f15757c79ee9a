// Order-based reduction policies: max/min (NaN sticky, in the input type), argmax/argmin
// (first index of the extreme) and any/all. The policy contract is in reduce_policy.h.

#pragma once
#include "reduce_policy.h"

namespace tf::reduction {
namespace {  // internal linkage: see reduce.cc

// NaN-propagating max/min step: once the accumulator is NaN it stays NaN.
template <bool IsMax, typename T>
inline T pick(T a, T x) {
  if constexpr (IsMax) return (x > a || x != x) ? x : a;
  else return (x < a || x != x) ? x : a;
}
template <bool IsMax, typename T>
inline T extremeInit() {
  if constexpr (kIsFloat<T>) return IsMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  else return IsMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
}

// Vectorised NaN-propagating max/min of a contiguous float row, folded into a.
template <bool IsMax>
inline float extremeRowF(float a, const float* p, int64_t n) {
  int64_t i = 0;
  if (n >= 32) {
    f8 m[4];
    for (int k = 0; k < 4; k++) m[k] = splat8(a);
    for (; i + 32 <= n; i += 32) {
      for (int k = 0; k < 4; k++) {
        f8 v = ld8(p + i + 8 * k);
        if constexpr (IsMax) m[k] = ((v > m[k]) | (v != v)) ? v : m[k];
        else m[k] = ((v < m[k]) | (v != v)) ? v : m[k];
      }
    }
    for (int k = 0; k < 4; k++)
      for (int l = 0; l < 8; l++) a = pick<IsMax>(a, m[k][l]);
  }
  for (; i < n; i++) a = pick<IsMax>(a, p[i]);
  return a;
}

template <typename T, bool IsMax>
inline T extremeRow(T a, const T* p, int64_t n, int64_t s) {
  if constexpr (std::is_same<T, float>::value) {
    if (s == 1) return extremeRowF<IsMax>(a, p, n);
  }
  int64_t i = 0;
  if (s == 1 && n >= 8) {
    T c[8];
    for (int k = 0; k < 8; k++) c[k] = a;
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; k++) c[k] = pick<IsMax>(c[k], p[i + k]);
    for (int k = 0; k < 8; k++) a = pick<IsMax>(a, c[k]);
  }
  for (; i < n; i++) a = pick<IsMax>(a, p[i * s]);
  return a;
}

template <typename T, bool IsMax>
struct ExtremeP {
  using A = T;
  static A init(int64_t, double) { return extremeInit<IsMax, T>(); }
  static void row(A& a, const T* p, int64_t n, int64_t s, int64_t, double) { a = extremeRow<T, IsMax>(a, p, n, s); }
  static void merge(A& a, const A& b) { a = pick<IsMax>(a, b); }
  static void col(A* acc, const T* p, int64_t w, int64_t s, int64_t, const double*) {
    if (s == 1) for (int64_t j = 0; j < w; j++) acc[j] = pick<IsMax>(acc[j], p[j]);
    else for (int64_t j = 0; j < w; j++) acc[j] = pick<IsMax>(acc[j], p[j * s]);
  }
  static void cols(A* acc, const T* p, int64_t w, int64_t ks, int64_t n, int64_t rs, int64_t idx, const double* prm) {
    int64_t r = 0;
    if (ks == 1) {
      for (; r + 4 <= n; r += 4) {
        const T* p0 = p + r * rs;
        const T* p1 = p0 + rs;
        const T* p2 = p1 + rs;
        const T* p3 = p2 + rs;
        for (int64_t j = 0; j < w; j++)
          acc[j] = pick<IsMax>(acc[j], pick<IsMax>(pick<IsMax>(p0[j], p1[j]), pick<IsMax>(p2[j], p3[j])));
      }
    }
    for (; r < n; r++) col(acc, p + r * rs, w, ks, idx + r, prm);
  }
};

// argmax/argmin: ties keep the first index; NaN counts as the extreme (the first NaN wins).
template <typename T, bool IsMax>
struct ArgP {
  struct A {
    T v;
    int64_t i;
  };
  static bool better(T x, T v) {
    if constexpr (IsMax) return x > v || (x != x && v == v);
    else return x < v || (x != x && v == v);
  }
  static A init(int64_t idx0, double) { return A{extremeInit<IsMax, T>(), idx0}; }
  static void row(A& a, const T* p, int64_t n, int64_t s, int64_t idx0, double) {
    int64_t k = 0;
    T cv = a.v;
    int64_t ci = -1;
    if constexpr (std::is_same<T, float>::value) {
      // One vectorised pass: each lane keeps its first best (value, index); rows are at
      // most kChunk (reduce_pass.h) long, so int32 lane indices suffice.
      if (s == 1 && n >= 32) {
        f8 bv[4];
        i8 bi[4], cur[4];
        for (int q = 0; q < 4; q++) {
          bv[q] = splat8(extremeInit<IsMax, float>());
          bi[q] = i8{-1, -1, -1, -1, -1, -1, -1, -1};
          cur[q] = i8{0, 1, 2, 3, 4, 5, 6, 7} + 8 * q;
        }
        for (; k + 32 <= n; k += 32) {
          for (int q = 0; q < 4; q++) {  // four independent chains
            const f8 v = ld8(p + k + 8 * q);
            i8 m = IsMax ? (v > bv[q]) : (v < bv[q]);
            m |= (v != v) & (bv[q] == bv[q]);
            bv[q] = m ? v : bv[q];
            bi[q] = m ? cur[q] : bi[q];
            cur[q] += 32;
          }
        }
        for (int q = 0; q < 4; q++)
          for (int l = 0; l < 8; l++) {
            if (bi[q][l] < 0) continue;
            const float v = bv[q][l];
            const bool tie = v == cv || (v != v && cv != cv);
            if (better(v, cv) || (tie && (ci < 0 || bi[q][l] < ci))) { cv = v; ci = bi[q][l]; }
          }
        if (ci >= 0 && !better(cv, a.v)) ci = -1, cv = a.v;  // not better than the earlier state
      }
    }
    for (; k < n; k++) {
      const T x = p[k * s];
      if (better(x, cv)) { cv = x; ci = k; }
    }
    if (ci >= 0) { a.v = cv; a.i = idx0 + ci; }
  }
  static void merge(A& a, const A& b) { if (better(b.v, a.v)) a = b; }
  static void col(A* acc, const T* p, int64_t w, int64_t s, int64_t idx, const double*) {
    for (int64_t j = 0; j < w; j++) {
      T x = p[j * s];
      if (better(x, acc[j].v)) { acc[j].v = x; acc[j].i = idx; }
    }
  }
};

template <typename T, bool IsAny>
struct BoolP {
  using A = uint8_t;
  static A init(int64_t, double) { return IsAny ? 0 : 1; }
  static void row(A& a, const T* p, int64_t n, int64_t s, int64_t, double) {
    uint8_t r = IsAny ? 0 : 1;
    if (s == 1) {
      for (int64_t i = 0; i < n; i++) {
        if constexpr (IsAny) r |= (uint8_t)(p[i] != T(0));
        else r &= (uint8_t)(p[i] != T(0));
      }
    } else {
      for (int64_t i = 0; i < n; i++) {
        if constexpr (IsAny) r |= (uint8_t)(p[i * s] != T(0));
        else r &= (uint8_t)(p[i * s] != T(0));
      }
    }
    merge(a, r);
  }
  static void merge(A& a, const A& b) {
    if constexpr (IsAny) a |= b;
    else a &= b;
  }
  static void col(A* acc, const T* p, int64_t w, int64_t s, int64_t, const double*) {
    for (int64_t j = 0; j < w; j++) {
      if constexpr (IsAny) acc[j] |= (uint8_t)(p[j * s] != T(0));
      else acc[j] &= (uint8_t)(p[j * s] != T(0));
    }
  }
};

}  // namespace
}  // namespace tf::reduction
