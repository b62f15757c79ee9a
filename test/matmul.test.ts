import { tp, rng, seedOf, randArray, randInts, prod, stridesOf, unravel, expectClose, expectNoLeak, expectThrowsCode } from './helpers';

type DT = 'float32' | 'float64' | 'int32';
const DTYPES: DT[] = ['float32', 'float64', 'int32'];

/**
 * Tolerance for a product with inner dimension K. float32 is looser than torch.testing's
 * rtol 1.3e-6 / atol 1e-5: BLAS sums the K products in its own (blocked, FMA) order, so the
 * float32 result differs from the float64 reference by rounding that grows with K — about
 * K * eps * |terms| in the worst case, sqrt(K) * eps * |terms| typically.
 */
function tolFor(dtype: string, K: number): { rtol: number; atol: number } {
  if (dtype === 'float32') return { rtol: 1e-5, atol: 1e-5 * Math.sqrt(Math.max(K, 1)) * 2 };
  if (dtype === 'float64') return { rtol: 1e-7, atol: 1e-7 };
  return { rtol: 0, atol: 0 };
}

function randValues(n: number, dtype: string, r: () => number): number[] {
  if (dtype === 'int32') return randInts(n, r, -5, 6);
  if (dtype === 'bool') return randInts(n, r, 0, 2);
  const v = randArray(n, r);
  return dtype === 'float32' ? v.map(Math.fround) : v;
}

interface Operand {
  t: tp.Tensor;
  vals: number[]; // logical values in row-major order
  shape: number[];
  extra: tp.Tensor[]; // to dispose
}

function dense(shape: number[], dtype: string, r: () => number): Operand {
  const vals = randValues(prod(shape), dtype, r);
  const t = tp.tensor(vals, { shape, dtype: dtype as DT });
  return { t, vals, shape, extra: [] };
}

/** A strided view over a fresh random base storage; vals read through (shape, strides, offset). */
function view(shape: number[], strides: number[], offset: number, dtype: string, r: () => number): Operand {
  let hi = offset;
  let lo = offset;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 0) continue;
    const span = (shape[d] - 1) * strides[d];
    if (span > 0) hi += span;
    else lo += span;
  }
  if (lo < 0) throw new Error('bad test view');
  const baseVals = randValues(hi + 1, dtype, r);
  const base = tp.tensor(baseVals, { shape: [hi + 1], dtype: dtype as DT });
  const t = base._view(shape, strides, offset);
  const n = prod(shape);
  const vals = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    let p = offset;
    for (let d = 0; d < shape.length; d++) p += idx[d] * strides[d];
    vals[i] = baseVals[p];
  }
  return { t, vals, shape, extra: [base] };
}

function disposeAll(...ops: Operand[]): void {
  for (const o of ops) {
    o.t.dispose();
    for (const e of o.extra) e.dispose();
  }
}

/** numpy.matmul in plain float64 JS. Returns [shape, values]. */
function refMatmul(av: number[], as: number[], bv: number[], bs: number[]): [number[], number[]] {
  const a2 = as.length === 1 ? [1, as[0]] : as;
  const b2 = bs.length === 1 ? [bs[0], 1] : bs;
  const M = a2[a2.length - 2];
  const K = a2[a2.length - 1];
  const N = b2[b2.length - 1];
  if (b2[b2.length - 2] !== K) throw new Error('ref: inner mismatch');
  const ba = a2.slice(0, -2);
  const bb = b2.slice(0, -2);
  const nb = Math.max(ba.length, bb.length);
  const batch: number[] = [];
  for (let d = 0; d < nb; d++) {
    const x = d - (nb - ba.length) < 0 ? 1 : ba[d - (nb - ba.length)];
    const y = d - (nb - bb.length) < 0 ? 1 : bb[d - (nb - bb.length)];
    batch.push(x === 1 ? y : x);
  }
  const nbatch = prod(batch);
  const out = new Array<number>(nbatch * M * N);
  const aBatchStr = stridesOf(ba).map((s) => s * M * K);
  const bBatchStr = stridesOf(bb).map((s) => s * K * N);
  for (let b = 0; b < nbatch; b++) {
    const idx = unravel(b, batch);
    let oa = 0;
    let ob = 0;
    for (let d = 0; d < nb; d++) {
      const da = d - (nb - ba.length);
      if (da >= 0 && ba[da] !== 1) oa += idx[d] * aBatchStr[da];
      const db = d - (nb - bb.length);
      if (db >= 0 && bb[db] !== 1) ob += idx[d] * bBatchStr[db];
    }
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += av[oa + i * K + k] * bv[ob + k * N + j];
        out[(b * M + i) * N + j] = s;
      }
  }
  const shape = [...batch];
  if (as.length > 1) shape.push(M);
  if (bs.length > 1) shape.push(N);
  return [shape, out];
}

