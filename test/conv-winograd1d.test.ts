// One-dimensional Winograd (native/cpu/conv_winograd1d.cc): float32 r x 1 and 1 x r forwards
// (r = 3, 5, 7) on weights transformed ahead (the importers' path, conv2dInfer + conv-pack.ts),
// against the same convolution in float64 (OpenBLAS), on every gemm ISA this CPU runs, at 1, 2
// and 3 threads (bit-identical across thread counts); Inf / NaN inputs go to the direct kernels.
import { tp, rng, seedOf, randArray, gemmIsas, relErrOfMax } from './helpers';
import { conv2dInfer } from '../lib/ops/conv';
import { dropPacked } from '../lib/ops/conv-pack';

const { native } = require('../lib/core/native');

const { isas: ISAS, initial: initialIsa } = gemmIsas();
const n0 = tp.getNumThreads();
afterAll(() => {
  native._gemmIsa(initialIsa);
  tp.setNumThreads(n0);
});

type Opts = { padding?: [number, number]; groups?: number; bias?: boolean; relu?: boolean };
// [name, input, weight, options]; m = 9 - r outputs per tile: edge tiles cropped where the axis is no multiple of m
const CASES: [string, number[], number[], Opts][] = [
  ['7x1, 17x17, padded (Inception)', [1, 32, 17, 17], [40, 32, 7, 1], { padding: [3, 0], bias: true, relu: true }],
  ['1x7, 17x17, padded (Inception)', [1, 40, 17, 17], [32, 40, 1, 7], { padding: [0, 3], bias: true }],
  ['7x1 unpadded, odd sizes, batch 3', [3, 33, 12, 5], [35, 33, 7, 1], {}],
  ['1x7 unpadded, batch 2, relu', [2, 36, 3, 14], [33, 36, 1, 7], { relu: true }],
  ['1x5, padding on both axes', [1, 32, 6, 9], [32, 32, 1, 5], { padding: [1, 2], bias: true }],
  ['5x1, groups 2', [2, 64, 11, 4], [64, 32, 5, 1], { padding: [2, 0], groups: 2 }],
  ['1x3, 8x8 (Inception)', [1, 48, 8, 8], [40, 48, 1, 3], { padding: [0, 1], relu: true }],
  ['3x1, 8x8, batch 2, 300 channels (two k blocks)', [2, 300, 8, 8], [32, 300, 3, 1], { padding: [1, 0], bias: true }],
  ['7x1, one output row', [1, 32, 7, 10], [32, 32, 7, 1], {}],
  ['1x7, many tiles (items over the threads)', [1, 32, 20, 37], [48, 32, 1, 7], { padding: [0, 3] }],
];

const size = (s: number[]) => s.reduce((a, b) => a * b, 1);

function inputs(name: string, xs: number[], ws: number[], o: Opts) {
  const r = rng(seedOf(name));
  return { xv: randArray(size(xs), r, -1, 1), wv: randArray(size(ws), r, -1, 1), bv: o.bias ? randArray(ws[0], r, -1, 1) : null };
}

function ref64(xs: number[], ws: number[], o: Opts, v: ReturnType<typeof inputs>): Float64Array {
  const x = tp.tensor(v.xv, { shape: xs, dtype: 'float64' });
  const w = tp.tensor(v.wv, { shape: ws, dtype: 'float64' });
  const b = v.bv ? tp.tensor(v.bv, { dtype: 'float64' }) : null;
  let y = tp.conv2d(x, w, { padding: o.padding, groups: o.groups, bias: b });
  if (o.relu) y = tp.relu(y);
  const out = Float64Array.from(y.dataSync());
  tp.dispose([x, w, y, ...(b ? [b] : [])]);
  return out;
}

