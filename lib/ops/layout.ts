// The layout arithmetic behind the view ops (views.ts, strided-slice.ts): argument checks
// for shapes and integer lists, PyTorch's computeStride (when a reshape can be a view),
// shape inference with -1, and the view constructor that remembers a leaf root.
import { native, writeLayout } from '../core/native';
import { DTYPE_CODE } from '../core/dtype';
import { fail, fmtShape, describe } from '../core/errors';
import { MAX_DIMS, MAX_NUMEL, contiguousStrides, numel } from '../core/shape';
import { Tensor } from '../tensor';
import { checkTensor, isInt } from '../core/validate';

export { isInt } from '../core/validate';

/** @internal the shared tensor check (core/validate.ts), under the name the view files import. */
export const _tensorArg = checkTensor;

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
export function checkDims(shape: unknown, op: string, allowMinus1: boolean): number[] {
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

/** @internal Resolves a requested shape with at most one -1 against x's element count. */
export function inferShape(x: Tensor, shape: unknown, op: string): number[] {
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

/** @internal x laid out as `shape`: a view when the strides allow, else a contiguous copy. */
export function reshapeImpl(x: Tensor, shape: number[]): Tensor {
  const st = computeStride(x.shape, x._strides, shape);
  if (st !== null) return _viewOf(x, shape, st, x._offset);
  return copyReshaped(x, shape);
}


/** @internal an integer or a list of integers, as a list. */
export function toIntList(v: unknown, op: string, arg: string): number[] {
  if (isInt(v)) return [v];
  if (!Array.isArray(v)) return fail(op, `${arg} must be an array of integers, got ${describe(v)}`);
  for (let i = 0; i < v.length; i++)
    if (!isInt(v[i])) fail(op, `${arg}[${i}] must be an integer, got ${describe(v[i])} in ${_fmtArg(v)}`);
  return v as number[];
}
