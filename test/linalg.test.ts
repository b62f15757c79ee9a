import { tp, rng, seedOf, randArray, randInts, prod, unravel, expectClose, expectNoLeak, expectThrowsCode } from './helpers';

type DT = 'float32' | 'float64' | 'int32';

/**
 * Tolerances for residual checks (inverse(A) @ A - I, A @ solve(A, b) - b) and det. float32 is
 * looser than torch.testing's rtol 1.3e-6 / atol 1e-5: LU with partial pivoting in float32
 * leaves a backward error of about n * eps * cond(A) (~1e-5 for our n <= 40, cond < 10),
 * which the residual then sums over n products.
 */
function tolFor(dtype: string): { rtol: number; atol: number } {
  return dtype === 'float64' ? { rtol: 1e-9, atol: 1e-9 } : { rtol: 1e-4, atol: 1e-4 };
}

/** A batch of well-conditioned n x n matrices: random entries plus n on the diagonal. */
function wellConditioned(batch: number[], n: number, dtype: string, r: () => number): number[] {
  const count = prod(batch);
  const out: number[] = [];
  for (let b = 0; b < count; b++) {
    const vals = dtype === 'int32' ? randInts(n * n, r, -2, 3) : randArray(n * n, r, -1, 1);
    for (let i = 0; i < n; i++) vals[i * n + i] += dtype === 'int32' ? 2 * n + 1 : n;
    for (const v of vals) out.push(dtype === 'float32' ? Math.fround(v) : v);
  }
  return out;
}

/** Places logical values (row-major over shape) into a fresh base storage at (strides, offset); junk elsewhere. */
function placeView(vals: number[], shape: number[], strides: number[], offset: number, dtype: DT, r: () => number): { t: tp.Tensor; base: tp.Tensor } {
  let hi = offset;
  for (let d = 0; d < shape.length; d++) if (shape[d] > 0 && strides[d] > 0) hi += (shape[d] - 1) * strides[d];
  const baseVals = dtype === 'int32' ? randInts(hi + 1, r, -100, 100) : randArray(hi + 1, r, -100, 100);
  for (let i = 0; i < vals.length; i++) {
    const idx = unravel(i, shape);
    let p = offset;
    for (let d = 0; d < shape.length; d++) p += idx[d] * strides[d];
    baseVals[p] = vals[i];
  }
  const base = tp.tensor(baseVals, { shape: [hi + 1], dtype });
  return { t: base._view(shape, strides, offset), base };
}

/** Row-major matrix product of n x m and m x k, float64. */
function mul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, m: number, k: number, ao = 0, bo = 0): number[] {
  const out = new Array<number>(n * k).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let p = 0; p < m; p++) s += a[ao + i * m + p] * b[bo + p * k + j];
      out[i * k + j] = s;
    }
  return out;
}

function identity(n: number): number[] {
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

/** det by LU with partial pivoting in float64 (plain JS reference). */
function refDet(a: ArrayLike<number>, n: number, off = 0): number {
  const m = Array.from({ length: n * n }, (_, i) => a[off + i]);
  let det = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(m[i * n + c]) > Math.abs(m[p * n + c])) p = i;
    if (m[p * n + c] === 0) return 0;
    if (p !== c) {
      for (let j = 0; j < n; j++) [m[c * n + j], m[p * n + j]] = [m[p * n + j], m[c * n + j]];
      det = -det;
    }
    det *= m[c * n + c];
    for (let i = c + 1; i < n; i++) {
      const f = m[i * n + c] / m[c * n + c];
      for (let j = c; j < n; j++) m[i * n + j] -= f * m[c * n + j];
    }
  }
  return det;
}

function checkInverse(inv: tp.Tensor, aVals: number[], batch: number[], n: number, dtype: string, what: string): void {
  expect(inv.shape).toEqual([...batch, n, n]);
  expect(inv.dtype).toBe(dtype === 'float64' ? 'float64' : 'float32');
  const iv = inv.dataSync();
  for (let b = 0; b < prod(batch); b++) {
    const prodIA = mul(iv, aVals, n, n, n, b * n * n, b * n * n);
    expectClose(prodIA, identity(n), tolFor(dtype), `${what} batch ${b}`);
  }
}

