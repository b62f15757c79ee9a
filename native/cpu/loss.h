// Fused softmax cross-entropy with class-index labels: the forward and backward of
// torch.nn.functional.cross_entropy over rows of C logits, each in one pass, instead of
// logSoftmax + gather + neg + mean and their five backward ops.
#pragma once
#include <cstdint>

#include "../core/exec.h"

namespace tf {

// x: N contiguous rows of C logits (row i at x + i*C); labels[i * labelStride] in [0, C) or
// equal to ignoreIndex (any other label throws ERR_OUT_OF_BOUNDS naming its position; nothing
// is written). Writes loss[i] = logsumexp(x_i) - x_i[label_i] (0 for an ignored row) and
// lse[i] = logsumexp(x_i); returns the number of rows not ignored (torch's ignore_index).
int64_t xentForward(const Exec& ex, int dtype, int64_t N, int64_t C, const void* x, const int32_t* labels,
                    int64_t labelStride, int64_t ignoreIndex, void* loss, void* lse);

// dx_i = g_i * (exp(x_i - lse_i) - onehot(label_i)) with g_i = scale * g[i * gStride]
// (gStride 0: one gradient for every row, e.g. a 'mean' reduction's); 0 for ignored rows.
// dx: N x C contiguous.
void xentBackward(const Exec& ex, int dtype, int64_t N, int64_t C, const void* x, const int32_t* labels,
                  int64_t labelStride, int64_t ignoreIndex, const void* lse, const void* g, int64_t gStride, double scale,
                  void* dx);

}  // namespace tf
