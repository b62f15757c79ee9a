// Reductions (sum mean prod max min argmax argmin var std logsumexp any all + TF aliases)
// and scans (cumsum, cumprod) against a plain-JS float64 reference on seeded random data.
import {
  tp, rng, seedOf, randArray, prod, stridesOf, unravel, defaultTol, expectClose, expectTensor,
  expectNoLeak, expectThrowsCode,
} from './helpers';
import type { Tensor } from '../lib';

type DT = 'float32' | 'float64' | 'int32' | 'bool';
const DTYPES: DT[] = ['float32', 'float64', 'int32', 'bool'];
type Axis = number | number[] | undefined;

// ---------------------------------------------------------------- data and views

/** Random values already rounded to dtype: floats in [-2, 2); int32 nonzero in ±[1, 3]; bool 0/1 (60% true). */
function genValues(n: number, dtype: DT, r: () => number): number[] {
  if (dtype === 'float32') return randArray(n, r).map(Math.fround);
  if (dtype === 'float64') return randArray(n, r);
  if (dtype === 'int32') return Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (1 + Math.floor(3 * r())));
  return Array.from({ length: n }, () => (r() < 0.6 ? 1 : 0));
}

function make(vals: number[], shape: number[], dtype: DT): Tensor {
  switch (dtype) {
    case 'float32': return tp.tensor(Float32Array.from(vals), { shape });
    case 'float64': return tp.tensor(Float64Array.from(vals), { shape });
    case 'int32': return tp.tensor(Int32Array.from(vals), { shape });
    default: return tp.tensor(Uint8Array.from(vals), { shape, dtype: 'bool' });
  }
}

/** Logical row-major values of a strided view of `base` (flat storage values). */
function viewValues(base: number[], shape: number[], strides: number[], offset: number): number[] {
  const n = prod(shape);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    let o = offset;
    for (let d = 0; d < shape.length; d++) o += idx[d] * strides[d];
    out[i] = base[o];
  }
  return out;
}

interface Input {
  name: string;
  t: Tensor;
  vals: number[];
  shape: number[];
  owner: Tensor;
}

/** A contiguous tensor and non-contiguous views (transposed, stride-2, broadcast stride-0, flipped) of the same logical shape [3, 4, 5]. */
function inputs(dtype: DT, r: () => number): Input[] {
  const shape = [3, 4, 5];
  const out: Input[] = [];
  const v0 = genValues(60, dtype, r);
  const c = make(v0, shape, dtype);
  out.push({ name: 'contiguous', t: c, vals: v0, shape, owner: c });
  // transposed: storage [5, 4, 3], view [3, 4, 5] strides [1, 3, 12]
  const v1 = genValues(60, dtype, r);
  const b1 = make(v1, [5, 4, 3], dtype);
  out.push({ name: 'transposed', t: b1._view(shape, [1, 3, 12], 0), vals: viewValues(v1, shape, [1, 3, 12], 0), shape, owner: b1 });
  // every other element of a [3, 4, 10] storage, offset 1
  const v2 = genValues(120, dtype, r);
  const b2 = make(v2, [3, 4, 10], dtype);
  out.push({ name: 'stride2', t: b2._view(shape, [40, 10, 2], 1), vals: viewValues(v2, shape, [40, 10, 2], 1), shape, owner: b2 });
  // broadcast: a [4, 5] storage repeated along dim 0 (stride 0)
  const v3 = genValues(20, dtype, r);
  const b3 = make(v3, [4, 5], dtype);
  out.push({ name: 'broadcast', t: b3._view(shape, [0, 5, 1], 0), vals: viewValues(v3, shape, [0, 5, 1], 0), shape, owner: b3 });
  // flipped along dims 1 and 2 (negative strides)
  const v4 = genValues(60, dtype, r);
  const b4 = make(v4, shape, dtype);
  out.push({ name: 'flipped', t: b4._view(shape, [20, -5, -1], 19), vals: viewValues(v4, shape, [20, -5, -1], 19), shape, owner: b4 });
  return out;
}

// ---------------------------------------------------------------- reference

