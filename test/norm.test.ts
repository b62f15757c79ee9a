// batchNorm, layerNorm, groupNorm, moments and dropout2d against torch 1.13 fixtures
// (test/fixtures/norm.json from gen_norm.py): outputs, gradients of x / weight / bias, running
// statistics, non-contiguous inputs, float64; gradcheck first and second order; empty and
// batch-1 inputs; thread-count independence; bad input; leaks.
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectClose, expectNoLeak, expectThrowsCode, defaultTol, rng, seedOf, randArray } from './helpers';

type T = tp.Tensor;
type DT = 'float32' | 'float64';
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'norm.json'), 'utf8'));

interface Case {
  shape: number[];
  dtype: DT;
  x: number[];
  weight: number[] | null;
  bias: number[] | null;
  y: number[];
  gy: number[];
  gx: number[];
  gw: number[] | null;
  gb: number[] | null;
}
interface BnCase extends Case {
  training: boolean;
  momentum: number;
  runningMean: number[];
  runningVar: number[];
  runningMeanAfter: number[];
  runningVarAfter: number[];
}

// float32 gradients are sums over the batch done in another order than torch's (and in
// float64 here): a few float32 ulps apart
const gradTol = (dt: DT) => (dt === 'float32' ? { rtol: 2e-5, atol: 2e-5 } : defaultTol(dt));

/** A leaf with x's values and, when `strided`, a non-contiguous view of it as the input. */
function input(c: Case, strided: boolean): { leaf: T; x: T; back: (g: T) => T } {
  const base = tp.tensor(c.x, { shape: c.shape, dtype: c.dtype });
  const r = c.shape.length;
  if (!strided || r < 2) {
    base.requiresGrad_();
    return { leaf: base, x: base, back: (g) => g };
  }
  const leaf = base.transpose(0, r - 1).contiguous();
  base.dispose();
  leaf.requiresGrad_();
  return { leaf, x: leaf.transpose(0, r - 1), back: (g) => g.transpose(0, r - 1) };
}
const param = (v: number[] | null, shape: number[], dt: DT): T | null =>
  v === null ? null : tp.tensor(v, { shape, dtype: dt }).requiresGrad_();

/** Checks y and the gradients of sum(y * gy) against the case. */
function checkCase(c: Case, run: (x: T, w: T | null, b: T | null) => T, pshape: number[], strided: boolean, what: string): void {
  const { leaf, x, back } = input(c, strided);
  const w = param(c.weight, pshape, c.dtype);
  const b = param(c.bias, pshape, c.dtype);
  const y = run(x, w, b);
  expect(y.shape).toEqual(c.shape);
  expect(y.dtype).toBe(c.dtype);
  expectClose(y.dataSync(), c.y, defaultTol(c.dtype), `${what} y`);
  y.mul(tp.tensor(c.gy, { shape: c.shape, dtype: c.dtype })).sum().backward();
  expectClose(back(leaf.grad!).dataSync(), c.gx, gradTol(c.dtype), `${what} dx`);
  if (w) expectClose(w.grad!.dataSync(), c.gw!, gradTol(c.dtype), `${what} dweight`);
  if (b) expectClose(b.grad!.dataSync(), c.gb!, gradTol(c.dtype), `${what} dbias`);
  tp.dispose([leaf, x, w, b, y, leaf.grad, w?.grad, b?.grad].filter((t) => t) as T[]);
}

