// Selection by a mask: nonzero (torch.nonzero), booleanMask (tf.boolean_mask) and
// maskedSelect (torch.masked_select). The native kernels (native/cpu/mask.cc) count the
// hits first and then fill exactly the result, both passes in parallel, in row-major order.
//
// Masks are bool tensors (or nested arrays of booleans); any dtype of x works. The result's
// length depends on the data, so these ops read the mask at once (there is no lazy form).
// Gradients go back to x's shape with zeros where the mask is false, through public ops
// (gather / scatterAdd), so gradients of gradients work; nonzero is not differentiable.
import { native, writeLayout } from '../core/native';
import { fail, describe, fmtShape } from '../core/errors';
import { broadcastShapes, broadcastStrides, normAxis, numel, sameShape } from '../core/shape';
import { Tensor } from '../tensor';
import { tensor, zeros } from './creation';
import { _tensorArg, reshape } from './views';
import { gather, scatterAdd } from './indexing';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumToShape } from '../autograd/grad';

export type MaskLike = Tensor | boolean[] | boolean[][] | boolean[][][] | unknown[];

interface Mask {
  t: Tensor;
  owned: boolean;
}

function toMask(v: unknown, op: string, x: Tensor): Mask {
  if (v instanceof Tensor) {
    v._live(op);
    if (v.dtype !== 'bool')
      fail(op, `mask must be a bool tensor, got ${v.dtype} (mask shape ${fmtShape(v.shape)}, x shape ${fmtShape(x.shape)}); compare or cast it first`, 'ERR_DTYPE');
    return { t: v, owned: false };
  }
  if (typeof v === 'boolean' || Array.isArray(v)) {
    const t = tensor(v);
    if (t.dtype === 'bool' || t.size === 0) {
      if (t.dtype === 'bool') return { t, owned: true };
      const shape = t.shape;
      t.dispose();
      return { t: zeros(shape, { dtype: 'bool' }), owned: true }; // [] infers float32
    }
    t.dispose();
    return fail(op, `mask must hold booleans, got an array of numbers (x shape ${fmtShape(x.shape)})`, 'ERR_DTYPE');
  }
  return fail(op, `mask must be a bool Tensor or an array of booleans, got ${describe(v)}`, 'ERR_ARGUMENT');
}

/** Row-major positions (int32 [n]) of the true elements of t read with (shape, strides). */
function flatPositions(t: Tensor, shape: readonly number[], strides: readonly number[], op: string): Tensor {
  if (numel(shape) > 2147483647) fail(op, `mask shape ${fmtShape(shape)} has more than 2^31-1 elements; int32 positions cannot address it`, 'ERR_SHAPE');
  writeLayout(0, shape, strides);
  const r = native.nonzero(t._h, t._offset, 1) as [number, number];
  return Tensor._fromHandle(r[0], [r[1]], 'int32');
}

/**
 * torch.nonzero: the coordinates of x's nonzero elements (NaN counts, -0 does not) as an
 * int32 tensor [n, x.rank], in row-major order. Any dtype. Not differentiable.
 */
export function nonzero(x: Tensor): Tensor {
  const op = 'nonzero';
  _tensorArg(x, op);
  writeLayout(0, x.shape, x._strides);
  const r = native.nonzero(x._h, x._offset, 0) as [number, number];
  return Tensor._fromHandle(r[0], [r[1], x.rank], 'int32');
}

export interface BooleanMaskOptions {
  /** the first axis of x that the mask covers (default 0) */
  axis?: number;
}

/**
 * tf.boolean_mask: the slices of x where mask is true. mask (bool, k >= 1 dims) has the
 * shape of x.shape[axis : axis + k]; the result has shape
 * x.shape[:axis] + [n] + x.shape[axis + k:], n the number of true elements, in row-major
 * order. Differentiable in x (zeros where the mask is false).
 */
