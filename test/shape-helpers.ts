// Shared by the shape/copy/indexing test files (views, join, indexing): random values as each
// dtype stores them, transposed views holding known values, and row-major index helpers.
import { tp, randArray, randInts, unravel, prod } from './helpers';

/**
 * test() with the body inside tp.tidy: its tensors are freed when it ends, so no garbage is
 * left for the GC to finalize in the middle of a later leak check.
 */
export function tidyTest(name: string, fn: () => void): void {
  test(name, () => {
    tp.tidy(fn);
  });
}

export type DT = 'float32' | 'float64' | 'int32' | 'bool';
export const DTYPES: DT[] = ['float32', 'float64', 'int32', 'bool'];

export function vals(n: number, dtype: DT, r: () => number): number[] {
  if (dtype === 'bool') return randInts(n, r, 0, 2);
  if (dtype === 'int32') return randInts(n, r, -50, 50);
  const v = randArray(n, r);
  return dtype === 'float32' ? v.map(Math.fround) : v;
}
export function mk(shape: number[], dtype: DT, r: () => number): { t: tp.Tensor; v: number[] } {
  const v = vals(prod(shape), dtype, r);
  return { t: tp.tensor(v, { dtype, shape }), v };
}
/** A transposed (non-contiguous) view holding the row-major values v of `shape`. */
export function mkT(shape: number[], dtype: DT, r: () => number): { t: tp.Tensor; v: number[] } {
  const rev = shape.slice().reverse();
  const { t, v: vr } = mk(rev, dtype, r);
  return { t: t.T, v: build(shape, (idx) => at(vr, rev, idx.slice().reverse())) };
}
/** Builds the row-major values of outShape from f(outIndex) -> value. */
export function build(outShape: number[], f: (idx: number[]) => number): number[] {
  const n = prod(outShape);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = f(unravel(i, outShape));
  return out;
}
/** The value at multi-index idx of row-major values v of shape. */
export function at(v: number[], shape: number[], idx: number[]): number {
  let o = 0;
  for (let d = 0; d < shape.length; d++) o = o * shape[d] + idx[d];
  return v[o];
}
