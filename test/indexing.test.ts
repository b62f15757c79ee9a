import { tp, rng, seedOf, randArray, randInts, expectTensor, expectNoLeak, expectThrowsCode, unravel, stridesOf, prod } from './helpers';
import { tidyTest, DT, DTYPES, vals, mk, mkT, build, at } from './shape-helpers';

function mkIdx(shape: number[], lo: number, hi: number, r: () => number, transposed = false): { t: tp.Tensor; v: number[] } {
  if (!transposed) {
    const v = randInts(prod(shape), r, lo, hi);
    return { t: tp.tensor(v, { dtype: 'int32', shape }), v };
  }
  const rev = shape.slice().reverse();
  const vr = randInts(prod(shape), r, lo, hi);
  const t = tp.tensor(vr, { dtype: 'int32', shape: rev }).T;
  return { t, v: build(shape, (idx) => at(vr, rev, idx.slice().reverse())) };
}
const norm = (i: number, dim: number): number => (i < 0 ? i + dim : i);

function refGather(v: number[], shape: number[], iv: number[], ishape: number[], axis: number): { v: number[]; shape: number[] } {
  const os = [...shape.slice(0, axis), ...ishape, ...shape.slice(axis + 1)];
  const q = ishape.length;
  return {
    shape: os,
    v: build(os, (idx) => {
      const j = at(iv, ishape, idx.slice(axis, axis + q));
      return at(v, shape, [...idx.slice(0, axis), norm(j, shape[axis]), ...idx.slice(axis + q)]);
    }),
  };
}

