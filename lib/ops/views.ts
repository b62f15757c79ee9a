// Shape/view ops: reshape/view, permute, transpose (+ the `T` getter), slice, select,
// squeeze, unsqueeze/expandDims, broadcastTo, expand, flatten, contiguous. stridedSlice is in
// strided-slice.ts and the layout arithmetic (computeStride, shape checks) in layout.ts;
// both are re-exported here.
//
// Every op here returns a view sharing x's storage (x._view(shape, strides, offset)) —
// no data moves — except reshape/view/flatten of a layout whose strides cannot express
// the new shape (PyTorch's computeStride rule), which copies once into a fresh
// contiguous buffer, as torch.reshape does.
// Views may carry stride 0 (broadcast) and negative strides (stridedSlice with a
// negative step); every kernel walks (shape, strides, offset), so later ops handle them.
// Gradients that need pad (join.ts, which is built on this file) call it as a Tensor
// method, so the two files do not import each other.
import { fail, fmtShape, describe } from '../core/errors';
import { MAX_DIMS, normAxis } from '../core/shape';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumToShape } from '../autograd/sum-to';
import { checkTensor } from '../core/validate';
import { _fmtArg, _viewOf, checkDims, inferShape, isInt, reshapeImpl, toIntList } from './layout';

/** @internal */
export { _tensorArg, _fmtArg, _viewOf, computeStride } from './layout';
export { stridedSlice } from './strided-slice';
export type { StridedSliceOptions } from './strided-slice';

/** @internal records a view op whose gradient is fn(g). */
function recView(out: Tensor, name: string, x: Tensor, fn: (g: Tensor) => Tensor): Tensor {
  if (tape.on && tracked(x)) record(out, name, [x], (g) => [fn(g)]);
  return out;
}
/** @internal gradient of a reshaping view: the gradient reshaped back. */
function recReshape(out: Tensor, name: string, x: Tensor): Tensor {
  if (tape.on && tracked(x)) {
    const shape = x.shape;
    record(out, name, [x], (g) => [reshape(g, shape)]);
  }
  return out;
}
function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  for (let i = 0; i < perm.length; i++) inv[perm[i]] = i;
  return inv;
}

/**
 * Gives x a new shape with the same element count; one dim may be -1 (inferred).
 * Returns a view whenever x's strides allow it (PyTorch's rule), otherwise a contiguous copy.
 */
export function reshape(x: Tensor, shape: number[] | number): Tensor {
  const op = 'reshape';
  checkTensor(x, op);
  return recReshape(reshapeImpl(x, inferShape(x, shape, op)), op, x);
}

/**
 * Alias of reshape (same semantics: a view when the strides allow, else a copy). Note that
 * torch's `view` raises instead of copying; here it never raises for a viewable size.
 */
export function view(x: Tensor, shape: number[] | number): Tensor {
  const op = 'view';
  checkTensor(x, op);
  return recReshape(reshapeImpl(x, inferShape(x, shape, op)), op, x);
}

/** Reorders dims: result dim i is x's dim dims[i] (negative dims count from the end). */
export function permute(x: Tensor, dims: number[]): Tensor {
  const op = 'permute';
  checkTensor(x, op);
  const r = x.rank;
  if (!Array.isArray(dims)) fail(op, `dims must be an array of integers, got ${describe(dims)}`, 'ERR_AXIS');
  if (dims.length !== r)
    fail(op, `dims ${_fmtArg(dims)} must list each of the ${r} dims of a tensor of shape ${fmtShape(x.shape)} exactly once`, 'ERR_AXIS');
  const seen = new Array<boolean>(r).fill(false);
  const shape = new Array<number>(r);
  const strides = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const d = normAxis(dims[i], r, op, `dims[${i}]`);
    if (seen[d]) fail(op, `dim ${d} is repeated in dims ${_fmtArg(dims)} (shape ${fmtShape(x.shape)})`, 'ERR_AXIS');
    seen[d] = true;
    shape[i] = x.shape[d];
    strides[i] = x._strides[d];
  }
  const out = _viewOf(x, shape, strides, x._offset);
  if (tape.on && tracked(x)) {
    const inv = inversePerm(dims.map((d) => (d < 0 ? d + r : d)));
    record(out, op, [x], (g) => [permute(g, inv)]);
  }
  return out;
}