function normAxesRef(axis: Axis, nd: number): number[] {
  if (axis === undefined) return Array.from({ length: nd }, (_, i) => i);
  const list = Array.isArray(axis) ? axis : [axis];
  return list.map((a) => (a < 0 ? a + Math.max(nd, 1) : a)).filter((a) => nd > 0 || a !== 0);
}

/** Flat offsets (row-major strides `st`) of every index of `dims`, in logical order. */
function offsetsOf(shape: number[], st: number[], dims: number[]): number[] {
  let offs = [0];
  for (const d of dims) {
    const next: number[] = [];
    for (const o of offs) for (let i = 0; i < shape[d]; i++) next.push(o + i * st[d]);
    offs = next;
  }
  return offs;
}

/** Applies fn to the reduced values (in logical order) of every output position. */
function refReduce(vals: number[], shape: number[], axis: Axis, keepDims: boolean, fn: (v: number[]) => number): { shape: number[]; data: number[] } {
  const nd = shape.length;
  const red = new Set(normAxesRef(axis, nd));
  const kept = shape.map((_, d) => d).filter((d) => !red.has(d));
  const rdims = shape.map((_, d) => d).filter((d) => red.has(d));
  const st = stridesOf(shape);
  const outShape = keepDims ? shape.map((s, d) => (red.has(d) ? 1 : s)) : kept.map((d) => shape[d]);
  const koffs = offsetsOf(shape, st, kept);
  const roffs = offsetsOf(shape, st, rdims);
  const data = koffs.map((b) => fn(roffs.map((o) => vals[b + o])));
  return { shape: outShape, data };
}

const isInt = (d: DT) => d === 'int32' || d === 'bool';
function maxNaN(v: number[]): number {
  let m = -Infinity;
  for (const x of v) {
    if (Number.isNaN(x)) return NaN;
    if (x > m) m = x;
  }
  return m;
}
function minNaN(v: number[]): number {
  let m = Infinity;
  for (const x of v) {
    if (Number.isNaN(x)) return NaN;
    if (x < m) m = x;
  }
  return m;
}
function argRef(v: number[], isMax: boolean): number {
  let bi = 0;
  let b = v[0];
  for (let i = 1; i < v.length; i++) {
    if (Number.isNaN(b)) break;
    const x = v[i];
    if (Number.isNaN(x) || (isMax ? x > b : x < b)) {
      b = x;
      bi = i;
    }
  }
  return bi;
}
function meanRef(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}
function varRef(v: number[]): number {
  const m = meanRef(v);
  return v.reduce((a, b) => a + (b - m) * (b - m), 0) / v.length;
}
function lseRef(v: number[]): number {
  const m = maxNaN(v);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
}

interface OpSpec {
  fn: (x: Tensor, axis?: Axis, keepDims?: boolean) => Tensor;
  method: string;
  ref: (v: number[], d: DT) => number;
  out: (d: DT) => DT;
  single?: boolean; // argmax/argmin: one axis only
  needsElements?: boolean;
}
const floatOut = (d: DT): DT => (isInt(d) ? 'float32' : d);
const OPS: Record<string, OpSpec> = {
  sum: { fn: tp.sum, method: 'sum', ref: (v, d) => (isInt(d) ? v.reduce((a, b) => (a + b) | 0, 0) : v.reduce((a, b) => a + b, 0)), out: (d) => (isInt(d) ? 'int32' : d) },
  mean: { fn: tp.mean, method: 'mean', ref: meanRef, out: floatOut },
  prod: { fn: tp.prod, method: 'prod', ref: (v, d) => (isInt(d) ? v.reduce((a, b) => Math.imul(a, b), 1) : v.reduce((a, b) => a * b, 1)), out: (d) => (isInt(d) ? 'int32' : d) },
  max: { fn: tp.max, method: 'max', ref: maxNaN, out: (d) => d, needsElements: true },
  min: { fn: tp.min, method: 'min', ref: minNaN, out: (d) => d, needsElements: true },
  argmax: { fn: tp.argmax as OpSpec['fn'], method: 'argmax', ref: (v) => argRef(v, true), out: () => 'int32', single: true, needsElements: true },
  argmin: { fn: tp.argmin as OpSpec['fn'], method: 'argmin', ref: (v) => argRef(v, false), out: () => 'int32', single: true, needsElements: true },
  var: { fn: tp.var, method: 'var', ref: varRef, out: floatOut },
  std: { fn: tp.std, method: 'std', ref: (v) => Math.sqrt(varRef(v)), out: floatOut },
  logsumexp: { fn: tp.logsumexp, method: 'logsumexp', ref: lseRef, out: floatOut },
  any: { fn: tp.any, method: 'any', ref: (v) => (v.some((x) => x !== 0) ? 1 : 0), out: () => 'bool' },
  all: { fn: tp.all, method: 'all', ref: (v) => (v.every((x) => x !== 0) ? 1 : 0), out: () => 'bool' },
};

