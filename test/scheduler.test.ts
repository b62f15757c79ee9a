// tp.optim LR schedulers (torch.optim.lr_scheduler closed forms) and gradient clipping.
import { tp } from './helpers';

function sgd(lrs: number[]) {
  const ps = lrs.map(() => tp.tensor([1, 2], { dtype: 'float32', requiresGrad: true }));
  const opt = new tp.optim.SGD(ps.map((p, i) => ({ params: [p], lr: lrs[i] })), { lr: lrs[0] });
  return { ps, opt, done: () => tp.dispose(ps) };
}

/** lr of every group at epochs 0..n-1 (epoch 0 right after construction). */
function run(s: tp.optim.LRScheduler, opt: { paramGroups: Array<{ lr: number }> }, n: number): number[][] {
  const out: number[][] = [];
  for (let e = 0; e < n; e++) {
    if (e > 0) s.step();
    const lrs = opt.paramGroups.map((g) => g.lr);
    expect(s.getLastLr()).toEqual(lrs);
    out.push(lrs);
  }
  return out;
}

function expectSeq(got: number[][], want: (base: number, e: number) => number, bases: number[]) {
  got.forEach((lrs, e) => lrs.forEach((lr, i) => expect(lr).toBeCloseTo(want(bases[i], e), 12)));
}

describe('LR schedulers', () => {
  const bases = [0.1, 0.5];

  test('StepLR: base * gamma^floor(e / stepSize)', () => {
    const { opt, done } = sgd(bases);
    const s = new tp.optim.StepLR(opt, { stepSize: 3, gamma: 0.5 });
    expectSeq(run(s, opt, 10), (b, e) => b * 0.5 ** Math.floor(e / 3), bases);
    expect(s.lastEpoch).toBe(9);
    done();
  });

  test('StepLR default gamma 0.1', () => {
    const { opt, done } = sgd([1]);
    const s = new tp.optim.StepLR(opt, { stepSize: 2 });
    expectSeq(run(s, opt, 7), (b, e) => b * 0.1 ** Math.floor(e / 2), [1]);
    done();
  });

  test('ExponentialLR: base * gamma^e', () => {
    const { opt, done } = sgd(bases);
    const s = new tp.optim.ExponentialLR(opt, { gamma: 0.9 });
    expectSeq(run(s, opt, 12), (b, e) => b * 0.9 ** e, bases);
    done();
  });

  test('CosineAnnealingLR: etaMin + (base - etaMin)(1 + cos(pi e / tMax)) / 2', () => {
    const { opt, done } = sgd(bases);
    const s = new tp.optim.CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.01 });
    const got = run(s, opt, 21);
    expectSeq(got, (b, e) => 0.01 + ((b - 0.01) * (1 + Math.cos((Math.PI * e) / 10))) / 2, bases);
    expect(got[10][0]).toBeCloseTo(0.01, 12);
    expect(got[20][1]).toBeCloseTo(0.5, 12);
    done();
  });

  test('CosineAnnealingLR default etaMin 0', () => {
    const { opt, done } = sgd([0.2]);
    const s = new tp.optim.CosineAnnealingLR(opt, { tMax: 4 });
    expectSeq(run(s, opt, 5), (b, e) => (b * (1 + Math.cos((Math.PI * e) / 4))) / 2, [0.2]);
    expect(s.getLastLr()[0]).toBeCloseTo(0, 15);
    done();
  });

  test('LinearLR: base * (start + (end - start) * min(e, T) / T)', () => {
    const { opt, done } = sgd(bases);
    const s = new tp.optim.LinearLR(opt, { startFactor: 0.25, endFactor: 0.75, totalIters: 4 });
    expectSeq(run(s, opt, 8), (b, e) => b * (0.25 + (0.5 * Math.min(e, 4)) / 4), bases);
    done();
  });

  test('LinearLR defaults (1/3, 1, 5) and linearWarmup', () => {
    const a = sgd([0.3]);
    const s = new tp.optim.LinearLR(a.opt);
    expectSeq(run(s, a.opt, 8), (b, e) => b * (1 / 3 + ((2 / 3) * Math.min(e, 5)) / 5), [0.3]);
    a.done();
    const w = sgd([0.4]);
    const ws = tp.optim.linearWarmup(w.opt, { warmupIters: 4 });
    expect(ws).toBeInstanceOf(tp.optim.LinearLR);
    expectSeq(run(ws, w.opt, 7), (b, e) => b * (0.25 + (0.75 * Math.min(e, 4)) / 4), [0.4]);
    expect(tp.optim.LinearWarmup).toBe(tp.optim.linearWarmup);
    w.done();
  });

  test('the optimizer uses the scheduled lr', () => {
    const p = tp.tensor([1], { dtype: 'float32', requiresGrad: true });
    const opt = new tp.optim.SGD([p], { lr: 1 });
    const s = new tp.optim.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    let want = 1;
    for (let e = 0; e < 3; e++) {
      p.grad = tp.tensor([1], { dtype: 'float32' });
      opt.step();
      want -= 0.5 ** e;
      s.step();
    }
    expect(p.dataSync()[0]).toBeCloseTo(want, 6);
    opt.zeroGrad();
    p.dispose();
  });

  test('stateDict / loadStateDict resume the sequence', () => {
    const a = sgd(bases);
    const s1 = new tp.optim.CosineAnnealingLR(a.opt, { tMax: 7, etaMin: 0.001 });
    for (let i = 0; i < 3; i++) s1.step();
    const sd = s1.stateDict();
    expect(sd).toMatchObject({ lastEpoch: 3, tMax: 7, etaMin: 0.001, baseLrs: bases });
    const b = sgd([9, 9]);
    const s2 = new tp.optim.CosineAnnealingLR(b.opt, { tMax: 2 });
    s2.loadStateDict(JSON.parse(JSON.stringify(sd)));
    expect(s2.getLastLr()).toEqual(s1.getLastLr());
    s1.step();
    s2.step();
    expect(b.opt.paramGroups.map((g) => g.lr)).toEqual(a.opt.paramGroups.map((g) => g.lr));
    expect(() => s2.loadStateDict({ lastEpoch: 1, baseLrs: [1], lastLr: [1] })).toThrow(/base lrs/);
    a.done();
    b.done();
  });

  test('bad options throw', () => {
    const { opt, done } = sgd([0.1]);
    expect(() => new tp.optim.StepLR(opt, { stepSize: 0 })).toThrow(/stepSize/);
    expect(() => new tp.optim.ExponentialLR(opt, {} as { gamma: number })).toThrow(/gamma/);
    expect(() => new tp.optim.CosineAnnealingLR(opt, { tMax: 0 })).toThrow(/tMax/);
    expect(() => new tp.optim.LinearLR(opt, { startFactor: 0 })).toThrow(/startFactor/);
    expect(() => new tp.optim.StepLR(null as never, { stepSize: 1 })).toThrow(/optimizer/);
    done();
  });
});