describe('inverse', () => {
  test.each(['float32', 'float64', 'int32'] as DT[])('inverse(A) @ A = I (%s)', (dtype) => {
    const r = rng(seedOf('inverse ' + dtype));
    const cases: [number[], number][] = [[[], 1], [[], 2], [[], 3], [[], 5], [[], 8], [[], 40], [[3], 4], [[2, 3], 5], [[20], 3], [[2], 36]];
    for (const [batch, n] of cases) {
      const vals = wellConditioned(batch, n, dtype, r);
      const a = tp.tensor(vals, { shape: [...batch, n, n], dtype });
      checkInverse(tp.inverse(a), vals, batch, n, dtype, `inverse ${JSON.stringify(batch)} ${n}`);
      checkInverse(a.inverse(), vals, batch, n, dtype, 'method');
      checkInverse(tp.inv(a), vals, batch, n, dtype, 'inv');
      checkInverse(a.inv(), vals, batch, n, dtype, 'x.inv');
      checkInverse(tp.matrixInverse(a), vals, batch, n, dtype, 'matrixInverse');
      a.dispose();
    }
  });

  test('strided views: transposed, sliced, broadcast batch', () => {
    const r = rng(seedOf('inverse views'));
    for (const dtype of ['float32', 'float64'] as DT[]) {
      const n = 6;
      const vals = wellConditioned([], n, dtype, r);
      // transposed view: logical A stored column-major
      const tr = placeView(vals, [n, n], [1, n], 0, dtype, r);
      checkInverse(tp.inverse(tr.t), vals, [], n, dtype, 'transposed');
      // sliced: leading dimension n + 3, offset 2
      const sl = placeView(vals, [n, n], [n + 3, 1], 2, dtype, r);
      checkInverse(tp.inverse(sl.t), vals, [], n, dtype, 'sliced');
      // column stride 2
      const cs = placeView(vals, [n, n], [2 * n, 2], 1, dtype, r);
      checkInverse(tp.inverse(cs.t), vals, [], n, dtype, 'col stride 2');
      // stride-0 batch: the same matrix 3 times
      const bc = placeView(vals, [3, n, n], [0, n, 1], 0, dtype, r);
      checkInverse(tp.inverse(bc.t), [...vals, ...vals, ...vals], [3], n, dtype, 'broadcast batch');
      tp.dispose([tr.t, tr.base, sl.t, sl.base, cs.t, cs.base, bc.t, bc.base]);
    }
  });

  test('batched small inverses in parallel (2 threads) match 1 thread', () => {
    const initial = tp.getNumThreads();
    const r = rng(seedOf('inverse threads'));
    try {
      for (const threads of [1, 2]) {
        tp.setNumThreads(threads);
        const vals = wellConditioned([300], 4, 'float64', r);
        const a = tp.tensor(vals, { shape: [300, 4, 4], dtype: 'float64' });
        checkInverse(tp.inverse(a), vals, [300], 4, 'float64', `threads ${threads}`);
        const d = tp.det(a).dataSync();
        for (let b = 0; b < 300; b++) expectClose([d[b]], [refDet(vals, 4, b * 16)], tolFor('float64'), `det ${b}`);
        a.dispose();
      }
    } finally {
      tp.setNumThreads(initial);
    }
  });

  test('singular matrices throw ERR_SINGULAR naming pivot and batch', () => {
    const a = tp.tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]], { dtype: 'float64' });
    expectThrowsCode(() => tp.inverse(a), 'ERR_SINGULAR', /^inverse: matrix is singular \(U\[\d,\d\] = 0\) at batch index 0$/);
    const z = tp.zeros([2, 2]);
    expectThrowsCode(() => tp.inverse(z), 'ERR_SINGULAR', /inverse: matrix is singular \(U\[0,0\] = 0\) at batch index 0/);
    const batch = tp.tensor([[[2, 0], [0, 2]], [[1, 1], [1, 1]], [[0, 0], [0, 0]]]);
    expectThrowsCode(() => tp.inverse(batch), 'ERR_SINGULAR', /U\[1,1\] = 0\) at batch index 1$/);
    expectNoLeak(() => {
      try {
        tp.inverse(batch);
      } catch {
        /* expected: the output allocated before the check must be freed */
      }
    });
    tp.dispose([a, z, batch]);
  });

  test('empty and bad input', () => {
    const e = tp.inverse(tp.tidy(() => tp.zeros([0, 3, 3])));
    expect(e.shape).toEqual([0, 3, 3]);
    const e2 = tp.inverse(tp.tidy(() => tp.zeros([2, 0, 0])));
    expect(e2.shape).toEqual([2, 0, 0]);
    tp.dispose([e, e2]);
    const ns = tp.ones([2, 3]);
    expectThrowsCode(() => tp.inverse(ns), 'ERR_SHAPE', /inverse: x must be square \(\.\.\., n, n\), got shape \[2,3\]/);
    const v = tp.ones([3]);
    expectThrowsCode(() => tp.inverse(v), 'ERR_SHAPE', /inverse: .*got shape \[3\] \(rank 1\)/);
    const s = tp.tensor(1.5);
    expectThrowsCode(() => tp.det(s), 'ERR_SHAPE', /det: .*\[\] \(rank 0\)/);
    const bo = tp.ones([2, 2], { dtype: 'bool' });
    expectThrowsCode(() => tp.inverse(bo), 'ERR_DTYPE', /inverse: bool tensors are not supported/);
    expectThrowsCode(() => tp.det(bo), 'ERR_DTYPE', /det: bool/);
    const d = tp.ones([2, 2]);
    d.dispose();
    expectThrowsCode(() => tp.inverse(d), 'ERR_DISPOSED', /inverse: tensor \[2,2\] float32 was disposed/);
    expectThrowsCode(() => tp.inverse([[1]] as unknown as tp.Tensor), 'ERR_ARGUMENT', /inverse: x must be a Tensor/);
    tp.dispose([ns, v, s, bo]);
  });
});

