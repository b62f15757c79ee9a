// Autograd: every op with a gradient is checked against float64 central differences
// (tp.gradcheck, as torch.autograd.gradcheck), plus the tape's behaviour: accumulation,
// retainGraph, noGrad, detach, grads(y, xs), higher-order gradients and leaks.
import { tp, rng, seedOf, randArray, expectClose, expectNoLeak, expectThrowsCode } from './helpers';

type T = tp.Tensor;

/** A float64 tensor of fresh seeded values in [lo, hi). */
function rnd(name: string, shape: number[], lo = -2, hi = 2): T {
  const n = shape.reduce((a, b) => a * b, 1);
  return tp.tensor(randArray(n, rng(seedOf(name + shape.join('x'))), lo, hi), { shape, dtype: 'float64' });
}
/** Values in [lo, hi) kept at least `gap` away from zero (for relu/abs/max kinks). */
function away(name: string, shape: number[], gap = 0.1): T {
  const n = shape.reduce((a, b) => a * b, 1);
  const r = rng(seedOf(name));
  const v = randArray(n, r, gap, 2).map((x) => (r() < 0.5 ? -x : x));
  return tp.tensor(v, { shape, dtype: 'float64' });
}

const f64 = (v: number[] | number[][]): T => tp.tensor(v, { dtype: 'float64' });

function check(f: (...xs: T[]) => T, inputs: T[]): void {
  expect(tp.gradcheck(f, inputs)).toBe(true);
  tp.dispose(inputs);
}

describe('gradcheck: unary', () => {
  const pos = (n: string): T => rnd(n, [3, 4], 0.2, 2);
  const cases: [string, (x: T) => T, () => T][] = [
    ['neg', (x) => tp.neg(x), () => rnd('neg', [3, 4])],
    ['abs', (x) => tp.abs(x), () => away('abs', [3, 4])],
    ['exp', (x) => tp.exp(x), () => rnd('exp', [3, 4])],
    ['expm1', (x) => tp.expm1(x), () => rnd('expm1', [3, 4])],
    ['log', (x) => tp.log(x), () => pos('log')],
    ['log1p', (x) => tp.log1p(x), () => pos('log1p')],
    ['sqrt', (x) => tp.sqrt(x), () => pos('sqrt')],
    ['rsqrt', (x) => tp.rsqrt(x), () => pos('rsqrt')],
    ['square', (x) => tp.square(x), () => rnd('square', [3, 4])],
    ['reciprocal', (x) => tp.reciprocal(x), () => away('reciprocal', [3, 4], 0.3)],
    ['sin', (x) => tp.sin(x), () => rnd('sin', [3, 4])],
    ['cos', (x) => tp.cos(x), () => rnd('cos', [3, 4])],
    ['tan', (x) => tp.tan(x), () => rnd('tan', [3, 4], -1, 1)],
    ['tanh', (x) => tp.tanh(x), () => rnd('tanh', [3, 4])],
    ['sigmoid', (x) => tp.sigmoid(x), () => rnd('sigmoid', [3, 4])],
    ['relu', (x) => tp.relu(x), () => away('relu', [3, 4])],
    ['clip', (x) => tp.clip(x, -0.5, 0.7), () => away('clip', [3, 4])],
    ['clip one-sided', (x) => tp.clip(x, null, 0.3), () => away('clip1', [3, 4])],
    ['method chain', (x) => x.exp().tanh().mul(2), () => rnd('chain', [5])],
    ['transposed view', (x) => tp.sigmoid(x.T), () => rnd('tview', [4, 3])],
  ];
  test.each(cases)('%s', (_n, f, make) => check(f, [make()]));

  test('relu gradient at 0, NaN and inf as torch 1.13 (threshold_backward: 0 where x <= 0)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = tp.tensor([NaN, -1, 0, 2, Infinity, -Infinity, -0], { dtype }).requiresGrad_();
      tp.relu(x).backward(tp.full([7], 3, { dtype }));
      expect(Array.from((x.grad as T).dataSync() as Float32Array)).toEqual([3, 0, 0, 3, 3, 0, 0]);
    }
    // a broadcast, non-contiguous gradient reaches the kernel's strided path
    const x = away('reluv', [4, 3]).requiresGrad_();
    tp.relu(x.T).mul(tp.tensor([1, 2, 3, 4], { dtype: 'float64' })).sum().backward();
    const X = x.dataSync() as Float64Array;
    const G = (x.grad as T).dataSync() as Float64Array;
    for (let i = 0; i < 12; i++) expect(G[i]).toBe(X[i] > 0 ? Math.floor(i / 3) + 1 : 0);
  });

  test('sign, floor, ceil, round: zero gradient, as torch (the output still requires grad)', () => {
    for (const f of [tp.sign, tp.floor, tp.ceil, tp.round]) {
      const x = tp.tensor([0.5, -1.5, 2, NaN], { dtype: 'float64' }).requiresGrad_();
      const y = f(x);
      expect(y.requiresGrad || y.gradFn !== null).toBe(true);
      y.mul(x).sum().backward(); // d/dx (f(x) * x) = f(x) where f is piecewise constant
      const Y = Array.from(y.dataSync() as Float64Array);
      expect(Array.from((x.grad as T).dataSync() as Float64Array)).toEqual(Y);
    }
  });

  test('clip with tensor bounds', () => {
    check((x, lo) => tp.clip(x, lo, 1.5), [away('clipt', [3, 4]), rnd('clipLo', [4], -1, 0)]);
  });
});

