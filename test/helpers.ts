// Shared test utilities: seeded random data, closeness checks as torch.testing, and a
// leak check on native buffers. Import the library through `tp` from here so every
// test loads the same build (TAPEFLOW_ADDON picks an alternative build directory).
import * as tp from '../lib';
export { tp };

/** Mulberry32: small, fast, seeded. Tests seed from the test name so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedOf(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Uniform values in [lo, hi), never all zero. */
export function randArray(n: number, r: () => number, lo = -2, hi = 2): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export function randInts(n: number, r: () => number, lo: number, hi: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor((hi - lo) * r());
  return out;
}

export function prod(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Row-major strides for a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}

/** Multi-index of flat position i. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** Rounds like the float32 the library stores. */
export const f32 = Math.fround;

export interface Tol {
  rtol?: number;
  atol?: number;
}
/** torch.testing defaults for float32; float64 uses 1e-7 / 1e-7. */
export function defaultTol(dtype: string): Required<Tol> {
  if (dtype === 'float64') return { rtol: 1e-7, atol: 1e-7 };
  if (dtype === 'float32') return { rtol: 1.3e-6, atol: 1e-5 };
  return { rtol: 0, atol: 0 };
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise, with NaN equal to
 * NaN and infinities equal when same sign. Reports the first mismatch with its index.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tol = {}, what = ''): void {
  const rtol = tol.rtol ?? 1.3e-6;
  const atol = tol.atol ?? 1e-5;
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = Number(actual[i]);
    const e = Number(expected[i]);
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e)))
      throw new Error(`${what}: element ${i}: got ${a}, expected ${e} (rtol ${rtol}, atol ${atol})`);
  }
}

/** expectClose on a tensor, checking shape and dtype too. */
export function expectTensor(t: tp.Tensor, shape: number[], dtype: string, expected: ArrayLike<number>, tol?: Tol, what = ''): void {
  expect(t.shape).toEqual(shape);
  expect(t.dtype).toBe(dtype);
  expectClose(t.dataSync(), expected, tol ?? defaultTol(dtype), what);
}

/**
 * Frees what earlier work left to the GC, so a live-buffer count taken next cannot drop when a
 * collection happens mid-test: collect, allocate past one tracking flush (small storages are
 * tied to the GC in batches, split only at the next flush; lib/tensor.ts), collect again.
 */
export function settleGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  for (let round = 0; round < 2; round++) {
    gc();
    for (let i = 0; i < 600; i++) tp.zeros([1]).dispose();
  }
  gc();
}

/**
 * Runs fn and asserts that the native buffers and bytes are back to where they were
 * (after disposing what fn returns). Catches leaks of intermediates.
 */
export function expectNoLeak(fn: () => unknown): void {
  // Collect earlier tests' garbage first, so a GC during fn cannot lower the count.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  const before = tp.memory();
  const out = fn();
  tp.dispose(out);
  const after = tp.memory();
  expect(after.numTensors).toBe(before.numTensors);
  expect(after.numBytes).toBe(before.numBytes);
}

export function expectThrowsCode(fn: () => unknown, code: string | RegExp, message?: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (!err) throw new Error('expected an error, none thrown');
  const e = err as { code?: string; message: string; name: string };
  expect(e.name).toBe('TapeflowError');
  if (typeof code === 'string') expect(e.code).toBe(code);
  else expect(e.code).toMatch(code);
  if (message) expect(e.message).toMatch(message);
}

export type GemmIsa = 'scalar' | 'avx2' | 'avx512emu' | 'avx512';
/**
 * The gemm ISAs this CPU runs, in order (avx512emu: the AVX-512 tile geometry run on AVX2, where
 * AVX2 runs), and the one active at the start (restore it with native._gemmIsa(initial)).
 */
export function gemmIsas(): { isas: GemmIsa[]; initial: GemmIsa } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { native } = require('../lib/core/native');
  const order: GemmIsa[] = ['scalar', 'avx2', 'avx512emu', 'avx512'];
  const initial = native._gemmIsa().active as GemmIsa;
  const best = native._gemmIsa('avx512').active as GemmIsa;
  native._gemmIsa(initial);
  return { isas: order.filter((i) => order.indexOf(i) <= Math.max(order.indexOf(best), best === 'avx2' ? 2 : 0)), initial };
}

/** max |a - ref| / max(1, max |ref|): a float32 kernel's error against a float64 reference, of the largest value. */
export function relErrOfMax(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(a[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return err / scale;
}