describe('det', () => {
  test.each(['float32', 'float64', 'int32'] as DT[])('against a JS LU reference (%s)', (dtype) => {
    const r = rng(seedOf('det ' + dtype));
    for (const [batch, n] of [[[], 1], [[], 2], [[], 3], [[], 7], [[4], 3], [[2, 2], 5], [[], 45]] as [number[], number][]) {
      // random (not diagonally dominant) matrices so signs and pivoting vary
      const vals = dtype === 'int32' ? randInts(prod(batch) * n * n, r, n > 10 ? -1 : -4, n > 10 ? 2 : 5) : randArray(prod(batch) * n * n, r, -2, 2).map((v) => (dtype === 'float32' ? Math.fround(v) : v));
      const a = tp.tensor(vals, { shape: [...batch, n, n], dtype });
      const d = tp.det(a);
      expect(d.shape).toEqual(batch);
      expect(d.dtype).toBe(dtype === 'float64' ? 'float64' : 'float32');
      const ref = [];
      for (let b = 0; b < prod(batch); b++) ref.push(refDet(vals, n, b * n * n));
      // relative: det of n = 45 has magnitude ~1e25; float32 LU loses ~n * eps relative
      expectClose(d.dataSync(), ref, dtype === 'float64' ? { rtol: 1e-9, atol: 1e-9 } : { rtol: 2e-4, atol: 1e-4 }, `det ${JSON.stringify(batch)} ${n}`);
      const d2 = a.det();
      const d3 = tp.matrixDeterminant(a);
      const d4 = a.matrixDeterminant();
      expect(Array.from(d2.dataSync())).toEqual(Array.from(d.dataSync()));
      expect(Array.from(d3.dataSync())).toEqual(Array.from(d.dataSync()));
      expect(Array.from(d4.dataSync())).toEqual(Array.from(d.dataSync()));
      tp.dispose([a, d, d2, d3, d4]);
    }
  });

  test('sign from pivots, singular gives 0, views, empty', () => {
    const r = rng(seedOf('det special'));
    const p = tp.tensor([[0, 1], [1, 0]], { dtype: 'float64' });
    expect(tp.det(p).item()).toBe(-1);
    const p3 = tp.tensor([[0, 0, 2], [0, 3, 0], [5, 0, 0]], { dtype: 'float64' });
    expect(tp.det(p3).item()).toBe(-30);
    const sing = tp.tensor([[[1, 2, 3], [2, 4, 6], [1, 0, 1]], [[0, 1, 0], [0, 2, 0], [0, 3, 1]], [[2, 0, 0], [0, 2, 0], [0, 0, 2]]]);
    expect(Array.from(tp.det(sing).dataSync())).toEqual([0, 0, 8]);
    // transposed view: det(A^T) = det(A); stride-0 batch
    const vals = randArray(16, r, -2, 2);
    const tv = placeView(vals, [4, 4], [1, 4], 0, 'float64', r);
    const bv = placeView(vals, [2, 4, 4], [0, 4, 1], 0, 'float64', r);
    expectClose(tp.det(tv.t).dataSync(), [refDet(vals, 4)], { rtol: 1e-9, atol: 1e-9 });
    expectClose(tp.det(bv.t).dataSync(), [refDet(vals, 4), refDet(vals, 4)], { rtol: 1e-9, atol: 1e-9 });
    // n = 0: empty product is 1 (as numpy/torch); batch 0: empty result
    const e0 = tp.zeros([3, 0, 0]);
    expect(Array.from(tp.det(e0).dataSync())).toEqual([1, 1, 1]);
    const e1 = tp.zeros([0, 2, 2]);
    expect(tp.det(e1).shape).toEqual([0]);
    const nan = tp.tensor([[NaN, 1], [1, 1]], { dtype: 'float64' });
    expect(Number.isNaN(tp.det(nan).item())).toBe(true);
    tp.dispose([p, p3, sing, tv.t, tv.base, bv.t, bv.base, e0, e1, nan]);
  });

  test('no leaks', () => {
    const a = tp.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    expectNoLeak(() => tp.det(a));
    expectNoLeak(() => tp.inverse(a));
    expectNoLeak(() => tp.tidy(() => tp.solve(a, tp.ones([2], { dtype: 'float64' }))));
    a.dispose();
  });
});

