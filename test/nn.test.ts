// tp.nn: Parameter / variable / nameScope, Module registration and state dicts, layers,
// initializers, losses (values vs plain JS, gradcheck), and a tiny MLP trained by hand.
import { tp, rng, seedOf, randArray, randInts, expectClose, expectNoLeak, expectThrowsCode } from './helpers';
import { native } from '../lib/core/native';

type T = tp.Tensor;
const nn = tp.nn;
const F = tp.nn.functional;

function rnd(name: string, shape: number[], lo = -2, hi = 2, dtype: tp.DType = 'float64'): T {
  const n = shape.reduce((a, b) => a * b, 1);
  return tp.tensor(randArray(n, rng(seedOf(name + shape.join('x'))), lo, hi), { shape, dtype });
}
const arr = (t: T): number[] => Array.from(t.dataSync() as ArrayLike<number>);

describe('Parameter and variable', () => {
  test('Parameter marks a leaf as requiring grad and survives tidy', () => {
    const p = tp.tidy(() => new nn.Parameter(tp.ones([2, 3])));
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(nn.isParameter(p)).toBe(true);
    expect(p instanceof nn.Parameter).toBe(true);
    expect(tp.ones([1]) instanceof nn.Parameter).toBe(false);
    const q = tp.tidy(() => nn.Parameter(tp.zeros([2])));
    expect(q.isDisposed).toBe(false);
    expectThrowsCode(() => new nn.Parameter(tp.tensor([1, 2], { dtype: 'int32' })), 'ERR_DTYPE');
    const frozen = new nn.Parameter(tp.tensor([1, 2], { dtype: 'int32' }), false);
    expect(frozen.requiresGrad).toBe(false);
    tp.dispose([p, q, frozen]);
  });

  test('Parameter of a recorded result is a detached leaf', () => {
    const a = tp.ones([2]).requiresGrad_();
    const b = tp.mul(a, 2);
    const p = new nn.Parameter(b);
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
    expect(arr(p)).toEqual([2, 2]);
  });

  test('variable copies the initial value; trainable; names; nameScope', () => {
    const init = tp.tensor([1, 2, 3], { dtype: 'float32' });
    const v = tp.variable(init, { name: 'w' });
    expect(v).not.toBe(init);
    expect(arr(v)).toEqual([1, 2, 3]);
    expect(v.requiresGrad).toBe(true);
    expect(v.name).toBe('w');
    const frozen = tp.variable([[1, 2]], { trainable: false });
    expect(frozen.requiresGrad).toBe(false);
    expect(frozen.name).toBe('Variable');
    const names = tp.nameScope('outer', () => [
      tp.variable(0, { name: 'a' }).name,
      tp.nameScope('inner', () => tp.variable(tp.zeros([2]), { name: 'kernel' }).name),
      tp.variable(1).name,
    ]);
    expect(names).toEqual(['outer/a', 'outer/inner/kernel', 'outer/Variable']);
    expect(tp.variable(2, { name: 'b' }).name).toBe('b');
    const iv = tp.variable([1, 2], { dtype: 'int32', trainable: false });
    expect(iv.requiresGrad).toBe(false);
    expectThrowsCode(() => tp.variable([1, 2], { dtype: 'int32' }), 'ERR_DTYPE', /variable: .*int32.*trainable: false/);
    expectThrowsCode(() => tp.variable([1], { dtype: 'int32', trainable: true }), 'ERR_DTYPE');
    expect(() => tp.nameScope('x', () => { throw new Error('boom'); })).toThrow('boom');
    expect(nn.currentNameScope()).toBe('');
    // gradients flow into a variable
    const y = tp.sum(tp.square(v));
    y.backward();
    expect(arr(v.grad!)).toEqual([2, 4, 6]);
  });
});

class Block extends nn.Module {
  dense1 = new nn.Linear(4, 3);
  act = new nn.ReLU();
  dense2 = new nn.Linear(3, 2, { bias: false });
  forward(x: T): T {
    return this.dense2.call(this.act.call(this.dense1.call(x)));
  }
}
class Net extends nn.Module {
  encoder = new Block();
  scale: T;
  head: tp.nn.Sequential;
  constructor() {
    super();
    this.scale = new nn.Parameter(tp.ones([2]));
    this.head = new nn.Sequential(new nn.Linear(2, 2), new nn.Dropout(0.5), new nn.Tanh());
  }
  forward(x: T): T {
    return this.head.call(tp.mul(this.encoder.call(x), this.scale));
  }
}

