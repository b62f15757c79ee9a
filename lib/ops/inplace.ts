// In-place updates: assign/assignAdd/assignSub (tf.Variable) and add_/sub_/mul_/div_/zero_/fill_
// (torch). They write through the tensor's strides and offset into its existing storage,
// are not recorded on the tape (refused on a leaf that requires grad, and on views of one,
// while recording), and bump the storage's version counter (shared by views)
// so backward() can refuse a gradient that needs a value since overwritten.
import { native, writeLayout } from '../core/native';
import { fail, describe, fmtShape } from '../core/errors';
import { broadcastShapes, broadcastStrides, sameShape } from '../core/shape';
import { Tensor } from '../tensor';
import { tape } from '../autograd/state';
import { setGradEnabled } from '../autograd/tape';
import { add, sub, mul, div, TensorLike } from './binary';

/** @internal throws unless t may be written in place now. */
function checkWritable(t: unknown, op: string): Tensor {
  if (!(t instanceof Tensor)) fail(op, `expected a Tensor, got ${describe(t)}`);
  t._live(op);
  if (!tape.enabled) return t;
  if (t._rg && t._node === null)
    fail(
      op,
      'a leaf Variable that requires grad is being used in an in-place operation; wrap the update in tp.noGrad(() => ...)',
      'ERR_INPLACE',
    );
  // torch's rule too: the write would change the leaf behind the tape's back
  const base = t._base;
  if (base !== null && base._rg && base._node === null)
    fail(
      op,
      `a view of a leaf Variable that requires grad is being used in an in-place operation (view of shape ${fmtShape(t.shape)}, leaf of shape ${fmtShape(base.shape)}); wrap the update in tp.noGrad(() => ...)`,
      'ERR_INPLACE',
    );
  return t;
}

/** @internal copies src (broadcastable to t's shape) into t's storage, casting to t's dtype. */
function writeFrom(t: Tensor, src: Tensor, op: string): void {
  src._live(op);
  const shape = broadcastShapes(t.shape, src.shape, op);
  if (!sameShape(shape, t.shape))
    fail(op, `a value of shape ${fmtShape(src.shape)} does not broadcast to the tensor's shape ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  if (t.size === 0) return;
  if (src._st === t._st && src !== t) {
    // overlapping storage (e.g. t.assign(t.transpose())): copy the source out first
    const c = src._copyAs(src.dtype);
    try {
      writeFrom(t, c, op);
    } finally {
      c.dispose();
    }
    return;
  }
  if (t.shape.length === 0) writeLayout(0, [1], [1], [1]);
  else writeLayout(0, t.shape, t._strides, broadcastStrides(src.shape, src._strides, t.shape));
  native.copy(t._h, t._offset, src._h, src._offset);
}

function fillWith(t: Tensor, value: number | boolean, op: string): void {
  if (typeof value !== 'number' && typeof value !== 'boolean') fail(op, `expected a number or a Tensor, got ${describe(value)}`);
  if (t.size === 0) return;
  if (t.shape.length === 0) writeLayout(0, [1], [1]);
  else writeLayout(0, t.shape, t._strides);
  native.fill(t._h, t._offset, +value);
}

/** Writes value (a tensor broadcastable to t's shape, or a number) into t in place; returns t. */
export function assignInPlace(t: Tensor, value: TensorLike, op = 'assign'): Tensor {
  checkWritable(t, op);
  if (value instanceof Tensor) writeFrom(t, value, op);
  else fillWith(t, value, op);
  t._st.version++;
  return t;
}

function updateInPlace(t: Tensor, v: TensorLike, op: string, f: (a: Tensor, b: TensorLike) => Tensor): Tensor {
  checkWritable(t, op);
  const prev = setGradEnabled(false);
  let tmp: Tensor;
  try {
    tmp = f(t, v);
  } finally {
    setGradEnabled(prev);
  }
  try {
    writeFrom(t, tmp, op);
  } finally {
    tmp.dispose();
  }
  t._st.version++;
  return t;
}

declare module '../tensor' {
  interface Tensor {
    /** Writes value (broadcast to this shape, cast to this dtype) into this tensor in place; returns this. Not recorded. */
    assign(value: TensorLike): Tensor;
    /** this += v in place; returns this. Not recorded. */
    assignAdd(v: TensorLike): Tensor;
    /** this -= v in place; returns this. Not recorded. */
    assignSub(v: TensorLike): Tensor;
    /** this += v in place; returns this. */
    add_(v: TensorLike): Tensor;
    /** this -= v in place; returns this. */
    sub_(v: TensorLike): Tensor;
    /** this *= v in place; returns this. */
    mul_(v: TensorLike): Tensor;
    /** this /= v in place (cast back to this dtype); returns this. */
    div_(v: TensorLike): Tensor;
    /** Sets every element to 0 in place; returns this. */
    zero_(): Tensor;
    /** Sets every element to v in place; returns this. */
    fill_(v: TensorLike): Tensor;
  }
}
Tensor.prototype.assign = function (v) { return assignInPlace(this, v, 'assign'); };
Tensor.prototype.assignAdd = function (v) { return updateInPlace(this, v, 'assignAdd', add); };
Tensor.prototype.assignSub = function (v) { return updateInPlace(this, v, 'assignSub', sub); };
Tensor.prototype.add_ = function (v) { return updateInPlace(this, v, 'add_', add); };
Tensor.prototype.sub_ = function (v) { return updateInPlace(this, v, 'sub_', sub); };
Tensor.prototype.mul_ = function (v) { return updateInPlace(this, v, 'mul_', mul); };
Tensor.prototype.div_ = function (v) { return updateInPlace(this, v, 'div_', div); };
Tensor.prototype.zero_ = function () { return assignInPlace(this, 0, 'zero_'); };
Tensor.prototype.fill_ = function (v) { return assignInPlace(this, v, 'fill_'); };