describe('gradcheck: binary', () => {
  const ops: [string, (a: tp.TensorLike, b: tp.TensorLike) => T][] = [
    ['add', tp.add],
    ['sub', tp.sub],
    ['mul', tp.mul],
    ['div', tp.div],
    ['maximum', tp.maximum],
    ['minimum', tp.minimum],
  ];
  test.each(ops)('%s: same shape', (name, f) => check(f, [rnd(name + 'a', [3, 4]), away(name + 'b', [3, 4], 0.3)]));
  test.each(ops)('%s: broadcasting [2,3,4] with [3,1] and [4]', (name, f) => {
    check(f, [rnd(name + 'c', [2, 3, 4]), away(name + 'd', [3, 1], 0.3)]);
    check(f, [away(name + 'e', [4], 0.3), away(name + 'f', [2, 3, 4], 0.3)]);
  });
  test.each(ops)('%s: non-contiguous view operand', (name, f) => {
    check((a, b) => f(a.T, b.slice([0, 1], [3, 4])), [rnd(name + 'g', [4, 3]), away(name + 'h', [3, 6], 0.3)]);
  });
  test.each(ops)('%s: with a number', (name, f) => {
    check((a) => f(a, 1.7), [away(name + 'i', [5], 0.3)]);
    check((a) => f(-0.6, a), [away(name + 'j', [5], 0.3)]);
  });
  test('pow: tensor ** number, tensor ** tensor, number ** tensor', () => {
    check((a) => tp.pow(a, 3), [rnd('p1', [3, 4])]);
    check((a) => tp.pow(a, 0.5), [rnd('p2', [3, 4], 0.3, 2)]);
    check((a, b) => tp.pow(a, b), [rnd('p3', [3, 4], 0.3, 2), rnd('p4', [4])]);
    check((b) => tp.pow(2, b), [rnd('p5', [4])]);
  });
  test('mod (away from the jumps)', () => {
    check((a) => tp.mod(a, 10), [rnd('m1', [6], 1, 9)]);
  });
  test('the same tensor on both sides', () => {
    check((a) => tp.mul(a, a), [rnd('same', [4])]);
    check((a) => tp.add(a, a).add(a.mul(2)).sub(a), [rnd('same3', [4])]);
    check((a) => tp.div(a, a.exp()), [rnd('same2', [4])]);
  });
});

describe('gradcheck: matmul', () => {
  const cases: [string, number[], number[]][] = [
    ['2-D', [3, 4], [4, 5]],
    ['batched', [2, 3, 4], [2, 4, 5]],
    ['broadcast batch (a)', [2, 3, 4], [4, 5]],
    ['broadcast batch (b)', [3, 4], [2, 4, 5]],
    ['broadcast batch (size 1)', [1, 3, 4], [2, 4, 2]],
    ['vector @ matrix', [4], [4, 5]],
    ['matrix @ vector', [3, 4], [4]],
    ['vector @ vector', [4], [4]],
    ['vector @ batched', [4], [2, 4, 3]],
    ['batched @ vector', [2, 3, 4], [4]],
  ];
  test.each(cases)('%s %j @ %j', (name, sa, sb) => check(tp.matmul, [rnd(name + 'a', sa), rnd(name + 'b', sb)]));
  test('transposed operands', () => check((a, b) => tp.matmul(a.T, b.T), [rnd('ta', [4, 3]), rnd('tb', [5, 4])]));
  test('mm, bmm, dot, outer', () => {
    check(tp.mm, [rnd('mm1', [2, 3]), rnd('mm2', [3, 2])]);
    check(tp.bmm, [rnd('bmm1', [2, 2, 3]), rnd('bmm2', [2, 3, 2])]);
    check(tp.dot, [rnd('dot1', [5]), rnd('dot2', [5])]);
    check(tp.outer, [rnd('outer1', [3]), rnd('outer2', [4])]);
  });
  test('only one side requires grad', () => {
    const a = rnd('one', [2, 3]);
    const w = rnd('onew', [3, 2]).requiresGrad_();
    tp.matmul(a, w).sum().backward();
    expect(a.grad).toBeNull();
    // d sum(a @ w) / dw[k, j] = sum_i a[i, k]
    const ad = a.toArray() as number[][];
    const exp = [0, 1, 2].flatMap((k) => [0, 1].map(() => ad[0][k] + ad[1][k]));
    expectClose(w.grad!.dataSync(), exp, { rtol: 1e-12, atol: 1e-12 });
  });
});

