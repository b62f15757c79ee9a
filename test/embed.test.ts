// Embedding lookups (tp.embedding / nn.functional.embedding, nn.Embedding, tp.embeddingLookup)
// against torch 1.13 (test/fixtures/embed.json, written by gen_embed.py): forward, the dense
// and the row-sparse weight gradient, paddingIdx, maxNorm, scaleGradByFreq; gradcheck, strided
// tables, any ids shape, bad input, leaks.
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectClose, expectNoLeak, expectThrowsCode, rng, seedOf, randArray } from './helpers';

interface EmbCase {
  name: string;
  options: { paddingIdx: number | null; maxNorm: number | null; normType: number; scaleGradByFreq: boolean };
  weight: number[][];
  ids: number[][];
  g: number[][][];
  out: number[][][];
  grad: number[][];
  weightAfter: number[][];
}
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'embed.json'), 'utf8')) as { embedding: EmbCase[] };
const TOL = { rtol: 1e-12, atol: 1e-12 };

function ids(a: unknown): tp.Tensor {
  return tp.tensor(a as number[], { dtype: 'int32' });
}

describe('embedding against torch', () => {
  for (const c of FIX.embedding)
    for (const sparse of [false, true])
      test(`${c.name}${sparse ? ' (sparse gradient)' : ''}`, () => {
        tp.tidy(() => {
          const w = tp.variable(tp.tensor(c.weight, { dtype: 'float64' }));
          const opts = { ...c.options, sparse };
          const y = tp.nn.functional.embedding(ids(c.ids), w, opts);
          expectClose(y.dataSync(), c.out.flat(2), TOL, 'forward');
          expect(y.shape).toEqual([2, 3, 4]);
          y.backward(tp.tensor(c.g, { dtype: 'float64' }));
          const g = w.grad as tp.Tensor;
          expect(g.isSparse).toBe(sparse);
          expectClose(g.dataSync(), c.grad.flat(), TOL, 'grad');
          expectClose(w.dataSync(), c.weightAfter.flat(), { rtol: 1e-12, atol: 1e-12 }, 'renormed weight');
          w.grad?.dispose();
          w.dispose();
        });
      });
});

