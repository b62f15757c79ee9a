// tp.optim.Adadelta step for step against torch.optim.Adadelta 1.13 (test/fixtures/torch_ops2.json,
// written by gen_ops2.py: parameters after each of 6 steps and the final state), plus the
// optimizer API it shares with the others: groups, stateDict/loadStateDict, minimize, strided
// parameters, options validation, leaks.
import { tp, expectClose, expectNoLeak, expectThrowsCode, defaultTol } from './helpers';
import { FIX, TRec, build, values } from './ops2-fixtures';

type T = tp.Tensor;
interface Case {
  options: Partial<tp.optim.AdadeltaOptions>;
  dtype: 'float32' | 'float64';
  p0: TRec;
  grads: TRec[];
  params: TRec[];
  squareAvg: TRec;
  accDelta: TRec;
  step: number;
}
const CASES = FIX.adadelta as Case[];
const tol = (dtype: string) => (dtype === 'float64' ? { rtol: 1e-10, atol: 1e-12 } : defaultTol('float32'));

describe('Adadelta vs torch 1.13 trajectories', () => {
  test.each(CASES.map((c) => [`${JSON.stringify(c.options)} ${c.dtype}`, c] as [string, Case]))('%s', (_n, c) => {
    const p = build(c.p0).requiresGrad_();
    const opt = new tp.optim.Adadelta([p], c.options);
    for (let k = 0; k < c.grads.length; k++) {
      p.grad = build(c.grads[k]);
      const v = p._version;
      opt.step();
      expect(p._version).toBeGreaterThan(v);
      expectClose(p.dataSync(), values(c.params[k]), tol(c.dtype), `step ${k + 1}`);
      opt.zeroGrad();
    }
    const sd = opt.stateDict();
    const s = sd.state[0];
    expect(s.step).toBe(c.step);
    expectClose((s.squareAvg as T).dataSync(), values(c.squareAvg), tol(c.dtype), 'squareAvg (torch square_avg)');
    expectClose((s.accDelta as T).dataSync(), values(c.accDelta), tol(c.dtype), 'accDelta (torch acc_delta)');
    expect(sd.paramGroups[0]).toMatchObject({ lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, ...c.options, params: [0] });
    tp.dispose([sd.state[0].squareAvg, sd.state[0].accDelta]);
    opt.dispose();
    p.dispose();
  });
});

