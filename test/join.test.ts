import { tp, rng, seedOf, randArray, randInts, expectTensor, expectNoLeak, expectThrowsCode, unravel, prod } from './helpers';
import { tidyTest, DT, DTYPES, vals, mk, mkT, build, at } from './shape-helpers';

function refConcat(parts: { v: number[]; shape: number[] }[], axis: number): { v: number[]; shape: number[] } {
  const shape = parts[0].shape.slice();
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  const v = build(shape, (idx) => {
    let k = idx[axis];
    for (const p of parts) {
      if (k < p.shape[axis]) {
        const j = idx.slice();
        j[axis] = k;
        return at(p.v, p.shape, j);
      }
      k -= p.shape[axis];
    }
    throw new Error('unreachable');
  });
  return { v, shape };
}

describe('concat / cat', () => {
  tidyTest('matches a JS reference on every dtype and axis, with non-contiguous inputs', () => {
    const r = rng(seedOf('concat'));
    for (const dt of DTYPES) {
      for (const axis of [0, 1, 2, -1]) {
        const a = axis < 0 ? axis + 3 : axis;
        const shapes = [2, 3, 1].map((k) => {
          const s = [2, 3, 4];
          s[a] = k;
          return s;
        });
        const parts = [mk(shapes[0], dt, r), mkT(shapes[1], dt, r), mk(shapes[2], dt, r)];
        const y = tp.concat(parts.map((p) => p.t), axis);
        const ref = refConcat(parts.map((p, i) => ({ v: p.v, shape: shapes[i] })), a);
        expectTensor(y, ref.shape, dt, ref.v);
        expect(y.isContiguous()).toBe(true);
      }
    }
  });
  tidyTest('mixed dtypes promote; cat alias and method form', () => {
    const a = tp.tensor([[true, false]]);
    const b = tp.tensor([[3, -4]], { dtype: 'int32' });
    const c = tp.tensor([[0.5, 1.5]]);
    const d = tp.tensor([[2.25, 7]], { dtype: 'float64' });
    expectTensor(tp.concat([a, b]), [2, 2], 'int32', [1, 0, 3, -4]);
    expectTensor(tp.cat([b, c]), [2, 2], 'float32', [3, -4, 0.5, 1.5]);
    expectTensor(a.concat([b, c, d]), [4, 2], 'float64', [1, 0, 3, -4, 0.5, 1.5, 2.25, 7]);
    expectTensor(b.cat(c, 1), [1, 4], 'float32', [3, -4, 0.5, 1.5]);
    expectTensor(tp.concat([a, a]), [2, 2], 'bool', [1, 0, 1, 0]);
  });
  tidyTest('empty tensors take part; a legacy 1-D empty is skipped', () => {
    const x = tp.tensor([[1, 2, 3]], { dtype: 'int32' });
    const e = tp.zeros([0, 3], { dtype: 'int32' });
    expectTensor(tp.concat([e, x, e]), [1, 3], 'int32', [1, 2, 3]);
    expectTensor(tp.concat([tp.zeros([0]), x]), [1, 3], 'float32', [1, 2, 3]);
    expectTensor(tp.concat([tp.zeros([2, 0]), tp.zeros([2, 0])], 1), [2, 0], 'float32', []);
    expectTensor(tp.concat([tp.zeros([0]), tp.ones([2])]), [2], 'float32', [1, 1]);
    expectTensor(tp.concat([x]), [1, 3], 'int32', [1, 2, 3]);
  });
  tidyTest('errors', () => {
    const x = tp.zeros([2, 3]);
    const y = tp.zeros([2, 4]);
    expectThrowsCode(() => tp.concat([x, y]), 'ERR_SHAPE', /concat: tensors\[1\] has shape \[2,4\].*\[2,3\]/);
    expectThrowsCode(() => tp.concat([x, tp.zeros([2, 3, 1])], 1), 'ERR_SHAPE');
    expectThrowsCode(() => tp.concat([tp.tensor(1), tp.tensor(2)]), 'ERR_SHAPE', /0-d/);
    expectThrowsCode(() => tp.concat([x, x], 2), 'ERR_AXIS');
    expectThrowsCode(() => tp.concat([]), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.concat([x, 3 as unknown as tp.Tensor]), 'ERR_ARGUMENT', /tensors\[1\]/);
    const z = tp.zeros([2, 3]);
    z.dispose();
    expectThrowsCode(() => tp.concat([x, z]), 'ERR_DISPOSED');
  });
});