describe('gather', () => {
  tidyTest('matches a JS reference on every dtype and axis (negative indices count from the end)', () => {
    const r = rng(seedOf('gather'));
    for (const dt of DTYPES) {
      const shape = [4, 5, 3];
      for (const axis of [0, 1, 2, -1]) {
        const a = axis < 0 ? axis + 3 : axis;
        for (const [makeX, tIdx] of [[mk, false], [mkT, true]] as const) {
          const { t: x, v } = makeX(shape, dt, r);
          const dim = shape[a];
          const { t: ix, v: iv } = mkIdx([2, 3], -dim, dim, r, tIdx);
          const ref = refGather(v, shape, iv, [2, 3], a);
          expectTensor(tp.gather(x, ix, axis), ref.shape, dt, ref.v);
          expectTensor(x.gather(ix, axis), ref.shape, dt, ref.v);
        }
      }
    }
  });
  tidyTest('index forms: JS arrays, a number (drops the dim), broadcast views, empty', () => {
    const x = tp.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    expectTensor(tp.gather(x, [2, 0, -1], 1), [2, 3], 'float64', [3, 1, 3, 6, 4, 6]);
    expectTensor(tp.gather(x, [[1], [0]]), [2, 1, 3], 'float64', [4, 5, 6, 1, 2, 3]);
    expectTensor(tp.gather(x, 1, 1), [2], 'float64', [2, 5]);
    expectTensor(tp.gather(x, new Int32Array([1, 1])), [2, 3], 'float64', [4, 5, 6, 4, 5, 6]);
    const b = tp.tensor([1, 0], { dtype: 'int32' }).broadcastTo([2, 2]); // stride-0 index view
    expectTensor(tp.gather(x, b, 0), [2, 2, 3], 'float64', [4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3]);
    expectTensor(tp.gather(x, [], 1), [2, 0], 'float64', []);
    expectTensor(tp.gather(tp.zeros([2, 0]), [], 1), [2, 0], 'float32', []);
    expectTensor(tp.gather(tp.zeros([0, 3]), [1, 2], 1), [0, 2], 'float32', []);
    expectTensor(tp.gather(tp.tensor([NaN, Infinity, -Infinity]), [2, 1, 0]), [3], 'float32', [-Infinity, Infinity, NaN]);
  });
  tidyTest('large (parallel) gather of rows', () => {
    const r = rng(seedOf('gather-big'));
    const shape = [1000, 64];
    const { t: x, v } = mk(shape, 'float32', r);
    const { t: ix, v: iv } = mkIdx([3000], -1000, 1000, r);
    const ref = new Array<number>(3000 * 64);
    const ref1 = new Array<number>(100 * 3000);
    for (let i = 0; i < 3000; i++) for (let c = 0; c < 64; c++) ref[i * 64 + c] = v[norm(iv[i], 1000) * 64 + c];
    for (let rI = 0; rI < 100; rI++) for (let i = 0; i < 3000; i++) ref1[rI * 3000 + i] = v[rI * 64 + (iv[i] % 64 < 0 ? 64 + (iv[i] % 64) : iv[i] % 64)];
    expectTensor(x.gather(ix), [3000, 64], 'float32', ref);
    expectTensor(x.slice([0], [100]).gather(iv.map((k) => k % 64), 1), [100, 3000], 'float32', ref1);
  });
  tidyTest('errors: out-of-range indices are caught before any read', () => {
    const x = tp.zeros([3, 5]);
    expectThrowsCode(() => tp.gather(x, [0, 5], 1), 'ERR_OUT_OF_BOUNDS', /gather: index 5 is out of range for axis 1 of size 5 \(valid range \[-5, 4\]\)/);
    expectThrowsCode(() => tp.gather(x, [-4]), 'ERR_OUT_OF_BOUNDS', /index -4 .*axis 0 of size 3/);
    expectThrowsCode(() => tp.gather(x, [2147483647, 0]), 'ERR_OUT_OF_BOUNDS', /2147483647/);
    expectThrowsCode(() => tp.gather(x, tp.tensor([-2147483648], { dtype: 'int32' })), 'ERR_OUT_OF_BOUNDS', /-2147483648/);
    expectThrowsCode(() => tp.gather(tp.zeros([2, 0]), [0], 1), 'ERR_OUT_OF_BOUNDS', /no index is valid/);
    // the first offending index (row-major) is reported, also from a non-contiguous index view
    const bad = tp.tensor([[0, 9], [7, 1]], { dtype: 'int32' }).T; // row-major: 0, 7, 9, 1
    expectThrowsCode(() => tp.gather(x, bad, 1), 'ERR_OUT_OF_BOUNDS', /index 7/);
    expectThrowsCode(() => tp.gather(x, tp.tensor([1.0, 2.0], { dtype: 'float32' })), 'ERR_DTYPE', /gather: indices must be an int32 tensor, got float32/);
    expectThrowsCode(() => tp.gather(x, [0.5]), 'ERR_DTYPE');
    expectThrowsCode(() => tp.gather(x, [true]), 'ERR_DTYPE');
    expectThrowsCode(() => tp.gather(x, 'a' as unknown as number), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.gather(x, [0], 2), 'ERR_AXIS');
    expectThrowsCode(() => tp.gather(tp.tensor(1), [0]), 'ERR_AXIS');
    const d = tp.tensor([0], { dtype: 'int32' });
    d.dispose();
    expectThrowsCode(() => tp.gather(x, d), 'ERR_DISPOSED');
    x.dispose();
    expectThrowsCode(() => tp.gather(x, [0]), 'ERR_DISPOSED');
  });
});

function refTake(v: number[], shape: number[], iv: number[], ishape: number[], axis: number): { v: number[]; shape: number[] } {
  const os = shape.map((d, k) => (k === axis ? ishape[k] : Math.max(d, ishape[k])));
  return {
    shape: os,
    v: build(os, (idx) => {
      const ii = idx.map((j, k) => (ishape[k] === 1 ? 0 : j));
      const j = norm(at(iv, ishape, ii), shape[axis]);
      return at(v, shape, idx.map((q, k) => (k === axis ? j : shape[k] === 1 ? 0 : q)));
    }),
  };
}

