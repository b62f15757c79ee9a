// Comparisons (eq ne lt le gt ge + TF spellings), logical ops and where().
// Comparisons compute in the promoted dtype of their operands (weak scalars as in
// binary.ts) and give bool. Logical ops read any dtype as bool (nonzero = true, NaN = true).
import { native } from '../core/native';
import { SCALAR_A, SCALAR_B } from '../core/addon';
import { writeBroadcast } from '../core/meta';
import { checkTensor } from '../core/validate';
import { DTYPE_CODE } from '../core/dtype';
import { broadcastShapes } from '../core/shape';
import { Tensor } from '../tensor';
import { Binary, Unary } from './opcodes';
import { TensorLike, binaryOp, checkOperand, checkScalarFor, resultDType, unaryOp } from './elementwise';
import { record, needsGrad } from '../autograd/tape';
import { sumTo } from '../autograd/sum-to';

export function eq(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Eq, 'eq', a, b);
}
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Ne, 'ne', a, b);
}
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Lt, 'lt', a, b);
}
export function le(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Le, 'le', a, b);
}
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Gt, 'gt', a, b);
}
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Ge, 'ge', a, b);
}
// TF / torch spellings
export function equal(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Eq, 'equal', a, b);
}
export function notEqual(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Ne, 'notEqual', a, b);
}
export function less(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Lt, 'less', a, b);
}
export function lessEqual(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Le, 'lessEqual', a, b);
}
export function greater(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Gt, 'greater', a, b);
}
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.Ge, 'greaterEqual', a, b);
}

export function logicalAnd(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.LogicalAnd, 'logicalAnd', a, b);
}
export function logicalOr(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.LogicalOr, 'logicalOr', a, b);
}
export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  return binaryOp(Binary.LogicalXor, 'logicalXor', a, b);
}
/** True where x is zero (false for NaN). */
export function logicalNot(x: Tensor): Tensor {
  return unaryOp(Unary.LogicalNot, 'logicalNot', x);
}

/**
 * Picks a where cond is true, else b. cond, a and b broadcast together; a and b may be
 * numbers (weak scalars) and are promoted to a common dtype; cond of any dtype is read as
 * bool (nonzero = true).
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const op = 'where';
  checkTensor(cond, op, 'condition');
  checkOperand(a, op, 'a');
  checkOperand(b, op, 'b');
  const dtype = resultDType([a, b]);
  const ta = a instanceof Tensor ? a : null;
  const tb = b instanceof Tensor ? b : null;
  if (!ta) checkScalarFor(a as number | boolean, dtype, op, 'a');
  if (!tb) checkScalarFor(b as number | boolean, dtype, op, 'b');
  let shape = cond.shape; // shapes first: a mismatch fails before any cast is allocated
  if (ta) shape = broadcastShapes(shape, ta.shape, op);
  if (tb) shape = broadcastShapes(shape, tb.shape, op);
  let c: Tensor = cond;
  let ca: Tensor | null = ta;
  let cb: Tensor | null = tb;
  const temps: Tensor[] = [];
  try {
    if (c.dtype !== 'bool') temps.push((c = c._copyAs('bool')));
    if (ca && ca.dtype !== dtype) temps.push((ca = ca._copyAs(dtype)));
    if (cb && cb.dtype !== dtype) temps.push((cb = cb._copyAs(dtype)));
    writeBroadcast(shape, c, ca, cb);
    const h = native.where(
      DTYPE_CODE[dtype] | (ca ? 0 : SCALAR_A) | (cb ? 0 : SCALAR_B),
      c._h,
      c._offset,
      ca ? ca._h : Number(a),
      ca ? ca._offset : 0,
      cb ? cb._h : Number(b),
      cb ? cb._offset : 0,
    );
    const out = Tensor._fromHandle(h, shape.slice(), dtype);
    // gradient: g where cond picks a (for a), g where it picks b (for b); cond gets none
    if (needsGrad(a, b)) {
      const inputs: Tensor[] = [];
      if (ta) inputs.push(ta);
      if (tb) inputs.push(tb);
      record(out, op, inputs, (g, needs) => {
        const r: (Tensor | null)[] = [];
        let k = 0;
        if (ta) r.push(needs[k++] ? sumTo(where(cond, g, 0), ta) : null);
        if (tb) r.push(needs[k++] ? sumTo(where(cond, 0, g), tb) : null);
        return r;
      });
    }
    return out;
  } finally {
    for (const t of temps) t.dispose();
  }
}

declare module '../tensor' {
  interface Tensor {
    eq(b: TensorLike): Tensor;
    ne(b: TensorLike): Tensor;
    lt(b: TensorLike): Tensor;
    le(b: TensorLike): Tensor;
    gt(b: TensorLike): Tensor;
    ge(b: TensorLike): Tensor;
    equal(b: TensorLike): Tensor;
    notEqual(b: TensorLike): Tensor;
    less(b: TensorLike): Tensor;
    lessEqual(b: TensorLike): Tensor;
    greater(b: TensorLike): Tensor;
    greaterEqual(b: TensorLike): Tensor;
    logicalAnd(b: TensorLike): Tensor;
    logicalOr(b: TensorLike): Tensor;
    logicalXor(b: TensorLike): Tensor;
    logicalNot(): Tensor;
    /** torch's Tensor.where: this where cond is true, else other. */
    where(cond: Tensor, other: TensorLike): Tensor;
  }
}
Tensor.prototype.eq = function (b) { return eq(this, b); };
Tensor.prototype.ne = function (b) { return ne(this, b); };
Tensor.prototype.lt = function (b) { return lt(this, b); };
Tensor.prototype.le = function (b) { return le(this, b); };
Tensor.prototype.gt = function (b) { return gt(this, b); };
Tensor.prototype.ge = function (b) { return ge(this, b); };
Tensor.prototype.equal = function (b) { return equal(this, b); };
Tensor.prototype.notEqual = function (b) { return notEqual(this, b); };
Tensor.prototype.less = function (b) { return less(this, b); };
Tensor.prototype.lessEqual = function (b) { return lessEqual(this, b); };
Tensor.prototype.greater = function (b) { return greater(this, b); };
Tensor.prototype.greaterEqual = function (b) { return greaterEqual(this, b); };
Tensor.prototype.logicalAnd = function (b) { return logicalAnd(this, b); };
Tensor.prototype.logicalOr = function (b) { return logicalOr(this, b); };
Tensor.prototype.logicalXor = function (b) { return logicalXor(this, b); };
Tensor.prototype.logicalNot = function () { return logicalNot(this); };
Tensor.prototype.where = function (cond: Tensor, other: TensorLike) { return where(cond, this, other); };
