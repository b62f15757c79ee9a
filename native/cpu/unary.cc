// Unary elementwise kernels: math, activations, rounding, clip and predicates.
// The input may be stored in a narrower dtype than the compute dtype (int32/bool read as
// float32 for float math, bool read as int32): it is converted on load, so promoting an
// int tensor costs no temporary.
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "../core/dtype.h"
#include "../core/error.h"
#include "elementwise.h"
#include "elementwise_loop.h"
#include "elementwise_math.h"

namespace tf {

// Per-op facts (name, and what int32 input does: Int stays int32; Float is float math, the
// caller promotes to float32; Predicate gives bool) come from kUnaryOps in opcodes.h.
bool unaryYieldsBool(int op) { return op >= 0 && op < kUnaryOpCount && kUnaryOps[op].kind == kPredicate; }

static const char* unaryName(int op) { return op >= 0 && op < kUnaryOpCount ? kUnaryOps[op].name : "unary"; }

static bool intOk(int op) { return kUnaryOps[op].kind != kFloatMath; }

void checkUnaryOp(int op, int dtype, int inDtype) {
  if (op < 0 || op >= kUnaryOpCount) fail("ERR_ARGUMENT", "unary: unknown op code " + std::to_string(op));
  if (dtype < kF32 || dtype > kBool || inDtype < kF32 || inDtype > kBool) fail("ERR_DTYPE", "unary: unknown dtype code");
  bool convOk = inDtype == dtype || (dtype == kF32 && (inDtype == kI32 || inDtype == kBool)) ||
                (dtype == kI32 && inDtype == kBool);
  if (!convOk)
    fail("ERR_DTYPE", std::string(unaryName(op)) + ": cannot compute in " + dtypeName(dtype) + " from a " +
                          dtypeName(inDtype) + " input");
  bool ok = dtype == kF32 || dtype == kF64 || (dtype == kI32 && intOk(op)) ||
            (dtype == kBool && kUnaryOps[op].kind == kPredicate);
  if (!ok) fail("ERR_DTYPE", std::string(unaryName(op)) + ": not defined for " + dtypeName(dtype) + " tensors");
}

namespace {

template <typename T>
constexpr bool isFloat = std::is_floating_point<T>::value;

// Converts a JS double parameter to T, saturating for int32 (±Infinity = no bound).
template <typename T>
T param(double v) {
  if constexpr (isFloat<T>) {
    return (T)v;
  } else if constexpr (std::is_same<T, int32_t>::value) {
    if (!(v == v)) return 0;
    if (v >= 2147483647.0) return std::numeric_limits<int32_t>::max();
    if (v <= -2147483648.0) return std::numeric_limits<int32_t>::min();
    return (int32_t)v;
  } else {
    return v != 0;
  }
}

// Each functor maps a compute-dtype value to the result. Constructed once per call with
// the op parameters. int32 negation/abs/square wrap like PyTorch (computed unsigned).
template <typename T> struct NegF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (isFloat<T>) return -x;
    else return (T)(0u - (uint32_t)x);
  }
};
template <typename T> struct AbsF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (isFloat<T>) return std::fabs(x);
    else return ew::select(x < 0, (T)(0u - (uint32_t)x), x);
  }
};
// sign(NaN) = NaN (numpy; torch.sign gives 0 — our contract propagates NaN).
template <typename T> struct SignF {
  TF_EW_INLINE T operator()(T x) const {
    T s = (T)((T(0) < x) - (x < T(0)));
    if constexpr (isFloat<T>) return ew::select(x != x, x, s);
    else return s;
  }
};
template <typename T> struct SquareF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (isFloat<T>) return x * x;
    else return (T)((uint32_t)x * (uint32_t)x);
  }
};
template <typename T> struct ReluF {
  TF_EW_INLINE T operator()(T x) const { return ew::select(x < T(0), T(0), x); }  // NaN stays NaN
};
// float32 exp/log/tanh use the vectorisable versions in elementwise_math.h (<= 2 ulp).
template <typename T> struct ExpF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (std::is_same<T, float>::value) return ew::expf_v(x);
    else return std::exp(x);
  }
};
template <typename T> struct Expm1F {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (std::is_same<T, float>::value) return ew::expm1f_v(x);
    else return std::expm1(x);
  }
};
template <typename T> struct LogF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (std::is_same<T, float>::value) return ew::logf_v(x);
    else return std::log(x);
  }
};
template <typename T> struct Log1pF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (std::is_same<T, float>::value) return ew::log1pf_v(x);
    else return std::log1p(x);
  }
};
template <typename T> struct SqrtF { T operator()(T x) const { return std::sqrt(x); } };
template <typename T> struct RsqrtF { T operator()(T x) const { return T(1) / std::sqrt(x); } };
template <typename T> struct ReciprocalF { T operator()(T x) const { return T(1) / x; } };
template <typename T> struct SinF { T operator()(T x) const { return std::sin(x); } };
template <typename T> struct CosF { T operator()(T x) const { return std::cos(x); } };
template <typename T> struct TanF { T operator()(T x) const { return std::tan(x); } };
template <typename T> struct TanhF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (std::is_same<T, float>::value) return ew::tanhf_v(x);
    else return std::tanh(x);
  }
};
// 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) below: exp never overflows.
template <typename T> struct SigmoidF {
  TF_EW_INLINE T operator()(T x) const {
    T e;
    if constexpr (std::is_same<T, float>::value) e = ew::expf_v(-std::fabs(x));
    else e = std::exp(-std::fabs(x));
    T r = T(1) / (T(1) + e);
    return ew::select(x >= T(0), r, e * r);
  }
};
template <typename T> struct LeakyReluF {
  T alpha;
  TF_EW_INLINE T operator()(T x) const { return ew::select(x > T(0), x, x * alpha); }
};
template <typename T> struct EluF {
  T alpha;
  TF_EW_INLINE T operator()(T x) const { return ew::select(x > T(0), x, alpha * Expm1F<T>{}(x)); }
};
// Exact gelu, x * Phi(x), written with erfc so the left tail keeps its relative precision.
template <typename T> struct GeluF {
  TF_EW_INLINE T operator()(T x) const { return T(0.5) * x * std::erfc(-x * T(0.70710678118654752440)); }
};
// libm's erf (within an ulp, NaN/±0/±Inf as C99). A scalar call that will not vectorise:
// acceptable for an op that runs mostly in gelu's backward, not in a hot forward loop.
template <typename T> struct ErfF { T operator()(T x) const { return std::erf(x); } };
// torch.nn.functional.softplus: x where beta*x > threshold, else log(1 + e^(beta x)) / beta,
// evaluated as max(z, 0) + log1p(e^-|z|) so no threshold can make it overflow.
template <typename T> struct SoftplusF {
  T beta, threshold;
  TF_EW_INLINE T operator()(T x) const {
    T z = x * beta;
    T s = (ew::select(z > T(0), z, T(0)) + Log1pF<T>{}(ExpF<T>{}(-std::fabs(z)))) / beta;
    return ew::select(z > threshold, x, s);
  }
};
template <typename T> struct FloorF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (isFloat<T>) return std::floor(x);
    else return x;
  }
};
template <typename T> struct CeilF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (isFloat<T>) return std::ceil(x);
    else return x;
  }
};
// Half to even (the default rounding mode), as torch.round.
template <typename T> struct RoundF {
  TF_EW_INLINE T operator()(T x) const {
    if constexpr (isFloat<T>) return std::nearbyint(x);
    else return x;
  }
};
// min(max(x, lo), hi) propagating NaN from x and from either bound (torch.clamp).
template <typename T> struct ClipF {
  T lo, hi;
  TF_EW_INLINE T operator()(T x) const {
    T v = ew::select(x < lo, lo, x);
    v = ew::select(v > hi, hi, v);
    if constexpr (isFloat<T>) v = ew::select(lo != lo || hi != hi, lo + hi, v);  // a NaN bound
    return v;
  }
};
template <typename T> struct IsNanF {
  TF_EW_INLINE uint8_t operator()(T x) const {
    if constexpr (isFloat<T>) return x != x;
    else return 0;
  }
};
template <typename T> struct IsFiniteF {
  TF_EW_INLINE uint8_t operator()(T x) const {
    if constexpr (isFloat<T>) return (x - x) == T(0);  // inf - inf and NaN - NaN are NaN
    else return 1;
  }
};
template <typename T> struct LogicalNotF {
  TF_EW_INLINE uint8_t operator()(T x) const { return x == T(0); }
};

