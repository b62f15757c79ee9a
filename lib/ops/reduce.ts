// Reductions — sum mean prod max min argmax argmin var std logsumexp any all (and the TF
// aliases reduceSum …) — and scans (cumsum, cumprod).
//
// `axis` is a number, a list of numbers, or undefined for all axes; negative axes count
// from the end. The view is permuted so the kept dims come first and the reduced dims
// last (free: only strides move); the native kernel picks the loop order from the strides
// (native/cpu/reduce.cc).
//
// Dtypes: sum/prod of int32 or bool give int32; mean/var/std/logsumexp of int32 or bool
// give float32; max/min keep the dtype; argmax/argmin give int32; any/all give bool.
// Empty reductions: sum 0, prod 1, mean/var/std NaN, any false, all true, logsumexp -Inf;
// max/min/argmax/argmin over an empty set throw ERR_SHAPE (as PyTorch does).
import { native, meta } from '../core/native';
import { DType, DTYPE_CODE } from '../core/dtype';
import { fail, describe, fmtShape } from '../core/errors';
import { contiguousStrides, normAxes, normAxis } from '../core/shape';
import { Tensor } from '../tensor';

export type Axis = number | number[];

// Op codes: keep in step with ReduceOp / ScanOp in native/cpu/reduce.h.
const RSum = 0, RMean = 1, RProd = 2, RMax = 3, RMin = 4, RArgMax = 5, RArgMin = 6,
  RVar = 7, RStd = 8, RLogSumExp = 9, RAny = 10, RAll = 11;
const SCumSum = 0, SCumProd = 1;

function reduceOutDType(code: number, dt: DType): DType {
  const intLike = dt === 'int32' || dt === 'bool';
  switch (code) {
    case RSum:
    case RProd:
      return intLike ? 'int32' : dt;
    case RMean:
    case RVar:
    case RStd:
    case RLogSumExp:
      return intLike ? 'float32' : dt;
    case RMax:
    case RMin:
      return dt;
    case RArgMax:
    case RArgMin:
      return 'int32';
    default:
      return 'bool';
  }
}

function checkTensorArg(x: unknown, op: string, arg = 'x'): Tensor {
  if (!(x instanceof Tensor)) return fail(op, `${arg} must be a Tensor, got ${describe(x)}`);
  return x._live(op);
}

function checkKeepDims(k: unknown, op: string): boolean {
  if (k === undefined) return false;
  if (typeof k !== 'boolean') fail(op, `keepDims must be a boolean, got ${describe(k)}`);
  return k as boolean;
}

function reduceOp(code: number, op: string, x: unknown, axis: unknown, keepDims: unknown): Tensor {
  const t = checkTensorArg(x, op);
  const keep = checkKeepDims(keepDims, op);
  const shape = t.shape;
  const strides = t._strides;
  const nd = shape.length;
  const axes = normAxes(axis, nd, op);
  const reduced = new Array<boolean>(nd).fill(false);
  for (const a of axes) reduced[a] = true;
  const outShape: number[] = [];
  let nKept = 0;
  let n = 1;
  // meta: ndim, shape (kept dims first, then reduced), strides in the same order
  meta[0] = nd;
  for (let d = 0; d < nd; d++) {
    if (reduced[d]) {
      if (keep) outShape.push(1);
      continue;
    }
    outShape.push(shape[d]);
    meta[1 + nKept] = shape[d];
    meta[1 + nd + nKept] = strides[d];
    nKept++;
  }
  let r = nKept;
  for (let d = 0; d < nd; d++) {
    if (!reduced[d]) continue;
    meta[1 + r] = shape[d];
    meta[1 + nd + r] = strides[d];
    n *= shape[d];
    r++;
  }
  if (n === 0 && (code === RMax || code === RMin || code === RArgMax || code === RArgMin))
    fail(op, `cannot reduce over an empty dimension (shape ${fmtShape(shape)}, axis ${axis === undefined ? 'all' : JSON.stringify(axis)}); the result has no identity`, 'ERR_SHAPE');
  const outDt = reduceOutDType(code, t.dtype);
  const h = native.reduce(code, DTYPE_CODE[t.dtype], DTYPE_CODE[outDt], t._h, t._offset, nKept);
  return Tensor._fromHandle(h, outShape, outDt);
}

