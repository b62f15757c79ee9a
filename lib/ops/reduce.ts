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
import { Reduce, Scan, ReduceOut, REDUCE_OPS } from './opcodes';
import { native } from '../core/native';
import { writeAxisLast, writePermuted } from '../core/meta';
import { checkTensor } from '../core/validate';
import { DType, DTYPE_CODE } from '../core/dtype';
import { fail, describe, fmtShape } from '../core/errors';
import { normAxes, normAxis } from '../core/shape';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { reshape, broadcastTo, permute, unsqueeze } from './views';
import { mul, div, sub } from './binary';
import { exp, isnan } from './unary';
import { eq, le, where, logicalAnd, logicalOr } from './logical';
import { arange } from './creation';
import { cast } from './cast';
import { flip } from './join';

/**
 * @internal records a reduction. fn gets g broadcast back to x's shape (gx), the output
 * with the reduced dims kept as 1 (outK), the reduced axes and their element count.
 */
function recReduce(out: Tensor, name: string, x: Tensor, axis: unknown,
  fn: (gx: Tensor, outK: Tensor, axes: number[], n: number) => Tensor): Tensor {
  const axes = normAxes(axis, x.shape.length, name);
  const kept = x.shape.slice();
  let n = 1;
  for (const a of axes) {
    n *= kept[a];
    kept[a] = 1;
  }
  return record(out, name, [x], (g) => [fn(broadcastTo(reshape(g, kept), x.shape), reshape(out, kept), axes, n)]);
}

export type Axis = number | number[];

function reduceOutDType(code: Reduce, dt: DType): DType {
  const intLike = dt === 'int32' || dt === 'bool';
  switch (REDUCE_OPS[code].out) {
    case ReduceOut.Int:
      return intLike ? 'int32' : dt;
    case ReduceOut.Float:
      return intLike ? 'float32' : dt;
    case ReduceOut.Same:
      return dt;
    case ReduceOut.Int32:
      return 'int32';
    default:
      return 'bool';
  }
}

function checkKeepDims(k: unknown, op: string): boolean {
  if (k === undefined) return false;
  if (typeof k !== 'boolean') fail(op, `keepDims must be a boolean, got ${describe(k)}`);
  return k as boolean;
}

function reduceOp(code: Reduce, op: string, x: unknown, axis: unknown, keepDims: unknown): Tensor {
  const t = checkTensor(x, op);
  const keep = checkKeepDims(keepDims, op);
  const shape = t.shape;
  const strides = t._strides;
  const nd = shape.length;
  const axes = normAxes(axis, nd, op);
  const reduced = new Array<boolean>(nd).fill(false);
  for (const a of axes) reduced[a] = true;
  const outShape: number[] = [];
  const order: number[] = []; // the kept dims first, then the reduced ones
  let n = 1;
  for (let d = 0; d < nd; d++) {
    if (reduced[d]) {
      if (keep) outShape.push(1);
      continue;
    }
    outShape.push(shape[d]);
    order.push(d);
  }
  const nKept = order.length;
  for (let d = 0; d < nd; d++) {
    if (!reduced[d]) continue;
    order.push(d);
    n *= shape[d];
  }
  writePermuted(order, shape, strides);
  if (n === 0 && REDUCE_OPS[code].needsElements)
    fail(op, `cannot reduce over an empty dimension (shape ${fmtShape(shape)}, axis ${axis === undefined ? 'all' : JSON.stringify(axis)}); the result has no identity`, 'ERR_SHAPE');
  const outDt = reduceOutDType(code, t.dtype);
  const h = native.reduce(code, DTYPE_CODE[t.dtype], DTYPE_CODE[outDt], t._h, t._offset, nKept);
  return Tensor._fromHandle(h, outShape, outDt);
}

/** Sum over axis (all axes when omitted). int32/bool give int32. */
export function sum(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const out = reduceOp(Reduce.Sum, 'sum', x, axis, keepDims);
  if (tape.on && tracked(x)) recReduce(out, 'sum', x, axis, (gx) => gx);
  return out;
}
/** Mean; int32/bool give float32; the mean of nothing is NaN. */
export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const out = reduceOp(Reduce.Mean, 'mean', x, axis, keepDims);
  if (tape.on && tracked(x)) recReduce(out, 'mean', x, axis, (gx, _o, _a, n) => div(gx, n));
  return out;
}
/** Product. int32/bool give int32 (wrapping like int32 arithmetic). */
export function prod(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const out = reduceOp(Reduce.Prod, 'prod', x, axis, keepDims);
  if (tape.on && tracked(x)) recReduce(out, 'prod', x, axis, (gx, outK, axes) => mul(gx, prodGrad(x, outK, axes)));
  return out;
}