constexpr int64_t kGrainCheap = kGrainElementwise;
constexpr int64_t kGrainTranscendental = kGrainElementwise / 8;

template <typename In, typename T, typename F>
void unaryLoop(ThreadPool& pool, int64_t grain, const StridedLayout<2>& L, void* outv, const void* av, F f) {
  using R = decltype(f(T{}));
  R* out = static_cast<R*>(outv);
  const In* a = static_cast<const In*>(av);
  const bool stream = L.numel * (int64_t)sizeof(R) >= ew::kStreamBytes;
  pool.parallelFor(L.numel, grain, [&](int64_t begin, int64_t end) {
    L.forRange(begin, end, [&](const int64_t* off, int64_t n, const int64_t* st) {
      R* __restrict o = out + off[0];
      const In* __restrict x = a + off[1];
      if (st[0] == 1 && st[1] == 1) {
        ew::storeLoop(o, n, stream, [x, &f](int64_t i) TF_EW_INLINE_LAMBDA { return f((T)x[i]); });
      } else if (st[0] == 1) {
        const int64_t sa = st[1];
        ew::storeLoop(o, n, stream, [x, sa, &f](int64_t i) TF_EW_INLINE_LAMBDA { return f((T)x[i * sa]); });
      } else {
        const int64_t so = st[0], sa = st[1];
        for (int64_t i = 0; i < n; i++) o[i * so] = f((T)x[i * sa]);
      }
    });
  });
}

