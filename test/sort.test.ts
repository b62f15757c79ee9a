// sort / argsort / topk: torch 1.13 fixtures (test/fixtures/gen_sort.py) for values, indices and
// gradients over every dtype, ties (stable), NaN, 0-d, empty and strided inputs; a JS reference
// on larger random inputs (the parallel path, both thread counts); gradchecks, second order
// through createGraph; bad input.
import { tp, rng, seedOf, randArray, expectClose, expectNoLeak, expectThrowsCode } from './helpers';
import { sortCases, buildInput, expectOut, expectGrad, num, SortCase } from './sort-fixtures';
import { native, writeLayout } from '../lib/core/native';

const f64 = (v: number[], shape?: number[]): tp.Tensor => tp.tensor(Float64Array.from(v), { shape: shape ?? [v.length], dtype: 'float64' });

function runCase(c: SortCase, x: tp.Tensor, method: boolean): { values?: tp.Tensor; indices: tp.Tensor } {
  const a = c.args;
  if (c.op === 'sort') return method ? x.sort({ axis: a.axis, descending: a.descending }) : tp.sort(x, { axis: a.axis, descending: a.descending });
  if (c.op === 'argsort') {
    const o = { axis: a.axis, descending: a.descending };
    return { indices: method ? x.argsort(o) : tp.argsort(x, o) };
  }
  const o = { axis: a.axis, largest: a.largest, sorted: a.sorted };
  return method ? x.topk(a.k!, o) : tp.topk(x, a.k!, o);
}

/** topk with sorted: false: the same (index, value) pairs in some order; sorted by index to compare. */
function byIndex(values: ArrayLike<number>, indices: ArrayLike<number>, rowLen: number): [number[], number[]] {
  const v: number[] = [];
  const ix: number[] = [];
  for (let r = 0; r * rowLen < indices.length; r++) {
    const ord = Array.from({ length: rowLen }, (_, j) => r * rowLen + j).sort((p, q) => indices[p] - indices[q]);
    for (const p of ord) {
      v.push(values[p]);
      ix.push(indices[p]);
    }
  }
  return [v, ix];
}

const sortLike = sortCases.filter((c) => c.op === 'sort' || c.op === 'argsort' || c.op === 'topk');

describe('torch fixtures', () => {
  test('the fixture file covers every op, dtype and kind of input', () => {
    const ids = sortLike.map((c) => c.id).join(' ');
    for (const s of ['sort-float32', 'sort-float64', 'sort-int32', 'sort-bool', 'argsort-bool', 'topk-int32', 'topk-float64',
      '-nan', '-transpose', '-step2', '-flip', '-bcast', 'scalar', '-3x0-', '-unsorted'])
      expect(ids).toContain(s);
    expect(sortLike.length).toBeGreaterThan(150);
  });

  test.each(sortLike.map((c) => [c.id, c] as [string, SortCase]))('%s', (_id, c) => {
    const x = buildInput(c.x);
    for (const method of [false, true]) {
      const r = runCase(c, x, method);
      const e = c.expected;
      if (c.unordered) {
        const rowLen = c.args.k!;
        const [gv, gi] = byIndex(r.values!.dataSync(), r.indices.dataSync(), rowLen);
        const [ev, ei] = byIndex(e.values!.data.map((v) => (e.values!.dtype === 'float32' ? Math.fround(num(v)) : num(v))), e.indices!.data as number[], rowLen);
        expect(gi).toEqual(ei);
        expectClose(gv, ev, { rtol: 0, atol: 0 }, c.id);
      } else {
        expectOut(r.indices, e.indices!, `${c.id} indices`);
        if (e.values) expectOut(r.values!, e.values, `${c.id} values`);
      }
      if (c.op === 'argsort') expect(r.values).toBeUndefined();
      tp.dispose(r);
    }
    if (c.grad && !c.unordered) expectGrad(buildInput(c.x), (t) => runCase(c, t, false).values!, c);
  });
});

// JS reference: stable, NaN largest
function refOrder(row: number[], desc: boolean): number[] {
  const key = (v: number): number => (Number.isNaN(v) ? Infinity : v);
  const isN = (v: number): number => (Number.isNaN(v) ? 1 : 0);
  return row.map((_, i) => i).sort((p, q) => {
    const a = row[p], b = row[q];
    let c = isN(a) - isN(b) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
    if (desc) c = -c;
    return c || p - q;
  });
}