describe('batchNorm vs torch', () => {
  const cases = FIX.batchNorm as BnCase[];
  test.each(cases.map((c, i) => [`${i}: ${c.shape} ${c.dtype} ${c.training ? 'train' : 'eval'} ${c.weight ? 'affine' : ''}`, c]))(
    '%s', (name, c) => {
      const cc = c as BnCase;
      for (const strided of [false, true]) {
        const C = cc.shape[1];
        const rm = tp.tensor(cc.runningMean, { dtype: cc.dtype });
        const rv = tp.tensor(cc.runningVar, { dtype: cc.dtype });
        checkCase(cc, (x, w, b) => tp.batchNorm(x, rm, rv, { weight: w, bias: b, training: cc.training, momentum: cc.momentum }),
          [C], strided, `${name} strided=${strided}`);
        expectClose(rm.dataSync(), cc.runningMeanAfter, defaultTol(cc.dtype), 'running_mean');
        expectClose(rv.dataSync(), cc.runningVarAfter, defaultTol(cc.dtype), 'running_var');
        tp.dispose([rm, rv]);
      }
    });

  test('strided running statistics are updated in place; null running stats in training', () => {
    const c = cases.find((k) => k.training && k.shape.length === 4 && k.dtype === 'float64')!;
    const C = c.shape[1];
    const big = tp.tensor([...c.runningMean.flatMap((v) => [v, -7]), ...c.runningVar.flatMap((v) => [v, -7])], { shape: [2, C, 2], dtype: 'float64' });
    const rm = big.select(0, 0).select(1, 0);
    const rv = big.select(0, 1).select(1, 0);
    const x = tp.tensor(c.x, { shape: c.shape, dtype: c.dtype });
    const w = tp.tensor(c.weight ?? Array(C).fill(1), { dtype: c.dtype });
    const b = tp.tensor(c.bias ?? Array(C).fill(0), { dtype: c.dtype });
    const y = tp.batchNorm(x, rm, rv, { weight: w, bias: b, training: true, momentum: c.momentum });
    expectClose(y.dataSync(), c.y, defaultTol('float64'));
    expectClose(rm.dataSync(), c.runningMeanAfter, defaultTol('float64'));
    expectClose(rv.dataSync(), c.runningVarAfter, defaultTol('float64'));
    expect(big.select(2, 1).dataSync().every((v) => v === -7)).toBe(true);
    const y2 = tp.batchNorm(x, null, null, { weight: w, bias: b, training: true });
    expectClose(y2.dataSync(), c.y, defaultTol('float64'));
    tp.dispose([big, rm, rv, x, w, b, y, y2]);
  });
});

describe('nn.BatchNorm2d running statistics over training steps', () => {
  test.each((FIX.running as { momentum: number | null }[]).map((c) => [String(c.momentum), c]))('momentum %s', (_n, c) => {
    const k = c as { momentum: number | null; xs: number[][]; ys: number[][]; runningMean: number[]; runningVar: number[]; numBatchesTracked: number; xEval: number[]; yEval: number[] };
    const m = new tp.nn.BatchNorm2d(3, { momentum: k.momentum });
    k.xs.forEach((xv, i) => {
      const y = m.forward(tp.tensor(xv, { shape: [2, 3, 3, 2] }));
      expectClose(y.dataSync(), k.ys[i], defaultTol('float32'), `step ${i}`);
    });
    expectClose(m.running_mean!.dataSync(), k.runningMean, defaultTol('float32'));
    expectClose(m.running_var!.dataSync(), k.runningVar, defaultTol('float32'));
    expect(m.num_batches_tracked!.item()).toBe(k.numBatchesTracked);
    expect(m.num_batches_tracked!.dtype).toBe('int32');
    m.eval();
    const ye = m.forward(tp.tensor(k.xEval, { shape: [2, 3, 3, 2] }));
    expectClose(ye.dataSync(), k.yEval, defaultTol('float32'));
    expect(m.num_batches_tracked!.item()).toBe(k.numBatchesTracked); // eval does not count
    m.dispose();
  });

  test('trackRunningStats false: batch statistics always, no buffers; affine false: no parameters', () => {
    const m = new tp.nn.BatchNorm1d(4, { trackRunningStats: false, affine: false });
    expect(m.namedBuffers()).toEqual([]);
    expect(m.parameters()).toEqual([]);
    const x = tp.tensor(randArray(20, rng(seedOf('bn1d')), -1, 3), { shape: [5, 4] });
    const y1 = m.forward(x);
    m.eval();
    const y2 = m.forward(x);
    const ref = tp.batchNorm(x, null, null, { training: true });
    expectClose(y1.dataSync(), ref.dataSync(), { rtol: 0, atol: 0 });
    expectClose(y2.dataSync(), ref.dataSync(), { rtol: 0, atol: 0 });
    tp.dispose([x, y1, y2, ref]);
  });

  test('BatchNorm1d [N, C, L] and input checks', () => {
    const m = new tp.nn.BatchNorm1d(3);
    const x = tp.randn([4,3,5]);
    const y = m.forward(x);
    expect(y.shape).toEqual([4,3,5]);
    expectThrowsCode(() => m.forward(tp.randn([4, 2])), 'ERR_SHAPE', /expected 3 channels/);
    expectThrowsCode(() => new tp.nn.BatchNorm2d(3).forward(x), 'ERR_SHAPE', /expected 4-D input/);
    expectThrowsCode(() => new tp.nn.BatchNorm2d(3, { momentum: -1 }), 'ERR_ARGUMENT', /momentum/);
    expectThrowsCode(() => new tp.nn.BatchNorm2d(3, { eps: NaN }), 'ERR_ARGUMENT', /eps/);
    tp.dispose([x, y]);
    m.dispose();
  });
});