const AXES_MULTI: Axis[] = [undefined, 0, 1, 2, -1, -2, [0, 2], [2, 0], [-1, 0], [0, 1, 2], [1, 2], []];
const AXES_SINGLE: Axis[] = [undefined, 0, 1, 2, -1, -3];

function check(name: string, op: OpSpec, inp: { t: Tensor; vals: number[]; shape: number[] }, dtype: DT, axis: Axis, keep: boolean, useMethod = false): void {
  const what = `${name}(${JSON.stringify(axis)}, keep=${keep})`;
  const exp = refReduce(inp.vals, inp.shape, axis, keep, (v) => op.ref(v, dtype));
  const got = useMethod
    ? (inp.t as unknown as Record<string, (a?: Axis, k?: boolean) => Tensor>)[op.method](axis, keep)
    : op.fn(inp.t, axis, keep);
  try {
    expectTensor(got, exp.shape, op.out(dtype), exp.data, defaultTol(op.out(dtype)), what);
  } finally {
    got.dispose();
  }
}

// ---------------------------------------------------------------- tests

describe('reductions vs reference: every op, dtype, axis set, keepDims, layout', () => {
  for (const [name, op] of Object.entries(OPS)) {
    for (const dtype of DTYPES) {
      test(`${name} ${dtype}`, () => {
        const r = rng(seedOf(`${name}-${dtype}`));
        const ins = inputs(dtype, r);
        try {
          for (const inp of ins) {
            const axesList = op.single ? AXES_SINGLE : inp.name === 'contiguous' ? AXES_MULTI : [undefined, 0, 2, -2, [0, 2], [1, 2]];
            for (const axis of axesList) for (const keep of [false, true]) check(`${name}/${inp.name}`, op, inp, dtype, axis, keep);
          }
          // method form, once per layout
          for (const inp of ins) check(`${name}/${inp.name}/method`, op, inp, dtype, 1, false, true);
        } finally {
          for (const inp of ins) {
            inp.t.dispose();
            inp.owner.dispose();
          }
        }
      });
    }
  }
});

