#include "loss.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "../core/dtype.h"
#include "../core/error.h"
#include "elementwise_math.h"
#include "simd.h"

namespace tf {

namespace {

using namespace simd;

// exp is ~8x an add: rows are split so a task holds about an eighth of an elementwise grain.
int64_t rowGrain(int64_t C) { return std::max<int64_t>(1, kGrainElementwise / 8 / std::max<int64_t>(1, C)); }

template <typename T>
inline T pickMax(T a, T x) { return (x > a || x != x) ? x : a; }

// max and logsumexp of one row; a NaN anywhere makes both NaN, as torch's logsumexp.
inline float rowLse(const float* x, int64_t C, float* maxOut) {
  const float ninf = -std::numeric_limits<float>::infinity();
  f8 m = splat8(ninf);
  int64_t i = 0;
  for (; i + 8 <= C; i += 8) {
    f8 v = ld8(x + i);
    m = ((v > m) | (v != v)) ? v : m;
  }
  float mx = ninf;
  for (int k = 0; k < 8; k++) mx = pickMax(mx, m[k]);
  for (; i < C; i++) mx = pickMax(mx, x[i]);
  *maxOut = mx;
  if (!std::isfinite(mx)) return mx == ninf ? ninf : (mx != mx ? mx : std::numeric_limits<float>::quiet_NaN());
  const f8 vm = splat8(mx);
  f8 acc = splat8(0.0f);
  double total = 0;
  i = 0;
  for (; i + 8 <= C; i += 8) {
    acc += exp8<true>(ld8(x + i) - vm);
    if ((i & 1023) == 1016) {  // flush to double so long rows stay accurate
      for (int k = 0; k < 8; k++) total += acc[k];
      acc = splat8(0.0f);
    }
  }
  if (i < C) {
    float buf[8];
    for (int k = 0; k < 8; k++) buf[k] = i + k < C ? x[i + k] : ninf;
    acc += exp8<true>(ld8(buf) - vm);
  }
  for (int k = 0; k < 8; k++) total += acc[k];
  return mx + (float)std::log(total);
}

inline double rowLse(const double* x, int64_t C, double* maxOut) {
  double mx = -std::numeric_limits<double>::infinity();
  for (int64_t i = 0; i < C; i++) mx = pickMax(mx, x[i]);
  *maxOut = mx;
  if (!std::isfinite(mx)) return mx == -std::numeric_limits<double>::infinity() ? mx : std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (int64_t i = 0; i < C; i++) s += std::exp(x[i] - mx);
  return mx + std::log(s);
}

// dx[j] = gi * exp(x[j] - lse)
inline void rowSoftmaxScaled(const float* x, int64_t C, float lse, float gi, float* dx) {
  const f8 vl = splat8(lse), vg = splat8(gi);
  int64_t i = 0;
  for (; i + 8 <= C; i += 8) st8(dx + i, exp8<true>(ld8(x + i) - vl) * vg);
  if (i < C) {
    float buf[8];
    const int64_t r = C - i;
    for (int k = 0; k < 8; k++) buf[k] = k < r ? x[i + k] : -std::numeric_limits<float>::infinity();
    f8 e = exp8<true>(ld8(buf) - vl) * vg;
    for (int k = 0; k < r; k++) dx[i + k] = e[k];
  }
}
inline void rowSoftmaxScaled(const double* x, int64_t C, double lse, double gi, double* dx) {
  for (int64_t i = 0; i < C; i++) dx[i] = gi * std::exp(x[i] - lse);
}

[[noreturn]] void badLabel(int64_t row, int32_t label, int64_t C) {
  fail("ERR_OUT_OF_BOUNDS", "crossEntropy: labels must be class indices in [0, " + std::to_string(C) + "), got " +
                                std::to_string(label) + " at position " + std::to_string(row));
}

// Checks every label; returns the number of rows not ignored.
int64_t checkLabels(const int32_t* labels, int64_t N, int64_t stride, int64_t C, int64_t ignore) {
  int64_t kept = 0;
  for (int64_t i = 0; i < N; i++) {
    const int32_t l = labels[i * stride];
    if (l == ignore) continue;
    if (l < 0 || l >= C) badLabel(i, l, C);
    kept++;
  }
  return kept;
}

// float32 rows of at most kGroupC classes go 8 rows at a time: the 8 x C block is
// transposed into a buffer so each class is one 8-lane vector, and max, exp, log run once per
// 8 rows instead of on a short, padded row each (a [128, 10] forward: 6.2 -> ~2 us). Sums
// of <= 16 terms in float stay within torch's float32 tolerance.
constexpr int64_t kGroupC = 16;

inline void loadGroup(const float* x, int64_t C, float (*buf)[8]) {
  for (int k = 0; k < 8; k++)
    for (int64_t j = 0; j < C; j++) buf[j][k] = x[k * C + j];
}

// lse of 8 rows of C classes starting at x.
inline f8 groupLse(const float (*buf)[8], int64_t C) {
  f8 m = splat8(-std::numeric_limits<float>::infinity());
  for (int64_t j = 0; j < C; j++) {
    const f8 v = ld8(buf[j]);
    m = ((v > m) | (v != v)) ? v : m;
  }
  f8 s = splat8(0.0f);
  for (int64_t j = 0; j < C; j++) s += exp8<true>(ld8(buf[j]) - m);  // NaN rows stay NaN
  f8 l;
  for (int k = 0; k < 8; k++) l[k] = m[k] + ew::logf_v(s[k]);
  return l;
}

int64_t groupRows(const float*, int64_t N, int64_t C) { return C <= kGroupC ? N / 8 * 8 : 0; }
int64_t groupRows(const double*, int64_t, int64_t) { return 0; }

// Calls fn(r, buf) for each group of 8 rows r..r+7 among the first `grouped`, buf holding the
// group's logits transposed (buf[j][k] = x[(r + k) * C + j]).
template <typename F>
void forGroups(ThreadPool& pool, int64_t grouped, int64_t C, const float* x, F&& fn) {
  pool.parallelFor(grouped / 8, std::max<int64_t>(1, rowGrain(C) / 8), [&](int64_t b, int64_t e) {
    float buf[kGroupC][8];
    for (int64_t gi = b; gi < e; gi++) {
      const int64_t r = gi * 8;
      loadGroup(x + r * C, C, buf);
      fn(r, buf);
    }
  });
}

template <typename T>
void forwardTyped(ThreadPool& pool, int64_t N, int64_t C, const T* x, const int32_t* labels, int64_t ls, int64_t ignore,
                  T* loss, T* lse) {
  const int64_t grouped = groupRows(x, N, C);
  if constexpr (std::is_same<T, float>::value) {
    forGroups(pool, grouped, C, x, [&](int64_t r, float (*buf)[8]) {
      const f8 l = groupLse(buf, C);
      st8(lse + r, l);
      for (int k = 0; k < 8; k++) {
        const int32_t lab = labels[(r + k) * ls];
        loss[r + k] = lab == ignore ? 0.0f : l[k] - x[(r + k) * C + lab];
      }
    });
  }
  pool.parallelFor(N - grouped, rowGrain(C), [&](int64_t b, int64_t e) {
    for (int64_t i = grouped + b; i < grouped + e; i++) {
      const T* row = x + i * C;
      T mx;
      const T l = rowLse(row, C, &mx);
      lse[i] = l;
      // lse - x[label]: within an ulp of torch's -((x - max) - log(sum)), and NaN / inf
      // rows come out as torch's (all -inf: -inf - -inf = NaN)
      const int32_t lab = labels[i * ls];
      loss[i] = lab == ignore ? T(0) : l - row[lab];
    }
  });
}

template <typename T>
void backwardTyped(ThreadPool& pool, int64_t N, int64_t C, const T* x, const int32_t* labels, int64_t ls, int64_t ignore,
                   const T* lse, const T* g, int64_t gs, double scale, T* dx) {
  const int64_t grouped = groupRows(x, N, C);
  if constexpr (std::is_same<T, float>::value) {
    forGroups(pool, grouped, C, x, [&](int64_t r, float (*buf)[8]) {
      f8 gv;
      for (int k = 0; k < 8; k++) gv[k] = labels[(r + k) * ls] == ignore ? 0.0f : (float)(scale * (double)g[(r + k) * gs]);
      const f8 l = ld8(lse + r);
      for (int64_t j = 0; j < C; j++) st8(buf[j], exp8<true>(ld8(buf[j]) - l) * gv);
      for (int k = 0; k < 8; k++) {
        float* row = dx + (r + k) * C;
        const int32_t lab = labels[(r + k) * ls];
        if (lab == ignore) {  // no gradient, even for a NaN row (0 * NaN would not be 0)
          for (int64_t j = 0; j < C; j++) row[j] = 0.0f;
          continue;
        }
        for (int64_t j = 0; j < C; j++) row[j] = buf[j][k];
        row[lab] -= gv[k];
      }
    });
  }
  pool.parallelFor(N - grouped, rowGrain(C), [&](int64_t b, int64_t e) {
    for (int64_t i = grouped + b; i < grouped + e; i++) {
      const int32_t lab = labels[i * ls];
      if (lab == ignore) {
        std::fill(dx + i * C, dx + (i + 1) * C, T(0));
        continue;
      }
      const T gi = (T)(scale * (double)g[i * gs]);
      rowSoftmaxScaled(x + i * C, C, lse[i], gi, dx + i * C);
      dx[i * C + lab] -= gi;
    }
  });
}

}  // namespace

int64_t xentForward(const Exec& ex, int dtype, int64_t N, int64_t C, const void* x, const int32_t* labels,
                    int64_t labelStride, int64_t ignoreIndex, void* loss, void* lse) {
  ThreadPool& pool = ex.pool();
  const int64_t kept = checkLabels(labels, N, labelStride, C, ignoreIndex);
  if (dtype == kF32)
    forwardTyped(pool, N, C, static_cast<const float*>(x), labels, labelStride, ignoreIndex, static_cast<float*>(loss),
                 static_cast<float*>(lse));
  else if (dtype == kF64)
    forwardTyped(pool, N, C, static_cast<const double*>(x), labels, labelStride, ignoreIndex, static_cast<double*>(loss),
                 static_cast<double*>(lse));
  else fail("ERR_DTYPE", std::string("crossEntropy: logits must be float32 or float64, got ") + dtypeName(dtype));
  return kept;
}

void xentBackward(const Exec& ex, int dtype, int64_t N, int64_t C, const void* x, const int32_t* labels,
                  int64_t labelStride, int64_t ignoreIndex, const void* lse, const void* g, int64_t gStride, double scale,
                  void* dx) {
  ThreadPool& pool = ex.pool();
  checkLabels(labels, N, labelStride, C, ignoreIndex);
  if (dtype == kF32)
    backwardTyped(pool, N, C, static_cast<const float*>(x), labels, labelStride, ignoreIndex, static_cast<const float*>(lse),
                  static_cast<const float*>(g), gStride, scale, static_cast<float*>(dx));
  else if (dtype == kF64)
    backwardTyped(pool, N, C, static_cast<const double*>(x), labels, labelStride, ignoreIndex, static_cast<const double*>(lse),
                  static_cast<const double*>(g), gStride, scale, static_cast<double*>(dx));
  else fail("ERR_DTYPE", std::string("crossEntropy: logits must be float32 or float64, got ") + dtypeName(dtype));
}

}  // namespace tf