describe('stack / unstack', () => {
  tidyTest('stack matches a JS reference on every axis and dtype', () => {
    const r = rng(seedOf('stack'));
    for (const dt of DTYPES) {
      for (const axis of [0, 1, 2, -1, -3]) {
        const shape = [3, 4];
        const parts = [mk(shape, dt, r), mkT(shape, dt, r), mk(shape, dt, r), mkT(shape, dt, r)];
        const a = axis < 0 ? axis + 3 : axis;
        const outShape = shape.slice();
        outShape.splice(a, 0, parts.length);
        const y = tp.stack(parts.map((p) => p.t), axis);
        expectTensor(y, outShape, dt, build(outShape, (idx) => {
          const j = idx.slice();
          const k = j.splice(a, 1)[0];
          return at(parts[k].v, shape, j);
        }));
        // unstack inverts it, as views of y
        const u = tp.unstack(y, axis);
        expect(u.length).toBe(parts.length);
        u.forEach((t, k) => {
          expect(t._h).toBe(y._h);
          expectTensor(t, shape, dt, parts[k].v);
        });
      }
    }
  });
  tidyTest('mixed dtypes, 0-d and empty inputs; errors', () => {
    expectTensor(tp.stack([tp.tensor(1), tp.tensor(2.5), tp.tensor(true)]), [3], 'float32', [1, 2.5, 1]);
    expectTensor(tp.tensor([1, 2], { dtype: 'int32' }).stack(tp.tensor([3, 4], { dtype: 'int32' }), 1), [2, 2], 'int32', [1, 3, 2, 4]);
    expectTensor(tp.stack([tp.zeros([0, 2]), tp.zeros([0, 2])], 1), [0, 2, 2], 'float32', []);
    expectThrowsCode(() => tp.stack([tp.zeros([2]), tp.zeros([3])]), 'ERR_SHAPE', /stack: .*\[3\].*\[2\]/);
    expectThrowsCode(() => tp.stack([tp.zeros([2])], 2), 'ERR_AXIS');
    expectThrowsCode(() => tp.unstack(tp.tensor(1)), 'ERR_AXIS');
    expect(tp.unstack(tp.zeros([0, 3])).length).toBe(0);
  });
});

