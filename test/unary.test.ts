// Unary ops (math, activations, rounding, clip, isnan/isfinite) against plain-JS references
// on fresh seeded random inputs: float32/float64, int32 and bool inputs (promotion as PyTorch),
// strided views, empty and 0-d tensors, NaN/Inf, errors and leaks.
import { tp, rng, seedOf, randArray, randInts, f32, prod, stridesOf, expectClose, expectTensor, expectNoLeak, expectThrowsCode } from './helpers';
import { DT, TA, INT_MIN, INT_MAX, gen, mk, store, walk, ViewSpec, viewOf } from './elementwise-helpers';


// ---- helpers (shared in spirit with the other elementwise test files) -------------------

/** A strided view (x._view over padded storage holding junk) whose logical content is values. */
/** A stride-0 view of `row` repeated over the leading dims of shape; returns it and its values. */
function bcastRow(row: number[], shape: number[], dtype: DT): [tp.Tensor, number[]] {
  const b = mk(row, [row.length], dtype);
  const v = b._view(shape.slice(), shape.map((_, d) => (d === shape.length - 1 ? 1 : 0)), 0);
  b.dispose();
  const vals: number[] = [];
  for (let i = 0; i < prod(shape); i++) vals.push(row[i % row.length]);
  return [v, vals];
}

// ---- references -------------------------------------------------------------------------

/** erf to ~1e-15: Maclaurin series below 2.5, continued fraction for erfc above. */
function erfcPos(x: number): number {
  // x >= 2.5: erfc(x) = e^-x^2 / sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
  let t = x;
  for (let k = 60; k >= 1; k--) t = x + k / 2 / t;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / t;
}
function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) >= 2.5) return Math.sign(x) * (1 - erfcPos(Math.abs(x)));
  let sum = 0;
  let term = x; // (-1)^n x^(2n+1) / n!
  for (let n = 0; n < 100; n++) {
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= 2.5) return erfcPos(x);
  if (x <= -2.5) return 2 - erfcPos(-x);
  return 1 - erf(x);
}
function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

