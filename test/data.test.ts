// tp.data: seeded permutation / shuffle (arrays, typed arrays, tensors) and batches().
import { tp, expectNoLeak, expectThrowsCode } from './helpers';

const sorted = (a: ArrayLike<number>): number[] => Array.from(a).sort((p, q) => p - q);
const iota = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('data.permutation', () => {
  test('is a permutation of 0..n-1 for many n and seeds', () => {
    for (const n of [0, 1, 2, 7, 64, 1000]) {
      for (const seed of [0, 1, 42, -3]) {
        const p = tp.data.permutation(n, seed);
        expect(p).toBeInstanceOf(Int32Array);
        expect(sorted(p)).toEqual(iota(n));
      }
    }
  });

  test('deterministic per seed, different across seeds, independent of the global RNG', () => {
    tp.manualSeed(5);
    const a = Array.from(tp.data.permutation(100, 7));
    const state = tp.getRngState();
    const r1 = tp.rand([3]).toArray();
    tp.manualSeed(99);
    const b = Array.from(tp.data.permutation(100, 7));
    expect(b).toEqual(a);
    expect(Array.from(tp.data.permutation(100, 8))).not.toEqual(a);
    expect(a).not.toEqual(iota(100));
    // drawing a permutation does not advance tp's RNG
    tp.setRngState(state);
    tp.data.permutation(100, 3);
    expect(tp.rand([3]).toArray()).toEqual(r1);
  });

  test('rejects bad arguments', () => {
    expectThrowsCode(() => tp.data.permutation(-1), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.data.permutation(2.5), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.data.permutation(3, 0.5), 'ERR_ARGUMENT');
  });
});

describe('data.shuffle', () => {
  test('arrays and typed arrays: same permutation, input unchanged', () => {
    const arr = iota(20);
    const s = tp.data.shuffle(arr, 3);
    expect(arr).toEqual(iota(20));
    expect(sorted(s)).toEqual(iota(20));
    expect(s).toEqual(Array.from(tp.data.permutation(20, 3)));
    const f = tp.data.shuffle(Float32Array.from(arr), 3);
    expect(f).toBeInstanceOf(Float32Array);
    expect(Array.from(f)).toEqual(s);
    expect(tp.data.shuffle(arr, 3)).toEqual(s);
  });

  test('tensors: rows move together along axis 0, no leaks', () => {
    const x = tp.arange(0, 30).reshape([10, 3]);
    const s = tp.data.shuffle(x, 11);
    const p = tp.data.permutation(10, 11);
    expect(s.shape).toEqual([10, 3]);
    expect(s.toArray()).toEqual(Array.from(p, (i) => [3 * i, 3 * i + 1, 3 * i + 2]));
    s.dispose();
    expectNoLeak(() => tp.data.shuffle(x, 1));
    x.dispose();
  });

  test('rejects non-arrays and 0-d tensors', () => {
    expectThrowsCode(() => tp.data.shuffle({} as unknown as number[]), 'ERR_ARGUMENT');
    const z = tp.tensor(1);
    expectThrowsCode(() => tp.data.shuffle(z), 'ERR_AXIS');
    z.dispose();
  });
});