/** int32 wrap-around of the reference, as the kernel computes. */
function wrapInt(vals: number[]): number[] {
  return vals.map((v) => v | 0);
}

function check(a: Operand, b: Operand, what: string, fn: (x: tp.Tensor, y: tp.Tensor) => tp.Tensor = tp.matmul): void {
  const out = fn(a.t, b.t);
  const [shape, ref] = refMatmul(a.vals, a.shape, b.vals, b.shape);
  const dtype = out.dtype;
  expect(out.shape).toEqual(shape);
  const K = a.shape[a.shape.length - 1];
  if (dtype === 'int32') expectClose(out.dataSync(), wrapInt(ref), { rtol: 0, atol: 0 }, what);
  else expectClose(out.dataSync(), ref, tolFor(dtype, K), what);
  out.dispose();
}

const SHAPE_CASES: [number[], number[]][] = [
  [[3], [3]], // dot -> 0-d
  [[5], [5, 4]], // 1-D @ 2-D
  [[4, 5], [5]], // 2-D @ 1-D
  [[2, 3], [3, 4]],
  [[1, 5], [5, 4]], // M = 1 (gemv on b)
  [[4, 5], [5, 1]], // N = 1 (gemv on a)
  [[1, 7], [7, 1]], // M = N = 1
  [[33, 65], [65, 17]],
  [[70, 80], [80, 90]], // large enough for OpenBLAS to thread
  [[4], [2, 4, 3]], // 1-D @ batched
  [[2, 4, 3], [3]], // batched @ 1-D
  [[3, 2, 3], [3, 4]], // batched @ 2-D
  [[2, 3], [4, 3, 5]], // 2-D @ batched
  [[2, 1, 3, 4], [5, 4, 6]], // broadcast batch -> [2,5,3,6]
  [[1, 1, 2, 3], [1, 3, 2]],
  [[3, 1, 4], [3, 4, 1]], // batched M = N = 1
  [[64, 8, 8], [64, 8, 8]], // many small GEMMs (batch-parallel path)
];