describe('takeAlongAxis', () => {
  tidyTest('matches numpy take_along_axis, with broadcasting, every dtype', () => {
    const r = rng(seedOf('take'));
    for (const dt of DTYPES) {
      for (const [shape, ishape, axis] of [
        [[3, 4, 5], [3, 2, 5], 1],
        [[3, 4, 5], [3, 4, 7], -1],
        [[3, 4, 5], [1, 4, 1], 2],
        [[3, 1, 5], [3, 6, 2], 2],
        [[3, 4], [6, 4], 0],
      ] as [number[], number[], number][]) {
        const a = axis < 0 ? axis + shape.length : axis;
        for (const [makeX, tIdx] of [[mk, false], [mkT, true]] as const) {
          const { t: x, v } = makeX(shape, dt, r);
          const { t: ix, v: iv } = mkIdx(ishape, -shape[a], shape[a], r, tIdx);
          const ref = refTake(v, shape, iv, ishape, a);
          expectTensor(tp.takeAlongAxis(x, ix, axis), ref.shape, dt, ref.v);
        }
      }
    }
  });
  tidyTest('axis null flattens; 0-d; method form; torch.gather-like use', () => {
    const x = tp.tensor([[10, 20, 30], [40, 50, 60]], { dtype: 'int32' });
    expectTensor(tp.takeAlongAxis(x, [5, 0, -2], null), [3], 'int32', [60, 10, 50]);
    expectTensor(x.T.takeAlongAxis([5, 0], null), [2], 'int32', [60, 10]); // flattened row-major of x.T
    expectTensor(x.takeAlongAxis([[2, 0], [1, 1]], 1), [2, 2], 'int32', [30, 10, 50, 50]);
    expectTensor(tp.takeAlongAxis(tp.tensor(7.5), tp.tensor(0, { dtype: 'int32' }), 0), [], 'float32', [7.5]);
    expectTensor(tp.takeAlongAxis(x, tp.zeros([2, 0], { dtype: 'int32' }), 1), [2, 0], 'int32', []);
  });
  tidyTest('errors', () => {
    const x = tp.zeros([2, 3]);
    expectThrowsCode(() => tp.takeAlongAxis(x, [[0, 3]], 1), 'ERR_OUT_OF_BOUNDS', /takeAlongAxis: index 3 .*axis 1 of size 3 \(valid range \[-3, 2\]\)/);
    expectThrowsCode(() => tp.takeAlongAxis(x, [0], 1), 'ERR_SHAPE', /same rank/);
    expectThrowsCode(() => tp.takeAlongAxis(x, [[0], [1], [1]], 1), 'ERR_SHAPE', /broadcast/);
    expectThrowsCode(() => tp.takeAlongAxis(x, [[0.5]], 1), 'ERR_DTYPE');
    expectThrowsCode(() => tp.takeAlongAxis(x, [[0]], 2), 'ERR_AXIS');
    expectThrowsCode(() => tp.takeAlongAxis(x, [[0]], null), 'ERR_SHAPE');
  });
});

function refScatterAdd(
  x: number[], shape: number[], iv: number[], ishape: number[], s: number[], sshape: number[], axis: number, dt: DT,
): number[] {
  const out = x.slice();
  const st = stridesOf(shape);
  for (let p = 0; p < prod(ishape); p++) {
    const idx = unravel(p, ishape);
    const j = norm(at(iv, ishape, idx), shape[axis]);
    let o = 0;
    for (let d = 0; d < shape.length; d++) o += (d === axis ? j : idx[d]) * st[d];
    const add = at(s, sshape, idx);
    if (dt === 'bool') out[o] = out[o] || add ? 1 : 0;
    else if (dt === 'float32') out[o] = Math.fround(out[o] + add);
    else out[o] = out[o] + add;
  }
  return out;
}

