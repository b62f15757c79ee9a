// Reductions over strided views: output dtypes, and the dispatch from op code and dtype
// to a policy (reduce_policy.h, reduce_extreme.h) run by the pass driver (reduce_pass.h)
// over the view's geometry (reduce_geom.h). The caller permutes the view so kept dims
// come first and reduced dims last.
// Those headers belong to this file alone and keep their code in an unnamed namespace:
// with internal linkage GCC inlines and clones the hot loops as it did when this was one
// file (as external-linkage templates, the pass drivers came out differently inlined).
#include "reduce.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../core/dtype.h"
#include "../core/error.h"
#include "reduce_extreme.h"
#include "reduce_pass.h"
#include "reduce_policy.h"

namespace tf {

int reduceOutDType(int op, int dt) {
  const bool intLike = dt == kI32 || dt == kBool;
  switch (kReduceOps[op].out) {
    case kOutInt: return intLike ? (int)kI32 : dt;
    case kOutFloat: return intLike ? (int)kF32 : dt;
    case kOutSame: return dt;
    case kOutInt32: return kI32;
    default: return kBool;
  }
}

bool reduceNeedsElements(int op) { return kReduceOps[op].needsElements; }

namespace reduction {
namespace {

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
}  // namespace reduction

void reduceKernel(const Exec& ex, int op, int dtype, const StridedLayout<1>& X, int nKept, const void* x, void* out) {
  ThreadPool& pool = ex.pool();
  if (op < 0 || op >= kReduceOpCount) fail("ERR_ARGUMENT", "reduce: unknown op code " + std::to_string(op));
  if (nKept < 0 || nKept > X.ndim) fail("ERR_ARGUMENT", "reduce: bad kept-dim count");
  const bool orderFree = !(op == kRArgMax || op == kRArgMin);
  int64_t shift = 0;
  const reduction::Geom g = reduction::makeGeom(X, nKept, orderFree, shift);
  if (g.M == 0) return;
  if (g.N == 0 && reduceNeedsElements(op)) fail("ERR_SHAPE", "reduce: cannot reduce over an empty dimension");
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    reduction::reduceTyped<T>(pool, op, g, static_cast<const T*>(x) + shift, out);
  });
}

}  // namespace tf