describe('Module', () => {
  test('namedParameters gives hierarchical dotted names in assignment order', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'scale',
      'encoder.dense1.weight',
      'encoder.dense1.bias',
      'encoder.dense2.weight',
      'head.0.weight',
      'head.0.bias',
    ]);
    expect(net.parameters().length).toBe(6);
    expect(net.children().length).toBe(2);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['encoder', 'head']);
    expect(net.namedModules().map(([n]) => n)).toEqual([
      '', 'encoder', 'encoder.dense1', 'encoder.act', 'encoder.dense2', 'head', 'head.0', 'head.1', 'head.2',
    ]);
    expect(net.encoder.dense2.bias).toBeNull();
    for (const p of net.parameters()) expect(p.requiresGrad).toBe(true);
    net.dispose();
  });

  test('shared parameters are listed once; registerParameter / registerModule', () => {
    const m = new nn.Module();
    const lin = new nn.Linear(2, 2);
    m.registerModule('a', lin);
    m.registerModule('b', lin);
    m.registerParameter('w', tp.zeros([3]));
    expect(m.namedParameters().map(([n]) => n)).toEqual(['w', 'a.weight', 'a.bias']);
    m.registerParameter('w', null);
    expect(m.parameters().length).toBe(2);
    expectThrowsCode(() => m.forward(tp.ones([1])), 'ERR_ARGUMENT', /forward/);
    expectThrowsCode(() => m.registerModule('c', {} as tp.nn.Module), 'ERR_ARGUMENT');
    m.dispose();
  });

  test('train / eval propagate; forward and call agree', () => {
    const net = new Net();
    expect(net.training).toBe(true);
    net.eval();
    for (const m of net.modules()) expect(m.training).toBe(false);
    const x = rnd('fwd', [5, 4], -2, 2, 'float32');
    const a = net.forward(x);
    const b = net.call(x);
    expect(arr(a)).toEqual(arr(b));
    expect(a.shape).toEqual([5, 2]);
    net.train();
    for (const m of net.modules()) expect(m.training).toBe(true);
    net.dispose();
  });

  test('stateDict / loadStateDict round trip, with clear errors', () => {
    tp.manualSeed(1);
    const a = new Net();
    tp.manualSeed(2);
    const b = new Net();
    a.eval();
    b.eval();
    const x = rnd('sd', [3, 4], -2, 2, 'float32');
    expect(arr(a.call(x))).not.toEqual(arr(b.call(x)));
    const sd = a.stateDict();
    expect(Object.keys(sd)).toEqual(a.namedParameters().map(([n]) => n));
    const wBefore = b.encoder.dense1.weight;
    b.loadStateDict(sd);
    expect(b.encoder.dense1.weight).toBe(wBefore); // copied in place
    expect(b.encoder.dense1.weight).not.toBe(a.encoder.dense1.weight);
    expect(arr(a.call(x))).toEqual(arr(b.call(x)));
    for (const [n, p] of b.namedParameters()) expect(arr(p)).toEqual(arr(sd[n]));
    // from a Map, converting dtype
    const m = new Map(Object.entries(sd).map(([k, v]) => [k, tp.cast(v, 'float64')]));
    b.loadStateDict(m);
    expect(b.encoder.dense1.weight.dtype).toBe('float32');

    const missing = { ...sd };
    delete missing['head.0.bias'];
    expectThrowsCode(() => b.loadStateDict(missing), 'ERR_ARGUMENT', /missing keys: head\.0\.bias/);
    expectThrowsCode(() => b.loadStateDict({ ...sd, extra: tp.ones([1]) }), 'ERR_ARGUMENT', /unexpected keys: extra/);
    b.loadStateDict(missing, { strict: false });
    expectThrowsCode(
      () => b.loadStateDict({ ...sd, 'encoder.dense1.weight': tp.ones([4, 3]) }),
      'ERR_SHAPE',
      /size mismatch for 'encoder\.dense1\.weight'.*\[4,3\].*\[3,4\]/,
    );
    a.dispose();
    b.dispose();
  });

  test('zeroGrad drops gradients; setParameter replaces a parameter', () => {
    const lin = new nn.Linear(3, 2);
    const y = tp.sum(lin.call(tp.ones([4, 3])));
    y.backward();
    expect(lin.weight.grad!.shape).toEqual([2, 3]);
    expectClose(lin.bias!.grad!.dataSync(), [4, 4]);
    const g = lin.weight.grad!;
    lin.zeroGrad();
    expect(lin.weight.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
    const old = lin.setParameter('weight', tp.zeros([2, 3]));
    expect(nn.isParameter(lin.weight)).toBe(true);
    expect(lin.weight.requiresGrad).toBe(true);
    old.dispose();
    expectThrowsCode(() => lin.setParameter('nope', tp.zeros([1])), 'ERR_ARGUMENT', /no parameter named 'nope'/);
    lin.dispose();
  });
});

