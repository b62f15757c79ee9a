// tp.optim against torch.optim trajectories (test/fixtures/optim_fixtures.json, written by
// gen_optim.py), plus the optimizer API: zeroGrad, groups, minimize, stateDict, errors, leaks.
import * as fs from 'fs';
import * as path from 'path';
import { native } from '../lib/core/native';
import { tp, rng, seedOf, randArray, expectClose, expectThrowsCode, defaultTol } from './helpers';

interface Case {
  optim: string;
  options: Record<string, unknown>;
  dtype: 'float32' | 'float64';
  p0: number[];
  grads: number[][];
  params: number[][];
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'optim_fixtures.json'), 'utf8')) as {
  shape: number[];
  cases: Case[];
};

type AnyOptim = tp.optim.Optimizer<object>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function make(name: string, params: any, options: any): AnyOptim {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const C = (tp.optim as any)[name];
  return new C(params, options) as AnyOptim;
}

function tol(dtype: string) {
  return dtype === 'float64' ? { rtol: 1e-10, atol: 1e-10 } : defaultTol('float32');
}

describe('optim vs torch fixtures', () => {
  for (const c of FIX.cases) {
    test(`${c.optim} ${JSON.stringify(c.options)} ${c.dtype}`, () => {
      const p = tp.tensor(c.p0, { dtype: c.dtype }).reshape(FIX.shape);
      const opt = make(c.optim, [p], c.options);
      for (let k = 0; k < c.grads.length; k++) {
        p.grad = tp.tensor(c.grads[k], { dtype: c.dtype }).reshape(FIX.shape);
        const v = p._version;
        opt.step();
        expect(p._version).toBe(v + 1);
        expectClose(p.dataSync(), c.params[k], tol(c.dtype), `step ${k + 1}`);
        opt.zeroGrad();
      }
      opt.dispose();
      p.dispose();
    });
  }

  test('a strided (non-contiguous) parameter view is updated in place like a contiguous one', () => {
    const c = FIX.cases.find((x) => x.optim === 'Adam' && x.dtype === 'float64')!;
    // base [4, 3] holds the parameter transposed: p = base.T is [3, 4] with strides [1, 3]
    const r = rng(seedOf('strided param'));
    const base = tp.tensor(randArray(12, r), { dtype: 'float64' }).reshape([4, 3]);
    const p = base._view([3, 4], [1, 3], 0);
    const p0 = tp.tensor(c.p0, { dtype: 'float64' }).reshape([3, 4]);
    // write p0 into the view through a copy
    const init = p0.dataSync();
    const baseData = new Float64Array(12);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) baseData[j * 3 + i] = init[i * 4 + j];
    const base2 = tp.tensor(Array.from(baseData), { dtype: 'float64' }).reshape([4, 3]);
    const pv = base2._view([3, 4], [1, 3], 0);
    const opt = new tp.optim.Adam([pv], c.options);
    for (let k = 0; k < c.grads.length; k++) {
      pv.grad = tp.tensor(c.grads[k], { dtype: 'float64' }).reshape([3, 4]);
      opt.step();
      expectClose(pv.dataSync(), c.params[k], tol('float64'), `step ${k + 1}`);
    }
    tp.dispose([base, p, p0, base2, pv, pv.grad]);
    opt.dispose();
  });
});

