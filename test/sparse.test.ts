// Row-sparse gradients (SparseRows) and the optimizers that take them: torch 1.13's sparse
// SGD (plain, momentum, nesterov), Adagrad and SparseAdam trajectories (test/fixtures/
// embed.json, gen_embed.py); sparse updates equal dense ones on the touched rows and leave the
// other rows bit-identical; accumulation in the engine; clipping; errors; leaks.
import * as fs from 'fs';
import * as path from 'path';
import { native } from '../lib/core/native';
import { tp, expectClose, expectNoLeak, expectThrowsCode, defaultTol } from './helpers';

interface OptCase {
  optimizer: string;
  options: Record<string, unknown>;
  dtype: 'float32' | 'float64';
  weight: number[][];
  steps: { ids: number[]; g: number[][] }[];
  after: number[][][];
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'embed.json'), 'utf8')) as { optim: OptCase[] };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function make(name: string, params: tp.Tensor[], options: any): tp.optim.Optimizer<object> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new (tp.optim as any)[name](params, options);
}

describe('sparse optimizer steps against torch', () => {
  for (const c of FIX.optim)
    test(`${c.optimizer} ${JSON.stringify(c.options)} ${c.dtype}`, () => {
      const e = new tp.nn.Embedding(c.weight.length, c.weight[0].length, { sparse: true, dtype: c.dtype, weight: tp.tensor(c.weight, { dtype: c.dtype }) });
      const opt = make(c.optimizer, [e.weight], c.options);
      const tol = c.dtype === 'float64' ? { rtol: 1e-11, atol: 1e-12 } : defaultTol('float32');
      c.steps.forEach((s, k) => {
        opt.zeroGrad();
        tp.tidy(() => e.forward(tp.tensor(s.ids, { dtype: 'int32' })).backward(tp.tensor(s.g, { dtype: c.dtype })));
        expect(e.weight.grad?.isSparse).toBe(true);
        opt.step();
        expectClose(e.weight.dataSync(), c.after[k].flat(), tol, `step ${k + 1}`);
      });
      opt.dispose();
      e.dispose();
    });
});