describe('layerNorm and groupNorm vs torch', () => {
  test.each((FIX.layerNorm as (Case & { normalizedShape: number[] })[]).map((c, i) => [`${i}: ${c.shape} over ${c.normalizedShape} ${c.dtype} ${c.weight ? 'affine' : ''}`, c]))(
    'layerNorm %s', (name, c) => {
      const k = c as Case & { normalizedShape: number[] };
      for (const strided of [false, true])
        checkCase(k, (x, w, b) => tp.layerNorm(x, k.normalizedShape, { weight: w, bias: b }), k.normalizedShape, strided, `${name} ${strided}`);
    });
  test.each((FIX.groupNorm as (Case & { groups: number })[]).map((c, i) => [`${i}: ${c.shape} groups ${c.groups} ${c.dtype} ${c.weight ? 'affine' : ''}`, c]))(
    'groupNorm %s', (name, c) => {
      const k = c as Case & { groups: number };
      for (const strided of [false, true])
        checkCase(k, (x, w, b) => tp.groupNorm(x, k.groups, { weight: w, bias: b }), [k.shape[1]], strided, `${name} ${strided}`);
    });
});

describe('moments', () => {
  const M = FIX.moments as { x: number[]; shape: number[]; cases: { axes: number[]; keepDims: boolean; shape: number[]; mean: number[]; variance: number[] }[] };
  test.each(M.cases.map((c) => [`${c.axes} keepDims ${c.keepDims}`, c]))('axes %s', (_n, c) => {
    const k = c as (typeof M.cases)[number];
    const x = tp.tensor(M.x, { shape: M.shape, dtype: 'float64' });
    const { mean, variance } = tp.moments(x, k.axes, { keepDims: k.keepDims });
    expect(mean.shape).toEqual(k.shape);
    expect(variance.shape).toEqual(k.shape);
    expectClose(mean.dataSync(), k.mean, defaultTol('float64'));
    expectClose(variance.dataSync(), k.variance, defaultTol('float64'));
    tp.dispose([x, mean, variance]);
  });
  test('a number axis, float32, gradient, errors', () => {
    const x = tp.tensor([[1, 2], [3, 5]], { dtype: 'float64' });
    const { mean, variance } = tp.moments(x, 1);
    expect(Array.from(mean.dataSync())).toEqual([1.5, 4]);
    expect(Array.from(variance.dataSync())).toEqual([0.25, 1]);
    expect(tp.gradcheck((t) => tp.moments(t, [0]).variance, [x])).toBe(true);
    expectThrowsCode(() => tp.moments(x, 2), 'ERR_AXIS');
    expectThrowsCode(() => tp.moments(tp.tensor([1, 2], { dtype: 'int32' }), 0), 'ERR_DTYPE', /moments: x must be float32 or float64/);
    tp.dispose([x, mean, variance]);
  });
});