export function booleanMask(x: Tensor, mask: MaskLike, options?: BooleanMaskOptions | number): Tensor {
  const op = 'booleanMask';
  _tensorArg(x, op);
  let axis: unknown = 0;
  if (typeof options === 'number') axis = options;
  else if (options !== undefined && options !== null) {
    if (typeof options !== 'object' || Array.isArray(options)) fail(op, `options must be an object such as { axis }, got ${describe(options)}`);
    for (const key of Object.keys(options)) if (key !== 'axis') fail(op, `unknown option '${key}'; expected axis`);
    if (options.axis !== undefined) axis = options.axis;
  }
  const m = toMask(mask, op, x);
  try {
    const mt = m.t;
    const k = mt.rank;
    if (k === 0) fail(op, `mask must have at least one dim (as tf.boolean_mask); got a 0-d mask for x shape ${fmtShape(x.shape)}`, 'ERR_SHAPE');
    if (x.rank === 0) fail(op, `x must have at least one dim; got a 0-d x with mask shape ${fmtShape(mt.shape)}`, 'ERR_SHAPE');
    const a = normAxis(axis, x.rank, op);
    const covered = x.shape.slice(a, a + k);
    if (a + k > x.rank || !sameShape(covered, mt.shape))
      fail(op, `mask shape ${fmtShape(mt.shape)} must equal x.shape[${a}:${a + k}] = ${fmtShape(covered)} (x shape ${fmtShape(x.shape)}, axis ${a})`, 'ERR_SHAPE');
    const idx = flatPositions(mt, mt.shape, mt._strides, op);
    const xr = k === 1 ? x : reshape(x, [...x.shape.slice(0, a), numel(covered), ...x.shape.slice(a + k)]);
    const out = gather(xr, idx, a);
    // gather's gradient (a scatterAdd over idx) and reshape's node keep idx and xr alive
    if (!(tape.on && tracked(xr))) {
      idx.dispose();
      if (xr !== x) xr.dispose();
    }
    return out;
  } finally {
    if (m.owned) m.t.dispose();
  }
}

/**
 * torch.masked_select: the elements of x where mask is true, mask and x broadcast together,
 * as a 1-D tensor in row-major order of the broadcast shape. Differentiable in x (summed
 * over the dims x was broadcast along; zeros where the mask is false).
 */
export function maskedSelect(x: Tensor, mask: MaskLike): Tensor {
  const op = 'maskedSelect';
  _tensorArg(x, op);
  const m = toMask(mask, op, x);
  try {
    const mt = m.t;
    const shape = broadcastShapes(x.shape, mt.shape, op);
    const xs = broadcastStrides(x.shape, x._strides, shape);
    const ms = broadcastStrides(mt.shape, mt._strides, shape);
    writeLayout(0, shape, xs, ms);
    const r = native.maskedSelect(x._h, x._offset, mt._h, mt._offset) as [number, number];
    const out = Tensor._fromHandle(r[0], [r[1]], x.dtype);
    if (tape.on && tracked(x)) {
      // gradient: g placed at the selected positions of the broadcast shape, zeros elsewhere,
      // then summed back to x's shape; the positions are taken now (the mask may change later)
      const idx = flatPositions(mt, shape, ms, op);
      const n = numel(shape);
      record(out, op, [x], (g) => {
        const full = reshape(scatterAdd(zeros([n], { dtype: x.dtype }), 0, idx, g), shape);
        return [sumToShape(full, x.shape, x.dtype)];
      });
    }
    return out;
  } finally {
    if (m.owned) m.t.dispose();
  }
}

declare module '../tensor' {
  interface Tensor {
    nonzero(): Tensor;
    maskedSelect(mask: MaskLike): Tensor;
    booleanMask(mask: MaskLike, options?: BooleanMaskOptions | number): Tensor;
  }
}
Tensor.prototype.nonzero = function () { return nonzero(this); };
Tensor.prototype.maskedSelect = function (mask) { return maskedSelect(this, mask); };
Tensor.prototype.booleanMask = function (mask, options) { return booleanMask(this, mask, options); };
