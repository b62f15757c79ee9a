// The elementwise dispatch shared by binary.ts, logical.ts and unary.ts: PyTorch type
// promotion with weak scalars, the per-op dtype rules, and the runners that lay out the
// operands in meta and call the native binary / unary kernels. No autograd here: the op
// files record their gradients around these runners.
//
// Promotion: bool < int32 < float32 < float64 between tensors. A JS number is a weak
// scalar: it takes the tensor's dtype, except that a fractional (or non-finite) number
// with an int/bool tensor gives float32, and an integer with a bool tensor gives int32
// (as PyTorch). Each binary op's result dtype comes from its rule in RULE below.
import { native } from '../core/native';
import { writeBroadcast, writeFlat, writeUnaryLayout } from '../core/meta';
import { checkTensor } from '../core/validate';
import { DType, DTYPES, DTYPE_CODE, isFloat, promoteTypes } from '../core/dtype';
import { fail, describe } from '../core/errors';
import { broadcastShapes, isContiguous, sameShape } from '../core/shape';
import { Tensor } from '../tensor';
import { Binary, BINARY_OP_COUNT, Unary, UNARY_OP_COUNT } from './opcodes';

export type TensorLike = Tensor | number | boolean;

// ---- per-op rules -----------------------------------------------------------------------

/** How an op's result dtype follows from the promoted input dtype. */
const enum Rule {
  /** result = compute dtype = promoted dtype */
  Same = 0,
  /** true division: int/bool inputs compute in float32 */
  Float = 1,
  /** comparisons / logical ops: computed in the promoted dtype, result bool */
  Bool = 2,
}

interface OpInfo {
  name: string;
  rule: Rule;
  /** false: undefined on bool operands (PyTorch refuses these too) */
  bool: boolean;
}

const OPS: OpInfo[] = [];
function def(code: Binary, name: string, rule: Rule, bool = true): void {
  OPS[code] = { name, rule, bool };
}
def(Binary.Add, 'add', Rule.Same);
def(Binary.Sub, 'sub', Rule.Same, false);
def(Binary.Mul, 'mul', Rule.Same);
def(Binary.Div, 'div', Rule.Float);
def(Binary.Pow, 'pow', Rule.Same, false);
def(Binary.Maximum, 'maximum', Rule.Same);
def(Binary.Minimum, 'minimum', Rule.Same);
def(Binary.Mod, 'mod', Rule.Same, false);
def(Binary.Eq, 'eq', Rule.Bool);
def(Binary.Ne, 'ne', Rule.Bool);
def(Binary.Lt, 'lt', Rule.Bool);
def(Binary.Le, 'le', Rule.Bool);
def(Binary.Gt, 'gt', Rule.Bool);
def(Binary.Ge, 'ge', Rule.Bool);
def(Binary.LogicalAnd, 'logicalAnd', Rule.Bool);
def(Binary.LogicalOr, 'logicalOr', Rule.Bool);
def(Binary.LogicalXor, 'logicalXor', Rule.Bool);
def(Binary.ReluGrad, 'reluGrad', Rule.Same);
if (OPS.length !== BINARY_OP_COUNT) throw new Error('elementwise.ts: op table out of step with opcodes.ts');

/**
 * FAST_OUT[code * 4 + dtypeCode]: the output dtype code when both operands already have
 * that dtype and the op runs on it directly (no cast, no error), else -1. One typed-array
 * read decides the fast path.
 */
const FAST_OUT = new Int8Array(BINARY_OP_COUNT * 4).fill(-1);
for (let code = 0; code < BINARY_OP_COUNT; code++) {
  const { rule, bool } = OPS[code];
  for (let dc = 0; dc < 4; dc++) {
    const d = DTYPES[dc];
    if (d === 'bool' && !bool) continue;
    if (rule === Rule.Float && !isFloat(d)) continue;
    FAST_OUT[code * 4 + dc] = rule === Rule.Bool ? DTYPE_CODE.bool : dc;
  }
}

// ---- promotion helpers ------------------------------------------------------------------

function scalarDType(x: number | boolean): DType {
  if (typeof x === 'boolean') return 'bool';
  return Number.isInteger(x) ? 'int32' : 'float32';
}

