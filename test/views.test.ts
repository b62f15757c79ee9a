import { tp, rng, seedOf, randArray, randInts, expectTensor, expectNoLeak, expectThrowsCode, unravel, prod } from './helpers';
import { tidyTest, DT, DTYPES, build, at } from './shape-helpers';
import { computeStride } from '../lib/ops/views';

/** Random values as the dtype stores them, and the tensor holding them. */
function mk(shape: number[], dtype: DT, r: () => number): { t: tp.Tensor; v: number[] } {
  const n = prod(shape);
  let v: number[];
  if (dtype === 'bool') v = randInts(n, r, 0, 2);
  else if (dtype === 'int32') v = randInts(n, r, -50, 50);
  else v = randArray(n, r);
  if (dtype === 'float32') v = v.map(Math.fround);
  if (dtype === 'bool') return { t: tp.tensor(v, { dtype, shape }), v };
  return { t: tp.tensor(v.length ? v : [], { dtype, shape }), v };
}

function refPermute(v: number[], shape: number[], perm: number[]): { v: number[]; shape: number[] } {
  const os = perm.map((p) => shape[p]);
  return {
    shape: os,
    v: build(os, (idx) => {
      const src = new Array<number>(shape.length);
      for (let i = 0; i < perm.length; i++) src[perm[i]] = idx[i];
      return at(v, shape, src);
    }),
  };
}