describe('loop orders and long reductions', () => {
  // Shapes that exercise: outer order (kept dim contiguous) with several kept dims, inner
  // order with non-coalescable reduced dims, chunked long reductions (> 65536 elements)
  // in both orders, and vector paths with tails (row lengths not multiples of 32).
  const cases: { shape: number[]; axes: Axis[] }[] = [
    { shape: [4, 50, 6], axes: [1, [0, 1], 0, [0, 2]] },
    { shape: [37, 131], axes: [0, 1, undefined] },
    { shape: [70001], axes: [0] },
    { shape: [10000, 7], axes: [0, 1] },
    { shape: [3, 40000], axes: [1, 0] },
  ];
  for (const op of ['sum', 'mean', 'max', 'min', 'argmax', 'argmin', 'var', 'std', 'logsumexp', 'any', 'all', 'prod']) {
    for (const dtype of ['float32', 'float64', 'int32'] as DT[]) {
      test(`${op} ${dtype}`, () => {
        const spec = OPS[op];
        const r = rng(seedOf(`long-${op}-${dtype}`));
        for (const c of dtype === 'float32' ? cases : cases.slice(0, 4)) {
          const n = prod(c.shape);
          let vals = genValues(n, dtype, r);
          if (op === 'prod' && dtype !== 'int32') vals = vals.map((v) => (dtype === 'float32' ? Math.fround(1 + v / 4000) : 1 + v / 4000));
          const t = make(vals, c.shape, dtype);
          for (const axis of c.axes) {
            if (spec.single && Array.isArray(axis)) continue;
            const got = spec.fn(t, axis);
            const exp = refReduce(vals, c.shape, axis, false, (v) => spec.ref(v, dtype));
            const red = prod(normAxesRef(axis, c.shape.length).map((d) => c.shape[d]));
            // Loosened for float32 reductions of > 1000 terms (up to 70001): the reference is
            // exact float64 while the float32 result carries a few ulps from 8-term float
            // partials and from its own rounding; near-zero sums of ~1e5 terms need atol 1e-4
            // (the ulp of a value ~100 is 7.6e-6). prod of 70001 factors near 1 likewise.
            const tol = dtype === 'float32' && red > 1000 ? { rtol: 1e-5, atol: 1e-4 } : defaultTol(spec.out(dtype));
            expectTensor(got, exp.shape, spec.out(dtype), exp.data, tol, `${op}${JSON.stringify(c.shape)} axis ${JSON.stringify(axis)}`);
            got.dispose();
          }
          t.dispose();
        }
      });
    }
  }

  test('float32 sum of 1e6 elements is accurate (blocked summation)', () => {
    const r = rng(seedOf('sum-1e6'));
    const n = 1_000_000;
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = Math.fround(r() * 4 - 2);
    let ref = 0;
    let sabs = 0;
    for (let i = 0; i < n; i++) {
      ref += a[i];
      sabs += Math.abs(a[i]);
    }
    const t = tp.tensor(a);
    // Tolerance: atol 1e-9 * sum|x| (about 1e-3 here; the float32 ulp of the result is
    // ~1e-4), rtol 0. Contiguous float32 sums round only 8-term float partials (then
    // double), measured ~5e-5 off at this size; a single float32 accumulator is off by
    // ~1.6e-2 and fails.
    const checks: [Tensor, number, number][] = [
      [tp.sum(t), ref, sabs * 1e-9],
      [tp.sum(t, 0), ref, sabs * 1e-9],
      [tp.mean(t), ref / n, (sabs / n) * 1e-9],
    ];
    for (const [got, expv, atol] of checks) {
      expectClose([got.item()], [expv], { rtol: 0, atol });
      got.dispose();
    }
    // the outer loop order: axis 0 of [250000, 4] (four columns of 250000 terms)
    const cols = t._view([n / 4, 4], [4, 1], 0);
    const cs = tp.sum(cols, 0);
    const cref = [0, 0, 0, 0];
    const cabs = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      cref[i % 4] += a[i];
      cabs[i % 4] += Math.abs(a[i]);
    }
    const cg = cs.dataSync();
    for (let j = 0; j < 4; j++) expectClose([cg[j]], [cref[j]], { rtol: 0, atol: cabs[j] * 1e-9 }, `column ${j}`);
    tp.dispose([cs, cols]);
    // 1e6 copies of 0.1f: exact partials; a naive float32 loop gives 100958.34
    const tenth = tp.full([n], 0.1);
    const s = tp.sum(tenth);
    expect(Math.abs(s.item() - n * Math.fround(0.1))).toBeLessThan(0.01);
    s.dispose();
    tenth.dispose();
    t.dispose();
  });

  test('results do not depend on the thread count', () => {
    const before = tp.getNumThreads();
    const r = rng(seedOf('threads'));
    const a = tp.tensor(Float32Array.from(randArray(600 * 500, r)), { shape: [600, 500] });
    const b = tp.tensor(Float32Array.from(randArray(200000, r)));
    const run = () =>
      [tp.sum(a, 0), tp.sum(a, 1), tp.sum(b), tp.var(a, 0), tp.logsumexp(a, 1), tp.argmax(b), tp.max(a, 0), tp.mean(b), tp.cumsum(a, 0)].map((t) => {
        const d = t.dataSync();
        t.dispose();
        return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');
      });
    try {
      tp.setNumThreads(1);
      const one = run();
      tp.setNumThreads(2);
      const two = run();
      tp.setNumThreads(3);
      const three = run();
      expect(two).toEqual(one);
      expect(three).toEqual(one);
    } finally {
      tp.setNumThreads(before);
      a.dispose();
      b.dispose();
    }
  });
});

