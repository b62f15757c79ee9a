// Reductions (sum, mean, prod, max, min, argmax, argmin, var, std, logsumexp, any, all)
// and scans (cumsum, cumprod) over strided views. Op codes and facts: opcodes.h (scripts/ops.json).
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../core/exec.h"
#include "opcodes.h"

namespace tf {

// Output dtype of reduction `op` over an input of dtype `dt` (the contract lib/ops/reduce.ts mirrors):
// sum/prod: int32 and bool give int32; mean/var/std/logsumexp: int32 and bool give float32;
// max/min keep the dtype; argmax/argmin give int32; any/all give bool.
int reduceOutDType(int op, int dt);
// True for ops that have no value over an empty reduced set (max/min/argmax/argmin).
bool reduceNeedsElements(int op);

// X: the input view with its first nKept dims kept and the rest reduced (the caller permutes).
// out: contiguous, numel = product of the kept dims, in their order, dtype reduceOutDType(op, dtype).
// x points at element 0 of the view. The result does not depend on the thread count.
void reduceKernel(const Exec& ex, int op, int dtype, const StridedLayout<1>& X, int nKept, const void* x, void* out);

// Scan along the last dim of L (operand 0 = out, 1 = x; the caller moves the axis last).
// Output dtype: int32 for int32/bool inputs, else the input's.
int scanOutDType(int dt);
void scanKernel(const Exec& ex, int op, int dtype, const StridedLayout<2>& L, void* out, const void* x);

}  // namespace tf
