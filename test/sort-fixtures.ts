// Reads test/fixtures/torch_sort.json (written by test/fixtures/gen_sort.py from torch 1.13)
// for test/sort.test.ts and test/mask.test.ts: builds each case's inputs (contiguous, or a
// strided view of a stored buffer) and compares results exactly or with torch.testing's
// tolerances.
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectClose, defaultTol } from './helpers';

export type Num = number | string;
export interface InputRec {
  shape: number[];
  dtype: tp.DType;
  data?: Num[];
  storage?: Num[];
  strides?: number[];
  offset?: number;
}
export interface OutRec {
  shape: number[];
  dtype: string;
  data: Num[];
}
export interface SortCase {
  id: string;
  op: string;
  args: { axis?: number; descending?: boolean; k?: number; largest?: boolean; sorted?: boolean };
  x: InputRec;
  mask?: InputRec;
  w?: Num[];
  grad?: Num[];
  unordered?: boolean;
  expected: { values?: OutRec; indices?: OutRec; out?: OutRec };
}

const FILE = path.join(__dirname, 'fixtures', 'torch_sort.json');
export const sortCases = (JSON.parse(fs.readFileSync(FILE, 'utf8')) as { cases: SortCase[] }).cases;

export function num(v: Num): number {
  if (typeof v === 'number') return v;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  throw new Error(`bad number ${v}`);
}

/** The case's input as a tensor: a fresh contiguous one, or a view of a stored buffer. */
export function buildInput(r: InputRec): tp.Tensor {
  if (r.data) return tp.tensor(Float64Array.from(r.data.map(num)), { shape: r.shape, dtype: r.dtype });
  const st = r.storage!.map(num);
  const base = tp.tensor(Float64Array.from(st), { shape: [st.length], dtype: r.dtype });
  return base._view(r.shape, r.strides!, r.offset!);
}

/** Shape, dtype and values (NaN equal to NaN; exact unless tol is given). */
export function expectOut(t: tp.Tensor, e: OutRec, what: string, tol?: { rtol: number; atol: number }): void {
  expect({ what, shape: t.shape, dtype: t.dtype }).toEqual({ what, shape: e.shape, dtype: e.dtype });
  const want = e.data.map(num).map((v) => (e.dtype === 'float32' ? Math.fround(v) : v)); // stored as the shortest decimal
  expectClose(t.dataSync(), want, tol ?? { rtol: 0, atol: 0 }, what);
}

/** The gradient of sum(out * w) with respect to x, against the fixture's. */
export function expectGrad(x: tp.Tensor, f: (x: tp.Tensor) => tp.Tensor, c: SortCase): void {
  x.requiresGrad = true;
  const out = f(x);
  const w = tp.tensor(Float64Array.from(c.w!.map(num)), { shape: out.shape, dtype: x.dtype });
  const [g] = tp.grads(tp.sum(tp.mul(out, w)), [x]);
  expect(g.shape).toEqual(x.shape);
  expectClose(g.dataSync(), c.grad!.map(num), defaultTol(x.dtype), `${c.id} grad`);
}
