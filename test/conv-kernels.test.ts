// The float32 direct convolution kernels (native/cpu/conv_direct*.cc: row mode, pixel mode, the
// weight gradient), Winograd (conv_winograd.cc) and the float32 GEMM path, on every gemm ISA this CPU runs (avx512emu: the
// AVX-512 tile geometry on AVX2), at 1, 2 and 3 threads: forward, input and weight gradients
// against the same convolution in float64 (im2col + OpenBLAS dgemm), and bit-identical across
// thread counts. The shapes are picked to land in each mode on each tile (edge tiles, several k
// blocks, stride, dilation, groups, asymmetric and over-wide padding, batch 1, C = 1).
import { rng, seedOf, randArray, tp, gemmIsas, relErrOfMax } from './helpers';

const { native } = require('../lib/core/native');

const { isas: ISAS, initial: initialIsa } = gemmIsas();
const n0 = tp.getNumThreads();

// Winograd needs 4,096 output pixels per call by default (fewer do not pay for the weight
// transform); these small shapes reach it with the threshold at 0
const minPixels0 = native._convWinogradMinPixels(0);

afterAll(() => {
  native._gemmIsa(initialIsa);
  tp.setNumThreads(n0);
  native._convWinogradMinPixels(minPixels0);
});

type Opts = Record<string, unknown>;
// [name, input shape, weight shape, options]; the mode notes are for the AVX2 tile (6 x 16)
const CASES: [string, number[], number[], Opts][] = [
  ['row mode, tail tile of 1 column', [2, 4, 7, 33], [12, 4, 3, 3], { padding: 1 }],
  ['pixel mode, short rows', [3, 5, 6, 6], [16, 5, 3, 3], { padding: 1, bias: true }],
  ['row mode, two k blocks', [2, 40, 8, 8], [10, 40, 3, 3], { padding: 1 }],
  ['pixel mode, two k blocks, 5-wide rows', [2, 32, 5, 5], [16, 32, 3, 3], { padding: 1 }],
  ['stride 2 (pixel mode), odd size', [2, 6, 11, 11], [16, 6, 3, 3], { stride: 2, padding: 1, bias: true }],
  ['stride [2, 1]', [2, 6, 9, 20], [12, 6, 3, 3], { stride: [2, 1], padding: [1, 0] }],
  ['dilation 2', [2, 4, 10, 12], [8, 4, 3, 3], { dilation: 2, padding: 2 }],
  ['groups 2', [2, 8, 9, 9], [12, 4, 3, 3], { groups: 2, padding: 1, bias: true }],
  ['batch 1, 5x5 (rows split over threads)', [1, 3, 17, 19], [8, 3, 5, 5], { padding: 2 }],
  ["'same' with an even kernel (asymmetric)", [2, 3, 8, 8], [6, 3, 4, 4], { padding: 'same' }],
  ['padding wider than the kernel reach', [2, 6, 5, 5], [8, 6, 3, 3], { padding: 3 }],
  ['C = 1, 5x5 (the MNIST first layer)', [3, 1, 12, 12], [32, 1, 5, 5], { padding: 2, bias: true }],
  ['unpadded valid 5x5', [2, 7, 13, 11], [9, 7, 5, 5], {}],
  ['1x1 (pointwise)', [2, 16, 5, 7], [16, 16, 1, 1], {}],
  ['1x1, 28 outputs (GEMM path: weights packed once as 30 rows of 6)', [3, 40, 5, 7], [28, 40, 1, 1], { bias: true }],
  ['1x1 at batch 1, 17x17 (GEMM threaded over column chunks, the last tile 1 wide)', [1, 96, 17, 17], [40, 96, 1, 1], { bias: true }],
  ['big K, channels past one tile', [2, 20, 6, 9], [40, 20, 3, 5], { padding: [1, 2] }],
  ['flat row mode (7x1: rows exactly OW wide), 2 k blocks', [2, 40, 9, 11], [10, 40, 7, 1], { padding: [3, 0] }],
  ['flat row mode, dilation 2, asymmetric rows', [1, 6, 12, 7], [14, 6, 3, 1], { dilation: 2, padding: [2, 0], bias: true }],
  ['batch 1, pixel mode split by output channels', [1, 20, 6, 6], [70, 20, 3, 3], { padding: 1, bias: true }],
  ['batch 1, row mode split by output channels', [1, 8, 5, 40], [30, 8, 3, 3], { padding: 1 }],
  ['groups 2 of 224 output channels (228 rows of 6 packed), row mode', [1, 8, 4, 40], [448, 4, 3, 3], { padding: 1, groups: 2 }],
  ['pixel mode, 4 samples per item (8x8), last item short', [7, 12, 8, 8], [20, 12, 3, 3], { padding: 1, bias: true }],
  // Winograd (3x3 and 5x5, stride 1, dilation 1, >= 32 channels in and out per group)
  ['winograd 3x3, odd size, 33 outputs, bias', [2, 32, 13, 11], [33, 32, 3, 3], { padding: 1, bias: true }],
  ['winograd 3x3 unpadded, batch 1', [1, 36, 10, 7], [32, 36, 3, 3], {}],
  ['winograd 5x5, odd size, groups 2', [2, 64, 9, 11], [64, 32, 5, 5], { padding: 2, groups: 2 }],
  ['winograd 3x3 padding 3 (input gradient cropped)', [2, 32, 5, 6], [32, 32, 3, 3], { padding: 3 }],
  ['winograd 3x3, tile blocks spanning images', [3, 32, 20, 20], [32, 32, 3, 3], { padding: 1 }],
  ['winograd 3x3, 300 channels (two k blocks)', [1, 300, 6, 6], [32, 300, 3, 3], { padding: 1 }],
  ['winograd 5x5 unpadded', [2, 32, 12, 9], [40, 32, 5, 5], {}],
  // as wide, but not Winograd's: stride 2 and dilation 2 (its input gradient is no stride-1 3x3)
  ['3x3 stride 2, 32 channels', [2, 32, 9, 10], [32, 32, 3, 3], { stride: 2, padding: 1 }],
  ['3x3 dilation 2, 32 channels', [2, 32, 9, 10], [32, 32, 3, 3], { dilation: 2, padding: 2 }],
];
// the cases whose forward and input gradient take Winograd (native/cpu/conv_winograd.cc applies)
function winograd(xs: number[], ws: number[], o: Opts): boolean {
  const g = (o.groups as number) || 1;
  const one = (v: unknown) => v === undefined || v === 1 || (Array.isArray(v) && v.every((e) => e === 1));
  return ws[2] === ws[3] && (ws[2] === 3 || ws[2] === 5) && one(o.stride) && one(o.dilation) && xs[1] / g >= 32 && ws[0] / g >= 32;
}