describe('data.batches', () => {
  test('in order, last partial batch, views of x and y', () => {
    const x = tp.arange(0, 20).reshape([10, 2]);
    const y = tp.arange(0, 10);
    const bs = tp.data.batches(x, y, { batchSize: 4 });
    expect(bs.length).toBe(3);
    const got = [...bs];
    expect(got.map(([a]) => a.shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(got.map(([, b]) => b.toArray())).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(got[2][0].toArray()).toEqual([[16, 17], [18, 19]]);
    for (const [a, b] of got) {
      a.dispose();
      b.dispose();
    }
    x.dispose();
    y.dispose();
  });

  test('dropLast skips the short batch; exact multiples keep every batch', () => {
    const x = tp.arange(0, 10);
    expect(tp.data.batches(x, undefined, { batchSize: 4, dropLast: true }).length).toBe(2);
    const sizes = [...tp.data.batches(x, undefined, { batchSize: 4, dropLast: true })].map(([a, b]) => {
      expect(b).toBeUndefined();
      const n = a.shape[0];
      a.dispose();
      return n;
    });
    expect(sizes).toEqual([4, 4]);
    expect(tp.data.batches(x, undefined, { batchSize: 5, dropLast: true }).length).toBe(2);
    expect(tp.data.batches(x, undefined, { batchSize: 20, dropLast: true }).length).toBe(0);
    expect(tp.data.batches(x, undefined, { batchSize: 20 }).length).toBe(1);
    x.dispose();
  });

  test('shuffle: every row exactly once, x and y stay paired, deterministic per seed, new order per epoch', () => {
    const n = 23;
    const x = tp.arange(0, 2 * n).reshape([n, 2]);
    const y = tp.arange(0, n);
    const epoch = (bs: Iterable<[tp.Tensor, tp.Tensor]>): number[] => {
      const order: number[] = [];
      for (const [a, b] of bs) {
        const xa = a.toArray() as number[][];
        const yb = b.toArray() as number[];
        yb.forEach((v, i) => expect(xa[i]).toEqual([2 * v, 2 * v + 1]));
        order.push(...yb);
        a.dispose();
        b.dispose();
      }
      return order;
    };
    const bs = tp.data.batches(x, y, { batchSize: 5, shuffle: true, seed: 4 });
    const e1 = epoch(bs);
    const e2 = epoch(bs);
    expect(sorted(e1)).toEqual(iota(n));
    expect(sorted(e2)).toEqual(iota(n));
    expect(e1).not.toEqual(iota(n));
    expect(e2).not.toEqual(e1);
    const again = tp.data.batches(x, y, { batchSize: 5, shuffle: true, seed: 4 });
    expect(epoch(again)).toEqual(e1);
    expect(epoch(again)).toEqual(e2);
    x.dispose();
    y.dispose();
  });

  test('arrays and typed arrays', () => {
    const xs = iota(7).map((i) => `s${i}`);
    const ys = Int32Array.from(iota(7));
    const plain = [...tp.data.batches(xs, ys, { batchSize: 3 })];
    expect(plain.map(([a]) => a)).toEqual([['s0', 's1', 's2'], ['s3', 's4', 's5'], ['s6']]);
    expect(plain[2][1]).toBeInstanceOf(Int32Array);
    const shuffled = [...tp.data.batches(xs, ys, { batchSize: 3, shuffle: true, seed: 1, dropLast: true })];
    expect(shuffled.length).toBe(2);
    for (const [a, b] of shuffled) expect(a).toEqual(Array.from(b, (i) => `s${i}`));
  });

  test('no leaks when batches are disposed (plain and shuffled)', () => {
    const x = tp.randn([50, 4]);
    const y = tp.arange(0, 50);
    for (const shuffle of [false, true]) {
      expectNoLeak(() => {
        for (const [a, b] of tp.data.batches(x, y, { batchSize: 8, shuffle, seed: 2 })) {
          a.dispose();
          b.dispose();
        }
      });
      expectNoLeak(() =>
        tp.tidy(() => {
          let s = 0;
          for (const [a, b] of tp.data.batches(x, y, { batchSize: 16, shuffle })) s += a.sum().item() + b.shape[0];
          return s;
        }),
      );
    }
    x.dispose();
    y.dispose();
  });

  test('rejects bad options and mismatched rows', () => {
    const x = tp.zeros([4, 2]);
    const y = tp.zeros([3]);
    expectThrowsCode(() => tp.data.batches(x, undefined, { batchSize: 0 }), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.data.batches(x, undefined, { batchSize: 1.5 }), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.data.batches(x, undefined, undefined as unknown as { batchSize: number }), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.data.batches(x, y, { batchSize: 2 }), 'ERR_SHAPE');
    x.dispose();
    y.dispose();
  });
});
