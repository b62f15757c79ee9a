// clone, isclose / allclose and norm: against torch 1.13 (test/fixtures/torch_ops2.json from
// gen_ops2.py: isclose incl. inf/NaN/broadcasting; norm values and gradients incl. the
// subgradients at 0 and ties), float64 gradchecks (second order too), views, errors, leaks.
import { tp, rng, seedOf, randArray, expectClose, expectNoLeak, expectThrowsCode, defaultTol } from './helpers';
import { FIX, TRec, build, expectRec, values, ordOf } from './ops2-fixtures';

type T = tp.Tensor;

describe('clone', () => {
  test('a contiguous copy of any layout, own buffer, same dtype', () => {
    const base = tp.arange(12, { dtype: 'float64' }).reshape([3, 4]);
    for (const [x, what] of [
      [base, 'contiguous'],
      [base.T, 'transposed'],
      [base.stridedSlice([2, 3], [-4, -5], [-1, -2]), 'flipped, stepped'],
      [base.slice([1, 0], [1, 4]).broadcastTo([2, 4]), 'broadcast'],
    ] as [T, string][]) {
      const c = tp.clone(x);
      expect(c.shape).toEqual(x.shape);
      expect(c.dtype).toBe(x.dtype);
      expect(c.isContiguous()).toBe(true);
      expect(Array.from(c.dataSync())).toEqual(Array.from(x.dataSync()));
      c.fill_(-1); // its own storage: the source is untouched
      expect(Array.from(x.dataSync())).not.toContain(-1);
      expect(x.clone().toArray()).toEqual(x.toArray());
      tp.dispose(c);
      void what;
    }
    for (const dtype of ['int32', 'bool', 'float32'] as const) {
      const x = tp.tensor([1, 0, 1], { dtype });
      const c = x.clone();
      expect(c.dtype).toBe(dtype);
      expect(c.toArray()).toEqual(x.toArray());
      tp.dispose([x, c]);
    }
    const e = tp.clone(tp.zeros([2, 0, 3]));
    expect(e.shape).toEqual([2, 0, 3]);
    const z = tp.clone(tp.tensor(2.5));
    expect(z.shape).toEqual([]);
    expect(z.item()).toBe(2.5);
    tp.dispose([base, e, z]);
  });

  test('differentiable: the gradient passes through (also of a view), second order too', () => {
    const x = tp.tensor([[1, 2], [3, 4]], { dtype: 'float64' }).requiresGrad_();
    const y = tp.clone(x.T).mul(tp.tensor([[1, 2], [3, 4]], { dtype: 'float64' }));
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([[1, 3], [2, 4]]);
    expect(tp.clone(x).gradFn).toBe('clone');
    expect(tp.gradcheck((u: T) => tp.clone(u.T).square(), [tp.tensor([[0.5, -1], [2, 0.3]], { dtype: 'float64' })])).toBe(true);
    const gradOf = (u: T): T => tp.grad((v: T) => tp.clone(v).pow(3).sum(), { createGraph: true })(u) as T;
    expect(tp.gradcheck(gradOf, [tp.tensor([0.5, -1.2], { dtype: 'float64' })])).toBe(true);
    tp.dispose([x, y]);
  });

  test('errors and leaks', () => {
    expectThrowsCode(() => tp.clone([1, 2] as never), 'ERR_ARGUMENT', /clone: x must be a Tensor/);
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => tp.clone(d), 'ERR_DISPOSED', /clone/);
    const x = tp.ones([3, 2]);
    expectNoLeak(() => tp.clone(x.T));
    x.dispose();
  });
});

interface CloseCase {
  a: TRec;
  b: TRec;
  rtol: number;
  atol: number;
  equalNan: boolean;
  expected: TRec;
  all: boolean;
}

