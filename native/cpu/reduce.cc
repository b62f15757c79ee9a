// Reductions over strided views.
//
// The caller permutes the view so kept dims come first and reduced dims last. Here the
// kept dims (K) and reduced dims (R) are coalesced separately, and one of two loop
// orders is picked:
//  - inner: the reduced dims are the fastest-varying in memory; each output reduces its
//    rows (contiguous rows are vectorised with many independent accumulators);
//  - outer: the last kept dim has the smallest stride (e.g. sum over axis 0 of a
//    row-major matrix); a tile of up to kTile outputs is accumulated row by row, so every
//    load is contiguous and vectorised across outputs.
// A long reduction is split into fixed chunks of reduced elements whose partial states
// are merged in order afterwards. The split depends only on the shape, never on the
// thread count, so results are identical for any number of threads.
//
// Accumulators: sums accumulate in double. Contiguous float32 rows first add blocks of
// 256 elements in 32 float lanes (8 terms each) at memory speed, and the outer order adds
// 4 rows in float before its double accumulators; the float rounding is that of a few
// terms, so a 1e6-element float32 sum is off by ~5e-11 * sum|x| (about a third of a
// float32 ulp of the result for random data). var/std/logsumexp second passes, prod and
// cumsum accumulate in double; int32/bool sums in 64-bit integers wrapped to int32 at
// the end (as int32 arithmetic would); max/min in the input type, NaN sticky.
#include "reduce.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../core/dtype.h"
#include "../core/error.h"
#include "softmax.h"

namespace tf {

int reduceOutDType(int op, int dt) {
  const bool intLike = dt == kI32 || dt == kBool;
  switch (op) {
    case kRSum:
    case kRProd: return intLike ? (int)kI32 : dt;
    case kRMean:
    case kRVar:
    case kRStd:
    case kRLogSumExp: return intLike ? (int)kF32 : dt;
    case kRMax:
    case kRMin: return dt;
    case kRArgMax:
    case kRArgMin: return kI32;
    default: return kBool;
  }
}

bool reduceNeedsElements(int op) { return op == kRMax || op == kRMin || op == kRArgMax || op == kRArgMin; }

namespace {

constexpr int64_t kChunk = 65536;  // reduced elements per partial state when a reduction is split
constexpr int64_t kTile = 1024;    // outputs per tile in the outer loop order (accumulators stay in L1)

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

// --------------------------------------------------------------------------------------
// Policies. Each has an accumulator A and:
//   init(idx0, prm)          fresh state for a range starting at reduced index idx0
//   row(a, p, n, s, idx0, prm) fold n elements p[0], p[s], ... (reduced indices idx0..)
//   merge(a, b)              fold a later range's state b into a
//   col(acc, p, w, s, idx, prm) fold one reduced element into w outputs: acc[j] <- p[j*s]
//   cols(...) (optional)     fold n reduced elements at once (blocked over rows)
// prm is the per-output parameter of a second pass (mean for var, max for logsumexp).

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
      // most kChunk long, so int32 lane indices suffice.
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

// --------------------------------------------------------------------------------------
// Geometry and the driver.

struct Geom {
  StridedLayout<1> K, R;  // kept dims (output order) and reduced dims, coalesced
  int64_t M = 1, N = 1;
  bool outer = false;
};

inline int64_t offsetOf(const StridedLayout<1>& L, int64_t m) {
  int64_t off = 0;
  for (int d = L.ndim - 1; d >= 0; d--) {
    off += (m % L.shape[d]) * L.strides[0][d];
    m /= L.shape[d];
  }
  return off;
}

// Builds the geometry. Order-free reductions flip negative reduced strides (moving the
// base) and sort reduced dims by decreasing stride so they coalesce as far as possible;
// argmax/argmin keep the logical order, which their indices refer to.
Geom makeGeom(const StridedLayout<1>& X, int nKept, bool orderFree, int64_t& baseShift) {
  Geom g;
  baseShift = 0;
  g.K.ndim = nKept;
  g.R.ndim = X.ndim - nKept;
  for (int d = 0; d < nKept; d++) {
    g.K.shape[d] = X.shape[d];
    g.K.strides[0][d] = X.strides[0][d];
    g.M *= X.shape[d];
  }
  for (int d = nKept; d < X.ndim; d++) {
    int r = d - nKept;
    g.R.shape[r] = X.shape[d];
    g.R.strides[0][r] = X.strides[0][d];
    g.N *= X.shape[d];
  }
  g.K.numel = g.M;
  g.R.numel = g.N;
  if (g.M == 0 || g.N == 0) {
    g.K.coalesce();
    g.R.coalesce();
    return g;
  }
  if (orderFree) {
    for (int r = 0; r < g.R.ndim; r++) {
      int64_t& s = g.R.strides[0][r];
      if (s < 0) {
        baseShift += (g.R.shape[r] - 1) * s;
        s = -s;
      }
    }
    // stable insertion sort by decreasing stride
    for (int a = 1; a < g.R.ndim; a++) {
      int64_t sh = g.R.shape[a], st = g.R.strides[0][a];
      int b = a - 1;
      while (b >= 0 && g.R.strides[0][b] < st) {
        g.R.shape[b + 1] = g.R.shape[b];
        g.R.strides[0][b + 1] = g.R.strides[0][b];
        b--;
      }
      g.R.shape[b + 1] = sh;
      g.R.strides[0][b + 1] = st;
    }
  }
  g.K.coalesce();
  g.R.coalesce();
  if (g.M > 1 && g.N > 1) {
    int64_t minR = INT64_MAX;
    for (int r = 0; r < g.R.ndim; r++) {
      int64_t s = g.R.strides[0][r] < 0 ? -g.R.strides[0][r] : g.R.strides[0][r];
      if (g.R.shape[r] > 1 && s < minR) minR = s;
    }
    int last = g.K.ndim - 1;
    int64_t ks = g.K.strides[0][last];
    if (ks < 0) ks = -ks;
    g.outer = g.K.shape[last] > 1 && ks != 0 && ks < minR;
  }
  return g;
}

template <class P, typename T>
inline void reduceRange(const StridedLayout<1>& R, const T* base, int64_t b, int64_t e, typename P::A& a, double pm) {
  if (b >= e) return;
  if (R.ndim == 1) {
    const int64_t s = R.strides[0][0];
    P::row(a, base + b * s, e - b, s, b, pm);
    return;
  }
  int64_t idx = b;
  R.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
    P::row(a, base + off[0], n, st[0], idx, pm);
    idx += n;
  });
}