describe('gradcheck (float64)', () => {
  const rnd = (name: string, shape: number[], lo = -2, hi = 2): T =>
    tp.tensor(randArray(shape.reduce((a, b) => a * b, 1), rng(seedOf(name)), lo, hi), { shape, dtype: 'float64' });
  const check = (f: (...xs: T[]) => T, inputs: T[]): void => {
    expect(tp.gradcheck(f, inputs)).toBe(true);
    tp.dispose(inputs);
  };
  const rm = () => rnd('rm', [3]);
  const rv = () => rnd('rv', [3], 0.5, 2);
  test('batchNorm training: x, weight, bias', () =>
    check((x, w, b) => tp.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [rnd('bx', [4, 3, 2]), rnd('bw', [3]), rnd('bb', [3])]));
  test('batchNorm eval: x, weight, bias', () => {
    const m = rm(), v = rv();
    check((x, w, b) => tp.batchNorm(x, m, v, { weight: w, bias: b }), [rnd('bex', [4, 3, 2]), rnd('bew', [3]), rnd('beb', [3])]);
    tp.dispose([m, v]);
  });
  test('layerNorm over 2 dims and groupNorm', () => {
    check((x, w, b) => tp.layerNorm(x, [2, 3], { weight: w, bias: b }), [rnd('lx', [2, 2, 3]), rnd('lw', [2, 3]), rnd('lb', [2, 3])]);
    check((x, w, b) => tp.groupNorm(x, 2, { weight: w, bias: b }), [rnd('gx', [2, 4, 3]), rnd('gw', [4]), rnd('gb', [4])]);
  });
  // second order: the gradient of a weighted first gradient, through the createGraph path
  const weighted = (y: T): T => y.mul(tp.arange(y.size).reshape(y.shape).cast('float64').add(1).sin()).sum();
  const gradOf = (f: (x: T) => T) => (x: T): T => tp.grad((u: T) => weighted(f(u)), { createGraph: true })(x) as T;
  test('second order in x', () => {
    const w = rnd('w2', [3], 0.5, 2), b = rnd('b2', [3]), m = rm(), v = rv();
    check(gradOf((x) => tp.batchNorm(x, null, null, { weight: w, bias: b, training: true })), [rnd('x2', [3, 3, 2])]);
    check(gradOf((x) => tp.batchNorm(x, m, v, { weight: w, bias: b })), [rnd('x2e', [3, 3, 2])]);
    check(gradOf((x) => tp.layerNorm(x, 3, { weight: w, bias: b })), [rnd('x2l', [2, 3])]);
    check(gradOf((x) => tp.groupNorm(x, 3, { weight: w, bias: b })), [rnd('x2g', [2, 3, 2])]);
    tp.dispose([w, b, m, v]);
  });
  test('second order in weight', () => {
    const x = rnd('xw2', [3, 3, 2]);
    check(gradOf((w) => tp.batchNorm(x, null, null, { weight: w, training: true }).square()), [rnd('ww2', [3], 0.5, 2)]);
    check(gradOf((w) => tp.groupNorm(x, 3, { weight: w }).square()), [rnd('ww2g', [3], 0.5, 2)]);
    tp.dispose([x]);
  });
});