describe('against a JS reference', () => {
  const r = rng(seedOf('sort reference'));
  test.each([1, 2])('random shapes, axes and ties (%i threads)', (threads) => {
    const prev = tp.getNumThreads();
    tp.setNumThreads(threads);
    try {
      for (const [shape, axis] of [[[16, 2000], 1], [[2000, 12], 0], [[1, 20000], 1], [[10000, 8], 1]] as [number[], number][]) {
        const n = shape.reduce((p, q) => p * q, 1);
        // few distinct values: many ties, which the stable order decides
        const data = randArray(n, r, -50, 50).map((v, i) => (i % 97 === 0 ? NaN : Math.round(v)));
        const x = tp.tensor(Float32Array.from(data), { shape, dtype: 'float32' });
        for (const desc of [false, true]) {
          const { values, indices } = tp.sort(x, { axis, descending: desc });
          const ix = indices.dataSync();
          const vs = values.dataSync();
          const [R, C] = shape;
          const rows = axis === 1 ? R : C, len = axis === 1 ? C : R;
          const at = (row: number, j: number): number => (axis === 1 ? row * C + j : j * C + row);
          const k = Math.min(len, 7);
          const t = tp.topk(x, k, { axis, largest: desc });
          const tix = t.indices.dataSync();
          for (let row = 0; row < rows; row += Math.max(1, Math.floor(rows / 3))) {
            const src = Array.from({ length: len }, (_, j) => Math.fround(data[at(row, j)]));
            const want = refOrder(src, desc);
            // topk of the row: the first k of that order
            const got = Array.from({ length: k }, (_, j) => tix[axis === 1 ? row * k + j : j * C + row]);
            expect(got).toEqual(want.slice(0, k));
            for (let j = 0; j < len; j++) {
              if (ix[at(row, j)] !== want[j]) throw new Error(`shape ${shape} axis ${axis} desc ${desc} row ${row} pos ${j}: ${ix[at(row, j)]} vs ${want[j]}`);
              const gv = vs[at(row, j)], ev = src[want[j]];
              if (!(Object.is(gv, ev) || (Number.isNaN(gv) && Number.isNaN(ev)))) throw new Error(`value at row ${row} pos ${j}: ${gv} vs ${ev}`);
            }
          }
          tp.dispose([values, indices, t]);
        }
        x.dispose();
      }
    } finally {
      tp.setNumThreads(prev);
    }
  });

  test('results do not depend on the thread count; topk with k near the size; unsorted topk holds the same set', () => {
    const x = tp.tensor(Float64Array.from(randArray(300 * 500, r)), { shape: [300, 500], dtype: 'float64' });
    const prev = tp.getNumThreads();
    const runs: number[][] = [];
    for (const th of [1, 2]) {
      tp.setNumThreads(th);
      const s = tp.argsort(x, { axis: 0, descending: true });
      const t = tp.topk(x, 499, { axis: 1, largest: false });
      runs.push([...s.dataSync(), ...t.indices.dataSync()]);
      tp.dispose([s, t]);
    }
    tp.setNumThreads(prev);
    expect(runs[0]).toEqual(runs[1]);
    for (const k of [0, 1, 17, 250, 499, 500]) {
      const a = tp.topk(x, k, { sorted: false });
      const b = tp.topk(x, k);
      const sa = [...a.indices.dataSync()];
      const sb = [...b.indices.dataSync()];
      for (let row = 0; row < 300; row += 37) {
        const pa = sa.slice(row * k, row * k + k).sort((p, q) => p - q);
        const pb = sb.slice(row * k, row * k + k).sort((p, q) => p - q);
        expect(pa).toEqual(pb);
      }
      expect(a.values.shape).toEqual([300, k]);
      tp.dispose([a, b]);
    }
    x.dispose();
  });
});