interface Result { y: Float64Array; gx: Float64Array; gw: Float64Array; gb: Float64Array | null }

function runConv(dtype: 'float32' | 'float64', xs: number[], ws: number[], o: Opts, seed: string): Result {
  const r = rng(seedOf(seed));
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x = tp.tensor(randArray(size(xs), r, -1, 1), { shape: xs, dtype, requiresGrad: true });
  const w = tp.tensor(randArray(size(ws), r, -1, 1), { shape: ws, dtype, requiresGrad: true });
  const b = o.bias ? tp.tensor(randArray(ws[0], r, -1, 1), { dtype, requiresGrad: true }) : null;
  const y = tp.conv2d(x, w, { ...o, bias: b });
  const gy = tp.tensor(randArray(size(y.shape), r, -1, 1), { shape: y.shape, dtype });
  y.backward(gy);
  const out: Result = {
    y: Float64Array.from(y.dataSync()),
    gx: Float64Array.from(x.grad!.dataSync()),
    gw: Float64Array.from(w.grad!.dataSync()),
    gb: b ? Float64Array.from(b.grad!.dataSync()) : null,
  };
  tp.dispose([x, w, y, gy, ...(b ? [b] : [])]);
  return out;
}


describe.each(ISAS)('float32 conv kernels on the %s microkernels', (isa) => {
  test.each(CASES)('%s', (name, xs, ws, o) => {
    const ref = runConv('float64', xs, ws, o, name);
    expect(native._gemmIsa(isa).active).toBe(isa);
    const byThreads: Result[] = [];
    for (const th of [1, 2, 3]) {
      tp.setNumThreads(th);
      byThreads.push(runConv('float32', xs, ws, o, name));
    }
    tp.setNumThreads(n0);
    native._gemmIsa(initialIsa);
    const r1 = byThreads[0];
    // measured, of the largest value on every ISA: direct kernels at most 5e-7 (float32 rounding
    // of these sums), Winograd at most 5.7e-6 (its transforms scale values by up to ~100)
    const tol = winograd(xs, ws, o) ? 1e-5 : 2e-6;
    expect(relErrOfMax(r1.y, ref.y)).toBeLessThan(tol);
    expect(relErrOfMax(r1.gx, ref.gx)).toBeLessThan(tol);
    expect(relErrOfMax(r1.gw, ref.gw)).toBeLessThan(2e-6);
    if (ref.gb) expect(relErrOfMax(r1.gb!, ref.gb)).toBeLessThan(2e-6);
    for (const r of byThreads.slice(1)) {
      expect(r.y).toEqual(r1.y);
      expect(r.gx).toEqual(r1.gx);
      expect(r.gw).toEqual(r1.gw);
    }
  });
});

