// Indexing ops: gather (tf.gather), takeAlongAxis (numpy take_along_axis / torch.gather),
// scatterAdd (functional torch scatter_add), oneHot. Kernels: native/cpu/index.cc.
//
// Indices are int32 tensors, or JS numbers / nested arrays of integers (converted with
// tp.tensor); float or bool indices are ERR_DTYPE. Every index is range-checked natively
// before any data is read; an out-of-range index is ERR_OUT_OF_BOUNDS naming the op, the
// index and the valid range.
//
// Semantic choice: gather, takeAlongAxis and scatterAdd accept NEGATIVE indices, which
// count from the end of the axis as in python/numpy (valid range [-dim, dim-1]); tf and
// torch reject them. oneHot is strict: indices must lie in [0, depth) (tf would give an
// all-off row for an out-of-range index; we raise instead).
import { native, writeLayout } from '../core/native';
import { DType, DTYPE_CODE, checkDType } from '../core/dtype';
import { fail, fmtShape, describe } from '../core/errors';
import { MAX_DIMS, MAX_NUMEL, normAxis, numel } from '../core/shape';
import { Tensor } from '../tensor';
import { indexTensor, zeros } from './creation';
import { reshape, broadcastTo } from './views';
import { checkTensor } from '../core/validate';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumToShape } from '../autograd/sum-to';
import { pad } from './join';

export type IndicesLike = Tensor | number | number[] | number[][] | number[][][] | Int32Array | unknown[];

interface Indices {
  t: Tensor;
  owned: boolean;
}

function toIndices(v: unknown, op: string, arg = 'indices'): Indices {
  if (v instanceof Tensor) {
    v._live(op);
    if (v.dtype !== 'int32') fail(op, `${arg} must be an int32 tensor, got ${v.dtype} (shape ${fmtShape(v.shape)})`, 'ERR_DTYPE');
    return { t: v, owned: false };
  }
  // JS numbers make float32 tensors; indices are read as integers, refusing fractions
  if (typeof v === 'number' || Array.isArray(v) || v instanceof Int32Array) return { t: indexTensor(v, op, arg), owned: true };
  return fail(op, `${arg} must be an int32 Tensor or an array of integers, got ${describe(v)}`, 'ERR_ARGUMENT');
}

function release(ix: Indices): void {
  if (ix.owned) ix.t.dispose();
}

/**
 * tf.gather: picks slices of x along axis. Output shape is
 * x.shape[:axis] + indices.shape + x.shape[axis+1:]. Negative indices count from the end.
 */
export function gather(x: Tensor, indices: IndicesLike, axis = 0): Tensor {
  const op = 'gather';
  checkTensor(x, op);
  if (x.rank === 0) fail(op, 'x must have at least one dim; got a 0-d tensor', 'ERR_AXIS');
  const a = normAxis(axis, x.rank, op);
  const ix = toIndices(indices, op);
  try {
    const it = ix.t;
    const q = it.rank;
    const outShape = [...x.shape.slice(0, a), ...it.shape, ...x.shape.slice(a + 1)];
    if (outShape.length > MAX_DIMS) fail(op, `result would have ${outShape.length} dims; at most ${MAX_DIMS} are supported`, 'ERR_SHAPE');
    if (numel(outShape) > MAX_NUMEL) fail(op, `result shape ${fmtShape(outShape)} is too large`, 'ERR_SHAPE');
    const n = outShape.length;
    const xs = new Array<number>(n).fill(0);
    const is = new Array<number>(n).fill(0);
    for (let d = 0; d < a; d++) xs[d] = x._strides[d];
    for (let d = a + 1; d < x.rank; d++) xs[d - 1 + q] = x._strides[d];
    for (let d = 0; d < q; d++) is[a + d] = it._strides[d];
    const pos = writeLayout(0, outShape, xs, xs, is);
    writeLayout(pos, it.shape, it._strides);
    const h = native.gather(x._h, x._offset, it._h, it._offset, x.shape[a], x._strides[a], a, op);
    const out = Tensor._fromHandle(h, outShape, x.dtype);
    if (tape.on && tracked(x)) {
      // gradient: g scattered (added) back to the gathered rows; the closure keeps the indices
      ix.owned = false;
      const m = it.size;
      const flatShape = [...x.shape.slice(0, a), m, ...x.shape.slice(a + 1)];
      const ixShape = flatShape.map((d, i) => (i === a ? m : 1));
      record(out, op, [x], (g) => {
        const gr = reshape(g, flatShape);
        const ib = broadcastTo(reshape(it, ixShape), flatShape);
        return [scatterAdd(zeros(x.shape, { dtype: x.dtype }), a, ib, gr)];
      });
    }
    return out;
  } finally {
    release(ix);
  }
}

/**
 * numpy take_along_axis / torch.gather: out[..., i, ...] = x[..., indices[..., i, ...], ...]
 * along axis. indices has x's rank; on the other dims x and indices broadcast (numpy).
 * Output shape: the broadcast shape, with indices.shape[axis] on the axis. Negative
 * indices count from the end. With axis null, x is flattened first (numpy's axis=None).
 */