describe('layers', () => {
  test('Linear forward equals x @ W^T + b computed in JS', () => {
    const lin = new nn.Linear(4, 3, { dtype: 'float64' });
    expect(lin.weight.shape).toEqual([3, 4]);
    expect(lin.bias!.shape).toEqual([3]);
    const x = rnd('lin', [5, 4]);
    const y = lin.call(x);
    const W = arr(lin.weight);
    const b = arr(lin.bias!);
    const X = arr(x);
    const exp: number[] = [];
    for (let i = 0; i < 5; i++)
      for (let o = 0; o < 3; o++) {
        let s = b[o];
        for (let k = 0; k < 4; k++) s += X[i * 4 + k] * W[o * 4 + k];
        exp.push(s);
      }
    expect(y.shape).toEqual([5, 3]);
    expectClose(y.dataSync(), exp, { rtol: 1e-12, atol: 1e-12 });
    // batch dims and a 1-D input
    const x3 = rnd('lin3', [2, 5, 4]);
    expect(lin.call(x3).shape).toEqual([2, 5, 3]);
    expect(lin.call(rnd('lin1', [4])).shape).toEqual([3]);
    expectThrowsCode(() => lin.call(rnd('bad', [5, 3])), 'ERR_SHAPE', /last dim 4/);
    lin.dispose();
  });

  test('Linear init bounds (PyTorch default) and gradients', () => {
    tp.manualSeed(7);
    const lin = new nn.Linear(64, 32);
    const bound = 1 / Math.sqrt(64);
    const w = arr(lin.weight);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(0.9 * bound);
    const b = arr(lin.bias!);
    for (const v of b) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    lin.dispose();
    // Linear records one node with a hand-written backward: check it for 1-D, 2-D and 3-D inputs
    const l2 = new nn.Linear(3, 2, { dtype: 'float64' });
    const w0 = tp.detach(l2.weight);
    const b0 = tp.detach(l2.bias!);
    const viaLinear = (xx: T, w: T, b: T): T => {
      l2.weight = w;
      l2.bias = b;
      return l2.call(xx);
    };
    for (const shape of [[3], [4, 3], [2, 2, 3]]) expect(tp.gradcheck(viaLinear, [rnd('lingc', shape), w0, b0])).toBe(true);
    const noBias = new nn.Linear(3, 2, { dtype: 'float64', bias: false });
    expect(tp.gradcheck((xx: T, w: T) => { noBias.weight = w; return noBias.call(xx); }, [rnd('lingc2', [4, 3]), w0])).toBe(true);
    // second order: d/dx of sum((d sum(tanh(lin(x)))/dx)^2) through the recorded backward
    const second = (xx: T, w: T, b: T): T => {
      const [gx, gw] = tp.grad((u: T, v: T) => tp.sum(tp.tanh(viaLinear(u, v, b))), { createGraph: true })(xx, w) as T[];
      return tp.add(tp.sum(tp.square(gx)), tp.sum(tp.square(gw)));
    };
    expect(tp.gradcheck(second, [rnd('lingc3', [2, 3]), w0, b0])).toBe(true);
    // grads match the plain-op formula x @ W^T + b
    const xg = rnd('lingc4', [5, 3]).requiresGrad_();
    w0.requiresGrad = true;
    b0.requiresGrad = true;
    const [a1, a2, a3] = tp.grads(tp.sum(tp.square(viaLinear(xg, w0, b0))), [xg, w0, b0]);
    const [e1, e2, e3] = tp.grads(tp.sum(tp.square(tp.add(tp.matmul(xg, w0.T), b0))), [xg, w0, b0]);
    expectClose(a1.dataSync(), e1.dataSync(), { rtol: 1e-12, atol: 1e-12 });
    expectClose(a2.dataSync(), e2.dataSync(), { rtol: 1e-12, atol: 1e-12 });
    expectClose(a3.dataSync(), e3.dataSync(), { rtol: 1e-12, atol: 1e-12 });
    expect(a2.isContiguous()).toBe(true);
  });

  test('activations and Flatten', () => {
    const x = rnd('act', [2, 3, 4]);
    expect(arr(new nn.ReLU().call(x))).toEqual(arr(tp.relu(x)));
    expect(arr(new nn.Tanh().call(x))).toEqual(arr(tp.tanh(x)));
    expect(arr(new nn.Sigmoid().call(x))).toEqual(arr(tp.sigmoid(x)));
    expect(arr(new nn.GELU().call(x))).toEqual(arr(tp.gelu(x)));
    expect(new nn.Flatten().call(x).shape).toEqual([2, 12]);
    expect(new nn.Flatten(0).call(x).shape).toEqual([24]);
    expect(new nn.Flatten(0, 1).call(x).shape).toEqual([6, 4]);
    const seq = new nn.Sequential(new nn.Flatten(), new nn.Linear(12, 5), new nn.ReLU());
    expect(seq.length).toBe(3);
    expect(seq.at(1)).toBeInstanceOf(nn.Linear);
    expect(seq.call(rnd('seq', [2, 3, 4], -2, 2, 'float32')).shape).toEqual([2, 5]);
    seq.add(new nn.Linear(5, 1));
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['1.weight', '1.bias', '3.weight', '3.bias']);
    seq.dispose();
  });

  test('Dropout: inverted scaling in train mode, identity in eval, p validated', () => {
    tp.manualSeed(3);
    const d = new nn.Dropout(0.3);
    const x = tp.ones([200, 100]);
    const y = d.call(x);
    const v = arr(y);
    const scale = 1 / 0.7;
    let zeros = 0;
    for (const e of v) {
      if (e === 0) zeros++;
      else expect(Math.abs(e - scale)).toBeLessThan(1e-5);
    }
    expect(Math.abs(zeros / v.length - 0.3)).toBeLessThan(0.02);
    expect(Math.abs(tp.mean(y).item() - 1)).toBeLessThan(0.03);
    d.eval();
    expect(d.call(x)).toBe(x);
    d.train();
    // gradient is the same mask
    const xg = tp.ones([50]).requiresGrad_();
    const yg = d.call(xg);
    tp.sum(yg).backward();
    expect(arr(xg.grad!)).toEqual(arr(yg));
    expect(arr(new nn.Dropout(1).call(tp.ones([4])))).toEqual([0, 0, 0, 0]);
    expect(new nn.Dropout(0).call(x)).toBe(x);
    expectThrowsCode(() => new nn.Dropout(1.5), 'ERR_ARGUMENT', /probability/);
    expectThrowsCode(() => new nn.Dropout(-0.1), 'ERR_ARGUMENT');
  });
});