describe('edge cases', () => {
  test('batch norm training with one value per channel is refused, as torch', () => {
    expectThrowsCode(() => tp.batchNorm(tp.ones([1, 3]), null, null, { training: true }), 'ERR_SHAPE', /more than 1 value per channel.*\[1,3\]/);
    const bn = new tp.nn.BatchNorm2d(3);
    expectThrowsCode(() => bn.forward(tp.ones([1, 3, 1, 1])), 'ERR_SHAPE', /more than 1 value per channel/);
    expect(bn.num_batches_tracked!.item()).toBe(0); // a refused batch is not counted
    expect(Array.from(bn.running_var!.dataSync())).toEqual([1, 1, 1]);
    const m = new tp.nn.BatchNorm2d(3).eval(); // eval with batch 1 is fine
    const y = m.forward(tp.ones([1, 3, 1, 1]));
    expectClose(y.dataSync(), [1, 1, 1].map((v) => v / Math.sqrt(1 + 1e-5)));
    m.dispose();
  });
  test('empty tensors', () => {
    const rm = tp.zeros([3]), rv = tp.ones([3]);
    const y = tp.batchNorm(tp.zeros([0, 3, 4]), rm, rv, { training: true });
    expect(y.shape).toEqual([0, 3, 4]);
    expect(Array.from(rm.dataSync())).toEqual([0, 0, 0]); // an empty batch leaves them (torch)
    expect(Array.from(rv.dataSync())).toEqual([1, 1, 1]);
    expect(tp.batchNorm(tp.zeros([4, 0, 2]), tp.zeros([0]), tp.ones([0]), { training: true }).shape).toEqual([4, 0, 2]);
    expect(tp.layerNorm(tp.zeros([0, 3]), 3).shape).toEqual([0, 3]);
    expect(tp.layerNorm(tp.zeros([2, 0]), [0]).shape).toEqual([2, 0]);
    expect(tp.groupNorm(tp.zeros([0, 4, 2]), 2).shape).toEqual([0, 4, 2]);
    // zero-size inputs with huge other dims never reach a kernel's row or channel loop
    expect(tp.groupNorm(tp.zeros([1e9, 2, 0]), 2).shape).toEqual([1e9, 2, 0]);
    expect(tp.layerNorm(tp.zeros([1e12, 0]), [0]).shape).toEqual([1e12, 0]);
    expect(tp.batchNorm(tp.zeros([0, 1e12]), null, null, { training: true }).shape).toEqual([0, 1e12]);
    const x = tp.zeros([0, 3, 2]).requiresGrad_();
    tp.batchNorm(x, null, null, { training: true, weight: tp.ones([3]) }).sum().backward();
    expect(x.grad!.shape).toEqual([0, 3, 2]);
    const w = tp.ones([3]).requiresGrad_();
    tp.groupNorm(tp.zeros([2, 3, 0]), 3, { weight: w, bias: w }).sum().backward();
    expect(Array.from(w.grad!.dataSync())).toEqual([0, 0, 0]);
  });
  test('a large mean against a small spread does not cancel (shifted float64 sums)', () => {
    tp.manualSeed(13);
    const x = tp.randn([64, 2, 5], { dtype: 'float64' }).mul(1e-3).add(1e4);
    const { mean, variance } = tp.moments(x, [0, 2], { keepDims: true });
    const ref = x.sub(mean).div(variance.add(1e-12).sqrt());
    for (const dt of ['float64', 'float32'] as DT[]) {
      const xs = x.cast(dt);
      const y = tp.batchNorm(xs, null, null, { training: true, eps: 1e-12 });
      const l = tp.layerNorm(xs.transpose(1, 2).reshape([320, 2]).transpose(0, 1), 320, { eps: 1e-12 });
      // float32 can only hold 1e4 + 1e-3 noise to about 1e-3 / 2.4e-4 = 4 ulps: relative errors ~10 %
      const tol = dt === 'float64' ? { rtol: 1e-6, atol: 1e-6 } : { rtol: 0, atol: 0.6 };
      expectClose(y.dataSync(), ref.cast(dt).dataSync(), tol, `batchNorm ${dt}`);
      expectClose(l.dataSync(), ref.transpose(1, 2).reshape([320, 2]).transpose(0, 1).contiguous().cast(dt).dataSync(), tol, `layerNorm ${dt}`);
    }
  });
  test('results do not depend on the thread count', () => {
    const prev = tp.getNumThreads();
    const shape = [4, 16, 32, 32]; // big enough that both kernels split over the pool
    const run = (): Float32Array[] => {
      tp.manualSeed(11);
      const x = tp.randn(shape).requiresGrad_();
      const w = tp.rand([16]).add(0.5).requiresGrad_();
      const y = tp.batchNorm(x, null, null, { weight: w, training: true });
      const l = tp.layerNorm(x, [32, 32], { weight: tp.ones([32, 32]) });
      y.add(l).mul(tp.randn(shape)).sum().backward();
      return [y, l, x.grad!, w.grad!].map((t) => t.dataSync() as Float32Array);
    };
    try {
      tp.setNumThreads(1);
      const a = run();
      for (const n of [2, 3]) {
        tp.setNumThreads(n);
        const b = run();
        for (let i = 0; i < a.length; i++) expect(Buffer.compare(Buffer.from(b[i].buffer), Buffer.from(a[i].buffer))).toBe(0);
      }
    } finally {
      tp.setNumThreads(prev);
    }
  });
  test('large outputs (streamed stores, odd row lengths) match a float64 evaluation', () => {
    const shape = [2, 4, 127, 1033]; // 4.2 MB of float32: the kernels' non-temporal store path; rows not 32-byte aligned
    tp.manualSeed(12);
    const xd = tp.randn(shape, { dtype: 'float64' }).mul(2).add(1);
    const gd = tp.randn(shape, { dtype: 'float64' });
    const run = (dt: DT): T[] => {
      const x = xd.cast(dt).requiresGrad_();
      const w = tp.tensor([0.5, 1, 1.5, 2], { dtype: dt }).requiresGrad_();
      const y = tp.batchNorm(x, null, null, { weight: w, training: true });
      y.mul(gd.cast(dt)).sum().backward();
      return [y, x.grad!, w.grad!].map((t) => t.cast('float64'));
    };
    const a = run('float32');
    const b = run('float64');
    // float32 against float64: |a - b| <= 1e-5 + 1e-4 |b| everywhere
    for (let i = 0; i < 3; i++) {
      const excess = tp.abs(a[i].sub(b[i])).sub(tp.abs(b[i]).mul(1e-4).add(1e-5)).max().item() as number;
      expect(excess).toBeLessThanOrEqual(0);
    }
  });
  test('no leaks, with and without the tape', () => {
    const x = tp.randn([4,3,5]);
    const rm = tp.zeros([3]), rv = tp.ones([3]);
    expectNoLeak(() => tp.batchNorm(x, rm, rv, { training: true }));
    const w3 = tp.ones([3]);
    expectNoLeak(() => tp.batchNorm(x.transpose(0, 2), rm, rv, { training: true, weight: w3 }));
    expectNoLeak(() => tp.batchNorm(x, rm, rv, { weight: w3 }));
    expectNoLeak(() => tp.layerNorm(x, [3, 5]));
    expectNoLeak(() => tp.groupNorm(x, 3));
    expectNoLeak(() => Object.values(tp.moments(x, [0, 2])));
    const gc = (globalThis as { gc?: () => void }).gc!;
    gc();
    const before = tp.memory().numTensors;
    tp.tidy(() => {
      const p = x.clone().requiresGrad_();
      const w = tp.ones([3]).requiresGrad_();
      tp.batchNorm(p, rm, rv, { training: true, weight: w }).add(tp.groupNorm(p, 3, { weight: w })).sum().backward();
      tp.dispose([p.grad!, w.grad!]);
    });
    gc();
    expect(tp.memory().numTensors).toBe(before);
    tp.dispose([x, rm, rv, w3]);
  });
});

