// Packing of GEMM operands into the microkernel's slivers (see kernels.h). Portable C++.
#pragma once
#include <cstdint>

namespace tf {
namespace gemm {

// Rows [i0, i0+mc) x k [k0, k0+kc) of op(A) into ceil(mc/mr) slivers of kc x mr floats (row
// r of a sliver at k*mr + r; rows past mc are not written: the edge microkernel skips them).
// Sliver s starts at dst + s * sliverStride.
void packASlivers(bool transA, const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc, int mr,
                  float* dst, int64_t sliverStride);
// Columns [j0, j0+nc) x k [k0, k0+kc) of op(B) into ceil(nc/nr) slivers of kc x nr floats,
// columns past nc zeroed. Sliver s starts at dst + s * sliverStride.
void packBSlivers(bool transB, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr,
                  float* dst, int64_t sliverStride);

}  // namespace gemm
}  // namespace tf