describe('init', () => {
  const N = [200, 300]; // fanIn 300, fanOut 200
  function stats(t: T): { mean: number; std: number; min: number; max: number } {
    const v = arr(t);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    let lo = Infinity;
    let hi = -Infinity;
    for (const e of v) {
      if (e < lo) lo = e;
      if (e > hi) hi = e;
    }
    return { mean: m, std: s, min: lo, max: hi };
  }

  test('fans and gains as torch', () => {
    expect(nn.init.computeFans([5, 3])).toEqual([3, 5]);
    expect(nn.init.computeFans([8, 4, 3, 3])).toEqual([36, 72]);
    expect(nn.init.computeFans([7])).toEqual([7, 7]);
    expect(nn.init.calculateGain('relu')).toBeCloseTo(Math.SQRT2);
    expect(nn.init.calculateGain('tanh')).toBeCloseTo(5 / 3);
    expect(nn.init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3));
  });

  test('constant initializers, new tensors and in-place fill', () => {
    expect(arr(nn.init.zeros([3]))).toEqual([0, 0, 0]);
    expect(arr(nn.init.ones([2], { dtype: 'float64' }))).toEqual([1, 1]);
    expect(nn.init.ones([2], { dtype: 'float64' }).dtype).toBe('float64');
    expect(arr(nn.init.constant([2, 2], 0.5))).toEqual([0.5, 0.5, 0.5, 0.5]);
    const t = tp.zeros([3, 2], { dtype: 'float64' });
    const r = nn.init.constant(t, 2);
    expect(r).toBe(t);
    expect(arr(t)).toEqual([2, 2, 2, 2, 2, 2]);
    // filling a non-contiguous view writes through to the base
    const base = tp.zeros([2, 3]);
    nn.init.ones(base.T);
    expect(arr(base)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  const cases: [string, () => T, number, number | null][] = [
    // name, make, expected std, uniform bound (null = normal)
    ['uniform', () => nn.init.uniform(N, -0.5, 0.5), 1 / Math.sqrt(12), 0.5],
    ['normal', () => nn.init.normal(N, 0, 0.2), 0.2, null],
    ['lecunNormal', () => nn.init.lecunNormal(N), Math.sqrt(1 / 300), null],
    ['lecunUniform', () => nn.init.lecunUniform(N), Math.sqrt(1 / 300), Math.sqrt(3 / 300)],
    ['glorotNormal', () => nn.init.glorotNormal(N), Math.sqrt(2 / 500), null],
    ['glorotUniform', () => nn.init.glorotUniform(N), Math.sqrt(2 / 500), Math.sqrt(6 / 500)],
    ['xavierUniform gain 2', () => nn.init.xavierUniform(N, { gain: 2 }), 2 * Math.sqrt(2 / 500), 2 * Math.sqrt(6 / 500)],
    ['heNormal', () => nn.init.heNormal(N), Math.sqrt(2 / 300), null],
    ['heUniform', () => nn.init.heUniform(N), Math.sqrt(2 / 300), Math.sqrt(6 / 300)],
    ['kaimingNormal fanOut', () => nn.init.kaimingNormal(N, { mode: 'fanOut', nonlinearity: 'relu' }), Math.sqrt(2 / 200), null],
    ['kaimingUniform a=sqrt5', () => nn.init.kaimingUniform(N, { a: Math.sqrt(5) }), 1 / Math.sqrt(300) / Math.sqrt(3), 1 / Math.sqrt(300)],
  ];
  test.each(cases)('%s: std and bounds', (_n, make, std, bound) => {
    tp.manualSeed(11);
    const t = make();
    expect(t.shape).toEqual(N);
    expect(t.dtype).toBe('float32');
    const s = stats(t);
    expect(Math.abs(s.mean)).toBeLessThan(0.02 * std * 10);
    expect(Math.abs(s.std / std - 1)).toBeLessThan(0.02);
    if (bound !== null) {
      expect(s.max).toBeLessThanOrEqual(bound);
      expect(s.min).toBeGreaterThanOrEqual(-bound);
      expect(s.max).toBeGreaterThan(0.99 * bound);
    }
    t.dispose();
  });

  test('truncatedNormal stays within 2 std; seeded and reproducible', () => {
    tp.manualSeed(5);
    const t = nn.init.truncatedNormal(N, 1, 0.5);
    const s = stats(t);
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThanOrEqual(2);
    expect(Math.abs(s.mean - 1)).toBeLessThan(0.01);
    tp.manualSeed(5);
    const u = nn.init.truncatedNormal(N, 1, 0.5);
    expect(arr(u)).toEqual(arr(t));
    const a = nn.init.glorotUniform([4, 4], { seed: 9 });
    const b = nn.init.glorotUniform([4, 4], { seed: 9 });
    expect(arr(a)).toEqual(arr(b));
    // in place into a float64 tensor
    const w = tp.zeros([100, 100], { dtype: 'float64' });
    nn.init.heUniform(w);
    expect(w.dtype).toBe('float64');
    expect(Math.abs(stats(w).std / Math.sqrt(2 / 100) - 1)).toBeLessThan(0.05);
    expectThrowsCode(() => nn.init.heNormal([3, 0]), 'ERR_SHAPE');
    expectThrowsCode(() => nn.init.uniform('x' as unknown as number[]), 'ERR_ARGUMENT');
  });
});

// ---- losses ---------------------------------------------------------------------------------

function jsLogSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  return row.map((v) => v - lse);
}
function rows(t: T): number[][] {
  return t.toArray() as number[][];
}
const red = (v: number[], r: string): number[] =>
  r === 'none' ? v : r === 'sum' ? [v.reduce((a, b) => a + b, 0)] : [v.reduce((a, b) => a + b, 0) / v.length];

describe('losses: values', () => {
  const logits = (): T => rnd('logits', [4, 5], -3, 3);
  const labels = (): T => tp.tensor(randInts(4, rng(seedOf('labels')), 0, 5), { dtype: 'int32' });

  test.each(['none', 'mean', 'sum'] as const)('crossEntropy and nllLoss, reduction %s', (r) => {
    const x = logits();
    const l = labels();
    const L = arr(l);
    const per = rows(x).map((row, i) => -jsLogSoftmax(row)[L[i]]);
    const ce = F.crossEntropy(x, l, { reduction: r });
    expect(ce.shape).toEqual(r === 'none' ? [4] : []);
    expectClose(ce.dataSync(), red(per, r), { rtol: 1e-12, atol: 1e-12 });
    const nll = F.nllLoss(tp.logSoftmax(x, 1), l, { reduction: r });
    expectClose(nll.dataSync(), red(per, r), { rtol: 1e-12, atol: 1e-12 });
  });

  test('crossEntropy defaults to mean; 1-D and [N, C, d] inputs; large logits stay finite', () => {
    const x = logits();
    const l = labels();
    expect(F.crossEntropy(x, l).item()).toBeCloseTo(F.crossEntropy(x, l, { reduction: 'mean' }).item(), 12);
    expect(tp.nn.F.crossEntropy).toBe(F.crossEntropy);
    const one = F.crossEntropy(tp.tensor([1, 2, 3], { dtype: 'float64' }), tp.tensor(2, { dtype: 'int32' }));
    expect(one.item()).toBeCloseTo(-jsLogSoftmax([1, 2, 3])[2], 12);
    // [N, C, d]: class dim 1
    const x3 = rnd('ce3', [2, 3, 4]);
    const l3 = tp.tensor(randInts(8, rng(5), 0, 3), { shape: [2, 4], dtype: 'int32' });
    const X = x3.toArray() as number[][][];
    const L3 = l3.toArray() as number[][];
    const per: number[] = [];
    for (let n = 0; n < 2; n++)
      for (let d = 0; d < 4; d++) per.push(-jsLogSoftmax([0, 1, 2].map((c) => X[n][c][d]))[L3[n][d]]);
    expectClose(F.crossEntropy(x3, l3, { reduction: 'none' }).dataSync(), per, { rtol: 1e-12, atol: 1e-12 });
    const big = F.crossEntropy(tp.tensor([[1000, 0, -1000]], { dtype: 'float32' }), tp.tensor([1], { dtype: 'int32' }));
    expect(big.item()).toBeCloseTo(1000, 3);
  });

  test('label validation', () => {
    const x = logits();
    expectThrowsCode(() => F.crossEntropy(x, tp.tensor([0, 1, 2, 3], { dtype: 'float32' })), 'ERR_DTYPE', /int32/);
    expectThrowsCode(() => F.crossEntropy(x, tp.tensor([0, 1, 2], { dtype: 'int32' })), 'ERR_SHAPE', /labels must have shape \[4\]/);
    expectThrowsCode(() => F.crossEntropy(x, tp.tensor([0, 1, 2, 5], { dtype: 'int32' })), 'ERR_OUT_OF_BOUNDS', /\[0, 5\)/);
    expectThrowsCode(() => F.nllLoss(x, tp.tensor([0, -1, 2, 3], { dtype: 'int32' })), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => F.crossEntropy(x, labels(), { reduction: 'avg' as 'mean' }), 'ERR_ARGUMENT', /reduction/);
    expectThrowsCode(() => F.crossEntropy(x, [0, 1, 2, 3] as unknown as T), 'ERR_ARGUMENT', /labels must be a Tensor/);
    expectThrowsCode(() => F.mseLoss(x, rnd('y', [4, 4])), 'ERR_SHAPE');
    expectThrowsCode(() => F.binaryCrossEntropyWithLogits(x, tp.zeros([4, 5], { dtype: 'int32' })), 'ERR_DTYPE');
    expectThrowsCode(() => F.softmaxCrossEntropyWithLogits(x, rnd('y', [4, 4])), 'ERR_SHAPE');
    expectThrowsCode(() => F.huberLoss(x, x, { delta: 0 }), 'ERR_ARGUMENT', /delta/);
  });

  test('softmaxCrossEntropyWithLogits: per example with dense labels', () => {
    const x = logits();
    const p = tp.softmax(rnd('soft', [4, 5]), -1);
    const P = rows(p);
    const per = rows(x).map((row, i) => -jsLogSoftmax(row).reduce((a, v, c) => a + v * P[i][c], 0));
    const out = F.softmaxCrossEntropyWithLogits(x, p);
    expect(out.shape).toEqual([4]);
    expectClose(out.dataSync(), per, { rtol: 1e-12, atol: 1e-12 });
    expectClose(F.softmaxCrossEntropyWithLogits(x, p, { reduction: 'mean' }).dataSync(), red(per, 'mean'), { rtol: 1e-12, atol: 1e-12 });
    // with one-hot labels it equals crossEntropy
    const l = labels();
    const oh = tp.oneHot(l, 5, { dtype: 'float64' } as never);
    expectClose(F.softmaxCrossEntropyWithLogits(x, tp.cast(oh, 'float64')).dataSync(), F.crossEntropy(x, l, { reduction: 'none' }).dataSync(), { rtol: 1e-12, atol: 1e-12 });
  });

  test.each(['none', 'mean', 'sum'] as const)('elementwise losses, reduction %s', (r) => {
    const x = rnd('bx', [3, 4], -30, 30);
    const y = rnd('by', [3, 4], -3, 3);
    const t = rnd('bt', [3, 4], 0, 1);
    const X = arr(x);
    const Y = arr(y);
    const Tt = arr(t);
    // -(t log σ(x) + (1 - t) log σ(-x)), with log σ(v) computed without cancellation
    const logSig = (v: number): number => (v >= 0 ? -Math.log1p(Math.exp(-v)) : v - Math.log1p(Math.exp(v)));
    const bce = X.map((v, i) => -(Tt[i] * logSig(v) + (1 - Tt[i]) * logSig(-v)));
    expectClose(F.binaryCrossEntropyWithLogits(x, t, { reduction: r }).dataSync(), red(bce, r), { rtol: 1e-12, atol: 1e-12 });
    expectClose(F.mseLoss(x, y, { reduction: r }).dataSync(), red(X.map((v, i) => (v - Y[i]) ** 2), r), { rtol: 1e-12, atol: 1e-12 });
    expectClose(F.l1Loss(x, y, { reduction: r }).dataSync(), red(X.map((v, i) => Math.abs(v - Y[i])), r), { rtol: 1e-12, atol: 1e-12 });
    const hub = (delta: number): number[] =>
      X.map((v, i) => {
        const d = Math.abs(v - Y[i]);
        return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
      });
    const xs = rnd('hx', [3, 4], -3, 3);
    const XS = arr(xs);
    const hubS = (delta: number): number[] =>
      XS.map((v, i) => {
        const d = Math.abs(v - Y[i]);
        return d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
      });
    expectClose(F.huberLoss(x, y, { reduction: r }).dataSync(), red(hub(1), r), { rtol: 1e-12, atol: 1e-12 });
    expectClose(F.huberLoss(xs, y, { reduction: r, delta: 1.5 }).dataSync(), red(hubS(1.5), r), { rtol: 1e-12, atol: 1e-12 });
  });

  test('binaryCrossEntropyWithLogits is stable for huge logits; l2Loss', () => {
    const x = tp.tensor([1000, -1000, 0], { dtype: 'float32' });
    const t = tp.tensor([0, 1, 1], { dtype: 'float32' });
    expectClose(F.binaryCrossEntropyWithLogits(x, t, { reduction: 'none' }).dataSync(), [1000, 1000, Math.log(2)], { rtol: 1e-6, atol: 1e-5 });
    const w = rnd('l2', [3, 4]);
    const W = arr(w);
    const l2 = F.l2Loss(w);
    expect(l2.shape).toEqual([]);
    expect(l2.item()).toBeCloseTo(W.reduce((a, v) => a + v * v, 0) / 2, 12);
    // the seeds' reduce_sum(square(w)) is twice l2Loss
    expect(tp.reduceSum(tp.square(w)).item()).toBeCloseTo(2 * l2.item(), 12);
  });
});

// crossEntropy on [C] / [N, C] logits runs one fused native kernel each way
// (native/cpu/loss.cc); these check it against plain JS on the shapes the kernel's 8-wide
// loop and tail treat differently, on views, and at the edges (NaN, inf, empty).
describe('crossEntropy: fused kernel', () => {
  const jsGrad = (X: number[][], L: number[], g: number[]): number[] =>
    X.flatMap((row, i) => {
      const ls = jsLogSoftmax(row);
      return ls.map((v, j) => g[i] * (Math.exp(v) - (j === L[i] ? 1 : 0)));
    });

  test.each([
    [5, 1],
    [3, 7],
    [4, 8],
    [6, 10],
    [3, 17],
    [2, 1000],
    // 8-row groups (C <= 16) and their remainders
    [19, 10],
    [16, 16],
    [9, 1],
    [24, 3],
  ])('float32 [%i, %i]: values and gradient vs plain JS, every reduction', (N, C) => {
    const x = rnd(`fx${N}`, [N, C], -6, 6, 'float32').requiresGrad_();
    const l = tp.tensor(randInts(N, rng(seedOf(`fl${N}x${C}`)), 0, C), { dtype: 'int32' });
    const X = rows(x);
    const L = arr(l);
    const per = X.map((row, i) => -jsLogSoftmax(row)[L[i]]);
    for (const r of ['none', 'mean', 'sum'] as const) {
      const loss = F.crossEntropy(x, l, { reduction: r });
      expectClose(loss.dataSync(), red(per, r), { rtol: 2e-6, atol: 2e-6 });
      const gOut = r === 'none' ? tp.tensor(randArray(N, rng(7), -1, 1), { dtype: 'float32' }) : undefined;
      x.grad = null;
      loss.backward(gOut);
      const g = r === 'none' ? arr(gOut as T) : new Array(N).fill(r === 'mean' ? 1 / N : 1);
      expectClose((x.grad as unknown as T).dataSync(), jsGrad(X, L, g), { rtol: 1e-5, atol: 1e-6 });
    }
  });

  test('transposed logits, strided labels, 1-D logits, float64 gradcheck of every reduction', () => {
    const base = rnd('ftr', [5, 4]);
    const xt = tp.transpose(base); // [4, 5] view, not contiguous
    const lAll = tp.tensor([3, 9, 0, 9, 4, 9, 1, 9], { dtype: 'int32' });
    const l = tp.stridedSlice(lAll, [0], [8], [2]); // [3, 0, 4, 1], stride 2
    const per = rows(tp.contiguous(xt)).map((row, i) => -jsLogSoftmax(row)[[3, 0, 4, 1][i]]);
    expectClose(F.crossEntropy(xt, l, { reduction: 'none' }).dataSync(), per, { rtol: 1e-12, atol: 1e-12 });
    for (const reduction of ['none', 'mean', 'sum'] as const) {
      expect(tp.gradcheck((x) => F.crossEntropy(tp.transpose(x), l, { reduction }), [base])).toBe(true);
      expect(tp.gradcheck((x) => F.crossEntropy(x, tp.tensor(2, { dtype: 'int32' }), { reduction }), [rnd('f1d', [6])])).toBe(true);
    }
  });

  test('gradients of gradients (createGraph) go through differentiable ops', () => {
    const l = tp.tensor([1, 0, 2], { dtype: 'int32' });
    // x -> d/dx crossEntropy(x): its own gradient is checked by finite differences of it
    for (const reduction of ['mean', 'none'] as const) {
      const f = (x: T): T => tp.grad((u: T) => tp.sum(tp.square(F.crossEntropy(u, l, { reduction }))), { createGraph: true })(x) as T;
      expect(tp.gradcheck(f, [rnd('fcg', [3, 4])])).toBe(true);
    }
  });

  test('NaN / inf rows as torch (NaN loss), empty batches, errors name the position', () => {
    const inf = Infinity;
    // twice: 5 rows (the per-row path) and the same rows inside 8-row groups
    for (const pad of [0, 11]) {
      const rowsIn = [[1, 2, 3], [inf, 0, 1], [-inf, -inf, -inf], [NaN, 0, 1], [-inf, 0, 1]];
      for (let k = 0; k < pad; k++) rowsIn.push([k, -k, 0.5]);
      const x = tp.tensor(rowsIn, { dtype: 'float32' }).requiresGrad_();
      const l = tp.tensor([0, 1, 2, 1, 1, ...new Array(pad).fill(2)], { dtype: 'int32' });
      const loss = F.crossEntropy(x, l, { reduction: 'none' });
      const v = arr(loss);
      expect(v[0]).toBeCloseTo(-jsLogSoftmax([1, 2, 3])[0], 5);
      expect(v.slice(1, 4).every(Number.isNaN)).toBe(true);
      expect(v[4]).toBeCloseTo(-jsLogSoftmax([-1e30, 0, 1])[1], 5); // a -inf logit is a zero probability
      for (let k = 0; k < pad; k++) expect(v[5 + k]).toBeCloseTo(-jsLogSoftmax([k, -k, 0.5])[2], 5);
      loss.sum().backward();
      const G = rows(x.grad as T);
      expect(G.slice(1, 4).every((r) => r.every(Number.isNaN))).toBe(true); // as torch: NaN rows, NaN gradients
      expectClose(G[4], [0, Math.exp(jsLogSoftmax([-1e30, 0, 1])[1]) - 1, Math.exp(jsLogSoftmax([-1e30, 0, 1])[2])], { rtol: 1e-5, atol: 1e-6 });
    }
    const e = tp.zeros([0, 4]);
    const le = tp.zeros([0], { dtype: 'int32' });
    expect(F.crossEntropy(e, le, { reduction: 'none' }).shape).toEqual([0]);
    expect(F.crossEntropy(e, le, { reduction: 'sum' }).item()).toBe(0);
    expect(Number.isNaN(F.crossEntropy(e, le).item())).toBe(true); // torch: mean of nothing
    expectThrowsCode(() => F.crossEntropy(tp.zeros([2, 3]), tp.tensor([1, -1], { dtype: 'int32' })), 'ERR_OUT_OF_BOUNDS', /got -1 at position 1/);
    expectThrowsCode(() => F.crossEntropy(tp.zeros([2, 0]), tp.tensor([0, 0], { dtype: 'int32' })), 'ERR_SHAPE', /no classes/);
  });

  test('ignoreIndex (default -100) as torch 1.13: values, gradients, mean over the kept rows, [N, C, d], nllLoss', () => {
    const X = [[1, 2, 3], [0, 1, 0], [2, 2, 2], [0.5, -1, 3]];
    const perRow = [2.4076059644443806, 0, 1.0986122886681098, 4.095674329414383];
    const gSum = [[-0.9099694268296196, 0.24472847105479764, 0.6652409557748218], [0, 0, 0], [0.3333333333333333, 0.3333333333333333, -0.6666666666666667], [0.07459555713221443, -0.9833554813907277, 0.9087599242585133]];
    const tol = { rtol: 1e-12, atol: 1e-12 };
    for (const dtype of ['float64', 'float32'] as const) {
      const t = dtype === 'float64' ? tol : { rtol: 2e-6, atol: 2e-6 };
      for (const r of ['mean', 'sum', 'none'] as const) {
        const x = tp.tensor(X, { dtype }).requiresGrad_();
        const loss = F.crossEntropy(x, tp.tensor([0, -100, 2, 1], { dtype: 'int32' }), { reduction: r });
        expectClose(loss.dataSync(), r === 'none' ? perRow : r === 'sum' ? [perRow.reduce((a, b) => a + b)] : [perRow.reduce((a, b) => a + b) / 3], t);
        loss.sum().backward();
        expectClose((x.grad as T).dataSync(), gSum.flat().map((v) => (r === 'mean' ? v / 3 : v)), t);
      }
    }
    // a class index as ignoreIndex; NaN rows that are ignored give 0 and no gradient
    const x = tp.tensor([...X, [NaN, 0, 0]], { dtype: 'float64' }).requiresGrad_();
    const loss = F.crossEntropy(x, tp.tensor([0, 1, 1, 1, 1], { dtype: 'int32' }), { ignoreIndex: 1 });
    expect(loss.item()).toBeCloseTo(2.4076059644443806, 12);
    loss.backward();
    expectClose((x.grad as T).dataSync(), [...gSum[0], ...new Array(12).fill(0)], tol);
    // every row ignored: mean is NaN (0 / 0), as torch
    expect(Number.isNaN(F.crossEntropy(tp.zeros([2, 3]), tp.tensor([-100, -100], { dtype: 'int32' })).item())).toBe(true);
    // [N, C, d] (composite path) and nllLoss
    const x3 = tp.tensor([[[1, 2], [0, 1], [3, 0]]], { dtype: 'float64' }).requiresGrad_();
    const l3 = F.crossEntropy(x3, tp.tensor([[2, -100]], { dtype: 'int32' }));
    expect(l3.item()).toBeCloseTo(0.16984601955628567, 12);
    l3.backward();
    expectClose((x3.grad as T).dataSync(), [0.11419519938459448, 0, 0.04201006613406605, 0, -0.15620526551866054, 0], tol);
    const nll = F.nllLoss(tp.logSoftmax(tp.tensor(X, { dtype: 'float64' }), 1), tp.tensor([0, -100, 2, 1], { dtype: 'int32' }), { reduction: 'sum' });
    expect(nll.item()).toBeCloseTo(perRow.reduce((a, b) => a + b), 12);
    // second order through the ignore mask, and errors
    const f = (u: T): T => tp.grad((v: T) => tp.sum(tp.square(F.crossEntropy(v, tp.tensor([1, -100, 0], { dtype: 'int32' }), { reduction: 'none' }))), { createGraph: true })(u) as T;
    expect(tp.gradcheck(f, [rnd('fig', [3, 4])])).toBe(true);
    expectThrowsCode(() => F.crossEntropy(tp.zeros([2, 3]), tp.tensor([1, -5], { dtype: 'int32' })), 'ERR_OUT_OF_BOUNDS', /got -5 at position 1/);
    expectThrowsCode(() => F.nllLoss(tp.zeros([2, 3, 2]), tp.tensor([[1, 0], [-5, 0]], { dtype: 'int32' })), 'ERR_OUT_OF_BOUNDS', /ignoreIndex \(-100\)/);
    expectThrowsCode(() => F.crossEntropy(tp.zeros([2, 3]), tp.tensor([1, 0], { dtype: 'int32' }), { ignoreIndex: 0.5 }), 'ERR_ARGUMENT', /ignoreIndex/);
  });

  test('the native entry points refuse bad extents, dtypes and handles with a TapeflowError', () => {
    const x = tp.zeros([2, 3]);
    const l = tp.tensor([0, 2], { dtype: 'int32' });
    const g = tp.ones([2]);
    const ok = [0, 2, 3, x._h, 0, l._h, 0, 1, -100];
    const bad: [string, unknown[]][] = [
      ['rows beyond the logits', [0, 3, 3, x._h, 0, l._h, 0, 1, -100]],
      ['offset beyond the logits', [0, 2, 3, x._h, 1, l._h, 0, 1, -100]],
      ['label stride beyond the labels', [0, 2, 3, x._h, 0, l._h, 0, 2, -100]],
      ['labels not int32', [0, 2, 3, x._h, 0, x._h, 0, 1, -100]],
      ['dtype mismatch', [1, 2, 3, x._h, 0, l._h, 0, 1, -100]],
      ['int dtype', [2, 2, 3, l._h, 0, l._h, 0, 1, -100]],
      ['negative rows', [0, -1, 3, x._h, 0, l._h, 0, 1, -100]],
      ['zero classes', [0, 2, 0, x._h, 0, l._h, 0, 1, -100]],
      ['forged handle', [0, 2, 3, 123456789, 0, l._h, 0, 1, -100]],
      ['not a number', [0, 2, 3, 'x', 0, l._h, 0, 1, -100]],
      ['ignoreIndex not a number', [0, 2, 3, x._h, 0, l._h, 0, 1, 'x']],
    ];
    // hostile calls straight to the addon: untyped on purpose
    const raw = native as unknown as Record<string, (...a: unknown[]) => number>;
    raw.free(raw.xent(...ok));
    for (const [, args] of bad) expectThrowsCode(() => raw.xent(...args), /^ERR_/);
    const lse = tp.zeros([2]);
    raw.free(raw.xentBackward(...ok, lse._h, 0, g._h, 0, 1, 1));
    expectThrowsCode(() => raw.xentBackward(...ok, lse._h, 1, g._h, 0, 1, 1), /^ERR_/);
    expectThrowsCode(() => raw.xentBackward(...ok, lse._h, 0, g._h, 0, 2, 1), /^ERR_/);
    expectThrowsCode(() => raw.xentBackward(...ok, lse._h, 0, l._h, 0, 1, 1), /^ERR_/);
  });
});

describe('losses: gradcheck', () => {
  const cases: [string, (x: T, y: T) => T, () => [T, T]][] = [
    ['crossEntropy', (x) => F.crossEntropy(x, tp.tensor([0, 4, 2, 1], { dtype: 'int32' })), () => [rnd('gc1', [4, 5]), rnd('u', [1])]],
    ['crossEntropy sum [N,C,d]', (x) => F.crossEntropy(x, tp.tensor([[0, 2], [1, 1]], { dtype: 'int32' }), { reduction: 'sum' }), () => [rnd('gc2', [2, 3, 2]), rnd('u', [1])]],
    ['nllLoss none', (x) => F.nllLoss(x, tp.tensor([1, 0, 2], { dtype: 'int32' }), { reduction: 'none' }), () => [rnd('gc3', [3, 3]), rnd('u', [1])]],
    ['softmaxCrossEntropyWithLogits', (x, y) => F.softmaxCrossEntropyWithLogits(x, y), () => [rnd('gc4', [3, 4]), rnd('gc4y', [3, 4], 0, 1)]],
    ['binaryCrossEntropyWithLogits', (x, y) => F.binaryCrossEntropyWithLogits(x, y), () => [rnd('gc5', [3, 4], -4, 4), rnd('gc5y', [3, 4], 0, 1)]],
    ['binaryCrossEntropyWithLogits none', (x, y) => F.binaryCrossEntropyWithLogits(x, y, { reduction: 'none' }), () => [rnd('gc6', [5], -4, 4), rnd('gc6y', [5], 0, 1)]],
    ['mseLoss', (x, y) => F.mseLoss(x, y), () => [rnd('gc7', [3, 4]), rnd('gc7y', [3, 4])]],
    ['l1Loss sum', (x, y) => F.l1Loss(x, y, { reduction: 'sum' }), () => [rnd('gc8', [3, 4]), rnd('gc8y', [3, 4], 5, 6)]],
    ['huberLoss', (x, y) => F.huberLoss(x, y), () => [rnd('gc9', [3, 4], -3, 3), rnd('gc9y', [3, 4], -0.2, 0.2)]],
    ['huberLoss delta 0.5 none', (x, y) => F.huberLoss(x, y, { delta: 0.5, reduction: 'none' }), () => [rnd('gc10', [6], -3, 3), rnd('gc10y', [6], -0.2, 0.2)]],
    ['l2Loss', (x) => F.l2Loss(x), () => [rnd('gc11', [3, 4]), rnd('u', [1])]],
  ];
  test.each(cases)('%s', (_n, f, make) => {
    const [x, y] = make();
    // kinks (|x - y| = delta, x - y = 0) are kept away from by the chosen ranges
    expect(tp.gradcheck(f, [x, y])).toBe(true);
    tp.dispose([x, y]);
  });
});

describe('training and memory', () => {
  test('a 2-layer MLP trained with hand-written SGD: the loss decreases', () => {
    tp.manualSeed(42);
    class MLP extends nn.Module {
      fc1 = new nn.Linear(2, 16);
      fc2 = new nn.Linear(16, 2);
      forward(x: T): T {
        return this.fc2.call(tp.tanh(this.fc1.call(x)));
      }
    }
    const model = new MLP();
    // two classes on either side of a line
    const r = rng(123);
    const pts = randArray(128, r, -1, 1);
    const lab = Array.from({ length: 64 }, (_, i) => (pts[2 * i] + 0.5 * pts[2 * i + 1] > 0 ? 1 : 0));
    const x = tp.tensor(pts, { shape: [64, 2] });
    const y = tp.tensor(lab, { dtype: 'int32' });
    const lr = 1;
    const losses: number[] = [];
    (globalThis as { gc?: () => void }).gc?.();
    const before = tp.memory().numTensors;
    for (let step = 0; step < 50; step++) {
      const loss = tp.tidy(() => {
        const l = F.crossEntropy(model.call(x), y);
        l.backward();
        return l.item();
      });
      losses.push(loss);
      // p <- p - lr * p.grad; the new parameters survive the tidy (Parameters are kept)
      tp.tidy(() =>
        tp.noGrad(() => {
          for (const [name, p] of model.namedParameters()) {
            const old = model.setParameter(name, tp.sub(p, tp.mul(p.grad!, lr)));
            old.grad!.dispose();
            old.dispose();
          }
        }),
      );
    }
    // nothing accumulates over the 50 steps (<=: the GC may free earlier tests' garbage meanwhile)
    expect(tp.memory().numTensors).toBeLessThanOrEqual(before);
    expect(losses[49]).toBeLessThan(0.5 * losses[0]);
    expect(losses[49]).toBeLessThan(losses[25]);
    for (const p of model.parameters()) expect(p.grad).toBeNull();
    model.dispose();
  });

  test('no leaks: forward + loss + backward inside tidy, eager losses without grad', () => {
    const net = new Net();
    const x = rnd('leak', [3, 4], -2, 2, 'float32');
    const labels = tp.tensor([0, 1, 1], { dtype: 'int32' });
    // warm up (lazy allocations)
    tp.tidy(() => F.crossEntropy(net.call(x), labels).backward());
    net.zeroGrad();
    expectNoLeak(() =>
      tp.tidy(() => {
        const l = F.crossEntropy(net.call(x), labels);
        l.backward();
        net.zeroGrad();
      }),
    );
    // without recording, the losses and layers free their own temporaries at once
    net.eval();
    const logits = tp.noGrad(() => net.call(x));
    const z = tp.zeros([3, 4]);
    expectNoLeak(() => tp.noGrad(() => F.crossEntropy(logits, labels)));
    expectNoLeak(() => F.huberLoss(x, z, { reduction: 'sum' }));
    expectNoLeak(() => F.binaryCrossEntropyWithLogits(x, z));
    expectNoLeak(() => F.softmaxCrossEntropyWithLogits(x, z));
    const lin = new nn.Linear(4, 2);
    expectNoLeak(() => tp.noGrad(() => lin.call(x)));
    const d = new nn.Dropout(0.5);
    expectNoLeak(() => tp.noGrad(() => d.call(x)));
    expectNoLeak(() => nn.init.heUniform(tp.keep(tp.zeros([3, 3]))));
    net.dispose();
    lin.dispose();
  });
});