describe('dropout2d', () => {
  test('zeroes whole channels, scales the rest, reproducible by seed, identity when not training', () => {
    const x = tp.ones([8, 16, 3, 3]);
    tp.manualSeed(7);
    const y = tp.dropout2d(x, { p: 0.25 });
    tp.manualSeed(7);
    const y2 = tp.nn.functional.dropout2d(x, { p: 0.25 });
    expect(Array.from(y2.dataSync())).toEqual(Array.from(y.dataSync()));
    const d = y.dataSync();
    let zeros = 0;
    for (let c = 0; c < 8 * 16; c++) {
      const ch = Array.from(d.slice(c * 9, c * 9 + 9));
      expect(ch.every((v) => v === ch[0])).toBe(true);
      if (ch[0] === 0) zeros++;
      else expect(ch[0]).toBeCloseTo(1 / 0.75, 6);
    }
    expect(zeros).toBeGreaterThan(10);
    expect(zeros).toBeLessThan(60);
    expect(tp.dropout2d(x, { training: false })).toBe(x);
    expect(Array.from(tp.dropout2d(x, { p: 1 }).dataSync()).every((v) => v === 0)).toBe(true);
    const m = new tp.nn.Dropout2d(0.5);
    expect(m.eval().forward(x)).toBe(x);
    expectThrowsCode(() => tp.dropout2d(x, { p: 1.5 }), 'ERR_ARGUMENT', /dropout2d: p must be/);
    expectThrowsCode(() => tp.dropout2d(tp.ones([3]), {}), 'ERR_SHAPE', /\[N, C, \*\]/);
    const g = tp.ones([2, 3, 2]).requiresGrad_();
    tp.manualSeed(1);
    const o = tp.dropout2d(g, { p: 0.5 });
    o.sum().backward();
    expect(Array.from(g.grad!.dataSync())).toEqual(Array.from(o.dataSync()));
    tp.dispose([x, y, y2]);
  });
});

