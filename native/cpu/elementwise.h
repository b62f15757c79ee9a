// Elementwise kernels over strided layouts: binary (arithmetic, comparisons, logical),
// unary (math, activations, rounding, predicates) and the ternary where.
// Op codes match lib/ops/opcodes.ts — keep the numbers in step.
#pragma once
#include <cstdint>

#include "../core/shape.h"
#include "../core/exec.h"

namespace tf {

enum BinaryOp : int {
  kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kPow = 4, kMaximum = 5, kMinimum = 6, kMod = 7,
  kEq = 8, kNe = 9, kLt = 10, kLe = 11, kGt = 12, kGe = 13,
  kLogicalAnd = 14, kLogicalOr = 15, kLogicalXor = 16,
  kReluGrad = 17,  // relu's backward: 0 where b <= 0, else a (one pass instead of gt + cast + mul)
  kBinaryOpCount
};

enum UnaryOp : int {
  kNeg = 0, kAbs = 1, kSign = 2, kExp = 3, kExpm1 = 4, kLog = 5, kLog1p = 6, kSqrt = 7, kRsqrt = 8,
  kSquare = 9, kReciprocal = 10, kSin = 11, kCos = 12, kTan = 13, kTanh = 14, kSigmoid = 15,
  kRelu = 16, kLeakyRelu = 17, kElu = 18, kGelu = 19, kSoftplus = 20, kFloor = 21, kCeil = 22,
  kRound = 23, kClip = 24,
  kIsNan = 25, kIsFinite = 26, kLogicalNot = 27,
  kErf = 28,
  kUnaryOpCount
};

// Op facts come from per-op tables in elementwise.cc / unary.cc (and lib/ops/binary.ts, unary.ts).
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