/** Sum over axis (all axes when omitted). int32/bool give int32. */
export function sum(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RSum, 'sum', x, axis, keepDims);
}
/** Mean; int32/bool give float32; the mean of nothing is NaN. */
export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RMean, 'mean', x, axis, keepDims);
}
/** Product. int32/bool give int32 (wrapping like int32 arithmetic). */
export function prod(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RProd, 'prod', x, axis, keepDims);
}
/** Maximum; NaN propagates; keeps the dtype. */
export function max(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RMax, 'max', x, axis, keepDims);
}
/** Minimum; NaN propagates; keeps the dtype. */
export function min(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RMin, 'min', x, axis, keepDims);
}
/** Population variance (ddof 0, as tf.math.reduce_variance). */
export function variance(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RVar, 'var', x, axis, keepDims);
}
export { variance as var };
/** Population standard deviation (ddof 0). */
export function std(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RStd, 'std', x, axis, keepDims);
}
/** log(sum(exp(x))), computed stably as max + log(sum(exp(x - max))). */
export function logsumexp(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RLogSumExp, 'logsumexp', x, axis, keepDims);
}
/** True where any element is nonzero (NaN counts as nonzero). */
export function any(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RAny, 'any', x, axis, keepDims);
}
/** True where every element is nonzero. */
export function all(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(RAll, 'all', x, axis, keepDims);
}

function argOp(code: number, op: string, x: unknown, axis: unknown, keepDims: unknown): Tensor {
  if (axis !== undefined && axis !== null && typeof axis !== 'number')
    fail(op, `axis must be a single integer (or omitted for the flattened index), got ${describe(axis)}`, 'ERR_AXIS');
  return reduceOp(code, op, x, axis === null ? undefined : axis, keepDims);
}
/** Index of the maximum along axis (of the flattened tensor when omitted), int32. Ties: first; NaN counts as the max. */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argOp(RArgMax, 'argmax', x, axis, keepDims);
}
/** Index of the minimum along axis (of the flattened tensor when omitted), int32. Ties: first; NaN counts as the min. */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argOp(RArgMin, 'argmin', x, axis, keepDims);
}

// TensorFlow spellings.
export const reduceSum = sum;
export const reduceMean = mean;
export const reduceMax = max;
export const reduceMin = min;
export const reduceProd = prod;
export const reduceAny = any;
export const reduceAll = all;
export const reduceLogSumExp = logsumexp;

function scanOp(code: number, op: string, x: unknown, axis: unknown): Tensor {
  const t = checkTensorArg(x, op);
  const nd = t.shape.length;
  const a = normAxis(axis, nd, op);
  const outDt: DType = t.dtype === 'int32' || t.dtype === 'bool' ? 'int32' : t.dtype;
  const shape = nd === 0 ? [1] : t.shape;
  const xs = nd === 0 ? [1] : t._strides;
  const os = contiguousStrides(shape);
  const n = shape.length;
  // meta: (out, x) layout with the scanned axis last
  meta[0] = n;
  let k = 0;
  for (let d = 0; d <= n; d++) {
    const src = d === n ? a : d;
    if (d < n && d === a) continue;
    meta[1 + k] = shape[src];
    meta[1 + n + k] = os[src];
    meta[1 + 2 * n + k] = xs[src];
    k++;
  }
  const h = native.scan(code, DTYPE_CODE[t.dtype], DTYPE_CODE[outDt], t._h, t._offset);
  return Tensor._fromHandle(h, t.shape.slice(), outDt);
}