describe('bad input', () => {
  const x = tp.randn([4,3,5]);
  afterAll(() => x.dispose());
  test.each([
    ['x not a tensor', () => tp.batchNorm([1] as never, null, null, { training: true }), 'ERR_ARGUMENT', /batchNorm: x must be a Tensor/],
    ['int x', () => tp.batchNorm(tp.ones([2, 3], { dtype: 'int32' }), null, null, { training: true }), 'ERR_DTYPE', /batchNorm: x must be float32 or float64, got int32/],
    ['1-D x', () => tp.batchNorm(tp.ones([3]), null, null, { training: true }), 'ERR_SHAPE', /\[N, C, \*\].*\[3\]/],
    ['weight channels', () => tp.batchNorm(x, null, null, { training: true, weight: tp.ones([4]) }), 'ERR_SHAPE', /weight must have shape \[3\].*got \[4\] for input \[4,3,5\]/],
    ['running stats channels', () => tp.batchNorm(x, tp.zeros([2]), tp.ones([2])), 'ERR_SHAPE', /runningMean must have shape \[3\]/],
    ['running stats dtype', () => tp.batchNorm(x, tp.zeros([3], { dtype: 'float64' }), tp.ones([3])), 'ERR_DTYPE', /runningMean must have the input's dtype float32, got float64/],
    ['eval without stats', () => tp.batchNorm(x, null, null), 'ERR_ARGUMENT', /evaluation mode/],
    ['only one stat', () => tp.batchNorm(x, tp.zeros([3]), null, { training: true }), 'ERR_ARGUMENT', /together/],
    ['NaN eps', () => tp.batchNorm(x, null, null, { training: true, eps: NaN }), 'ERR_ARGUMENT', /batchNorm: eps must be a finite number >= 0, got NaN/],
    ['negative eps', () => tp.layerNorm(x, 5, { eps: -1 }), 'ERR_ARGUMENT', /layerNorm: eps/],
    ['NaN momentum', () => tp.batchNorm(x, null, null, { training: true, momentum: NaN }), 'ERR_ARGUMENT', /momentum must be a number in \[0, 1\]/],
    ['negative momentum', () => tp.batchNorm(x, null, null, { training: true, momentum: -0.1 }), 'ERR_ARGUMENT', /momentum/],
    ['null momentum', () => tp.batchNorm(x, null, null, { training: true, momentum: null as never }), 'ERR_ARGUMENT', /cumulative average/],
    ['unknown option', () => tp.batchNorm(x, null, null, { trainng: true } as never), 'ERR_ARGUMENT', /unknown option 'trainng'/],
    ['normalizedShape not a suffix', () => tp.layerNorm(x, [3]), 'ERR_SHAPE', /normalizedShape \[3\] must be the trailing dims.*\[4,3,5\]/],
    ['normalizedShape too long', () => tp.layerNorm(x, [1, 4,3,5]), 'ERR_SHAPE', /trailing dims/],
    ['normalizedShape bad', () => tp.layerNorm(x, [NaN]), 'ERR_ARGUMENT', /normalizedShape must be/],
    ['layerNorm weight shape', () => tp.layerNorm(x, 5, { weight: tp.ones([4]) }), 'ERR_SHAPE', /weight must have shape \[5\]/],
    ['groups do not divide', () => tp.groupNorm(x, 2), 'ERR_SHAPE', /numGroups 2 must divide the channel count 3 of input \[4,3,5\]/],
    ['groups zero', () => tp.groupNorm(x, 0), 'ERR_ARGUMENT', /numGroups must be a positive integer/],
    ['groups NaN', () => tp.groupNorm(x, NaN), 'ERR_ARGUMENT', /numGroups/],
    ['groupNorm weight', () => tp.groupNorm(x, 3, { bias: tp.ones([6]) }), 'ERR_SHAPE', /bias must have shape \[3\]/],
    ['GroupNorm module', () => new tp.nn.GroupNorm(4, 6), 'ERR_ARGUMENT', /divisible/],
    ['LayerNorm module input', () => new tp.nn.LayerNorm(7).forward(x), 'ERR_SHAPE', /trailing dims/],
    ['disposed running stats', () => { const r = tp.zeros([3]); r.dispose(); return tp.batchNorm(x, r, tp.ones([3])); }, 'ERR_DISPOSED', /batchNorm/],
  ] as [string, () => unknown, string, RegExp][])('%s', (_n, fn, code, re) => expectThrowsCode(fn, code, re));
});
