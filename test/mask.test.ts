// nonzero / booleanMask / maskedSelect: torch 1.13 fixtures (test/fixtures/gen_sort.py) for values
// and gradients over every dtype, NaN and -0, 0-d, empty, strided and broadcast inputs; a JS
// reference on inputs large enough for the parallel count-then-fill; gradchecks and second
// order; bad input.
import { tp, rng, seedOf, randArray, expectClose, expectNoLeak, expectThrowsCode } from './helpers';
import { sortCases, buildInput, expectOut, expectGrad, SortCase } from './sort-fixtures';
import { native, writeLayout } from '../lib/core/native';

const f64 = (v: number[], shape?: number[]): tp.Tensor => tp.tensor(Float64Array.from(v), { shape: shape ?? [v.length], dtype: 'float64' });
const bools = (v: number[], shape?: number[]): tp.Tensor => tp.tensor(Uint8Array.from(v), { shape: shape ?? [v.length], dtype: 'bool' });

function runCase(c: SortCase, x: tp.Tensor, mask: tp.Tensor | null, method: boolean): tp.Tensor {
  if (c.op === 'nonzero') return method ? x.nonzero() : tp.nonzero(x);
  if (c.op === 'maskedSelect') return method ? x.maskedSelect(mask!) : tp.maskedSelect(x, mask!);
  return method ? x.booleanMask(mask!, { axis: c.args.axis }) : tp.booleanMask(x, mask!, { axis: c.args.axis });
}

const maskCases = sortCases.filter((c) => c.op === 'nonzero' || c.op === 'maskedSelect' || c.op === 'booleanMask');

describe('torch fixtures', () => {
  test('the fixture file covers every op, dtype and kind of input', () => {
    const ids = maskCases.map((c) => c.id).join(' ');
    for (const s of ['nonzero-bool', 'nonzero-int32', 'maskedSelect-bool', 'booleanMask-int32', '-nan', '-transpose', '-step2',
      '-flip', '-bcast', 'nonzero-float32-scalar', '-mscalar', '-masktranspose', '-maskflip', '-0x3', '-a1', '-a2'])
      expect(ids).toContain(s);
    expect(maskCases.length).toBeGreaterThan(80);
  });

  test.each(maskCases.map((c) => [c.id, c] as [string, SortCase]))('%s', (_id, c) => {
    const x = buildInput(c.x);
    const mask = c.mask ? buildInput(c.mask) : null;
    for (const method of [false, true]) {
      const out = runCase(c, x, mask, method);
      expectOut(out, c.expected.out!, c.id);
      out.dispose();
    }
    if (c.grad) expectGrad(buildInput(c.x), (t) => runCase(c, t, mask, false), c);
  });
});

describe('against a JS reference (parallel count-then-fill, both thread counts)', () => {
  const r = rng(seedOf('mask reference'));
  const shape = [300, 700];
  const n = shape[0] * shape[1];
  const data = randArray(n, r).map((v) => (v < -1 ? 0 : v > 1.9 ? NaN : v)); // about a quarter zeros
  const mdata = randArray(n, r).map((v) => (v > 0 ? 1 : 0));
  test.each([1, 2])('%i threads', (threads) => {
    const prev = tp.getNumThreads();
    tp.setNumThreads(threads);
    try {
      const x = tp.tensor(Float32Array.from(data), { shape, dtype: 'float32' });
      const xt = x.transpose(); // [700, 300], read through strides
      const m = bools(mdata, shape);
      const nz = tp.nonzero(xt);
      const want: number[] = [];
      for (let i = 0; i < 700; i++) for (let j = 0; j < 300; j++) if (data[j * 700 + i] !== 0) want.push(i, j);
      expect(nz.shape).toEqual([want.length / 2, 2]);
      expect([...nz.dataSync()]).toEqual(want);
      const sel = tp.maskedSelect(x, m);
      const wantSel = data.filter((_, i) => mdata[i]).map(Math.fround);
      expectClose(sel.dataSync(), wantSel, { rtol: 0, atol: 0 }, 'maskedSelect');
      const bm = tp.booleanMask(xt, m.transpose());
      const wantBm: number[] = [];
      for (let i = 0; i < 700; i++) for (let j = 0; j < 300; j++) if (mdata[j * 700 + i]) wantBm.push(Math.fround(data[j * 700 + i]));
      expectClose(bm.dataSync(), wantBm, { rtol: 0, atol: 0 }, 'booleanMask');
      tp.dispose([x, xt, m, nz, sel, bm]);
    } finally {
      tp.setNumThreads(prev);
    }
  });
});