/** Cumulative sum along axis; int32/bool give int32, floats keep their dtype. */
export function cumsum(x: Tensor, axis: number): Tensor {
  return scanOp(SCumSum, 'cumsum', x, axis);
}
/** Cumulative product along axis; int32/bool give int32, floats keep their dtype. */
export function cumprod(x: Tensor, axis: number): Tensor {
  return scanOp(SCumProd, 'cumprod', x, axis);
}

declare module '../tensor' {
  interface Tensor {
    sum(axis?: Axis, keepDims?: boolean): Tensor;
    mean(axis?: Axis, keepDims?: boolean): Tensor;
    prod(axis?: Axis, keepDims?: boolean): Tensor;
    max(axis?: Axis, keepDims?: boolean): Tensor;
    min(axis?: Axis, keepDims?: boolean): Tensor;
    argmax(axis?: number, keepDims?: boolean): Tensor;
    argmin(axis?: number, keepDims?: boolean): Tensor;
    var(axis?: Axis, keepDims?: boolean): Tensor;
    std(axis?: Axis, keepDims?: boolean): Tensor;
    logsumexp(axis?: Axis, keepDims?: boolean): Tensor;
    any(axis?: Axis, keepDims?: boolean): Tensor;
    all(axis?: Axis, keepDims?: boolean): Tensor;
    reduceSum(axis?: Axis, keepDims?: boolean): Tensor;
    reduceMean(axis?: Axis, keepDims?: boolean): Tensor;
    reduceMax(axis?: Axis, keepDims?: boolean): Tensor;
    reduceMin(axis?: Axis, keepDims?: boolean): Tensor;
    reduceProd(axis?: Axis, keepDims?: boolean): Tensor;
    reduceAny(axis?: Axis, keepDims?: boolean): Tensor;
    reduceAll(axis?: Axis, keepDims?: boolean): Tensor;
    reduceLogSumExp(axis?: Axis, keepDims?: boolean): Tensor;
    cumsum(axis: number): Tensor;
    cumprod(axis: number): Tensor;
  }
}
Tensor.prototype.sum = function (axis, keepDims) { return sum(this, axis, keepDims); };
Tensor.prototype.mean = function (axis, keepDims) { return mean(this, axis, keepDims); };
Tensor.prototype.prod = function (axis, keepDims) { return prod(this, axis, keepDims); };
Tensor.prototype.max = function (axis, keepDims) { return max(this, axis, keepDims); };
Tensor.prototype.min = function (axis, keepDims) { return min(this, axis, keepDims); };
Tensor.prototype.argmax = function (axis, keepDims) { return argmax(this, axis, keepDims); };
Tensor.prototype.argmin = function (axis, keepDims) { return argmin(this, axis, keepDims); };
Tensor.prototype.var = function (axis, keepDims) { return variance(this, axis, keepDims); };
Tensor.prototype.std = function (axis, keepDims) { return std(this, axis, keepDims); };
Tensor.prototype.logsumexp = function (axis, keepDims) { return logsumexp(this, axis, keepDims); };
Tensor.prototype.any = function (axis, keepDims) { return any(this, axis, keepDims); };
Tensor.prototype.all = function (axis, keepDims) { return all(this, axis, keepDims); };
Tensor.prototype.reduceSum = Tensor.prototype.sum;
Tensor.prototype.reduceMean = Tensor.prototype.mean;
Tensor.prototype.reduceMax = Tensor.prototype.max;
Tensor.prototype.reduceMin = Tensor.prototype.min;
Tensor.prototype.reduceProd = Tensor.prototype.prod;
Tensor.prototype.reduceAny = Tensor.prototype.any;
Tensor.prototype.reduceAll = Tensor.prototype.all;
Tensor.prototype.reduceLogSumExp = Tensor.prototype.logsumexp;
Tensor.prototype.cumsum = function (axis) { return cumsum(this, axis); };
Tensor.prototype.cumprod = function (axis) { return cumprod(this, axis); };