describe('gradcheck: reductions, softmax, views', () => {
  const cases: [string, (x: T) => T, number[]][] = [
    ['sum all', (x) => tp.sum(x), [3, 4]],
    ['sum axis', (x) => tp.sum(x, 1), [3, 4]],
    ['sum axes keepDims', (x) => tp.sum(x, [0, 2], true), [2, 3, 4]],
    ['mean all', (x) => tp.mean(x), [3, 4]],
    ['mean axis -1', (x) => tp.mean(x, -1), [2, 3, 4]],
    ['mean keepDims', (x) => tp.mean(x, 0, true), [3, 4]],
    ['max all', (x) => tp.max(x), [3, 4]],
    ['max axis', (x) => tp.max(x, 1), [3, 4]],
    ['min axis keepDims', (x) => tp.min(x, 0, true), [3, 4]],
    ['logsumexp', (x) => tp.logsumexp(x, 1), [3, 4]],
    ['softmax -1', (x) => tp.softmax(x), [3, 4]],
    ['softmax 0', (x) => tp.softmax(x, 0), [3, 4]],
    ['logSoftmax -1', (x) => tp.logSoftmax(x), [3, 4]],
    ['logSoftmax 1 of 3-D', (x) => tp.logSoftmax(x, 1), [2, 3, 4]],
    ['reshape', (x) => tp.reshape(x, [4, -1]).mul(tp.arange(3).cast('float64')), [2, 6]],
    ['reshape of a transposed view (copy)', (x) => tp.reshape(x.T, [12]).square(), [3, 4]],
    ['transpose', (x) => tp.transpose(x, 0, 2).square(), [2, 3, 4]],
    ['permute', (x) => tp.permute(x, [1, 2, 0]).exp(), [2, 3, 4]],
    ['slice', (x) => tp.slice(x, [1, 1], [2, 2]).square(), [3, 4]],
    ['select', (x) => tp.select(x, 1, 2).square(), [3, 4]],
    ['squeeze/unsqueeze', (x) => tp.unsqueeze(tp.squeeze(x), 0).square(), [3, 1, 4]],
    ['broadcastTo', (x) => tp.broadcastTo(x, [2, 3, 4]).square(), [3, 1]],
    ['expand', (x) => tp.expand(x, [3, -1]).square(), [4]],
    ['flatten', (x) => tp.flatten(x, 1).square(), [2, 3, 4]],
    ['contiguous', (x) => x.T.contiguous().square(), [3, 4]],
  ];
  test.each(cases)('%s', (name, f, shape) => check(f, [rnd(name, shape)]));
});

describe('gradcheck: activations, var/std, join, indexing, where', () => {
  const cases: [string, (x: T) => T, () => T][] = [
    ['leakyRelu', (x) => tp.leakyRelu(x, 0.2), () => away('leaky', [3, 4])],
    ['elu', (x) => tp.elu(x, 0.7), () => away('elu', [3, 4])],
    ['softplus', (x) => tp.softplus(x), () => rnd('softplus', [3, 4])],
    ['gelu', (x) => tp.gelu(x), () => rnd('gelu', [3, 4])],
    ['gelu near 0', (x) => tp.gelu(x), () => tp.tensor([0, 1e-5, -2e-4, 0.002], { dtype: 'float64' })],
    ['gelu tails', (x) => tp.gelu(x), () => f64([-9, -5.5, 4, 7.5])],
    ['erf', (x) => tp.erf(x), () => rnd('erf', [3, 4])],
    ['erf tails and 0', (x) => tp.erf(x), () => f64([-4, -0.01, 0, 1e-4, 3.5])],
    ['softplus beta/threshold', (x) => tp.softplus(x, 2, 1), () => away('softplus2', [3, 4], 0.1).mul(0.3)],
    ['prod', (x) => tp.prod(x, 1), () => rnd('prod', [3, 4])],
    ['prod all', (x) => tp.prod(x), () => rnd('prod2', [2, 3])],
    ['prod with zeros', (x) => tp.prod(x, 1, true), () => tp.tensor([[0, 2, 3], [0, 0, 1.5], [1, -2, 0.5]], { dtype: 'float64' })],
    ['var', (x) => tp.variance(x, 1), () => rnd('var', [3, 4])],
    ['var all', (x) => tp.variance(x), () => rnd('var2', [3, 4])],
    ['std keepDims', (x) => tp.std(x, 0, true), () => rnd('std', [3, 4])],
    ['pad', (x) => tp.pad(x, [[1, 0], [2, 1]]).square(), () => rnd('pad', [2, 3])],
    ['flip', (x) => tp.flip(x, [0, 1]).mul(tp.arange(6).reshape([2, 3]).cast('float64')), () => rnd('flip', [2, 3])],
    ['tile', (x) => tp.tile(x, [2, 1, 3]).square(), () => rnd('tile', [2, 2])],
    ['repeat', (x) => tp.repeat(x, [3, 2]).square(), () => rnd('repeat', [2, 2])],
    ['split', (x) => tp.split(x, [1, 3], 1)[1].square(), () => rnd('split', [2, 4])],
    ['chunk + unstack', (x) => tp.chunk(x, 2, 0)[0].mul(tp.unstack(x, 0)[2]), () => rnd('chunk', [4, 3])],
    ['gather axis 0', (x) => tp.gather(x, [2, 0, 2]).square(), () => rnd('gather', [3, 4])],
    ['gather axis 1, 2-D indices', (x) => tp.gather(x, [[1, 1], [3, 0]], 1).square(), () => rnd('gather2', [3, 4])],
    ['takeAlongAxis', (x) => tp.takeAlongAxis(x, [[0, 0], [2, 1], [1, 1]], 1).square(), () => rnd('take', [3, 4])],
    ['takeAlongAxis broadcast', (x) => tp.takeAlongAxis(x, [[0, 3, 3]], 1).square(), () => rnd('take2', [1, 4])],
    ['takeAlongAxis null axis', (x) => tp.takeAlongAxis(x, [5, 0, 5], null).square(), () => rnd('take3', [2, 3])],
  ];
  test.each(cases)('%s', (_n, f, make) => check(f, [make()]));

  test('concat, stack (with broadcasting-free shapes)', () => {
    check((a, b) => tp.concat([a, b], 1).square(), [rnd('cat1', [2, 3]), rnd('cat2', [2, 2])]);
    check((a, b) => tp.stack([a, b], 1).exp(), [rnd('st1', [2, 3]), rnd('st2', [2, 3])]);
  });
  test('scatterAdd', () => {
    check((x, src) => tp.scatterAdd(x, 1, [[0, 2], [1, 1]], src).square(), [rnd('sc1', [2, 3]), rnd('sc2', [2, 3])]);
  });
  test('cumsum', () => {
    check((x) => tp.cumsum(x, 1).square(), [rnd('cumsum', [2, 4])]);
    check((x) => tp.cumsum(x, -2).square(), [rnd('cumsum2', [3, 2])]);
  });
  test('inverse, det, solve (well-conditioned matrices)', () => {
    const wellCond = (name: string, shape: number[]): T => {
      const n = shape[shape.length - 1];
      return rnd(name, shape, -0.3, 0.3).add(tp.eye(n, undefined, { dtype: 'float64' }).mul(2));
    };
    check((a) => tp.inverse(a), [wellCond('inv', [3, 3])]);
    check((a) => tp.inverse(a), [wellCond('inv2', [2, 3, 3])]);
    check((a) => tp.det(a), [wellCond('det', [2, 3, 3])]);
    check(tp.solve, [wellCond('solve', [3, 3]), rnd('solveb', [3, 2])]);
    check(tp.solve, [wellCond('solve2', [3, 3]), rnd('solveb2', [3])]);
    check(tp.solve, [wellCond('solve3', [2, 3, 3]), rnd('solveb3', [3])]);
    check(tp.solve, [wellCond('solve4', [3, 3]), rnd('solveb4', [2, 3, 1])]);
  });
  test('where', () => {
    const cond = tp.tensor([[true, false, true], [false, false, true]]);
    check((a, b) => tp.where(cond, a, b).square(), [rnd('w1', [2, 3]), rnd('w2', [3])]);
    check((a) => tp.where(cond, a, 0.5).square(), [rnd('w3', [2, 1])]);
  });
});