describe('sparse updates equal dense ones', () => {
  for (const [name, options] of [
    ['SGD', { lr: 0.1 }],
    ['SGD', { lr: 0.1, momentum: 0.9 }],
    ['Adagrad', { lr: 0.1 }],
  ] as const)
    test(`${name} ${JSON.stringify(options)}: same rows as the dense update, untouched rows bit-identical`, () => {
      tp.manualSeed(11);
      const V = 300;
      const w0 = tp.randn([V, 6]);
      const a = tp.variable(w0.clone());
      const b = tp.variable(w0.clone());
      const oa = make(name, [a], options);
      const ob = make(name, [b], options);
      const batches = [[3, 17, 17, 250], [0, 3, 299]];
      for (const ids of batches) {
        oa.zeroGrad();
        ob.zeroGrad();
        tp.tidy(() => {
          const g = tp.randn([ids.length, 6]);
          tp.embedding(ids, a, { sparse: true }).backward(g);
          tp.embedding(ids, b).backward(g);
        });
        expect(a.grad?.isSparse).toBe(true);
        expect(b.grad?.isSparse).toBe(false);
        oa.step();
        ob.step();
      }
      const da = a.dataSync();
      const db = b.dataSync();
      expectClose(da, db, defaultTol('float32'));
      const orig = w0.dataSync();
      const touched = new Set(batches.flat());
      for (let r = 0; r < V; r++)
        if (!touched.has(r))
          for (let j = 0; j < 6; j++) expect(da[r * 6 + j]).toBe(orig[r * 6 + j]);
    });

  test('SparseAdam is lazy: rows not in a step keep their values and moments', () => {
    const w = tp.variable(tp.ones([5, 2]));
    const opt = new tp.optim.SparseAdam([w], { lr: 0.1 });
    tp.tidy(() => tp.sum(tp.embedding([1], w, { sparse: true })).backward());
    opt.step();
    const after1 = w.toArray() as number[][];
    w.grad = null;
    tp.tidy(() => tp.sum(tp.embedding([3], w, { sparse: true })).backward());
    opt.step();
    const after2 = w.toArray() as number[][];
    expect(after2[1]).toEqual(after1[1]); // row 1's moments did not move
    expect(after2[0]).toEqual([1, 1]);
    // row 3's first update, at the parameter's step 2 (torch's bias correction uses the step count)
    const stepSize = (0.1 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
    expect(after2[3][0]).toBeCloseTo(1 - (stepSize * 0.1) / (Math.sqrt(0.001) + 1e-8), 6);
    opt.dispose();
  });
});

describe('SparseRows in the engine', () => {
  test('accumulates: two lookups in one graph, across backward calls, and dense + sparse', () => {
    const w = tp.variable(tp.zeros([4, 2]));
    const y = tp.add(tp.sum(tp.embedding([1, 2], w, { sparse: true })), tp.sum(tp.embedding([2], w, { sparse: true })));
    y.backward();
    expect(w.grad?.isSparse).toBe(true);
    expect((w.grad as tp.SparseRows).nnz).toBe(3);
    expect(w.grad?.toArray()).toEqual([[0, 0], [1, 1], [2, 2], [0, 0]]);
    tp.sum(tp.embedding([3], w, { sparse: true })).backward();
    expect((w.grad as tp.SparseRows).nnz).toBe(4);
    tp.sum(tp.mul(w, 2)).backward(); // dense + sparse gives dense
    expect(w.grad?.isSparse).toBe(false);
    expect(w.grad?.toArray()).toEqual([[2, 2], [3, 3], [4, 4], [3, 3]]);
    // a sparse gradient through a non-leaf table reaches the leaf dense
    const v = tp.variable(tp.zeros([3, 2]));
    tp.sum(tp.embedding([0, 0], tp.mul(v, 3), { sparse: true })).backward();
    expect(v.grad?.isSparse).toBe(false);
    expect(v.grad?.toArray()).toEqual([[6, 6], [0, 0], [0, 0]]);
    // grads() answers dense tensors
    const [g] = tp.grads(tp.sum(tp.embedding([2], w, { sparse: true })), [w]);
    expect(g.isSparse).toBe(false);
    expect(g.toArray()).toEqual([[0, 0], [0, 0], [1, 1], [0, 0]]);
  });

  test('a sparse gradient refuses dense ops with a pointer at toDense(); toString', () => {
    const w = tp.variable(tp.zeros([4, 2]));
    tp.sum(tp.embedding([1], w, { sparse: true })).backward();
    const g = w.grad as tp.Tensor;
    // the elementwise fast path reaches native code, which finds no storage behind the handle
    expectThrowsCode(() => tp.add(g, 1), 'ERR_ARGUMENT');
    // many repeated rows: as many stored elements as the dense table, still refused
    const v = tp.variable(tp.zeros([2, 2]));
    tp.sum(tp.embedding([0, 0, 1, 1, 1], v, { sparse: true })).backward();
    expectThrowsCode(() => tp.mul(v.grad as tp.Tensor, 2), 'ERR_ARGUMENT');
    expectThrowsCode(() => g.reshape([8]), 'ERR_ARGUMENT', /row-sparse gradient.*toDense/);
    expectThrowsCode(() => tp.sum(g), 'ERR_ARGUMENT', /toDense/);
    expectThrowsCode(() => tp.matmul(g, tp.ones([2, 2])), 'ERR_ARGUMENT');
    expect(String(g)).toMatch(/SparseRows\(shape=\[4,2\], nnz=1/);
    const d = g.toDense();
    expect(tp.add(d, 1).toArray()).toEqual([[1, 1], [2, 2], [1, 1], [1, 1]]);
  });

  test('optimizers refuse what torch refuses', () => {
    const w = tp.variable(tp.zeros([4, 2]));
    tp.sum(tp.embedding([1], w, { sparse: true })).backward();
    expectThrowsCode(() => new tp.optim.Adam([w]).step(), 'ERR_ARGUMENT', /does not support sparse gradients/);
    expectThrowsCode(() => new tp.optim.SGD([w], { lr: 0.1, weightDecay: 0.1 }).step(), 'ERR_ARGUMENT', /weightDecay/);
    expectThrowsCode(() => new tp.optim.Adagrad([w], { weightDecay: 0.1 }).step(), 'ERR_ARGUMENT', /weightDecay/);
    const v = tp.variable(tp.zeros([4, 2]));
    tp.sum(tp.embedding([1], v)).backward();
    expectThrowsCode(() => new tp.optim.SparseAdam([v]).step(), 'ERR_ARGUMENT', /does not support dense gradients/);
    expectThrowsCode(() => new tp.optim.SparseAdam([v], { lr: 0 }), 'ERR_ARGUMENT', /lr/);
  });

  test('clipGradNorm / clipGradValue on sparse gradients (repeated rows count once, summed); zeroGrad', () => {
    const w = tp.variable(tp.zeros([4, 2]));
    const u = tp.variable(tp.zeros([2]));
    tp.sum(tp.add(tp.mul(tp.embedding([1, 1, 3], w, { sparse: true }), 1.5), 0)).backward();
    tp.sum(tp.mul(u, 2)).backward();
    // w.grad rows: 1 -> [3, 3], 3 -> [1.5, 1.5]; u.grad [2, 2]
    const total = tp.optim.clipGradNorm([w, u], 1);
    expect(total).toBeCloseTo(Math.sqrt(9 * 2 + 2.25 * 2 + 8), 5);
    expect(w.grad?.isSparse).toBe(true);
    const s = 1 / (total + 1e-6);
    expectClose((w.grad as tp.Tensor).dataSync(), [0, 0, 3 * s, 3 * s, 0, 0, 1.5 * s, 1.5 * s], { rtol: 1e-6, atol: 1e-7 });
    tp.optim.clipGradValue([w], 0.3);
    expectClose((w.grad as tp.Tensor).dataSync(), [0, 0, 0.3, 0.3, 0, 0, 1.5 * s, 1.5 * s], { rtol: 1e-6, atol: 1e-7 });
    const opt = new tp.optim.SGD([w, u], { lr: 1 });
    opt.zeroGrad();
    expect(w.grad).toBeNull();
  });

  test('leak-free: accumulation, coalesce, steps of every sparse optimizer', () => {
    const w = tp.variable(tp.randn([40, 3]));
    for (const [name, o] of [['SGD', { lr: 0.1 }], ['SGD', { lr: 0.1, momentum: 0.5 }], ['Adagrad', {}], ['SparseAdam', {}]] as const) {
      const opt = make(name, [w], o);
      const step = () => {
        tp.tidy(() => {
          tp.sum(tp.embedding([1, 5, 5], w, { sparse: true })).backward();
          tp.sum(tp.embedding([5, 39], w, { sparse: true })).backward();
        });
        opt.step();
        opt.zeroGrad();
      };
      step(); // state allocated on the first step
      expectNoLeak(step);
      opt.dispose();
    }
  });
});

describe('native entry points re-validate what they read', () => {
  test('unsorted or repeated rows, bad extents, out-of-range indices', () => {
    const p = tp.zeros([4, 2]);
    const s1 = tp.zeros([4, 2]);
    const s2 = tp.zeros([4, 2]);
    const vals = tp.ones([2, 2]);
    for (const rows of [[2, 1], [1, 1], [0, 4], [-1, 0]]) {
      const idx = tp.tensor(rows, { dtype: 'int32' });
      expectThrowsCode(() => native.sparseAdamStep(p._h, 0, 4, 2, s1._h, s2._h, idx._h, 0, vals._h, 0, 2, 0.1, 0.9, 0.999, 1e-8, 1), 'ERR_ARGUMENT', /distinct, sorted/);
      expectThrowsCode(() => native.sparseAdagradStep(p._h, 0, 4, 2, s1._h, idx._h, 0, vals._h, 0, 2, 0.1, 1e-10), 'ERR_ARGUMENT', /coalesce/);
    }
    const idx = tp.tensor([0, 1], { dtype: 'int32' });
    expectThrowsCode(() => native.sparseAdamStep(p._h, 0, 5, 2, s1._h, s2._h, idx._h, 0, vals._h, 0, 2, 0.1, 0.9, 0.999, 1e-8, 1), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => native.embedRowsAdd(p._h, 0, 4, 2, tp.tensor([0, 7], { dtype: 'int32' })._h, 0, 2, vals._h, 0, 1, -1, 0), 'ERR_OUT_OF_BOUNDS', /index 7 at position 1/);
    expectThrowsCode(() => native.embedLookup(p._h, 0, 4, 2, 2, idx._h, 0, 3), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => native.embedLookup(p._h, 0, 4, 2, 1, idx._h, 0, 2), 'ERR_ARGUMENT', /bad table layout/);
    expectThrowsCode(() => native.embedCoalesce(idx._h, 0, vals._h, 0, 2, 3), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => native.embedRenorm(p._h, 0, 4, 2, 2, idx._h, 0, 2, 1, 0), 'ERR_ARGUMENT', /normType/);
    expectThrowsCode(() => native.embedLookup(idx._h, 0, 2, 1, 1, idx._h, 0, 2), 'ERR_DTYPE');
  });
});