/**
 * d prod / dx_i = the product of the other elements, safe with zeros: out / x where the
 * slice has no zero; at the single zero of a slice, the product of the rest; 0 otherwise.
 */
function prodGrad(x: Tensor, outK: Tensor, axes: number[]): Tensor {
  const z = eq(x, 0);
  const cnt = sum(z, axes, true);
  const xs = where(z, 1, x); // zeros replaced: no 0/0 in the branch where() drops
  const noZero = div(outK, xs);
  const oneZero = where(logicalAnd(eq(cnt, 1), z), prod(xs, axes, true), 0);
  return where(eq(cnt, 0), noZero, oneZero);
}
/**
 * Maximum; NaN propagates; keeps the dtype. Gradient on ties as torch 1.13: with a single
 * integer axis it goes to the first maximal element (argmax, as x.max(dim)); over all axes
 * or a list of axes it is shared evenly among the ties (as x.max() and x.amax(dims)).
 */
export function max(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const out = reduceOp(Reduce.Max, 'max', x, axis, keepDims);
  if (tape.on && tracked(x)) recReduce(out, 'max', x, axis, (gx, outK, axes) => mul(gx, extremeWeights(x, outK, axes, axis, argmax)));
  return out;
}
/** Minimum; NaN propagates; keeps the dtype. Ties in the gradient as max. */
export function min(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const out = reduceOp(Reduce.Min, 'min', x, axis, keepDims);
  if (tape.on && tracked(x)) recReduce(out, 'min', x, axis, (gx, outK, axes) => mul(gx, extremeWeights(x, outK, axes, axis, argmin)));
  return out;
}
/** Population variance (ddof 0, as tf.math.reduce_variance). */
export function variance(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const out = reduceOp(Reduce.Var, 'var', x, axis, keepDims);
  // d var / dx = 2 (x - mean) / n
  if (tape.on && tracked(x)) recReduce(out, 'var', x, axis, (gx, _o, axes, n) => mul(gx, div(mul(sub(x, mean(x, axes, true)), 2), n)));
  return out;
}
export { variance as var };
/** Population standard deviation (ddof 0). */
export function std(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const out = reduceOp(Reduce.Std, 'std', x, axis, keepDims);
  // d std / dx = (x - mean) / (n std)
  if (tape.on && tracked(x))
    recReduce(out, 'std', x, axis, (gx, outK, axes, n) => mul(gx, div(sub(x, mean(x, axes, true)), mul(outK, n))));
  return out;
}
/** log(sum(exp(x))), computed stably as max + log(sum(exp(x - max))). */
export function logsumexp(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  const out = reduceOp(Reduce.LogSumExp, 'logsumexp', x, axis, keepDims);
  if (tape.on && tracked(x)) recReduce(out, 'logsumexp', x, axis, (gx, outK) => mul(gx, exp(sub(x, outK))));
  return out;
}
/** max/min gradient weights (constants): see max for which element gets what on ties. */
function extremeWeights(x: Tensor, outK: Tensor, axes: number[], axis: unknown, argFn: (x: Tensor, axis: number, keepDims: boolean) => Tensor): Tensor {
  if (typeof axis === 'number' && x.rank > 0) {
    const a = axes[0];
    const iotaShape = x.shape.map((d, i) => (i === a ? d : 1));
    const iota = reshape(arange(0, x.shape[a], 1, { dtype: 'int32' }), iotaShape);
    return cast(eq(iota, argFn(x, a, true)), x.dtype);
  }
  // a NaN result is shared among the NaNs (NaN == NaN is false), as torch's evenly_distribute_backward
  const m = cast(logicalOr(eq(x, outK), logicalAnd(isnan(x), isnan(outK))), x.dtype);
  return div(m, sum(m, axes, true));
}
/** True where any element is nonzero (NaN counts as nonzero). */
export function any(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(Reduce.Any, 'any', x, axis, keepDims);
}
/** True where every element is nonzero. */
export function all(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduceOp(Reduce.All, 'all', x, axis, keepDims);
}

function argOp(code: Reduce, op: string, x: unknown, axis: unknown, keepDims: unknown): Tensor {
  if (axis !== undefined && axis !== null && typeof axis !== 'number')
    fail(op, `axis must be a single integer (or omitted for the flattened index), got ${describe(axis)}`, 'ERR_AXIS');
  return reduceOp(code, op, x, axis === null ? undefined : axis, keepDims);
}
/** Index of the maximum along axis (of the flattened tensor when omitted), int32. Ties: first; NaN counts as the max. */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argOp(Reduce.ArgMax, 'argmax', x, axis, keepDims);
}
/** Index of the minimum along axis (of the flattened tensor when omitted), int32. Ties: first; NaN counts as the min. */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argOp(Reduce.ArgMin, 'argmin', x, axis, keepDims);
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

