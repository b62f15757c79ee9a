// Elementwise kernels over strided layouts. Op codes match lib/ops/opcodes.ts.
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../core/threadpool.h"

namespace tf {

enum BinaryOp : int {
  kAdd = 0, kSub = 1, kMul = 2, kDiv = 3,
  kBinaryOpCount
};

// True when op yields bool (comparisons, logical ops).
bool binaryYieldsBool(int op);

// L operands: 0 = out (contiguous), 1 = a, 2 = b. a/b/out point at element 0 of each view.
// `dtype` is the inputs' common dtype; the output dtype is bool for comparisons, else dtype.
void binaryKernel(ThreadPool& pool, int op, int dtype, const StridedLayout<3>& L, void* out, const void* a, const void* b);

}  // namespace tf
