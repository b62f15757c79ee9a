// convForwardFused (lib/ops/conv.ts, internal): relu(conv2d(x, w) + bias) with the relu applied
// by the native forward kernel as each output is finished (native convForward's trailing `act`).
// It must equal conv2d + relu bit for bit on every kernel path (direct row, flat row and pixel
// modes, Winograd, the GEMM path, depthwise, float64), at 1 and 2 threads; NaN stays NaN and -0
// stays -0, as relu; it refuses to run where the tape would record.
import { tp, rng, seedOf, randArray, expectNoLeak, expectThrowsCode } from './helpers';
import { convForwardFused } from '../lib/ops/conv';
import type { ConvGeom } from '../lib/ops/conv-args';

const { native } = require('../lib/core/native');

type Opts = { stride?: number; padding?: [number, number]; dilation?: number; groups?: number };

// the geometry conv2d builds for symmetric padding (lib/ops/conv.ts forwardGeom)
function geomOf(xs: number[], ws: number[], o: Opts): ConvGeom {
  const s = o.stride ?? 1, d = o.dilation ?? 1, G = o.groups ?? 1;
  const [ph, pw] = o.padding ?? [0, 0];
  const out = (L: number, k: number, p: number) => Math.floor((L + 2 * p - ((k - 1) * d + 1)) / s) + 1;
  return {
    N: xs[0], C: xs[1], H: xs[2], W: xs[3], O: ws[0], KH: ws[2], KW: ws[3],
    OH: out(xs[2], ws[2], ph), OW: out(xs[3], ws[3], pw), sh: s, sw: s, ph, pw, dh: d, dw: d, G,
  };
}

// [name, input shape, weight shape, options]; the path notes are for the AVX2 tiles
const CASES: [string, number[], number[], Opts][] = [
  ['3x3 padded, batch 2 (pixel mode)', [2, 8, 9, 9], [16, 8, 3, 3], { padding: [1, 1] }],
  ['3x3, 33-wide rows (row mode)', [2, 4, 7, 33], [12, 4, 3, 3], { padding: [1, 1] }],
  ['7x1 (flat row mode), batch 3', [3, 12, 17, 17], [20, 12, 7, 1], { padding: [3, 0] }],
  ['1x7 (pixel mode), 17x17', [1, 16, 17, 17], [24, 16, 1, 7], { padding: [0, 3] }],
  ['1x1 (GEMM), batch 2', [2, 24, 8, 8], [40, 24, 1, 1], {}],
  ['stride 2, odd size', [2, 6, 11, 11], [16, 6, 3, 3], { stride: 2, padding: [1, 1] }],
  ['groups 2, dilation 2', [2, 8, 10, 10], [12, 4, 3, 3], { groups: 2, dilation: 2, padding: [2, 2] }],
  ['depthwise (groups = C)', [2, 6, 9, 9], [12, 1, 3, 3], { groups: 6, padding: [1, 1] }],
  ['few channels (im2col + GEMM)', [2, 3, 5, 5], [2, 3, 3, 3], {}],
  ['Winograd 3x3 (4,096 pixels)', [4, 32, 32, 32], [32, 32, 3, 3], { padding: [1, 1] }],
];

function operands(dtype: 'float32' | 'float64', xs: number[], ws: number[], seed: string, withBias: boolean) {
  const r = rng(seedOf(seed));
  const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x = tp.tensor(randArray(n(xs), r, -1, 1), { shape: xs, dtype });
  const w = tp.tensor(randArray(n(ws), r, -1, 1), { shape: ws, dtype });
  const b = withBias ? tp.tensor(randArray(ws[0], r, -1, 1), { dtype }) : null;
  return { x, w, b };
}

// bit for bit (NaN payloads and the sign of zero included); the first difference on failure
function expectSameBits(got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  const a = got as Float32Array | Float64Array, b = want as Float32Array | Float64Array;
  const ba = Buffer.from(a.buffer, a.byteOffset, a.byteLength), bb = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (!ba.equals(bb)) {
    let i = 0;
    while (Object.is(a[i], b[i])) i++;
    throw new Error(`element ${i}: got ${a[i]}, want ${b[i]}`);
  }
}