describe('special values', () => {
  const nan = NaN;
  const inf = Infinity;
  test('NaN and Inf propagate', () => {
    for (const dtype of ['float32', 'float64'] as DT[]) {
      const x = make([1, nan, 3, -inf, 2, 5, inf, 0, -inf, -inf, -inf, -inf], [3, 4], dtype);
      expectTensor(tp.sum(x, 1), [3], dtype, [nan, inf, -inf]);
      expectTensor(tp.mean(x, 1), [3], dtype, [nan, inf, -inf]);
      expectTensor(tp.max(x, 1), [3], dtype, [nan, inf, -inf]);
      expectTensor(tp.min(x, 1), [3], dtype, [nan, 0, -inf]);
      expectTensor(tp.argmax(x, 1), [3], 'int32', [1, 2, 0]);
      expectTensor(tp.argmin(x, 1), [3], 'int32', [1, 3, 0]);
      expectTensor(tp.logsumexp(x, 1), [3], dtype, [nan, inf, -inf]);
      expectTensor(tp.var(x, 1), [3], dtype, [nan, nan, nan]);
      expectTensor(tp.any(x, 1), [3], 'bool', [1, 1, 1]);
      expectTensor(tp.all(x, 1), [3], 'bool', [1, 0, 1]);
      expectTensor(tp.prod(x, 1), [3], dtype, [nan, nan, inf]);
      // +inf with -inf: logsumexp is +inf (as torch)
      expectTensor(tp.logsumexp(make([inf, -inf], [2], dtype)), [], dtype, [inf]);
      // large finite values do not overflow
      expectTensor(tp.logsumexp(make([1000, 1000], [2], dtype)), [], dtype, [1000 + Math.log(2)]);
      expectTensor(tp.logsumexp(make([-1000, -1000, -1000], [3], dtype)), [], dtype, [-1000 + Math.log(3)]);
      tp.dispose(x);
    }
  });

  test('NaN in long rows (vector paths) and in the outer order', () => {
    const r = rng(seedOf('nan-long'));
    for (const dtype of ['float32', 'float64'] as DT[]) {
      const vals = genValues(3 * 1000, dtype, r);
      vals[1 * 1000 + 517] = nan;
      vals[1 * 1000 + 900] = nan;
      vals[2 * 1000 + 999] = nan; // in the tail
      const x = make(vals, [3, 1000], dtype);
      expectTensor(tp.max(x, 1), [3], dtype, refReduce(vals, [3, 1000], 1, false, maxNaN).data);
      expectTensor(tp.argmax(x, 1), [3], 'int32', [argRef(vals.slice(0, 1000), true), 517, 999]);
      expectTensor(tp.argmin(x, 1), [3], 'int32', [argRef(vals.slice(0, 1000), false), 517, 999]);
      expectTensor(tp.argmax(x), [], 'int32', [1517]);
      // outer order: reduce axis 0 of the [1000, 3] transpose-free layout
      const y = make(vals, [1000, 3], dtype);
      const ey = refReduce(vals, [1000, 3], 0, false, maxNaN);
      expectTensor(tp.max(y, 0), [3], dtype, ey.data);
      expectTensor(tp.argmax(y, 0), [3], 'int32', refReduce(vals, [1000, 3], 0, false, (v) => argRef(v, true)).data);
      tp.dispose([x, y]);
    }
  });

  test('argmax/argmin ties give the first index (short, vector and chunked rows)', () => {
    expectTensor(tp.argmax(tp.tensor([3, 1, 3])), [], 'int32', [0]);
    expectTensor(tp.argmin(tp.tensor([1, 0, 0, 1])), [], 'int32', [1]);
    expectTensor(tp.argmax(tp.tensor([[1, 5, 5], [7, 7, 7]], { dtype: 'float32' }), 1), [2], 'int32', [1, 0]);
    expectTensor(tp.argmax(tp.tensor([true, false, true])), [], 'int32', [0]);
    expectTensor(tp.argmin(tp.tensor([true, false, false])), [], 'int32', [1]);
    expectTensor(tp.argmax(tp.full([100], -Infinity)), [], 'int32', [0]);
    expectTensor(tp.argmin(tp.full([100], Infinity)), [], 'int32', [0]);
    const r = rng(seedOf('ties'));
    for (const n of [40, 1000, 70000]) {
      for (const dtype of ['float32', 'float64', 'int32'] as DT[]) {
        const vals = genValues(n, dtype, r);
        const hi = 10;
        const lo = -10;
        const p1 = Math.floor(n * 0.7);
        const p2 = Math.floor(n * 0.2);
        vals[p1] = hi;
        vals[p2] = hi;
        vals[n - 1] = hi;
        vals[Math.floor(n * 0.9)] = lo;
        vals[Math.floor(n * 0.5)] = lo;
        const x = make(vals, [n], dtype);
        expectTensor(tp.argmax(x), [], 'int32', [p2], undefined, `argmax n=${n} ${dtype}`);
        expectTensor(tp.argmin(x), [], 'int32', [Math.floor(n * 0.5)], undefined, `argmin n=${n} ${dtype}`);
        expectTensor(tp.argmax(x, 0, true), [1], 'int32', [p2]);
        x.dispose();
      }
    }
  });

  test('flattened argmax of a non-contiguous view indexes the logical order', () => {
    const base = tp.tensor(Float32Array.from([0, 9, 2, 9, 1, 5]), { shape: [2, 3] });
    const t = base._view([3, 2], [1, 3], 0); // transpose: logical [[0,9],[9,1],[2,5]]
    expectTensor(tp.argmax(t), [], 'int32', [1]);
    expectTensor(tp.argmin(t), [], 'int32', [0]);
    expectTensor(tp.argmax(t, undefined, true), [1, 1], 'int32', [1]);
    tp.dispose([t, base]);
  });
});

