// Shape arithmetic and validation shared by every op.
import { fail, fmtShape, describe } from './errors';

export const MAX_DIMS = 16;
/** Largest element count we accept: beyond it offsets lose integer precision in doubles. */
export const MAX_NUMEL = 2 ** 48;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Validates a user-supplied shape: array of non-negative safe integers, checked element count. */
export function checkShape(shape: unknown, op: string, arg = 'shape'): number[] {
  if (typeof shape === 'number') shape = [shape];
  if (!Array.isArray(shape)) fail(op, `${arg} must be an array of non-negative integers, got ${describe(shape)}`, 'ERR_SHAPE');
  const arr = shape as unknown[];
  if (arr.length > MAX_DIMS) fail(op, `${arg} has ${arr.length} dims; at most ${MAX_DIMS} are supported`, 'ERR_SHAPE');
  let n = 1;
  for (let i = 0; i < arr.length; i++) {
    const d = arr[i];
    // each dim on its own too: [0, 1e300] has 0 elements but no sane layout
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > MAX_NUMEL)
      fail(op, `${arg}[${i}] must be a non-negative integer up to 2^48, got ${describe(d)} in [${arr.map(describe).join(', ')}]`, 'ERR_SHAPE');
    n *= d as number;
  }
  if (n > MAX_NUMEL) fail(op, `${arg} [${arr.join(', ')}] has ${n} elements, more than the ${MAX_NUMEL} supported`, 'ERR_SHAPE');
  return (arr as number[]).slice();
}

/** Normalises a possibly negative axis; names the op and the rank in the error. */
export function normAxis(axis: unknown, ndim: number, op: string, arg = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis))
    fail(op, `${arg} must be an integer, got ${describe(axis)}`, 'ERR_AXIS');
  const a = axis as number;
  const lim = Math.max(ndim, 1);
  if (a < -lim || a >= lim) fail(op, `${arg} ${a} is out of range for a tensor of rank ${ndim}`, 'ERR_AXIS');
  return a < 0 ? a + lim : a;
}

/** Normalises axis | axis[] | undefined (= all) to a sorted unique list. */
export function normAxes(axis: unknown, ndim: number, op: string): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  const out = new Set<number>();
  for (const a of list) {
    const n = normAxis(a, ndim, op);
    if (out.has(n)) fail(op, `axis ${n} repeated in ${JSON.stringify(axis)}`, 'ERR_AXIS');
    if (ndim === 0 && n === 0) continue; // reducing a 0-d tensor over axis 0/-1 is the identity, as in numpy
    out.add(n);
  }
  return [...out].sort((x, y) => x - y);
}

/** numpy broadcasting of two shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  if (sameShape(a, b)) return a as number[];
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else fail(op, `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (dim ${i}: ${da} vs ${db})`, 'ERR_SHAPE');
  }
  return out;
}

/** Strides that read a tensor of (shape, strides) as if broadcast to outShape (0 on broadcast dims). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], outShape: readonly number[]): number[] {
  const n = outShape.length;
  const off = n - shape.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (i < off) out[i] = 0;
    else out[i] = shape[i - off] === 1 && outShape[i] !== 1 ? 0 : strides[i - off];
  }
  return out;
}
