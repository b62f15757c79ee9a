// Reading nested JS arrays (tp.tensor's data): shape, checks and the flat values, with no
// tensor built until every check has passed.
import { fail, describe, fmtShape } from '../core/errors';
import { MAX_DIMS } from '../core/shape';

// Nested arrays larger than this are refused before anything is built: a JS array holding
// more elements than V8 can index (or a sparse one, cheap to make at any length) would
// otherwise end in V8's fatal "invalid size" rather than an error. Bigger data: a TypedArray.
const MAX_NESTED = 2 ** 31 - 1;

/** Shape of nested arrays, read along the first element of each level. */
export function nestedShape(data: unknown, op: string): number[] {
  const shape: number[] = [];
  let cur: unknown = data;
  let n = 1;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (shape.length > MAX_DIMS) fail(op, `nesting deeper than ${MAX_DIMS} dims`, 'ERR_SHAPE');
    n *= cur.length;
    if (n > MAX_NESTED)
      fail(op, `nested arrays of shape ${fmtShape(shape)}… hold more than ${MAX_NESTED} values; pass a TypedArray with { shape }`, 'ERR_SHAPE');
    cur = cur.length > 0 ? cur[0] : undefined;
  }
  return shape;
}

/**
 * Checks every level has its expected length and every leaf is a number or a boolean (a
 * hole reads as undefined: refused at the first one, before anything is allocated).
 * Returns whether all leaves are booleans.
 */
export function checkNested(data: unknown, shape: number[], op: string): boolean {
  let allBool = true;
  const last = shape.length - 1;
  const walk = (x: unknown, dim: number, path: string): void => {
    if (!Array.isArray(x) || x.length !== shape[dim])
      fail(op, `ragged nested array: ${path} has ${Array.isArray(x) ? x.length : 'no'} elements, expected ${shape[dim]} (shape ${fmtShape(shape)})`, 'ERR_SHAPE');
    if (dim < last) {
      for (let i = 0; i < x.length; i++) walk(x[i], dim + 1, `${path}[${i}]`);
      return;
    }
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v === 'number') allBool = false;
      else if (typeof v !== 'boolean') {
        const what = Array.isArray(v) ? 'an array where a value was expected (ragged nested array)' : v === undefined && !(i in x) ? 'a hole (sparse array)' : describe(v);
        fail(op, `${path}[${i}] is ${what}; expected a number or boolean`, Array.isArray(v) ? 'ERR_SHAPE' : 'ERR_ARGUMENT');
      }
    }
  };
  walk(data, 0, 'data');
  return allBool;
}

/** Writes the (already checked) leaves of nested arrays into out, in row-major order. */
export function fillNested(data: unknown[], depth: number, out: Float32Array | Float64Array): void {
  let pos = 0;
  const walk = (x: unknown[], dim: number): void => {
    if (dim < depth - 1) {
      for (let i = 0; i < x.length; i++) walk(x[i] as unknown[], dim + 1);
      return;
    }
    for (let i = 0; i < x.length; i++) out[pos++] = +(x[i] as number); // +true = 1
  };
  walk(data, 0);
}

/** A typed-array buffer for the leaves, or ERR_OUT_OF_MEMORY when it cannot be had. */
export function leafBuffer(n: number, f32: boolean, op: string): Float32Array | Float64Array {
  try {
    return f32 ? new Float32Array(n) : new Float64Array(n);
  } catch {
    return fail(op, `cannot allocate ${n} values`, 'ERR_OUT_OF_MEMORY');
  }
}