describe('scatterAdd', () => {
  tidyTest('matches a JS reference with duplicates, smaller indices, every dtype', () => {
    const r = rng(seedOf('scatter'));
    for (const dt of DTYPES) {
      for (const [shape, ishape, sshape, axis] of [
        [[4, 5], [6, 5], [6, 5], 0],
        [[4, 5], [3, 8], [4, 9], 1],
        [[3, 4, 5], [2, 3, 6], [3, 3, 7], -1],
        [[3, 4, 5], [3, 1, 5], [3, 1, 5], 1],
      ] as [number[], number[], number[], number][]) {
        const a = axis < 0 ? axis + shape.length : axis;
        for (const [makeX, tIdx] of [[mk, false], [mkT, true]] as const) {
          const { t: x, v } = makeX(shape, dt, r);
          const { t: src, v: sv } = makeX(sshape, dt, r);
          const { t: ix, v: iv } = mkIdx(ishape, -shape[a], shape[a], r, tIdx);
          const y = tp.scatterAdd(x, axis, ix, src);
          expectTensor(y, shape, dt, refScatterAdd(v, shape, iv, ishape, sv, sshape, a, dt));
          expectTensor(x, shape, dt, v); // functional: x unchanged
          expect(y._h).not.toBe(x._h);
        }
      }
    }
  });
  tidyTest('large (parallel, row-split) accumulation is exact and deterministic', () => {
    const r = rng(seedOf('scatter-big'));
    const { t: x, v } = mk([64, 10], 'float32', r);
    const { t: src, v: sv } = mk([64, 2000], 'float32', r);
    const { t: ix, v: iv } = mkIdx([64, 2000], 0, 10, r);
    const ref = refScatterAdd(v, [64, 10], iv, [64, 2000], sv, [64, 2000], 1, 'float32');
    const y = x.scatterAdd(1, ix, src);
    expectTensor(y, [64, 10], 'float32', ref, { rtol: 0, atol: 0 });
    // axis 0: rows of the other layout
    const { t: x0, v: v0 } = mk([10, 64], 'float64', r);
    const ixT = ix.T; // [2000, 64], values in [0, 10)
    const sv0 = build([2000, 64], (i) => at(sv, [64, 2000], [i[1], i[0]]));
    const iv0 = build([2000, 64], (i) => at(iv, [64, 2000], [i[1], i[0]]));
    const y0 = tp.scatterAdd(x0, 0, ixT, tp.tensor(src.T, { dtype: 'float64' }));
    expectTensor(y0, [10, 64], 'float64', refScatterAdd(v0, [10, 64], iv0, [2000, 64], sv0, [2000, 64], 0, 'float64'));
  });
  tidyTest('0-d and empty', () => {
    expectTensor(tp.scatterAdd(tp.tensor(1.5), 0, tp.tensor(0, { dtype: 'int32' }), tp.tensor(2.25)), [], 'float32', [3.75]);
    expectTensor(tp.scatterAdd(tp.tensor([1, 2], { dtype: 'int32' }), 0, tp.zeros([0], { dtype: 'int32' }), tp.tensor([5], { dtype: 'int32' })), [2], 'int32', [1, 2]);
    expectTensor(tp.scatterAdd(tp.tensor([1, 2], { dtype: 'int32' }), 0, [1, 1, -2], tp.tensor([5, 6, 7], { dtype: 'int32' })), [2], 'int32', [8, 13]);
  });
  tidyTest('errors', () => {
    const x = tp.zeros([3, 4]);
    const s = tp.ones([3, 4]);
    expectThrowsCode(() => tp.scatterAdd(x, 1, [[0, 4]], s), 'ERR_OUT_OF_BOUNDS', /scatterAdd: index 4 is out of range for axis 1 of size 4 \(valid range \[-4, 3\]\)/);
    expectThrowsCode(() => tp.scatterAdd(x, 0, [[-4]], s), 'ERR_OUT_OF_BOUNDS', /index -4/);
    expectThrowsCode(() => tp.scatterAdd(x, 0, [0], s), 'ERR_SHAPE', /same rank/);
    expectThrowsCode(() => tp.scatterAdd(x, 0, [[0, 0, 0, 0, 0]], s), 'ERR_SHAPE', /no larger/);
    expectThrowsCode(() => tp.scatterAdd(x, 0, [[0]], tp.ones([3, 4], { dtype: 'float64' })), 'ERR_DTYPE', /src has dtype float64/);
    expectThrowsCode(() => tp.scatterAdd(x, 0, [[0.5]], s), 'ERR_DTYPE');
    expectThrowsCode(() => tp.scatterAdd(x, 2, [[0]], s), 'ERR_AXIS');
    expectThrowsCode(() => tp.scatterAdd(x, 0, [[0]], 1 as unknown as tp.Tensor), 'ERR_ARGUMENT', /src must be a Tensor/);
  });
});