// Folds n reduced elements (rs apart) into w outputs; policies may provide a blocked cols().
template <class P, typename = void>
struct HasCols : std::false_type {};
template <class P>
struct HasCols<P, decltype(void(&P::cols))> : std::true_type {};

template <class P, typename T>
inline void colsOf(typename P::A* acc, const T* p, int64_t w, int64_t ks, int64_t n, int64_t rs, int64_t idx, const double* prm) {
  if constexpr (HasCols<P>::value) P::cols(acc, p, w, ks, n, rs, idx, prm);
  else for (int64_t r = 0; r < n; r++) P::col(acc, p + r * rs, w, ks, idx + r, prm);
}

// Runs one pass of policy P and calls sink(m, state) once per output m (from any thread
// when nothing was split, else from the caller's thread).
template <class P, typename T, typename Sink>
void runPass(ThreadPool& pool, const Geom& g, const T* x, const double* prm, Sink&& sink) {
  using A = typename P::A;
  const int64_t M = g.M, N = g.N;
  if (M == 0) return;
  if (!g.outer) {
    if (N <= kChunk) {
      const int64_t grain = std::max<int64_t>(1, kGrainElementwise / std::max<int64_t>(N, 1));
      pool.parallelFor(M, grain, [&](int64_t mb, int64_t me) {
        int64_t m = mb;
        g.K.forRange(mb, me, [&](const int64_t* off, int64_t n, const int64_t* st) {
          for (int64_t i = 0; i < n; i++, m++) {
            const double pm = prm ? prm[m] : 0.0;
            A a = P::init(0, pm);
            reduceRange<P>(g.R, x + off[0] + i * st[0], 0, N, a, pm);
            sink(m, a);
          }
        });
      });
      return;
    }
    const int64_t nch = (N + kChunk - 1) / kChunk;
    std::vector<A> part((size_t)(M * nch));
    pool.parallelFor(M * nch, 1, [&](int64_t tb, int64_t te) {
      for (int64_t t = tb; t < te; t++) {
        const int64_t m = t / nch, c = t % nch;
        const int64_t b = c * kChunk, e = std::min(N, b + kChunk);
        const double pm = prm ? prm[m] : 0.0;
        A a = P::init(b, pm);
        reduceRange<P>(g.R, x + offsetOf(g.K, m), b, e, a, pm);
        part[(size_t)t] = a;
      }
    });
    for (int64_t m = 0; m < M; m++) {
      A a = part[(size_t)(m * nch)];
      for (int64_t c = 1; c < nch; c++) P::merge(a, part[(size_t)(m * nch + c)]);
      sink(m, a);
    }
    return;
  }
  // Outer order: tiles of the last kept dim, accumulated across reduced elements.
  const int last = g.K.ndim - 1;
  const int64_t K0 = g.K.shape[last], ks = g.K.strides[0][last];
  StridedLayout<1> KO = g.K;  // the other kept dims
  KO.ndim = last;
  const int64_t O = M / K0;
  const int64_t nt = (K0 + kTile - 1) / kTile;
  const int64_t width = std::min(K0, kTile);
  // Chunks of rows (partial states merged in a fixed order) give threads work; their size
  // depends on the shape only, so results are the same for every thread count. A multiple
  // of 8 rows, so policies that fold 8 rows at a time (sum) leave no single rows behind.
  const int64_t rowsPerChunk = (std::max<int64_t>(64, 4 * kChunk / width) + 7) / 8 * 8;
  const int64_t nch = (N + rowsPerChunk - 1) / rowsPerChunk;
  std::vector<A> part(nch > 1 ? (size_t)(M * nch) : 0);
  const int64_t grain = std::max<int64_t>(1, kGrainElementwise / (width * std::min(N, rowsPerChunk)));
  pool.parallelFor(O * nt * nch, grain, [&](int64_t tb, int64_t te) {
    A acc[kTile];
    for (int64_t t = tb; t < te; t++) {
      const int64_t c = t % nch, tile = (t / nch) % nt, o = t / (nch * nt);
      const int64_t j0 = tile * kTile, w = std::min(kTile, K0 - j0), m0 = o * K0 + j0;
      const T* base = x + offsetOf(KO, o) + j0 * ks;
      const int64_t b = c * rowsPerChunk, e = std::min(N, b + rowsPerChunk);
      const double* pc = prm ? prm + m0 : nullptr;
      for (int64_t j = 0; j < w; j++) acc[j] = P::init(b, pc ? pc[j] : 0.0);
      if (g.R.ndim == 1) {
        const int64_t rs = g.R.strides[0][0];
        colsOf<P>(acc, base + b * rs, w, ks, e - b, rs, b, pc);
      } else {
        int64_t idx = b;
        g.R.forRange(b, e, [&](const int64_t* off, int64_t n, const int64_t* st) {
          colsOf<P>(acc, base + off[0], w, ks, n, st[0], idx, pc);
          idx += n;
        });
      }
      if (nch == 1) for (int64_t j = 0; j < w; j++) sink(m0 + j, acc[j]);
      else for (int64_t j = 0; j < w; j++) part[(size_t)(c * M + m0 + j)] = acc[j];
    }
  });
  if (nch > 1) {
    for (int64_t m = 0; m < M; m++) {
      A a = part[(size_t)m];
      for (int64_t c = 1; c < nch; c++) P::merge(a, part[(size_t)(c * M + m)]);
      sink(m, a);
    }
  }
}

