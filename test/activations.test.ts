// relu6, hardSigmoid, hardSwish, silu / swish, mish, logSigmoid, softsign: forward values and
// gradients against torch 1.13 (test/fixtures/torch_ops2.json from gen_ops2.py) on random inputs
// and on the kinks (0, 6, ±3), ±inf, NaN and large |x|; float64 gradchecks, first and second
// order; views, empty and 0-d tensors, int input, one tape node per op, errors and leaks.
import { tp, rng, seedOf, randArray, expectClose, expectNoLeak, expectThrowsCode, defaultTol } from './helpers';
import { FIX, TRec, build, expectRec, values } from './ops2-fixtures';

type T = tp.Tensor;
type Act = (x: T) => T;
const OPS: Record<string, Act> = {
  relu6: tp.relu6,
  hardSigmoid: tp.hardSigmoid,
  hardSwish: tp.hardSwish,
  silu: tp.silu,
  swish: tp.swish,
  mish: tp.mish,
  logSigmoid: tp.logSigmoid,
  softsign: tp.softsign,
};
const NAMES = Object.keys(OPS);
interface ActCase {
  op: string;
  kind: string;
  x: TRec;
  y: TRec;
  gy?: TRec;
  grad?: TRec;
}
const CASES = FIX.activations as ActCase[];
/** The torch case for op (swish is checked against silu's). */
const casesOf = (op: string): ActCase[] => CASES.filter((c) => c.op === (op === 'swish' ? 'silu' : op) && c.kind !== 'int32');

describe('activations vs torch 1.13: values and gradients', () => {
  for (const name of NAMES) {
    for (const c of casesOf(name)) {
      test(`${name} ${c.kind} ${c.x.dtype}`, () => {
        for (const form of ['function', 'method'] as const) {
          const x = build(c.x).requiresGrad_();
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          const y = form === 'function' ? OPS[name](x) : (x as any)[name]() as T;
          expectRec(y, c.y, `${name} ${form} value`);
          // one node per op, on x itself
          expect(y.gradFn).toBe(name);
          y.backward(build(c.gy as TRec));
          expectRec(x.grad as T, c.grad as TRec, `${name} ${form} gradient`);
          tp.dispose([x, y]);
        }
      });
    }
  }

  test('relu6 keeps int32 as torch; the others compute int32 and bool in float32', () => {
    const c = CASES.find((k) => k.kind === 'int32') as ActCase;
    const xi = build(c.x);
    expectRec(tp.relu6(xi), c.y, 'relu6 int32');
    for (const name of NAMES.filter((n) => n !== 'relu6')) {
      const y = OPS[name](xi);
      expect(y.dtype).toBe('float32');
      expectClose(y.dataSync(), OPS[name](xi.cast('float32')).dataSync(), { rtol: 0, atol: 0 }, name);
      const b = OPS[name](tp.tensor([true, false]));
      expect(b.dtype).toBe('float32');
      expectClose(b.dataSync(), OPS[name](tp.tensor([1, 0], { dtype: 'float32' })).dataSync(), { rtol: 0, atol: 0 }, name);
    }
    expectThrowsCode(() => tp.relu6(tp.tensor([true, false])), 'ERR_DTYPE', /relu6: bool/);
  });

  test('exact gradients at the kinks (torch hardtanh/hardsigmoid/hardswish backward)', () => {
    const x = tp.tensor([-3, 0, 3, 6, NaN], { dtype: 'float64' }).requiresGrad_();
    const grad = (f: Act): number[] => {
      const [g] = tp.grads(f(x).sum(), [x]);
      return Array.from(g.dataSync());
    };
    expect(grad(tp.relu6)).toEqual([0, 0, 1, 0, 1]);
    expect(grad(tp.hardSigmoid)).toEqual([0, 1 / 6, 0, 0, 0]);
    expect(grad(tp.hardSwish)).toEqual([-0.5, 0.5, 1.5, 1, 1]);
    expect(grad(tp.logSigmoid).slice(1, 2)).toEqual([0.5]);
    expect(grad(tp.softsign).slice(1, 2)).toEqual([1]);
  });
});

