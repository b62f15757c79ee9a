// Op codes shared with native/cpu/*.h — keep the numbers in step with the C++ enums.

/** native/cpu/elementwise.h BinaryOp. */
export const enum Binary {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  Pow = 4,
  Maximum = 5,
  Minimum = 6,
  Mod = 7,
  Eq = 8,
  Ne = 9,
  Lt = 10,
  Le = 11,
  Gt = 12,
  Ge = 13,
  LogicalAnd = 14,
  LogicalOr = 15,
  LogicalXor = 16,
  /** internal: relu's backward, 0 where b <= 0 else a */
  ReluGrad = 17,
}
export const BINARY_OP_COUNT = 18;

/** native/cpu/elementwise.h UnaryOp. */
export const enum Unary {
  Neg = 0,
  Abs = 1,
  Sign = 2,
  Exp = 3,
  Expm1 = 4,
  Log = 5,
  Log1p = 6,
  Sqrt = 7,
  Rsqrt = 8,
  Square = 9,
  Reciprocal = 10,
  Sin = 11,
  Cos = 12,
  Tan = 13,
  Tanh = 14,
  Sigmoid = 15,
  Relu = 16,
  LeakyRelu = 17,
  Elu = 18,
  Gelu = 19,
  Softplus = 20,
  Floor = 21,
  Ceil = 22,
  Round = 23,
  Clip = 24,
  IsNan = 25,
  IsFinite = 26,
  LogicalNot = 27,
  Erf = 28,
}
export const UNARY_OP_COUNT = 29;
