// Binary elementwise kernels and where(). Unary kernels live in unary.cc.
#include "elementwise.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "../core/dtype.h"
#include "../core/error.h"
#include "elementwise_loop.h"
#include "elementwise_math.h"
#include "transpose.h"

namespace tf {

// Per-op facts (name, dtype rule, bool operands) come from kBinaryOps in opcodes.h.
bool binaryYieldsBool(int op) { return op >= 0 && op < kBinaryOpCount && kBinaryOps[op].rule == kRuleBool; }

static const char* binaryName(int op) { return op >= 0 && op < kBinaryOpCount ? kBinaryOps[op].name : "binary"; }

void checkBinaryOp(int op, int dtype) {
  if (op < 0 || op >= kBinaryOpCount) fail("ERR_ARGUMENT", "binary: unknown op code " + std::to_string(op));
  if (dtype < kF32 || dtype > kBool) fail("ERR_DTYPE", "binary: unknown dtype code " + std::to_string(dtype));
  bool ok = true;
  if (kBinaryOps[op].rule == kRuleFloat) ok = dtype == kF32 || dtype == kF64;  // true division: the caller promotes ints
  else if (dtype == kBool) ok = kBinaryOps[op].boolOk;
  if (!ok) fail("ERR_DTYPE", std::string(binaryName(op)) + ": not defined for " + dtypeName(dtype) + " tensors");
}

namespace {

// Cold paths kept out of line so the hot loops stay small.
[[noreturn]] __attribute__((noinline, cold)) void failIntModZero() {
  fail("ERR_ARGUMENT", "mod: integer division by zero");
}
[[noreturn]] __attribute__((noinline, cold)) void failNegativePow() {
  fail("ERR_ARGUMENT", "pow: integers to negative integer powers are not allowed (cast to float first)");
}

template <typename T>
constexpr bool isI32 = std::is_same<T, int32_t>::value;
template <typename T>
constexpr bool isBool = std::is_same<T, uint8_t>::value;

// int32 arithmetic wraps (two's complement) as in PyTorch, computed unsigned so it is
// never undefined behaviour. bool storage is always 0/1: add/max are OR, mul/min are AND.
struct AddF {
  template <typename T> static TF_EW_INLINE T f(T a, T b) {
    if constexpr (isI32<T>) return (int32_t)((uint32_t)a + (uint32_t)b);
    else if constexpr (isBool<T>) return a | b;
    else return a + b;
  }
};
struct SubF {
  template <typename T> static TF_EW_INLINE T f(T a, T b) {
    if constexpr (isI32<T>) return (int32_t)((uint32_t)a - (uint32_t)b);
    else return a - b;  // bool is rejected by checkBinaryOp
  }
};
struct MulF {
  template <typename T> static TF_EW_INLINE T f(T a, T b) {
    if constexpr (isI32<T>) return (int32_t)((uint32_t)a * (uint32_t)b);
    else if constexpr (isBool<T>) return a & b;
    else return a * b;
  }
};
struct DivF {
  template <typename T> static TF_EW_INLINE T f(T a, T b) {
    if constexpr (std::is_floating_point<T>::value) return a / b;
    else return T(0);  // unreachable: checkBinaryOp allows floats only
  }
};
struct PowF {
  template <typename T> static TF_EW_INLINE T f(T a, T b) {
    if constexpr (std::is_floating_point<T>::value) {
      return std::pow(a, b);
    } else if constexpr (isI32<T>) {
      if (b < 0) failNegativePow();
      uint32_t r = 1, base = (uint32_t)a, e = (uint32_t)b;
      while (e) {
        if (e & 1) r *= base;
        base *= base;
        e >>= 1;
      }
      return (int32_t)r;
    } else {
      return T(0);  // unreachable
    }
  }
};
// NaN-propagating max/min (torch.maximum/minimum).
struct MaxF {
  template <typename T> static TF_EW_INLINE T f(T a, T b) {
    if constexpr (isBool<T>) return a | b;
    else return ew::select(a > b || a != a, a, b);
  }
};
struct MinF {
  template <typename T> static TF_EW_INLINE T f(T a, T b) {
    if constexpr (isBool<T>) return a & b;
    else return ew::select(a < b || a != a, a, b);
  }
};
template <typename T>
T fmodSlow(T a, T b) {
  T m = std::fmod(a, b);
  if (m != 0 && ((b < 0) != (m < 0))) m += b;
  return m;
}
// Floor mod (torch.remainder / python %): the result has the sign of the divisor.
struct ModF {
  template <typename T> static TF_EW_INLINE T f(T a, T b) {
    if constexpr (std::is_same<T, float>::value) {
      // glibc's fmodf costs ~35 ns; in double, a - floor(a/b)*b is exact while |a/b| < 2^24
      // (q*b has <= 48 significant bits), and gives the same value rounded once to float.
      const double ad = a, bd = b;
      const double q = std::floor(ad / bd);
      if (std::fabs(q) < 16777216.0 && std::isfinite(bd) && bd != 0) {
        double r = ad - q * bd;  // exact; q is one too big if a/b rounded up onto an integer
        if (r != 0 && ((bd < 0) != (r < 0))) r += bd;
        if (r == 0) r = std::copysign(0.0, ad);  // as fmod: an exact zero has the sign of a
        return (float)r;
      }
      return fmodSlow(a, b);
    } else if constexpr (std::is_floating_point<T>::value) {
      return fmodSlow(a, b);
    } else if constexpr (isI32<T>) {
      if (b == 0) failIntModZero();
      if (b == -1) return 0;  // also INT_MIN % -1, which would trap
      int32_t m = a % b;
      if (m != 0 && ((b < 0) != (m < 0))) m += b;
      return m;
    } else {
      return T(0);  // unreachable
    }
  }
};
struct EqF { template <typename T> static TF_EW_INLINE uint8_t f(T a, T b) { return a == b; } };
struct NeF { template <typename T> static TF_EW_INLINE uint8_t f(T a, T b) { return a != b; } };
struct LtF { template <typename T> static TF_EW_INLINE uint8_t f(T a, T b) { return a < b; } };
struct LeF { template <typename T> static TF_EW_INLINE uint8_t f(T a, T b) { return a <= b; } };
struct GtF { template <typename T> static TF_EW_INLINE uint8_t f(T a, T b) { return a > b; } };
struct GeF { template <typename T> static TF_EW_INLINE uint8_t f(T a, T b) { return a >= b; } };
struct AndF { template <typename T> static TF_EW_INLINE uint8_t f(T a, T b) { return (a != T(0)) & (b != T(0)); } };
struct OrF { template <typename T> static TF_EW_INLINE uint8_t f(T a, T b) { return (a != T(0)) | (b != T(0)); } };
struct XorF { template <typename T> static TF_EW_INLINE uint8_t f(T a, T b) { return (a != T(0)) ^ (b != T(0)); } };
// written as torch's threshold_backward (b <= 0 ? 0 : a), so a NaN input passes its gradient
struct ReluGradF { template <typename T> static TF_EW_INLINE T f(T a, T b) { return b <= T(0) ? T(0) : a; } };

// Elements per parallel task: cheap ops amortise a thread wake-up only on big chunks;
// pow/fmod/integer division cost ~10-20x an add per element.
constexpr int64_t kGrainCheap = kGrainElementwise;
constexpr int64_t kGrainCostly = kGrainElementwise / 8;

// An operand read transposed (contiguous along the second-to-last dim while the output is
// contiguous along the last: x.T + y) takes the strided loop one element at a time. Here
// it goes in 32x32 tiles, each transposed into a row-major buffer first (8x8 register
// blocks for 4-byte types) so the row loop vectorises. Returns false when the layout is
// not such a case.
template <typename F, typename T, typename R>
bool binaryTiled(ThreadPool& pool, int64_t grain, const StridedLayout<3>& layout, R* out, const T* a, const T* b) {
  StridedLayout<3> L = layout;
  L.coalesce();
  if (L.ndim < 2) return false;
  const int r = L.ndim - 2, c = L.ndim - 1;
  const int64_t R0 = L.shape[r], C0 = L.shape[c];
  if (R0 < 16 || C0 < 16 || L.strides[0][c] != 1) return false;
  const bool aT = L.strides[1][r] == 1 && L.strides[1][c] != 1 && L.strides[1][c] != 0;
  const bool bT = L.strides[2][r] == 1 && L.strides[2][c] != 1 && L.strides[2][c] != 0;
  if (!aT && !bT) return false;
  int64_t outer = 1;
  for (int d = 0; d < r; d++) outer *= L.shape[d];
  constexpr int64_t kTile = 32;
  const int64_t rowTiles = (R0 + kTile - 1) / kTile;
  const int64_t so = L.strides[0][r], sar = L.strides[1][r], sac = L.strides[1][c], sbr = L.strides[2][r], sbc = L.strides[2][c];
  // fast: 4-byte elements (register transposes), and each operand either transposed,
  // contiguous along the last dim, or broadcast along it
  const bool fast = sizeof(T) == 4 && (aT || sac == 1 || sac == 0) && (bT || sbc == 1 || sbc == 0) && !(sac == 0 && sbc == 0);
  pool.parallelFor(outer * rowTiles, std::max<int64_t>(1, grain / (kTile * C0)), [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; t++) {
      const int64_t o = t / rowTiles, i0 = (t % rowTiles) * kTile, i1 = std::min(R0, i0 + kTile);
      int64_t off[3];
      flatToOffsets<3>(o, r, L.shape, L.strides, off);  // the dims outside the tiled two
      alignas(64) T bufA[kTile * kTile], bufB[kTile * kTile];
      for (int64_t j0 = 0; j0 < C0; j0 += kTile) {
        const int64_t j1 = std::min(C0, j0 + kTile), w = j1 - j0, h = i1 - i0;
        const T* ta = a + off[1] + i0 * sar + j0 * sac;
        const T* tb = b + off[2] + i0 * sbr + j0 * sbc;
        if (fast) {
          // transposed operands become row-major tiles; the row loop then vectorises
          int64_t ra = sar, rb = sbr;
          if (aT) { transposeTile(ta, sac, bufA, kTile, h, w); ta = bufA; ra = kTile; }
          if (bT) { transposeTile(tb, sbc, bufB, kTile, h, w); tb = bufB; rb = kTile; }
          const int64_t ca = aT ? 1 : sac, cb = bT ? 1 : sbc;
          for (int64_t i = 0; i < h; i++) {
            R* __restrict orow = out + off[0] + (i0 + i) * so + j0;
            const T* __restrict x = ta + i * ra;
            const T* __restrict y = tb + i * rb;
            if (ca == 1 && cb == 1) for (int64_t j = 0; j < w; j++) orow[j] = (R)F::f(x[j], y[j]);
            else if (ca == 1) for (int64_t j = 0; j < w; j++) orow[j] = (R)F::f(x[j], y[0]);
            else for (int64_t j = 0; j < w; j++) orow[j] = (R)F::f(x[0], y[j]);
          }
        } else {
          for (int64_t i = 0; i < h; i++) {
            R* orow = out + off[0] + (i0 + i) * so + j0;
            const T* x = ta + i * sar;
            const T* y = tb + i * sbr;
            for (int64_t j = 0; j < w; j++) orow[j] = (R)F::f(x[j * sac], y[j * sbc]);
          }
        }
      }
    }
  });
  return true;
}

// The inner loop is specialised for the stride patterns that dominate (all contiguous,
// a scalar on either side) so the compiler vectorises them; anything else takes the
// strided loop.
template <typename F, typename T, typename R>
void binaryLoop(ThreadPool& pool, int64_t grain, const StridedLayout<3>& L, R* out, const T* a, const T* b) {
  if (binaryTiled<F, T, R>(pool, grain, L, out, a, b)) return;
  const bool stream = L.numel * (int64_t)sizeof(R) >= ew::kStreamBytes;
  pool.parallelFor(L.numel, grain, [&](int64_t begin, int64_t end) {
    L.forRange(begin, end, [&](const int64_t* off, int64_t n, const int64_t* st) {
      R* __restrict o = out + off[0];
      const T* __restrict x = a + off[1];
      const T* __restrict y = b + off[2];
      if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
        ew::storeLoop(o, n, stream, [x, y](int64_t i) TF_EW_INLINE_LAMBDA { return (R)F::f(x[i], y[i]); });
      } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
        const T yv = *y;
        ew::storeLoop(o, n, stream, [x, yv](int64_t i) TF_EW_INLINE_LAMBDA { return (R)F::f(x[i], yv); });
      } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
        const T xv = *x;
        ew::storeLoop(o, n, stream, [xv, y](int64_t i) TF_EW_INLINE_LAMBDA { return (R)F::f(xv, y[i]); });
      } else {
        const int64_t so = st[0], sa = st[1], sb = st[2];
        for (int64_t i = 0; i < n; i++) o[i * so] = (R)F::f(x[i * sa], y[i * sb]);
      }
    });
  });
}