describe('shapes and dtypes', () => {
  test('0-d, empty and size-1 axes', () => {
    const s = tp.tensor(2.5, { dtype: 'float32' });
    const r = tp.sort(s);
    expect(r.values.shape).toEqual([]);
    expect(r.indices.item()).toBe(0);
    expect(tp.topk(s, 1, { axis: 0 }).values.item()).toBe(2.5);
    expect(tp.topk(s, 0).values.shape).toEqual([0]);
    const e = tp.argsort(tp.zeros([0]));
    expect([e.shape, e.dtype]).toEqual([[0], 'int32']);
    expect(tp.sort(tp.zeros([2, 0, 3]), { axis: 1 }).values.shape).toEqual([2, 0, 3]);
    expect(tp.topk(tp.zeros([2, 0, 3]), 2, { axis: 2 }).indices.shape).toEqual([2, 0, 2]);
    expect([...tp.topk(tp.ones([4, 1]), 1).indices.dataSync()]).toEqual([0, 0, 0, 0]);
  });

  test('int32 keeps its dtype; bool sorts false first; tfjs spelling topK(x, k, sorted)', () => {
    const i = tp.tensor(Int32Array.from([3, -2147483648, 2147483647, 0]));
    expect([...tp.sort(i, { descending: true }).values.dataSync()]).toEqual([2147483647, 3, 0, -2147483648]);
    const b = tp.tensor([true, false, true, false]);
    const sb = tp.sort(b);
    expect(sb.values.dtype).toBe('bool');
    expect([...sb.indices.dataSync()]).toEqual([1, 3, 0, 2]);
    expect([...tp.topK(f64([1, 5, 3]), 2, true).indices.dataSync()]).toEqual([1, 2]);
    expect(tp.topK).toBe(tp.topk);
  });

  test('infinities, -0 and NaN order as torch (NaN largest, -0 equal to 0)', () => {
    const x = f64([0, -Infinity, NaN, -0, Infinity, NaN, 1]);
    expect([...tp.argsort(x).dataSync()]).toEqual([1, 0, 3, 6, 4, 2, 5]);
    expect([...tp.argsort(x, { descending: true }).dataSync()]).toEqual([2, 5, 4, 6, 0, 3, 1]);
    expect([...tp.topk(x, 3, { largest: false }).indices.dataSync()]).toEqual([1, 0, 3]);
  });

  test('no leaks, with and without a recorded gradient', () => {
    const x = f64(randArray(40, rng(1)), [5, 8]);
    expectNoLeak(() => [tp.sort(x), tp.argsort(x, { axis: 0 }), tp.topk(x, 3)]);
    expectNoLeak(() => {
      const xr = f64(randArray(40, rng(2)), [5, 8]);
      xr.requiresGrad = true;
      const { values, indices } = tp.topk(xr, 3, { axis: 0 });
      const s = tp.sum(values);
      const [g] = tp.grads(s, [xr]);
      return [xr, values, indices, s, g];
    });
  });
});