type Kind = 'float' | 'int' | 'pred';
interface UCase {
  name: string;
  ref: (x: number, isInt: boolean) => number; // isInt: computing on int32 values (wrapping)
  lo: number;
  hi: number;
  kind: Kind;
  args?: unknown[];
}
const U: UCase[] = [
  { name: 'neg', kind: 'int', lo: -5, hi: 5, ref: (x, i) => (i ? -x | 0 : -x) },
  { name: 'abs', kind: 'int', lo: -5, hi: 5, ref: (x, i) => (i ? Math.abs(x) | 0 : Math.abs(x)) },
  { name: 'sign', kind: 'int', lo: -3, hi: 3, ref: (x) => (Number.isNaN(x) ? NaN : Math.sign(x)) },
  { name: 'exp', kind: 'float', lo: -10, hi: 10, ref: Math.exp },
  { name: 'expm1', kind: 'float', lo: -3, hi: 3, ref: Math.expm1 },
  { name: 'log', kind: 'float', lo: 0.01, hi: 10, ref: Math.log },
  { name: 'log1p', kind: 'float', lo: -0.99, hi: 10, ref: Math.log1p },
  { name: 'sqrt', kind: 'float', lo: 0, hi: 10, ref: Math.sqrt },
  { name: 'rsqrt', kind: 'float', lo: 0.01, hi: 10, ref: (x) => 1 / Math.sqrt(x) },
  { name: 'square', kind: 'int', lo: -10, hi: 10, ref: (x, i) => (i ? Math.imul(x, x) : x * x) },
  { name: 'reciprocal', kind: 'float', lo: -10, hi: 10, ref: (x) => 1 / x },
  { name: 'sin', kind: 'float', lo: -10, hi: 10, ref: Math.sin },
  { name: 'cos', kind: 'float', lo: -10, hi: 10, ref: Math.cos },
  { name: 'tan', kind: 'float', lo: -1.5, hi: 1.5, ref: Math.tan },
  { name: 'tanh', kind: 'float', lo: -10, hi: 10, ref: Math.tanh },
  { name: 'erf', kind: 'float', lo: -4, hi: 4, ref: erf },
  { name: 'sigmoid', kind: 'float', lo: -20, hi: 20, ref: (x) => 1 / (1 + Math.exp(-x)) },
  { name: 'relu', kind: 'int', lo: -3, hi: 3, ref: (x) => (x < 0 ? 0 : x) },
  { name: 'leakyRelu', kind: 'float', lo: -3, hi: 3, ref: (x) => (x > 0 ? x : x * 0.01) },
  { name: 'leakyRelu', kind: 'float', lo: -3, hi: 3, ref: (x) => (x > 0 ? x : x * 0.2), args: [0.2] },
  { name: 'elu', kind: 'float', lo: -5, hi: 3, ref: (x) => (x > 0 ? x : Math.expm1(x)) },
  { name: 'elu', kind: 'float', lo: -5, hi: 3, ref: (x) => (x > 0 ? x : 0.5 * Math.expm1(x)), args: [0.5] },
  { name: 'gelu', kind: 'float', lo: -6, hi: 6, ref: (x) => 0.5 * x * erfc(-x / Math.SQRT2) },
  { name: 'softplus', kind: 'float', lo: -30, hi: 30, ref: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))) },
  { name: 'softplus', kind: 'float', lo: -10, hi: 10, ref: (x) => (2 * x > 5 ? x : Math.log1p(Math.exp(2 * x)) / 2), args: [2, 5] },
  { name: 'floor', kind: 'int', lo: -10, hi: 10, ref: Math.floor },
  { name: 'ceil', kind: 'int', lo: -10, hi: 10, ref: Math.ceil },
  { name: 'round', kind: 'int', lo: -10, hi: 10, ref: roundHalfEven },
  { name: 'isnan', kind: 'pred', lo: -3, hi: 3, ref: (x) => (Number.isNaN(x) ? 1 : 0) },
  { name: 'isfinite', kind: 'pred', lo: -3, hi: 3, ref: (x) => (Number.isFinite(x) ? 1 : 0) },
  { name: 'logicalNot', kind: 'pred', lo: -2, hi: 2, ref: (x) => (x === 0 ? 1 : 0) },
];
type UFn = (x: tp.Tensor, ...args: unknown[]) => tp.Tensor;
const FN = tp as unknown as Record<string, UFn>;
const label = (c: UCase) => `${c.name}${c.args ? `(${c.args.join(', ')})` : ''}`;
const call = (c: UCase, x: tp.Tensor) => FN[c.name](x, ...(c.args ?? []));
const method = (c: UCase, x: tp.Tensor) => (x as unknown as Record<string, (...a: unknown[]) => tp.Tensor>)[c.name].apply(x, c.args ?? []);
/** the result dtype for an input dtype */
function outDType(c: UCase, d: DT): DT {
  if (c.kind === 'pred') return 'bool';
  if (c.kind === 'float') return d === 'float64' ? 'float64' : 'float32';
  if (d === 'bool') return c.name === 'square' ? 'int32' : 'bool';
  return d;
}
/** values for an op: random in its domain; round gets many exact .5 ties; logicalNot many zeros */
function values(c: UCase, n: number, dt: DT, r: () => number): number[] {
  if (c.name === 'round' && dt !== 'int32' && dt !== 'bool') return gen(n, dt, r, -20, 20).map((v, i) => (i % 2 ? Math.round(v) / 2 : v));
  const v = gen(n, dt, r, c.lo, c.hi);
  if (c.name === 'logicalNot' || c.name === 'sign') return v.map((x, i) => (i % 3 === 0 ? 0 : x));
  return v;
}
function ref(c: UCase, vals: number[], inDt: DT): number[] {
  const out = outDType(c, inDt);
  return vals.map((x) => store(c.ref(x, out === 'int32'), out));
}

// ---- tests ------------------------------------------------------------------------------