describe('oneHot', () => {
  tidyTest('shape, dtype and values', () => {
    const r = rng(seedOf('onehot'));
    for (const dt of DTYPES) {
      const { t: ix, v: iv } = mkIdx([3, 4], 0, 6, r, true);
      const on = dt === 'bool' ? 1 : dt === 'int32' ? 7 : 0.75;
      const off = dt === 'bool' ? 0 : dt === 'int32' ? -2 : -0.25;
      const y = tp.oneHot(ix, 6, { dtype: dt, onValue: on, offValue: off });
      expectTensor(y, [3, 4, 6], dt, build([3, 4, 6], (i) => (at(iv, [3, 4], [i[0], i[1]]) === i[2] ? on : off)));
    }
    expectTensor(tp.oneHot([1, 0, 2], 3), [3, 3], 'float32', [0, 1, 0, 1, 0, 0, 0, 0, 1]);
    expectTensor(tp.tensor([2], { dtype: 'int32' }).oneHot(4, { dtype: 'int32' }), [1, 4], 'int32', [0, 0, 1, 0]);
    expectTensor(tp.oneHot(1, 2), [2], 'float32', [0, 1]);
    expectTensor(tp.oneHot([], 3), [0, 3], 'float32', []);
    expectTensor(tp.oneHot([], 0), [0, 0], 'float32', []);
    const big = tp.oneHot(tp.arange(1000).reshape([40, 25]).flip(1), 1000); // parallel, non-contiguous indices
    expect(big.shape).toEqual([40, 25, 1000]);
    const d = big.dataSync();
    let sum = 0;
    for (let i = 0; i < d.length; i++) sum += d[i];
    expect(sum).toBe(1000);
    expect(d[0 * 1000 + 24]).toBe(1);
    expect(d[999 * 1000 + 975]).toBe(1);
  });
  tidyTest('errors', () => {
    expectThrowsCode(() => tp.oneHot([0, 5], 5), 'ERR_OUT_OF_BOUNDS', /oneHot: index 5 is out of range for depth 5 \(valid range \[0, 4\]\)/);
    expectThrowsCode(() => tp.oneHot([-1], 5), 'ERR_OUT_OF_BOUNDS', /index -1/);
    expectThrowsCode(() => tp.oneHot([0], 0), 'ERR_OUT_OF_BOUNDS', /no index is valid/);
    expectThrowsCode(() => tp.oneHot([0.5], 3), 'ERR_DTYPE');
    expectThrowsCode(() => tp.oneHot(tp.zeros([2]), 3), 'ERR_DTYPE');
    expectThrowsCode(() => tp.oneHot([0], -1), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.oneHot([0], 2, { dtype: 'int8' as never }), 'ERR_DTYPE');
    expectThrowsCode(() => tp.oneHot([0], 2, { onValue: 'a' as unknown as number }), 'ERR_ARGUMENT');
  });
});

describe('memory', () => {
  tidyTest('no leaks, including the temporary index tensors on errors', () => {
    expectNoLeak(() =>
      tp.tidy(() => {
        const x = tp.ones([3, 4]);
        return [
          x.gather([0, 2]),
          x.T.gather(tp.tensor([[1]], { dtype: 'int32' }), 1),
          x.takeAlongAxis([[0], [1], [2]], 1),
          x.takeAlongAxis([1, 2], null),
          x.scatterAdd(0, [[0, 1]], x),
          tp.oneHot([1, 2], 3),
        ];
      }),
    );
    expectNoLeak(() =>
      tp.tidy(() => {
        const x = tp.ones([3, 4]);
        const bad = [
          () => x.gather([0, 9]),
          () => x.gather([0.5]),
          () => x.takeAlongAxis([[9]], 1),
          () => x.T.takeAlongAxis([99], null),
          () => x.scatterAdd(0, [[9]], x),
          () => x.scatterAdd(0, [0], x),
          () => tp.oneHot([7], 3),
        ];
        for (const f of bad) expect(f).toThrow();
        return x; // (tidy disposes the x.T view made above)
      }),
    );
  });
});
