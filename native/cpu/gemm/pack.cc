#include "pack.h"

#include <algorithm>
#include <cstring>

namespace tf {
namespace gemm {

void packASlivers(bool transA, const float* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc, int mr,
                  float* dst, int64_t sliverStride) {
  for (int64_t s = 0; s * mr < mc; s++) {
    const int64_t i = i0 + s * mr;
    const int m = (int)std::min<int64_t>(mr, i0 + mc - i);
    float* d = dst + s * sliverStride;
    if (transA) {
      // element (i, k) at A[k*lda + i]: each k is a contiguous run of m floats
      for (int64_t k = 0; k < kc; k++) std::memcpy(d + k * mr, A + (k0 + k) * lda + i, sizeof(float) * (size_t)m);
    } else {
      // element (i, k) at A[i*lda + k]: m row streams read in step, the sliver written in order
      const float* rows[32];
      for (int r = 0; r < m; r++) rows[r] = A + (i + r) * lda + k0;
      for (int64_t k = 0; k < kc; k++)
        for (int r = 0; r < m; r++) d[k * mr + r] = rows[r][k];
    }
  }
}

void packBSlivers(bool transB, const float* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j0, int64_t nc, int nr,
                  float* dst, int64_t sliverStride) {
  for (int64_t s = 0; s * nr < nc; s++) {
    const int64_t j = j0 + s * nr;
    const int n = (int)std::min<int64_t>(nr, j0 + nc - j);
    float* d = dst + s * sliverStride;
    if (!transB) {
      // element (k, j) at B[k*ldb + j]: each k is a contiguous run of n floats
      for (int64_t k = 0; k < kc; k++) {
        std::memcpy(d + k * nr, B + (k0 + k) * ldb + j, sizeof(float) * (size_t)n);
        if (n < nr) std::memset(d + k * nr + n, 0, sizeof(float) * (size_t)(nr - n));
      }
    } else {
      // element (k, j) at B[j*ldb + k]: a transpose, 8 k at a time so each column's reads stay
      // contiguous and the writes fill whole sliver rows
      int64_t k = 0;
      for (; k + 8 <= kc; k += 8) {
        for (int c = 0; c < n; c++) {
          const float* src = B + (j + c) * ldb + k0 + k;
          for (int t = 0; t < 8; t++) d[(k + t) * nr + c] = src[t];
        }
        for (int t = 0; t < 8; t++)
          for (int c = n; c < nr; c++) d[(k + t) * nr + c] = 0.0f;
      }
      for (; k < kc; k++) {
        for (int c = 0; c < n; c++) d[k * nr + c] = B[(j + c) * ldb + k0 + k];
        for (int c = n; c < nr; c++) d[k * nr + c] = 0.0f;
      }
    }
  }
}

}  // namespace gemm
}  // namespace tf