describe.each(U.map((c) => [label(c), c] as [string, UCase]))('%s', (_, c) => {
  test.each(['float32', 'float64'] as DT[])('%s: random values, function and method', (dt) => {
    const r = rng(seedOf(`${label(c)}/${dt}`));
    const shape = [3, 5, 7];
    const v = values(c, prod(shape), dt, r);
    const x = mk(v, shape, dt);
    const want = ref(c, v, dt);
    expectTensor(call(c, x), shape, outDType(c, dt), want);
    expectTensor(method(c, x), shape, outDType(c, dt), want);
    tp.dispose(x);
  });

  test('int32 input: ' + (c.kind === 'float' ? 'promotes to float32' : 'keeps its dtype'), () => {
    const r = rng(seedOf(`${label(c)}/int32`));
    const v = gen(40, 'int32', r, c.kind === 'float' ? Math.floor(c.lo) : -50, c.kind === 'float' ? Math.ceil(c.hi) : 50);
    const x = mk(v, [5, 8], 'int32');
    expectTensor(call(c, x), [5, 8], outDType(c, 'int32'), ref(c, v, 'int32'));
    tp.dispose(x);
  });

  test('bool input', () => {
    const v = [0, 1, 1, 0, 1, 0];
    const x = mk(v, [2, 3], 'bool');
    if (c.name === 'neg') {
      expectThrowsCode(() => call(c, x), 'ERR_DTYPE', /neg: negation of a bool tensor is not supported; use logicalNot/);
    } else {
      const out = outDType(c, 'bool');
      expectTensor(call(c, x), [2, 3], out, ref(c, v, 'bool'));
    }
    tp.dispose(x);
  });

  test('strided views: transposed, stride 2, negative strides, stride 0; float and int inputs', () => {
    const r = rng(seedOf(`${label(c)}/views`));
    const shape = [4, 6];
    for (const dt of ['float32', 'int32', 'float64'] as DT[]) {
      const v = dt === 'int32' ? gen(24, dt, r, Math.max(c.lo, -20), Math.min(c.hi, 20)) : values(c, 24, dt, r);
      const want = ref(c, v, dt);
      for (const spec of [{ perm: [1, 0] }, { step: 2 }, { flip: [true, false] }, { perm: [1, 0], flip: [true, true], step: 2 }]) {
        const x = viewOf(v, shape, dt, spec);
        expectTensor(call(c, x), shape, outDType(c, dt), want, undefined, `${dt} ${JSON.stringify(spec)}`);
        x.dispose();
      }
      const [b, bv] = bcastRow(v.slice(0, 6), shape, dt);
      expectTensor(call(c, b), shape, outDType(c, dt), ref(c, bv, dt), undefined, `${dt} stride 0`);
      b.dispose();
    }
  });

  test('empty and 0-d tensors', () => {
    for (const dt of ['float32', 'int32'] as DT[]) {
      const e = mk([], [0, 3], dt);
      const out = call(c, e);
      expect(out.shape).toEqual([0, 3]);
      expect(out.dtype).toBe(outDType(c, dt));
      expect(out.dataSync().length).toBe(0);
      const s = mk([2], [], dt);
      expectTensor(call(c, s), [], outDType(c, dt), ref(c, [2], dt));
      tp.dispose([e, out, s]);
    }
  });

  test('NaN, ±Inf, ±0 and extreme values as PyTorch', () => {
    const S = [NaN, Infinity, -Infinity, 0, -0, 1.5, -2.25, 0.5, -0.5, 2.5, 1e-30, -7, 15, 30, 88, 100, -88, -100];
    for (const dt of ['float32', 'float64'] as DT[]) {
      const x = mk(S, [S.length], dt);
      const v = Array.from(x.dataSync());
      expectTensor(call(c, x), [S.length], outDType(c, dt), ref(c, v, dt), undefined, dt);
      x.dispose();
    }
  });

  test('bad input and no leaks', () => {
    for (const bad of [3, 'a', null, undefined, [1, 2], {}]) expectThrowsCode(() => FN[c.name](bad as never), 'ERR_ARGUMENT', new RegExp(`${c.name}: x must be a Tensor`));
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => call(c, d), 'ERR_DISPOSED', new RegExp(`${c.name}: tensor \\[2\\] float32 was disposed`));
    const r = rng(seedOf(`${label(c)}/leak`));
    const xi = mk(gen(6, 'int32', r, 1, 5), [2, 3], 'int32');
    const xb = mk([1, 0, 1], [3], 'bool');
    const xv = viewOf(gen(6, 'float32', r), [2, 3], 'float32', { perm: [1, 0] });
    expectNoLeak(() => call(c, xi));
    expectNoLeak(() => call(c, xv));
    if (c.name !== 'neg') expectNoLeak(() => call(c, xb));
    tp.dispose([xi, xb, xv]);
  });
});

