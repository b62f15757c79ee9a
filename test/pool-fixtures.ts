// Loader for test/fixtures/pool.json (gen_pool.py, torch 1.13): builds each case's input (as
// given, or as a non-contiguous view with the same values), runs the tapeflow call it names,
// and checks output, indices and the input gradient for the case's upstream gradient.
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectClose, defaultTol } from './helpers';

type T = tp.Tensor;
export interface PoolCase {
  name: string; op: string; args: unknown[]; dtype: 'float32' | 'float64';
  xShape: number[]; x: (number | string)[]; outShape: number[]; out: (number | string)[];
  gy: (number | string)[]; gx: (number | string)[]; idx?: number[];
}
const raw = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'pool.json'), 'utf8')) as { cases: PoolCase[] };
export const CASES = raw.cases;

export const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
export const nums = (a: (number | string)[]): number[] => a.map(num);

/** The call a case names, on x; returns [output, indices?]. */
export function callOp(c: PoolCase, x: T): [T, T | null] {
  const f = (tp as unknown as Record<string, (...a: unknown[]) => T | [T, T]>)[c.op];
  const r = f(x, ...c.args);
  return Array.isArray(r) ? [r[0], r[1]] : [r, null];
}

/** x with the case's values: contiguous, or a transposed-storage view (last two dims swapped). */
export function input(c: PoolCase, layout: 'contiguous' | 'strided'): T {
  const v = nums(c.x);
  const base = tp.tensor(v, { shape: c.xShape, dtype: c.dtype });
  if (layout === 'contiguous' || c.xShape.length < 2) return base;
  const r = c.xShape.length;
  const t = base.transpose(r - 2, r - 1).contiguous(); // values laid out transposed
  base.dispose();
  return t.transpose(r - 2, r - 1); // same logical values, non-contiguous
}

export function checkCase(c: PoolCase, layout: 'contiguous' | 'strided'): void {
  const tol = defaultTol(c.dtype);
  const x = input(c, layout).requiresGrad_();
  const [out, idx] = callOp(c, x);
  const what = `${c.op} ${c.name} (${layout})`;
  expect(out.shape).toEqual(c.outShape);
  expect(out.dtype).toBe(c.dtype);
  expectClose(out.dataSync(), nums(c.out), tol, `${what} output`);
  if (c.idx) {
    expect(idx).not.toBeNull();
    expect(idx!.dtype).toBe('int32');
    expect(Array.from(idx!.dataSync())).toEqual(c.idx);
  }
  if (out.size > 0) {
    const gy = tp.tensor(nums(c.gy), { shape: c.outShape, dtype: c.dtype });
    out.backward(gy);
    expect(x.grad).not.toBeNull();
    // float32 sums of several gradients in a different order than torch's: a few ulps more
    expectClose(x.grad!.dataSync(), nums(c.gx), c.dtype === 'float32' ? { rtol: 1e-5, atol: 1e-5 } : tol, `${what} gradient`);
    tp.dispose(gy);
  }
  tp.dispose([x, out, ...(idx ? [idx] : [])]);
}