describe('gradient clipping', () => {
  function withGrads(grads: number[][]) {
    return grads.map((g) => {
      const p = tp.tensor(g.map(() => 0), { dtype: 'float64', requiresGrad: true });
      p.grad = tp.tensor(g, { dtype: 'float64' });
      return p;
    });
  }
  const grads = (ps: tp.Tensor[]) => ps.map((p) => Array.from(p.grad!.dataSync()));

  test('clipGradNorm (L2) scales by maxNorm / (norm + 1e-6) and returns the norm', () => {
    const ps = withGrads([[3, 0], [0, 4]]); // norm 5
    const before = tp.memory().numTensors;
    const n = tp.optim.clipGradNorm(ps, 1);
    expect(n).toBe(5);
    expect(tp.memory().numTensors).toBe(before);
    const c = 1 / (5 + 1e-6);
    const g = grads(ps);
    expect(g[0][0]).toBeCloseTo(3 * c, 6);
    expect(g[1][1]).toBeCloseTo(4 * c, 6);
    expect(g[0][1]).toBe(0);
    tp.dispose(ps);
  });

  test('clipGradNorm leaves gradients under the limit alone; skips params without grad', () => {
    const ps = withGrads([[1, 2], [2]]); // norm 3
    const noGrad = tp.tensor([5], { dtype: 'float64', requiresGrad: true });
    const g0 = ps[0].grad;
    expect(tp.optim.clipGradNorm([...ps, noGrad], 10)).toBe(3);
    expect(ps[0].grad).toBe(g0);
    expect(grads(ps)).toEqual([[1, 2], [2]]);
    expect(noGrad.grad).toBeNull();
    expect(tp.optim.clipGradNorm([noGrad], 1)).toBe(0);
    tp.dispose([...ps, noGrad]);
  });

  test('clipGradNorm with normType 1 and Infinity', () => {
    const a = withGrads([[1, -2], [-3]]);
    expect(tp.optim.clipGradNorm(a, 3, 1)).toBe(6);
    const c1 = 3 / (6 + 1e-6);
    expect(grads(a)[1][0]).toBeCloseTo(-3 * c1, 6);
    const b = withGrads([[1, -2], [-4]]);
    expect(tp.optim.clipGradNorm(b, 2, Infinity)).toBe(4);
    expect(grads(b)[0][1]).toBeCloseTo(-2 * (2 / (4 + 1e-6)), 6);
    tp.dispose([...a, ...b]);
  });

  test('clipGradNorm inside tidy keeps the new gradients', () => {
    const ps = withGrads([[6, 8]]);
    tp.tidy(() => {
      tp.optim.clipGradNorm(ps, 5);
    });
    expect(ps[0].grad!.isDisposed).toBe(false);
    const g = grads(ps)[0];
    expect(g[0]).toBeCloseTo(3, 5);
    expect(g[1]).toBeCloseTo(4, 5);
    tp.dispose(ps);
  });

  test('clipGradValue clamps to [-v, v]', () => {
    const ps = withGrads([[-3, 0.5, 2], [1]]);
    const before = tp.memory().numTensors;
    tp.optim.clipGradValue(ps, 1);
    expect(tp.memory().numTensors).toBe(before);
    expect(grads(ps)).toEqual([[-1, 0.5, 1], [1]]);
    tp.dispose(ps);
  });

  test('bad arguments throw', () => {
    const ps = withGrads([[1]]);
    expect(() => tp.optim.clipGradNorm(ps, -1)).toThrow(/maxNorm/);
    expect(() => tp.optim.clipGradNorm(ps, 1, 0)).toThrow(/normType/);
    expect(() => tp.optim.clipGradValue(ps, NaN)).toThrow(/clipValue/);
    expect(() => tp.optim.clipGradNorm([1] as never, 1)).toThrow(/Tensor/);
    tp.dispose(ps);
  });
});