export function takeAlongAxis(x: Tensor, indices: IndicesLike, axis: number | null): Tensor {
  const op = 'takeAlongAxis';
  checkTensor(x, op);
  const ix = toIndices(indices, op);
  try {
    const it = ix.t;
    let xShape = x.shape;
    let xStr = x._strides;
    let a: number;
    let flat: Tensor | null = null;
    if (axis === null || axis === undefined) {
      if (it.rank !== 1) fail(op, `with axis null, indices must be 1-D; got shape ${fmtShape(it.shape)}`, 'ERR_SHAPE');
      if (x.isContiguous()) {
        xShape = [x.size];
        xStr = [1];
      } else {
        flat = x._copyAs(x.dtype);
        xShape = [x.size];
        xStr = [1];
      }
      a = 0;
    } else {
      a = normAxis(axis, x.rank, op);
    }
    const src = flat ?? x;
    try {
      let iShape = it.shape;
      let iStr = it._strides;
      const zeroD = xShape.length === 0;
      if (zeroD) {
        // as torch: a 0-d x takes 0-d indices (0 or -1) and gives a 0-d result
        if (it.rank !== 0) fail(op, `x is 0-d, so indices must be 0-d too; got shape ${fmtShape(it.shape)}`, 'ERR_SHAPE');
        xShape = [1];
        xStr = [0];
        iShape = [1];
        iStr = [0];
      }
      if (iShape.length !== xShape.length)
        fail(op, `indices must have the same rank as x: x has shape ${fmtShape(x.shape)}, indices ${fmtShape(it.shape)}`, 'ERR_SHAPE');
      const r = xShape.length;
      const outShape = new Array<number>(r);
      const xs = new Array<number>(r);
      const is = new Array<number>(r);
      for (let d = 0; d < r; d++) {
        if (d === a) {
          outShape[d] = iShape[d];
          xs[d] = 0;
          is[d] = iStr[d];
          continue;
        }
        const dx = xShape[d];
        const di = iShape[d];
        if (dx !== di && dx !== 1 && di !== 1)
          fail(op, `x ${fmtShape(x.shape)} and indices ${fmtShape(it.shape)} cannot be broadcast together outside axis ${a} (dim ${d}: ${dx} vs ${di})`, 'ERR_SHAPE');
        const o = dx === 1 ? di : dx;
        outShape[d] = o;
        xs[d] = dx === 1 && o !== 1 ? 0 : xStr[d];
        is[d] = di === 1 && o !== 1 ? 0 : iStr[d];
      }
      const resultShape = zeroD ? [] : outShape;
      const pos = writeLayout(0, outShape, xs, xs, is);
      writeLayout(pos, it.shape, it._strides);
      const h = native.gather(src._h, src._offset, it._h, it._offset, xShape[a], xStr[a], a, op);
      const out = Tensor._fromHandle(h, resultShape, x.dtype);
      if (tape.on && tracked(x)) {
        // gradient: g scattered (added) at the taken positions, summed over broadcast dims
        ix.owned = false;
        const flatAxis = axis === null || axis === undefined;
        const ax = a;
        const bShape = outShape.slice();
        bShape[ax] = xShape[ax];
        record(out, op, [x], (g) => {
          if (zeroD) return [reshape(g, [])];
          const ib = broadcastTo(it, outShape);
          const s = scatterAdd(zeros(bShape, { dtype: x.dtype }), ax, ib, reshape(g, outShape));
          return [flatAxis ? reshape(s, x.shape) : sumToShape(s, x.shape, x.dtype)];
        });
      }
      return out;
    } finally {
      flat?.dispose();
    }
  } finally {
    release(ix);
  }
}

/**
 * Functional torch scatter_add: a new tensor equal to x, with src[p] added at
 * x[p with p[axis] replaced by indices[p]] for every position p of indices. x, indices and
 * src have the same rank; indices.shape[d] <= src.shape[d] for all d and <= x.shape[d]
 * for d != axis (torch's rule; no broadcasting). Duplicate indices accumulate. src must
 * have x's dtype (as torch). bool accumulates as logical or. Negative indices count
 * from the end.
 */
