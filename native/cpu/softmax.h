// softmax / logSoftmax along one axis, numerically stable (the max is subtracted first).
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../core/exec.h"

namespace tf {

// L: operand 0 = out, 1 = x, with the softmax axis as the LAST dim (the caller permutes).
// dtype: float32 or float64 (out has the same dtype). A row whose max is -inf, +inf or NaN
// gives NaN everywhere, as PyTorch does.
void softmaxKernel(const Exec& ex, bool log, int dtype, const StridedLayout<2>& L, void* out, const void* x);

}  // namespace tf
