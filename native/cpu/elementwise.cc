#include "elementwise.h"

#include <cmath>
#include <string>

#include "../core/dtype.h"
#include "../core/error.h"

namespace tf {

bool binaryYieldsBool(int op) {
  (void)op;
  return false;
}

namespace {

struct AddF { template <typename T> static T f(T a, T b) { return a + b; } };
struct SubF { template <typename T> static T f(T a, T b) { return a - b; } };
struct MulF { template <typename T> static T f(T a, T b) { return a * b; } };
struct DivF { template <typename T> static T f(T a, T b) { return a / b; } };

// The inner loop is specialised for the stride patterns that dominate (contiguous,
// scalar on either side) so the compiler vectorises them.
template <typename F, typename T, typename R>
void binaryLoop(ThreadPool& pool, const StridedLayout<3>& L, R* out, const T* a, const T* b) {
  pool.parallelFor(L.numel, kGrainElementwise, [&](int64_t begin, int64_t end) {
    L.forRange(begin, end, [&](const int64_t* off, int64_t n, const int64_t* st) {
      R* o = out + off[0];
      const T* x = a + off[1];
      const T* y = b + off[2];
      if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
        for (int64_t i = 0; i < n; i++) o[i] = (R)F::f(x[i], y[i]);
      } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
        const T yv = *y;
        for (int64_t i = 0; i < n; i++) o[i] = (R)F::f(x[i], yv);
      } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
        const T xv = *x;
        for (int64_t i = 0; i < n; i++) o[i] = (R)F::f(xv, y[i]);
      } else {
        for (int64_t i = 0; i < n; i++) o[i * st[0]] = (R)F::f(x[i * st[1]], y[i * st[2]]);
      }
    });
  });
}

template <typename F>
void binaryArith(ThreadPool& pool, int dtype, const StridedLayout<3>& L, void* out, const void* a, const void* b) {
  dispatchDType(dtype, [&](auto z) {
    using T = decltype(z);
    binaryLoop<F, T, T>(pool, L, static_cast<T*>(out), static_cast<const T*>(a), static_cast<const T*>(b));
  });
}

}  // namespace

void binaryKernel(ThreadPool& pool, int op, int dtype, const StridedLayout<3>& L, void* out, const void* a, const void* b) {
  switch (op) {
    case kAdd: return binaryArith<AddF>(pool, dtype, L, out, a, b);
    case kSub: return binaryArith<SubF>(pool, dtype, L, out, a, b);
    case kMul: return binaryArith<MulF>(pool, dtype, L, out, a, b);
    case kDiv: return binaryArith<DivF>(pool, dtype, L, out, a, b);
    default: fail("ERR_ARGUMENT", "binary: unknown op code " + std::to_string(op));
  }
}

}  // namespace tf