/**
 * transpose(x) reverses all dims (tf default); transpose(x, perm) = permute(x, perm) (tf);
 * transpose(x, dim0, dim1) swaps two dims (torch).
 */
export function transpose(x: Tensor, dim0?: number | number[], dim1?: number): Tensor {
  const op = 'transpose';
  checkTensor(x, op);
  const r = x.rank;
  if (dim0 === undefined || dim0 === null) {
    if (dim1 !== undefined) fail(op, `dim1 given without dim0`, 'ERR_AXIS');
    const perm = new Array<number>(r);
    for (let i = 0; i < r; i++) perm[i] = r - 1 - i;
    return permuteFast(x, perm);
  }
  if (Array.isArray(dim0)) {
    if (dim1 !== undefined) fail(op, `pass either a permutation or two dims, not both`, 'ERR_AXIS');
    return permute(x, dim0);
  }
  if (dim1 === undefined) fail(op, `expected a permutation array or two dims, got only dim0 = ${describe(dim0)}`, 'ERR_AXIS');
  const a = normAxis(dim0, r, op, 'dim0');
  const b = normAxis(dim1, r, op, 'dim1');
  if (r === 0) return recReshape(_viewOf(x, [], [], x._offset), op, x);
  const perm = new Array<number>(r);
  for (let i = 0; i < r; i++) perm[i] = i;
  perm[a] = b;
  perm[b] = a;
  return permuteFast(x, perm);
}

/** permute without validation (perm is known to be a permutation). */
function permuteFast(x: Tensor, perm: number[]): Tensor {
  const r = perm.length;
  const shape = new Array<number>(r);
  const strides = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    shape[i] = x.shape[perm[i]];
    strides[i] = x._strides[perm[i]];
  }
  const out = _viewOf(x, shape, strides, x._offset);
  if (tape.on && tracked(x)) {
    const inv = inversePerm(perm);
    record(out, 'transpose', [x], (g) => [permute(g, inv)]);
  }
  return out;
}

/**
 * tf.slice: begin[i] .. begin[i] + size[i] along each dim. size -1 (or omitted) runs to the
 * end of the dim; begin/size shorter than the rank cover the leading dims. A negative begin
 * counts from the end of the dim. Out-of-range begin/size is ERR_OUT_OF_BOUNDS.
 */
export function slice(x: Tensor, begin: number[] | number, size?: number[] | number): Tensor {
  const op = 'slice';
  checkTensor(x, op);
  const r = x.rank;
  const b = toIntList(begin, op, 'begin');
  const s = size === undefined ? [] : toIntList(size, op, 'size');
  if (b.length > r) fail(op, `begin ${_fmtArg(b)} has more entries than the rank ${r} of shape ${fmtShape(x.shape)}`, 'ERR_AXIS');
  if (s.length > r) fail(op, `size ${_fmtArg(s)} has more entries than the rank ${r} of shape ${fmtShape(x.shape)}`, 'ERR_AXIS');
  const shape = x.shape.slice();
  const pads: [number, number][] = new Array(r);
  let offset = x._offset;
  for (let d = 0; d < r; d++) {
    const dim = x.shape[d];
    let bd = d < b.length ? b[d] : 0;
    if (bd < 0) bd += dim;
    if (bd < 0 || bd > dim)
      fail(op, `begin[${d}] = ${b[d]} is out of range for dim ${d} of size ${dim} (shape ${fmtShape(x.shape)})`, 'ERR_OUT_OF_BOUNDS');
    let sd = d < s.length ? s[d] : -1;
    if (sd === -1) sd = dim - bd;
    else if (sd < 0 || bd + sd > dim)
      fail(op, `size[${d}] = ${s[d]} with begin ${bd} runs past dim ${d} of size ${dim} (shape ${fmtShape(x.shape)})`, 'ERR_OUT_OF_BOUNDS');
    shape[d] = sd;
    offset += bd * x._strides[d];
    pads[d] = [bd, dim - bd - sd];
  }
  // gradient: g padded with zeros back to x's shape
  return recView(_viewOf(x, shape, x._strides.slice(), offset), op, x, (g) => g.pad(pads));
}