// Winograd's transforms would mix an Inf into its whole tile (Inf - Inf = NaN): it hands such
// inputs to the direct kernels, so NaN appears only where the true sum has one
test.each([
  ['direct', [2, 4, 6, 10], [8, 4, 3, 3]],
  ['winograd-sized', [2, 32, 6, 10], [32, 32, 3, 3]],
])('float32 conv with Inf and NaN in x and gy matches float64 where finite (%s)', (_n, xs, ws) => {
  const r = rng(seedOf('conv-kernels-inf' + xs.join('x')));
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const xv = randArray(size(xs), r, -1, 1);
  xv[17] = Infinity;
  xv[100] = NaN;
  const wv = randArray(size(ws), r, -1, 1);
  const gv = randArray(xs[0] * ws[0] * xs[2] * xs[3], r, -1, 1);
  gv[33] = -Infinity;
  const run = (dtype: 'float32' | 'float64') => {
    const x = tp.tensor(xv, { shape: xs, dtype, requiresGrad: true });
    const w = tp.tensor(wv, { shape: ws, dtype });
    const y = tp.conv2d(x, w, { padding: 1 });
    y.backward(tp.tensor(gv, { shape: y.shape, dtype }));
    const out = [Float64Array.from(y.dataSync()), Float64Array.from(x.grad!.dataSync())];
    tp.dispose([x, w, y]);
    return out;
  };
  const a = run('float32');
  const b = run('float64');
  for (let k = 0; k < 2; k++) {
    let nonFinite = 0;
    for (let i = 0; i < b[k].length; i++) {
      if (Number.isFinite(b[k][i])) expect(Math.abs(a[k][i] - b[k][i])).toBeLessThan(1e-4);
      else {
        nonFinite++;
        expect(Number.isNaN(b[k][i]) ? Number.isNaN(a[k][i]) : a[k][i] === b[k][i]).toBe(true);
      }
    }
    expect(nonFinite).toBeGreaterThan(0);
    expect(nonFinite).toBeLessThan(b[k].length / 2);
  }
});

test('Winograd is taken from the pixel threshold on: below it the direct kernels run', () => {
  const xs = [1, 32, 8, 8], ws = [32, 32, 3, 3];
  const forward = (minPixels: number): Float32Array => {
    const old = native._convWinogradMinPixels(minPixels);
    try {
      const r = rng(seedOf('winograd-threshold'));
      const x = tp.tensor(randArray(32 * 64, r, -1, 1), { shape: xs });
      const w = tp.tensor(randArray(32 * 32 * 9, r, -1, 1), { shape: ws });
      const y = tp.conv2d(x, w, { padding: 1 });
      const v = y.dataSync() as Float32Array;
      tp.dispose([x, w, y]);
      return v;
    } finally {
      native._convWinogradMinPixels(old);
    }
  };
  expect(minPixels0).toBe(4096);
  const direct = forward(Number.MAX_SAFE_INTEGER);
  expect(forward(64)).not.toEqual(direct); // 64 pixels: Winograd (its rounding differs)
  expect(forward(65)).toEqual(direct); // one more than the call has: direct
  expect(forward(minPixels0)).toEqual(direct);
});
