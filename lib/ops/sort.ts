// Sorting along an axis: sort, argsort and topk (torch's), topK (tf.math.top_k / tfjs's
// tf.topk). One native kernel does all three (native/cpu/sort.cc): the order is stable
// (equal keys keep their input order, torch.sort(stable=True)), NaN counts as the largest
// value (as torch), and topk selects without sorting the whole row. Indices are int32.
//
// Dtypes: float32, float64, int32 and bool. A 0-d x is one row of one element (axis 0 or
// -1). Strided x (transposed, sliced, flipped, broadcast) is read in place.
import { native, writeLayout } from '../core/native';
import { fail, describe, fmtShape } from '../core/errors';
import { contiguousStrides, normAxis } from '../core/shape';
import { Tensor } from '../tensor';
import { _tensorArg } from './views';
import { zeros } from './creation';
import { scatterAdd } from './indexing';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';

export interface SortOptions {
  /** the axis to sort along (default -1) */
  axis?: number;
  /** largest first (default false) */
  descending?: boolean;
}

export interface TopkOptions {
  /** the axis to select along (default -1) */
  axis?: number;
  /** the k largest (default true), else the k smallest */
  largest?: boolean;
  /** in order, largest first when largest (default true); false: in no particular order */
  sorted?: boolean;
}

export interface SortResult {
  values: Tensor;
  /** int32 positions along the axis in x */
  indices: Tensor;
}

// flags of native.sort
const FDesc = 1, FValues = 2, FSorted = 4;

function readOptions(options: unknown, op: string, keys: readonly string[]): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options) || options instanceof Tensor)
    fail(op, `options must be an object such as { ${keys.join(', ')} }, got ${describe(options)}`);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o))
    if (!keys.includes(key)) fail(op, `unknown option '${key}'; expected one of ${keys.join(', ')}`);
  return o;
}

function boolOption(o: Record<string, unknown>, key: string, dflt: boolean, op: string): boolean {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(op, `option ${key} must be a boolean, got ${describe(v)}`);
  return v as boolean;
}

/** The axis and its size; a 0-d x is one row of one element. */
function axisOf(x: Tensor, axis: unknown, op: string): [number, number] {
  const a = normAxis(axis === undefined ? -1 : axis, x.rank, op);
  const len = x.rank === 0 ? 1 : x.shape[a];
  if (len > 2147483647)
    fail(op, `axis ${a} of x ${fmtShape(x.shape)} has ${len} elements; int32 indices allow at most 2^31-1`, 'ERR_SHAPE');
  return [a, len];
}

/** Runs the kernel: the first k of each row's order along axis a. values is null when !wantValues. */
function sortCall(op: string, x: Tensor, a: number, k: number, flags: number): { values: Tensor | null; indices: Tensor } {
  const zeroD = x.rank === 0;
  const shape = zeroD ? [1] : x.shape;
  const xst = zeroD ? [1] : x._strides;
  const outShape = shape.slice();
  outShape[a] = k;
  const ost = contiguousStrides(outShape);
  const rowShape: number[] = [];
  const rowOut: number[] = [];
  const rowX: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (d === a) continue;
    rowShape.push(shape[d]);
    rowOut.push(ost[d]);
    rowX.push(xst[d]);
  }
  writeLayout(0, rowShape, rowOut, rowX);
  const hs = native.sort(x._h, x._offset, shape[a], xst[a], k, ost[a], flags) as number[];
  // a 0-d x gives 0-d results (k = 1, as torch), or shape [0] for k = 0 (torch returns the element)
  const resShape = zeroD ? (k === 1 ? [] : [0]) : outShape;
  const withValues = (flags & FValues) !== 0;
  const values = withValues ? Tensor._fromHandle(hs[0], resShape.slice(), x.dtype) : null;
  const indices = Tensor._fromHandle(hs[withValues ? 1 : 0], resShape.slice(), 'int32');
  if (values && tape.on && tracked(x)) {
    // gradient: each output's g goes back to the position it came from (indices are distinct)
    record(values, op, [x], (g) => {
      if (zeroD) return [k === 1 ? g : zeros([], { dtype: x.dtype })];
      if (indices._disposed)
        fail(op, 'the indices returned with these values were disposed; the gradient needs them until backward has run', 'ERR_DISPOSED');
      return [scatterAdd(zeros(x.shape, { dtype: x.dtype }), a, indices, g)];
    });
  }
  return { values, indices };
}

/**
 * Sorts x along an axis: `{ values, indices }` with values[..., i, ...] =
 * x[..., indices[..., i, ...], ...]. Stable (equal values keep their order; torch.sort with
 * stable=True); NaN sorts as the largest value. Indices are int32. Differentiable in x
 * (through values).
 */
export function sort(x: Tensor, options?: SortOptions): SortResult {
  const op = 'sort';
  _tensorArg(x, op);
  const o = readOptions(options, op, ['axis', 'descending']);
  const [a, len] = axisOf(x, o.axis, op);
  const desc = boolOption(o, 'descending', false, op);
  const r = sortCall(op, x, a, len, FValues | FSorted | (desc ? FDesc : 0));
  return { values: r.values as Tensor, indices: r.indices };
}

/** The int32 indices that sort x along an axis (sort(x).indices, without the values). Stable. */
export function argsort(x: Tensor, options?: SortOptions): Tensor {
  const op = 'argsort';
  _tensorArg(x, op);
  const o = readOptions(options, op, ['axis', 'descending']);
  const [a, len] = axisOf(x, o.axis, op);
  const desc = boolOption(o, 'descending', false, op);
  return sortCall(op, x, a, len, FSorted | (desc ? FDesc : 0)).indices;
}

/**
 * The k largest (or smallest) elements along an axis, as torch.topk: `{ values, indices }`
 * with the axis of size k. 0 <= k <= the axis size. Among equal values the earlier one
 * comes first; NaN counts as the largest. A boolean third argument is tfjs's `sorted`.
 * Differentiable in x (through values).
 */
export function topk(x: Tensor, k: number, options?: TopkOptions | boolean): SortResult {
  const op = 'topk';
  _tensorArg(x, op);
  const o = readOptions(typeof options === 'boolean' ? { sorted: options } : options, op, ['axis', 'largest', 'sorted']);
  const [a, len] = axisOf(x, o.axis, op);
  if (typeof k !== 'number' || !Number.isInteger(k))
    fail(op, `k must be an integer, got ${describe(k)}`);
  if (k < 0 || k > len)
    fail(op, `k = ${k} is out of range for axis ${a} of size ${len} (x shape ${fmtShape(x.shape)}); expected 0 <= k <= ${len}`);
  const largest = boolOption(o, 'largest', true, op);
  const sorted = boolOption(o, 'sorted', true, op);
  const r = sortCall(op, x, a, k, FValues | (sorted ? FSorted : 0) | (largest ? FDesc : 0));
  return { values: r.values as Tensor, indices: r.indices };
}

/** tf.math.top_k / tfjs tf.topk spelling of topk. */
export const topK = topk;

declare module '../tensor' {
  interface Tensor {
    sort(options?: SortOptions): SortResult;
    argsort(options?: SortOptions): Tensor;
    topk(k: number, options?: TopkOptions | boolean): SortResult;
  }
}
Tensor.prototype.sort = function (options) { return sort(this, options); };
Tensor.prototype.argsort = function (options) { return argsort(this, options); };
Tensor.prototype.topk = function (k, options) { return topk(this, k, options); };