/** torch.select: the slice at `index` along `axis`, with that dim removed (negative index counts from the end). */
export function select(x: Tensor, axis: number, index: number): Tensor {
  const op = 'select';
  checkTensor(x, op);
  if (x.rank === 0) fail(op, 'cannot select from a 0-d tensor', 'ERR_AXIS');
  const a = normAxis(axis, x.rank, op);
  if (!isInt(index)) fail(op, `index must be an integer, got ${describe(index)}`);
  const dim = x.shape[a];
  const i = index < 0 ? index + dim : index;
  if (i < 0 || i >= dim)
    fail(op, `index ${index} is out of range for axis ${a} of size ${dim} (valid range [${-dim}, ${dim - 1}]; shape ${fmtShape(x.shape)})`, 'ERR_OUT_OF_BOUNDS');
  const shape = x.shape.slice();
  const strides = x._strides.slice();
  const offset = x._offset + i * strides[a];
  shape.splice(a, 1);
  strides.splice(a, 1);
  return recView(_viewOf(x, shape, strides, offset), op, x, (g) => {
    const pads: [number, number][] = x.shape.map(() => [0, 0] as [number, number]);
    pads[a] = [i, dim - i - 1];
    return unsqueeze(g, a).pad(pads);
  });
}

/**
 * Removes size-1 dims: all of them, or only the given axis/axes — each of which must
 * have size 1 (ERR_SHAPE otherwise, as tf).
 */
export function squeeze(x: Tensor, axis?: number | number[]): Tensor {
  const op = 'squeeze';
  checkTensor(x, op);
  const r = x.rank;
  const drop = new Array<boolean>(r).fill(false);
  if (axis === undefined || axis === null) {
    for (let d = 0; d < r; d++) drop[d] = x.shape[d] === 1;
  } else {
    const list = Array.isArray(axis) ? axis : [axis];
    for (const ax of list) {
      const a = normAxis(ax, r, op);
      if (r === 0) continue; // squeezing a 0-d tensor over axis 0/-1 is the identity, as in torch
      if (drop[a]) fail(op, `axis ${a} is repeated in ${_fmtArg(axis)}`, 'ERR_AXIS');
      if (x.shape[a] !== 1)
        fail(op, `cannot squeeze axis ${a} of size ${x.shape[a]}: only size-1 dims can be squeezed (shape ${fmtShape(x.shape)})`, 'ERR_SHAPE');
      drop[a] = true;
    }
  }
  const shape: number[] = [];
  const strides: number[] = [];
  for (let d = 0; d < r; d++) {
    if (drop[d]) continue;
    shape.push(x.shape[d]);
    strides.push(x._strides[d]);
  }
  return recReshape(_viewOf(x, shape, strides, x._offset), op, x);
}

/** Inserts a size-1 dim at `axis` (in [-(rank+1), rank]). */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  return unsqueezeImpl(x, axis, 'unsqueeze');
}

/** Alias of unsqueeze (tf.expandDims); axis defaults to 0. */
export function expandDims(x: Tensor, axis = 0): Tensor {
  return unsqueezeImpl(x, axis, 'expandDims');
}

function unsqueezeImpl(x: Tensor, axis: number, op: string): Tensor {
  checkTensor(x, op);
  const r = x.rank;
  if (r + 1 > MAX_DIMS) fail(op, `result would have ${r + 1} dims; at most ${MAX_DIMS} are supported`, 'ERR_SHAPE');
  const a = normAxis(axis, r + 1, op);
  const shape = x.shape.slice();
  const strides = x._strides.slice();
  shape.splice(a, 0, 1);
  strides.splice(a, 0, a >= r ? 1 : x.shape[a] * x._strides[a]);
  return recReshape(_viewOf(x, shape, strides, x._offset), op, x);
}

function broadcastImpl(x: Tensor, target: number[], op: string, requested: unknown): Tensor {
  const n = target.length;
  const r = x.rank;
  if (n < r)
    fail(op, `cannot broadcast shape ${fmtShape(x.shape)} to ${_fmtArg(requested)}: the target has fewer dims`, 'ERR_SHAPE');
  const strides = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i - (n - r);
    if (j < 0) {
      strides[i] = 0;
      continue;
    }
    const d = x.shape[j];
    if (d === target[i]) strides[i] = x._strides[j];
    else if (d === 1) strides[i] = 0;
    else fail(op, `cannot broadcast shape ${fmtShape(x.shape)} to ${_fmtArg(requested)} (dim ${i}: ${d} vs ${target[i]})`, 'ERR_SHAPE');
  }
  return recView(_viewOf(x, target, strides, x._offset), op, x, (g) => sumToShape(g, x.shape, x.dtype));
}

