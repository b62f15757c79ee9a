// dtype conversion: tp.cast / x.cast / x.to / x.float / x.double / x.int / x.bool against a
// plain-JS reference: every pair of dtypes, truncation toward zero and saturation for
// float -> int32, nonzero -> true for bool, strided views, empty and 0-d, errors and leaks.
import { tp, rng, seedOf, randArray, f32, expectTensor, expectNoLeak, expectThrowsCode } from './helpers';

type DT = 'float32' | 'float64' | 'int32' | 'bool';
const DTS: DT[] = ['float32', 'float64', 'int32', 'bool'];
const TA = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

function mk(values: number[], shape: number[], dtype: DT): tp.Tensor {
  return tp.tensor(new TA[dtype](values), { shape, dtype });
}
/** The conversion of a value already held in some dtype to `to` (as the native copy kernel). */
function conv(v: number, to: DT): number {
  switch (to) {
    case 'float32':
      return f32(v);
    case 'float64':
      return v;
    case 'bool':
      return v !== 0 ? 1 : 0; // NaN -> true
    case 'int32':
      if (Number.isNaN(v)) return 0;
      if (v >= INT_MAX) return INT_MAX;
      if (v <= INT_MIN) return INT_MIN;
      return Math.trunc(v);
  }
}
/** Values of dtype covering fractions, negatives, large magnitudes and (for floats) NaN/±Inf. */
function sample(dt: DT, r: () => number): number[] {
  if (dt === 'bool') return [0, 1, 1, 0, 1, 0];
  if (dt === 'int32') return [0, 1, -1, 7, -123456, INT_MAX, INT_MIN, 16777217, -16777217, 2 ** 30 + 1];
  const specials = [NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 1.7, -1.7, 2.5, -2.999, 1e20, -1e20, 2147483647.5, 2147483648, -2147483649, 16777217, 1e-40];
  const v = specials.concat(randArray(12, r, -100, 100));
  return dt === 'float32' ? v.map(f32) : v;
}

// One reference per conversion, five spellings of it.
const SPELL: [string, (x: tp.Tensor, to: DT) => tp.Tensor | null][] = [
  ['tp.cast', (x, to) => tp.cast(x, to)],
  ['x.cast', (x, to) => x.cast(to)],
  ['x.to', (x, to) => x.to(to)],
  ['x.to({dtype})', (x, to) => x.to({ dtype: to })],
  [
    'x.float/double/int/bool',
    (x, to) => ({ float32: x.float(), float64: x.double(), int32: x.int(), bool: x.bool() })[to],
  ],
];

describe.each(DTS)('from %s', (from) => {
  test.each(DTS)('to %s: every spelling, values as the reference', (to) => {
    const r = rng(seedOf(`cast/${from}/${to}`));
    const v = sample(from, r);
    const x = mk(v, [v.length], from);
    const held = Array.from(x.dataSync()); // the values as stored in `from`
    const want = held.map((a) => conv(a, to));
    for (const [name, f] of SPELL) {
      const y = f(x, to)!;
      expectTensor(y, [v.length], to, want, { rtol: 0, atol: 0 }, `${name} ${from} -> ${to}`);
      expect(y).not.toBe(x);
      y.dispose();
    }
    tp.dispose(x);
  });

  test('strided views (transposed, stride 2, flipped, stride 0), empty and 0-d', () => {
    const r = rng(seedOf(`cast/${from}/views`));
    const v = sample(from, r).slice(0, 6);
    const base = mk(v.concat(v), [12], from);
    const held = Array.from(base.dataSync()).slice(0, 6);
    const views: [string, tp.Tensor, number[]][] = [
      ['transposed', base._view([3, 2], [1, 3], 0), [0, 3, 1, 4, 2, 5].map((i) => held[i])],
      ['stride 2', base._view([6], [2], 0), [0, 2, 4, 0, 2, 4].map((i) => held[i])],
      ['flipped', base._view([6], [-1], 5), [5, 4, 3, 2, 1, 0].map((i) => held[i])],
      ['stride 0', base._view([2, 3], [0, 1], 0), [0, 1, 2, 0, 1, 2].map((i) => held[i])],
    ];
    for (const to of DTS) {
      for (const [name, t, vals] of views) {
        expectTensor(tp.cast(t, to), t.shape, to, vals.map((a) => conv(a, to)), { rtol: 0, atol: 0 }, `${name} -> ${to}`);
      }
      const e = mk([], [0, 4], from);
      expectTensor(e.to(to), [0, 4], to, []);
      const s = mk([v[1]], [], from);
      expectTensor(s.cast(to), [], to, [conv(held[1], to)]);
      tp.dispose([e, s]);
    }
    tp.dispose([base, ...views.map((x) => x[1])]);
  });
});