export function scatterAdd(x: Tensor, axis: number, indices: IndicesLike, src: Tensor): Tensor {
  const op = 'scatterAdd';
  checkTensor(x, op);
  checkTensor(src, op, 'src');
  const a = normAxis(axis, x.rank, op);
  if (src.dtype !== x.dtype) fail(op, `src has dtype ${src.dtype} but x has ${x.dtype}; cast one of them`, 'ERR_DTYPE');
  const ix = toIndices(indices, op);
  try {
    const it = ix.t;
    if (it.rank !== x.rank || src.rank !== x.rank)
      fail(op, `x, indices and src must have the same rank; got shapes ${fmtShape(x.shape)}, ${fmtShape(it.shape)}, ${fmtShape(src.shape)}`, 'ERR_SHAPE');
    for (let d = 0; d < x.rank; d++) {
      if (it.shape[d] > src.shape[d] || (d !== a && it.shape[d] > x.shape[d]))
        fail(op, `indices ${fmtShape(it.shape)} must be no larger than src ${fmtShape(src.shape)} in every dim and than x ${fmtShape(x.shape)} outside axis ${a} (dim ${d})`, 'ERR_SHAPE');
    }
    const out = x._copyAs(x.dtype);
    try {
      if (it.size > 0) {
        // 0-d operands behave as shape [1]
        const r = Math.max(x.rank, 1);
        const iShape = x.rank === 0 ? [1] : it.shape;
        const oSt = x.rank === 0 ? [1] : out._strides;
        const iSt = x.rank === 0 ? [1] : it._strides;
        const sSt = x.rank === 0 ? [1] : src._strides;
        const axisDim = x.rank === 0 ? 1 : x.shape[a];
        // the scatter axis goes last so the kernel can split work on whole rows
        const shape: number[] = [];
        const so: number[] = [];
        const si: number[] = [];
        const ss: number[] = [];
        for (let d = 0; d < r; d++) {
          if (d === a) continue;
          shape.push(iShape[d]);
          so.push(oSt[d]);
          si.push(iSt[d]);
          ss.push(sSt[d]);
        }
        shape.push(iShape[a]);
        so.push(0);
        si.push(iSt[a]);
        ss.push(sSt[a]);
        writeLayout(0, shape, so, si, ss);
        native.scatterAdd(out._h, 0, it._h, it._offset, src._h, src._offset, axisDim, oSt[a], a, op);
      }
      if (tape.on && (tracked(x) || tracked(src))) {
        // gradient: g for x; for src, g read back at the scattered positions (zeros where unused)
        ix.owned = false;
        record(out, op, [x, src], (g, needs) => {
          let gs: Tensor | null = null;
          if (needs[1]) {
            gs = takeAlongAxis(g, it, a);
            if (gs.shape.some((d, i) => d !== src.shape[i])) gs = pad(gs, src.shape.map((d, i) => [0, d - gs!.shape[i]] as [number, number]));
          }
          return [needs[0] ? g : null, gs];
        });
      }
      return out;
    } catch (e) {
      out.dispose();
      throw e;
    }
  } finally {
    release(ix);
  }
}

export interface OneHotOptions {
  dtype?: DType;
  onValue?: number | boolean;
  offValue?: number | boolean;
}

/**
 * One-hot encoding: output shape indices.shape + [depth], onValue at each index and
 * offValue elsewhere. Indices must lie in [0, depth) (ERR_OUT_OF_BOUNDS otherwise).
 * dtype defaults to float32 (this family's contract; tfjs defaults to int32, torch to int64).
 */
export function oneHot(indices: IndicesLike, depth: number, options?: OneHotOptions): Tensor {
  const op = 'oneHot';
  if (typeof depth !== 'number' || !Number.isInteger(depth) || depth < 0 || depth > MAX_NUMEL)
    fail(op, `depth must be a non-negative integer, got ${describe(depth)}`);
  const o = options ?? {};
  if (typeof o !== 'object' || Array.isArray(o)) fail(op, `options must be an object, got ${describe(o)}`);
  const dtype = o.dtype === undefined ? 'float32' : checkDType(o.dtype, op);
  const on = o.onValue ?? 1;
  const off = o.offValue ?? 0;
  if (typeof on !== 'number' && typeof on !== 'boolean') fail(op, `onValue must be a number, got ${describe(on)}`);
  if (typeof off !== 'number' && typeof off !== 'boolean') fail(op, `offValue must be a number, got ${describe(off)}`);
  const ix = toIndices(indices, op);
  try {
    const it = ix.t;
    const outShape = [...it.shape, depth];
    if (outShape.length > MAX_DIMS) fail(op, `result would have ${outShape.length} dims; at most ${MAX_DIMS} are supported`, 'ERR_SHAPE');
    if (numel(outShape) > MAX_NUMEL) fail(op, `result shape ${fmtShape(outShape)} is too large`, 'ERR_SHAPE');
    writeLayout(0, it.shape, it._strides);
    const h = native.oneHot(it._h, it._offset, depth, DTYPE_CODE[dtype], Number(on), Number(off));
    return Tensor._fromHandle(h, outShape, dtype);
  } finally {
    release(ix);
  }
}

declare module '../tensor' {
  interface Tensor {
    gather(indices: IndicesLike, axis?: number): Tensor;
    takeAlongAxis(indices: IndicesLike, axis: number | null): Tensor;
    scatterAdd(axis: number, indices: IndicesLike, src: Tensor): Tensor;
    /** this tensor holds the indices */
    oneHot(depth: number, options?: OneHotOptions): Tensor;
  }
}
Tensor.prototype.gather = function (indices, axis) { return gather(this, indices, axis); };
Tensor.prototype.takeAlongAxis = function (indices, axis) { return takeAlongAxis(this, indices, axis); };
Tensor.prototype.scatterAdd = function (axis, indices, src) { return scatterAdd(this, axis, indices, src); };
Tensor.prototype.oneHot = function (depth, options) { return oneHot(this, depth, options); };
