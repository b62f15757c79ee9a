// CUDA elementwise family: binary (arithmetic, comparisons, logical, reluGrad), unary
// (math, activations, rounding, clip, predicates), where, strided copy with dtype
// conversion and fill. One thread per output element over a strided layout, with the same
// semantics as the CPU kernels (NaN-propagating max/min/clip, floor mod, half-to-even
// round, sign(NaN) = NaN, int32 wrap-around). Integer mod by zero and int32 pow with a
// negative exponent set a device flag that becomes the CPU's error after the launch.
#include "../core/dtype.h"
#include "../cpu/elementwise.h"
#include "cuda_common.cuh"
#include "elementwise.h"
#include "ops.cuh"

namespace tf {
namespace cuda {

namespace {

__device__ int gFault;  // 1 = integer mod by zero, 2 = negative integer exponent

void resetFault(cudaStream_t s) {
  static const int zero = 0;
  check(cudaMemcpyToSymbolAsync(gFault, &zero, sizeof zero, 0, cudaMemcpyHostToDevice, s), "binary");
}
void raiseFault(cudaStream_t s) {
  int f = 0;
  check(cudaMemcpyFromSymbolAsync(&f, gFault, sizeof f, 0, cudaMemcpyDeviceToHost, s), "binary");
  check(cudaStreamSynchronize(s), "binary");
  if (f == 1) fail("ERR_ZERO_DIVISION", "mod: integer division by zero");
  if (f == 2) fail("ERR_ARGUMENT", "pow: integers cannot be raised to negative integer powers");
}

// An operand: a device pointer walked by the layout, or a value fixed at launch (a JS
// number the binding passed as a host scalar).
template <typename T>
struct Arg {
  const T* p;
  T v;
  bool scalar;
  __device__ T at(int64_t off) const { return scalar ? v : p[off]; }
};

bool isHostPointer(const void* p) {
  cudaPointerAttributes a;
  if (cudaPointerGetAttributes(&a, p) != cudaSuccess) {
    cudaGetLastError();
    return true;
  }
  return a.type != cudaMemoryTypeDevice && a.type != cudaMemoryTypeManaged;
}

// The binding hands a scalar operand as a host pointer with all-zero strides.
template <typename T, int NOPS>
Arg<T> argOf(const void* p, const StridedLayout<NOPS>& L, int k) {
  bool zero = true;
  for (int d = 0; d < L.ndim; d++) zero = zero && L.strides[k][d] == 0;
  if (zero && isHostPointer(p)) return Arg<T>{nullptr, *static_cast<const T*>(p), true};
  return Arg<T>{static_cast<const T*>(p), T(0), false};
}

template <int OP, typename T, typename R>
__global__ void binaryK(Dev<3> L, int64_t n, R* out, Arg<T> a, Arg<T> b) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[3];
    L.offsets(i, off);
    int fault = 0;
    out[off[0]] = (R)binaryOp<OP>(a.at(off[1]), b.at(off[2]), fault);
    if (fault) gFault = fault;
  }
}

template <int OP, typename T>
void launchBinary(cudaStream_t s, const StridedLayout<3>& L, void* out, const void* a, const void* b) {
  using R = typename BinaryResult<OP, T>::type;
  binaryK<OP, T, R><<<blocksFor(L.numel), kThreads, 0, s>>>(devLayout(L), L.numel, static_cast<R*>(out),
                                                           argOf<T>(a, L, 1), argOf<T>(b, L, 2));
}

template <typename T>
void binaryTyped(cudaStream_t s, int op, const StridedLayout<3>& L, void* out, const void* a, const void* b) {
  switch (op) {
#define TF_B(code) case code: return launchBinary<code, T>(s, L, out, a, b);
    TF_B(kAdd) TF_B(kSub) TF_B(kMul) TF_B(kDiv) TF_B(kPow) TF_B(kMaximum) TF_B(kMinimum) TF_B(kMod)
    TF_B(kEq) TF_B(kNe) TF_B(kLt) TF_B(kLe) TF_B(kGt) TF_B(kGe) TF_B(kLogicalAnd) TF_B(kLogicalOr)
    TF_B(kLogicalXor) TF_B(kReluGrad)
#undef TF_B
    default: fail("ERR_ARGUMENT", "binary: unknown op code " + std::to_string(op));
  }
}

template <typename In, typename T, typename R>
__global__ void unaryK(Dev<2> L, int64_t n, R* out, const In* a, int op, T alpha, T beta) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[2];
    L.offsets(i, off);
    out[off[0]] = (R)unaryOp<T>(op, (T)a[off[1]], alpha, beta);
  }
}