template <typename T> struct IntOut { using type = T; };
template <> struct IntOut<uint8_t> { using type = int32_t; };  // sum/prod of bool -> int32
template <typename T> struct FloatOut { using type = T; };
template <> struct FloatOut<int32_t> { using type = float; };  // mean/var/... of ints -> float32
template <> struct FloatOut<uint8_t> { using type = float; };

template <typename O, typename A>
inline O castAcc(A a) {
  if constexpr (std::is_integral<A>::value && std::is_integral<O>::value) return (O)(uint32_t)(uint64_t)a;  // wrap
  else return (O)a;
}

template <typename T>
void reduceTyped(ThreadPool& pool, int op, const Geom& g, const T* x, void* outp) {
  const int64_t N = g.N;
  const double dn = (double)N;
  switch (op) {
    case kRSum: {
      using O = typename IntOut<T>::type;
      O* o = static_cast<O*>(outp);
      runPass<SumP<T>>(pool, g, x, nullptr, [&](int64_t m, const auto& a) { o[m] = castAcc<O>(a); });
      break;
    }
    case kRMean: {
      using O = typename FloatOut<T>::type;
      O* o = static_cast<O*>(outp);
      runPass<SumP<T>>(pool, g, x, nullptr, [&](int64_t m, const auto& a) { o[m] = (O)((double)a / dn); });
      break;
    }
    case kRProd: {
      using O = typename IntOut<T>::type;
      O* o = static_cast<O*>(outp);
      runPass<ProdP<T>>(pool, g, x, nullptr, [&](int64_t m, const auto& a) { o[m] = castAcc<O>(a); });
      break;
    }
    case kRMax: {
      T* o = static_cast<T*>(outp);
      runPass<ExtremeP<T, true>>(pool, g, x, nullptr, [&](int64_t m, const T& a) { o[m] = a; });
      break;
    }
    case kRMin: {
      T* o = static_cast<T*>(outp);
      runPass<ExtremeP<T, false>>(pool, g, x, nullptr, [&](int64_t m, const T& a) { o[m] = a; });
      break;
    }
    case kRArgMax: {
      int32_t* o = static_cast<int32_t*>(outp);
      runPass<ArgP<T, true>>(pool, g, x, nullptr, [&](int64_t m, const auto& a) { o[m] = (int32_t)a.i; });
      break;
    }
    case kRArgMin: {
      int32_t* o = static_cast<int32_t*>(outp);
      runPass<ArgP<T, false>>(pool, g, x, nullptr, [&](int64_t m, const auto& a) { o[m] = (int32_t)a.i; });
      break;
    }
    case kRAny: {
      uint8_t* o = static_cast<uint8_t*>(outp);
      runPass<BoolP<T, true>>(pool, g, x, nullptr, [&](int64_t m, uint8_t a) { o[m] = a; });
      break;
    }
    case kRAll: {
      uint8_t* o = static_cast<uint8_t*>(outp);
      runPass<BoolP<T, false>>(pool, g, x, nullptr, [&](int64_t m, uint8_t a) { o[m] = a; });
      break;
    }
    case kRVar:
    case kRStd: {
      using O = typename FloatOut<T>::type;
      O* o = static_cast<O*>(outp);
      std::vector<double> mu((size_t)g.M);
      runPass<SumP<T>>(pool, g, x, nullptr, [&](int64_t m, const auto& a) { mu[(size_t)m] = (double)a / dn; });
      const bool isStd = op == kRStd;
      runPass<VarP<T>>(pool, g, x, mu.data(), [&](int64_t m, const auto& a) {
        double v = (a.s2 - a.s1 * a.s1 / dn) / dn;
        if (v < 0) v = 0;
        if (N == 0 || mu[(size_t)m] != mu[(size_t)m]) v = std::numeric_limits<double>::quiet_NaN();
        o[m] = (O)(isStd ? std::sqrt(v) : v);
      });
      break;
    }
    case kRLogSumExp: {
      using O = typename FloatOut<T>::type;
      O* o = static_cast<O*>(outp);
      if (N == 0) {
        for (int64_t m = 0; m < g.M; m++) o[m] = -std::numeric_limits<O>::infinity();
        break;
      }
      std::vector<double> mx((size_t)g.M);
      runPass<ExtremeP<T, true>>(pool, g, x, nullptr, [&](int64_t m, const T& a) { mx[(size_t)m] = (double)a; });
      runPass<LseP<T>>(pool, g, x, mx.data(), [&](int64_t m, double s) {
        const double mv = mx[(size_t)m];
        o[m] = (O)(std::isfinite(mv) ? mv + std::log(s) : mv);
      });
      break;
    }
    default: fail("ERR_ARGUMENT", "reduce: unknown op code " + std::to_string(op));
  }
}

}  // namespace

void reduceKernel(const Exec& ex, int op, int dtype, const StridedLayout<1>& X, int nKept, const void* x, void* out) {
  ThreadPool& pool = ex.pool();
  if (op < 0 || op >= kReduceOpCount) fail("ERR_ARGUMENT", "reduce: unknown op code " + std::to_string(op));
  if (nKept < 0 || nKept > X.ndim) fail("ERR_ARGUMENT", "reduce: bad kept-dim count");
  const bool orderFree = !(op == kRArgMax || op == kRArgMin);
  int64_t shift = 0;
  Geom g = makeGeom(X, nKept, orderFree, shift);
  if (g.M == 0) return;
  if (g.N == 0 && reduceNeedsElements(op)) fail("ERR_SHAPE", "reduce: cannot reduce over an empty dimension");
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    reduceTyped<T>(pool, op, g, static_cast<const T*>(x) + shift, out);
  });
}

}  // namespace tf
