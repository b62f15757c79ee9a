// cumsum / cumprod along the last dim of a two-operand layout (out, x); the caller
// moves the scanned axis last. Float32 accumulates in double (as PyTorch's CPU
// accumulate type), int32/bool in 64-bit integers wrapped to int32.
// When the scanned axis is not the fastest-varying dim but the next kept dim is
// contiguous in both operands, tiles of columns are scanned together so every load is
// contiguous; the per-element arithmetic is the same in both orders.
#include <string>

#include "../core/dtype.h"
#include "../core/error.h"
#include "axis_last.h"
#include "reduce.h"

namespace tf {

int scanOutDType(int dt) { return (dt == kI32 || dt == kBool) ? (int)kI32 : dt; }

namespace {

constexpr int64_t kScanTile = 256;

template <typename T> struct ScanAcc { using type = double; };
template <> struct ScanAcc<int32_t> { using type = uint64_t; };  // modular, like int32 arithmetic
template <> struct ScanAcc<uint8_t> { using type = uint64_t; };
template <typename T> struct ScanOut { using type = T; };
template <> struct ScanOut<uint8_t> { using type = int32_t; };

template <typename O, typename A>
inline O scanCast(A a) {
  if constexpr (std::is_integral<A>::value) return (O)(uint32_t)(uint64_t)a;
  else return (O)a;
}

template <bool Prod, typename T>
void scanTyped(ThreadPool& pool, const StridedLayout<2>& L, void* outp, const T* x) {
  using A = typename ScanAcc<T>::type;
  using O = typename ScanOut<T>::type;
  O* out = static_cast<O*>(outp);
  const AxisLastLayout G(L);
  if (G.empty()) return;
  const int64_t D = G.D, so = G.so, sx = G.sx;
  const A init = Prod ? A(1) : A(0);
  if (!(G.rowsAdjacent() && (sx > 1 || sx < -1))) {
    G.forRows(pool, kGrainElementwise, [&](int64_t oo, int64_t ox) {
      O* o = out + oo;
      const T* p = x + ox;
      A acc = init;
      for (int64_t k = 0; k < D; k++) {
        if constexpr (Prod) acc *= (A)p[k * sx];
        else acc += (A)p[k * sx];
        o[k * so] = scanCast<O>(acc);
      }
    });
    return;
  }
  G.forTiles(pool, kScanTile, kGrainElementwise, [&](int64_t oo, int64_t ox, int64_t w) {
    A acc[kScanTile];
    O* ob = out + oo;
    const T* xb = x + ox;
    for (int64_t j = 0; j < w; j++) acc[j] = init;
    for (int64_t k = 0; k < D; k++) {
      O* orow = ob + k * so;
      const T* xrow = xb + k * sx;
      for (int64_t j = 0; j < w; j++) {
        if constexpr (Prod) acc[j] *= (A)xrow[j];
        else acc[j] += (A)xrow[j];
        orow[j] = scanCast<O>(acc[j]);
      }
    }
  });
}

}  // namespace

void scanKernel(const Exec& ex, int op, int dtype, const StridedLayout<2>& L, void* out, const void* x) {
  ThreadPool& pool = ex.pool();
  if (op < 0 || op >= kScanOpCount) fail("ERR_ARGUMENT", "scan: unknown op code " + std::to_string(op));
  if (L.ndim < 1) fail("ERR_ARGUMENT", "scan: layout needs the scanned dim");
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    if (op == kSCumProd) scanTyped<true, T>(pool, L, out, static_cast<const T*>(x));
    else scanTyped<false, T>(pool, L, out, static_cast<const T*>(x));
  });
}

}  // namespace tf