describe('erf', () => {
  test('float64 to ~1 ulp at known values (the reference itself is checked against them)', () => {
    // math.erf (CPython, correctly rounded to ~1 ulp) and torch.erf give these exactly
    const xs = [1e-10, -1e-3, 0.5, 1, -1.5, 2, 2.5, 3, -4, 5.5, 6];
    const want = [1.1283791670955126e-10, -0.0011283787909692365, 0.5204998778130465, 0.8427007929497149, -0.9661051464753108,
      0.9953222650189527, 0.999593047982555, 0.9999779095030014, -0.9999999845827421, 0.9999999999999927, 1];
    expectClose(xs.map(erf), want, { rtol: 4e-15, atol: 0 }, 'JS reference');
    expectTensor(tp.erf(tp.tensor(xs, { dtype: 'float64' })), [xs.length], 'float64', want, { rtol: 4e-16, atol: 0 });
    expectTensor(tp.tensor(xs).erf(), [xs.length], 'float32', want.map(f32));
  });
  test('odd, bounded by ±1, ±0 kept', () => {
    const r = rng(seedOf('erf/odd'));
    const v = gen(200, 'float64', r, -6, 6);
    const x = tp.tensor(v, { dtype: 'float64' });
    const a = Array.from(tp.erf(x).dataSync());
    const b = Array.from(tp.erf(x.neg()).dataSync());
    for (let i = 0; i < v.length; i++) {
      expect(b[i]).toBe(-a[i]);
      expect(Math.abs(a[i])).toBeLessThanOrEqual(1);
    }
    expect(Object.is(tp.erf(tp.tensor([-0], { dtype: 'float64' })).dataSync()[0], -0)).toBe(true);
    tp.dispose(x);
  });
});

describe('large tensors take the threaded path', () => {
  test.each(['exp', 'sigmoid', 'abs', 'tanh', 'erf', 'round'])('%s', (name) => {
    const c = U.find((u) => u.name === name)!;
    const r = rng(seedOf(`large/${name}`));
    const shape = [260, 257];
    const v = values(c, prod(shape), 'float32', r);
    const want = ref(c, v, 'float32');
    const x = mk(v, shape, 'float32');
    expectTensor(call(c, x), shape, 'float32', want);
    const t = viewOf(v, shape, 'float32', { perm: [1, 0] });
    expectTensor(call(c, t), shape, 'float32', want);
    const vi = gen(prod(shape), 'int32', r, -5, 5);
    const xi = mk(vi, shape, 'int32'); // int32 read and converted in the kernel
    expectTensor(call(c, xi), shape, outDType(c, 'int32'), ref(c, vi, 'int32'));
    tp.dispose([x, t, xi]);
  });
});