describe('embedding', () => {
  test('any ids shape: 0-d, 1-d, 3-d and empty; table rows of any rank', () => {
    const w = tp.tensor([[1, 2], [3, 4], [5, 6]]);
    expect(tp.embedding(ids(2), w).toArray()).toEqual([5, 6]);
    expect(tp.embedding([0, 2], w).toArray()).toEqual([[1, 2], [5, 6]]);
    expect(tp.embedding(ids([[[1]], [[0]]]), w).shape).toEqual([2, 1, 1, 2]);
    expect(tp.embedding(tp.zeros([0, 3], { dtype: 'int32' }), w).shape).toEqual([0, 3, 2]);
    const b = tp.tensor([10, 20, 30]);
    expect(tp.embedding([2, 2, 0], b).toArray()).toEqual([30, 30, 10]);
    const t3 = tp.arange(12).reshape([3, 2, 2]).cast('float32');
    expect(tp.embedding([1], t3).toArray()).toEqual([[[4, 5], [6, 7]]]);
  });

  test('strided tables (transposed, sliced, flipped) give the same rows and gradients', () => {
    const r = rng(seedOf('strided embedding'));
    const base = tp.tensor(randArray(6 * 5, r), { shape: [6, 5], dtype: 'float64' });
    const idx = [4, 0, 2, 2];
    for (const [name, make] of [
      ['transposed', (t: tp.Tensor) => t.transpose(0, 1).contiguous().transpose(0, 1)],
      ['sliced', (t: tp.Tensor) => tp.pad(t, [[0, 0], [1, 2]]).slice([0, 1], [6, 5])],
      ['flipped', (t: tp.Tensor) => tp.flip(tp.flip(t, [0]), [0])],
    ] as const) {
      const v = make(base);
      const want = tp.gather(base, idx, 0).dataSync();
      expectClose(tp.embedding(idx, v).dataSync(), want, TOL, name);
      const p = tp.variable(base);
      const src = make(p);
      for (const sparse of [false, true]) {
        const [gw] = tp.grads(tp.sum(tp.mul(tp.embedding(idx, src, { sparse }), tp.arange(20).reshape([4, 5]).cast('float64'))), [p], undefined, { retainGraph: true });
        const ref = tp.grads(tp.sum(tp.mul(tp.gather(p, idx, 0), tp.arange(20).reshape([4, 5]).cast('float64'))), [p])[0];
        expectClose(gw.dataSync(), ref.dataSync(), TOL, `${name} grad`);
      }
    }
  });

  test('gradcheck (float64), dense and sparse; second order through createGraph', () => {
    const r = rng(seedOf('embedding gradcheck'));
    const w = tp.tensor(randArray(5 * 3, r), { shape: [5, 3], dtype: 'float64' });
    const i = ids([[0, 3, 3], [4, 1, 0]]);
    expect(tp.gradcheck((x) => tp.embedding(i, x), [w])).toBe(true);
    // (paddingIdx and scaleGradByFreq change the gradient on purpose: checked against torch above)
    expect(tp.gradcheck((x) => tp.embedding(i, x, { sparse: true }), [w])).toBe(true);
    // a gradient penalty: the table's gradient (createGraph) is differentiable in the upstream u
    const penalty = (u: tp.Tensor): tp.Tensor => tp.enableGrad(() => {
      const W = tp.tensor(randArray(5 * 3, r), { shape: [5, 3], dtype: 'float64' });
      W.requiresGrad = true;
      const [gW] = tp.grads(tp.sum(tp.mul(tp.embedding(i, W, { paddingIdx: 4 }), u)), [W], undefined, { createGraph: true });
      return tp.sum(tp.square(gW));
    });
    expect(tp.gradcheck(penalty, [tp.tensor(randArray(18, r), { shape: [2, 3, 3], dtype: 'float64' })])).toBe(true);
  });

  test('the dense gradient is one table-shaped tensor; the sparse one holds only the looked-up rows', () => {
    const w = tp.variable(tp.randn([1000, 8]));
    tp.sum(tp.embedding([5, 7, 5], w, { sparse: true })).backward();
    const g = w.grad as tp.SparseRows;
    expect(g).toBeInstanceOf(tp.SparseRows);
    expect(g.nnz).toBe(3);
    expect(g.values.shape).toEqual([3, 8]);
    const c = g.coalesce();
    expect(c.indices.toArray()).toEqual([5, 7]);
    expect(c.values.toArray()).toEqual([Array(8).fill(2), Array(8).fill(1)]);
    c.dispose();
    w.grad = null;
    g.dispose();
  });

  test('ids out of range name their position and value; bad arguments', () => {
    const w = tp.ones([4, 2]);
    expectThrowsCode(() => tp.embedding(ids([[0, 1], [4, 2]]), w), 'ERR_OUT_OF_BOUNDS', /ids\[1, 0\] = 4 is out of range for a table of 4 rows/);
    expectThrowsCode(() => tp.embedding([0, -1], w), 'ERR_OUT_OF_BOUNDS', /ids\[1\] = -1/);
    expectThrowsCode(() => tp.embedding(tp.tensor([0, 1]), w), 'ERR_DTYPE', /int32/);
    expectThrowsCode(() => tp.embedding([0], tp.ones([3], { dtype: 'int32' })), 'ERR_DTYPE', /float32 or float64/);
    expectThrowsCode(() => tp.embedding([0], tp.tensor(1)), 'ERR_SHAPE');
    expectThrowsCode(() => tp.embedding([0], w, { paddingIdx: 4 }), 'ERR_ARGUMENT', /paddingIdx/);
    expectThrowsCode(() => tp.embedding([0], w, { maxNorm: -1 }), 'ERR_ARGUMENT', /maxNorm/);
    expectThrowsCode(() => tp.embedding([0.5], w), /ERR_/);
    expectThrowsCode(() => tp.embedding('x' as never, w), 'ERR_ARGUMENT');
  });

  test('leak-free: forward, backward (dense and sparse), maxNorm', () => {
    const w = tp.variable(tp.randn([50, 4]));
    expectNoLeak(() => tp.embedding([1, 2, 3], w.detach()));
    for (const sparse of [false, true])
      expectNoLeak(() => {
        tp.tidy(() => tp.sum(tp.embedding(ids([[1, 2], [2, 49]]), w, { sparse, maxNorm: 1, paddingIdx: 2 })).backward());
        w.grad?.dispose();
        w.grad = null;
      });
  });
});