describe('empty and 0-d', () => {
  test('empty reductions give the identity', () => {
    for (const dtype of DTYPES) {
      const e = make([], [0, 3], dtype);
      const sd = isInt(dtype) ? 'int32' : dtype;
      const fd = isInt(dtype) ? 'float32' : dtype;
      expectTensor(tp.sum(e, 0), [3], sd, [0, 0, 0]);
      expectTensor(tp.sum(e), [], sd, [0]);
      expectTensor(tp.sum(e, 1), [0], sd, []);
      expectTensor(tp.prod(e, 0), [3], sd, [1, 1, 1]);
      expectTensor(tp.mean(e, 0), [3], fd, [NaN, NaN, NaN]);
      expectTensor(tp.var(e), [], fd, [NaN]);
      expectTensor(tp.std(e, 0, true), [1, 3], fd, [NaN, NaN, NaN]);
      expectTensor(tp.logsumexp(e, 0), [3], fd, [-Infinity, -Infinity, -Infinity]);
      expectTensor(tp.any(e, 0), [3], 'bool', [0, 0, 0]);
      expectTensor(tp.all(e, 0), [3], 'bool', [1, 1, 1]);
      expectTensor(tp.cumsum(e, 0), [0, 3], sd, []);
      // reducing a non-empty dim of an empty tensor is fine for max/argmax
      expectTensor(tp.max(e, 1), [0], dtype, []);
      expectTensor(tp.argmin(e, 1, true), [0, 1], 'int32', []);
      for (const f of [tp.max, tp.min, tp.argmax, tp.argmin] as ((x: Tensor, a?: number) => Tensor)[]) {
        expectThrowsCode(() => f(e, 0), 'ERR_SHAPE', /empty/);
        expectThrowsCode(() => f(e), 'ERR_SHAPE', /empty/);
      }
      e.dispose();
    }
  });

  test('0-d inputs give 0-d outputs', () => {
    const x = tp.tensor(2.5);
    expectTensor(tp.sum(x), [], 'float32', [2.5]);
    expectTensor(tp.sum(x, 0), [], 'float32', [2.5]);
    expectTensor(tp.mean(x, -1, true), [], 'float32', [2.5]);
    expectTensor(tp.max(x), [], 'float32', [2.5]);
    expectTensor(tp.argmax(x), [], 'int32', [0]);
    expectTensor(tp.argmin(x, 0), [], 'int32', [0]);
    expectTensor(tp.var(x), [], 'float32', [0]);
    expectTensor(tp.logsumexp(x), [], 'float32', [2.5]);
    expectTensor(tp.all(x), [], 'bool', [1]);
    expectTensor(tp.cumsum(x, 0), [], 'float32', [2.5]);
    expectTensor(tp.cumprod(tp.tensor(true), -1), [], 'int32', [1]);
    expectThrowsCode(() => tp.sum(x, 1), 'ERR_AXIS');
    x.dispose();
  });
});