// the forward on packed weights: the first call only notes the weight, the second packs it
function packedRun(xs: number[], ws: number[], o: Opts, v: ReturnType<typeof inputs>): { y: Float64Array; direct: Float64Array } {
  const x = tp.tensor(v.xv, { shape: xs });
  const w = tp.tensor(v.wv, { shape: ws });
  const b = v.bv ? tp.tensor(v.bv) : null;
  const opts = { padding: o.padding, groups: o.groups, bias: b };
  const direct = tp.noGrad(() => conv2dInfer(x, w, opts, !!o.relu));
  const y = tp.noGrad(() => conv2dInfer(x, w, opts, !!o.relu));
  const out = { y: Float64Array.from(y.dataSync()), direct: Float64Array.from(direct.dataSync()) };
  dropPacked(w);
  tp.dispose([x, w, y, direct, ...(b ? [b] : [])]);
  return out;
}


describe.each(ISAS)('on the %s microkernels', (isa) => {
  test.each(CASES)('%s', (name, xs, ws, o) => {
    const v = inputs(name, xs, ws, o);
    const ref = ref64(xs, ws, o, v);
    expect(native._gemmIsa(isa).active).toBe(isa);
    const runs = [1, 2, 3].map((th) => {
      tp.setNumThreads(th);
      return packedRun(xs, ws, o, v);
    });
    tp.setNumThreads(n0);
    native._gemmIsa(initialIsa);
    // measured, of the largest value: direct kernels ~5e-7, 1-D Winograd up to 1.6e-6 (its
    // transforms scale values by up to 2^6 for the points +-2 and +-1/2)
    expect(relErrOfMax(runs[0].direct, ref)).toBeLessThan(2e-6);
    expect(relErrOfMax(runs[0].y, ref)).toBeLessThan(5e-6);
    expect(runs[0].y).not.toEqual(runs[0].direct); // the packed call did take Winograd (its rounding differs)
    for (const r of runs.slice(1)) expect(r.y).toEqual(runs[0].y);
  });
});

test('below 32 channels, and for strided or dilated kernels, the direct kernels run', () => {
  for (const [xs, ws, o] of [
    [[1, 16, 17, 17], [32, 16, 7, 1], {}],
    [[1, 32, 17, 17], [16, 32, 1, 7], {}],
    [[1, 32, 17, 17], [32, 32, 1, 7], { stride: 2 }],
    [[1, 32, 17, 17], [32, 32, 7, 1], { dilation: 2 }],
  ] as [number[], number[], Record<string, number>][]) {
    const r = rng(seedOf('w1d-not ' + ws));
    const x = tp.tensor(randArray(size(xs), r, -1, 1), { shape: xs });
    const w = tp.tensor(randArray(size(ws), r, -1, 1), { shape: ws });
    const want = tp.conv2d(x, w, o);
    for (let i = 0; i < 2; i++) tp.noGrad(() => conv2dInfer(x, w, o, false)).dispose();
    const y = tp.noGrad(() => conv2dInfer(x, w, o, false));
    expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
    dropPacked(w);
    tp.dispose([x, w, want, y]);
  }
});

test('Inf and NaN in x: the call goes to the direct kernels (NaN only where the true sum has one)', () => {
  const xs = [1, 32, 17, 17], ws = [32, 32, 1, 7];
  const r = rng(seedOf('w1d-inf'));
  const xv = randArray(size(xs), r, -1, 1);
  xv[100] = Infinity;
  xv[5000] = NaN;
  const x = tp.tensor(xv, { shape: xs });
  const w = tp.tensor(randArray(size(ws), r, -1, 1), { shape: ws });
  const want = tp.conv2d(x, w, { padding: [0, 3] });
  for (let i = 0; i < 2; i++) tp.noGrad(() => conv2dInfer(x, w, { padding: [0, 3] }, false)).dispose();
  const y = tp.noGrad(() => conv2dInfer(x, w, { padding: [0, 3] }, false));
  const a = y.dataSync(), b = want.dataSync();
  let nonFinite = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i])) { nonFinite++; expect(Number.isNaN(a[i])).toBe(true); } else expect(a[i]).toBe(b[i]);
  }
  expect(nonFinite).toBeGreaterThan(0);
  expect(nonFinite).toBeLessThan(b.length / 10);
  dropPacked(w);
  tp.dispose([x, w, want, y]);
});