/** @internal Result dtype of combining a tensor dtype with a weak scalar. */
export function withScalar(t: DType, s: number | boolean): DType {
  if (isFloat(t)) return t;
  const sd = scalarDType(s);
  if (sd === 'float32') return 'float32';
  if (t === 'bool' && sd === 'int32') return 'int32';
  return t;
}

/** @internal promoted dtype of any mix of tensors and weak scalars (tensors take precedence). */
export function resultDType(xs: readonly TensorLike[]): DType {
  let t: DType | null = null;
  let s: DType | null = null;
  for (const x of xs) {
    if (x instanceof Tensor) t = t === null ? x.dtype : promoteTypes(t, x.dtype);
    else {
      const d = scalarDType(x);
      s = s === null ? d : promoteTypes(s, d);
    }
  }
  if (t === null) return s ?? 'float32';
  if (s === null) return t;
  // a scalar only lifts the category (bool -> int -> float), never the width within it
  if (isFloat(t)) return t;
  if (s === 'float32') return 'float32';
  if (s === 'int32' && t === 'bool') return 'int32';
  return t;
}

/** @internal validates an operand: a live Tensor, a number or a boolean. */
export function checkOperand(x: unknown, op: string, arg: string): TensorLike {
  if (x instanceof Tensor) return x._live(op);
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  return fail(op, `${arg} must be a Tensor, a number or a boolean, got ${describe(x)}`);
}

/** @internal the shared tensor check (core/validate.ts), under its old name here. */
export const asTensor = checkTensor;

/** @internal checks a scalar can be held exactly enough by dtype (int32 range). */
export function checkScalarFor(x: number | boolean, dtype: DType, op: string, arg: string): void {
  if (dtype === 'int32' && typeof x === 'number' && (x > 2147483647 || x < -2147483648))
    fail(op, `${arg} = ${x} does not fit the int32 computation; use a float tensor`);
}

// ---- the op runner ----------------------------------------------------------------------

/**
 * Runs binary op `code` on two operands (tensors or weak scalars), broadcasting and
 * promoting. The output dtype follows the op's rule (bool for comparisons/logical ops).
 */
export function binaryOp(code: Binary, op: string, a: TensorLike, b: TensorLike): Tensor {
  // Fast paths: the common cases in a training loop, decided with a handful of reads.
  if (a instanceof Tensor && !a._disposed) {
    const dc = DTYPE_CODE[a.dtype];
    const o = FAST_OUT[code * 4 + dc];
    if (o >= 0 && isContiguous(a.shape, a._strides)) {
      if (b instanceof Tensor) {
        if (b.dtype === a.dtype && !b._disposed && sameShape(a.shape, b.shape) && isContiguous(b.shape, b._strides)) {
          writeFlat(a.size, 3);
          const h = native.binary(code, dc, a._h, a._offset, b._h, b._offset);
          return Tensor._fromHandle(h, a.shape.slice(), DTYPES[o]);
        }
      } else if (typeof b === 'number' && dc <= 1) {
        // float tensor op number: the number takes the tensor's dtype
        writeFlat(a.size, 3, 0);
        const h = native.binary(code, dc, a._h, a._offset, b, -1);
        return Tensor._fromHandle(h, a.shape.slice(), DTYPES[o]);
      }
    }
  }
  return binarySlow(code, op, a, b);
}