describe('isclose / allclose vs torch 1.13', () => {
  const cases = FIX.isclose as CloseCase[];
  test.each(cases.map((c, i) => [i, c] as [number, CloseCase]))('case %i', (_i, c) => {
    const a = build(c.a);
    const b = build(c.b);
    const opts = { rtol: c.rtol, atol: c.atol, equalNan: c.equalNan };
    const r = tp.isclose(a, b, opts);
    expect(r.dtype).toBe('bool');
    expect(r.shape).toEqual(c.expected.shape);
    expect(Array.from(r.dataSync()).map(Boolean)).toEqual(c.expected.data);
    expect(Array.from(a.isclose(b, opts).dataSync()).map(Boolean)).toEqual(c.expected.data);
    expect(tp.allclose(a, b, opts)).toBe(c.all);
    expect(a.allclose(b, opts)).toBe(c.all);
    tp.dispose([a, b, r]);
  });

  test('defaults (rtol 1e-5, atol 1e-8), asymmetry, numbers, mixed dtypes, views, empty', () => {
    const a = tp.tensor([1, 1 + 1e-6, 1 + 2e-5, 0, 1e-7], { dtype: 'float64' });
    const b = tp.tensor([1, 1, 1, 1e-9, 0], { dtype: 'float64' });
    expect(tp.isclose(a, b).toArray()).toEqual([true, true, false, true, false]); // 1e-9 <= 1e-8 + 1e-5 * 1e-9; 1e-7 > 1e-8
    expect(tp.isclose(b, a).toArray()).toEqual([true, true, false, true, false]);
    // rtol scales |b|: 100 vs 110 is within 9.1% of 110 but not of 100
    expect(tp.isclose(tp.tensor([100]), tp.tensor([110]), { rtol: 0.091, atol: 0 }).toArray()).toEqual([true]);
    expect(tp.isclose(tp.tensor([110]), tp.tensor([100]), { rtol: 0.091, atol: 0 }).toArray()).toEqual([false]);
    expect(tp.isclose(a, 1).toArray()).toEqual([true, true, false, false, false]);
    expect(tp.isclose(1, a).toArray()).toEqual([true, true, false, false, false]);
    expect(tp.isclose(tp.tensor([NaN, 1]), NaN, { equalNan: true }).toArray()).toEqual([true, false]);
    expect(tp.isclose(tp.tensor([Infinity, 1]), Infinity).toArray()).toEqual([true, false]);
    // float32 vs float64 promote (torch refuses the mix); int32 vs float32 too
    // (float32(0.1) - 0.1 = 1.49e-9, measured in float64)
    expect(tp.isclose(tp.tensor([0.1], { dtype: 'float32' }), tp.tensor([0.1], { dtype: 'float64' }), { rtol: 0, atol: 1e-9 }).toArray()).toEqual([false]);
    expect(tp.isclose(tp.tensor([0.1], { dtype: 'float32' }), tp.tensor([0.1], { dtype: 'float64' }), { rtol: 0, atol: 2e-9 }).toArray()).toEqual([true]);
    expect(tp.isclose(tp.tensor([3, 4], { dtype: 'int32' }), tp.tensor([3, 4.5])).toArray()).toEqual([true, false]);
    expect(tp.isclose(tp.tensor([true, false]), tp.tensor([true, true])).toArray()).toEqual([true, false]);
    // views: transposed against contiguous
    const m = tp.tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    expect(tp.isclose(m.T, tp.tensor([[1, 3], [2, 4.1]], { dtype: 'float64' })).toArray()).toEqual([[true, true], [true, false]]);
    expect(tp.allclose(tp.zeros([0, 3]), tp.ones([3]))).toBe(true);
    expect(tp.isclose(tp.zeros([0, 3]), tp.ones([3])).shape).toEqual([0, 3]);
    expect(tp.allclose(tp.tensor(2.0), tp.tensor([2, 2.00001]), { rtol: 1e-5 })).toBe(true);
    tp.dispose([a, b, m]);
  });

  test('bad input: clear errors', () => {
    const a = tp.ones([2, 3]);
    expectThrowsCode(() => tp.isclose(a, tp.ones([4])), 'ERR_SHAPE', /isclose: shapes \[2,3\] and \[4\]/);
    expectThrowsCode(() => tp.allclose(a, tp.ones([4])), 'ERR_SHAPE', /allclose/);
    expectThrowsCode(() => tp.isclose(a, 'x' as never), 'ERR_ARGUMENT', /isclose: b must be a Tensor or a number/);
    expectThrowsCode(() => tp.isclose(1 as never, 2 as never), 'ERR_ARGUMENT', /at least one/);
    expectThrowsCode(() => tp.isclose(a, a, { rtol: -1 }), 'ERR_ARGUMENT', /rtol must be a number >= 0, got -1/);
    expectThrowsCode(() => tp.isclose(a, a, { atol: NaN }), 'ERR_ARGUMENT', /atol/);
    expectThrowsCode(() => tp.isclose(a, a, { equalNan: 1 as never }), 'ERR_ARGUMENT', /equalNan must be a boolean/);
    expectThrowsCode(() => tp.isclose(a, a, { equal_nan: true } as never), 'ERR_ARGUMENT', /unknown option 'equal_nan'/);
    expectThrowsCode(() => tp.isclose(a, a, 5 as never), 'ERR_ARGUMENT', /options must be an object/);
    a.dispose();
  });

  test('no gradient nodes, no leaks', () => {
    const x = tp.tensor([1, 2, 3], { dtype: 'float64' }).requiresGrad_();
    const y = x.mul(1.000001);
    expect(tp.isclose(x, y).gradFn).toBeNull();
    expectNoLeak(() => tp.isclose(x, y, { equalNan: true }));
    expectNoLeak(() => tp.allclose(x, y));
    expectNoLeak(() => tp.isclose(x.T, 2));
    tp.dispose([x, y]);
  });
});

