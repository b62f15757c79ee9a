// Loader for test/fixtures/torch_ops2.json (written by test/fixtures/gen_ops2.py from torch 1.13):
// tensors are {shape, dtype, data} with NaN / ±Inf as strings; gradients are those of
// sum(y * gy) for the stored gy. Shared by activations / ops2 / adadelta tests.
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectClose, defaultTol, Tol } from './helpers';

export interface TRec {
  shape: number[];
  dtype: 'float32' | 'float64' | 'int32' | 'bool';
  data: (number | string | boolean)[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'torch_ops2.json'), 'utf8')) as any;

export function num(v: number | string | boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`bad fixture number ${v}`);
}

export function values(r: TRec): number[] {
  return r.data.map(num);
}

/** The fixture tensor (float data written through a Float64Array so NaN/Inf survive). */
export function build(r: TRec): tp.Tensor {
  if (r.dtype === 'bool') return tp.tensor(r.data.map((v) => v === true || v === 1), { shape: r.shape, dtype: 'bool' });
  const data = r.dtype === 'int32' ? Int32Array.from(values(r)) : Float64Array.from(values(r));
  return tp.tensor(data, { shape: r.shape, dtype: r.dtype });
}

/** Shape, dtype and values of t against the record (torch.testing tolerances unless given). */
export function expectRec(t: tp.Tensor, r: TRec, what: string, tol?: Tol): void {
  expect(t.shape).toEqual(r.shape);
  expect(t.dtype).toBe(r.dtype);
  expectClose(t.dataSync(), values(r), tol ?? defaultTol(r.dtype), what);
}

/** The fixture's NormOrd: null -> undefined, 'inf' -> Infinity. */
export function ordOf(v: unknown): number | string | undefined {
  if (v === null || v === undefined) return undefined;
  if (v === 'inf' || v === '-inf') return num(v);
  return v as number | string;
}