describe('cumprod gradient', () => {
  test.each([
    ['axis 1', [2, 4], 1],
    ['axis 0', [3, 2], 0],
    ['axis -1 of 3-D', [2, 3, 4], -1],
    ['axis 1 of 3-D', [2, 3, 2], 1],
    ['size-1 axis', [3, 1], 1],
  ] as [string, number[], number][])('%s', (name, shape, axis) => check((x) => tp.cumprod(x, axis), [rnd('cumprod' + name, shape)]));
  test('0-d and a transposed view', () => {
    check((x) => tp.cumprod(x, 0).mul(3), [f64([]).add(1.7)]);
    check((x) => tp.cumprod(x.T, 1), [rnd('cumprodT', [4, 3])]);
  });
  test('exact zeros: one and two per slice, first, last, adjacent, all zeros; along either axis', () => {
    const z = (): T => f64([
      [1.5, 0, -2, 0.5, 1.1], // one zero
      [0, 1.2, 0.8, -1.1, 2], // first
      [0.9, -1.3, 1.4, 0.6, 0], // last
      [2, 0, 3, 0, 1.5], // two
      [0, 0, 1.5, 2, -1], // two adjacent, first
      [1.2, 0.7, 0, 0, 0], // three
      [0, 0, 0, 0, 0],
      [1.3, -0.8, 1.6, 0.9, -1.2], // none
    ]);
    check((x) => tp.cumprod(x, 1), [z()]);
    check((x) => tp.cumprod(x, 0), [z().T.contiguous()]);
    check((x) => tp.cumprod(x.T, 0), [z()]);
  });
  test('values as torch 1.13 (sum(cumprod(x)) backward)', () => {
    const cases: [number[], number[]][] = [
      [[2, 0, 3, 0, 5], [1, 8, 0, 0, 0]],
      [[2, 3, 0, 4], [4, 2, 30, 0]],
      [[0, 0, 1.5, 2], [1, 0, 0, 0]],
      [[1.5, -2, 0.5, 3], [-5, 4.5, -12, -1.5]],
    ];
    for (const [v, want] of cases) {
      const x = f64(v).requiresGrad_();
      tp.cumprod(x, 0).sum().backward();
      expect(x.grad).not.toBeNull();
      expectClose(x.grad!.dataSync(), want, { rtol: 1e-14, atol: 1e-14 });
      // the same through the createGraph (polynomial) path
      const [g] = tp.grads(tp.cumprod(x, 0).sum(), [x], undefined, { createGraph: true });
      expectClose(g.dataSync(), want, { rtol: 1e-14, atol: 1e-14 });
    }
  });
  test('float32 input gets a float32 gradient; no leak', () => {
    const x = tp.tensor([[1, 0, 2], [3, 0.5, 0]]).requiresGrad_();
    tp.cumprod(x, 1).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expectClose(x.grad!.dataSync(), [1, 3, 0, 1.5, 3, 1.5]);
    expectNoLeak(() => tp.tidy(() => tp.grads(tp.cumprod(x, 1).sum(), [x])));
  });
});

