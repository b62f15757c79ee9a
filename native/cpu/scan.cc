// cumsum / cumprod along the last dim of a two-operand layout (out, x); the caller
// moves the scanned axis last. Float32 accumulates in double (as PyTorch's CPU
// accumulate type), int32/bool in 64-bit integers wrapped to int32.
// When the scanned axis is not the fastest-varying dim but the next kept dim is
// contiguous in both operands, tiles of columns are scanned together so every load is
// contiguous; the per-element arithmetic is the same in both orders.
#include <algorithm>
#include <string>

#include "../core/dtype.h"
#include "../core/error.h"
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
  const int last = L.ndim - 1;
  const int64_t D = L.shape[last], so = L.strides[0][last], sx = L.strides[1][last];
  StridedLayout<2> K;  // the other dims
  K.ndim = last;
  K.numel = 1;
  for (int d = 0; d < last; d++) {
    K.shape[d] = L.shape[d];
    K.strides[0][d] = L.strides[0][d];
    K.strides[1][d] = L.strides[1][d];
    K.numel *= L.shape[d];
  }
  const int64_t M = K.numel;
  if (M == 0 || D == 0) return;
  K.coalesce();
  const int kl = K.ndim - 1;
  const bool tile = M > 1 && K.shape[kl] > 1 && K.strides[0][kl] == 1 && K.strides[1][kl] == 1 && (sx > 1 || sx < -1);
  const A init = Prod ? A(1) : A(0);
  if (!tile) {
    const int64_t grain = std::max<int64_t>(1, kGrainElementwise / D);
    pool.parallelFor(M, grain, [&](int64_t mb, int64_t me) {
      K.forRange(mb, me, [&](const int64_t* off, int64_t n, const int64_t* st) {
        for (int64_t i = 0; i < n; i++) {
          O* o = out + off[0] + i * st[0];
          const T* p = x + off[1] + i * st[1];
          A acc = init;
          for (int64_t k = 0; k < D; k++) {
            if constexpr (Prod) acc *= (A)p[k * sx];
            else acc += (A)p[k * sx];
            o[k * so] = scanCast<O>(acc);
          }
        }
      });
    });
    return;
  }
  const int64_t K0 = K.shape[kl];
  StridedLayout<2> KO = K;
  KO.ndim = kl;
  const int64_t nt = (K0 + kScanTile - 1) / kScanTile;
  const int64_t tasks = (M / K0) * nt;
  const int64_t grain = std::max<int64_t>(1, kGrainElementwise / (std::min(K0, kScanTile) * D));
  pool.parallelFor(tasks, grain, [&](int64_t tb, int64_t te) {
    A acc[kScanTile];
    for (int64_t t = tb; t < te; t++) {
      const int64_t o = t / nt, j0 = (t % nt) * kScanTile, w = std::min(kScanTile, K0 - j0);
      int64_t off[2];
      KO.offsets(o, off);
      const int64_t oo = off[0], ox = off[1];
      O* ob = out + oo + j0;
      const T* xb = x + ox + j0;
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
