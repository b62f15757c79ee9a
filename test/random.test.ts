import { tp, expectNoLeak, expectThrowsCode, expectClose } from './helpers';
import { native } from '../lib/core/native';

// Statistical checks use 1e5 samples and 6-sigma bounds on the sample statistics, so a
// correct generator fails them with probability ~1e-9 per check; seeds are fixed anyway.
const N = 100000;

function stats(a: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    if (a[i] < min) min = a[i];
    if (a[i] > max) max = a[i];
  }
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / (a.length - 1)), min, max };
}

function fraction(a: ArrayLike<number>, pred: (v: number) => boolean): number {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (pred(a[i])) k++;
  return k / a.length;
}

/** Index of the first differing element (bitwise, so NaN equals NaN), or -1. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

// Read before any test seeds the generator.
const seedAtLoad = tp.initialSeed();

function philox(ctr: number[], key: number[]): number[] {
  return native.philox4x32(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1]);
}

describe('Philox4x32-10 generator', () => {
  test('matches the Random123 known-answer vectors', () => {
    const hex = (w: number[]) => w.map((x) => x.toString(16).padStart(8, '0')).join(' ');
    expect(hex(philox([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const f = 0xffffffff;
    expect(hex(philox([f, f, f, f], [f, f]))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    expect(hex(philox([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe(
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });

  test('rand element i comes from counter offset + i/4 (float32) and offset + i/2 (float64)', () => {
    const seed = 0x1234_5678_9abc; // key words lo = 0x56789abc, hi = 0x1234
    const key = [0x56789abc, 0x1234];
    tp.manualSeed(seed);
    const a = tp.rand([10]).dataSync();
    const exp32: number[] = [];
    for (let i = 0; i < 10; i++) exp32.push((philox([i >> 2, 0, 0, 0], key)[i & 3] >>> 8) / 2 ** 24);
    expect(Array.from(a)).toEqual(exp32);
    expect(tp.getRngState().offset).toBe(3); // ceil(10 / 4) counters
    const b = tp.rand([3], { dtype: 'float64' }).dataSync();
    const exp64: number[] = [];
    for (let i = 0; i < 3; i++) {
      const w = philox([3 + (i >> 1), 0, 0, 0], key);
      const j = (i & 1) * 2;
      const bits = ((BigInt(w[j]) << 32n) | BigInt(w[j + 1])) >> 11n;
      exp64.push(Number(bits) / 2 ** 53);
    }
    expect(Array.from(b)).toEqual(exp64);
    expect(tp.getRngState().offset).toBe(5);
  });

  test('consecutive calls continue the stream', () => {
    tp.manualSeed(7);
    const whole = tp.rand([16]).dataSync();
    tp.manualSeed(7);
    const first = tp.rand([8]).dataSync();
    const second = tp.rand([8]).dataSync();
    expect([...first, ...second]).toEqual(Array.from(whole));
  });
});

describe('seeding', () => {
  test('same seed gives the same values, different seeds differ', () => {
    for (const make of [
      () => tp.rand([257]),
      () => tp.randn([257], { dtype: 'float64' }),
      () => tp.randint(-5, 5, [257]),
      () => tp.truncatedNormal([257]),
      () => tp.bernoulli(0.5, [257]),
      () => tp.randperm(257),
    ]) {
      tp.manualSeed(123);
      const a = make().dataSync();
      tp.manualSeed(123);
      const b = make().dataSync();
      tp.seed(124);
      const c = make().dataSync();
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(a)).not.toEqual(Array.from(c));
    }
  });

  test('bigint, negative and large seeds; initialSeed and state save/restore', () => {
    tp.manualSeed(-1);
    const a = tp.rand([5]).dataSync();
    tp.manualSeed(2n ** 64n - 1n); // -1 mod 2^64
    expect(Array.from(tp.rand([5]).dataSync())).toEqual(Array.from(a));
    expect(tp.initialSeed()).toBe(2n ** 64n - 1n);
    tp.manualSeed(99);
    tp.rand([40]);
    const st = tp.getRngState();
    expect(st).toEqual({ seed: 99n, offset: 10 });
    const x = tp.randn([33]).dataSync();
    tp.setRngState(st);
    expect(Array.from(tp.randn([33]).dataSync())).toEqual(Array.from(x));
  });

  test('the seed at load is a random 64-bit value; manualSeed replaces it', () => {
    // (Proving randomness would take two processes; a fixed small default like 0 or 42 fails
    // this check, a crypto-random one passes with probability 1 - 2^-40.)
    expect(typeof seedAtLoad).toBe('bigint');
    expect(seedAtLoad >= 2n ** 24n && seedAtLoad < 2n ** 64n).toBe(true);
    tp.manualSeed(5);
    expect(tp.initialSeed()).toBe(5n);
  });

  test('a per-call seed option repeats and leaves the global generator alone', () => {
    tp.manualSeed(1);
    const before = tp.getRngState();
    const a = tp.randomNormal([100], 0, 1, { seed: 42 }).dataSync();
    const b = tp.randomNormal([100], 0, 1, { seed: 42 }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(tp.getRngState()).toEqual(before);
    tp.manualSeed(42);
    expect(Array.from(tp.randn([100]).dataSync())).toEqual(Array.from(a));
  });

  test('results do not depend on the thread count', () => {
    const threads = tp.getNumThreads();
    const n = 200003; // several parallel chunks, with a ragged tail
    const p = tp.rand([n]);
    const draw = (): ArrayLike<number>[] => {
      tp.manualSeed(2024);
      return [
        tp.rand([n]),
        tp.rand([n], { dtype: 'float64' }),
        tp.randn([n]),
        tp.randn([n], { dtype: 'float64' }),
        tp.truncatedNormal([n]),
        tp.randint(0, 1000, [n]),
        tp.bernoulli(0.3, [n]),
        tp.bernoulli(p),
      ].map((t) => {
        const d = t.dataSync();
        t.dispose();
        return d;
      });
    };
    try {
      tp.setNumThreads(1);
      const one = draw();
      tp.setNumThreads(2);
      const two = draw();
      tp.setNumThreads(4);
      const four = draw();
      for (let k = 0; k < one.length; k++) {
        expect(firstDiff(two[k], one[k])).toBe(-1);
        expect(firstDiff(four[k], one[k])).toBe(-1);
      }
    } finally {
      tp.setNumThreads(threads);
      p.dispose();
    }
  });
});

describe('distributions', () => {
  beforeEach(() => tp.manualSeed(20240601));

  test('rand: uniform [0, 1), float32 and float64', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const t = tp.rand([N], { dtype });
      expect(t.dtype).toBe(dtype);
      const s = stats(t.dataSync());
      const sd = Math.sqrt(1 / 12);
      expect(Math.abs(s.mean - 0.5)).toBeLessThan((6 * sd) / Math.sqrt(N));
      expect(Math.abs(s.std - sd)).toBeLessThan(0.005);
      expect(s.min).toBeGreaterThanOrEqual(0);
      expect(s.max).toBeLessThan(1);
      expect(s.min).toBeLessThan(1e-3);
      expect(s.max).toBeGreaterThan(1 - 1e-3);
      // deciles each hold 10%
      const d = t.dataSync();
      for (let k = 0; k < 10; k++) {
        const f = fraction(d, (v) => v >= k / 10 && v < (k + 1) / 10);
        expect(Math.abs(f - 0.1)).toBeLessThan(6 * Math.sqrt(0.09 / N));
      }
    }
  });

  test('uniform never reaches high, even when rounding would', () => {
    // float32 nearest to 1 below is 1 - 2^-24; the span is one ulp, so half the draws round to 1
    const lo = Math.fround(1 - 2 ** -24);
    const a = tp.uniform([N], lo, 1).dataSync();
    const s = stats(a);
    expect(s.max).toBeLessThan(1);
    expect(s.min).toBeGreaterThanOrEqual(lo);
    const b = tp.uniform([N], 1 - 2 ** -53, 1, { dtype: 'float64' }).dataSync();
    expect(stats(b).max).toBeLessThan(1);
    const c = tp.uniform([N], -3, 5).dataSync();
    const sc = stats(c);
    expect(sc.min).toBeGreaterThanOrEqual(-3);
    expect(sc.max).toBeLessThan(5);
    expect(Math.abs(sc.mean - 1)).toBeLessThan((6 * 8 * Math.sqrt(1 / 12)) / Math.sqrt(N));
    // low == high gives that value
    expect(Array.from(tp.uniform([3], 2, 2).dataSync())).toEqual([2, 2, 2]);
  });

  test('randn: mean, std, and the share within 1 and 2 sigma', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const d = tp.randn([N], { dtype }).dataSync();
      const s = stats(d);
      expect(Math.abs(s.mean)).toBeLessThan(6 / Math.sqrt(N));
      expect(Math.abs(s.std - 1)).toBeLessThan(6 / Math.sqrt(2 * N));
      const f1 = fraction(d, (v) => Math.abs(v) < 1);
      const f2 = fraction(d, (v) => Math.abs(v) < 2);
      expect(Math.abs(f1 - 0.682689)).toBeLessThan(6 * Math.sqrt((0.6827 * 0.3173) / N));
      expect(Math.abs(f2 - 0.9545)).toBeLessThan(6 * Math.sqrt((0.9545 * 0.0455) / N));
      expect(s.max).toBeGreaterThan(3.5); // tails exist
      expect(s.min).toBeLessThan(-3.5);
    }
    const m = stats(tp.randn([N], { mean: 3, std: 2 }).dataSync());
    expect(Math.abs(m.mean - 3)).toBeLessThan(12 / Math.sqrt(N));
    expect(Math.abs(m.std - 2)).toBeLessThan(12 / Math.sqrt(2 * N));
    const z = tp.randn([4], { mean: 1.5, std: 0 }).dataSync();
    expect(Array.from(z)).toEqual([1.5, 1.5, 1.5, 1.5]);
  });

  test('randomNormal / randomUniform (TF spellings)', () => {
    const a = stats(tp.randomNormal([N], -2, 0.5).dataSync());
    expect(Math.abs(a.mean + 2)).toBeLessThan(3 / Math.sqrt(N));
    expect(Math.abs(a.std - 0.5)).toBeLessThan(3 / Math.sqrt(2 * N));
    const b = tp.randomUniform([N], 2, 5, { dtype: 'float64' });
    expect(b.dtype).toBe('float64');
    const sb = stats(b.dataSync());
    expect(sb.min).toBeGreaterThanOrEqual(2);
    expect(sb.max).toBeLessThan(5);
    expect(Math.abs(sb.mean - 3.5)).toBeLessThan((6 * 3 * Math.sqrt(1 / 12)) / Math.sqrt(N));
    const c = tp.randomUniform([1000], -3, 4, { dtype: 'int32' });
    expect(c.dtype).toBe('int32');
    expect(new Set(c.dataSync())).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
    const u = stats(tp.randomUniform([N]).dataSync());
    expect(u.min).toBeGreaterThanOrEqual(0);
    expect(u.max).toBeLessThan(1);
  });

  test('truncatedNormal: nothing beyond 2 std; moments of the truncated law', () => {
    // N(0,1) truncated to [-2, 2]: variance 1 - 4 phi(2) / (2 Phi(2) - 1) = 0.773741
    const truncStd = Math.sqrt(0.773741);
    for (const dtype of ['float32', 'float64'] as const) {
      const d = tp.truncatedNormal([N], { dtype }).dataSync();
      const s = stats(d);
      expect(s.max).toBeLessThanOrEqual(2);
      expect(s.min).toBeGreaterThanOrEqual(-2);
      expect(s.max).toBeGreaterThan(1.95);
      expect(Math.abs(s.mean)).toBeLessThan((6 * truncStd) / Math.sqrt(N));
      expect(Math.abs(s.std - truncStd)).toBeLessThan(0.01);
    }
    const mean = 10;
    const std = 3;
    const e = tp.truncatedNormal([N], { mean, std }).dataSync();
    const se = stats(e);
    expect(se.max).toBeLessThanOrEqual(mean + 2 * std);
    expect(se.min).toBeGreaterThanOrEqual(mean - 2 * std);
    expect(Math.abs(se.mean - mean)).toBeLessThan((6 * std * truncStd) / Math.sqrt(N));
    // tfjs positional form: (shape, mean, stddev, options)
    const p = stats(tp.truncatedNormal([N], -1, 0.25, { dtype: 'float64' }).dataSync());
    expect(p.max).toBeLessThanOrEqual(-0.5);
    expect(p.min).toBeGreaterThanOrEqual(-1.5);
  });

  test('randint: in [low, high), covers every value, roughly flat', () => {
    const t = tp.randint(-3, 7, [N]);
    expect(t.dtype).toBe('int32');
    const d = t.dataSync();
    const counts = new Map<number, number>();
    for (const v of d) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6]);
    for (const c of counts.values()) expect(Math.abs(c / N - 0.1)).toBeLessThan(6 * Math.sqrt(0.09 / N));
    // randint(high, shape) means low = 0
    const h = tp.randint(3, [1000]).dataSync();
    expect(new Set(h)).toEqual(new Set([0, 1, 2]));
    // the whole int32 range
    const w = stats(tp.randint(-2147483648, 2147483647, [N]).dataSync());
    expect(w.min).toBeGreaterThanOrEqual(-2147483648);
    expect(w.max).toBeLessThan(2147483647);
    expect(w.min).toBeLessThan(-2.1e9);
    expect(w.max).toBeGreaterThan(2.1e9);
    // single value range, float dtype
    expect(Array.from(tp.randint(5, 6, [3]).dataSync())).toEqual([5, 5, 5]);
    const f = tp.randint(0, 4, [100], { dtype: 'float64' });
    expect(f.dtype).toBe('float64');
    for (const v of f.dataSync()) expect([0, 1, 2, 3]).toContain(v);
  });

  test('bernoulli with a scalar p', () => {
    for (const p of [0.1, 0.5, 0.9]) {
      const t = tp.bernoulli(p, [N]);
      expect(t.dtype).toBe('float32');
      const d = t.dataSync();
      expect(new Set(d).size).toBeLessThanOrEqual(2);
      for (const v of d) if (v !== 0 && v !== 1) throw new Error(`bernoulli gave ${v}`);
      expect(Math.abs(stats(d).mean - p)).toBeLessThan(6 * Math.sqrt((p * (1 - p)) / N));
    }
    expect(Array.from(tp.bernoulli(0, [50]).dataSync())).toEqual(new Array(50).fill(0));
    expect(Array.from(tp.bernoulli(1, [50]).dataSync())).toEqual(new Array(50).fill(1));
    const b = tp.bernoulli(0.5, [10], { dtype: 'bool' });
    expect(b.dtype).toBe('bool');
    const s = tp.bernoulli(1);
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(1);
  });

  test('bernoulli with a tensor of probabilities (per element, strided, float64)', () => {
    const rows = 4;
    const cols = N / 4;
    const probs = [0, 0.2, 0.7, 1];
    const pv = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) pv.fill(probs[r], r * cols, (r + 1) * cols);
    const p = tp.tensor(pv, { shape: [rows, cols] });
    const out = tp.bernoulli(p);
    expect(out.shape).toEqual([rows, cols]);
    expect(out.dtype).toBe('float32');
    const d = out.dataSync();
    for (let r = 0; r < rows; r++) {
      const m = stats(d.subarray(r * cols, (r + 1) * cols)).mean;
      const q = probs[r];
      expect(Math.abs(m - q)).toBeLessThanOrEqual(6 * Math.sqrt((q * (1 - q)) / cols));
    }
    // a transposed view: result follows the view's logical layout
    const pt = p._view([cols, rows], [1, cols], 0);
    const ot = pt.bernoulli().dataSync();
    for (let i = 0; i < 400; i++) {
      expect(ot[i * 4 + 0]).toBe(0);
      expect(ot[i * 4 + 3]).toBe(1);
    }
    const p64 = tp.tensor(new Float64Array([0.25, 1, 0]));
    const o64 = tp.bernoulli(p64, [3]);
    expect(o64.dtype).toBe('float64');
    expect(o64.dataSync()[1]).toBe(1);
    expect(o64.dataSync()[2]).toBe(0);
    expect(tp.bernoulli(p64, { dtype: 'int32' }).dtype).toBe('int32');
  });

  test('randperm is a permutation', () => {
    const n = 1000;
    const d = tp.randperm(n).dataSync();
    expect(Array.from(d).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(Array.from(d)).not.toEqual(Array.from({ length: n }, (_, i) => i));
    expect(tp.randperm(0).shape).toEqual([0]);
    expect(Array.from(tp.randperm(1).dataSync())).toEqual([0]);
    expect(tp.randperm(5, { dtype: 'float64' }).dtype).toBe('float64');
    // each position is uniform: position 0 holds each of 0..3 about a quarter of the time
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < 4000; k++) counts[tp.tidy(() => tp.randperm(4).dataSync()[0])]++;
    for (const c of counts) expect(Math.abs(c / 4000 - 0.25)).toBeLessThan(6 * Math.sqrt(0.1875 / 4000));
  });

  test('randLike / randnLike', () => {
    const x = tp.zeros([3, 4], { dtype: 'float64' });
    const a = tp.randLike(x);
    expect(a.shape).toEqual([3, 4]);
    expect(a.dtype).toBe('float64');
    const b = tp.randnLike(tp.zeros([2], { dtype: 'int32' }));
    expect(b.dtype).toBe('float32');
  });
});

describe('shapes, options and errors', () => {
  test('0-d and empty shapes', () => {
    tp.manualSeed(3);
    const s = tp.rand([]);
    expect(s.shape).toEqual([]);
    expect(s.size).toBe(1);
    const before = tp.getRngState().offset;
    const e = tp.randn([0, 3]);
    expect(e.shape).toEqual([0, 3]);
    expect(e.size).toBe(0);
    expect(tp.truncatedNormal([2, 0]).size).toBe(0);
    expect(tp.randint(0, 2, [0]).size).toBe(0);
    expect(tp.bernoulli(tp.zeros([0, 2])).shape).toEqual([0, 2]);
    expect(tp.getRngState().offset).toBe(before);
    expect(tp.rand([2, 3, 4]).shape).toEqual([2, 3, 4]);
    expect(tp.rand(5 as unknown as number[]).shape).toEqual([5]);
  });

  test('requiresGrad option', () => {
    expect(tp.rand([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(tp.randn([2]).requiresGrad).toBe(false);
  });

  test('dtype errors', () => {
    expectThrowsCode(() => tp.rand([2], { dtype: 'int32' }), 'ERR_DTYPE', /rand: dtype must be float32 or float64.*randint/);
    expectThrowsCode(() => tp.randn([2], { dtype: 'bool' }), 'ERR_DTYPE', /randn/);
    expectThrowsCode(() => tp.truncatedNormal([2], { dtype: 'int32' }), 'ERR_DTYPE', /truncatedNormal/);
    expectThrowsCode(() => tp.uniform([2], 0, 1, { dtype: 'int32' }), 'ERR_DTYPE');
    expectThrowsCode(() => tp.randomNormal([2], 0, 1, { dtype: 'int32' }), 'ERR_DTYPE');
    expectThrowsCode(() => tp.randomUniform([2], 0, 1, { dtype: 'bool' }), 'ERR_DTYPE');
    expectThrowsCode(() => tp.randint(0, 2, [2], { dtype: 'bool' }), 'ERR_DTYPE');
    expectThrowsCode(() => tp.rand([2], { dtype: 'float16' as never }), 'ERR_DTYPE');
    expectThrowsCode(() => tp.bernoulli(tp.ones([2], { dtype: 'int32' })), 'ERR_DTYPE', /bernoulli: probabilities must be a float/);
  });

  test('shape errors', () => {
    expectThrowsCode(() => tp.rand([2, -1]), 'ERR_SHAPE', /rand: shape\[1\]/);
    expectThrowsCode(() => tp.randn([1.5]), 'ERR_SHAPE', /randn/);
    expectThrowsCode(() => tp.randint(0, 3, [NaN]), 'ERR_SHAPE', /randint/);
    expectThrowsCode(() => tp.truncatedNormal('x' as never), 'ERR_SHAPE');
    expectThrowsCode(() => tp.bernoulli(0.5, [2 ** 30, 2 ** 30]), 'ERR_SHAPE');
    expectThrowsCode(() => tp.bernoulli(tp.ones([2, 2]), [4]), 'ERR_SHAPE', /differs/);
  });

  test('argument errors', () => {
    expectThrowsCode(() => tp.randint(5, 5, [2]), 'ERR_ARGUMENT', /high \(5\) must be greater than low \(5\)/);
    expectThrowsCode(() => tp.randint(0, 2.5, [2]), 'ERR_ARGUMENT', /high must be an integer/);
    expectThrowsCode(() => tp.randint(0, 2 ** 31, [2]), 'ERR_ARGUMENT', /int32/);
    expectThrowsCode(() => tp.randint(-(2 ** 31) - 1, 0, [2]), 'ERR_ARGUMENT', /int32/);
    expectThrowsCode(() => tp.uniform([2], 3, 1), 'ERR_ARGUMENT', /low \(3\) must be <= high \(1\)/);
    expectThrowsCode(() => tp.uniform([2], 0, Infinity), 'ERR_ARGUMENT', /finite/);
    expectThrowsCode(() => tp.randn([2], { std: -1 }), 'ERR_ARGUMENT', /std must be >= 0/);
    expectThrowsCode(() => tp.randn([2], { mean: NaN }), 'ERR_ARGUMENT', /mean/);
    expectThrowsCode(() => tp.randomNormal([2], 0, -2), 'ERR_ARGUMENT', /stddev/);
    expectThrowsCode(() => tp.randomUniform([2], 4, 4, { dtype: 'int32' }), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.rand([2], 'float64' as never), 'ERR_ARGUMENT', /options must be an object/);
    expectThrowsCode(() => tp.manualSeed(1.5), 'ERR_ARGUMENT', /manualSeed: seed must be an integer/);
    expectThrowsCode(() => tp.manualSeed('1' as never), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.rand([2], { seed: 0.5 }), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.setRngState({ seed: 1n, offset: -1 }), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.randperm(-1), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.randperm(2.5), 'ERR_ARGUMENT');
  });

  test('bernoulli probability errors', () => {
    expectThrowsCode(() => tp.bernoulli(1.5, [2]), 'ERR_ARGUMENT', /bernoulli: p must be a probability in \[0, 1\]/);
    expectThrowsCode(() => tp.bernoulli(-0.1, [2]), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.bernoulli(NaN, [2]), 'ERR_ARGUMENT', /NaN/);
    expectThrowsCode(() => tp.bernoulli(tp.tensor([0.5, 1.2])), 'ERR_ARGUMENT', /index 1 is 1\.2.*outside \[0, 1\]/);
    expectThrowsCode(() => tp.bernoulli(tp.tensor([0.5, NaN])), 'ERR_ARGUMENT', /index 1 is NaN/);
    expectThrowsCode(() => tp.bernoulli(tp.tensor([-0.5, 0.5], { dtype: 'float64' })), 'ERR_ARGUMENT', /index 0/);
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => tp.bernoulli(d), 'ERR_DISPOSED');
    expectThrowsCode(() => tp.bernoulli('0.5' as never), 'ERR_ARGUMENT');
  });

  test('no leaks, including error paths and strided probabilities', () => {
    expectNoLeak(() => [tp.rand([100]), tp.randn([10, 10]), tp.truncatedNormal([7]), tp.randint(0, 9, [5])]);
    expectNoLeak(() => [tp.bernoulli(0.2, [9]), tp.randperm(10, { dtype: 'float32' }), tp.uniform([3], 1, 2)]);
    const p = tp.full([6, 5], 0.5);
    expectNoLeak(() => tp.bernoulli(p._view([5, 6], [1, 5], 0)));
    const bad = tp.tensor([[0.5, 2], [0.1, 0.2]]);
    expectNoLeak(() => {
      expectThrowsCode(() => tp.bernoulli(bad._view([2, 2], [1, 2], 0)), 'ERR_ARGUMENT');
    });
    p.dispose();
    bad.dispose();
  });

  test('float32 values read back exactly as generated', () => {
    // sanity: rand values are multiples of 2^-24
    tp.manualSeed(11);
    const d = tp.rand([1000]).dataSync();
    for (const v of d) expect(Number.isInteger(v * 2 ** 24)).toBe(true);
    expectClose(d, d);
  });
});