describe('reshape / view', () => {
  tidyTest('contiguous reshape is a view and infers -1', () => {
    const r = rng(seedOf('reshape-view'));
    for (const dt of DTYPES) {
      const { t: x, v } = mk([2, 3, 4], dt, r);
      const y = tp.reshape(x, [4, -1]);
      expect(y._h).toBe(x._h);
      expect(y.strides).toEqual([6, 1]);
      expectTensor(y, [4, 6], dt, v);
      const z = x.view([24]);
      expect(z._h).toBe(x._h);
      expectTensor(z, [24], dt, v);
      const w = x.reshape([-1, 2, 1, 3]);
      expectTensor(w, [4, 2, 1, 3], dt, v);
      expect(w._h).toBe(x._h);
    }
  });
  tidyTest('0-d, size-1 and empty shapes', () => {
    const s = tp.tensor(3.5);
    expectTensor(s.reshape([1, 1]), [1, 1], 'float32', [3.5]);
    expectTensor(s.reshape([-1]), [1], 'float32', [3.5]);
    expectTensor(tp.tensor([[7]], { dtype: 'int32' }).reshape([]), [], 'int32', [7]);
    const e = tp.zeros([0, 3]);
    const e2 = e.reshape([3, 0, 2]);
    expect(e2.shape).toEqual([3, 0, 2]);
    expect(e2.dataSync().length).toBe(0);
    expect(e.reshape([-1]).shape).toEqual([0]);
    expectThrowsCode(() => e.reshape([-1, 0]), 'ERR_SHAPE', /could be any size/);
  });
  tidyTest('non-contiguous layouts: views when the strides allow (torch computeStride), else a copy', () => {
    const r = rng(seedOf('reshape-strided'));
    const { t: base, v } = mk([4, 6], 'float32', r);
    const x = base.slice([0, 0], [4, 3]); // [4,3] strides [6,1]
    const xv = build([4, 3], (i) => at(v, [4, 6], i));
    const y = x.reshape([2, 2, 3]);
    expect(y._h).toBe(base._h);
    expect(y.strides).toEqual([12, 6, 1]); // as torch
    expectTensor(y, [2, 2, 3], 'float32', xv);
    const y2 = x.reshape([4, 3, 1]);
    expect(y2._h).toBe(base._h);
    const c = x.reshape([12]); // needs a copy
    expect(c._h).not.toBe(base._h);
    expect(c.isContiguous()).toBe(true);
    expectTensor(c, [12], 'float32', xv);

    const t = base.T; // [6,4] strides [1,6]
    const tv = refPermute(v, [4, 6], [1, 0]).v;
    const t1 = t.view([3, 2, 2, 2]);
    expect(t1._h).toBe(base._h);
    expect(t1.strides).toEqual([2, 1, 12, 6]);
    expectTensor(t1, [3, 2, 2, 2], 'float32', tv);
    const t2 = t.reshape([24]);
    expect(t2._h).not.toBe(base._h);
    expectTensor(t2, [24], 'float32', tv);
    const t3 = t.reshape([4, 6]); // same count, different grouping: copy
    expectTensor(t3, [4, 6], 'float32', tv);

    // torch: zeros(3,1).expand(3,4).view(3,2,2) has strides (1,0,0)
    const b = tp.broadcastTo(tp.tensor([[1], [2], [3]], { dtype: 'int32' }), [3, 4]);
    const bv = b.view([3, 2, 2]);
    expect(bv.strides).toEqual([1, 0, 0]);
    expect(bv._h).toBe(b._h);
    expectTensor(bv, [3, 2, 2], 'int32', [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    expectTensor(b.reshape([12]), [12], 'int32', [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  });
  tidyTest('computeStride matches torch on fixtures', () => {
    // stride results printed by torch 2.x
    expect(computeStride([3, 2, 4], [4, 12, 1], [3, 2, 2, 2])).toEqual([4, 12, 2, 1]);
    expect(computeStride([3, 2, 4], [4, 12, 1], [3, 8])).toBeNull();
    expect(computeStride([5, 1, 2], [4, 4, 1], [5, 2])).toEqual([4, 1]);
    expect(computeStride([5, 1, 2], [4, 4, 1], [5, 2, 1])).toEqual([4, 1, 1]);
    expect(computeStride([5, 1, 2], [4, 4, 1], [10])).toBeNull();
  });
  tidyTest('errors name both shapes', () => {
    const x = tp.zeros([2, 3]);
    expectThrowsCode(() => x.reshape([4, 2]), 'ERR_SHAPE', /reshape: .*\[2,3\].*\[4,2\]/);
    expectThrowsCode(() => x.reshape([4, -1]), 'ERR_SHAPE', /\[2,3\].*\[4,-1\]/);
    expectThrowsCode(() => x.reshape([-1, -1]), 'ERR_SHAPE', /only one dimension can be -1/);
    expectThrowsCode(() => x.reshape([2, -2]), 'ERR_SHAPE');
    expectThrowsCode(() => x.reshape([2, 1.5] as number[]), 'ERR_SHAPE');
    expectThrowsCode(() => x.view('a' as unknown as number[]), 'ERR_SHAPE', /view:/);
    x.dispose();
    expectThrowsCode(() => x.reshape([6]), 'ERR_DISPOSED');
  });
});

describe('permute / transpose / T', () => {
  tidyTest('permute matches a JS reference on every dtype, non-contiguous input too', () => {
    const r = rng(seedOf('permute'));
    for (const dt of DTYPES) {
      const { t: x, v } = mk([2, 3, 4, 5], dt, r);
      const perm = [2, 0, 3, 1];
      const y = tp.permute(x, perm);
      expect(y._h).toBe(x._h);
      expect(y.strides).toEqual(perm.map((p) => x.strides[p]));
      const ref = refPermute(v, [2, 3, 4, 5], perm);
      expectTensor(y, ref.shape, dt, ref.v);
      // permute of a permuted view composes
      const z = y.permute([-1, 0, 2, 1]);
      const ref2 = refPermute(ref.v, ref.shape, [3, 0, 2, 1]);
      expectTensor(z, ref2.shape, dt, ref2.v);
    }
  });
  tidyTest('transpose forms and the T getter', () => {
    const r = rng(seedOf('transpose'));
    const { t: x, v } = mk([2, 3, 4], 'float64', r);
    const rev = refPermute(v, [2, 3, 4], [2, 1, 0]);
    expectTensor(tp.transpose(x), rev.shape, 'float64', rev.v);
    expectTensor(x.T, rev.shape, 'float64', rev.v);
    expect(x.T._h).toBe(x._h);
    const p = refPermute(v, [2, 3, 4], [1, 2, 0]);
    expectTensor(x.transpose([1, 2, 0]), p.shape, 'float64', p.v);
    const sw = refPermute(v, [2, 3, 4], [2, 1, 0]);
    expectTensor(x.transpose(0, -1), sw.shape, 'float64', sw.v);
    const sw2 = refPermute(v, [2, 3, 4], [1, 0, 2]);
    expectTensor(tp.transpose(x, 1, 0), sw2.shape, 'float64', sw2.v);
    expectTensor(x.T.T, [2, 3, 4], 'float64', v);
    const s = tp.tensor(5, { dtype: 'int32' });
    expectTensor(s.T, [], 'int32', [5]);
    expectTensor(tp.ones([3]).T, [3], 'float32', [1, 1, 1]);
    expect(Object.keys(x)).not.toContain('T');
  });
  tidyTest('errors', () => {
    const x = tp.zeros([2, 3, 4]);
    expectThrowsCode(() => x.permute([0, 0, 1]), 'ERR_AXIS', /repeated/);
    expectThrowsCode(() => x.permute([0, 1]), 'ERR_AXIS', /permute: .*exactly once/);
    expectThrowsCode(() => x.permute([0, 1, 3]), 'ERR_AXIS', /out of range/);
    expectThrowsCode(() => x.transpose(0, 3), 'ERR_AXIS');
    expectThrowsCode(() => x.transpose(0), 'ERR_AXIS');
  });
});

/** python slice(b, e, s).indices(dim) enumerated, None = undefined. */
function pyIndices(dim: number, b: number | undefined, e: number | undefined, s: number): number[] {
  const out: number[] = [];
  let start: number, stop: number;
  if (s > 0) {
    start = b === undefined ? 0 : b < 0 ? Math.max(b + dim, 0) : Math.min(b, dim);
    stop = e === undefined ? dim : e < 0 ? Math.max(e + dim, 0) : Math.min(e, dim);
    for (let i = start; i < stop; i += s) out.push(i);
  } else {
    start = b === undefined ? dim - 1 : b < 0 ? Math.max(b + dim, -1) : Math.min(b, dim - 1);
    stop = e === undefined ? -1 : e < 0 ? Math.max(e + dim, -1) : Math.min(e, dim - 1);
    for (let i = start; i > stop; i += s) out.push(i);
  }
  return out;
}

// contiguous() of a transposed view takes a tiled path (32x32 tiles, 8x8 register blocks for
// 4-byte types; native/cpu/copy.cc): edges that are not multiples of 8 or 32, outer batch dims,
// flipped views and every dtype must match the element-by-element definition.
describe('transposed copies', () => {
  test.each([
    ['float32', [37, 53]],
    ['float32', [2, 40, 33]],
    ['int32', [64, 17]],
    ['float64', [19, 45]],
    ['bool', [33, 20]],
  ] as [tp.DType, number[]][])('%s %j: contiguous(transpose) and a flipped transpose', (dtype, shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const r = rng(seedOf(`tr${dtype}${shape.join('x')}`));
    const data = dtype === 'bool' ? randInts(n, r, 0, 2) : dtype === 'int32' ? randInts(n, r, -1000, 1000) : randArray(n, r);
    const x = tp.tensor(data, { shape, dtype });
    const rank = shape.length;
    const t = tp.transpose(x, rank - 2, rank - 1);
    const c = tp.contiguous(t);
    const X = x.dataSync();
    const C = c.dataSync();
    const [R0, C0] = [shape[rank - 2], shape[rank - 1]];
    const outer = n / (R0 * C0);
    let bad = -1;
    for (let o = 0; o < outer && bad < 0; o++)
      for (let i = 0; i < C0 && bad < 0; i++)
        for (let j = 0; j < R0; j++)
          if (C[o * R0 * C0 + i * R0 + j] !== X[o * R0 * C0 + j * C0 + i]) { bad = i; break; }
    expect(bad).toBe(-1);
    // flipped along the source's rows: a negative stride on the strided side
    const f = tp.contiguous(tp.flip(t, [rank - 1]));
    const F = f.dataSync();
    bad = -1;
    for (let o = 0; o < outer && bad < 0; o++)
      for (let i = 0; i < C0 && bad < 0; i++)
        for (let j = 0; j < R0; j++)
          if (F[o * R0 * C0 + i * R0 + j] !== X[o * R0 * C0 + (R0 - 1 - j) * C0 + i]) { bad = i; break; }
    expect(bad).toBe(-1);
    tp.dispose([x, c, f]);
  });
});

describe('slice / stridedSlice / select', () => {
  tidyTest('slice matches a JS reference (random boxes, every dtype)', () => {
    const r = rng(seedOf('slice'));
    for (const dt of DTYPES) {
      const shape = [5, 4, 6];
      const { t: x, v } = mk(shape, dt, r);
      for (let k = 0; k < 10; k++) {
        const begin = shape.map((d) => Math.floor(r() * (d + 1)));
        const size = shape.map((d, i) => (r() < 0.3 ? -1 : Math.floor(r() * (d - begin[i] + 1))));
        const y = tp.slice(x, begin, size);
        const os = size.map((s, i) => (s === -1 ? shape[i] - begin[i] : s));
        expect(y._h).toBe(x._h);
        expectTensor(y, os, dt, build(os, (idx) => at(v, shape, idx.map((j, i) => j + begin[i]))));
      }
      // shorter begin/size cover the leading dims; negative begin counts from the end
      expectTensor(x.slice([1]), [4, 4, 6], dt, v.slice(24));
      expectTensor(x.slice([-2, 1], [1, 2]), [1, 2, 6], dt, build([1, 2, 6], (i) => at(v, shape, [3, i[1] + 1, i[2]])));
      expectTensor(x.slice(2, 2), [2, 4, 6], dt, v.slice(48, 96));
    }
  });
  tidyTest('slice errors', () => {
    const x = tp.zeros([3, 4]);
    expectThrowsCode(() => x.slice([0, 5]), 'ERR_OUT_OF_BOUNDS', /slice: begin\[1\] = 5/);
    expectThrowsCode(() => x.slice([1, 1], [3, 1]), 'ERR_OUT_OF_BOUNDS', /size\[0\] = 3/);
    expectThrowsCode(() => x.slice([-4]), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => x.slice([0, 0, 0]), 'ERR_AXIS');
    expectThrowsCode(() => x.slice([0.5]), 'ERR_ARGUMENT');
  });
  tidyTest('stridedSlice matches numpy fixtures', () => {
    const a = tp.arange(24).reshape([2, 3, 4]);
    // a[..., ::-2]
    const s1 = tp.stridedSlice(a, [0, 0], [0, 0], [1, -2], { ellipsisMask: 1, beginMask: 2, endMask: 2 });
    expectTensor(s1, [2, 3, 2], 'int32', [3, 1, 7, 5, 11, 9, 15, 13, 19, 17, 23, 21]);
    expect(s1._h).toBe(a._h);
    expect(s1.strides).toEqual([12, 4, -2]);
    // a[1:, None, -1:0:-1, 2]
    const s2 = a.stridedSlice([1, 0, -1, 2], [0, 0, 0, 0], [1, 1, -1, 1], { endMask: 1, newAxisMask: 2, shrinkAxisMask: 8 });
    expectTensor(s2, [1, 1, 2], 'int32', [22, 18]);
    // a[::-1, 5:-10:-2]
    const s3 = a.stridedSlice([0, 5], [0, -10], [-1, -2], { beginMask: 1, endMask: 1 });
    expectTensor(s3, [2, 2, 4], 'int32', [20, 21, 22, 23, 12, 13, 14, 15, 8, 9, 10, 11, 0, 1, 2, 3]);
    // a[0, ..., None, 1:3]
    const s4 = a.stridedSlice([0, 0, 0, 1], [0, 0, 0, 3], [1, 1, 1, 1], { shrinkAxisMask: 1, ellipsisMask: 2, newAxisMask: 4 });
    expectTensor(s4, [3, 1, 2], 'int32', [1, 2, 5, 6, 9, 10]);
    // empty result and a step past the end
    expectTensor(a.stridedSlice([1, 2], [1, 0], [1, -1]), [0, 2, 4], 'int32', []);
    expectTensor(a.stridedSlice([5], [9]), [0, 3, 4], 'int32', []);
  });
  tidyTest('stridedSlice matches python slicing on random specs', () => {
    const r = rng(seedOf('strided-random'));
    const shape = [5, 7];
    const { t: x, v } = mk(shape, 'float32', r);
    for (let k = 0; k < 60; k++) {
      const begin: number[] = [];
      const end: number[] = [];
      const strides: number[] = [];
      let bm = 0;
      let em = 0;
      const idx: number[][] = [];
      for (let d = 0; d < 2; d++) {
        const dim = shape[d];
        const b = Math.floor(r() * (2 * dim + 5)) - dim - 2;
        const e = Math.floor(r() * (2 * dim + 5)) - dim - 2;
        let s = Math.floor(r() * 7) - 3;
        if (s === 0) s = 1;
        const useB = r() < 0.2;
        const useE = r() < 0.2;
        if (useB) bm |= 1 << d;
        if (useE) em |= 1 << d;
        begin.push(b);
        end.push(e);
        strides.push(s);
        idx.push(pyIndices(dim, useB ? undefined : b, useE ? undefined : e, s));
      }
      const y = x.stridedSlice(begin, end, strides, { beginMask: bm, endMask: em });
      const os = [idx[0].length, idx[1].length];
      expectTensor(y, os, 'float32', build(os, (i) => at(v, shape, [idx[0][i[0]], idx[1][i[1]]])), undefined, JSON.stringify({ begin, end, strides, bm, em }));
    }
  });
  tidyTest('stridedSlice errors', () => {
    const x = tp.zeros([3, 4]);
    expectThrowsCode(() => x.stridedSlice([0], [1], [0]), 'ERR_ARGUMENT', /nonzero/);
    expectThrowsCode(() => x.stridedSlice([0, 0], [1]), 'ERR_ARGUMENT', /same length/);
    expectThrowsCode(() => x.stridedSlice([5], [0], [1], { shrinkAxisMask: 1 }), 'ERR_OUT_OF_BOUNDS', /index 5/);
    expectThrowsCode(() => x.stridedSlice([0, 0, 0], [1, 1, 1]), 'ERR_AXIS');
    expectThrowsCode(() => x.stridedSlice([0, 0], [1, 1], [1, 1], { ellipsisMask: 3 }), 'ERR_ARGUMENT', /ellipsis/);
  });
  tidyTest('select removes the dim; negative index', () => {
    const r = rng(seedOf('select'));
    for (const dt of DTYPES) {
      const shape = [3, 4, 2];
      const { t: x, v } = mk(shape, dt, r);
      const y = tp.select(x, 1, 2);
      expect(y._h).toBe(x._h);
      expectTensor(y, [3, 2], dt, build([3, 2], (i) => at(v, shape, [i[0], 2, i[1]])));
      expectTensor(x.select(-1, -1), [3, 4], dt, build([3, 4], (i) => at(v, shape, [i[0], i[1], 1])));
      expectTensor(x.select(0, 0).select(0, 3).select(0, 1), [], dt, [at(v, shape, [0, 3, 1])]);
    }
    const x = tp.zeros([3, 4]);
    expectThrowsCode(() => x.select(1, 4), 'ERR_OUT_OF_BOUNDS', /select: index 4 .*\[-4, 3\]/);
    expectThrowsCode(() => x.select(2, 0), 'ERR_AXIS');
    expectThrowsCode(() => tp.tensor(1).select(0, 0), 'ERR_AXIS');
  });
});

describe('squeeze / unsqueeze / broadcastTo / expand / flatten', () => {
  tidyTest('squeeze', () => {
    const r = rng(seedOf('squeeze'));
    const { t: x, v } = mk([1, 3, 1, 2], 'float32', r);
    expectTensor(tp.squeeze(x), [3, 2], 'float32', v);
    expectTensor(x.squeeze(0), [3, 1, 2], 'float32', v);
    expectTensor(x.squeeze([-2, 0]), [3, 2], 'float32', v);
    expect(x.squeeze()._h).toBe(x._h);
    expectTensor(tp.tensor(4, { dtype: 'int32' }).squeeze(), [], 'int32', [4]);
    expectTensor(tp.tensor(4, { dtype: 'int32' }).squeeze(0), [], 'int32', [4]);
    expectTensor(tp.zeros([0, 1]).squeeze(), [0], 'float32', []);
    expectThrowsCode(() => x.squeeze(1), 'ERR_SHAPE', /squeeze: cannot squeeze axis 1 of size 3/);
    expectThrowsCode(() => x.squeeze(4), 'ERR_AXIS');
  });
  tidyTest('unsqueeze / expandDims', () => {
    const r = rng(seedOf('unsqueeze'));
    for (const dt of DTYPES) {
      const { t: x, v } = mk([2, 3], dt, r);
      expectTensor(tp.unsqueeze(x, 0), [1, 2, 3], dt, v);
      expectTensor(x.unsqueeze(1), [2, 1, 3], dt, v);
      expectTensor(x.unsqueeze(-1), [2, 3, 1], dt, v);
      expectTensor(tp.expandDims(x, 2), [2, 3, 1], dt, v);
      expectTensor(x.expandDims(), [1, 2, 3], dt, v);
      expect(x.unsqueeze(1)._h).toBe(x._h);
      // on a transposed view
      const t = x.T.unsqueeze(1);
      expectTensor(t, [3, 1, 2], dt, refPermute(v, [2, 3], [1, 0]).v);
    }
    expectTensor(tp.tensor(2, { dtype: 'int32' }).unsqueeze(0), [1], 'int32', [2]);
    expectThrowsCode(() => tp.zeros([2, 3]).unsqueeze(3), 'ERR_AXIS');
    expectThrowsCode(() => tp.zeros([2, 3]).unsqueeze(-4), 'ERR_AXIS');
  });
  tidyTest('broadcastTo is a stride-0 view; expand keeps -1 dims', () => {
    const r = rng(seedOf('broadcast'));
    for (const dt of DTYPES) {
      const { t: x, v } = mk([3, 1], dt, r);
      const y = tp.broadcastTo(x, [2, 3, 4]);
      expect(y._h).toBe(x._h);
      expect(y.strides).toEqual([0, 1, 0]);
      expectTensor(y, [2, 3, 4], dt, build([2, 3, 4], (i) => v[i[1]]));
      expectTensor(x.expand([-1, 5]), [3, 5], dt, build([3, 5], (i) => v[i[0]]));
      expectTensor(x.broadcastTo([3, 0]), [3, 0], dt, []);
    }
    expectTensor(tp.tensor(7, { dtype: 'int32' }).broadcastTo([2, 2]), [2, 2], 'int32', [7, 7, 7, 7]);
    const x = tp.zeros([3, 2]);
    expectThrowsCode(() => x.broadcastTo([3, 4]), 'ERR_SHAPE', /broadcastTo: cannot broadcast shape \[3,2\] to \[3,4\]/);
    expectThrowsCode(() => x.broadcastTo([2]), 'ERR_SHAPE', /\[3,2\].*\[2\]/);
    expectThrowsCode(() => x.expand([-1, 2, 2]), 'ERR_SHAPE');
    expectThrowsCode(() => x.broadcastTo([-1, 2]), 'ERR_SHAPE');
  });
  tidyTest('flatten', () => {
    const r = rng(seedOf('flatten'));
    const { t: x, v } = mk([2, 3, 4, 5], 'float64', r);
    expectTensor(tp.flatten(x), [120], 'float64', v);
    expectTensor(x.flatten(1), [2, 60], 'float64', v);
    expectTensor(x.flatten(1, 2), [2, 12, 5], 'float64', v);
    expectTensor(x.flatten(-2, -1), [2, 3, 20], 'float64', v);
    expect(x.flatten(1, 2)._h).toBe(x._h);
    const t = x.permute([1, 0, 2, 3]).flatten(); // copy
    expectTensor(t, [120], 'float64', refPermute(v, [2, 3, 4, 5], [1, 0, 2, 3]).v);
    expectTensor(tp.tensor(3, { dtype: 'int32' }).flatten(), [1], 'int32', [3]);
    expectThrowsCode(() => x.flatten(2, 1), 'ERR_AXIS');
    expectThrowsCode(() => x.flatten(0, 4), 'ERR_AXIS');
  });
});

describe('chains of views', () => {
  tidyTest('slice of transpose of broadcast, every dtype', () => {
    const r = rng(seedOf('chain'));
    for (const dt of DTYPES) {
      const { t: x, v } = mk([4, 1, 5], dt, r); // broadcast to [3,4,6,5], transpose, slice, select
      const b = x.broadcastTo([3, 4, 6, 5]);
      const t = b.permute([3, 1, 0, 2]); // [5,4,3,6]
      const s = t.stridedSlice([4, 1, 0, 1], [0, 4, 3, 6], [-2, 2, 1, 2]); // [2,2,3,3]
      const q = s.select(2, -1); // [2,2,3]
      const f = q.unsqueeze(0).slice([0, 1], [1, 1]); // [1,1,2,3]
      expect(f._h).toBe(x._h);
      const ref = build([2, 2, 3, 3], (i) => at(v, [4, 1, 5], [1 + 2 * i[1], 0, 4 - 2 * i[0]]));
      expectTensor(s, [2, 2, 3, 3], dt, ref);
      expectTensor(q, [2, 2, 3], dt, build([2, 2, 3], (i) => at(ref, [2, 2, 3, 3], [i[0], i[1], 2, i[2]])));
      expectTensor(f, [1, 1, 2, 3], dt, build([1, 1, 2, 3], (i) => at(ref, [2, 2, 3, 3], [1, i[2], 2, i[3]])));
      // and a reshape of the chain (not viewable: copies)
      const g = q.reshape([12]);
      expectTensor(g, [12], dt, build([2, 2, 3], (i) => at(ref, [2, 2, 3, 3], [i[0], i[1], 2, i[2]])));
      // the chain's values survive the base tensor's disposal (storage is refcounted)
      x.dispose();
      expectTensor(f, [1, 1, 2, 3], dt, build([1, 1, 2, 3], (i) => at(ref, [2, 2, 3, 3], [1, i[2], 2, i[3]])));
    }
  });
  tidyTest('views of empty tensors keep a valid offset', () => {
    const x = tp.arange(6).reshape([2, 3]);
    const f = x.stridedSlice([0, 0], [0, 0], [-1, 1], { beginMask: 3, endMask: 3 }); // reversed rows
    expectTensor(f, [2, 3], 'int32', [3, 4, 5, 0, 1, 2]);
    const e = f.slice([2, 0], [0, 3]); // offset would point one row before the start
    expectTensor(e, [0, 3], 'int32', []);
    expectTensor(e.reshape([3, 0]), [3, 0], 'int32', []);
    expectTensor(e.T.broadcastTo([2, 3, 0]), [2, 3, 0], 'int32', []);
  });
});

describe('memory and disposal', () => {
  tidyTest('views do not leak and keep storage alive', () => {
    expectNoLeak(() =>
      tp.tidy(() => {
        const x = tp.ones([4, 6]);
        const outs = [x.reshape([6, 4]), x.T, x.slice([1], [2]), x.T.reshape([24]), x.unsqueeze(0).broadcastTo([2, 4, 6]), x.flatten()];
        x.dispose();
        for (const o of outs) o.dataSync();
        return outs;
      }),
    );
    // a view alone keeps the buffer: it is freed with the last holder
    const before = tp.memory().numTensors;
    const x = tp.ones([4, 6]);
    const v = x.T;
    x.dispose();
    expect(tp.memory().numTensors).toBe(before + 1);
    v.dispose();
    expect(tp.memory().numTensors).toBe(before);
    expectNoLeak(() => {
      const x = tp.ones([2, 3]);
      try {
        x.reshape([4]);
      } catch {
        /* expected */
      }
      return x;
    });
  });
  tidyTest('disposed inputs and non-tensors are clear errors', () => {
    const x = tp.ones([2, 3]);
    x.dispose();
    for (const f of [
      () => tp.reshape(x, [6]),
      () => tp.permute(x, [1, 0]),
      () => tp.transpose(x),
      () => tp.slice(x, [0]),
      () => tp.stridedSlice(x, [0], [1]),
      () => tp.select(x, 0, 0),
      () => tp.squeeze(x),
      () => tp.unsqueeze(x, 0),
      () => tp.broadcastTo(x, [2, 3]),
      () => tp.flatten(x),
      () => x.T,
    ])
      expectThrowsCode(f, 'ERR_DISPOSED', /disposed/);
    expectThrowsCode(() => tp.reshape([1, 2] as unknown as tp.Tensor, [2]), 'ERR_ARGUMENT', /reshape: x must be a Tensor/);
  });
});