describe('nn.Embedding', () => {
  test("torch's initialisation N(0, 1), the padding row zeroed, parameter name weight", () => {
    tp.manualSeed(3);
    const e = new tp.nn.Embedding(2000, 16, { paddingIdx: 7 });
    const d = e.weight.dataSync();
    let s = 0;
    let s2 = 0;
    for (const v of d) {
      s += v;
      s2 += v * v;
    }
    const mean = s / d.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(s2 / d.length - mean * mean - 1)).toBeLessThan(0.03);
    expect(Array.from(d.slice(7 * 16, 8 * 16))).toEqual(Array(16).fill(0));
    expect([...e.namedParameters()].map(([n]) => n)).toEqual(['weight']);
    expect(e.forward(ids([[7, 1]])).shape).toEqual([1, 2, 16]);
    e.dispose();
  });

  test('fromPretrained copies and freezes (unless freeze false); sparse module gives sparse grads', () => {
    const src = tp.tensor([[1, 2], [3, 4]]);
    const e = tp.nn.Embedding.fromPretrained(src);
    expect(e.weight.requiresGrad).toBe(false);
    expect(e.forward(ids([1])).toArray()).toEqual([[3, 4]]);
    const f = tp.nn.Embedding.fromPretrained(src, { freeze: false, sparse: true });
    tp.sum(f.forward(ids([1, 1]))).backward();
    expect(f.weight.grad?.isSparse).toBe(true);
    expect(f.weight.grad?.toArray()).toEqual([[0, 0], [2, 2]]);
    expectThrowsCode(() => new tp.nn.Embedding(3, 2, { bogus: 1 } as never), 'ERR_ARGUMENT', /unknown option 'bogus'/);
    expectThrowsCode(() => new tp.nn.Embedding(-1, 2), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.nn.Embedding.fromPretrained(tp.ones([3])), 'ERR_SHAPE');
  });
});

describe('embeddingLookup (tf.nn.embedding_lookup)', () => {
  test("one table, and shards with TF's 'mod' strategy, forward and gradients", () => {
    const r = rng(seedOf('embedding lookup shards'));
    const V = 11;
    const full = tp.tensor(randArray(V * 3, r), { shape: [V, 3], dtype: 'float64' });
    const P = 3;
    // shard s holds rows s, s + P, s + 2P, …
    const shards = Array.from({ length: P }, (_, s) => tp.variable(tp.gather(full, Array.from({ length: Math.ceil((V - s) / P) }, (_, k) => s + k * P), 0)));
    const q = ids([[10, 0, 4], [4, 8, 1]]);
    const want = tp.embedding(q, full);
    const got = tp.embeddingLookup(shards, q);
    expectClose(got.dataSync(), want.dataSync(), TOL);
    expect(got.shape).toEqual([2, 3, 3]);
    expectClose(tp.embeddingLookup(full, q).dataSync(), want.dataSync(), TOL);
    const wts = tp.arange(18).reshape([2, 3, 3]).cast('float64');
    tp.sum(tp.mul(tp.embeddingLookup(shards, q, { sparse: true }), wts)).backward();
    const fv = tp.variable(full);
    tp.sum(tp.mul(tp.embedding(q, fv), wts)).backward();
    const fg = (fv.grad as tp.Tensor).toArray() as number[][];
    for (let s = 0; s < P; s++) {
      const rows = (shards[s].grad as tp.Tensor).toArray() as number[][];
      rows.forEach((row, k) => expect(row).toEqual(fg[s + k * P]));
    }
    expectThrowsCode(() => tp.embeddingLookup(shards, [11]), 'ERR_OUT_OF_BOUNDS', /ids\[0\] = 11/);
    expectThrowsCode(() => tp.embeddingLookup([shards[2], shards[0]], [0]), 'ERR_SHAPE', /'mod'/);
    expectThrowsCode(() => tp.embeddingLookup([], [0]), 'ERR_ARGUMENT');
    expectNoLeak(() => tp.embeddingLookup(shards.map((t) => t.detach()), q));
  });
});