template <typename T>
__global__ void predicateK(Dev<2> L, int64_t n, uint8_t* out, const T* a, int op) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[2];
    L.offsets(i, off);
    out[off[0]] = predicateOp<T>(op, a[off[1]]);
  }
}

template <typename T>
__global__ void whereK(Dev<4> L, int64_t n, T* out, const uint8_t* c, Arg<T> a, Arg<T> b) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[4];
    L.offsets(i, off);
    out[off[0]] = c[off[1]] ? a.at(off[2]) : b.at(off[3]);
  }
}

template <typename D, typename S>
__global__ void copyK(Dev<2> L, int64_t n, D* dst, const S* src) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[2];
    L.offsets(i, off);
    dst[off[0]] = convert<D>(src[off[1]]);
  }
}

template <typename T>
__global__ void fillK(Dev<1> L, int64_t n, T* dst, T v) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    int64_t off[1];
    L.offsets(i, off);
    dst[off[0]] = v;
  }
}

}  // namespace

void binary(const Exec& ex, int op, int dtype, const StridedLayout<3>& L, void* out, const void* a, const void* b) {
  cudaStream_t s = use(ex);
  const bool faults = dtype == kI32 && (op == kMod || op == kPow);
  if (faults) resetFault(s);
  byDType(dtype, [&](auto z) { binaryTyped<decltype(z)>(s, op, L, out, a, b); });
  check(cudaGetLastError(), "binary");
  if (faults) raiseFault(s);
}

void unary(const Exec& ex, int op, int dtype, int inDtype, const StridedLayout<2>& L, void* out, const void* a,
           double alpha, double beta) {
  cudaStream_t s = use(ex);
  const Dev<2> D = devLayout(L);
  if (op == kIsNan || op == kIsFinite || op == kLogicalNot) {
    byDType(inDtype, [&](auto z) {
      using In = decltype(z);
      predicateK<In><<<blocksFor(L.numel), kThreads, 0, s>>>(D, L.numel, static_cast<uint8_t*>(out),
                                                            static_cast<const In*>(a), op);
    });
  } else {
    byDType(inDtype, [&](auto zi) {
      using In = decltype(zi);
      byDType(dtype, [&](auto zt) {
        using T = decltype(zt);
        if constexpr (sizeof(T) == 1) {
          fail("ERR_DTYPE", "unary: op " + std::to_string(op) + " has no bool version on cuda");
        } else {
          unaryK<In, T, T><<<blocksFor(L.numel), kThreads, 0, s>>>(D, L.numel, static_cast<T*>(out),
                                                                 static_cast<const In*>(a), op, (T)alpha, (T)beta);
        }
      });
    });
  }
  check(cudaGetLastError(), "unary");
}

void where(const Exec& ex, int dtype, const StridedLayout<4>& L, void* out, const uint8_t* cond, const void* a,
           const void* b) {
  cudaStream_t s = use(ex);
  byDType(dtype, [&](auto z) {
    using T = decltype(z);
    whereK<T><<<blocksFor(L.numel), kThreads, 0, s>>>(devLayout(L), L.numel, static_cast<T*>(out), cond,
                                                     argOf<T>(a, L, 2), argOf<T>(b, L, 3));
  });
  check(cudaGetLastError(), "where");
}

void copy(const Exec& ex, const StridedLayout<2>& L, void* dst, int dstDtype, const void* src, int srcDtype) {
  cudaStream_t s = use(ex);
  byDType(dstDtype, [&](auto zd) {
    byDType(srcDtype, [&](auto zs) {
      using D = decltype(zd);
      using S = decltype(zs);
      copyK<D, S><<<blocksFor(L.numel), kThreads, 0, s>>>(devLayout(L), L.numel, static_cast<D*>(dst),
                                                         static_cast<const S*>(src));
    });
  });
  check(cudaGetLastError(), "copy");
}

void fill(const Exec& ex, const StridedLayout<1>& L, void* dst, int dtype, double value) {
  cudaStream_t s = use(ex);
  byDType(dtype, [&](auto z) {
    using T = decltype(z);
    T v;
    if constexpr (sizeof(T) == 1) v = value != 0;
    else if constexpr (std::is_same<T, int32_t>::value)
      v = !(value == value) ? 0 : value >= 2147483647.0 ? 2147483647 : value <= -2147483648.0 ? INT32_MIN : (int32_t)value;
    else v = (T)value;
    fillK<T><<<blocksFor(L.numel), kThreads, 0, s>>>(devLayout(L), L.numel, static_cast<T*>(dst), v);
  });
  check(cudaGetLastError(), "fill");
}

}  // namespace cuda
}  // namespace tf
