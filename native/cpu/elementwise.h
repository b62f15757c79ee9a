// Elementwise kernels over strided layouts: binary (arithmetic, comparisons, logical),
// unary (math, activations, rounding, predicates) and the ternary where.
// Op codes and per-op facts are in opcodes.h, generated from scripts/ops.json.
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../core/exec.h"

#include "opcodes.h"

namespace tf {

// True when the op yields bool (comparisons, logical ops, predicates).
bool binaryYieldsBool(int op);
bool unaryYieldsBool(int op);

// Checks that `op` is defined for compute dtype `dtype` (e.g. sub is not defined for bool,
// true division only for floats); throws ERR_DTYPE / ERR_ARGUMENT naming the op otherwise.
void checkBinaryOp(int op, int dtype);
// Same for unary ops, where the input may be stored as `inDtype` and is converted to the
// compute dtype on load (int32/bool -> float32 for float math, bool -> int32).
void checkUnaryOp(int op, int dtype, int inDtype);

// L operands: 0 = out (contiguous), 1 = a, 2 = b. a/b/out point at element 0 of each view.
// `dtype` is the inputs' common dtype; the output dtype is bool for comparisons, else dtype.
// Integer mod by zero and int pow with a negative exponent throw tf::Error (never trap).
void binaryKernel(const Exec& ex, int op, int dtype, const StridedLayout<3>& L, void* out, const void* a, const void* b);

// L operands: 0 = out (contiguous), 1 = a. `a` holds inDtype elements, computed in dtype;
// alpha/beta are op parameters (leakyRelu/elu alpha; softplus beta, threshold; clip min, max).
void unaryKernel(const Exec& ex, int op, int dtype, int inDtype, const StridedLayout<2>& L, void* out, const void* a,
                 double alpha, double beta);

// out = cond ? a : b. L operands: 0 = out, 1 = cond (bool), 2 = a, 3 = b (both dtype).
void whereKernel(const Exec& ex, int dtype, const StridedLayout<4>& L, void* out, const uint8_t* cond, const void* a,
                 const void* b);

}  // namespace tf