describe('gradients', () => {
  const r = rng(seedOf('sort grads'));
  test('gradcheck: sort / topk values, strided inputs, every axis', () => {
    const x = f64(randArray(24, r), [2, 3, 4]);
    expect(tp.gradcheck((t) => tp.sort(t).values, [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.sort(t, { axis: 1, descending: true }).values, [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.topk(t, 2, { axis: 0 }).values, [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.topk(t.transpose([2, 0, 1]), 3, { axis: 0, largest: false }).values, [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.sort(tp.flip(t, 2), { axis: 2 }).values, [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.topk(t, 2, { sorted: false }).values, [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.sort(tp.sum(t)).values, [x])).toBe(true);
  });

  test('second order through createGraph: d²/dx² of Σ w·sort(x)³ is 6 x w_perm (Hessian-vector product)', () => {
    const xv = [0.7, -1.3, 2.1, 0.2, -0.4];
    const wv = [1.5, -2, 0.5, 3, -1];
    const vv = [1, 2, -1, 0.5, 4];
    for (const useTopk of [false, true]) {
      const x = f64(xv);
      x.requiresGrad = true;
      const vals = useTopk ? tp.topk(x, 5).values : tp.sort(x, { descending: true }).values;
      const [g] = tp.grads(tp.sum(tp.mul(tp.pow(vals, 3), f64(wv))), [x], undefined, { createGraph: true });
      // element at sorted position j is x[order[j]]; so w_perm[order[j]] = w[j]
      const order = xv.map((_, i) => i).sort((p, q) => xv[q] - xv[p]);
      const wp = new Array<number>(5);
      order.forEach((i, j) => { wp[i] = wv[j]; });
      expectClose(g.dataSync(), xv.map((xi, i) => 3 * xi * xi * wp[i]), { rtol: 1e-12, atol: 1e-12 });
      const [h] = tp.grads(tp.sum(tp.mul(g, f64(vv))), [x]);
      expectClose(h.dataSync(), xv.map((xi, i) => 6 * xi * wp[i] * vv[i]), { rtol: 1e-12, atol: 1e-12 });
    }
  });

  test('indices are not differentiable; disposing them before backward is a clear error', () => {
    const x = f64([3, 1, 2]);
    x.requiresGrad = true;
    const { values, indices } = tp.sort(x);
    expect(indices.requiresGrad).toBe(false);
    expect(tp.argsort(x).requiresGrad).toBe(false);
    values.sum().backward();
    expect([...x.grad!.dataSync()]).toEqual([1, 1, 1]);
    const t = tp.topk(x, 2);
    t.indices.dispose();
    expectThrowsCode(() => t.values.sum().backward(), 'ERR_DISPOSED', /topk: the indices returned with these values were disposed/);
  });
});

describe('bad input', () => {
  const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
  test('axis, k and options are checked, naming the op, the argument and the shapes', () => {
    expectThrowsCode(() => tp.sort(x, { axis: 2 }), 'ERR_AXIS', /sort: axis 2 is out of range for a tensor of rank 2/);
    expectThrowsCode(() => tp.argsort(x, { axis: -3 }), 'ERR_AXIS', /argsort: axis -3/);
    expectThrowsCode(() => tp.topk(x, 2, { axis: 1.5 }), 'ERR_AXIS', /topk: axis must be an integer, got 1.5/);
    expectThrowsCode(() => tp.topk(x, 4), 'ERR_ARGUMENT', /topk: k = 4 is out of range for axis 1 of size 3 \(x shape \[2,3\]\); expected 0 <= k <= 3/);
    expectThrowsCode(() => tp.topk(x, -1, { axis: 0 }), 'ERR_ARGUMENT', /topk: k = -1 is out of range for axis 0 of size 2/);
    expectThrowsCode(() => tp.topk(x, 1.5), 'ERR_ARGUMENT', /topk: k must be an integer, got 1.5/);
    expectThrowsCode(() => tp.topk(x, undefined as unknown as number), 'ERR_ARGUMENT', /topk: k must be an integer, got undefined/);
    expectThrowsCode(() => tp.sort(x, { descending: 'yes' } as unknown as tp.SortOptions), 'ERR_ARGUMENT', /sort: option descending must be a boolean, got "yes"/);
    expectThrowsCode(() => tp.sort(x, { dim: 0 } as unknown as tp.SortOptions), 'ERR_ARGUMENT', /sort: unknown option 'dim'; expected one of axis, descending/);
    expectThrowsCode(() => tp.sort(x, 1 as unknown as tp.SortOptions), 'ERR_ARGUMENT', /sort: options must be an object/);
    expectThrowsCode(() => tp.sort([3, 1] as unknown as tp.Tensor), 'ERR_ARGUMENT', /sort: x must be a Tensor, got array\(2\)/);
    const d = f64([1]);
    d.dispose();
    expectThrowsCode(() => tp.topk(d, 1), 'ERR_DISPOSED');
  });

  test('the native entry point checks again: k, sizes, flags and every view against its storage', () => {
    const call = (len: number, xStep: number, k: number, outStep: number, flags = 6, rows: number[] = [2], rs: number[][] = [[3], [3]]): unknown => {
      writeLayout(0, rows, ...rs);
      return native.sort(x._h, 0, len, xStep, k, outStep, flags);
    };
    expectThrowsCode(() => call(3, 1, 4, 1), 'ERR_ARGUMENT', /sort: k = 4 is out of range for an axis of size 3/);
    expectThrowsCode(() => call(3, 1, 1, 1, 9), 'ERR_ARGUMENT', /sort: unknown flags 9/);
    expectThrowsCode(() => call(2 ** 31, 0, 1, 1), 'ERR_SHAPE', /int32 indices/);
    expectThrowsCode(() => call(4, 1, 2, 1), 'ERR_OUT_OF_BOUNDS', /sort: x view reaches outside its storage/);
    expectThrowsCode(() => call(3, 2 ** 52, 2, 1), 'ERR_OUT_OF_BOUNDS', /sort: x view/);
    expectThrowsCode(() => call(3, -1, 2, 1), 'ERR_OUT_OF_BOUNDS', /sort: x view/);
    expectThrowsCode(() => call(3, 1, 2, 5), 'ERR_OUT_OF_BOUNDS', /sort: values view reaches outside/);
    expectThrowsCode(() => call(3, 1, 2, 1, 4), 'ERR_OUT_OF_BOUNDS', /sort: indices view reaches outside/);
    expectThrowsCode(() => native.sort(12345678, 0, 1, 1, 1, 1, 6), /ERR_DISPOSED|ERR_ARGUMENT/);
    // a failed call frees what it allocated
    expectNoLeak(() => { try { call(3, 1, 2, 5); } catch { /* expected */ } });
  });
});