function scanOp(code: Scan, op: string, x: unknown, axis: unknown): Tensor {
  const t = checkTensor(x, op);
  const nd = t.shape.length;
  const a = normAxis(axis, nd, op);
  const outDt: DType = t.dtype === 'int32' || t.dtype === 'bool' ? 'int32' : t.dtype;
  writeAxisLast(t, a);
  const h = native.scan(code, DTYPE_CODE[t.dtype], DTYPE_CODE[outDt], t._h, t._offset);
  return Tensor._fromHandle(h, t.shape.slice(), outDt);
}

/** Cumulative sum along axis; int32/bool give int32, floats keep their dtype. */
export function cumsum(x: Tensor, axis: number): Tensor {
  const out = scanOp(Scan.CumSum, 'cumsum', x, axis);
  // gradient: the reversed cumulative sum of g
  if (tape.on && tracked(x)) record(out, 'cumsum', [x], (g) => [flip(cumsum(flip(g, axis), axis), axis)]);
  return out;
}
/** Cumulative product along axis; int32/bool give int32, floats keep their dtype. */
export function cumprod(x: Tensor, axis: number): Tensor {
  const out = scanOp(Scan.CumProd, 'cumprod', x, axis);
  if (tape.on && tracked(x)) {
    const a = normAxis(axis, x.rank, 'cumprod');
    record(out, 'cumprod', [x], (g) => [cumprodGrad(g, x, out, a)]);
  }
  return out;
}

function reverseCumsum(t: Tensor, a: number): Tensor {
  return flip(cumsum(flip(t, a), a), a);
}

/**
 * d/dx_i of sum_k g_k out_k = sum_{k>=i} g_k prod_{j<=k, j!=i} x_j along the axis, exact
 * with zeros (torch's cumprod_backward). Without zeros it is reverse-cumsum(g out) / x. With
 * zeros, in O(n): ahead of a slice's first zero the same formula holds; at the first zero z
 * it is reverse-cumsum(g cumprod(x with x_z = 1)); past it every product holds x_z, so 0.
 * That O(n) form is exact but its own derivative is not (the masks hide the dependence on
 * x_z), so a recorded backward (createGraph) with zeros takes the O(n²) polynomial instead.
 */
function cumprodGrad(g: Tensor, x: Tensor, out: Tensor, a: number): Tensor {
  if (x.rank === 0 || x.shape[a] <= 1 || x.size === 0) return g; // out = x
  const isZero = eq(x, 0);
  if (!any(isZero).item()) return div(reverseCumsum(mul(g, out), a), x);
  if (tape.on) return cumprodGradPoly(g, x, a);
  const zerosSoFar = cumsum(isZero, a);
  const before = eq(zerosSoFar, 0);
  const first = logicalAnd(isZero, eq(zerosSoFar, 1));
  const ahead = div(reverseCumsum(mul(g, out), a), where(before, x, 1)); // where() keeps 0/0 out of the dropped branch
  const atFirst = reverseCumsum(mul(g, cumprod(where(first, 1, x), a)), a);
  return where(before, ahead, where(first, atFirst, 0));
}

/**
 * The same gradient as a polynomial in x, O(n²) per slice: with the axis moved last,
 * C[.., i, k] = cumprod over j of (x_j, 1 where j == i), and grad_i = sum_{k>=i} g_k C[.., i, k].
 */
function cumprodGradPoly(g: Tensor, x: Tensor, a: number): Tensor {
  const r = x.rank;
  const n = x.shape[a];
  const perm: number[] = [];
  for (let d = 0; d < r; d++) if (d !== a) perm.push(d);
  perm.push(a);
  const inv = new Array<number>(r);
  perm.forEach((d, i) => (inv[d] = i));
  const iota = arange(0, n, 1, { dtype: 'int32' });
  const row = reshape(iota, [n, 1]); // i
  const col = reshape(iota, [1, n]); // j, k
  const xl = unsqueeze(permute(x, perm), -2); // [.., 1, n]
  const c = cumprod(where(eq(row, col), 1, xl), -1); // [.., n, n]
  const terms = where(le(row, col), mul(unsqueeze(permute(g, perm), -2), c), 0);
  return permute(sum(terms, -1), inv);
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
