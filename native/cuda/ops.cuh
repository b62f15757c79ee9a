// Device versions of the elementwise ops, one per op code of native/cpu/elementwise.h,
// with the CPU kernels' semantics (see the functors in native/cpu/unary.cc and
// elementwise.cc). T is the compute dtype; int32 wraps as the CPU's unsigned arithmetic.
#pragma once
#include <cstdint>
#include <type_traits>

#include "../cpu/elementwise.h"

namespace tf {
namespace cuda {

template <typename T>
constexpr bool kFloat = std::is_floating_point<T>::value;

// float/double overloads of the libm functions (int32 never reaches the float-only ops:
// the binding's checkUnaryOp refuses them; the cast keeps every instantiation compiling).
#define TF_MATH(name, f32, f64)                                       \
  __device__ __forceinline__ float name(float x) { return f32(x); }   \
  __device__ __forceinline__ double name(double x) { return f64(x); } \
  template <typename T>                                               \
  __device__ __forceinline__ T name(T x) { return (T)f64((double)x); }
TF_MATH(dexp, expf, exp)
TF_MATH(dexpm1, expm1f, expm1)
TF_MATH(dlog, logf, log)
TF_MATH(dlog1p, log1pf, log1p)
TF_MATH(dsqrt, sqrtf, sqrt)
TF_MATH(dsin, sinf, sin)
TF_MATH(dcos, cosf, cos)
TF_MATH(dtan, tanf, tan)
TF_MATH(dtanh, tanhf, tanh)
TF_MATH(derf, erff, erf)
TF_MATH(derfc, erfcf, erfc)
TF_MATH(dfloor, floorf, floor)
TF_MATH(dceil, ceilf, ceil)
TF_MATH(drint, rintf, rint)  // half to even, as torch.round
TF_MATH(dfabs, fabsf, fabs)
#undef TF_MATH

template <int OP, typename T>
struct BinaryResult {
  using type = typename std::conditional<(OP >= kEq && OP <= kLogicalXor), uint8_t, T>::type;
};

template <typename T>
__device__ __forceinline__ T floorMod(T a, T b, int& fault) {
  if constexpr (kFloat<T>) {
    T m = fmod(a, b);
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  } else if constexpr (std::is_same<T, int32_t>::value) {
    if (b == 0) {
      fault = 1;
      return 0;
    }
    if (b == -1) return 0;  // also INT_MIN % -1, which would trap
    int32_t m = a % b;
    if (m != 0 && ((b < 0) != (m < 0))) m += b;
    return m;
  } else {
    return T(0);
  }
}

template <typename T>
__device__ __forceinline__ T intPow(T a, T b, int& fault) {
  if constexpr (kFloat<T>) {
    return pow(a, b);
  } else if constexpr (std::is_same<T, int32_t>::value) {
    if (b < 0) {
      fault = 2;
      return 0;
    }
    uint32_t r = 1, base = (uint32_t)a, e = (uint32_t)b;
    while (e) {
      if (e & 1) r *= base;
      base *= base;
      e >>= 1;
    }
    return (int32_t)r;
  } else {
    return T(0);
  }
}

template <int OP, typename T>
__device__ __forceinline__ auto binaryOp(T a, T b, int& fault) {
  constexpr bool I = std::is_same<T, int32_t>::value, B = sizeof(T) == 1;
  if constexpr (OP == kAdd) {
    if constexpr (I) return (T)((uint32_t)a + (uint32_t)b);
    else if constexpr (B) return (T)(a | b);
    else return (T)(a + b);
  } else if constexpr (OP == kSub) {
    if constexpr (I) return (T)((uint32_t)a - (uint32_t)b);
    else return (T)(a - b);
  } else if constexpr (OP == kMul) {
    if constexpr (I) return (T)((uint32_t)a * (uint32_t)b);
    else if constexpr (B) return (T)(a & b);
    else return (T)(a * b);
  } else if constexpr (OP == kDiv) {
    if constexpr (kFloat<T>) return (T)(a / b);
    else return T(0);
  } else if constexpr (OP == kPow) {
    return intPow(a, b, fault);
  } else if constexpr (OP == kMaximum) {
    if constexpr (B) return (T)(a | b);
    else return (a > b || a != a) ? a : b;
  } else if constexpr (OP == kMinimum) {
    if constexpr (B) return (T)(a & b);
    else return (a < b || a != a) ? a : b;
  } else if constexpr (OP == kMod) {
    return floorMod(a, b, fault);
  } else if constexpr (OP == kEq) {
    return (uint8_t)(a == b);
  } else if constexpr (OP == kNe) {
    return (uint8_t)(a != b);
  } else if constexpr (OP == kLt) {
    return (uint8_t)(a < b);
  } else if constexpr (OP == kLe) {
    return (uint8_t)(a <= b);
  } else if constexpr (OP == kGt) {
    return (uint8_t)(a > b);
  } else if constexpr (OP == kGe) {
    return (uint8_t)(a >= b);
  } else if constexpr (OP == kLogicalAnd) {
    return (uint8_t)((a != T(0)) & (b != T(0)));
  } else if constexpr (OP == kLogicalOr) {
    return (uint8_t)((a != T(0)) | (b != T(0)));
  } else if constexpr (OP == kLogicalXor) {
    return (uint8_t)((a != T(0)) ^ (b != T(0)));
  } else {
    return b <= T(0) ? T(0) : a;  // kReluGrad: torch's threshold_backward
  }
}

template <typename T>
__device__ __forceinline__ uint8_t predicateOp(int op, T x) {
  if (op == kIsNan) return x != x;
  if (op == kIsFinite) return kFloat<T> ? (x - x) == T(0) : 1;
  return x == T(0);  // kLogicalNot
}

template <typename T>
__device__ __forceinline__ T sigmoidOf(T x) {
  const T e = dexp(-dfabs(x));
  const T r = T(1) / (T(1) + e);
  return x >= T(0) ? r : e * r;
}

template <typename T>
__device__ T unaryOp(int op, T x, T alpha, T beta) {
  constexpr bool I = std::is_same<T, int32_t>::value;
  switch (op) {
    case kNeg: return I ? (T)(0u - (uint32_t)x) : -x;
    case kAbs: return x < 0 ? (I ? (T)(0u - (uint32_t)x) : -x) : x;
    case kSign: return x != x ? x : (T)((T(0) < x) - (x < T(0)));
    case kSquare: return I ? (T)((uint32_t)x * (uint32_t)x) : x * x;
    case kRelu: return x < T(0) ? T(0) : x;  // NaN stays NaN
    case kClip: {
      T v = x < alpha ? alpha : x;
      v = v > beta ? beta : v;
      return (alpha != alpha || beta != beta) ? alpha + beta : v;
    }
    case kFloor: return I ? x : dfloor(x);
    case kCeil: return I ? x : dceil(x);
    case kRound: return I ? x : drint(x);
    case kExp: return dexp(x);
    case kExpm1: return dexpm1(x);
    case kLog: return dlog(x);
    case kLog1p: return dlog1p(x);
    case kSqrt: return dsqrt(x);
    case kRsqrt: return T(1) / dsqrt(x);
    case kReciprocal: return T(1) / x;
    case kSin: return dsin(x);
    case kCos: return dcos(x);
    case kTan: return dtan(x);
    case kTanh: return dtanh(x);
    case kSigmoid: return sigmoidOf(x);
    case kLeakyRelu: return x > T(0) ? x : x * alpha;
    case kElu: return x > T(0) ? x : alpha * dexpm1(x);
    case kGelu: return T(0.5) * x * derfc(-x * T(0.70710678118654752440));
    case kErf: return derf(x);
    case kSoftplus: {  // alpha = beta, beta = threshold (the CPU kernel's parameters)
      const T z = x * alpha;
      const T s = ((z > T(0) ? z : T(0)) + dlog1p(dexp(-dfabs(z)))) / alpha;
      return z > beta ? x : s;
    }
    default: return x;  // unreachable: the binding validated the op code
  }
}

}  // namespace cuda
}  // namespace tf
