// The elementwise dispatch shared by binary.ts, logical.ts and unary.ts: PyTorch type
// promotion with weak scalars, the per-op dtype rules, and the runners that lay out the
// operands in meta and call the native binary / unary kernels. No autograd here: the op
// files record their gradients around these runners.
//
// Promotion: bool < int32 < float32 < float64 between tensors. A JS number is a weak
// scalar: it takes the tensor's dtype, except that a fractional (or non-finite) number
// with an int/bool tensor gives float32, and an integer with a bool tensor gives int32
// (as PyTorch). Each op's dtype rule comes from its facts in opcodes.ts, generated from
// scripts/ops.json (the same table native/cpu/opcodes.h is generated from).
import { native } from '../core/native';
import { SCALAR_A, SCALAR_B } from '../core/addon';
import { writeBroadcast, writeFlat, writeUnaryLayout } from '../core/meta';
import { checkTensor } from '../core/validate';
import { DType, DTYPES, DTYPE_CODE, isFloat, promoteTypes } from '../core/dtype';
import { fail, describe } from '../core/errors';
import { broadcastShapes, isContiguous, sameShape } from '../core/shape';
import { Tensor } from '../tensor';
import { Binary, BINARY_OP_COUNT, BINARY_OPS, BinaryRule, Unary, UNARY_OP_COUNT, UNARY_OPS, UnaryKind } from './opcodes';

export type TensorLike = Tensor | number | boolean;

// ---- per-op rules -----------------------------------------------------------------------

/**
 * FAST_OUT[code * 4 + dtypeCode]: the output dtype code when both operands already have
 * that dtype and the op runs on it directly (no cast, no error), else -1. One typed-array
 * read decides the fast path.
 */
const FAST_OUT = new Int8Array(BINARY_OP_COUNT * 4).fill(-1);
for (let code = 0; code < BINARY_OP_COUNT; code++) {
  const { rule, boolOk } = BINARY_OPS[code];
  for (let dc = 0; dc < 4; dc++) {
    const d = DTYPES[dc];
    if (d === 'bool' && !boolOk) continue;
    if (rule === BinaryRule.Float && !isFloat(d)) continue;
    FAST_OUT[code * 4 + dc] = rule === BinaryRule.Bool ? DTYPE_CODE.bool : dc;
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
  // numbers alone: JS has no integer type, so they compute in float32 as tp.tensor(2) does
  if (t === null) return s === 'bool' ? 'bool' : 'float32';
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
        const h = native.binary(code, dc | SCALAR_B, a._h, a._offset, b, 0);
        return Tensor._fromHandle(h, a.shape.slice(), DTYPES[o]);
      }
    }
  }
  return binarySlow(code, op, a, b);
}

function binarySlow(code: Binary, op: string, a: TensorLike, b: TensorLike): Tensor {
  checkOperand(a, op, 'a');
  checkOperand(b, op, 'b');
  const info = BINARY_OPS[code];
  const promoted = resultDType([a, b]);
  let dtype = promoted;
  if (info.rule === BinaryRule.Float && !isFloat(dtype)) dtype = 'float32';
  if (dtype === 'bool' && !info.boolOk)
    fail(op, `not defined for bool operands; ${info.boolHint ?? 'cast to int32 or float32 first'}`, 'ERR_DTYPE');
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
      DTYPE_CODE[dtype] | (ta ? 0 : SCALAR_A) | (tb ? 0 : SCALAR_B),
      ta ? ta._h : Number(a),
      ta ? ta._offset : 0,
      tb ? tb._h : Number(b),
      tb ? tb._offset : 0,
    );
    return Tensor._fromHandle(h, outShape.slice(), info.rule === BinaryRule.Bool ? 'bool' : dtype);
  } finally {
    castA?.dispose();
    castB?.dispose();
  }
}


// ---- unary ------------------------------------------------------------------------------

/** KIND[code]: the op's UnaryKind, one typed-array read on the hot path. */
const KIND = new Uint8Array(UNARY_OP_COUNT);
for (let code = 0; code < UNARY_OP_COUNT; code++) KIND[code] = UNARY_OPS[code].kind;

/**
 * @internal Runs unary kernel `code` on x computing in `dtype` (x may be int32/bool with
 * dtype float32, or bool with dtype int32). The result is bool for predicates, else dtype.
 */
export function unaryRaw(code: Unary, x: Tensor, dtype: DType, alpha: number, beta: number): Tensor {
  const shape = x.shape;
  if (isContiguous(shape, x._strides)) writeFlat(x.size, 2);
  else writeUnaryLayout(shape, x._strides);
  const h = native.unary(code, DTYPE_CODE[dtype], x._h, x._offset, alpha, beta);
  return Tensor._fromHandle(h, shape.slice(), KIND[code] === UnaryKind.Pred ? 'bool' : dtype);
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
  if (kind === UnaryKind.Float) {
    if (!isFloat(d)) dtype = 'float32';
  } else if (kind === UnaryKind.Int && d === 'bool') {
    const facts = UNARY_OPS[code];
    if (facts.onBool === 'error') fail(op, facts.boolError as string, 'ERR_DTYPE');
    if (facts.onBool === 'copy') return x._copyAs('bool'); // e.g. abs/relu/floor of a bool is itself
    dtype = 'int32'; // as PyTorch's integer result (int64 there)
  } else if (kind === UnaryKind.Int && d === 'int32' && UNARY_OPS[code].onInt === 'copy') {
    return x._copyAs('int32');
  }
  return unaryRaw(code, x, dtype, alpha, beta);
}