describe('aliases, methods and bad input', () => {
  test('TF aliases and methods', () => {
    const x = tp.tensor([[1, -2, 3], [4, 5, -6]], { dtype: 'float32' });
    const pairs: [Tensor, Tensor][] = [
      [tp.reduceSum(x, 1), tp.sum(x, 1)],
      [tp.reduceMean(x, 0, true), tp.mean(x, 0, true)],
      [tp.reduceMax(x), tp.max(x)],
      [tp.reduceMin(x, -1), tp.min(x, -1)],
      [tp.reduceProd(x, 0), tp.prod(x, 0)],
      [tp.reduceAny(x, 1), tp.any(x, 1)],
      [tp.reduceAll(x, 1), tp.all(x, 1)],
      [tp.reduceLogSumExp(x, 1), tp.logsumexp(x, 1)],
      [x.reduceSum(0), tp.sum(x, 0)],
      [x.reduceLogSumExp(), tp.logsumexp(x)],
      [x.cumsum(1), tp.cumsum(x, 1)],
      [x.cumprod(0), tp.cumprod(x, 0)],
      [x.argmin(), tp.argmin(x)],
      [x.std(1, true), tp.std(x, 1, true)],
      [x.var(), tp.variance(x)],
    ];
    for (const [a, b] of pairs) {
      expect(a.shape).toEqual(b.shape);
      expect(a.dtype).toBe(b.dtype);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tp.dispose([a, b]);
    }
    x.dispose();
  });

  test('bad input is a clear TapeflowError', () => {
    const x = tp.ones([2, 3]);
    expectThrowsCode(() => tp.sum(x, 2), 'ERR_AXIS', /sum: axis 2 is out of range/);
    expectThrowsCode(() => tp.mean(x, -3), 'ERR_AXIS');
    expectThrowsCode(() => tp.max(x, 1.5), 'ERR_AXIS', /integer/);
    expectThrowsCode(() => tp.sum(x, [0, 0]), 'ERR_AXIS', /repeated/);
    expectThrowsCode(() => tp.prod(x, [1, -1]), 'ERR_AXIS', /repeated/);
    expectThrowsCode(() => tp.var(x, '0' as never), 'ERR_AXIS');
    expectThrowsCode(() => tp.std(x, [0, NaN]), 'ERR_AXIS');
    expectThrowsCode(() => tp.argmax(x, [0, 1] as never), 'ERR_AXIS', /single integer/);
    expectThrowsCode(() => tp.argmin(x, 2), 'ERR_AXIS');
    expectThrowsCode(() => tp.logsumexp(x, 0, 'yes' as never), 'ERR_ARGUMENT', /keepDims/);
    expectThrowsCode(() => tp.sum([1, 2] as never), 'ERR_ARGUMENT', /x must be a Tensor/);
    expectThrowsCode(() => tp.any(3 as never), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.cumsum(x, 2), 'ERR_AXIS');
    expectThrowsCode(() => tp.cumsum(x, undefined as never), 'ERR_AXIS');
    expectThrowsCode(() => tp.cumprod(null as never, 0), 'ERR_ARGUMENT');
    const d = tp.ones([2]);
    d.dispose();
    for (const f of [tp.sum, tp.mean, tp.prod, tp.max, tp.min, tp.var, tp.std, tp.logsumexp, tp.any, tp.all, tp.argmax, tp.argmin] as ((t: Tensor) => Tensor)[])
      expectThrowsCode(() => f(d), 'ERR_DISPOSED', /disposed/);
    expectThrowsCode(() => tp.cumsum(d, 0), 'ERR_DISPOSED');
    expectThrowsCode(() => d.sum(), 'ERR_DISPOSED');
    x.dispose();
  });

  test('no leaks, including on errors and views', () => {
    const x = tp.tensor(Float32Array.from(randArray(24, rng(seedOf('leak')))), { shape: [2, 3, 4] });
    const v = x._view([4, 3, 2], [1, 4, 12], 0);
    for (const name of Object.keys(OPS)) {
      const op = OPS[name];
      expectNoLeak(() => op.fn(x, op.single ? 1 : [0, 2], true));
      expectNoLeak(() => op.fn(v, op.single ? undefined : [1]));
    }
    expectNoLeak(() => [tp.cumsum(v, 1), tp.cumprod(x, 0)]);
    const empty = tp.zeros([0]);
    expectNoLeak(() => {
      try {
        tp.max(empty);
      } catch {
        /* expected */
      }
    });
    empty.dispose();
    expectNoLeak(() => {
      try {
        tp.sum(x, 5);
      } catch {
        /* expected */
      }
    });
    tp.dispose([v, x]);
  });
});