template <typename In, typename T>
void unaryTyped(ThreadPool& pool, int op, const StridedLayout<2>& L, void* out, const void* a, double alpha, double beta) {
  constexpr int64_t C = kGrainCheap, X = kGrainTranscendental;
#define TF_UNARY(F, grain, ...) return unaryLoop<In, T>(pool, grain, L, out, a, F<T>{__VA_ARGS__})
  switch (op) {  // valid for every dtype
    case kIsNan: TF_UNARY(IsNanF, C);
    case kIsFinite: TF_UNARY(IsFiniteF, C);
    case kLogicalNot: TF_UNARY(LogicalNotF, C);
    default: break;
  }
  if constexpr (!std::is_same<T, uint8_t>::value) {
    switch (op) {  // int32 and float
      case kNeg: TF_UNARY(NegF, C);
      case kAbs: TF_UNARY(AbsF, C);
      case kSign: TF_UNARY(SignF, C);
      case kSquare: TF_UNARY(SquareF, C);
      case kRelu: TF_UNARY(ReluF, C);
      case kClip: TF_UNARY(ClipF, C, param<T>(alpha), param<T>(beta));
      case kFloor: TF_UNARY(FloorF, C);
      case kCeil: TF_UNARY(CeilF, C);
      case kRound: TF_UNARY(RoundF, C);
      default: break;
    }
  }
  if constexpr (isFloat<T>) {
    switch (op) {
      case kExp: TF_UNARY(ExpF, X);
      case kExpm1: TF_UNARY(Expm1F, X);
      case kLog: TF_UNARY(LogF, X);
      case kLog1p: TF_UNARY(Log1pF, X);
      case kSqrt: TF_UNARY(SqrtF, C);
      case kRsqrt: TF_UNARY(RsqrtF, C);
      case kReciprocal: TF_UNARY(ReciprocalF, C);
      case kSin: TF_UNARY(SinF, X);
      case kCos: TF_UNARY(CosF, X);
      case kTan: TF_UNARY(TanF, X);
      case kTanh: TF_UNARY(TanhF, X);
      case kSigmoid: TF_UNARY(SigmoidF, X);
      case kLeakyRelu: TF_UNARY(LeakyReluF, C, (T)alpha);
      case kElu: TF_UNARY(EluF, X, (T)alpha);
      case kGelu: TF_UNARY(GeluF, X);
      case kErf: TF_UNARY(ErfF, X);
      case kSoftplus: TF_UNARY(SoftplusF, X, (T)alpha, (T)beta);
      default: break;
    }
  }
#undef TF_UNARY
  fail("ERR_DTYPE", std::string(unaryName(op)) + ": not defined for this dtype");
}

}  // namespace

void unaryKernel(const Exec& ex, int op, int dtype, int inDtype, const StridedLayout<2>& L, void* out, const void* a,
                 double alpha, double beta) {
  ThreadPool& pool = ex.pool();
  checkUnaryOp(op, dtype, inDtype);
  if (dtype == inDtype) {
    dispatchDType(dtype, [&](auto z) {
      using T = decltype(z);
      unaryTyped<T, T>(pool, op, L, out, a, alpha, beta);
    });
  } else if (dtype == kF32 && inDtype == kI32) {
    unaryTyped<int32_t, float>(pool, op, L, out, a, alpha, beta);
  } else if (dtype == kF32 && inDtype == kBool) {
    unaryTyped<uint8_t, float>(pool, op, L, out, a, alpha, beta);
  } else {  // bool -> int32 (checked above)
    unaryTyped<uint8_t, int32_t>(pool, op, L, out, a, alpha, beta);
  }
}

}  // namespace tf
