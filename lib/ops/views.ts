// Shape/view ops: reshape/view, permute, transpose (+ the `T` getter), slice, stridedSlice,
// select, squeeze, unsqueeze/expandDims, broadcastTo, expand, flatten.
//
// Every op here returns a view sharing x's storage (x._view(shape, strides, offset)) —
// no data moves — except reshape/view/flatten of a layout whose strides cannot express
// the new shape (PyTorch's computeStride rule), which copies once into a fresh
// contiguous buffer, as torch.reshape does.
// Views may carry stride 0 (broadcast) and negative strides (stridedSlice with a
// negative step); every kernel walks (shape, strides, offset), so later ops handle them.
// Gradients that need pad (join.ts, which is built on this file) call it as a Tensor
// method, so the two files do not import each other.
import { native, writeLayout } from '../core/native';
import { DTYPE_CODE } from '../core/dtype';
import { fail, fmtShape, describe } from '../core/errors';
import { MAX_DIMS, MAX_NUMEL, contiguousStrides, normAxis, numel } from '../core/shape';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumToShape } from '../autograd/sum-to';
import { zeros } from './creation';

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

/** @internal checks that x is a live Tensor. */
export function _tensorArg(x: unknown, op: string, arg = 'x'): Tensor {
  if (!(x instanceof Tensor)) fail(op, `${arg} must be a Tensor, got ${describe(x)}`);
  return (x as Tensor)._live(op);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** @internal formats a user-supplied (possibly nested) list for an error message; never throws. */
export function _fmtArg(v: unknown, depth = 0): string {
  if (Array.isArray(v) && depth < 4) {
    const items = v.slice(0, 20).map((e) => (typeof e === 'number' ? String(e) : _fmtArg(e, depth + 1)));
    return `[${items.join(',')}${v.length > 20 ? ',…' : ''}]`;
  }
  return describe(v);
}

/**
 * @internal validates a requested shape: integers in [0, MAX_NUMEL] (or -1 where allowed),
 * at most MAX_DIMS of them, with at most MAX_NUMEL elements in all.
 */
function checkDims(shape: unknown, op: string, allowMinus1: boolean): number[] {
  let s = shape;
  if (isInt(s)) s = [s];
  if (!Array.isArray(s)) return fail(op, `shape must be an array of integers, got ${describe(shape)}`, 'ERR_SHAPE');
  if (s.length > MAX_DIMS) fail(op, `shape has ${s.length} dims; at most ${MAX_DIMS} are supported`, 'ERR_SHAPE');
  let n = 1;
  for (let i = 0; i < s.length; i++) {
    const d = s[i];
    if (!isInt(d) || d < (allowMinus1 ? -1 : 0) || d > MAX_NUMEL)
      fail(op, `shape[${i}] must be a non-negative integer${allowMinus1 ? ' or -1' : ''} of at most ${MAX_NUMEL}, got ${describe(d)} in ${_fmtArg(s)}`, 'ERR_SHAPE');
    if (d !== -1) n *= d as number;
  }
  if (n > MAX_NUMEL) fail(op, `shape ${_fmtArg(s)} has ${n} elements, more than the ${MAX_NUMEL} supported`, 'ERR_SHAPE');
  return (s as number[]).slice();
}

/**
 * @internal a view of x; an empty result keeps x's own offset (nothing is read through it,
 * and a computed offset could point one step past either end of the storage).
 */
export function _viewOf(x: Tensor, shape: number[], strides: number[], offset: number): Tensor {
  const v = x._view(shape, strides, numel(shape) === 0 ? x._offset : offset);
  // remember the root only when it is a leaf (no node): in-place ops refuse views of a leaf
  // that requires grad; views of computed tensors stay writable, as in torch
  const root = x._base ?? x;
  if (root._node === null) v._base = root;
  return v;
}

/** @internal a contiguous copy of x's elements laid out as `shape` (same element count). */
function copyReshaped(x: Tensor, shape: number[]): Tensor {
  const h = native.empty(x.size, DTYPE_CODE[x.dtype]);
  const out = Tensor._fromHandle(h, shape, x.dtype);
  if (x.size > 0) {
    writeLayout(0, x.shape, contiguousStrides(x.shape), x._strides);
    native.copy(h, 0, x._h, x._offset);
  }
  return out;
}

/**
 * PyTorch's computeStride (aten/src/ATen/TensorUtils.cpp): the strides that let a tensor
 * of (oldShape, oldStrides) be viewed as newShape, or null when no such strides exist.
 * Dims are grouped into chunks that are contiguous among themselves; each chunk of the
 * old shape must map onto whole dims of the new shape.
 */
export function computeStride(oldShape: readonly number[], oldStrides: readonly number[], newShape: readonly number[]): number[] | null {
  if (oldShape.length === 0) return newShape.map(() => 1);
  const n = numel(oldShape);
  if (n === 0 && oldShape.length === newShape.length && oldShape.every((d, i) => d === newShape[i])) return oldStrides.slice();
  const newStrides = new Array<number>(newShape.length);
  if (n === 0) {
    for (let d = newShape.length - 1; d >= 0; d--) {
      newStrides[d] = d === newShape.length - 1 ? 1 : Math.max(newShape[d + 1], 1) * newStrides[d + 1];
    }
    return newStrides;
  }
  let viewD = newShape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let td = oldShape.length - 1; td >= 0; td--) {
    tensorNumel *= oldShape[td];
    if (td === 0 || (oldShape[td - 1] !== 1 && oldStrides[td - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (td > 0) {
        chunkBase = oldStrides[td - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

/** Resolves a requested shape with at most one -1 against x's element count. */
function inferShape(x: Tensor, shape: unknown, op: string): number[] {
  const arr = checkDims(shape, op, true);
  let infer = -1;
  let known = 1;
  for (let i = 0; i < arr.length; i++) {
    const d = arr[i];
    if (d === -1) {
      if (infer >= 0) fail(op, `only one dimension can be -1, got shape ${_fmtArg(arr)}`, 'ERR_SHAPE');
      infer = i;
    } else known *= d;
  }
  const out = arr.slice();
  const n = x.size;
  if (infer >= 0) {
    if (known === 0)
      fail(op, `cannot reshape a tensor of shape ${fmtShape(x.shape)} (${n} elements) into shape ${_fmtArg(arr)}: the -1 dimension could be any size`, 'ERR_SHAPE');
    if (n % known !== 0)
      fail(op, `cannot reshape a tensor of shape ${fmtShape(x.shape)} (${n} elements) into shape ${_fmtArg(arr)}`, 'ERR_SHAPE');
    out[infer] = n / known;
  } else if (known !== n || known > MAX_NUMEL) {
    fail(op, `cannot reshape a tensor of shape ${fmtShape(x.shape)} (${n} elements) into shape ${fmtShape(out)} (${known} elements)`, 'ERR_SHAPE');
  }
  return out;
}

function reshapeImpl(x: Tensor, shape: number[]): Tensor {
  const st = computeStride(x.shape, x._strides, shape);
  if (st !== null) return _viewOf(x, shape, st, x._offset);
  return copyReshaped(x, shape);
}

/**
 * Gives x a new shape with the same element count; one dim may be -1 (inferred).
 * Returns a view whenever x's strides allow it (PyTorch's rule), otherwise a contiguous copy.
 */
export function reshape(x: Tensor, shape: number[] | number): Tensor {
  const op = 'reshape';
  _tensorArg(x, op);
  return recReshape(reshapeImpl(x, inferShape(x, shape, op)), op, x);
}

/**
 * Alias of reshape (same semantics: a view when the strides allow, else a copy). Note that
 * torch's `view` raises instead of copying; here it never raises for a viewable size.
 */
export function view(x: Tensor, shape: number[] | number): Tensor {
  const op = 'view';
  _tensorArg(x, op);
  return recReshape(reshapeImpl(x, inferShape(x, shape, op)), op, x);
}

/** Reorders dims: result dim i is x's dim dims[i] (negative dims count from the end). */
export function permute(x: Tensor, dims: number[]): Tensor {
  const op = 'permute';
  _tensorArg(x, op);
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
  _tensorArg(x, op);
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

function toIntList(v: unknown, op: string, arg: string): number[] {
  if (isInt(v)) return [v];
  if (!Array.isArray(v)) return fail(op, `${arg} must be an array of integers, got ${describe(v)}`);
  for (let i = 0; i < v.length; i++)
    if (!isInt(v[i])) fail(op, `${arg}[${i}] must be an integer, got ${describe(v[i])} in ${_fmtArg(v)}`);
  return v as number[];
}

/**
 * tf.slice: begin[i] .. begin[i] + size[i] along each dim. size -1 (or omitted) runs to the
 * end of the dim; begin/size shorter than the rank cover the leading dims. A negative begin
 * counts from the end of the dim. Out-of-range begin/size is ERR_OUT_OF_BOUNDS.
 */
export function slice(x: Tensor, begin: number[] | number, size?: number[] | number): Tensor {
  const op = 'slice';
  _tensorArg(x, op);
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

export interface StridedSliceOptions {
  beginMask?: number;
  endMask?: number;
  shrinkAxisMask?: number;
  newAxisMask?: number;
  ellipsisMask?: number;
}

function checkMask(v: unknown, op: string, name: string): number {
  if (v === undefined) return 0;
  if (!isInt(v) || v < 0) fail(op, `${name} must be a non-negative integer bit mask, got ${describe(v)}`);
  return v as number;
}

/**
 * tf.strided_slice. Bit i of beginMask/endMask ignores begin[i]/end[i] (full range in the
 * step's direction); shrinkAxisMask takes the single index begin[i] and drops the dim;
 * newAxisMask inserts a size-1 dim; ellipsisMask (at most one bit) stands for as many
 * full dims as needed. Without an ellipsis the unspecified trailing dims are kept whole.
 * Bounds are clamped like python slicing; negative steps give negative-stride views.
 */
export function stridedSlice(
  x: Tensor,
  begin: number[],
  end: number[],
  strides?: number[],
  options?: StridedSliceOptions,
): Tensor {
  const op = 'stridedSlice';
  _tensorArg(x, op);
  return stridedSliceWith(x, parseStridedSpec(op, begin, end, strides, options));
}

/** A validated stridedSlice spec (everything but the shape it applies to). */
interface StridedSpec {
  b: number[];
  e: number[];
  st: number[];
  beginMask: number;
  endMask: number;
  shrinkMask: number;
  newAxisMask: number;
  ellipsisMask: number;
  /** entries that index a dim of x (neither new axis nor ellipsis) */
  nReal: number;
}

function parseStridedSpec(op: string, begin: unknown, end: unknown, strides: unknown, options: unknown): StridedSpec {
  const b = toIntList(begin, op, 'begin');
  const e = toIntList(end, op, 'end');
  const st = strides === undefined || strides === null ? b.map(() => 1) : toIntList(strides, op, 'strides');
  if (e.length !== b.length || st.length !== b.length)
    fail(op, `begin, end and strides must have the same length, got ${b.length}, ${e.length} and ${st.length}`);
  const o = (options ?? {}) as StridedSliceOptions;
  if (typeof o !== 'object') fail(op, `options must be an object, got ${describe(o)}`);
  const spec: StridedSpec = {
    // copies: the gradient reads the spec later, after the caller may have reused its arrays
    b: b.slice(),
    e: e.slice(),
    st: st.slice(),
    beginMask: checkMask(o.beginMask, op, 'beginMask'),
    endMask: checkMask(o.endMask, op, 'endMask'),
    shrinkMask: checkMask(o.shrinkAxisMask, op, 'shrinkAxisMask'),
    newAxisMask: checkMask(o.newAxisMask, op, 'newAxisMask'),
    ellipsisMask: checkMask(o.ellipsisMask, op, 'ellipsisMask'),
    nReal: 0,
  };
  let nEllipsis = 0;
  for (let i = 0; i < b.length; i++) {
    if (bit(spec.ellipsisMask, i)) nEllipsis++;
    else if (!bit(spec.newAxisMask, i)) spec.nReal++;
  }
  if (nEllipsis > 1) fail(op, `at most one ellipsis is allowed, ellipsisMask = ${spec.ellipsisMask}`);
  return spec;
}

function bit(m: number, i: number): boolean {
  return i < 31 && ((m >>> i) & 1) === 1;
}

/**
 * The view that spec selects from a tensor laid out as (xShape, xStrides, xOffset). Also
 * used by the gradient to select the same elements of a contiguous tensor of x's shape.
 */
function stridedLayout(op: string, spec: StridedSpec, xShape: readonly number[], xStrides: readonly number[], xOffset: number): { shape: number[]; strides: number[]; offset: number } {
  const { b, e, st, beginMask, endMask, shrinkMask, newAxisMask, ellipsisMask, nReal } = spec;
  const r = xShape.length;
  if (nReal > r) fail(op, `the slice spec indexes ${nReal} dims but x has shape ${fmtShape(xShape)}`, 'ERR_AXIS');
  const shape: number[] = [];
  const outStrides: number[] = [];
  let offset = xOffset;
  let xd = 0;
  for (let i = 0; i < b.length; i++) {
    if (bit(ellipsisMask, i)) {
      for (let k = r - nReal; k > 0; k--, xd++) {
        shape.push(xShape[xd]);
        outStrides.push(xStrides[xd]);
      }
    } else if (bit(newAxisMask, i)) {
      shape.push(1);
      outStrides.push(0);
    } else {
      const dim = xShape[xd];
      const xs = xStrides[xd];
      if (bit(shrinkMask, i)) {
        let k = b[i];
        if (k < 0) k += dim;
        if (k < 0 || k >= dim)
          fail(op, `index ${b[i]} (shrinkAxisMask bit ${i}) is out of range for dim ${xd} of size ${dim} (shape ${fmtShape(xShape)})`, 'ERR_OUT_OF_BOUNDS');
        offset += k * xs;
      } else {
        const step = st[i];
        if (step === 0) fail(op, `strides[${i}] must be nonzero`);
        const lo = step > 0 ? 0 : -1;
        const hi = step > 0 ? dim : dim - 1;
        const clamp = (v: number): number => {
          if (v < 0) v += dim;
          return v < lo ? lo : v > hi ? hi : v;
        };
        const s0 = bit(beginMask, i) ? (step > 0 ? 0 : dim - 1) : clamp(b[i]);
        const e0 = bit(endMask, i) ? (step > 0 ? dim : -1) : clamp(e[i]);
        const len = step > 0 ? Math.max(0, Math.ceil((e0 - s0) / step)) : Math.max(0, Math.ceil((s0 - e0) / -step));
        shape.push(len);
        outStrides.push(xs * step);
        if (len > 0) offset += s0 * xs;
      }
      xd++;
    }
  }
  for (; xd < r; xd++) {
    shape.push(xShape[xd]);
    outStrides.push(xStrides[xd]);
  }
  if (shape.length > MAX_DIMS) fail(op, `result would have ${shape.length} dims; at most ${MAX_DIMS} are supported`, 'ERR_SHAPE');
  return { shape, strides: outStrides, offset };
}

function stridedSliceWith(x: Tensor, spec: StridedSpec): Tensor {
  const L = stridedLayout('stridedSlice', spec, x.shape, x._strides, x._offset);
  const out = _viewOf(x, L.shape, L.strides, L.offset);
  if (tape.on && tracked(x)) {
    const shape = x.shape;
    record(out, 'stridedSlice', [x], (g) => [stridedSliceGrad(g, shape, spec)]);
  }
  return out;
}

/**
 * stridedSlice's gradient: zeros of x's shape with g written where the slice took its
 * elements (each element at most once: steps are nonzero, a new axis has size 1). Its own
 * gradient is the slice again, so gradients of gradients work.
 */
function stridedSliceGrad(g: Tensor, xShape: number[], spec: StridedSpec): Tensor {
  const z = zeros(xShape, { dtype: g.dtype });
  if (g.size > 0) {
    const L = stridedLayout('stridedSlice', spec, xShape, contiguousStrides(xShape), 0);
    if (L.shape.length === 0) writeLayout(0, [1], [1], [1]);
    else writeLayout(0, L.shape, L.strides, g._strides);
    native.copy(z._h, L.offset, g._h, g._offset);
  }
  if (tape.on && tracked(g)) record(z, 'stridedSliceBackward', [g], (gg) => [stridedSliceWith(gg, spec)]);
  return z;
}

/** torch.select: the slice at `index` along `axis`, with that dim removed (negative index counts from the end). */
export function select(x: Tensor, axis: number, index: number): Tensor {
  const op = 'select';
  _tensorArg(x, op);
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
  _tensorArg(x, op);
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
  _tensorArg(x, op);
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
  _tensorArg(x, op);
  const target = checkDims(shape, op, false);
  return broadcastImpl(x, target, op, target);
}

/** torch.expand: broadcastTo where -1 keeps x's size for that (trailing-aligned) dim. */
export function expand(x: Tensor, shape: number[]): Tensor {
  const op = 'expand';
  _tensorArg(x, op);
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
  _tensorArg(x, op);
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
  return _tensorArg(x, 'contiguous').contiguous();
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
    stridedSlice(begin: number[], end: number[], strides?: number[], options?: StridedSliceOptions): Tensor;
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
Tensor.prototype.stridedSlice = function (begin, end, strides, options) { return stridedSlice(this, begin, end, strides, options); };
Tensor.prototype.select = function (axis, index) { return select(this, axis, index); };
Tensor.prototype.squeeze = function (axis) { return squeeze(this, axis); };
Tensor.prototype.unsqueeze = function (axis) { return unsqueeze(this, axis); };
Tensor.prototype.expandDims = function (axis) { return expandDims(this, axis); };
Tensor.prototype.broadcastTo = function (shape) { return broadcastTo(this, shape); };
Tensor.prototype.expand = function (shape) { return expand(this, shape); };
Tensor.prototype.flatten = function (startDim, endDim) { return flatten(this, startDim, endDim); };