describe('solve', () => {
  test.each(['float32', 'float64', 'int32'] as DT[])('A @ solve(A, b) = b (%s)', (dtype) => {
    const r = rng(seedOf('solve ' + dtype));
    // [a batch, n, b shape, expected out shape]
    const cases: [number[], number, number[], number[]][] = [
      [[], 3, [3], [3]], // vector
      [[], 3, [3, 2], [3, 2]],
      [[], 5, [5, 1], [5, 1]],
      [[], 40, [40, 3], [40, 3]],
      [[4], 3, [4, 3], [4, 3]], // b.shape == a.shape[:-1]: batch of vectors
      [[4], 3, [3], [4, 3]], // 1-D b broadcast over a's batch
      [[4], 3, [3, 4], [4, 3, 4]], // matrix b broadcast over a's batch
      [[2, 1], 3, [5, 3, 2], [2, 5, 3, 2]], // batch broadcast both ways
      [[], 3, [6, 3, 2], [6, 3, 2]], // a broadcast over b's batch
      [[60], 4, [60, 4, 2], [60, 4, 2]], // many small systems (batch-parallel path)
    ];
    for (const [ab, n, bs, want] of cases) {
      const aVals = wellConditioned(ab, n, dtype, r);
      const bVals = dtype === 'int32' ? randInts(prod(bs), r, -5, 6) : randArray(prod(bs), r).map((v) => (dtype === 'float32' ? Math.fround(v) : v));
      const a = tp.tensor(aVals, { shape: [...ab, n, n], dtype });
      const b = tp.tensor(bVals, { shape: bs, dtype });
      for (const x of [tp.solve(a, b), a.solve(b), tp.matrixSolve(a, b), a.matrixSolve(b)]) {
        expect(x.shape).toEqual(want);
        expect(x.dtype).toBe(dtype === 'float64' ? 'float64' : 'float32');
        // check each system: A[batch] @ x[batch] = b[batch] (with broadcasting by index)
        const xv = x.dataSync();
        const vector = bs.length === 1 || (bs.length === ab.length + 1 && bs.every((s, i) => s === [...ab, n][i]));
        const k = vector ? 1 : bs[bs.length - 1];
        const outBatch = want.slice(0, vector ? -1 : -2);
        const aBatch = ab;
        const bBatch = vector ? bs.slice(0, -1) : bs.slice(0, -2);
        for (let bi = 0; bi < prod(outBatch); bi++) {
          const idx = unravel(bi, outBatch);
          const pick = (shape: number[]): number => {
            let o = 0;
            const lead = outBatch.length - shape.length;
            for (let d = 0; d < shape.length; d++) o = o * shape[d] + (shape[d] === 1 ? 0 : idx[lead + d]);
            return o;
          };
          const ax = mul(aVals, xv, n, n, k, pick(aBatch) * n * n, bi * n * k);
          const bo = pick(bBatch) * n * k;
          expectClose(ax, bVals.slice(bo, bo + n * k), tolFor(dtype), `solve ${JSON.stringify(ab)} ${JSON.stringify(bs)} batch ${bi}`);
        }
        x.dispose();
      }
      tp.dispose([a, b]);
    }
  });

  test('strided views and mixed dtypes', () => {
    const r = rng(seedOf('solve views'));
    const n = 5;
    const aVals = wellConditioned([], n, 'float64', r);
    const bVals = randArray(n * 2, r);
    const at = placeView(aVals, [n, n], [1, n], 0, 'float64', r); // transposed
    const bt = placeView(bVals, [n, 2], [1, n], 3, 'float64', r); // transposed rhs with offset
    const x = tp.solve(at.t, bt.t);
    expectClose(mul(aVals, x.dataSync(), n, n, 2), bVals, tolFor('float64'));
    const bv = placeView(bVals.slice(0, n), [n], [-2], 2 * (n - 1), 'float64', r); // flipped strided vector
    const y = tp.solve(at.t, bv.t);
    expectClose(mul(aVals, y.dataSync(), n, n, 1), bVals.slice(0, n), tolFor('float64'));
    // int32 a with float64 b -> float64; float32 a with int32 b -> float32
    const ai = tp.tensor(wellConditioned([], 3, 'int32', r), { shape: [3, 3], dtype: 'int32' });
    const bf = tp.tensor([1, 2, 3], { dtype: 'float64' });
    const z = tp.solve(ai, bf);
    expect(z.dtype).toBe('float64');
    expectClose(mul(Array.from(ai.dataSync()), z.dataSync(), 3, 3, 1), [1, 2, 3], tolFor('float64'));
    const af = tp.tensor(wellConditioned([], 3, 'float32', r), { shape: [3, 3], dtype: 'float32' });
    const w = tp.solve(af, tp.tidy(() => tp.tensor([1, 2, 3], { dtype: 'int32' })));
    expect(w.dtype).toBe('float32');
    tp.dispose([at.t, at.base, bt.t, bt.base, x, bv.t, bv.base, y, ai, bf, z, af, w]);
  });

  test('singular, empty and bad input', () => {
    const a = tp.tensor([[[1, 0], [0, 1]], [[1, 2], [2, 4]]], { dtype: 'float64' });
    const b = tp.ones([2, 2, 1], { dtype: 'float64' });
    expectThrowsCode(() => tp.solve(a, b), 'ERR_SINGULAR', /^solve: matrix is singular \(U\[1,1\] = 0\) at batch index 1$/);
    expectNoLeak(() => {
      try {
        tp.solve(a, b);
      } catch {
        /* expected */
      }
    });
    const e = tp.solve(tp.tidy(() => tp.eye(3)), tp.tidy(() => tp.zeros([3, 0])));
    expect(e.shape).toEqual([3, 0]);
    const e2 = tp.solve(tp.tidy(() => tp.zeros([0, 0])), tp.tidy(() => tp.zeros([0])));
    expect(e2.shape).toEqual([0]);
    tp.dispose([e, e2]);
    const sq = tp.eye(3);
    expectThrowsCode(() => tp.solve(sq, tp.ones([4, 2])), 'ERR_SHAPE', /solve: b has shape \[4,2\] but a is \[3,3\]: b needs 3 rows/);
    expectThrowsCode(() => tp.solve(sq, tp.ones([4])), 'ERR_SHAPE', /solve: b has shape \[4\]/);
    expectThrowsCode(() => tp.solve(tp.ones([3, 2]), tp.ones([3])), 'ERR_SHAPE', /solve: a must be square \(\.\.\., n, n\), got shape \[3,2\]/);
    expectThrowsCode(() => tp.solve(sq, tp.tensor(1)), 'ERR_SHAPE', /solve: b must have at least 1 dim/);
    expectThrowsCode(() => tp.solve(tp.ones([2, 3, 3]), tp.ones([4, 3, 1])), 'ERR_SHAPE', /solve: batch dimensions cannot be broadcast/);
    expectThrowsCode(() => tp.solve(sq, tp.ones([3], { dtype: 'bool' })), 'ERR_DTYPE', /solve: bool/);
    expectThrowsCode(() => tp.solve(sq, 3 as unknown as tp.Tensor), 'ERR_ARGUMENT', /solve: b must be a Tensor, got 3/);
    const d = tp.ones([3]);
    d.dispose();
    expectThrowsCode(() => tp.solve(sq, d), 'ERR_DISPOSED', /solve: tensor \[3\] float32 was disposed/);
    tp.dispose([a, b, sq]);
  });
});
