// What the driver (driver.cc) needs from one ISA's microkernels: the register tile, the cache
// blocking that suits it, and one microkernel per edge shape. Each ISA lives in its own unit
// (isa_*.cc), compiled for that ISA by a `#pragma GCC target` there.
#pragma once
#include <cstdint>

namespace tf {
namespace gemm {

constexpr int kMaxMR = 14;  // rows of the largest register tile (AVX-512)
constexpr int kMaxNV = 4;   // vectors across the largest tile (scalar: 4 x 1 float)

// C[0..R) x [0..NV*W) (the last vector holds nLast of W lanes) = alpha * sum_k a[k*MR + r] *
// b[k*NR + j] + beta * C; beta == 0 writes without reading C. a: a packed A sliver (MR rows
// interleaved per k), b: a packed B sliver (NR columns per k, zero-padded), kc >= 1.
using Micro = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta,
                       int nLast);
// The direct-convolution variant (native/cpu/conv_direct.cc): B row k is read in place at b + off[k]
// (an input row under one kernel tap), not from a packed sliver; alpha is 1. Lanes past nLast of
// the last vector are loaded (the caller keeps them readable) but never stored.
using ConvMicro = void (*)(int64_t kc, const float* a, const float* b, const int32_t* off, float* c, int64_t ldc,
                           float beta, int nLast);

// The transposed variant (C^T: a tile row is one output pixel, a column one output channel): A
// element (r, k) is read at rows[r] + off[k] (a broadcast from the padded image), B is a packed
// sliver as in Micro, alpha is 1.
using ConvMicroT = void (*)(int64_t kc, const float* const* rows, const int32_t* off, const float* b, float* c,
                            int64_t ldc, float beta, int nLast);

struct KernelSet {
  const char* name;
  int mr, nr, w;   // register tile: mr rows x nr columns, nr = nv * w (w floats per vector)
  int kc, mc, nc;  // cache blocks: kc x nr B sliver in L1, mc x kc A block in L2, kc x nc B block in L3
  Micro micro[kMaxMR][kMaxNV];  // [rows - 1][vectors - 1]
  ConvMicro conv[kMaxMR][kMaxNV];
  ConvMicroT convT[kMaxMR][kMaxNV];
};

const KernelSet& scalarKernels();
const KernelSet& avx2Kernels();
const KernelSet& avx512Kernels();
const KernelSet& avx512EmuKernels();  // test-only: the AVX-512 geometry on AVX2 (isa_avx2.cc)

}  // namespace gemm
}  // namespace tf

namespace tf {
namespace gemm {
enum class Isa : int;
// The table of an ISA the CPU runs (isa.cc).
const KernelSet& kernelsFor(Isa isa);
}  // namespace gemm
}  // namespace tf
