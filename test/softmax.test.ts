// softmax / logSoftmax against a plain-JS float64 reference on seeded random data: every
// axis, dtype, layout (contiguous rows, column tiles, gathered rows), long rows with
// vector tails, large values, -Inf masks, NaN/Inf rows, empty and 0-d inputs, bad input.
import { tp, rng, seedOf, randArray, prod, stridesOf, unravel, defaultTol, expectTensor, expectNoLeak, expectThrowsCode } from './helpers';
import type { Tensor } from '../lib';

type DT = 'float32' | 'float64' | 'int32' | 'bool';

function make(vals: number[], shape: number[], dtype: DT): Tensor {
  switch (dtype) {
    case 'float32': return tp.tensor(Float32Array.from(vals), { shape });
    case 'float64': return tp.tensor(Float64Array.from(vals), { shape });
    case 'int32': return tp.tensor(Int32Array.from(vals), { shape });
    default: return tp.tensor(Uint8Array.from(vals), { shape, dtype: 'bool' });
  }
}

function gen(n: number, dtype: DT, r: () => number, lo = -3, hi = 3): number[] {
  if (dtype === 'float32') return randArray(n, r, lo, hi).map(Math.fround);
  if (dtype === 'float64') return randArray(n, r, lo, hi);
  if (dtype === 'int32') return Array.from({ length: n }, () => Math.floor(r() * 9) - 4);
  return Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0));
}

function viewValues(base: number[], shape: number[], strides: number[], offset: number): number[] {
  return Array.from({ length: prod(shape) }, (_, i) => {
    const idx = unravel(i, shape);
    let o = offset;
    for (let d = 0; d < shape.length; d++) o += idx[d] * strides[d];
    return base[o];
  });
}

/** float64 reference along axis, written the textbook way (max subtracted). */
function refSoftmax(vals: number[], shape: number[], axis: number, log: boolean): number[] {
  const nd = shape.length;
  if (nd === 0) return [log ? 0 : 1].map((v) => (Number.isFinite(vals[0]) ? v : NaN));
  const a = axis < 0 ? axis + nd : axis;
  const st = stridesOf(shape);
  const out = new Array<number>(vals.length);
  for (let i = 0; i < vals.length; i++) {
    if (unravel(i, shape)[a] !== 0) continue;
    const idx = Array.from({ length: shape[a] }, (_, k) => i + k * st[a]);
    let m = -Infinity;
    for (const o of idx) m = Number.isNaN(vals[o]) || Number.isNaN(m) ? NaN : Math.max(m, vals[o]);
    let s = 0;
    for (const o of idx) s += Math.exp(vals[o] - m);
    for (const o of idx) out[o] = log ? vals[o] - m - Math.log(s) : Math.exp(vals[o] - m) / s;
  }
  return out;
}

const OPS: [string, (x: Tensor, axis?: number) => Tensor, boolean][] = [
  ['softmax', tp.softmax, false],
  ['logSoftmax', tp.logSoftmax, true],
];