template <typename F, bool kBoolOut>
void binaryRun(ThreadPool& pool, int64_t grain, int dtype, const StridedLayout<3>& L, void* out, const void* a,
               const void* b) {
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    using R = typename std::conditional<kBoolOut, uint8_t, T>::type;
    binaryLoop<F, T, R>(pool, grain, L, static_cast<R*>(out), static_cast<const T*>(a), static_cast<const T*>(b));
  });
}

}  // namespace

void binaryKernel(const Exec& ex, int op, int dtype, const StridedLayout<3>& L, void* out, const void* a, const void* b) {
  ThreadPool& pool = ex.pool();
  checkBinaryOp(op, dtype);
  switch (op) {
    case kAdd: return binaryRun<AddF, false>(pool, kGrainCheap, dtype, L, out, a, b);
    case kSub: return binaryRun<SubF, false>(pool, kGrainCheap, dtype, L, out, a, b);
    case kMul: return binaryRun<MulF, false>(pool, kGrainCheap, dtype, L, out, a, b);
    case kDiv: return binaryRun<DivF, false>(pool, kGrainCheap, dtype, L, out, a, b);
    case kPow: return binaryRun<PowF, false>(pool, kGrainCostly, dtype, L, out, a, b);
    case kMaximum: return binaryRun<MaxF, false>(pool, kGrainCheap, dtype, L, out, a, b);
    case kMinimum: return binaryRun<MinF, false>(pool, kGrainCheap, dtype, L, out, a, b);
    case kMod: return binaryRun<ModF, false>(pool, kGrainCostly, dtype, L, out, a, b);
    case kEq: return binaryRun<EqF, true>(pool, kGrainCheap, dtype, L, out, a, b);
    case kNe: return binaryRun<NeF, true>(pool, kGrainCheap, dtype, L, out, a, b);
    case kLt: return binaryRun<LtF, true>(pool, kGrainCheap, dtype, L, out, a, b);
    case kLe: return binaryRun<LeF, true>(pool, kGrainCheap, dtype, L, out, a, b);
    case kGt: return binaryRun<GtF, true>(pool, kGrainCheap, dtype, L, out, a, b);
    case kGe: return binaryRun<GeF, true>(pool, kGrainCheap, dtype, L, out, a, b);
    case kLogicalAnd: return binaryRun<AndF, true>(pool, kGrainCheap, dtype, L, out, a, b);
    case kLogicalOr: return binaryRun<OrF, true>(pool, kGrainCheap, dtype, L, out, a, b);
    case kLogicalXor: return binaryRun<XorF, true>(pool, kGrainCheap, dtype, L, out, a, b);
    case kReluGrad: return binaryRun<ReluGradF, false>(pool, kGrainCheap, dtype, L, out, a, b);
    default: fail("ERR_ARGUMENT", "binary: unknown op code " + std::to_string(op));
  }
}

