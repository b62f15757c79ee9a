// Convolution weights packed ahead for inference (native convPrepack, lib/ops/conv-pack.ts,
// conv2dInfer in lib/ops/conv.ts): the forward given a packed copy must equal the forward that
// packs per call, bit for bit, on every kernel path (direct row / flat row / pixel modes, the
// GEMM path, grouped, Winograd 3x3 and 5x5) and every gemm ISA this CPU runs; the copy is made on
// the second sighting of an unchanged weight, made again after a write or for a new geometry, and
// a copy that does not fit the call (another geometry, ISA, or a foreign buffer) is ignored.
import { tp, rng, seedOf, randArray, expectClose, settleGc, gemmIsas } from './helpers';
import { conv2dInfer } from '../lib/ops/conv';
import { packedWeights, dropPacked } from '../lib/ops/conv-pack';
import { DTYPE_CODE } from '../lib/core/dtype';

const { native } = require('../lib/core/native');

const { isas: ISAS, initial: initialIsa } = gemmIsas();
const n0 = tp.getNumThreads();
afterAll(() => {
  native._gemmIsa(initialIsa);
  tp.setNumThreads(n0);
});

type Opts = { stride?: number; padding?: number | [number, number]; dilation?: number; groups?: number; bias?: boolean };
const CASES: [string, number[], number[], Opts][] = [
  ['3x3 pixel mode, batch 2', [2, 8, 9, 9], [16, 8, 3, 3], { padding: 1, bias: true }],
  ['3x3 row mode, 33-wide rows', [2, 4, 7, 33], [12, 4, 3, 3], { padding: 1 }],
  ['7x1 flat row mode, two k blocks', [1, 40, 9, 11], [10, 40, 7, 1], { padding: [3, 0] }],
  ['1x7 pixel mode, batch 1', [1, 16, 17, 17], [24, 16, 1, 7], { padding: [0, 3], bias: true }],
  ['stride 2 pixel mode, batch 1 (weights packed as used without a copy)', [1, 12, 11, 11], [40, 12, 3, 3], { stride: 2 }],
  ['groups 2, row mode', [1, 8, 4, 40], [448, 4, 3, 3], { padding: 1, groups: 2 }],
  ['1x1 GEMM path, 28 outputs', [3, 40, 5, 7], [28, 40, 1, 1], { bias: true }],
  ['1x1 GEMM path, groups 2', [1, 32, 6, 6], [20, 16, 1, 1], { groups: 2 }],
  ['winograd 3x3, 35x35 at batch 1 (1,225 pixels: only with packed weights)', [1, 32, 35, 35], [32, 32, 3, 3], { padding: 1, bias: true }],
  ['winograd 5x5, 33x33, two groups', [1, 64, 33, 33], [64, 32, 5, 5], { padding: 2, groups: 2 }],
  ['depthwise (nothing packed ahead)', [1, 8, 9, 9], [8, 1, 3, 3], { padding: 1, groups: 8 }],
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
function operands(name: string, xs: number[], ws: number[], o: Opts, dtype: 'float32' | 'float64' = 'float32') {
  const r = rng(seedOf(name));
  const x = tp.tensor(randArray(size(xs), r, -1, 1), { shape: xs, dtype });
  const w = tp.tensor(randArray(size(ws), r, -1, 1), { shape: ws, dtype });
  const b = o.bias ? tp.tensor(randArray(ws[0], r, -1, 1), { dtype }) : null;
  return { x, w, b, opts: { stride: o.stride, padding: o.padding, dilation: o.dilation, groups: o.groups, bias: b } };
}
const live = () => native.memory().liveStorages as number;

describe.each(ISAS)('on the %s microkernels', (isa) => {
  test.each(CASES)('%s: packed ahead == packed per call, bit for bit, at 1 and 2 threads', (name, xs, ws, o) => {
    expect(native._gemmIsa(isa).active).toBe(isa);
    const { x, w, b, opts } = operands(name, xs, ws, o);
    for (const th of [1, 2]) {
      tp.setNumThreads(th);
      for (const relu of [false, true]) {
        // the per-call forward: the packed path's own threshold (Winograd from 1,024 pixels) set for both
        const old = native._convWinogradMinPixels(1024);
        const want = tp.noGrad(() => { const y = tp.conv2d(x, w, opts); return relu ? tp.relu(y) : y; });
        const first = tp.noGrad(() => conv2dInfer(x, w, opts, relu)); // first sighting: nothing packed yet
        const second = tp.noGrad(() => conv2dInfer(x, w, opts, relu)); // packs, then runs on the copy
        const third = tp.noGrad(() => conv2dInfer(x, w, opts, relu));
        native._convWinogradMinPixels(old);
        expect(Array.from(first.dataSync())).toEqual(Array.from(want.dataSync()));
        expect(Array.from(second.dataSync())).toEqual(Array.from(want.dataSync()));
        expect(Array.from(third.dataSync())).toEqual(Array.from(want.dataSync()));
        tp.dispose([want, first, second, third]);
      }
      dropPacked(w);
    }
    native._gemmIsa(initialIsa);
    tp.setNumThreads(n0);
    tp.dispose([x, w, ...(b ? [b] : [])]);
  });
});

test('Winograd on packed weights matches the float64 convolution (1,225 pixels, 3x3 and 5x5)', () => {
  for (const [xs, ws, p] of [[[1, 32, 35, 35], [48, 32, 3, 3], 1], [[1, 48, 35, 35], [64, 48, 5, 5], 2]] as [number[], number[], number][]) {
    const a = operands('wino64 ' + ws, xs, ws, { padding: p });
    const ref = tp.conv2d(tp.cast(a.x, 'float64'), tp.cast(a.w, 'float64'), { padding: p });
    for (let i = 0; i < 2; i++) tp.noGrad(() => conv2dInfer(a.x, a.w, { padding: p }, false)).dispose();
    const y = tp.noGrad(() => conv2dInfer(a.x, a.w, { padding: p }, false));
    const direct = tp.conv2d(a.x, a.w, { padding: p }); // 1,225 pixels per call: direct without packed weights
    expect(Array.from(y.dataSync())).not.toEqual(Array.from(direct.dataSync())); // so the packed call took Winograd
    expectClose(y.dataSync(), ref.dataSync(), { atol: 2e-4, rtol: 1e-4 });
    dropPacked(a.w);
    tp.dispose([a.x, a.w, ref, y, direct]);
  }
});

test('a written weight is packed again; another input size gets its own copy; another batch size shares it', () => {
  const { x, w } = operands('rewrite', [1, 8, 9, 9], [16, 8, 3, 3], {});
  const opts = { padding: 1 };
  const run = (xi: tp.Tensor) => tp.noGrad(() => conv2dInfer(xi, w, opts, false));
  for (let i = 0; i < 2; i++) run(x).dispose();
  const before = packedWeights(w, geomOf(x.shape, w.shape));
  expect(before).not.toBeNull();
  tp.noGrad(() => w.mul_(-0.5));
  const y = run(x); // first sighting of the new version: per call
  const y2 = run(x); // packed again from the new values
  const want = tp.conv2d(x, w, opts);
  expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
  expect(Array.from(y2.dataSync())).toEqual(Array.from(want.dataSync()));
  expect(before!.isDisposed).toBe(true);
  // batch 3 reuses the batch-1 copy; a 12x12 input gets a copy of its own
  const x3 = tp.cat([x, tp.mul(x, 2), tp.neg(x)], 0);
  const n = live();
  const y3 = run(x3);
  expect(live()).toBe(n + 1); // the output only
  expect(Array.from(y3.dataSync())).toEqual(Array.from(tp.conv2d(x3, w, opts).dataSync()));
  const xb = tp.randn([1, 8, 12, 12]);
  for (let i = 0; i < 2; i++) run(xb).dispose();
  const yb = run(xb);
  expect(Array.from(yb.dataSync())).toEqual(Array.from(tp.conv2d(xb, w, opts).dataSync()));
  dropPacked(w);
  tp.dispose([x, w, y, y2, want, x3, y3, xb, yb]);
});

test('a weight made afresh for every call is never packed ahead (nothing left for the collector)', () => {
  const x = tp.randn([1, 8, 9, 9]);
  const base = tp.randn([16, 8, 3, 3]);
  settleGc();
  const n = live();
  for (let i = 0; i < 5; i++) {
    const w = tp.mul(base, 1 + i); // a new storage each call
    const y = tp.noGrad(() => conv2dInfer(x, w, { padding: 1 }, true));
    tp.dispose([w, y]);
  }
  expect(live()).toBe(n);
  tp.dispose([x, base]);
});

test('a weight keeps copies for at most 4 input sizes: a fifth evicts the least recently used', () => {
  const w = tp.randn([16, 8, 3, 3]);
  const xs = [9, 10, 11, 12, 13].map((s) => tp.randn([1, 8, s, s]));
  const run = (x: tp.Tensor) => tp.noGrad(() => conv2dInfer(x, w, { padding: 1 }, false)).dispose();
  settleGc();
  const n = live();
  for (const x of xs.slice(0, 4)) { run(x); run(x); } // four sizes, each packed on its second sighting
  expect(live()).toBe(n + 4);
  run(xs[0]); // size 9 is now the most recently used
  run(xs[4]); // a fifth size: size 10's copy goes
  expect(live()).toBe(n + 3);
  run(xs[4]);
  expect(live()).toBe(n + 4);
  for (const x of xs) {
    const y = tp.noGrad(() => conv2dInfer(x, w, { padding: 1 }, false));
    const want = tp.conv2d(x, w, { padding: 1 });
    expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
    tp.dispose([y, want]);
  }
  w.dispose(); // the copies go with the weight's buffer
  expect(live()).toBe(n - 1);
  tp.dispose(xs);
});

test('the native forward ignores a packed buffer that does not fit the call', () => {
  const x = tp.randn([1, 8, 9, 9]);
  const w = tp.randn([16, 8, 3, 3]);
  const want = tp.conv2d(x, w, { padding: 1 });
  const g = geomOf(x.shape, w.shape);
  const args = [g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW, 1, 1, 1, 1, 1, 1, 1];
  const run = (packedH: number) => {
    const h = native.convForward(DTYPE_CODE.float32, ...args, x._h, x._offset, w._h, w._offset, -1, 0, 0, packedH);
    return Array.from(tp.Tensor._fromHandle(h, want.shape, 'float32').dataSync());
  };
  const wantV = Array.from(want.dataSync());
  // a copy made for another geometry (5x5 kernel reach: the 9x9 output of a 11x11 input, unpadded)
  const other = native.convPrepack(DTYPE_CODE.float32, 1, 8, 11, 11, 16, 3, 3, 9, 9, 1, 1, 0, 0, 1, 1, 1, w._h, w._offset);
  // random floats, zeros, and one element
  const junk = [tp.randn([5000]), tp.zeros([5000]), tp.ones([1])];
  for (const t of junk) expect(run(t._h)).toEqual(wantV);
  expect(run(other[0])).toEqual(wantV);
  // a copy made under another ISA is not read by this one
  const own = native.convPrepack(DTYPE_CODE.float32, ...args, w._h, w._offset);
  expect(run(own[0])).toEqual(wantV);
  if (ISAS.length > 1) {
    native._gemmIsa('scalar');
    const scalarWant = Array.from(tp.conv2d(x, w, { padding: 1 }).dataSync());
    expect(run(own[0])).toEqual(scalarWant);
    native._gemmIsa(initialIsa);
  }
  // a float64 buffer is refused by dtype; float64 convolutions pack nothing ahead
  expect(() => native.convForward(DTYPE_CODE.float32, ...args, x._h, x._offset, w._h, w._offset, -1, 0, 0, tp.zeros([4], { dtype: 'float64' })._h)).toThrow(/packed/);
  const w64 = tp.cast(w, 'float64');
  expect(native.convPrepack(DTYPE_CODE.float64, ...args, w64._h, w64._offset)).toBe(-1);
  native.free(other[0]);
  native.free(own[0]);
  tp.dispose([x, w, want, w64, ...junk]);
});

test('Inf / NaN weights: the packed Winograd path hands over to the direct kernels', () => {
  const a = operands('nan-w', [1, 32, 35, 35], [32, 32, 3, 3], {});
  const wv = a.w.dataSync() as Float32Array;
  wv[5] = NaN;
  wv[40] = Infinity;
  const w = tp.tensor(Array.from(wv), { shape: a.w.shape });
  for (let i = 0; i < 2; i++) tp.noGrad(() => conv2dInfer(a.x, w, { padding: 1 }, false)).dispose();
  const y = tp.noGrad(() => conv2dInfer(a.x, w, { padding: 1 }, false));
  expect(Array.from(y.dataSync())).toEqual(Array.from(tp.conv2d(a.x, w, { padding: 1 }).dataSync()));
  // and an Inf in x with finite packed weights
  const xv = a.x.dataSync() as Float32Array;
  xv[7] = -Infinity;
  const x = tp.tensor(Array.from(xv), { shape: a.x.shape });
  for (let i = 0; i < 2; i++) tp.noGrad(() => conv2dInfer(x, a.w, { padding: 1 }, false)).dispose();
  const y2 = tp.noGrad(() => conv2dInfer(x, a.w, { padding: 1 }, false));
  expect(Array.from(y2.dataSync())).toEqual(Array.from(tp.conv2d(x, a.w, { padding: 1 }).dataSync()));
  dropPacked(w);
  dropPacked(a.w);
  tp.dispose([a.x, a.w, w, y, x, y2]);
});

// conv2d's geometry for a stride-1 3x3 with padding 1 (lib/ops/conv.ts forwardGeom)
function geomOf(xs: readonly number[], ws: readonly number[]) {
  return { N: xs[0], C: xs[1], H: xs[2], W: xs[3], O: ws[0], KH: ws[2], KW: ws[3], OH: xs[2], OW: xs[3], sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, G: 1 };
}
