// Binary elementwise ops with numpy broadcasting and PyTorch type promotion.
// A JS number operand is a weak scalar: it takes the tensor's dtype (an int tensor
// with a fractional scalar becomes float32, as in PyTorch).
import { native, meta } from '../core/native';
import { DType, DTYPE_CODE, isFloat, promoteTypes } from '../core/dtype';
import { fail, describe } from '../core/errors';
import { broadcastShapes, broadcastStrides, isContiguous, sameShape } from '../core/shape';
import { Tensor } from '../tensor';
import { filled } from './creation';
import { Binary } from './opcodes';

export type TensorLike = Tensor | number | boolean;

function operandDType(x: number | boolean): DType {
  if (typeof x === 'boolean') return 'bool';
  return Number.isInteger(x) ? 'int32' : 'float32';
}

/** Result dtype of combining a tensor dtype with a weak scalar. */
function withScalar(t: DType, s: number | boolean): DType {
  const sd = operandDType(s);
  if (isFloat(t)) return t;
  if (sd === 'float32') return 'float32';
  if (t === 'bool' && sd === 'int32') return 'int32';
  return t;
}

/** @internal */
export function asTensor(x: unknown, op: string, arg: string): Tensor {
  if (x instanceof Tensor) return x._live(op);
  return fail(op, `${arg} must be a Tensor or a number, got ${describe(x)}`);
}

/**
 * Runs a binary kernel. `compute` is the dtype the kernel works in (after promotion);
 * a and b are cast to it when they differ. Returns out with the native output dtype.
 */
export function binaryOp(code: number, op: string, a: TensorLike, b: TensorLike, forceDType?: (d: DType) => DType): Tensor {
  // Fast path: two live tensors, same dtype, same shape, both contiguous (the common case in a training loop).
  if (a instanceof Tensor && b instanceof Tensor && a.dtype === b.dtype && !a._disposed && !b._disposed && forceDType === undefined) {
    const sa = a.shape;
    if (sameShape(sa, b.shape) && isContiguous(sa, a._strides) && isContiguous(sa, b._strides)) {
      meta[0] = 1;
      meta[1] = a.size;
      meta[2] = 1;
      meta[3] = 1;
      meta[4] = 1;
      const h = native.binary(code, DTYPE_CODE[a.dtype], a._h, a._offset, b._h, b._offset);
      return Tensor._fromHandle(h, sa.slice(), code >= FIRST_BOOL_OP ? 'bool' : a.dtype);
    }
  }
  return binarySlow(code, op, a, b, forceDType);
}

// Op codes at or above this yield bool; see opcodes.ts.
const FIRST_BOOL_OP = 1000;

function binarySlow(code: number, op: string, a: TensorLike, b: TensorLike, forceDType?: (d: DType) => DType): Tensor {
  const aIsT = a instanceof Tensor;
  const bIsT = b instanceof Tensor;
  if (!aIsT && !bIsT) {
    if ((typeof a !== 'number' && typeof a !== 'boolean') || (typeof b !== 'number' && typeof b !== 'boolean'))
      fail(op, `expected tensors or numbers, got ${describe(a)} and ${describe(b)}`);
    const ta = filled([], Number(a), operandDType(a as number));
    return binaryOp(code, op, ta, b, forceDType);
  }
  if (aIsT) (a as Tensor)._live(op);
  else if (typeof a !== 'number' && typeof a !== 'boolean') fail(op, `a must be a Tensor or a number, got ${describe(a)}`);
  if (bIsT) (b as Tensor)._live(op);
  else if (typeof b !== 'number' && typeof b !== 'boolean') fail(op, `b must be a Tensor or a number, got ${describe(b)}`);

  let dtype: DType;
  if (aIsT && bIsT) dtype = promoteTypes((a as Tensor).dtype, (b as Tensor).dtype);
  else if (aIsT) dtype = withScalar((a as Tensor).dtype, b as number);
  else dtype = withScalar((b as Tensor).dtype, a as number);
  if (forceDType) dtype = forceDType(dtype);

  // A scalar on the left is uploaded as a 0-d tensor; on the right it rides as a number.
  let ta: Tensor;
  let tmpA: Tensor | null = null;
  if (aIsT) ta = a as Tensor;
  else ta = tmpA = filled([], Number(a), dtype);
  let castA: Tensor | null = null;
  if (ta.dtype !== dtype) ta = castA = ta._copyAs(dtype);
  let tb: Tensor | null = null;
  let castB: Tensor | null = null;
  if (bIsT) {
    tb = b as Tensor;
    if (tb.dtype !== dtype) tb = castB = tb._copyAs(dtype);
  }
  try {
    const outShape = tb ? broadcastShapes(ta.shape, tb.shape, op) : ta.shape.slice();
    const sa = broadcastStrides(ta.shape, ta._strides, outShape);
    const sb = tb ? broadcastStrides(tb.shape, tb._strides, outShape) : outShape.map(() => 0);
    const n = outShape.length;
    meta[0] = n;
    for (let d = 0; d < n; d++) {
      meta[1 + d] = outShape[d];
      meta[1 + n + d] = 0; // out strides: filled natively
      meta[1 + 2 * n + d] = sa[d];
      meta[1 + 3 * n + d] = sb[d];
    }
    const h = tb
      ? native.binary(code, DTYPE_CODE[dtype], ta._h, ta._offset, tb._h, tb._offset)
      : native.binary(code, DTYPE_CODE[dtype], ta._h, ta._offset, Number(b), 0);
    return Tensor._fromHandle(h, outShape, code >= FIRST_BOOL_OP ? 'bool' : dtype);
  } finally {
    tmpA?.dispose();
    castA?.dispose();
    castB?.dispose();
  }
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Add, 'add', a, b);
}
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Sub, 'sub', a, b);
}
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Mul, 'mul', a, b);
}
/** True division: integer inputs give float32, as in PyTorch. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Div, 'div', a, b, (d) => (isFloat(d) ? d : 'float32'));
}

declare module '../tensor' {
  interface Tensor {
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
  }
}
Tensor.prototype.add = function (b) { return add(this, b); };
Tensor.prototype.sub = function (b) { return sub(this, b); };
Tensor.prototype.mul = function (b) { return mul(this, b); };
Tensor.prototype.div = function (b) { return div(this, b); };