describe('split / chunk', () => {
  tidyTest('split by size and by sizes returns views (torch semantics)', () => {
    const r = rng(seedOf('split'));
    for (const dt of DTYPES) {
      const shape = [3, 7];
      const { t: x, v } = mk(shape, dt, r);
      const parts = tp.split(x, 3, 1);
      expect(parts.map((p) => p.shape)).toEqual([[3, 3], [3, 3], [3, 1]]);
      let b = 0;
      for (const p of parts) {
        expect(p._h).toBe(x._h);
        expectTensor(p, p.shape, dt, build(p.shape, (i) => at(v, shape, [i[0], i[1] + b])));
        b += p.shape[1];
      }
      const q = x.split([1, 0, 2], 0);
      expect(q.map((p) => p.shape)).toEqual([[1, 7], [0, 7], [2, 7]]);
      expectTensor(q[2], [2, 7], dt, v.slice(7));
      const neg = x.T.split([1, 2], -1); // on a non-contiguous view, last axis
      expectTensor(neg[1], [7, 2], dt, build([7, 2], (i) => at(v, shape, [i[1] + 1, i[0]])));
    }
    expect(tp.split(tp.zeros([0, 2]), 2).map((p) => p.shape)).toEqual([[0, 2]]);
  });
  tidyTest('chunk', () => {
    const x = tp.arange(6);
    expect(tp.chunk(x, 4).map((p) => p.shape)).toEqual([[2], [2], [2]]); // as torch.chunk
    const c = tp.arange(5).chunk(3);
    expect(c.map((p) => p.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(tp.chunk(tp.zeros([0, 3]), 3).map((p) => p.shape)).toEqual([[0, 3], [0, 3], [0, 3]]);
    expect(tp.arange(12).reshape([3, 4]).chunk(2, -1).map((p) => p.toArray())).toEqual([[[0, 1], [4, 5], [8, 9]], [[2, 3], [6, 7], [10, 11]]]);
  });
  tidyTest('errors', () => {
    const x = tp.zeros([3, 4]);
    expectThrowsCode(() => x.split([1, 2], 1), 'ERR_SHAPE', /split: sizes \[1,2\] sum to 3, .*size 4/);
    expectThrowsCode(() => x.split(0), 'ERR_ARGUMENT');
    expectThrowsCode(() => x.split(2, 2), 'ERR_AXIS');
    expectThrowsCode(() => x.split([-1, 5], 1), 'ERR_ARGUMENT');
    expectThrowsCode(() => x.chunk(0), 'ERR_ARGUMENT');
  });
});

describe('tile / repeat', () => {
  function refTile(v: number[], shape: number[], reps: number[]): { v: number[]; shape: number[] } {
    const n = Math.max(shape.length, reps.length);
    const s = [...new Array(n - shape.length).fill(1), ...shape];
    const rp = [...new Array(n - reps.length).fill(1), ...reps];
    const os = s.map((d, i) => d * rp[i]);
    return { shape: os, v: build(os, (idx) => at(v, s, idx.map((j, i) => j % s[i]))) };
  }
  tidyTest('matches numpy tile rules on every dtype, non-contiguous input', () => {
    const r = rng(seedOf('tile'));
    for (const dt of DTYPES) {
      for (const [shape, reps] of [
        [[2, 3], [2, 2]],
        [[2, 3], [3]],
        [[2, 3], [2, 1, 2]],
        [[4], [1, 3]],
        [[2, 1, 3], [1, 4, 1]],
        [[2, 3], [0, 2]],
      ] as [number[], number[]][]) {
        for (const make of [mk, mkT]) {
          const { t: x, v } = make(shape, dt, r);
          const ref = refTile(v, shape, reps);
          expectTensor(tp.tile(x, reps), ref.shape, dt, ref.v);
        }
      }
    }
    expectTensor(tp.tensor(5, { dtype: 'int32' }).tile([3]), [3], 'int32', [5, 5, 5]);
    expectTensor(tp.tensor(5, { dtype: 'int32' }).tile([]), [], 'int32', [5]);
  });
  tidyTest('high rank: more interleaved dims than the native loop takes', () => {
    const r = rng(seedOf('tile-rank'));
    const shape = [2, 2, 2, 2, 2, 2, 2, 2, 2];
    const reps = [2, 1, 2, 2, 2, 2, 2, 2, 2];
    const { t: x, v } = mkT(shape, 'float32', r);
    const ref = refTile(v, shape, reps);
    expectTensor(x.tile(reps), ref.shape, 'float32', ref.v);
  });
  tidyTest('repeat (torch) needs reps for every dim', () => {
    const x = tp.tensor([[1, 2]], { dtype: 'int32' });
    expectTensor(x.repeat([2, 2]), [2, 4], 'int32', [1, 2, 1, 2, 1, 2, 1, 2]);
    expectTensor(tp.repeat(x, [2, 1, 1]), [2, 1, 2], 'int32', [1, 2, 1, 2]);
    expectThrowsCode(() => x.repeat([2]), 'ERR_SHAPE', /repeat:/);
    expectThrowsCode(() => x.tile([-1]), 'ERR_ARGUMENT', /tile: reps\[0\]/);
  });
});

describe('pad', () => {
  tidyTest('matches a JS reference (every dtype, non-contiguous input, custom value)', () => {
    const r = rng(seedOf('pad'));
    for (const dt of DTYPES) {
      for (const make of [mk, mkT]) {
        const shape = [3, 2, 4];
        const { t: x, v } = make(shape, dt, r);
        const p: [number, number][] = [[1, 0], [0, 2], [3, 1]];
        const value = dt === 'bool' ? 1 : dt === 'int32' ? -7 : 2.5;
        const os = shape.map((d, i) => d + p[i][0] + p[i][1]);
        const refPad = (value: number): number[] =>
          build(os, (idx) => {
            const j = idx.map((k, i) => k - p[i][0]);
            return j.every((k, i) => k >= 0 && k < shape[i]) ? at(v, shape, j) : value;
          });
        expectTensor(tp.pad(x, p, value), os, dt, refPad(value));
        expectTensor(x.pad(p), os, dt, refPad(0));
      }
    }
    expectTensor(tp.pad(tp.tensor(3, { dtype: 'int32' }), []), [], 'int32', [3]);
    expectTensor(tp.pad(tp.zeros([0, 2]), [[1, 1], [0, 0]], 9), [2, 2], 'float32', [9, 9, 9, 9]);
    expectTensor(tp.pad(tp.tensor([1.5, NaN]), [[1, 1]], Infinity), [4], 'float32', [Infinity, 1.5, NaN, Infinity]);
  });
  tidyTest('errors', () => {
    const x = tp.zeros([2, 3]);
    expectThrowsCode(() => x.pad([[1, 1]]), 'ERR_SHAPE', /pad: paddings must hold one \[before, after\] pair per dim \(2/);
    expectThrowsCode(() => x.pad([[1, 1], [-1, 0]]), 'ERR_ARGUMENT', /paddings\[1\]/);
    expectThrowsCode(() => x.pad([[1, 1], [0]] as [number, number][]), 'ERR_ARGUMENT');
    expectThrowsCode(() => x.pad([[0, 0], [0, 0]], 'a' as unknown as number), 'ERR_ARGUMENT');
  });
});

describe('flip', () => {
  tidyTest('matches a JS reference and returns a copy', () => {
    const r = rng(seedOf('flip'));
    for (const dt of DTYPES) {
      for (const make of [mk, mkT]) {
        const shape = [3, 4, 2];
        const { t: x, v } = make(shape, dt, r);
        for (const axes of [[0], [1, 2], [-1, 0], [0, 1, 2]]) {
          const ax = axes.map((a) => (a < 0 ? a + 3 : a));
          const y = tp.flip(x, axes);
          expect(y._h).not.toBe(x._h);
          expectTensor(y, shape, dt, build(shape, (idx) => at(v, shape, idx.map((k, d) => (ax.includes(d) ? shape[d] - 1 - k : k)))));
        }
      }
    }
    expectTensor(tp.tensor([1, 2, 3], { dtype: 'int32' }).flip(0), [3], 'int32', [3, 2, 1]);
    expectTensor(tp.zeros([0, 2]).flip([0, 1]), [0, 2], 'float32', []);
    expectTensor(tp.tensor(4, { dtype: 'int32' }).flip(0), [], 'int32', [4]);
    // flip of a flipped negative-stride view round-trips
    const a = tp.arange(6).reshape([2, 3]);
    const rv = a.stridedSlice([0], [0], [-1], { beginMask: 1, endMask: 1 });
    expectTensor(rv.flip(0), [2, 3], 'int32', [0, 1, 2, 3, 4, 5]);
  });
  tidyTest('errors', () => {
    const x = tp.zeros([2, 3]);
    expectThrowsCode(() => x.flip([0, 0]), 'ERR_AXIS', /repeated/);
    expectThrowsCode(() => x.flip(2), 'ERR_AXIS');
    expectThrowsCode(() => x.flip(undefined as unknown as number), 'ERR_AXIS');
  });
});

describe('memory', () => {
  tidyTest('no leaks, including on errors', () => {
    expectNoLeak(() =>
      tp.tidy(() => {
        const x = tp.ones([3, 4]);
        const y = tp.tensor([[1, 2, 3, 4]]);
        return [
          tp.concat([x, y, x.T.T]),
          tp.stack([x, x.T.T], 1),
          x.split(2),
          x.chunk(3, 1),
          x.unstack(1),
          x.tile([2, 1, 2]),
          x.pad([[1, 1], [2, 2]], 3),
          x.T.flip([0]),
          x.repeat([1, 2]),
        ];
      }),
    );
    expectNoLeak(() => {
      const x = tp.ones([3, 4]);
      const bad = [() => tp.concat([x, tp.zeros([2, 2])]), () => tp.stack([x, x.T]), () => x.pad([[1, 1]]), () => x.flip([0, 0])];
      for (const f of bad) {
        try {
          tp.tidy(f);
        } catch {
          /* expected */
        }
      }
      return x;
    });
  });
  tidyTest('disposed inputs', () => {
    const x = tp.ones([2, 2]);
    x.dispose();
    for (const f of [() => tp.stack([x]), () => tp.split(x, 1), () => tp.chunk(x, 2), () => tp.tile(x, [2]), () => tp.pad(x, [[0, 0], [0, 0]]), () => tp.flip(x, 0), () => tp.unstack(x)])
      expectThrowsCode(f, 'ERR_DISPOSED');
  });
});

test('split/chunk/unstack refuse to build more than 2^24 views (an empty [2^40, 0] would abort V8)', () => {
  const x = tp.zeros([2 ** 40, 0]);
  expect(() => tp.split(x, 4)).toThrow(/split: would make 274877906944 tensors from axis 0 of shape \[1099511627776,0\]/);
  expect(() => tp.unstack(x)).toThrow(/unstack: would make 1099511627776 tensors/);
  expect(() => tp.chunk(tp.zeros([0, 2]), 2 ** 30)).toThrow(/chunk: would make 1073741824 tensors/);
  expect(tp.chunk(tp.zeros([0, 2]), 3).length).toBe(3);
  x.dispose();
});