void whereKernel(const Exec& ex, int dtype, const StridedLayout<4>& L, void* out, const uint8_t* cond, const void* a,
                 const void* b) {
  ThreadPool& pool = ex.pool();
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    T* outp = static_cast<T*>(out);
    const T* ap = static_cast<const T*>(a);
    const T* bp = static_cast<const T*>(b);
    const bool stream = L.numel * (int64_t)sizeof(T) >= ew::kStreamBytes;
    pool.parallelFor(L.numel, kGrainCheap, [&](int64_t begin, int64_t end) {
      L.forRange(begin, end, [&](const int64_t* off, int64_t n, const int64_t* st) {
        T* __restrict o = outp + off[0];
        const uint8_t* __restrict c = cond + off[1];
        const T* __restrict x = ap + off[2];
        const T* __restrict y = bp + off[3];
        if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
          ew::storeLoop(o, n, stream, [c, x, y](int64_t i) TF_EW_INLINE_LAMBDA { return ew::select(c[i] != 0, x[i], y[i]); });
        } else if (st[0] == 1 && st[1] == 1 && st[2] == 0 && st[3] == 0) {
          const T xv = *x, yv = *y;
          ew::storeLoop(o, n, stream, [c, xv, yv](int64_t i) TF_EW_INLINE_LAMBDA { return ew::select(c[i] != 0, xv, yv); });
        } else if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 0) {
          const T yv = *y;
          ew::storeLoop(o, n, stream, [c, x, yv](int64_t i) TF_EW_INLINE_LAMBDA { return ew::select(c[i] != 0, x[i], yv); });
        } else if (st[0] == 1 && st[1] == 1 && st[2] == 0 && st[3] == 1) {
          const T xv = *x;
          ew::storeLoop(o, n, stream, [c, xv, y](int64_t i) TF_EW_INLINE_LAMBDA { return ew::select(c[i] != 0, xv, y[i]); });
        } else {
          for (int64_t i = 0; i < n; i++) o[i * st[0]] = c[i * st[1]] ? x[i * st[2]] : y[i * st[3]];
        }
      });
    });
  });
}

}  // namespace tf