describe('stridedSlice gradient', () => {
  const cases: [string, (x: T) => T, number[]][] = [
    ['steps 2 and 3', (x) => x.stridedSlice([1, 0], [4, 6], [2, 3]), [4, 6]],
    ['negative steps', (x) => x.stridedSlice([3, -1], [0, -7], [-1, -2]), [4, 6]],
    ['masks, reversed', (x) => x.stridedSlice([0, 0], [0, 0], [-1, -2], { beginMask: 3, endMask: 3 }), [3, 5]],
    ['ellipsis + begin/end masks', (x) => x.stridedSlice([0, 0], [0, 0], [1, -2], { ellipsisMask: 1, beginMask: 2, endMask: 2 }), [2, 3, 4]],
    ['new axis + shrink', (x) => x.stridedSlice([1, 0, -1, 2], [0, 0, 0, 0], [1, 1, -1, 1], { endMask: 1, newAxisMask: 2, shrinkAxisMask: 8 }), [3, 4, 5]],
    ['shrink + ellipsis + new axis', (x) => x.stridedSlice([0, 0, 0, 1], [0, 0, 0, 3], [1, 1, 1, 1], { shrinkAxisMask: 1, ellipsisMask: 2, newAxisMask: 4 }), [2, 3, 4]],
    ['shrink to 0-d', (x) => x.stridedSlice([1, -1], [0, 0], [1, 1], { shrinkAxisMask: 3 }), [3, 4]],
    ['trailing dims kept, clamped bounds', (x) => x.stridedSlice([-10], [10], [2]), [5, 2]],
    ['of a transposed view', (x) => x.T.stridedSlice([4, 0], [0, 3], [-3, 2]), [3, 5]],
  ];
  test.each(cases)('%s', (name, f, shape) => check((x) => f(x).square(), [rnd('ss' + name, shape)]));
  test('the gradient lands on the selected elements, zero elsewhere; empty slices give zeros', () => {
    const x = tp.arange(10).reshape([2, 5]).cast('float64').requiresGrad_();
    const begin = [0, 4];
    const y = x.stridedSlice(begin, [2, 0], [1, -2]).mul(f64([[1, 2], [3, 4]])).sum();
    begin[1] = 3; // the recorded spec is the caller's at the time of the call
    y.backward();
    expect(x.grad!.toArray()).toEqual([[0, 0, 2, 0, 1], [0, 0, 4, 0, 3]]);
    x.grad = null;
    const e = x.stridedSlice([1, 2], [1, 0], [1, -1]);
    expect(e.shape).toEqual([0, 2]);
    e.sum().add(x.sum()).backward();
    expect(x.grad!.toArray()).toEqual([[1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]);
  });
  test('float32 and no leak', () => {
    const x = tp.ones([3, 4]).requiresGrad_();
    const [g] = tp.grads(x.stridedSlice([0, 1], [3, 4], [2, 2]).sum(), [x]);
    expect(g.dtype).toBe('float32');
    expect(g.toArray()).toEqual([[0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]]);
    expectNoLeak(() => tp.tidy(() => tp.grads(x.stridedSlice([2, 0], [0, 4], [-1, 3]).sum(), [x])));
  });
});

describe('ties in max/min gradients, as torch 1.13', () => {
  const grad1 = (f: (x: T) => T, v: number[] | number[][]): unknown => {
    const x = f64(v).requiresGrad_();
    f(x).sum().backward();
    return x.grad!.toArray();
  };
  const grad2 = (f: (a: T, b: T) => T, av: number[], bv: number[]): [unknown, unknown] => {
    const a = f64(av).requiresGrad_();
    const b = f64(bv).requiresGrad_();
    f(a, b).sum().backward();
    return [a.grad!.toArray(), b.grad!.toArray()];
  };
  test('maximum/minimum split a tie 0.5 / 0.5; NaN gives both the full gradient', () => {
    expect(grad2(tp.maximum, [1, 2, 3], [1, 1, 3])).toEqual([[0.5, 1, 0.5], [0.5, 0, 0.5]]);
    expect(grad2(tp.minimum, [1, 2, 3], [1, 1, 3])).toEqual([[0.5, 0, 0.5], [0.5, 1, 0.5]]);
    expect(grad2(tp.maximum, [1, NaN, 3, NaN], [NaN, 2, 3, NaN])).toEqual([[1, 1, 0.5, 1], [1, 1, 0.5, 1]]);
    // broadcast: the [1] operand sums its halves (ties) and wholes (where it wins)
    expect(grad2(tp.maximum, [2, 2, 1, 3], [2])).toEqual([[0.5, 0.5, 0, 1], [2]]);
    // a number is a constant: the tensor keeps its half only
    expect(grad1((x) => tp.maximum(x, 1), [1, 0, 2])).toEqual([0.5, 0, 1]);
    expect(grad1((x) => x.minimum(0), [0, -1, 2])).toEqual([0.5, 1, 0]);
  });
  test('clip with tensor bounds keeps torch.clamp\'s rule: x gets it at the bounds', () => {
    expect(grad2((x, lo) => tp.clip(x, lo, 2), [0, 1, 2, -1], [0, 0, 0, 0])).toEqual([[1, 1, 1, 0], [0, 0, 0, 1]]);
    const x = f64([0, 1, 2, 3]).requiresGrad_();
    const lo = f64([0, 0, 0, 0]).requiresGrad_();
    const hi = f64([2, 2, 2, 2]).requiresGrad_();
    tp.clip(x, lo, hi).sum().backward();
    expect([x.grad!.toArray(), lo.grad!.toArray(), hi.grad!.toArray()]).toEqual([[1, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 1]]);
    // crossed bounds (min > max) give max, as torch
    expect(grad2((a, b) => tp.clip(a, 1, b), [0.5, 3], [0, 0])).toEqual([[0, 0], [1, 1]]);
    expect(grad2((a, b) => tp.clip(a, b, undefined), [0.5, 3], [1, 1])).toEqual([[0, 1], [1, 0]]);
  });
  test('full max/min split evenly among ties (x.max()); NaN is shared among the NaNs', () => {
    const v = [[1, 3, 3, 2], [5, 5, 5, 0]];
    expect(grad1((x) => tp.max(x), v)).toEqual([[0, 0, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0]]);
    expect(grad1((x) => tp.min(x), [[1, 0, 3], [0, 2, 0]])).toEqual([[0, 1 / 3, 0], [1 / 3, 0, 1 / 3]]);
    expect(grad1((x) => tp.max(x), [1, NaN, NaN, 0])).toEqual([0, 0.5, 0.5, 0]);
  });
  test('max/min along one axis: the first extreme (the argmax index, x.max(dim)) gets it all', () => {
    const v = [[1, 3, 3, 2], [5, 5, 5, 0]];
    expect(grad1((x) => tp.max(x, 1), v)).toEqual([[0, 1, 0, 0], [1, 0, 0, 0]]);
    expect(grad1((x) => x.max(-1, true), v)).toEqual([[0, 1, 0, 0], [1, 0, 0, 0]]);
    expect(grad1((x) => tp.min(x, 1), v)).toEqual([[1, 0, 0, 0], [0, 0, 0, 1]]);
    expect(grad1((x) => tp.max(x, 0), [[2, 1], [2, 1], [0, 1]])).toEqual([[1, 1], [0, 0], [0, 0]]);
    expect(grad1((x) => tp.max(x, 1), [[1, NaN, NaN, 0]])).toEqual([[0, 1, 0, 0]]);
    expect(grad1((x) => tp.max(x, 0), 2.5 as never)).toEqual(1);
  });
  test('a list of axes splits evenly (x.amax(dims))', () => {
    expect(grad1((x) => tp.max(x, [1]), [[1, 3, 3, 2], [5, 5, 5, 0]])).toEqual([[0, 0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3, 0]]);
    expect(grad1((x) => tp.min(x, [0, 1]), [[1, 0], [0, 2]])).toEqual([[0, 0.5], [0.5, 0]]);
  });
});

describe('second order: gradcheck of gradients (createGraph)', () => {
  /** x -> d/dx sum(f(x) * w): its own gradient is checked by finite differences of the first. */
  const weighted = (y: T): T => y.mul(tp.arange(y.size).reshape(y.shape).cast('float64').add(1)).sum();
  const gradOf = (f: (x: T) => T) => (x: T): T => tp.grad((u: T) => weighted(f(u)), { createGraph: true })(x) as T;
  const cases: [string, (x: T) => T, () => T][] = [
    ['tanh', tp.tanh, () => rnd('g2tanh', [3, 2])],
    ['sigmoid', tp.sigmoid, () => rnd('g2sig', [3, 2])],
    ['exp', tp.exp, () => rnd('g2exp', [4])],
    ['log', tp.log, () => rnd('g2log', [4], 0.5, 2)],
    ['sqrt', tp.sqrt, () => rnd('g2sqrt', [4], 0.5, 2)],
    ['pow 3', (x) => tp.pow(x, 3), () => rnd('g2pow', [4])],
    ['x / exp(x)', (x) => x.div(x.exp()), () => rnd('g2div', [4])],
    ['softmax', (x) => tp.softmax(x), () => rnd('g2softmax', [2, 3])],
    ['logSoftmax', (x) => tp.logSoftmax(x, 0), () => rnd('g2lsm', [2, 3])],
    ['x @ x', (x) => tp.matmul(x, x), () => rnd('g2mm', [3, 3])],
    ['broadcast mul + mean', (x) => x.mul(x.mean(0, true)), () => rnd('g2bc', [3, 2])],
    ['max * x', (x) => x.mul(tp.max(x, 1, true)), () => rnd('g2max', [2, 3])],
    ['var', (x) => tp.variance(x, 1), () => rnd('g2var', [2, 3])],
    ['prod', (x) => tp.prod(x, 1), () => rnd('g2prod', [2, 3])],
    ['erf', tp.erf, () => rnd('g2erf', [3, 2])],
    ['relu * x', (x) => tp.relu(x).mul(x), () => away('g2relu', [3, 2])],
    ['gelu', tp.gelu, () => rnd('g2gelu', [3, 2])],
    ['cumprod', (x) => tp.cumprod(x, 1), () => rnd('g2cumprod', [2, 4])],
    ['cumprod, one zero per slice', (x) => tp.cumprod(x, 1), () => f64([[1.5, 0, -2, 0.5], [0, 1.2, 0.8, -1.1]])],
    ['cumprod, two zeros per slice', (x) => tp.cumprod(x, 0), () => f64([[0, 1.3], [2, 0], [0, 1.5], [-0.7, 0]])],
    ['stridedSlice (negative step, shrink)', (x) => x.stridedSlice([3, 1], [0, 0], [-2, 1], { shrinkAxisMask: 2 }).square(), () => rnd('g2ss', [4, 3])],
    ['x + x (one gradient for two inputs)', (x) => tp.add(x, x).mul(x), () => rnd('g2addxx', [3])],
    ['a shared intermediate', (x) => { const e = x.exp(); return e.mul(e).add(e.sin()); }, () => rnd('g2shared', [3])],
  ];
  test.each(cases)('%s', (_n, f, make) => check(gradOf(f), [make()]));
});

describe('the tape', () => {
  test('leaves, gradFn, isLeaf, requiresGrad_', () => {
    const x = tp.tensor([1, 2], { dtype: 'float64' }).requiresGrad_();
    const y = x.mul(2);
    expect(x.isLeaf).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(y.gradFn).toBe('mul');
    expect(y.requiresGrad).toBe(false); // as the flag: only leaves set it
    expectThrowsCode(() => tp.tensor([1, 2], { dtype: 'int32' }).requiresGrad_(), 'ERR_DTYPE', /float/);
    const c = tp.tensor([1, 2]).mul(2);
    expect(c.gradFn).toBeNull(); // no input requires grad: nothing recorded
  });

  test('backward accumulates into .grad; retainGraph; a second backward without it throws', () => {
    const x = tp.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(x).sum(); // dy/dx = 2x
    y.backward(undefined, { retainGraph: true });
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 4, 6]);
    y.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([4, 8, 12]);
    expectThrowsCode(() => y.backward(), 'ERR_ARGUMENT', /already freed.*retainGraph/);
    // backward({ retainGraph }) with no gradOutput also works
    const z = x.sum();
    z.backward({ retainGraph: true });
    z.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([6, 10, 14]);
  });

  test('a tensor used twice gets both contributions (diamond)', () => {
    const x = tp.tensor([0.5, -1], { dtype: 'float64', requiresGrad: true });
    const a = x.exp();
    const y = a.mul(a).add(a).sum(); // e^2x + e^x -> 2e^2x + e^x
    y.backward();
    const xs = [0.5, -1];
    expectClose(x.grad!.dataSync(), xs.map((v) => 2 * Math.exp(2 * v) + Math.exp(v)), { rtol: 1e-12, atol: 0 });
  });

  test('non-scalar output needs gradOutput', () => {
    const x = tp.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = x.mul(3);
    expectThrowsCode(() => y.backward(), 'ERR_SHAPE', /gradOutput/);
    expectThrowsCode(() => y.backward(tp.ones([3], { dtype: 'float64' })), 'ERR_SHAPE', /gradOutput has shape \[3\]/);
    y.backward(tp.tensor([1, 10], { dtype: 'float64' }));
    expect(Array.from(x.grad!.dataSync())).toEqual([3, 30]);
  });

  test('grads of an input the output does not depend on are zeros', () => {
    const x = tp.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const u = tp.tensor([Infinity, 3], { dtype: 'float64', requiresGrad: true });
    const [gx, gu] = tp.grads(x.square().sum(), [x, u]);
    expect(Array.from(gx.dataSync())).toEqual([2, 4]);
    expect(Array.from(gu.dataSync())).toEqual([0, 0]);
  });

  test('backward of something that does not require grad throws', () => {
    expectThrowsCode(() => tp.ones([1]).backward(), 'ERR_ARGUMENT', /does not require grad/);
  });

  test('noGrad records nothing; detach cuts the graph', () => {
    const x = tp.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const y = tp.noGrad(() => x.mul(2));
    expect(y.gradFn).toBeNull();
    expect(tp.isGradEnabled()).toBe(true);
    const d = x.mul(2).detach();
    expect(d.gradFn).toBeNull();
    expect(d.requiresGrad).toBe(false);
    expect(Array.from(d.dataSync())).toEqual([2, 4]);
    const z = x.mul(d).sum(); // d is a constant: dz/dx = d
    z.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 4]);
  });

  test('grads(y, [w, b]) on a tiny relu network matches hand-derived gradients', () => {
    // h = relu(x @ w + b), loss = sum(h * v)
    const x = tp.tensor([[1, -2, 0.5], [0.3, 0.8, -1]], { dtype: 'float64' });
    const w = tp.tensor([[0.2, -0.5], [0.4, 0.1], [-0.3, 0.6]], { dtype: 'float64', requiresGrad: true });
    const b = tp.tensor([0.1, -0.2], { dtype: 'float64', requiresGrad: true });
    const v = tp.tensor([1.5, -2], { dtype: 'float64' });
    const loss = tp.relu(tp.matmul(x, w).add(b)).mul(v).sum();
    const [gw, gb] = tp.grads(loss, [w, b]);
    // by hand: z = x w + b; dz = v * (z > 0); gw = xᵀ dz; gb = sum_rows dz
    const X = x.toArray() as number[][];
    const W = w.toArray() as number[][];
    const B = [0.1, -0.2];
    const V = [1.5, -2];
    const dz = X.map((row) => [0, 1].map((j) => {
      const z = row.reduce((acc, xv, k) => acc + xv * W[k][j], B[j]);
      return z > 0 ? V[j] : 0;
    }));
    const gwExp = [0, 1, 2].flatMap((k) => [0, 1].map((j) => dz[0][j] * X[0][k] + dz[1][j] * X[1][k]));
    const gbExp = [0, 1].map((j) => dz[0][j] + dz[1][j]);
    expect(gw.shape).toEqual([3, 2]);
    expectClose(gw.dataSync(), gwExp, { rtol: 1e-12, atol: 1e-12 });
    expectClose(gb.dataSync(), gbExp, { rtol: 1e-12, atol: 1e-12 });
    expect(w.grad).toBeNull(); // grads() leaves .grad alone
  });

  test('grad and valueAndGrad', () => {
    const x = tp.tensor([1, 2, 3], { dtype: 'float64' });
    const g = tp.grad((t) => t.square().sum())(x) as T;
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6]);
    expect(x.requiresGrad).toBe(false);
    const { value, grads } = tp.valueAndGrad((a, b) => a.mul(b).sum())(x, tp.tensor([4, 5, 6], { dtype: 'float64' }));
    expect(value.item()).toBe(32);
    expect(value.gradFn).toBeNull();
    expect(Array.from(grads[0].dataSync())).toEqual([4, 5, 6]);
    expect(Array.from(grads[1].dataSync())).toEqual([1, 2, 3]);
  });

  test('createGraph: d²/dx² x³ = 6x', () => {
    const x = tp.tensor([0.5, -1, 2], { dtype: 'float64', requiresGrad: true });
    const y = tp.pow(x, 3).sum();
    const [g] = tp.grads(y, [x], undefined, { createGraph: true }); // 3x²
    expectClose(g.dataSync(), [0.75, 3, 12], { rtol: 1e-12, atol: 0 });
    expect(g.gradFn).not.toBeNull();
    g.sum().backward();
    expectClose(x.grad!.dataSync(), [3, -6, 12], { rtol: 1e-12, atol: 0 });
    // the same through grad(grad(f))
    const d2 = tp.grad((t) => (tp.grad((u) => u.mul(u).mul(u).sum(), { createGraph: true })(t) as T).sum());
    expectClose((d2(tp.tensor([1.5], { dtype: 'float64' })) as T).dataSync(), [9], { rtol: 1e-12, atol: 0 });
  });

  test('float32 leaves with a float64 operand get float32 gradients', () => {
    const x = tp.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    tp.mul(x, tp.tensor([3, 4], { dtype: 'float64' })).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.dataSync())).toEqual([3, 4]);
  });

  test('gradcheck reports a wrong gradient', () => {
    const x = rnd('bad', [3]);
    // detach hides the dependence: backward gives 0 where the true derivative is 2x
    const bad = (t: T): T => t.mul(t.detach());
    expectThrowsCode(() => tp.gradcheck(bad, [x]), 'ERR_ARGUMENT', /gradient mismatch for inputs\[0\]/);
    expect(tp.gradcheck(bad, [x], { raiseException: false })).toBe(false);
    expectThrowsCode(() => tp.gradcheck((t) => t, [tp.ones([2])]), 'ERR_DTYPE', /float64/);
  });

  test('no leaks: backward frees every intermediate; the graph is released', () => {
    const w = rnd('leakw', [4, 3]).requiresGrad_();
    const b = rnd('leakb', [3]).requiresGrad_();
    const x = rnd('leakx', [5, 4]);
    // the forward intermediates belong to the caller (tidy frees them); the pass frees its own
    expectNoLeak(() => {
      const loss = tp.tidy(() => {
        const l = tp.logSoftmax(tp.relu(tp.matmul(x, w).add(b))).mean();
        l.backward();
        return l;
      });
      const out = [loss, w.grad, b.grad];
      w.grad = null;
      b.grad = null;
      return out;
    });
    expectNoLeak(() => {
      const loss = tp.tidy(() => {
        const h = tp.tanh(tp.matmul(x, w.T.T).add(b.reshape([1, 3])));
        const l = tp.softmax(h, 0).mul(h).sum().div(3).add(tp.max(h, 1).mean());
        l.backward();
        return l;
      });
      const out = [loss, w.grad, b.grad];
      w.grad = null;
      b.grad = null;
      return out;
    });
    // accumulation replaces .grad and frees the old one
    expectNoLeak(() => {
      tp.tidy(() => w.square().sum().backward());
      tp.tidy(() => w.square().sum().backward());
      const g = w.grad;
      w.grad = null;
      return g;
    });
    expectNoLeak(() => tp.tidy(() => tp.grads(w.mul(b.reshape([1, 3])).sum(), [w, b])));
    // a released graph holds no tensors: only the loss itself stays
    expectNoLeak(() => {
      const loss = tp.tidy(() => {
        const l = w.exp().sum();
        l.backward();
        return l;
      });
      expect(loss.gradFn).toBe('sum');
      expect(((loss._node as { inputs: unknown[] }).inputs).length).toBe(0);
      const g = w.grad;
      w.grad = null;
      return [loss, g];
    });
    tp.dispose([w, b, x]);
  });

  test('a small MLP trains with SGD; memory stays flat across steps', () => {
    tp.seed(7);
    const x = tp.randn([32, 4], { dtype: 'float64' });
    const labels = tp.argmax(x.slice([0, 0], [32, 3]), 1); // a learnable target
    const onehot = tp.oneHot(labels, 3, { dtype: 'float64' });
    let params = [
      tp.randn([4, 16], { dtype: 'float64' }).mul(0.5),
      tp.zeros([16], { dtype: 'float64' }),
      tp.randn([16, 3], { dtype: 'float64' }).mul(0.5),
      tp.zeros([3], { dtype: 'float64' }),
    ].map((p) => p.requiresGrad_());
    const step = (): number =>
      tp.tidy(() => {
        const [w1, b1, w2, b2] = params;
        const logits = tp.relu(x.matmul(w1).add(b1)).matmul(w2).add(b2);
        const loss = tp.logSoftmax(logits).mul(onehot).sum(1).mean().neg();
        loss.backward();
        // plain SGD: new leaves with the updated values; the old ones (and their .grad) are freed
        params = params.map((p) => {
          const upd = tp.keep(tp.noGrad(() => p.sub(p.grad!.mul(0.5))).requiresGrad_());
          p.grad!.dispose();
          p.dispose();
          return upd;
        });
        return loss.item();
      });
    const first = step();
    for (let i = 0; i < 3; i++) step();
    const before = tp.memory().numTensors;
    for (let i = 0; i < 30; i++) step();
    expect(tp.memory().numTensors).toBe(before);
    const last = step();
    expect(last).toBeLessThan(first * 0.6);
    tp.dispose([...params, x, labels, onehot]);
  });

  test('backward inside tidy keeps the leaf gradients', () => {
    const w = rnd('tidyw', [3]).requiresGrad_();
    tp.tidy(() => {
      w.exp().sum().backward();
    });
    expect(w.grad!.isDisposed).toBe(false);
    expectClose(w.grad!.dataSync(), Array.from(w.exp().dataSync()), { rtol: 1e-12, atol: 0 });
  });
});

test('a leaf gradient made contiguous inside tidy() outlives the tidy', () => {
  const w = tp.ones([3, 2]).requiresGrad_();
  tp.tidy(() => tp.sum(tp.matmul(tp.ones([4, 2]), w.T)).backward());
  expect(w.grad!.isDisposed).toBe(false);
  expect(Array.from(w.grad!.dataSync())).toEqual([4, 4, 4, 4, 4, 4]);
  w.grad!.dispose();
  w.dispose();
});