const n0 = tp.getNumThreads();
afterAll(() => tp.setNumThreads(n0));

describe.each(['float32', 'float64'] as const)('convForwardFused %s equals conv2d + relu', (dtype) => {
  test.each(CASES)('%s', (name, xs, ws, o) => {
    for (const withBias of [true, false]) {
      const { x, w, b } = operands(dtype, xs, ws, name, withBias);
      const g = geomOf(xs, ws, o);
      const opts = { stride: o.stride ?? 1, padding: o.padding ?? 0, dilation: o.dilation ?? 1, groups: o.groups ?? 1, bias: b };
      const y = tp.conv2d(x, w, opts);
      expect(y.shape).toEqual([g.N, g.O, g.OH, g.OW]);
      const want = tp.relu(y);
      for (const th of [1, 2]) {
        tp.setNumThreads(th);
        const fused = convForwardFused(x, w, b, g, 1);
        const plain = convForwardFused(x, w, b, g, 0);
        expect(fused.shape).toEqual(want.shape);
        expect(fused.dtype).toBe(dtype);
        expectSameBits(fused.dataSync(), want.dataSync());
        expectSameBits(plain.dataSync(), y.dataSync());
        tp.dispose([fused, plain]);
      }
      tp.setNumThreads(n0);
      tp.dispose([x, w, y, want, ...(b ? [b] : [])]);
    }
  });
});

test('NaN and Inf inputs: relu keeps NaN, as conv2d + relu', () => {
  for (const [xs, ws, o] of [[[1, 8, 9, 9], [16, 8, 3, 3], { padding: [1, 1] }], [[1, 12, 17, 17], [20, 12, 7, 1], { padding: [3, 0] }]] as [number[], number[], Opts][]) {
    const { x, w } = operands('float32', xs, ws, 'nan', false);
    const xv = x.dataSync() as Float32Array;
    const data = Array.from(xv);
    data[5] = NaN;
    data[40] = Infinity;
    data[77] = -Infinity;
    const xn = tp.tensor(data, { shape: xs, dtype: 'float32' });
    const g = geomOf(xs, ws, o);
    const want = tp.relu(tp.conv2d(xn, w, { padding: o.padding }));
    const got = convForwardFused(xn, w, null, g, 1);
    const wd = want.dataSync();
    expect(Array.from(wd).some(Number.isNaN)).toBe(true);
    expectSameBits(got.dataSync(), wd);
    tp.dispose([x, w, xn, want, got]);
  }
});

test('an all-negative output is +0 / -0 exactly as relu leaves it', () => {
  const x = tp.tensor([0, 0, 0, 0], { shape: [1, 1, 2, 2], dtype: 'float32' });
  const w = tp.tensor([-1], { shape: [1, 1, 1, 1], dtype: 'float32' });
  const b = tp.tensor([-2], { dtype: 'float32' });
  const g = geomOf([1, 1, 2, 2], [1, 1, 1, 1], {});
  const got = convForwardFused(x, w, b, g, 1);
  expect(Array.from(got.dataSync())).toEqual([0, 0, 0, 0]);
  tp.dispose([x, w, b, got]);
});