describe('outputs past the streaming-store threshold (8 MB)', () => {
  test('exp and tanh of 1M float64 (8.4 MB out), contiguous and transposed', () => {
    const R = 1051;
    const C = 1001;
    const v = new Float64Array(R * C);
    for (let i = 0; i < v.length; i++) v[i] = ((i * 7919) % 10007) / 1000.7 - 5; // varied, in [-5, 5)
    const x = tp.tensor(v, { shape: [R, C] });
    // typed-array loops over every 3rd element: expectClose over 1M elements is slow under jest
    const firstBad = (got: ArrayLike<number>, want: (i: number) => number): number => {
      for (let i = 0; i < got.length; i += 3) {
        const e = want(i);
        if (!(Math.abs(got[i] - e) <= 1e-7 + 1e-7 * Math.abs(e))) return i;
      }
      return -1;
    };
    const e = tp.exp(x);
    expect(firstBad(e.dataSync(), (i) => Math.exp(v[i]))).toBe(-1);
    const t = x._view([C, R], [1, C], 0); // transposed: strided input, streamed output
    const th = tp.tanh(t);
    expect(th.shape).toEqual([C, R]);
    expect(firstBad(th.dataSync(), (k) => Math.tanh(v[(k % R) * C + Math.floor(k / R)]))).toBe(-1);
    tp.dispose([x, e, t, th]);
  });
});

describe('int32 edge cases wrap like PyTorch and never trap', () => {
  test('neg/abs/square of INT_MIN and large values', () => {
    const x = tp.tensor(new Int32Array([INT_MIN, INT_MAX, 46341, -46341, 0]));
    expectTensor(tp.neg(x), [5], 'int32', [INT_MIN, -INT_MAX, -46341, 46341, 0]);
    expectTensor(tp.abs(x), [5], 'int32', [INT_MIN, INT_MAX, 46341, 46341, 0]);
    expectTensor(tp.square(x), [5], 'int32', [0, 1, Math.imul(46341, 46341), Math.imul(46341, 46341), 0]);
    expectTensor(tp.sign(x), [5], 'int32', [-1, 1, 1, -1, 0]);
    expectTensor(tp.relu(x), [5], 'int32', [0, INT_MAX, 46341, 0, 0]);
    expectTensor(tp.floor(x), [5], 'int32', [INT_MIN, INT_MAX, 46341, -46341, 0]);
    expectTensor(tp.sqrt(x), [5], 'float32', [NaN, Math.sqrt(INT_MAX), Math.sqrt(46341), NaN, 0].map(f32));
    x.dispose();
  });
  test('floor/ceil/round of int32 and bool are copies, not views', () => {
    const x = tp.tensor(new Int32Array([1, -2, 3]));
    const y = tp.round(x);
    expect(y._h).not.toBe(x._h);
    x.dispose();
    expectTensor(y, [3], 'int32', [1, -2, 3]);
    y.dispose();
  });
});

describe('activation parameters', () => {
  test('leakyRelu/elu alpha and softplus beta/threshold as arguments and methods', () => {
    const r = rng(seedOf('params'));
    const v = gen(20, 'float64', r, -4, 4);
    const x = mk(v, [20], 'float64');
    expectTensor(x.leakyRelu(0.3), [20], 'float64', v.map((a) => (a > 0 ? a : 0.3 * a)));
    expectTensor(tp.elu(x, 2), [20], 'float64', v.map((a) => (a > 0 ? a : 2 * Math.expm1(a))));
    expectTensor(x.softplus(0.5, 1), [20], 'float64', v.map((a) => (0.5 * a > 1 ? a : Math.log1p(Math.exp(0.5 * a)) / 0.5)));
    // a huge threshold cannot overflow: log(1 + e^z) is evaluated as max(z, 0) + log1p(e^-|z|)
    const big = mk([50, 100, 1000, -1000], [4], 'float32');
    expectTensor(tp.softplus(big, 1, 1e9), [4], 'float32', [50, 100, 1000, 0]);
    // beta < 0: z = -x; x = -1000 is past the threshold and passes through
    expectTensor(tp.softplus(big, -1), [4], 'float32', [50, 100, 1000].map((a) => -Math.log1p(Math.exp(-a))).concat([-1000]));
    tp.dispose([x, big]);
  });
  test('bad parameters', () => {
    const x = tp.ones([2]);
    expectThrowsCode(() => tp.leakyRelu(x, 'a' as never), 'ERR_ARGUMENT', /leakyRelu: alpha must be a number, got "a"/);
    expectThrowsCode(() => tp.elu(x, null as never), 'ERR_ARGUMENT', /elu: alpha must be a number/);
    expectThrowsCode(() => tp.softplus(x, 0), 'ERR_ARGUMENT', /softplus: beta must be a finite nonzero number/);
    expectThrowsCode(() => tp.softplus(x, 1, 'x' as never), 'ERR_ARGUMENT', /softplus: threshold must be a number/);
    x.dispose();
  });
});