describe('Adadelta: the optimizer API', () => {
  const c = CASES.find((k) => k.dtype === 'float64' && Object.keys(k.options).length === 0) as Case;

  test('a strided (transposed) parameter is updated through its view', () => {
    const base = build(c.p0).T.contiguous(); // [4, 3] holding p0 transposed
    const p = base.T; // [3, 4] with strides [1, 3]
    expect(p.isContiguous()).toBe(false);
    const opt = new tp.optim.Adadelta([p]);
    for (let k = 0; k < c.grads.length; k++) {
      p.grad = build(c.grads[k]);
      opt.step();
      expectClose(p.dataSync(), values(c.params[k]), tol('float64'), `step ${k + 1}`);
    }
    tp.dispose([base, p, p.grad]);
    opt.dispose();
  });

  test('parameter groups with their own options; params without grad are skipped', () => {
    const a = build(c.p0);
    const b = build(c.p0);
    const idle = tp.ones([2], { dtype: 'float64' });
    const opt = new tp.optim.Adadelta([{ params: [a] }, { params: [b, idle], lr: 0.5 }], { rho: 0.9 });
    a.grad = build(c.grads[0]);
    b.grad = build(c.grads[0]);
    opt.step();
    expectClose(a.dataSync(), values(c.params[0]), tol('float64'), 'group 0');
    // one step from zero state: delta = sqrt(eps) / sqrt((1 - rho) g² + eps) g, so b moves half as far as a
    const p0 = values(c.p0);
    const da = Array.from(a.dataSync()).map((v, i) => v - p0[i]);
    expectClose(Array.from(b.dataSync()).map((v, i) => v - p0[i]), da.map((d) => d / 2), tol('float64'), 'group 1');
    expect(Array.from(idle.dataSync())).toEqual([1, 1]);
    expect(opt.state.has(idle)).toBe(false);
    tp.dispose([a, b, idle, a.grad, b.grad]);
    opt.dispose();
  });

  test('stateDict / loadStateDict resume the same trajectory', () => {
    const p = build(c.p0);
    const opt = new tp.optim.Adadelta([p]);
    for (let k = 0; k < 3; k++) {
      p.grad = build(c.grads[k]);
      opt.step();
    }
    const sd = opt.stateDict();
    const q = tp.clone(p);
    const opt2 = new tp.optim.Adadelta([q]);
    opt2.loadStateDict(sd);
    for (let k = 3; k < c.grads.length; k++) {
      q.grad = build(c.grads[k]);
      opt2.step();
      expectClose(q.dataSync(), values(c.params[k]), tol('float64'), `resumed step ${k + 1}`);
    }
    tp.dispose([p, q, sd.state[0].squareAvg, sd.state[0].accDelta]);
    opt.dispose();
    opt2.dispose();
  });

  test('minimize (TF style) on a parameter that requires grad, with and without a var list', () => {
    const w = tp.tensor([1, -2], { dtype: 'float64' }).requiresGrad_();
    const opt = new tp.optim.Adadelta([w], { lr: 1 });
    const loss = (): T => w.square().sum();
    const l0 = opt.minimize(loss);
    expect(l0).toBe(5);
    // step 1 from zero state: delta = sqrt(1e-6) / sqrt(0.1 g² + 1e-6) g with g = 2w
    const want = [1, -2].map((x) => x - (Math.sqrt(1e-6) / Math.sqrt(0.1 * (2 * x) ** 2 + 1e-6)) * 2 * x);
    expectClose(w.dataSync(), want, tol('float64'), 'minimize');
    // a strided view parameter via the var list: the same update as its contiguous copy
    const base = tp.tensor([[3, 1], [2, 4]], { dtype: 'float64' });
    const v = base.T;
    const u = v.contiguous();
    const cw = tp.tensor([[1, -2], [0.5, 3]], { dtype: 'float64' });
    opt.minimize(() => v.square().mul(cw).sum(), [v]);
    const opt2 = new tp.optim.Adadelta([u], { lr: 1 });
    u.requiresGrad = true;
    opt2.minimize(() => u.square().mul(cw).sum());
    expect(v.toArray()).toEqual(u.toArray());
    expect(v.toArray()).not.toEqual([[3, 2], [1, 4]]);
    tp.dispose([w, base, v, u, cw]);
    opt.dispose();
    opt2.dispose();
  });

  test('options: torch defaults, validation', () => {
    const p = tp.zeros([2]);
    expect(new tp.optim.Adadelta([p]).defaults).toEqual({ lr: 1, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false });
    expectThrowsCode(() => new tp.optim.Adadelta([p], { lr: -1 }), 'ERR_ARGUMENT', /Adadelta: invalid lr: -1/);
    expectThrowsCode(() => new tp.optim.Adadelta([p], { rho: 1.5 }), 'ERR_ARGUMENT', /Adadelta: invalid rho: 1.5 \(must be in \[0, 1\]\)/);
    expectThrowsCode(() => new tp.optim.Adadelta([p], { eps: NaN }), 'ERR_ARGUMENT', /eps must be a finite number/);
    expectThrowsCode(() => new tp.optim.Adadelta([p], { weightDecay: -0.1 }), 'ERR_ARGUMENT', /weightDecay/);
    expectThrowsCode(() => new tp.optim.Adadelta([p], { maximize: 1 as never }), 'ERR_ARGUMENT', /maximize must be a boolean/);
    expectThrowsCode(() => new tp.optim.Adadelta(p as never), 'ERR_ARGUMENT', /not a single tensor/);
    expectThrowsCode(() => new tp.optim.Adadelta([tp.zeros([2], { dtype: 'int32' })]), 'ERR_DTYPE', /float32\/float64/);
    const opt = new tp.optim.Adadelta([p]);
    p.grad = tp.ones([3]);
    expectThrowsCode(() => opt.step(), 'ERR_SHAPE', /Adadelta.step: a gradient of shape \[3\]/);
    expect(Array.from(p.dataSync())).toEqual([0, 0]); // nothing was applied
    tp.dispose([p, p.grad]);
  });

  test('float32 parameter with a float64 gradient; no leaks per step', () => {
    const p = tp.tensor([0.5, -0.25], { dtype: 'float32' });
    const opt = new tp.optim.Adadelta([p], { lr: 1, weightDecay: 0.1 });
    p.grad = tp.tensor([1, 2], { dtype: 'float64' });
    opt.step(); // state allocated here
    expect(p.dtype).toBe('float32');
    expectNoLeak(() => opt.step());
    expectNoLeak(() => tp.tidy(() => opt.step()));
    tp.dispose([p, p.grad]);
    opt.dispose();
  });
});