describe('activations: layouts, shapes, errors, memory', () => {
  const r = rng(seedOf('activations layouts'));
  const data = randArray(48, r, -8, 8);

  test.each(NAMES)('%s on transposed, sliced, broadcast, empty and 0-d inputs', (name) => {
    const f = OPS[name];
    const base = tp.tensor(data, { shape: [6, 8], dtype: 'float64' });
    const ref = f(base).dataSync();
    // transposed view: element (j, i) of the result is element (i, j) of f(base)
    const t = f(base.T);
    expect(t.shape).toEqual([8, 6]);
    const tv = t.dataSync();
    for (let i = 0; i < 6; i++) for (let j = 0; j < 8; j++) expect(tv[j * 6 + i]).toBe(ref[i * 8 + j]);
    // every other column
    const s = f(base.stridedSlice([0, 0], [6, 8], [1, 2]));
    const sv = s.dataSync();
    for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) expect(sv[i * 4 + j]).toBe(ref[i * 8 + 2 * j]);
    // a broadcast (stride 0) row
    const b = f(base.slice([2, 0], [1, 8]).broadcastTo([3, 8]));
    const bv = b.dataSync();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 8; j++) expect(bv[i * 8 + j]).toBe(ref[2 * 8 + j]);
    const e = f(tp.zeros([0, 3]));
    expect(e.shape).toEqual([0, 3]);
    expect(e.dtype).toBe('float32');
    const z = f(tp.tensor(1.5, { dtype: 'float64' }));
    expect(z.shape).toEqual([]);
    expect(z.item()).toBe(f(tp.tensor([1.5], { dtype: 'float64' })).item());
    // float32 stays float32
    expect(f(tp.tensor([1, 2], { dtype: 'float32' })).dtype).toBe('float32');
    tp.dispose([base, t, s, b, e, z]);
  });

  test.each(NAMES)('%s: bad input is a clear error', (name) => {
    const f = OPS[name];
    expectThrowsCode(() => f('x' as never), 'ERR_ARGUMENT', new RegExp(`${name}: x must be a Tensor`));
    expectThrowsCode(() => f(null as never), 'ERR_ARGUMENT', new RegExp(name));
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => f(d), 'ERR_DISPOSED', new RegExp(name));
  });

  test.each(NAMES)('%s frees its intermediates (inference, training, backward)', (name) => {
    const f = OPS[name];
    const x = tp.tensor(data.slice(0, 12), { shape: [3, 4] });
    expectNoLeak(() => f(x));
    expectNoLeak(() => x[name as 'mish']());
    const w = tp.tensor(data.slice(0, 12), { shape: [3, 4] }).requiresGrad_();
    expectNoLeak(() => {
      const y = f(w);
      const s = y.sum();
      s.backward();
      const g = w.grad;
      w.grad = null;
      return [y, s, g];
    });
    tp.dispose([x, w]);
  });

  test('the forward runs with recording off: no nodes for intermediates, a leaf input untouched', () => {
    const x = tp.tensor([0.5, -1], { dtype: 'float64' }).requiresGrad_();
    const y = tp.mish(x);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const node = (y as any)._node as { inputs: T[]; name: string };
    expect(node.name).toBe('mish');
    expect(node.inputs).toEqual([x]);
    expect(tp.noGrad(() => tp.mish(x)).gradFn).toBeNull();
    expect(tp.mish(tp.tensor([1])).gradFn).toBeNull();
    tp.dispose([x, y]);
  });
});

describe('activations: float64 gradcheck, first and second order', () => {
  /** values in [-5, 5) kept 0.05 away from the kinks 0, ±3 and 6 */
  const smooth = (name: string, n: number): T => {
    const r = rng(seedOf(`gc ${name}`));
    const v: number[] = [];
    while (v.length < n) {
      const x = -5 + 10 * r();
      if ([0, 3, -3, 6].every((k) => Math.abs(x - k) > 0.05)) v.push(x);
    }
    return tp.tensor(v, { shape: [2, n / 2], dtype: 'float64' });
  };
  const weighted = (y: T): T => y.mul(tp.arange(y.size).reshape(y.shape).cast('float64').add(1)).sum();
  const gradOf = (f: Act) => (x: T): T => tp.grad((u: T) => weighted(f(u)), { createGraph: true })(x) as T;

  test.each(NAMES)('%s', (name) => {
    const x = smooth(name, 10);
    expect(tp.gradcheck(OPS[name], [x])).toBe(true);
    expect(tp.gradcheck(gradOf(OPS[name]), [x])).toBe(true);
    // through a transposed view too
    expect(tp.gradcheck((u: T) => OPS[name](u.T), [x])).toBe(true);
    x.dispose();
  });

  test('second derivatives in closed form: hardSwish 1/3 inside (-3, 3), logSigmoid -s(1-s)', () => {
    const x = tp.tensor([-2, 0.5, 2.5, 4], { dtype: 'float64' });
    const d2 = (f: Act): number[] => Array.from((tp.grad((u: T) => (tp.grad((v: T) => f(v).sum(), { createGraph: true })(u) as T).sum())(x) as T).dataSync());
    expectClose(d2(tp.hardSwish), [1 / 3, 1 / 3, 1 / 3, 0], defaultTol('float64'));
    const s = [-2, 0.5, 2.5, 4].map((v) => 1 / (1 + Math.exp(-v)));
    expectClose(d2(tp.logSigmoid), s.map((q) => -q * (1 - q)), defaultTol('float64'));
    expectClose(d2(tp.relu6), [0, 0, 0, 0], defaultTol('float64'));
    x.dispose();
  });
});

test('fixture sanity: every activation has random and kink cases in both float dtypes', () => {
  for (const name of NAMES) {
    const cs = casesOf(name);
    expect(cs.map((c) => `${c.kind} ${c.x.dtype}`).sort()).toEqual(['kinks float32', 'kinks float64', 'random float32', 'random float64']);
    for (const c of cs) expect(values(c.x).length).toBeGreaterThan(20);
  }
});
