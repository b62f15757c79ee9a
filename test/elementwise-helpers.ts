// Shared by the elementwise test files (unary, binary, logical): typed inputs per dtype,
// and strided views (permuted, flipped, stepped) holding given values, built directly with
// _view so these tests do not depend on the view ops.
import { tp, randArray, randInts, f32, prod, stridesOf } from './helpers';

export type DT = 'float32' | 'float64' | 'int32' | 'bool';
export const DTS: DT[] = ['float32', 'float64', 'int32', 'bool'];
export const TA = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };
export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;
export function gen(n: number, dtype: DT, r: () => number, lo = -3, hi = 3): number[] {
  if (dtype === 'bool') return randInts(n, r, 0, 2);
  if (dtype === 'int32') return randInts(n, r, Math.ceil(lo), Math.floor(hi) + 1);
  const v = randArray(n, r, lo, hi);
  return dtype === 'float32' ? v.map(f32) : v;
}
export function mk(values: number[], shape: number[], dtype: DT): tp.Tensor {
  return tp.tensor(new TA[dtype](values), { shape, dtype });
}
export function store(v: number, dtype: DT): number {
  if (dtype === 'float32') return f32(v);
  if (dtype === 'int32') return v | 0;
  if (dtype === 'bool') return v ? 1 : 0;
  return v;
}
export function walk(shape: number[], strides: number[], offset: number): number[] {
  const n = prod(shape);
  const nd = shape.length;
  const res = new Array<number>(n);
  const idx = new Array<number>(nd).fill(0);
  let p = offset;
  for (let i = 0; i < n; i++) {
    res[i] = p;
    for (let d = nd - 1; d >= 0; d--) {
      p += strides[d];
      if (++idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return res;
}
export interface ViewSpec {
  perm?: number[]; // storage order of dims, outermost first (reversed = a transposed view)
  flip?: boolean[]; // negative stride on these dims
  step?: number; // every step-th element
}
export function viewOf(values: number[], shape: number[], dtype: DT, spec: ViewSpec): tp.Tensor {
  const nd = shape.length;
  const step = spec.step ?? 1;
  const perm = spec.perm ?? shape.map((_, i) => i);
  const E = shape.map((s) => s * step);
  const P = new Array<number>(nd);
  let total = 1;
  for (let k = nd - 1; k >= 0; k--) {
    P[perm[k]] = total;
    total *= Math.max(E[perm[k]], 1);
  }
  const strides = shape.map((_, d) => (spec.flip?.[d] ? -1 : 1) * step * P[d]);
  let offset = 0;
  for (let d = 0; d < nd; d++) if (spec.flip?.[d]) offset += (shape[d] - 1) * step * P[d];
  const base = new Array<number>(total).fill(dtype === 'bool' ? 1 : 77);
  const pos = walk(shape, strides, offset);
  for (let i = 0; i < values.length; i++) base[pos[i]] = values[i];
  const b = mk(base, [total], dtype);
  const v = b._view(shape.slice(), strides, offset);
  b.dispose(); // the view keeps the storage alive
  return v;
}
export function bmap(shape: number[], out: number[]): number[] {
  const st = stridesOf(shape);
  const off = out.length - shape.length;
  return walk(out, out.map((_, d) => (d < off || shape[d - off] === 1 ? 0 : st[d - off])), 0);
}