describe('softmax / logSoftmax vs reference', () => {
  for (const [name, fn, log] of OPS) {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as DT[]) {
      test(`${name} ${dtype}: axes and layouts`, () => {
        const r = rng(seedOf(`${name}-${dtype}`));
        const shape = [3, 4, 5];
        const od = dtype === 'float64' ? 'float64' : 'float32';
        const v0 = gen(60, dtype, r);
        const c = make(v0, shape, dtype);
        const vt = gen(60, dtype, r);
        const bt = make(vt, [5, 4, 3], dtype);
        const vs = gen(120, dtype, r);
        const bs = make(vs, [3, 4, 10], dtype);
        const vb = gen(20, dtype, r);
        const bb = make(vb, [4, 5], dtype);
        const layouts: [string, Tensor, number[]][] = [
          ['contiguous', c, v0],
          ['transposed', bt._view(shape, [1, 3, 12], 0), viewValues(vt, shape, [1, 3, 12], 0)],
          ['stride2', bs._view(shape, [40, 10, 2], 1), viewValues(vs, shape, [40, 10, 2], 1)],
          ['broadcast', bb._view(shape, [0, 5, 1], 0), viewValues(vb, shape, [0, 5, 1], 0)],
          ['flipped', c._view(shape, [20, -5, -1], 19), viewValues(v0, shape, [20, -5, -1], 19)],
        ];
        for (const [lname, t, vals] of layouts) {
          for (const axis of [undefined, -1, 0, 1, 2, -3]) {
            const got = axis === undefined ? fn(t) : fn(t, axis);
            expectTensor(got, shape, od, refSoftmax(vals, shape, axis ?? -1, log), defaultTol(od), `${name} ${lname} axis ${axis}`);
            got.dispose();
          }
          const m = (t as unknown as Record<string, (a?: number) => Tensor>)[name](1);
          expectTensor(m, shape, od, refSoftmax(vals, shape, 1, log), defaultTol(od), `${name} ${lname} method`);
          m.dispose();
        }
        for (const [, t] of layouts) if (t !== c) t.dispose();
        tp.dispose([c, bt, bs, bb]);
      });
    }

    test(`${name}: long rows (vector paths and tails), column tiles, large values`, () => {
      const r = rng(seedOf(`${name}-long`));
      for (const dtype of ['float32', 'float64'] as DT[]) {
        // rows of 1003 (vector body + tail), axis 0 of a wide matrix (column tiles, 70 = 64 + 6),
        // a single long row of 5000 (two sum blocks) and values near 1e4 (exp would overflow unshifted)
        const cases: [number[], number, number, number][] = [
          [[7, 1003], -1, -3, 3],
          [[50, 70], 0, -3, 3],
          [[2, 9, 70], 1, -3, 3],
          [[5000], 0, -10, 10],
          [[4, 300], 1, 9000, 10000],
          [[300, 4], 0, -10000, -9000],
        ];
        for (const [shape, axis, lo, hi] of cases) {
          const vals = gen(prod(shape), dtype, r, lo, hi);
          const t = make(vals, shape, dtype);
          const got = fn(t, axis);
          expectTensor(got, shape, dtype, refSoftmax(vals, shape, axis, log), defaultTol(dtype), `${JSON.stringify(shape)} axis ${axis}`);
          if (!log) {
            // rows sum to 1
            const s = tp.sum(got, axis);
            for (const v of s.dataSync()) expect(Math.abs(v - 1)).toBeLessThan(dtype === 'float32' ? 1e-5 : 1e-12);
            s.dispose();
          }
          tp.dispose([got, t]);
        }
      }
    });

    test(`${name}: -Inf masks, NaN and Inf rows (as PyTorch)`, () => {
      const inf = Infinity;
      const nan = NaN;
      for (const dtype of ['float32', 'float64'] as DT[]) {
        // rows: masked, all -Inf, with NaN, with +Inf, masked tail
        const vals = [0, -inf, 1, -inf, -inf, -inf, -inf, -inf, 1, nan, 2, 0, 2, inf, 1, 2, 3, 4, -inf, -inf];
        const x = make(vals, [5, 4], dtype);
        const e = log
          ? [-Math.log(1 + Math.E), -inf, 1 - Math.log(1 + Math.E), -inf]
          : [1 / (1 + Math.E), 0, Math.E / (1 + Math.E), 0];
        const nans = new Array(12).fill(nan);
        const s34 = [3, 4, -inf, -inf];
        const m = Math.log(Math.exp(3) + Math.exp(4));
        const last = log ? s34.map((v) => v - m) : s34.map((v) => Math.exp(v - m));
        const got = fn(x, -1);
        expectTensor(got, [5, 4], dtype, [...e, ...nans, ...last], defaultTol(dtype));
        // masked entries are exact zeros, not tiny values
        if (!log) expect(got.dataSync()[1]).toBe(0);
        // the same rows along axis 0 of the transposed view (gathered rows)
        const xt = x._view([4, 5], [1, 4], 0);
        const gt = fn(xt, 0);
        const back = Array.from(gt.dataSync());
        const want = Array.from(got.dataSync());
        for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) {
          const a = back[j * 5 + i];
          const b = want[i * 4 + j];
          expect(Number.isNaN(a) ? 'nan' : a).toEqual(Number.isNaN(b) ? 'nan' : b);
        }
        // and along axis 0 of a contiguous copy of the transpose (column tiles)
        const xc = xt.contiguous();
        const gc = fn(xc, 0);
        expect(Array.from(gc.dataSync()).map((v) => (Number.isNaN(v) ? 'nan' : v))).toEqual(back.map((v) => (Number.isNaN(v) ? 'nan' : v)));
        tp.dispose([xc, gc]);
        // a long -Inf-masked row still exercises the vector exp
        const lv = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? -inf : i / 50));
        const lt = make(lv, [100], dtype);
        const lg = fn(lt);
        expectTensor(lg, [100], dtype, refSoftmax(lv, [100], 0, log), defaultTol(dtype));
        tp.dispose([got, gt, xt, x, lt, lg]);
      }
    });

    test(`${name}: empty, 0-d, no leaks`, () => {
      for (const shape of [[0, 5], [5, 0], [0]]) {
        const e = tp.zeros(shape);
        const g = fn(e);
        expect(g.shape).toEqual(shape);
        expect(g.size).toBe(0);
        tp.dispose([g, e]);
      }
      for (const [v, dt] of [[2.5, 'float32'], [7, 'int32'], [true, 'bool']] as [number | boolean, DT][]) {
        const s = tp.tensor(v, { dtype: dt });
        expectTensor(fn(s), [], 'float32', [log ? 0 : 1]);
        expectTensor(fn(s, 0), [], 'float32', [log ? 0 : 1]);
        s.dispose();
      }
      const x = tp.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
      const f = tp.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
      const v = f._view([2, 2], [1, 2], 0);
      expectNoLeak(() => fn(x, 0)); // int input goes through a float32 copy that must be freed
      expectNoLeak(() => fn(f, 1));
      expectNoLeak(() => fn(v, 1));
      expectNoLeak(() => {
        try {
          fn(x, 3);
        } catch {
          /* expected */
        }
      });
      tp.dispose([x, f, v]);
    });

    test(`${name}: bad input`, () => {
      const x = tp.ones([2, 3]);
      expectThrowsCode(() => fn(x, 2), 'ERR_AXIS', new RegExp(`${name}: axis 2 is out of range`));
      expectThrowsCode(() => fn(x, -3), 'ERR_AXIS');
      expectThrowsCode(() => fn(x, 0.5), 'ERR_AXIS');
      expectThrowsCode(() => fn(x, '1' as never), 'ERR_AXIS');
      expectThrowsCode(() => fn(x, [0] as never), 'ERR_AXIS');
      expectThrowsCode(() => fn([1, 2] as never), 'ERR_ARGUMENT', /x must be a Tensor/);
      expectThrowsCode(() => fn(undefined as never), 'ERR_ARGUMENT');
      const d = tp.ones([2]);
      d.dispose();
      expectThrowsCode(() => fn(d), 'ERR_DISPOSED');
      expectThrowsCode(() => (d as unknown as Record<string, () => Tensor>)[name](), 'ERR_DISPOSED');
      x.dispose();
    });
  }

  test('results do not depend on the thread count', () => {
    const before = tp.getNumThreads();
    const r = rng(seedOf('softmax-threads'));
    const a = tp.tensor(Float32Array.from(randArray(256 * 1000, r)), { shape: [256, 1000] });
    const run = () =>
      [tp.softmax(a), tp.logSoftmax(a), tp.softmax(a, 0)].map((t) => {
        const d = t.dataSync();
        t.dispose();
        return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');
      });
    try {
      tp.setNumThreads(1);
      const one = run();
      tp.setNumThreads(2);
      expect(run()).toEqual(one);
    } finally {
      tp.setNumThreads(before);
      a.dispose();
    }
  });
});