describe('shapes, dtypes and arrays', () => {
  test('0-d and empty inputs', () => {
    expect(tp.nonzero(tp.tensor(3, { dtype: 'int32' })).shape).toEqual([1, 0]);
    expect(tp.nonzero(tp.tensor(0, { dtype: 'float32' })).shape).toEqual([0, 0]);
    expect(tp.nonzero(tp.zeros([3, 0, 2])).shape).toEqual([0, 3]);
    expect(tp.maskedSelect(tp.zeros([2, 0]), bools([])).shape).toEqual([0]);
    expect(tp.booleanMask(tp.zeros([0, 4]), bools([])).shape).toEqual([0, 4]);
    expect([...tp.maskedSelect(tp.tensor(5, { dtype: 'float64' }), tp.tensor(true)).dataSync()]).toEqual([5]);
  });

  test('masks as arrays of booleans; a mask broadcast over x; booleanMask as tf (axis, trailing dims)', () => {
    const x = tp.tensor(Int32Array.from([1, 2, 3, 4, 5, 6]), { shape: [2, 3], dtype: 'int32' });
    expect([...tp.booleanMask(x, [false, true]).dataSync()]).toEqual([4, 5, 6]);
    expect(tp.booleanMask(x, [[true, false, true], [false, false, true]]).shape).toEqual([3]);
    expect([...tp.booleanMask(x, [true, false, true], 1).dataSync()]).toEqual([1, 3, 4, 6]);
    expect([...x.maskedSelect([true, false, false]).dataSync()]).toEqual([1, 4]);
    expect([...tp.maskedSelect(tp.tensor(Int32Array.from([7, 8])), [[true, false], [true, true]]).dataSync()]).toEqual([7, 7, 8]);
    expect(tp.booleanMask(tp.zeros([2, 0, 3]), [] as boolean[], 1).shape).toEqual([2, 0, 3]);
  });

  test('no leaks, with and without a recorded gradient', () => {
    const x = f64(randArray(12, rng(3)), [3, 4]);
    const m = bools([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0], [3, 4]);
    expectNoLeak(() => [tp.nonzero(x), tp.maskedSelect(x, m), tp.booleanMask(x, m), tp.booleanMask(x, [true, false, true]),
      tp.maskedSelect(x, [[true], [false], [true]])]);
    // a recorded graph keeps its saved positions until the graph is garbage-collected (as
    // gather's indices): a loop that records and drops graphs stays bounded
    const gc = (globalThis as { gc?: () => void }).gc!;
    gc();
    const before = tp.memory().numTensors;
    for (let i = 0; i < 1000; i++) {
      const xr = f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 4]);
      xr.requiresGrad = true;
      const y = tp.maskedSelect(xr, m);
      const b = tp.booleanMask(xr, m.transpose().transpose());
      const sy = tp.sum(y);
      const sb = tp.sum(b);
      const s = tp.add(sy, sb);
      const [g] = tp.grads(s, [xr]);
      tp.dispose([xr, y, b, sy, sb, s, g]);
    }
    gc();
    // at most one batch of small buffers waits to be tied to the GC (lib/tensor.ts, TRACK_BATCH)
    expect(tp.memory().numTensors - before).toBeLessThan(300);
  });
});