interface NormCase {
  x: TRec;
  ord: unknown;
  axis: number | number[] | null;
  keepDims: boolean;
  y: TRec;
  gy: TRec;
  grad: TRec;
  tag: string;
}

describe('norm vs torch 1.13: values and gradients', () => {
  const cases = FIX.norm as NormCase[];
  const label = (c: NormCase): string => `ord ${JSON.stringify(c.ord)} axis ${JSON.stringify(c.axis)} keep ${c.keepDims} ${c.x.dtype} ${JSON.stringify(c.x.shape)} ${c.tag}`;
  test.each(cases.map((c) => [label(c), c] as [string, NormCase]))('%s', (_n, c) => {
    const ord = ordOf(c.ord) as tp.NormOrd | undefined;
    const axis = c.axis === null ? undefined : c.axis;
    const x = build(c.x).requiresGrad_();
    const y = tp.norm(x, ord, axis, c.keepDims);
    const tol = defaultTol(c.x.dtype);
    expectRec(y, c.y, 'value', tol);
    expectRec(x.norm(ord, axis, c.keepDims), c.y, 'method', tol);
    y.backward(build(c.gy));
    expectRec(x.grad as T, c.grad, 'gradient', tol);
    tp.dispose([x, y]);
  });
});

describe('norm: semantics, errors, gradcheck', () => {
  const r = rng(seedOf('norm'));
  const x64 = (shape: number[]): T => tp.tensor(randArray(shape.reduce((a, b) => a * b, 1), r, -2, 2), { shape, dtype: 'float64' });

  test('defaults: 2-norm of all elements; axis undefined flattens (tf.norm, torch.norm); views', () => {
    const x = tp.tensor([[3, 0], [0, -4]], { dtype: 'float64' });
    expect(tp.norm(x).item()).toBe(5);
    expect(tp.norm(x, 1).item()).toBe(7); // a vector norm of all elements, not the matrix 1-norm
    expect(tp.norm(x, 1, [0, 1]).item()).toBe(4);
    expect(tp.norm(x, Infinity, [0, 1]).item()).toBe(4);
    expect(tp.norm(x, 'euclidean', 0).toArray()).toEqual([3, 4]);
    expect(tp.norm(x, 0).item()).toBe(2);
    expect(tp.norm(x.T, 2, 0).toArray()).toEqual([3, 4]);
    expect(tp.norm(x, 2, [0], true).shape).toEqual([1, 2]);
    expect(tp.norm(tp.zeros([0, 3]), 2, 0).toArray()).toEqual([0, 0, 0]);
    expect(tp.norm(tp.zeros([0])).item()).toBe(0);
    expect(tp.norm(tp.tensor(-3, { dtype: 'float64' }), 2, 0).item()).toBe(3);
    expect(tp.norm(tp.tensor([3, 4], { dtype: 'float32' }), 2).dtype).toBe('float32');
    x.dispose();
  });

  test('bad input: clear errors', () => {
    const x = tp.ones([2, 3]);
    expectThrowsCode(() => tp.norm(tp.ones([2], { dtype: 'int32' })), 'ERR_DTYPE', /norm: x must be float32 or float64, got int32/);
    expectThrowsCode(() => tp.norm('x' as never), 'ERR_ARGUMENT', /norm: x must be a Tensor/);
    expectThrowsCode(() => tp.norm(x, 'max' as never), 'ERR_ARGUMENT', /ord must be a number, 'fro'/);
    expectThrowsCode(() => tp.norm(x, NaN), 'ERR_ARGUMENT', /ord/);
    expectThrowsCode(() => tp.norm(x, 2, [0, 1]), 'ERR_ARGUMENT', /singular values/);
    expectThrowsCode(() => tp.norm(x, 'nuc', [0, 1]), 'ERR_ARGUMENT', /singular values/);
    expectThrowsCode(() => tp.norm(x, 'nuc'), 'ERR_ARGUMENT', /'nuc' is a matrix norm: give two axes/);
    expectThrowsCode(() => tp.norm(x, 3, [0, 1]), 'ERR_ARGUMENT', /matrix norm \(two axes\) takes ord/);
    expectThrowsCode(() => tp.norm(x, 2, 2), 'ERR_AXIS', /norm: axis 2 is out of range/);
    expectThrowsCode(() => tp.norm(x, 2, [0, 0]), 'ERR_AXIS', /must differ/);
    expectThrowsCode(() => tp.norm(x, 2, [0, 1, 1]), 'ERR_AXIS', /one axis or a pair/);
    expectThrowsCode(() => tp.norm(x, 2, 0, 'yes' as never), 'ERR_ARGUMENT', /keepDims must be a boolean/);
    expectThrowsCode(() => tp.norm(tp.zeros([0, 3]), Infinity, 0), 'ERR_SHAPE', /norm: the Infinity-norm of an empty dimension/);
    expectThrowsCode(() => tp.norm(tp.zeros([2, 0]), 1, [0, 1]), 'ERR_SHAPE', /norm: .* no columns/);
    x.dispose();
  });

  const cases: [string, (x: T) => T, number[]][] = [
    ['2 all', (x) => tp.norm(x), [3, 4]],
    ['2 axis', (x) => tp.norm(x, 2, 1), [3, 4]],
    ['1 axis keep', (x) => tp.norm(x, 1, 0, true), [3, 4]],
    ['inf', (x) => tp.norm(x, Infinity, -1), [3, 4]],
    ['-inf', (x) => tp.norm(x, -Infinity, 0), [3, 4]],
    ['p = 3', (x) => tp.norm(x, 3, 1), [3, 4]],
    ['p = 0.5', (x) => tp.norm(x, 0.5), [3, 4]],
    ['p = -1.5', (x) => tp.norm(x, -1.5, 1), [3, 4]],
    ['fro', (x) => tp.norm(x, 'fro', [1, 2]), [2, 3, 4]],
    ['matrix 1', (x) => tp.norm(x, 1, [1, 2]), [2, 3, 4]],
    ['matrix -inf, keep', (x) => tp.norm(x, -Infinity, [2, 0], true), [2, 3, 4]],
    ['transposed view', (x) => tp.norm(x.T, 2, 0), [3, 4]],
  ];
  const weighted = (y: T): T => y.mul(tp.arange(y.size).reshape(y.shape).cast('float64').add(1)).sum();
  const gradOf = (f: (x: T) => T) => (x: T): T => tp.grad((u: T) => weighted(f(u)), { createGraph: true })(x) as T;
  test.each(cases)('gradcheck %s (first and second order)', (_n, f, shape) => {
    const x = x64(shape);
    expect(tp.gradcheck(f, [x])).toBe(true);
    expect(tp.gradcheck(gradOf(f), [x])).toBe(true);
    x.dispose();
  });

  test('the 2-norm gradient is 0 at 0, also under createGraph', () => {
    const z = tp.zeros([3], { dtype: 'float64' }).requiresGrad_();
    const [g] = tp.grads(tp.norm(z), [z], undefined, { createGraph: true });
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0]);
    const [g2] = tp.grads(g.sum(), [z]);
    expect(Array.from(g2.dataSync()).every((v) => Number.isFinite(v))).toBe(true);
    z.dispose();
  });

  test('no leaks (inference and training)', () => {
    const x = x64([3, 4]);
    for (const [ord, axis] of [[2, undefined], [1, 1], [Infinity, 0], [3, 1], [1, [0, 1]], ['fro', [0, 1]], [0, undefined]] as [tp.NormOrd, number | number[] | undefined][]) {
      expectNoLeak(() => tp.norm(x, ord, axis));
      const w = x64([3, 4]).requiresGrad_();
      expectNoLeak(() => {
        const y = tp.norm(w, ord, axis);
        const s = y.sum();
        s.backward();
        const g = w.grad;
        w.grad = null;
        return [y, s, g];
      });
      w.dispose();
    }
    x.dispose();
  });
});

test('fixture sanity', () => {
  expect((FIX.isclose as CloseCase[]).length).toBeGreaterThan(20);
  expect((FIX.norm as NormCase[]).length).toBeGreaterThan(100);
  expect(values((FIX.norm as NormCase[])[0].x).length).toBe(12);
  void expectClose;
});