describe('convForwardFused refuses', () => {
  const xs = [1, 2, 5, 5], ws = [3, 2, 3, 3];
  const g = geomOf(xs, ws, {});
  test('to run where the tape would record', () => {
    const { x, w } = operands('float32', xs, ws, 'rec', false);
    w.requiresGrad = true;
    expectThrowsCode(() => convForwardFused(x, w, null, g, 1), 'ERR_ARGUMENT', /records no gradient/);
    const y = tp.noGrad(() => convForwardFused(x, w, null, g, 1));
    expect(y.shape).toEqual([1, 3, 3, 3]);
    tp.dispose([x, w, y]);
  });
  test('operands that do not match the geometry, another dtype, a bad act', () => {
    const { x, w } = operands('float32', xs, ws, 'bad', false);
    const w64 = w.to('float64');
    const b = tp.zeros([4]);
    expectThrowsCode(() => convForwardFused(x, w, null, { ...g, C: 3 }, 1), 'ERR_SHAPE', /input \[1,2,5,5\] does not match the geometry \(\[1,3,5,5\]\)/);
    expectThrowsCode(() => convForwardFused(x, w64, null, g, 1), 'ERR_DTYPE', /weight is float64/);
    expectThrowsCode(() => convForwardFused(x, w, b, g, 1), 'ERR_SHAPE', /bias \[4\] does not match/);
    expectThrowsCode(() => convForwardFused(x, w, null, g, 2 as 0 | 1), 'ERR_ARGUMENT', /act must be 0/);
    tp.dispose([x, w, w64, b]);
  });
  test('native convForward checks act itself', () => {
    const { x, w } = operands('float32', xs, ws, 'nat', false);
    const args = [1, 2, 5, 5, 3, 3, 3, 3, 3, 1, 1, 0, 0, 1, 1, 1];
    expect(() => native.convForward(0, ...args, x._h, x._offset, w._h, w._offset, -1, 0, 7)).toThrow(/act must be 0/);
    tp.dispose([x, w]);
  });
});

test('no leaks', () => {
  const { x, w, b } = operands('float32', [2, 8, 9, 9], [16, 8, 3, 3], 'leak', true);
  const g = geomOf([2, 8, 9, 9], [16, 8, 3, 3], { padding: [1, 1] });
  expectNoLeak(() => convForwardFused(x, w, b, g, 1));
  tp.dispose([x, w, b!]);
});

describe('conv2dInfer (the importers\' fused conv + relu)', () => {
  const { conv2dInfer } = require('../lib/ops/conv');
  test.each([
    ['float32', [2, 6, 9, 9], [8, 3, 3, 3], { padding: 1, stride: 2, groups: 2 }],
    ['float64', [1, 4, 7, 7], [5, 4, 3, 1], { padding: [1, 0], dilation: 2 }],
    ['float32', [3, 8, 5, 5], [8, 8, 1, 1], {}],
  ] as [string, number[], number[], Record<string, unknown>][])('%s %j * %j, %j: equals relu(conv2d), fused and recorded', (dtype, xs, ws, o) => {
    const r = rng(seedOf(`c2r ${xs} ${ws}`));
    const x = tp.tensor(randArray(xs.reduce((a, b) => a * b), r), { shape: xs, dtype: dtype as 'float32' });
    const w = tp.tensor(randArray(ws.reduce((a, b) => a * b), r), { shape: ws, dtype: dtype as 'float32', requiresGrad: true });
    const b = tp.tensor(randArray(ws[0], r), { dtype: dtype as 'float32' });
    const want = tp.noGrad(() => tp.relu(tp.conv2d(x, w, { ...o, bias: b })));
    const fused = tp.noGrad(() => conv2dInfer(x, w, { ...o, bias: b }, true)) as tp.Tensor;
    expect(Array.from(fused.dataSync())).toEqual(Array.from(want.dataSync()));
    // with the tape on it records conv2d and relu: the gradient reaches the weight
    const y = conv2dInfer(x, w, { ...o, bias: b }, true) as tp.Tensor;
    expect(Array.from(y.dataSync())).toEqual(Array.from(want.dataSync()));
    tp.sum(y).backward();
    expect(w.grad).not.toBeNull();
    tp.dispose([x, w, b, want, fused, y]);
  });
  test('bad input names conv2d', () => {
    expectThrowsCode(() => conv2dInfer(tp.zeros([1, 3, 5, 5]), tp.zeros([4, 2, 3, 3]), {}, true), 'ERR_SHAPE', /conv2d: input \[1,3,5,5\] has 3 channels/);
  });
});