describe('matmul', () => {
  test.each(DTYPES)('shape cases against a float64 reference (%s)', (dtype) => {
    const r = rng(seedOf('matmul shapes ' + dtype));
    for (const [sa, sb] of SHAPE_CASES) {
      const a = dense(sa, dtype, r);
      const b = dense(sb, dtype, r);
      check(a, b, `${JSON.stringify(sa)} @ ${JSON.stringify(sb)} ${dtype}`);
      expect(tp.matmul(a.t, b.t).dtype).toBe(dtype);
      disposeAll(a, b);
    }
  });

  test('1-D @ 1-D gives a 0-d tensor', () => {
    const a = tp.tensor([1, 2, 3], { dtype: 'float64' });
    const b = tp.tensor([4, 5, 6], { dtype: 'float64' });
    const c = tp.matmul(a, b);
    expect(c.shape).toEqual([]);
    expect(c.item()).toBe(32);
    tp.dispose([a, b, c]);
  });

  test('method, aliases, mm and bmm', () => {
    const r = rng(seedOf('matmul aliases'));
    const a = dense([3, 4], 'float32', r);
    const b = dense([4, 2], 'float32', r);
    check(a, b, 'method', (x, y) => x.matmul(y));
    check(a, b, 'matMul', tp.matMul);
    check(a, b, 'x.matMul', (x, y) => x.matMul(y));
    check(a, b, 'mm', tp.mm);
    check(a, b, 'x.mm', (x, y) => x.mm(y));
    const c = dense([5, 3, 4], 'float64', r);
    const d = dense([5, 4, 2], 'float64', r);
    check(c, d, 'bmm', tp.bmm);
    check(c, d, 'x.bmm', (x, y) => x.bmm(y));
    expectThrowsCode(() => tp.mm(c.t, b.t), 'ERR_SHAPE', /mm: expected 2-D tensors, got \[5,3,4\] @ \[4,2\]/);
    expectThrowsCode(() => tp.bmm(a.t, b.t), 'ERR_SHAPE', /bmm: expected 3-D/);
    const e = dense([4, 4, 2], 'float64', r);
    expectThrowsCode(() => tp.bmm(c.t, e.t), 'ERR_SHAPE', /bmm: batch sizes differ: \[5,3,4\] @ \[4,4,2\]/);
    disposeAll(a, b, c, d, e);
  });

  test.each(DTYPES)('transposed and strided views (%s)', (dtype) => {
    const r = rng(seedOf('matmul views ' + dtype));
    const M = 5, K = 7, N = 6;
    const cases: [string, () => Operand, () => Operand][] = [
      // a transposed: storage K x M, read as M x K with strides (1, M) -> BLAS Trans flag
      ['a^T', () => view([M, K], [1, M], 0, dtype, r), () => dense([K, N], dtype, r)],
      ['b^T', () => dense([M, K], dtype, r), () => view([K, N], [1, K], 0, dtype, r)],
      ['a^T b^T', () => view([M, K], [1, M], 0, dtype, r), () => view([K, N], [1, K], 0, dtype, r)],
      // sliced: leading dimension larger than the row length, with an offset
      ['a sliced', () => view([M, K], [K + 3, 1], 2, dtype, r), () => view([K, N], [N + 1, 1], 1, dtype, r)],
      // transposed slice: ld > M
      ['a^T sliced', () => view([M, K], [1, M + 2], 1, dtype, r), () => dense([K, N], dtype, r)],
      // every other column: no BLAS layout, gets packed
      ['a col stride 2', () => view([M, K], [2 * K, 2], 0, dtype, r), () => view([K, N], [1, 2 * K], 1, dtype, r)],
      // negative row stride (flipped rows): packed
      ['a flipped', () => view([M, K], [-K, 1], (M - 1) * K, dtype, r), () => dense([K, N], dtype, r)],
      // stride-0 broadcast batch (expand) and a batched transpose
      ['expanded batch', () => view([4, M, K], [0, K, 1], 0, dtype, r), () => view([4, K, N], [K * N, 1, K], 0, dtype, r)],
      ['batch stride 0 both', () => view([3, M, K], [0, 1, M], 0, dtype, r), () => view([3, K, N], [0, N, 1], 0, dtype, r)],
      // batch dims permuted (non-monotonic batch strides)
      ['permuted batch', () => view([2, 3, M, K], [M * K, 2 * M * K, K, 1], 0, dtype, r), () => dense([K, N], dtype, r)],
      // vectors: strided, broadcast (stride 0), flipped
      ['vec stride 2 @ mat', () => view([K], [2], 1, dtype, r), () => view([K, N], [1, K], 0, dtype, r)],
      ['mat @ vec stride 3', () => view([M, K], [1, M], 0, dtype, r), () => view([K], [3], 0, dtype, r)],
      ['vec stride 0 @ mat', () => view([K], [0], 2, dtype, r), () => dense([K, N], dtype, r)],
      ['mat @ vec flipped', () => dense([M, K], dtype, r), () => view([K], [-1], K - 1, dtype, r)],
      ['dot strided', () => view([K], [2], 0, dtype, r), () => view([K], [-2], 2 * (K - 1), dtype, r)],
      ['dot stride 0', () => view([K], [0], 0, dtype, r), () => dense([K], dtype, r)],
      // M x 1 and 1 x N matrices with odd strides
      ['column matrix', () => view([M, 1], [3, 5], 0, dtype, r), () => view([1, N], [0, 2], 0, dtype, r)],
    ];
    for (const [what, fa, fb] of cases) {
      const a = fa();
      const b = fb();
      check(a, b, `${what} ${dtype}`);
      disposeAll(a, b);
    }
  });

  test('result is correct when the output block comes back from the cache holding NaN', () => {
    // beta = 0: BLAS must not read the uninitialised output (NaN * 0 would stay NaN)
    const r = rng(seedOf('matmul cache'));
    for (const [sa, sb] of [[[6, 5], [5, 7]], [[6, 5], [5]], [[5], [5, 7]]] as [number[], number[]][]) {
      for (const dtype of ['float32', 'float64'] as DT[]) {
        const n = prod(refMatmul(new Array(prod(sa)).fill(0), sa, new Array(prod(sb)).fill(0), sb)[0]);
        tp.full([n], NaN, { dtype }).dispose();
        const a = dense(sa, dtype, r);
        const b = dense(sb, dtype, r);
        check(a, b, `cache ${dtype} ${JSON.stringify(sa)}`);
        disposeAll(a, b);
      }
    }
  });

  test('NaN and Inf propagate', () => {
    const a = tp.tensor([[1, NaN], [2, 3], [Infinity, 1]], { dtype: 'float32' });
    const b = tp.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    const c = tp.matmul(a, b);
    expectClose(c.dataSync(), [NaN, NaN, 11, 16, Infinity, Infinity]);
    const v = tp.tensor([Infinity, -Infinity], { dtype: 'float64' });
    const w = tp.tensor([1, 1], { dtype: 'float64' });
    const d = tp.dot(v, w);
    expect(Number.isNaN(d.item())).toBe(true);
    tp.dispose([a, b, c, v, w, d]);
  });

  test('mixed dtypes promote', () => {
    const r = rng(seedOf('matmul mixed'));
    const pairs: [string, string, string][] = [
      ['float32', 'float64', 'float64'],
      ['int32', 'float32', 'float32'],
      ['float64', 'int32', 'float64'],
      ['bool', 'int32', 'int32'],
      ['bool', 'float32', 'float32'],
    ];
    for (const [da, db, want] of pairs) {
      const a = dense([3, 4], da, r);
      const b = dense([4, 2], db, r);
      const c = tp.matmul(a.t, b.t);
      expect(c.dtype).toBe(want);
      c.dispose();
      check(a, b, `${da} @ ${db}`);
      expectNoLeak(() => tp.matmul(a.t, b.t));
      disposeAll(a, b);
    }
  });

  test.each(DTYPES)('empty dims (%s)', (dtype) => {
    const cases: [number[], number[], number[]][] = [
      [[0, 3], [3, 4], [0, 4]],
      [[3, 4], [4, 0], [3, 0]],
      [[3, 0], [0, 4], [3, 4]], // K = 0: zeros
      [[0], [0], []],
      [[0], [0, 2], [2]],
      [[2, 0], [0], [2]],
      [[0, 2, 3], [3, 4], [0, 2, 4]],
      [[2, 3, 0], [0, 5], [2, 3, 5]],
      [[2, 1, 1, 0], [3, 0, 2], [2, 3, 1, 2]],
    ];
    for (const [sa, sb, want] of cases) {
      // fill the cache with garbage so K = 0 really has to write zeros
      tp.full([Math.max(1, prod(want))], 7, { dtype }).dispose();
      const a = tp.ones(sa, { dtype });
      const b = tp.ones(sb, { dtype });
      const c = tp.matmul(a, b);
      expect(c.shape).toEqual(want);
      expect(c.dtype).toBe(dtype);
      expect(Array.from(c.dataSync())).toEqual(new Array(prod(want)).fill(0));
      tp.dispose([a, b, c]);
    }
  });

  test('batch-parallel and threaded paths agree at 1 and 2 threads', () => {
    const initial = tp.getNumThreads();
    const r = rng(seedOf('matmul threads'));
    try {
      for (const n of [1, 2]) {
        tp.setNumThreads(n);
        for (const [sa, sb] of [
          [[200, 4, 5], [200, 5, 3]],
          [[100, 6], [100, 6, 1]],
          [[300, 1, 9], [9, 1]],
          [[3, 130, 70], [70, 90]],
          [[50, 7, 7], [7, 1]],
        ] as [number[], number[]][]) {
          for (const dtype of DTYPES) {
            const a = dense(sa, dtype, r);
            const b = dense(sb, dtype, r);
            check(a, b, `threads ${n} ${dtype} ${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`);
            disposeAll(a, b);
          }
        }
      }
    } finally {
      tp.setNumThreads(initial);
    }
  });

  test('int32 wraps around like torch/numpy', () => {
    const a = tp.tensor([[65536, 65536]], { dtype: 'int32' });
    const b = tp.tensor([[65536], [1]], { dtype: 'int32' });
    const c = tp.matmul(a, b);
    expect(Array.from(c.dataSync())).toEqual([(65536 * 65536 + 65536) | 0]);
    tp.dispose([a, b, c]);
  });

  test('bad input errors', () => {
    const a = tp.ones([2, 3]);
    const b = tp.ones([4, 5]);
    expectThrowsCode(() => tp.matmul(a, b), 'ERR_SHAPE', /^matmul: inner dimensions differ: \[2,3\] @ \[4,5\]/);
    expectThrowsCode(() => a.matmul(b), 'ERR_SHAPE', /matmul: inner dimensions differ/);
    const v = tp.ones([4]);
    expectThrowsCode(() => tp.matmul(a, v), 'ERR_SHAPE', /inner dimensions differ: \[2,3\] @ \[4\]/);
    expectThrowsCode(() => tp.matmul(v, a), 'ERR_SHAPE', /inner dimensions differ: \[4\] @ \[2,3\]/);
    const s = tp.tensor(2.0);
    expectThrowsCode(() => tp.matmul(s, a), 'ERR_SHAPE', /matmul: 0-d tensors cannot be multiplied.*\[\] @ \[2,3\]/);
    expectThrowsCode(() => tp.matmul(a, s), 'ERR_SHAPE', /0-d/);
    const x = tp.ones([2, 2, 3]);
    const y = tp.ones([3, 3, 4]);
    expectThrowsCode(() => tp.matmul(x, y), 'ERR_SHAPE', /batch dimensions cannot be broadcast: \[2,2,3\] @ \[3,3,4\]/);
    const bo = tp.ones([2, 2], { dtype: 'bool' });
    expectThrowsCode(() => tp.matmul(bo, bo), 'ERR_DTYPE', /matmul: bool tensors are not supported/);
    expectThrowsCode(() => tp.matmul(a, 3 as unknown as tp.Tensor), 'ERR_ARGUMENT', /matmul: b must be a Tensor, got 3/);
    expectThrowsCode(() => tp.matmul(null as unknown as tp.Tensor, a), 'ERR_ARGUMENT', /matmul: a must be a Tensor/);
    const d = tp.ones([3, 2]);
    d.dispose();
    expectThrowsCode(() => tp.matmul(a, d), 'ERR_DISPOSED', /matmul: tensor \[3,2\] float32 was disposed/);
    expectThrowsCode(() => tp.dot(a, a), 'ERR_SHAPE', /dot: expected two 1-D tensors, got \[2,3\] and \[2,3\]/);
    expectThrowsCode(() => tp.dot(v, tp.ones([3])), 'ERR_SHAPE', /dot: inner dimensions differ: \[4\] @ \[3\]/);
    expectThrowsCode(() => tp.outer(a, v), 'ERR_SHAPE', /outer: expected two 1-D tensors/);
    expectThrowsCode(() => tp.outer(tp.ones([2], { dtype: 'bool' }), tp.ones([2], { dtype: 'bool' })), 'ERR_DTYPE', /outer: bool/);
    tp.dispose([a, b, v, s, x, y, bo]);
  });

  test('errors leak nothing; results leak nothing', () => {
    const r = rng(seedOf('matmul leaks'));
    const a = dense([4, 3], 'float32', r);
    const b = dense([3, 5], 'int32', r);
    const bt = view([3, 5], [1, 3], 0, 'float64', r);
    expectNoLeak(() => tp.matmul(a.t, b.t));
    expectNoLeak(() => tp.matmul(a.t, bt.t));
    expectNoLeak(() => tp.tidy(() => tp.matmul(a.t.matmul(b.t), tp.ones([5]))));
    expectNoLeak(() => {
      try {
        tp.matmul(b.t, a.t); // [3,5] @ [4,3]: mixed dtypes, inner mismatch
      } catch {
        /* expected */
      }
    });
    expectNoLeak(() => tp.tidy(() => tp.outer(tp.ones([3], { dtype: 'int32' }), tp.ones([2]))));
    disposeAll(a, b, bt);
  });
});