describe('clip / clamp / clipByValue', () => {
  const clipRef = (x: number, lo: number, hi: number) =>
    Number.isNaN(x) || Number.isNaN(lo) || Number.isNaN(hi) ? NaN : Math.min(Math.max(x, lo), hi);
  test.each(['float32', 'float64'] as DT[])('%s: two-sided, one-sided, NaN and crossed bounds', (dt) => {
    const r = rng(seedOf(`clip/${dt}`));
    const v = gen(30, dt, r).concat([NaN, Infinity, -Infinity]);
    const x = mk(v, [v.length], dt);
    const bounds: [number | null | undefined, number | null | undefined][] = [
      [-0.5, 0.75], [undefined, 1], [null, 1], [-1, undefined], [-1, null], [1, -1], [NaN, 1], [0, NaN], [-Infinity, Infinity],
    ];
    for (const [lo, hi] of bounds) {
      const want = v.map((a) => store(clipRef(a, lo ?? -Infinity, hi ?? Infinity), dt));
      expectTensor(tp.clip(x, lo, hi), [v.length], dt, want, undefined, `clip(${lo}, ${hi})`);
      expectTensor(tp.clamp(x, lo, hi), [v.length], dt, want);
      expectTensor(tp.clipByValue(x, lo, hi), [v.length], dt, want);
      expectTensor(x.clip(lo, hi), [v.length], dt, want);
      expectTensor(x.clamp(lo, hi), [v.length], dt, want);
      expectTensor(x.clipByValue(lo, hi), [v.length], dt, want);
    }
    tp.dispose(x);
  });
  test('int32 keeps int32 with integer bounds; a fractional bound gives float32; bool clips as int32', () => tp.tidy(() => {
    const x = tp.tensor(new Int32Array([-5, -1, 0, 3, 9, INT_MIN, INT_MAX]));
    expectTensor(tp.clip(x, -2, 4), [7], 'int32', [-2, -1, 0, 3, 4, -2, 4]);
    expectTensor(tp.clip(x, undefined, 0), [7], 'int32', [-5, -1, 0, 0, 0, INT_MIN, 0]);
    expectTensor(tp.clip(x, 1), [7], 'int32', [1, 1, 1, 3, 9, 1, INT_MAX]);
    expectTensor(tp.clip(x, -2.5, 4), [7], 'float32', [-2.5, -1, 0, 3, 4, -2.5, 4]);
    expectTensor(tp.clip(x, -1e12, 1e12), [7], 'int32', [-5, -1, 0, 3, 9, INT_MIN, INT_MAX]); // bounds saturate
    const b = tp.tensor([true, false, true]);
    expectTensor(tp.clip(b, 0, 0), [3], 'int32', [0, 0, 0]);
    expectTensor(tp.clip(b, 0.5, 2), [3], 'float32', [1, 0.5, 1]);
  }));
  test('tensor bounds broadcast (maximum then minimum)', () => tp.tidy(() => {
    const r = rng(seedOf('clip/tensor'));
    const v = gen(12, 'float32', r);
    const x = mk(v, [3, 4], 'float32');
    const lo = mk([-1, -0.5, 0, 0.5], [4], 'float32');
    const hi = mk([0.5, 1, 1.5], [3, 1], 'float32');
    const want = v.map((a, i) => clipRef(a, [-1, -0.5, 0, 0.5][i % 4], [0.5, 1, 1.5][Math.floor(i / 4)]));
    expectTensor(tp.clip(x, lo, hi), [3, 4], 'float32', want);
    expectTensor(tp.clip(x, lo), [3, 4], 'float32', v.map((a, i) => Math.max(a, [-1, -0.5, 0, 0.5][i % 4])));
    expectTensor(tp.clip(x, undefined, hi), [3, 4], 'float32', v.map((a, i) => Math.min(a, [0.5, 1, 1.5][Math.floor(i / 4)])));
    expectTensor(tp.clip(x, -0.25, hi), [3, 4], 'float32', v.map((a, i) => clipRef(a, -0.25, [0.5, 1, 1.5][Math.floor(i / 4)])));
    expectNoLeak(() => tp.clip(x, lo, hi));
  }));
  test('views, empty, 0-d and a large input', () => {
    const r = rng(seedOf('clip/views'));
    const v = gen(24, 'float32', r);
    const want = v.map((a) => clipRef(a, -1, 1));
    for (const spec of [{ perm: [1, 0] }, { step: 2 }, { flip: [true, true] }]) {
      const x = viewOf(v, [4, 6], 'float32', spec);
      expectTensor(tp.clip(x, -1, 1), [4, 6], 'float32', want);
      x.dispose();
    }
    const e = tp.zeros([0, 2]);
    expectTensor(tp.clip(e, 0, 1), [0, 2], 'float32', []);
    const s = tp.tensor(3.5);
    expectTensor(tp.clip(s, 0, 1), [], 'float32', [1]);
    const big = gen(70000, 'float32', r);
    const xb = mk(big, [70000], 'float32');
    expectTensor(tp.clip(xb, -0.5, 0.5), [70000], 'float32', big.map((a) => clipRef(a, -0.5, 0.5)));
    tp.dispose([e, s, xb]);
  });
  test('bad bounds', () => {
    const x = tp.ones([2]);
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => tp.clip(x), 'ERR_ARGUMENT', /clip: at least one of min and max must be given/);
    expectThrowsCode(() => tp.clamp(x, null, undefined), 'ERR_ARGUMENT', /clamp: at least one/);
    expectThrowsCode(() => tp.clip(x, 'a' as never, 1), 'ERR_ARGUMENT', /clip: min must be a number, a Tensor, null or undefined; got "a"/);
    expectThrowsCode(() => tp.clipByValue(x, 0, {} as never), 'ERR_ARGUMENT', /clipByValue: max must be/);
    expectThrowsCode(() => tp.clip(x, d, 1), 'ERR_DISPOSED');
    const z = tp.zeros([3]);
    expectThrowsCode(() => tp.clip(x, z, 1), 'ERR_SHAPE', /clip: shapes \[2\] and \[3\]/);
    expectThrowsCode(() => tp.clip(x, 0, 'b' as never), 'ERR_ARGUMENT', /clip: max must be/);
    expectThrowsCode(() => tp.clip(x, z, 'b' as never), 'ERR_ARGUMENT', /clip: max must be a Tensor, a number or a boolean/);
    z.dispose();
    expectThrowsCode(() => tp.clip(3 as never, 0, 1), 'ERR_ARGUMENT', /clip: x must be a Tensor/);
    x.dispose();
  });
});

describe('predicates', () => {
  test('isnan / isfinite on every dtype', () => {
    const f = [NaN, Infinity, -Infinity, 0, -2.5, 1e38];
    for (const dt of ['float32', 'float64'] as DT[]) {
      const x = mk(f, [2, 3], dt);
      expectTensor(tp.isnan(x), [2, 3], 'bool', [1, 0, 0, 0, 0, 0]);
      expectTensor(x.isfinite(), [2, 3], 'bool', [0, 0, 0, 1, 1, 1]);
      x.dispose();
    }
    const i = tp.tensor(new Int32Array([INT_MIN, 0, 5]));
    expectTensor(tp.isnan(i), [3], 'bool', [0, 0, 0]);
    expectTensor(tp.isfinite(i), [3], 'bool', [1, 1, 1]);
    const b = tp.tensor([true, false]);
    expectTensor(b.isnan(), [2], 'bool', [0, 0]);
    expectTensor(b.isfinite(), [2], 'bool', [1, 1]);
    tp.dispose([i, b]);
  });
});