describe('optim API', () => {
  test('zeroGrad disposes and clears grads; step skips params without grad', () => {
    const a = tp.tensor([1, 2, 3], { dtype: 'float64' });
    const b = tp.tensor([4, 5], { dtype: 'float64' });
    const opt = new tp.optim.SGD([a, b], { lr: 0.5 });
    const ga = tp.tensor([1, 1, 1], { dtype: 'float64' });
    a.grad = ga;
    opt.step(); // b has no grad: untouched
    expect(Array.from(a.dataSync())).toEqual([0.5, 1.5, 2.5]);
    expect(Array.from(b.dataSync())).toEqual([4, 5]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
    expect(ga.isDisposed).toBe(true);
    opt.step(); // nothing to do
    expect(Array.from(a.dataSync())).toEqual([0.5, 1.5, 2.5]);
    tp.dispose([a, b]);
  });

  test('a float32 gradient for a float64 parameter is cast', () => {
    const a = tp.tensor([1, 2], { dtype: 'float64' });
    const opt = new tp.optim.SGD([a], { lr: 1 });
    a.grad = tp.tensor([0.5, 0.25], { dtype: 'float32' });
    opt.step();
    expect(Array.from(a.dataSync())).toEqual([0.5, 1.75]);
    opt.zeroGrad();
    a.dispose();
  });

  test('parameter groups use their own options', () => {
    const a = tp.ones([2]);
    const b = tp.ones([2]);
    const opt = new tp.optim.SGD([{ params: [a] }, { params: [b], lr: 0.1 }], { lr: 0.5 });
    expect(opt.paramGroups[0].lr).toBe(0.5);
    expect(opt.paramGroups[1].lr).toBe(0.1);
    a.grad = tp.ones([2]);
    b.grad = tp.ones([2]);
    opt.step();
    expectClose(a.dataSync(), [0.5, 0.5]);
    expectClose(b.dataSync(), [0.9, 0.9]);
    opt.zeroGrad();
    tp.dispose([a, b]);
  });

  test('minimize converges on a small quadratic (torch-style and TF-style)', () => {
    const target = tp.tensor([1, -2, 3], { dtype: 'float64' });
    for (const mk of [
      (w: tp.Tensor) => new tp.optim.Adam([w], { lr: 0.1 }),
      (w: tp.Tensor) => new tp.optim.SGD([w], { lr: 0.1, momentum: 0.9 }),
      (w: tp.Tensor) => new tp.optim.RMSProp([w], { lr: 0.05 }),
      (w: tp.Tensor) => new tp.optim.Adagrad([w], { lr: 0.5 }),
      (w: tp.Tensor) => new tp.optim.AdamW([w], { lr: 0.1, weightDecay: 0 }),
    ]) {
      const w = tp.zeros([3], { dtype: 'float64' });
      w.requiresGrad = true;
      const opt = mk(w);
      const loss = () => w.sub(target).square().sum();
      let first = 0;
      let last = 0;
      for (let i = 0; i < 300; i++) {
        last = opt.minimize(loss);
        if (i === 0) first = last;
      }
      expect(first).toBeCloseTo(14, 10);
      expect(last).toBeLessThan(1e-3);
      expectClose(w.dataSync(), [1, -2, 3], { rtol: 0, atol: 0.05 });
      opt.zeroGrad();
      opt.dispose();
      w.dispose();
    }
    // TF style: the optimizer gets its variables from minimize(lossFn, varList)
    const w = tp.zeros([3], { dtype: 'float64' });
    const gd = tp.optim.GradientDescentOptimizer(0.1);
    for (let i = 0; i < 100; i++) gd.minimize(() => w.sub(target).square().sum(), [w]);
    expectClose(w.dataSync(), [1, -2, 3], { rtol: 0, atol: 1e-6 });
    const ad = tp.optim.AdamOptimizer(0.1);
    const v = tp.zeros([3], { dtype: 'float64' });
    for (let i = 0; i < 300; i++) ad.minimize(() => v.sub(target).square().sum(), [v]);
    expectClose(v.dataSync(), [1, -2, 3], { rtol: 0, atol: 0.05 });
    expectThrowsCode(() => tp.optim.AdamOptimizer().minimize(() => v.sum()), 'ERR_ARGUMENT', /no parameters/);
    gd.zeroGrad();
    ad.zeroGrad();
    ad.dispose();
    tp.dispose([w, v, target]);
  });

  test('minimize returns the loss value before the step and updates only the given params', () => {
    const a = tp.tensor([2], { dtype: 'float64' });
    const b = tp.tensor([3], { dtype: 'float64' });
    a.requiresGrad = true;
    b.requiresGrad = true;
    const opt = new tp.optim.SGD([a, b], { lr: 0.25 });
    const v = opt.minimize(() => a.mul(b).sum(), [a]);
    expect(v).toBe(6);
    expect(Array.from(a.dataSync())).toEqual([2 - 0.25 * 3]);
    expect(Array.from(b.dataSync())).toEqual([3]);
    expectThrowsCode(() => opt.minimize(() => a.mul(tp.ones([2], { dtype: 'float64' }))), 'ERR_SHAPE', /one element/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectThrowsCode(() => opt.minimize((() => 3) as any), 'ERR_ARGUMENT', /must return a Tensor/);
    opt.zeroGrad();
    tp.dispose([a, b]);
  });

  for (const name of ['SGD', 'Adam', 'AdamW', 'RMSProp', 'Adagrad']) {
    test(`${name}: stateDict round-trip continues identically`, () => {
      const r = rng(seedOf(`stateDict ${name}`));
      const opts =
        name === 'SGD' ? { lr: 0.1, momentum: 0.9 } : name === 'RMSProp' ? { momentum: 0.5, centered: true } : {};
      const init = randArray(6, r);
      const grads = Array.from({ length: 6 }, () => randArray(6, r));
      const p1 = tp.tensor(init, { dtype: 'float64' });
      const o1 = make(name, [p1], opts);
      for (let k = 0; k < 3; k++) {
        p1.grad = tp.tensor(grads[k], { dtype: 'float64' });
        o1.step();
        o1.zeroGrad();
      }
      const sd = o1.stateDict();
      expect(sd.paramGroups.length).toBe(1);
      expect(sd.paramGroups[0].params).toEqual([0]);
      // a fresh optimizer over a copy of the parameter, loaded from the dict
      const p2 = tp.tensor(Array.from(p1.dataSync()), { dtype: 'float64' });
      const o2 = make(name, [p2], name === 'SGD' ? { lr: 1 } : {});
      o2.loadStateDict(sd);
      tp.dispose(Object.values(sd.state[0])); // the optimizer copied them
      for (let k = 3; k < 6; k++) {
        p1.grad = tp.tensor(grads[k], { dtype: 'float64' });
        p2.grad = tp.tensor(grads[k], { dtype: 'float64' });
        o1.step();
        o2.step();
        o1.zeroGrad();
        o2.zeroGrad();
        expect(Array.from(p2.dataSync())).toEqual(Array.from(p1.dataSync()));
      }
      o1.dispose();
      o2.dispose();
      tp.dispose([p1, p2]);
    });
  }

  test('loadStateDict rejects a mismatched dict', () => {
    const a = tp.ones([2]);
    const b = tp.ones([3]);
    const o = new tp.optim.Adam([a]);
    const o2 = new tp.optim.Adam([a, b]);
    expectThrowsCode(() => o.loadStateDict(o2.stateDict()), 'ERR_ARGUMENT', /parameters/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectThrowsCode(() => o.loadStateDict({} as any), 'ERR_ARGUMENT', /state/);
    const bad = { state: { 0: { step: 1, expAvg: tp.ones([5]), expAvgSq: tp.ones([2]) } }, paramGroups: o.stateDict().paramGroups };
    expectThrowsCode(() => o.loadStateDict(bad), 'ERR_SHAPE', /expAvg/);
    expect(o.state.size).toBe(0);
    tp.dispose([a, b, bad.state[0].expAvg, bad.state[0].expAvgSq]);
  });

  test('bad options and params throw clear errors', () => {
    const p = tp.ones([2]);
    expectThrowsCode(() => new tp.optim.SGD([p], { lr: -0.1 }), 'ERR_ARGUMENT', /SGD.*lr/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectThrowsCode(() => new tp.optim.SGD([p], {} as any), 'ERR_ARGUMENT', /lr is required/);
    expectThrowsCode(() => new tp.optim.SGD([p], { lr: 0.1, nesterov: true }), 'ERR_ARGUMENT', /nesterov/);
    expectThrowsCode(() => new tp.optim.Adam([p], { lr: NaN }), 'ERR_ARGUMENT', /lr/);
    expectThrowsCode(() => new tp.optim.Adam([p], { betas: [1, 0.999] }), 'ERR_ARGUMENT', /beta1/);
    expectThrowsCode(() => new tp.optim.AdamW([p], { betas: [0.9, -0.1] }), 'ERR_ARGUMENT', /AdamW.*beta2/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectThrowsCode(() => new tp.optim.Adam([p], { betas: 0.9 as any }), 'ERR_ARGUMENT', /betas/);
    expectThrowsCode(() => new tp.optim.Adam([p], { eps: -1 }), 'ERR_ARGUMENT', /eps/);
    expectThrowsCode(() => new tp.optim.RMSProp([p], { alpha: -1 }), 'ERR_ARGUMENT', /alpha/);
    expectThrowsCode(() => new tp.optim.Adagrad([p], { lrDecay: -1 }), 'ERR_ARGUMENT', /lrDecay/);
    expectThrowsCode(() => new tp.optim.Adam([{ params: [p], lr: -1 }]), 'ERR_ARGUMENT', /lr/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectThrowsCode(() => new tp.optim.Adam([1, 2] as any), 'ERR_ARGUMENT', /not a Tensor/);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectThrowsCode(() => new tp.optim.Adam(p as any), 'ERR_ARGUMENT', /single tensor/);
    expectThrowsCode(() => new tp.optim.Adam([]), 'ERR_ARGUMENT', /empty/);
    expectThrowsCode(() => new tp.optim.Adam([p, p]), 'ERR_ARGUMENT', /more than one/);
    const i = tp.tensor([1, 2], { dtype: 'int32' });
    expectThrowsCode(() => new tp.optim.Adam([i]), 'ERR_DTYPE', /float32\/float64/);
    expectThrowsCode(() => tp.optim.GradientDescentOptimizer(-1), 'ERR_ARGUMENT', /lr/);
    // a gradient of the wrong shape
    const o = new tp.optim.SGD([p], { lr: 0.1 });
    p.grad = tp.ones([3]);
    expectThrowsCode(() => o.step(), 'ERR_SHAPE', /gradient/);
    o.zeroGrad();
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => new tp.optim.SGD([d], { lr: 0.1 }), 'ERR_DISPOSED');
    tp.dispose([p, i]);
  });

  test('a large parameter (several threads) matches a plain-JS Adam / SGD reference', () => {
    const r = rng(seedOf('large param'));
    const n = 100003; // above the kernels' grain, odd so the split is uneven
    const init = randArray(n, r);
    const grads = [randArray(n, r), randArray(n, r), randArray(n, r)];
    // Adam, float64, weight decay in the gradient
    const p = tp.tensor(init, { dtype: 'float64' });
    const o = new tp.optim.Adam([p], { lr: 0.01, weightDecay: 0.1 });
    const ref = init.slice();
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    for (let k = 0; k < grads.length; k++) {
      p.grad = tp.tensor(grads[k], { dtype: 'float64' });
      o.step();
      o.zeroGrad();
      const t = k + 1;
      const bc1 = 1 - 0.9 ** t;
      const bc2 = Math.sqrt(1 - 0.999 ** t);
      for (let i = 0; i < n; i++) {
        const g = grads[k][i] + 0.1 * ref[i];
        m[i] = 0.9 * m[i] + 0.1 * g;
        v[i] = 0.999 * v[i] + 0.001 * g * g;
        ref[i] -= (0.01 / bc1) * (m[i] / (Math.sqrt(v[i]) / bc2 + 1e-8));
      }
    }
    expectClose(p.dataSync(), ref, { rtol: 1e-10, atol: 1e-10 }, 'adam');
    o.dispose();
    p.dispose();
    // float32 Adam without weight decay takes an 8-wide path (reciprocal estimate + Newton
    // step): every length around the vector width, against float64 on the same inputs
    for (const len of [1, 7, 8, 9, 16, 17, 1000]) {
      const r = rng(100 + len);
      const x0 = Array.from({ length: len }, () => 4 * r() - 2);
      const q = tp.tensor(x0, { dtype: 'float32' });
      const o32 = new tp.optim.Adam([q], { lr: 0.05 });
      const x = Float32Array.from(x0).map(Number);
      const m1 = new Float64Array(len);
      const v1 = new Float64Array(len);
      for (let t = 1; t <= 5; t++) {
        const gs = Array.from({ length: len }, (_, i) => (i % 5 === 0 ? 0 : 3 * r() - 1.5));
        q.grad = tp.tensor(gs, { dtype: 'float32' });
        o32.step();
        for (let i = 0; i < len; i++) {
          const gi = Math.fround(gs[i]);
          m1[i] = 0.9 * m1[i] + 0.1 * gi;
          v1[i] = 0.999 * v1[i] + 0.001 * gi * gi;
          x[i] -= (0.05 / (1 - 0.9 ** t)) * (m1[i] / (Math.sqrt(v1[i]) / Math.sqrt(1 - 0.999 ** t) + 1e-8));
        }
      }
      expectClose(q.dataSync(), Array.from(x), defaultTol('float32'), `adam f32 n=${len}`);
      o32.dispose();
      q.dispose();
    }
    // eps = 0 with a zero gradient: 0 / 0 is NaN, as torch; the other lanes are unaffected
    const z = tp.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], { dtype: 'float32' });
    const oz = new tp.optim.Adam([z], { lr: 0.1, eps: 0 });
    z.grad = tp.tensor([0, 1, 1, 1, 1, 1, 1, 1, -1], { dtype: 'float32' });
    oz.step();
    const zv = Array.from(z.dataSync() as Float32Array);
    expect(Number.isNaN(zv[0])).toBe(true);
    expectClose(zv.slice(1), [1.9, 2.9, 3.9, 4.9, 5.9, 6.9, 7.9, 9.1], defaultTol('float32'));
    oz.dispose();
    z.dispose();
    // SGD with nesterov momentum, float32 (reference in float64: torch.testing float32 tolerances)
    const q = tp.tensor(init);
    const s = new tp.optim.SGD([q], { lr: 0.1, momentum: 0.9, nesterov: true });
    const qref = init.map(Math.fround);
    const buf = new Float64Array(n);
    for (let k = 0; k < grads.length; k++) {
      q.grad = tp.tensor(grads[k]);
      s.step();
      s.zeroGrad();
      for (let i = 0; i < n; i++) {
        const g = Math.fround(grads[k][i]);
        buf[i] = k === 0 ? g : 0.9 * buf[i] + g;
        qref[i] -= 0.1 * (g + 0.9 * buf[i]);
      }
    }
    expectClose(q.dataSync(), qref, defaultTol('float32'), 'sgd');
    s.dispose();
    q.dispose();
  });

  test('0-d and empty parameters', () => {
    const a = tp.tensor(2, { dtype: 'float64' });
    const e = tp.zeros([0, 3]);
    const o = new tp.optim.Adagrad([a, e], { lr: 0.5 });
    a.grad = tp.tensor(4, { dtype: 'float64' });
    e.grad = tp.zeros([0, 3]);
    o.step();
    // sum = 16, p -= 0.5 * 4 / (4 + 1e-10)
    expectClose(a.dataSync(), [2 - 0.5 * (4 / (4 + 1e-10))], { rtol: 1e-12, atol: 0 });
    expect(a.shape).toEqual([]);
    expect(e.shape).toEqual([0, 3]);
    o.zeroGrad();
    o.dispose();
    tp.dispose([a, e]);
  });

  test('the native kernels check extents and dtypes', () => {
    const p = tp.zeros([4]);
    const g = tp.zeros([4]);
    const g64 = tp.zeros([4], { dtype: 'float64' });
    const i32 = tp.zeros([4], { dtype: 'int32' });
    expectThrowsCode(() => native.sgdStep(5, p._h, 0, g._h, 0, null, 0.1, 0, 0, 0, 0, 0), 'ERR_OUT_OF_BOUNDS', /param/);
    expectThrowsCode(() => native.sgdStep(4, p._h, 1, g._h, 0, null, 0.1, 0, 0, 0, 0, 0), 'ERR_OUT_OF_BOUNDS', /param/);
    expectThrowsCode(() => native.adamStep(4, p._h, 0, g._h, 0, g._h, g64._h, 0.1, 0.9, 0.999, 1e-8, 0, 0, 1), 'ERR_DTYPE', /exp_avg_sq/);
    expectThrowsCode(() => native.adagradStep(4, i32._h, 0, g._h, 0, g._h, 0.1, 0, 0, 1e-10, 1), 'ERR_DTYPE', /float32 or float64/);
    expectThrowsCode(() => native.rmspropStep(4, p._h, 0, g._h, 0, g._h, null, null, 0.1, 0.99, 1e-8, 0, 0.5), 'ERR_ARGUMENT', /momentum buffer/);
    tp.dispose([p, g, g64, i32]);
  });

  test('RMSprop is an alias of RMSProp', () => {
    expect(tp.optim.RMSprop).toBe(tp.optim.RMSProp);
  });

  test('state is allocated lazily and survives an enclosing tidy()', () => {
    const p = tp.ones([4]);
    const o = new tp.optim.Adam([p]);
    expect(o.state.size).toBe(0);
    tp.tidy(() => {
      p.grad = tp.ones([4]);
      o.step();
    });
    const s = o.state.get(p)!;
    expect(s.step).toBe(1);
    expect((s.expAvg as tp.Tensor).isDisposed).toBe(false);
    expectClose((s.expAvg as tp.Tensor).dataSync(), [0.1, 0.1, 0.1, 0.1]);
    o.zeroGrad();
    o.dispose();
    p.dispose();
  });

  test('no leaks across many steps: memory stays flat', () => {
    const r = rng(seedOf('optim leaks'));
    const ps = [tp.tensor(randArray(64, r)).reshape([8, 8]), tp.tensor(randArray(8, r), { dtype: 'float64' })];
    const target = tp.tensor(randArray(64, r)).reshape([8, 8]);
    for (const p of ps) p.requiresGrad = true;
    const opts: AnyOptim[] = [
      new tp.optim.SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 0.1 }),
      new tp.optim.Adam(ps, { weightDecay: 0.1 }),
      new tp.optim.AdamW(ps),
      new tp.optim.RMSProp(ps, { momentum: 0.9, centered: true }),
      new tp.optim.Adagrad(ps),
    ];
    const lossFn = () => ps[0].sub(target).square().sum().add(ps[1].square().sum().cast('float32'));
    for (const o of opts) {
      const iter = () => {
        o.minimize(lossFn);
        tp.tidy(() => {
          o.zeroGrad();
          ps[0].grad = tp.onesLike(ps[0]);
          ps[1].grad = tp.onesLike(ps[1]).cast('float32'); // cast to float64 by step()
          o.step();
        });
      };
      iter(); // warm-up: allocates the state
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) gc();
      const before = tp.memory();
      for (let i = 0; i < 50; i++) iter();
      const after = tp.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      o.zeroGrad();
      o.dispose();
    }
    tp.dispose([...ps, target]);
  });
});