describe('cast semantics', () => {
  test('float -> int32 truncates toward zero and saturates; NaN -> 0', () => {
    const x = mk([1.9, -1.9, 0.5, -0.5, 1e10, -1e10, NaN, Infinity, -Infinity], [9], 'float64');
    expectTensor(x.int(), [9], 'int32', [1, -1, 0, 0, INT_MAX, INT_MIN, 0, INT_MAX, INT_MIN]);
    x.dispose();
  });
  test('-> bool is nonzero: NaN and -0', () => {
    const x = mk([0, -0, NaN, 1e-45, -3], [5], 'float32');
    expectTensor(x.bool(), [5], 'bool', [0, 0, 1, 1, 1]);
    x.dispose();
  });
  test('int32 -> float32 rounds to nearest even beyond 2^24', () => {
    const x = mk([16777217, 16777219, -16777217], [3], 'int32');
    expectTensor(x.float(), [3], 'float32', [16777216, 16777220, -16777216]);
    expectTensor(x.double(), [3], 'float64', [16777217, 16777219, -16777217]);
    x.dispose();
  });
  test('the result is a new tensor: disposing either leaves the other intact', () => {
    const x = mk([1, 2, 3], [3], 'float32');
    const y = x.to('float32');
    expect(y._h).not.toBe(x._h);
    x.dispose();
    expectTensor(y, [3], 'float32', [1, 2, 3]);
    y.dispose();
  });
  test('a large tensor (threaded copy)', () => {
    const r = rng(seedOf('cast/large'));
    const v = randArray(100000, r, -1e3, 1e3).map(f32);
    const x = mk(v, [100000], 'float32');
    expectTensor(x.int(), [100000], 'int32', v.map(Math.trunc));
    const t = x._view([250, 400], [1, 250], 0);
    const want: number[] = [];
    for (let i = 0; i < 250; i++) for (let j = 0; j < 400; j++) want.push(v[j * 250 + i]);
    expectTensor(t.double(), [250, 400], 'float64', want);
    tp.dispose([x, t]);
  });
});

describe('bad input and leaks', () => {
  test('bad dtypes, non-tensors, disposed tensors', () => {
    const x = tp.ones([2]);
    for (const bad of ['int8', 'Float32', 0, null, undefined, {}]) {
      expectThrowsCode(() => tp.cast(x, bad as never), 'ERR_DTYPE', /cast: dtype must be one of float32, float64, int32, bool/);
      expectThrowsCode(() => x.cast(bad as never), 'ERR_DTYPE');
      // to() takes a dtype or a device: anything else names both
      expectThrowsCode(() => x.to(bad as never), 'ERR_ARGUMENT', /to: expected a dtype \(float32, float64, int32, bool\), a device/);
    }
    expectThrowsCode(() => x.to({ dtype: 'int64' } as never), 'ERR_DTYPE', /to: dtype/);
    for (const bad of [3, 'a', null, [1], {}]) expectThrowsCode(() => tp.cast(bad as never, 'int32'), 'ERR_ARGUMENT', /cast: x must be a Tensor/);
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => tp.cast(d, 'int32'), 'ERR_DISPOSED', /cast: tensor \[2\] float32 was disposed/);
    expectThrowsCode(() => d.float(), 'ERR_DISPOSED', /float/);
    expectThrowsCode(() => d.double(), 'ERR_DISPOSED', /double/);
    expectThrowsCode(() => d.int(), 'ERR_DISPOSED', /int/);
    expectThrowsCode(() => d.bool(), 'ERR_DISPOSED', /bool/);
    expectThrowsCode(() => d.to('int32'), 'ERR_DISPOSED', /to/);
    x.dispose();
  });
  test('no leaks', () => {
    const x = mk([1.5, -2, 0], [3], 'float32');
    const v = x._view([3], [-1], 2);
    for (const to of DTS) {
      expectNoLeak(() => tp.cast(x, to));
      expectNoLeak(() => v.to(to));
    }
    expectNoLeak(() => [x.float(), x.double(), x.int(), x.bool()]);
    expectNoLeak(() => {
      try {
        tp.cast(x, 'int8' as never);
      } catch {
        /* expected */
      }
      return null;
    });
    tp.dispose([x, v]);
  });
});