describe('gradients', () => {
  const r = rng(seedOf('mask grads'));
  test('gradcheck: zeros where the mask is false, sums over broadcast dims, strided x', () => {
    const x = f64(randArray(24, r), [2, 3, 4]);
    const m3 = bools([1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1], [3, 4]);
    const m1 = bools([0, 1, 1]);
    expect(tp.gradcheck((t) => tp.maskedSelect(t, m3), [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.maskedSelect(t, bools([1, 0], [2, 1, 1, 1])), [x])).toBe(true); // x broadcast to [2,2,3,4]
    expect(tp.gradcheck((t) => tp.booleanMask(t, m3, { axis: 1 }), [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.booleanMask(t, m1, 1), [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.booleanMask(t.transpose([2, 1, 0]), m1, 1), [x])).toBe(true);
    expect(tp.gradcheck((t) => tp.maskedSelect(tp.flip(t, 0), m3), [x])).toBe(true);
  });

  test('second order through createGraph: d²/dx² of Σ w·select(x)³ is 6 x w on the mask, 0 elsewhere', () => {
    const xv = [0.5, -1.5, 2, 0.25, -0.75, 1];
    const mv = [1, 0, 1, 1, 0, 1];
    const vv = [2, -1, 0.5, 3, 1, -2];
    const x = f64(xv, [2, 3]);
    x.requiresGrad = true;
    for (const op of ['maskedSelect', 'booleanMask']) {
      const mask = bools(mv, [2, 3]);
      const y = op === 'maskedSelect' ? tp.maskedSelect(x, mask) : tp.booleanMask(x, mask);
      const w = f64([1, -2, 0.5, 3]);
      const [g] = tp.grads(tp.sum(tp.mul(tp.pow(y, 3), w)), [x], undefined, { createGraph: true });
      const wAt: number[] = [];
      let k = 0;
      for (const b of mv) wAt.push(b ? [1, -2, 0.5, 3][k++] : 0);
      expectClose(g.dataSync(), xv.map((xi, i) => 3 * xi * xi * wAt[i]), { rtol: 1e-12, atol: 1e-12 });
      const [h] = tp.grads(tp.sum(tp.mul(g, f64(vv, [2, 3]))), [x]);
      expectClose(h.dataSync(), xv.map((xi, i) => 6 * xi * wAt[i] * vv[i]), { rtol: 1e-12, atol: 1e-12 });
    }
  });

  test('nonzero is not differentiable; the mask may change after maskedSelect without changing its gradient', () => {
    const x = f64([1, 0, 3]);
    x.requiresGrad = true;
    expect(tp.nonzero(x).requiresGrad).toBe(false);
    const m = bools([1, 0, 1]);
    const y = tp.maskedSelect(x, m);
    m.dispose();
    y.sum().backward();
    expect([...x.grad!.dataSync()]).toEqual([1, 0, 1]);
  });
});

describe('bad input', () => {
  const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
  test('mask dtype, shapes and axis are checked, naming the op, the argument and the shapes', () => {
    expectThrowsCode(() => tp.maskedSelect(x, f64([1, 0, 1])), 'ERR_DTYPE', /maskedSelect: mask must be a bool tensor, got float64 \(mask shape \[3\], x shape \[2,3\]\)/);
    expectThrowsCode(() => tp.booleanMask(x, tp.tensor(Int32Array.from([1, 0]))), 'ERR_DTYPE', /booleanMask: mask must be a bool tensor, got int32/);
    expectThrowsCode(() => tp.maskedSelect(x, [1, 0, 1] as unknown as boolean[]), 'ERR_DTYPE', /maskedSelect: mask must hold booleans, got an array of numbers/);
    expectThrowsCode(() => tp.maskedSelect(x, 'yes' as unknown as boolean[]), 'ERR_ARGUMENT', /maskedSelect: mask must be a bool Tensor or an array of booleans, got "yes"/);
    expectThrowsCode(() => tp.maskedSelect(x, bools([1, 0])), 'ERR_SHAPE', /maskedSelect: shapes \[2,3\] and \[2\] cannot be broadcast together/);
    expectThrowsCode(() => tp.booleanMask(x, bools([1, 0, 1])), 'ERR_SHAPE', /booleanMask: mask shape \[3\] must equal x.shape\[0:1\] = \[2\] \(x shape \[2,3\], axis 0\)/);
    expectThrowsCode(() => tp.booleanMask(x, bools([1, 0, 1, 1], [2, 2]), 1), 'ERR_SHAPE', /booleanMask: mask shape \[2,2\] must equal x.shape\[1:3\] = \[3\]/);
    expectThrowsCode(() => tp.booleanMask(x, tp.tensor(true)), 'ERR_SHAPE', /booleanMask: mask must have at least one dim/);
    expectThrowsCode(() => tp.booleanMask(x, bools([1, 0]), { axis: 2 }), 'ERR_AXIS', /booleanMask: axis 2 is out of range for a tensor of rank 2/);
    expectThrowsCode(() => tp.booleanMask(x, bools([1, 0]), { dim: 0 } as unknown as tp.BooleanMaskOptions), 'ERR_ARGUMENT', /unknown option 'dim'/);
    expectThrowsCode(() => tp.booleanMask(tp.tensor(1, { dtype: 'float32' }), bools([1])), 'ERR_SHAPE', /booleanMask: x must have at least one dim/);
    expectThrowsCode(() => tp.nonzero(null as unknown as tp.Tensor), 'ERR_ARGUMENT', /nonzero: x must be a Tensor, got null/);
    const m = bools([1, 0, 1]);
    m.dispose();
    expectThrowsCode(() => tp.maskedSelect(x, m), 'ERR_DISPOSED');
  });

  test('the native entry points check again: mask dtype and every view against its storage', () => {
    const fm = f64([1, 0, 1]);
    const m = bools([1, 0, 1]);
    writeLayout(0, [2, 3], [3, 1], [0, 1]);
    expectThrowsCode(() => native.maskedSelect(x._h, 0, fm._h, 0), 'ERR_DTYPE', /maskedSelect: mask has dtype float64, expected bool/);
    writeLayout(0, [2, 3], [3, 1], [1, 1]);
    expectThrowsCode(() => native.maskedSelect(x._h, 0, m._h, 0), 'ERR_OUT_OF_BOUNDS', /maskedSelect: mask view reaches outside its storage/);
    writeLayout(0, [2, 3], [3, 1], [0, 1]);
    expectThrowsCode(() => native.maskedSelect(x._h, 1, m._h, 0), 'ERR_OUT_OF_BOUNDS', /maskedSelect: x view/);
    writeLayout(0, [3, 3], [3, 1]);
    expectThrowsCode(() => native.nonzero(x._h, 0, 0), 'ERR_OUT_OF_BOUNDS', /nonzero: x view reaches outside its storage/);
    writeLayout(0, [3], [-1]);
    expectThrowsCode(() => native.nonzero(x._h, 1, 1), 'ERR_OUT_OF_BOUNDS', /nonzero: x view/);
    tp.dispose([fm, m]);
  });
});
