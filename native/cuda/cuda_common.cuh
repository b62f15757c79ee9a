// Shared by the CUDA kernels: error checks that become tf::Error (never abort), strided
// layouts passed by value to kernels, and element conversion matching the CPU backend.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "../core/error.h"
#include "../core/exec.h"
#include "../core/shape.h"

namespace tf {
namespace cuda {

inline void check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // clear a sticky launch error so the next call starts clean
  const char* code = e == cudaErrorMemoryAllocation ? "ERR_OUT_OF_MEMORY" : "ERR_DEVICE";
  fail(code, std::string(what) + ": " + cudaGetErrorString(e));
}

// Makes ex's device current and returns its stream (null = legacy default stream).
inline cudaStream_t use(const Exec& ex) {
  check(cudaSetDevice(cudaIndex(ex.device)), "cudaSetDevice");
  return static_cast<cudaStream_t>(ex.stream);
}

// A StridedLayout as a kernel argument (by value; kMaxDims dims).
template <int NOPS>
struct Dev {
  int ndim;
  int64_t shape[kMaxDims];
  int64_t strides[NOPS][kMaxDims];
  __device__ void offsets(int64_t i, int64_t* off) const { flatToOffsets<NOPS>(i, ndim, shape, strides, off); }
};

template <int NOPS>
inline Dev<NOPS> devLayout(const StridedLayout<NOPS>& L) {
  Dev<NOPS> d;
  d.ndim = L.ndim;
  for (int i = 0; i < L.ndim; i++) {
    d.shape[i] = L.shape[i];
    for (int k = 0; k < NOPS; k++) d.strides[k][i] = L.strides[k][i];
  }
  return d;
}

constexpr int kThreads = 256;
inline unsigned blocksFor(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  return (unsigned)(b < 65535 * 32 ? b : 65535 * 32);  // grid-stride loops cover the rest
}

// As the CPU's copy: bool is nonzero; float -> int32 truncates, NaN -> 0, saturating.
template <typename D, typename S>
__device__ __forceinline__ D convert(S v) {
  if constexpr (sizeof(D) == 1) {
    return v != S(0) ? 1 : 0;
  } else if constexpr (std::is_same<D, int32_t>::value && !std::is_integral<S>::value) {
    if (!(v == v)) return 0;
    if (v >= 2147483647.0) return 2147483647;
    if (v <= -2147483648.0) return (int32_t)-2147483648LL;
    return (int32_t)v;
  } else {
    return (D)v;
  }
}

// Calls f(float{}), f(double{}), f(int32_t{}) or f(uint8_t{}) for a dtype code.
template <typename F>
inline void byDType(int dt, F&& f) {
  switch (dt) {
    case 0: f(float{}); break;
    case 1: f(double{}); break;
    case 2: f(int32_t{}); break;
    default: f(uint8_t{}); break;
  }
}

}  // namespace cuda
}  // namespace tf