describe('dot and outer', () => {
  test.each(DTYPES)('against a reference (%s)', (dtype) => {
    const r = rng(seedOf('dot outer ' + dtype));
    for (const n of [1, 5, 300]) {
      const a = dense([n], dtype, r);
      const b = dense([n], dtype, r);
      check(a, b, `dot ${n}`, tp.dot);
      check(a, b, `x.dot ${n}`, (x, y) => x.dot(y));
      disposeAll(a, b);
    }
    for (const [n, m] of [[4, 3], [1, 6], [5, 1], [0, 3], [3, 0]]) {
      const a = dense([n], dtype, r);
      const b = view([m], [2], 1, dtype, r);
      const o = tp.outer(a.t, b.t);
      expect(o.shape).toEqual([n, m]);
      expect(o.dtype).toBe(dtype);
      const ref: number[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) ref.push(a.vals[i] * b.vals[j]);
      expectClose(o.dataSync(), dtype === 'int32' ? wrapInt(ref) : ref, tolFor(dtype, 1), `outer ${n}x${m}`);
      const o2 = a.t.outer(b.t);
      expect(Array.from(o2.dataSync())).toEqual(Array.from(o.dataSync()));
      tp.dispose([o, o2]);
      disposeAll(a, b);
    }
  });

  test('mixed dtypes and flipped views in outer', () => {
    const r = rng(seedOf('outer mixed'));
    const a = view([4], [-1], 3, 'int32', r);
    const b = dense([3], 'float64', r);
    const o = tp.outer(a.t, b.t);
    expect(o.dtype).toBe('float64');
    const ref: number[] = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) ref.push(a.vals[i] * b.vals[j]);
    expectClose(o.dataSync(), ref, tolFor('float64', 1));
    o.dispose();
    disposeAll(a, b);
  });
});