function binarySlow(code: Binary, op: string, a: TensorLike, b: TensorLike): Tensor {
  checkOperand(a, op, 'a');
  checkOperand(b, op, 'b');
  const info = OPS[code];
  const promoted = resultDType([a, b]);
  let dtype = promoted;
  if (info.rule === Rule.Float && !isFloat(dtype)) dtype = 'float32';
  if (dtype === 'bool' && !info.bool) {
    const hint = code === Binary.Sub ? '; use logicalXor for bool tensors' : '; cast to int32 or float32 first';
    fail(op, `not defined for bool operands${hint}`, 'ERR_DTYPE');
  }
  const aIsT = a instanceof Tensor;
  const bIsT = b instanceof Tensor;
  if (!aIsT) checkScalarFor(a, dtype, op, 'a');
  if (!bIsT) checkScalarFor(b, dtype, op, 'b');
  if (code === Binary.Pow && dtype === 'int32' && !bIsT && (b as number) < 0)
    fail(op, `integers to negative integer powers are not allowed (exponent ${b}); cast to float first`);

  let ta: Tensor | null = aIsT ? (a as Tensor) : null;
  let tb: Tensor | null = bIsT ? (b as Tensor) : null;
  // shapes first: a mismatch fails before any cast is allocated
  const outShape = ta && tb ? broadcastShapes(ta.shape, tb.shape, op) : ta ? ta.shape : tb ? tb.shape : [];
  let castA: Tensor | null = null;
  let castB: Tensor | null = null;
  try {
    if (ta && ta.dtype !== dtype) ta = castA = ta._copyAs(dtype);
    if (tb && tb.dtype !== dtype) tb = castB = tb._copyAs(dtype);
    writeBroadcast(outShape, ta, tb);
    const h = native.binary(
      code,
      DTYPE_CODE[dtype],
      ta ? ta._h : Number(a),
      ta ? ta._offset : -1,
      tb ? tb._h : Number(b),
      tb ? tb._offset : -1,
    );
    return Tensor._fromHandle(h, outShape.slice(), info.rule === Rule.Bool ? 'bool' : dtype);
  } finally {
    castA?.dispose();
    castB?.dispose();
  }
}


// ---- unary ------------------------------------------------------------------------------

/** How an op's compute dtype follows from the input dtype. */
const enum Kind {
  /** float math: int32/bool compute in float32 */
  Float = 0,
  /** int32 stays int32; bool is handled per op */
  Int = 1,
  /** predicate: computed on the input dtype, result bool */
  Pred = 2,
}
const KIND = new Uint8Array(UNARY_OP_COUNT); // Kind.Float by default
for (const c of [Unary.Neg, Unary.Abs, Unary.Sign, Unary.Square, Unary.Relu, Unary.Clip, Unary.Floor, Unary.Ceil, Unary.Round])
  KIND[c] = Kind.Int;
for (const c of [Unary.IsNan, Unary.IsFinite, Unary.LogicalNot]) KIND[c] = Kind.Pred;


/**
 * @internal Runs unary kernel `code` on x computing in `dtype` (x may be int32/bool with
 * dtype float32, or bool with dtype int32). The result is bool for predicates, else dtype.
 */
export function unaryRaw(code: Unary, x: Tensor, dtype: DType, alpha: number, beta: number): Tensor {
  const shape = x.shape;
  if (isContiguous(shape, x._strides)) writeFlat(x.size, 2);
  else writeUnaryLayout(shape, x._strides);
  const h = native.unary(code, DTYPE_CODE[dtype], x._h, x._offset, alpha, beta);
  return Tensor._fromHandle(h, shape.slice(), KIND[code] === Kind.Pred ? 'bool' : dtype);
}

/**
 * @internal Validates x, picks the compute dtype from the op's kind and runs the kernel.
 * alpha/beta are the op's parameters (see native/binding/elementwise.cc).
 */
export function unaryOp(code: Unary, op: string, x: Tensor, alpha = 0, beta = 0): Tensor {
  checkTensor(x, op);
  const d = x.dtype;
  const kind = KIND[code];
  let dtype: DType = d;
  if (kind === Kind.Float) {
    if (!isFloat(d)) dtype = 'float32';
  } else if (kind === Kind.Int && d === 'bool') {
    switch (code) {
      case Unary.Neg:
        fail(op, 'negation of a bool tensor is not supported; use logicalNot', 'ERR_DTYPE');
      // eslint-disable-next-line no-fallthrough
      case Unary.Square:
      case Unary.Clip:
        dtype = 'int32'; // as PyTorch's integer result (int64 there)
        break;
      default:
        return x._copyAs('bool'); // abs/sign/relu/floor/ceil/round of a bool is itself
    }
  } else if (kind === Kind.Int && d === 'int32' && (code === Unary.Floor || code === Unary.Ceil || code === Unary.Round)) {
    return x._copyAs('int32');
  }
  return unaryRaw(code, x, dtype, alpha, beta);
}