/** A stride-0 view of x with numpy broadcasting to `shape` (no copy). */
export function broadcastTo(x: Tensor, shape: number[]): Tensor {
  const op = 'broadcastTo';
  checkTensor(x, op);
  const target = checkDims(shape, op, false);
  return broadcastImpl(x, target, op, target);
}

/** torch.expand: broadcastTo where -1 keeps x's size for that (trailing-aligned) dim. */
export function expand(x: Tensor, shape: number[]): Tensor {
  const op = 'expand';
  checkTensor(x, op);
  const target = checkDims(shape, op, true);
  const off = target.length - x.rank;
  for (let i = 0; i < target.length; i++) {
    if (target[i] !== -1) continue;
    if (i < off) fail(op, `-1 is not allowed for the new leading dim ${i} in ${_fmtArg(shape)}`, 'ERR_SHAPE');
    target[i] = x.shape[i - off];
  }
  return broadcastImpl(x, target, op, shape);
}

/** Merges dims startDim..endDim (inclusive) into one; a 0-d tensor becomes shape [1] (torch). */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const op = 'flatten';
  checkTensor(x, op);
  const r = x.rank;
  if (r === 0) {
    normAxis(startDim, 0, op, 'startDim');
    normAxis(endDim, 0, op, 'endDim');
    return recReshape(reshapeImpl(x, [1]), op, x);
  }
  const s = normAxis(startDim, r, op, 'startDim');
  const e = normAxis(endDim, r, op, 'endDim');
  if (s > e) fail(op, `startDim ${startDim} comes after endDim ${endDim} for a tensor of rank ${r}`, 'ERR_AXIS');
  let m = 1;
  for (let d = s; d <= e; d++) m *= x.shape[d];
  const shape = [...x.shape.slice(0, s), m, ...x.shape.slice(e + 1)];
  return recReshape(reshapeImpl(x, shape), op, x);
}

/**
 * tp.contiguous(x): x itself when its layout is already row-major contiguous (as
 * torch.Tensor.contiguous), else a contiguous copy. Same as the method x.contiguous().
 */
export function contiguous(x: Tensor): Tensor {
  return checkTensor(x, 'contiguous').contiguous();
}

// x.contiguous() copies a strided tensor: on the tape the gradient passes through unchanged.
const contiguousMethod = Tensor.prototype.contiguous;
Tensor.prototype.contiguous = function (this: Tensor): Tensor {
  const out = contiguousMethod.call(this);
  if (out !== this) recView(out, 'contiguous', this, (g) => g);
  return out;
};

declare module '../tensor' {
  interface Tensor {
    /** All dims reversed (a view), as transpose(x). */
    readonly T: Tensor;
    reshape(shape: number[] | number): Tensor;
    view(shape: number[] | number): Tensor;
    permute(dims: number[]): Tensor;
    transpose(dim0?: number | number[], dim1?: number): Tensor;
    slice(begin: number[] | number, size?: number[] | number): Tensor;
    select(axis: number, index: number): Tensor;
    squeeze(axis?: number | number[]): Tensor;
    unsqueeze(axis: number): Tensor;
    expandDims(axis?: number): Tensor;
    broadcastTo(shape: number[]): Tensor;
    expand(shape: number[]): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
  }
}
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    return transpose(this);
  },
  configurable: true,
  enumerable: false,
});
Tensor.prototype.reshape = function (shape) { return reshape(this, shape); };
Tensor.prototype.view = function (shape) { return view(this, shape); };
Tensor.prototype.permute = function (dims) { return permute(this, dims); };
Tensor.prototype.transpose = function (dim0, dim1) { return transpose(this, dim0, dim1); };
Tensor.prototype.slice = function (begin, size) { return slice(this, begin, size); };
Tensor.prototype.select = function (axis, index) { return select(this, axis, index); };
Tensor.prototype.squeeze = function (axis) { return squeeze(this, axis); };
Tensor.prototype.unsqueeze = function (axis) { return unsqueeze(this, axis); };
Tensor.prototype.expandDims = function (axis) { return expandDims(this, axis); };
Tensor.prototype.broadcastTo = function (shape) { return broadcastTo(this, shape); };
Tensor.prototype.expand = function (shape) { return expand(this, shape); };
Tensor.prototype.flatten = function (startDim, endDim) { return flatten(this, startDim, endDim); };