describe('cumsum / cumprod', () => {
  function refScan(vals: number[], shape: number[], axis: number, dtype: DT, isProd: boolean): number[] {
    const nd = shape.length;
    const a = axis < 0 ? axis + nd : axis;
    const st = stridesOf(shape);
    const out = vals.slice();
    for (const b of offsetsOf(shape, st, shape.map((_, d) => d).filter((d) => d !== a))) {
      let acc = isProd ? 1 : 0;
      for (let k = 0; k < shape[a]; k++) {
        const o = b + k * st[a];
        if (isInt(dtype)) acc = isProd ? Math.imul(acc, vals[o]) : (acc + vals[o]) | 0;
        else acc = isProd ? acc * vals[o] : acc + vals[o];
        out[o] = acc;
      }
    }
    return out;
  }
  for (const dtype of DTYPES) {
    for (const isProd of [false, true]) {
      test(`${isProd ? 'cumprod' : 'cumsum'} ${dtype}: axes and layouts`, () => {
        const r = rng(seedOf(`scan-${dtype}-${isProd}`));
        const ins = inputs(dtype, r);
        const f = isProd ? tp.cumprod : tp.cumsum;
        const od: DT = isInt(dtype) ? 'int32' : dtype;
        for (const inp of ins) {
          for (const axis of [0, 1, 2, -1, -3]) {
            const got = f(inp.t, axis);
            expectTensor(got, inp.shape, od, refScan(inp.vals, inp.shape, axis, dtype, isProd), defaultTol(od), `${inp.name} axis ${axis}`);
            got.dispose();
          }
          inp.t.dispose();
          inp.owner.dispose();
        }
        // column-tiled order (axis 0 of a wide contiguous matrix) and a long row
        for (const shape of [[40, 300], [3, 5000]]) {
          const vals = genValues(prod(shape), dtype, r).map((v) => (isProd && !isInt(dtype) ? (dtype === 'float32' ? Math.fround(1 + v / 100) : 1 + v / 100) : v));
          const t = make(vals, shape, dtype);
          for (const axis of [0, 1]) {
            const got = f(t, axis);
            // float32 results of up to 5000 running terms, accumulated in double: only the
            // output rounding differs, but prefixes near zero make atol matter; 1e-4 covers it.
            const tol = dtype === 'float32' ? { rtol: 1e-5, atol: 1e-4 } : defaultTol(od);
            expectTensor(got, shape, od, refScan(vals, shape, axis, dtype, isProd), tol, `${JSON.stringify(shape)} axis ${axis}`);
            got.dispose();
          }
          t.dispose();
        }
      });
    }
  }
  test('int32 cumsum/cumprod wrap like int32 arithmetic; NaN/Inf propagate', () => {
    expectTensor(tp.cumsum(tp.tensor([2147483647, 1, 1], { dtype: 'int32' }), 0), [3], 'int32', [2147483647, -2147483648, -2147483647]);
    expectTensor(tp.cumprod(tp.tensor([65536, 65536, 3], { dtype: 'int32' }), 0), [3], 'int32', [65536, 0, 0]);
    expectTensor(tp.cumsum(tp.tensor([1, NaN, 2, Infinity]), 0), [4], 'float32', [1, NaN, NaN, NaN]);
    expectTensor(tp.cumsum(tp.tensor([1, Infinity, 2, -Infinity]), 0), [4], 'float32', [1, Infinity, Infinity, NaN]);
  });
});
