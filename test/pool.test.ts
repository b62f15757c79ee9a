// Pooling (lib/ops/pool.ts, native/cpu/pool*.cc) against torch 1.13 (test/fixtures/pool.json from
// gen_pool.py: strides, paddings, dilation, ceilMode and its last-window rule, countIncludePad,
// divisorOverride, 1-D, adaptive, TF SAME/VALID in NHWC and NCHW, unbatched, float64, empty batch,
// ties and NaN/Inf, indices and gradients), each case on contiguous and non-contiguous input;
// float64 gradchecks (second order too), modules, bad input, thread-count independence, leaks.
import { tp, rng, seedOf, randArray, expectClose, expectNoLeak, expectThrowsCode } from './helpers';
import { CASES, checkCase } from './pool-fixtures';

type T = tp.Tensor;
const POOL_OPS = ['maxPool2d', 'avgPool2d', 'maxPool1d', 'avgPool1d', 'adaptiveAvgPool2d', 'adaptiveMaxPool2d', 'maxPool', 'avgPool'];
const cases = CASES.filter((c) => POOL_OPS.includes(c.op));

describe('pooling against torch 1.13 fixtures', () => {
  test('every pooling op has cases', () => {
    for (const op of POOL_OPS) expect(cases.some((c) => c.op === op)).toBe(true);
  });
  for (const c of cases) {
    test(`${c.op}: ${c.name}`, () => {
      checkCase(c, 'contiguous');
      checkCase(c, 'strided');
    });
  }
});

function randT(shape: number[], name: string, dtype: 'float32' | 'float64' = 'float64'): T {
  const n = shape.reduce((a, b) => a * b, 1);
  return tp.tensor(randArray(n, rng(seedOf(name))), { shape, dtype });
}

describe('pooling semantics', () => {
  test('returnIndices gives [output, indices] as torch; plain call gives the output', () => {
    const x = tp.tensor([1, 5, 2, 4, 3, 9, 0, 7, 8, 6, 1, 2, 3, 4, 5, 6], { shape: [1, 1, 4, 4] });
    const [v, i] = tp.maxPool2d(x, 2, { returnIndices: true });
    expect(v.toArray()).toEqual([[[[9, 7], [8, 6]]]]);
    expect(i.dtype).toBe('int32');
    expect(i.toArray()).toEqual([[[[5, 7], [8, 15]]]]);
    expect(tp.maxPool2d(x, 2).shape).toEqual([1, 1, 2, 2]);
    expect(x.maxPool2d(2).toArray()).toEqual(v.toArray());
    expect(tp.nn.functional.maxPool2d(x, 2).toArray()).toEqual(v.toArray());
    // the indices the tape saved outlive the returned ones
    const xr = x.detach().requiresGrad_();
    const [vr, ir] = tp.maxPool2d(xr, 2, { returnIndices: true });
    ir.dispose();
    vr.sum().backward();
    expect(xr.grad!.toArray()).toEqual([[[[0, 0, 0, 0], [0, 1, 0, 1], [1, 0, 0, 0], [0, 0, 0, 1]]]]);
  });

  test('the AVX2 2x2 path equals the generic loop (adaptive windows of the same shape), values and indices', () => {
    const r = rng(seedOf('fast2x2'));
    const vals = randArray(2 * 3 * 10 * 70, r).map((v, k) => (k % 97 === 0 ? NaN : k % 13 === 0 ? 1 : v));
    const x = tp.tensor(vals, { shape: [2, 3, 10, 70] });
    const [a, ia] = tp.maxPool2d(x, 2, { returnIndices: true });
    const [b, ib] = tp.adaptiveMaxPool2d(x, [5, 35], { returnIndices: true });
    expectClose(a.dataSync(), b.dataSync(), { rtol: 0, atol: 0 });
    expect(Array.from(ia.dataSync())).toEqual(Array.from(ib.dataSync()));
    // the one-pass 2x2 backward against the scatter (odd sizes: a last row and column in no window)
    const xo = tp.tensor(vals.slice(0, 2 * 3 * 9 * 69), { shape: [2, 3, 9, 69] }).requiresGrad_();
    const gy = tp.tensor(randArray(2 * 3 * 4 * 34, r), { shape: [2, 3, 4, 34] });
    const [g1] = tp.grads(tp.maxPool2d(xo, 2), [xo], gy);
    const [g2] = tp.grads(tp.adaptiveMaxPool2d(xo.slice([0, 0, 0, 0], [2, 3, 8, 68]), [4, 34]), [xo], gy);
    expectClose(g1.dataSync(), g2.dataSync(), { rtol: 0, atol: 0 });
    tp.dispose([x, a, ia, b, ib, xo, gy, g1, g2]);
  });

  test('the float32 vector paths equal the float64 per-window loops (values, indices, gradients)', () => {
    const r = rng(seedOf('f32paths'));
    const vals = randArray(2 * 2 * 11 * 45, r).map((v, k) => (k % 89 === 0 ? NaN : k % 7 === 0 ? 0.5 : v));
    const x32 = tp.tensor(vals, { shape: [2, 2, 11, 45] }).requiresGrad_();
    const x64 = x32.detach().cast('float64').requiresGrad_();
    const configs: tp.MaxPoolOptions[] = [
      { stride: 2 }, { stride: 2, padding: 1 }, { stride: 2, padding: 1, ceilMode: true }, { stride: 2, dilation: 2 },
      { stride: 1, padding: 1 }, { stride: 3, padding: 1 },
    ];
    for (const o of configs) {
      const [a, ia] = tp.maxPool2d(x32, 3, { ...o, returnIndices: true });
      const [b, ib] = tp.maxPool2d(x64, 3, { ...o, returnIndices: true });
      expectClose(a.dataSync(), b.dataSync(), { rtol: 0, atol: 0 }, JSON.stringify(o));
      expect(Array.from(ia.dataSync())).toEqual(Array.from(ib.dataSync()));
      const v32 = tp.maxPool2d(x32.detach(), 3, o);
      expectClose(v32.dataSync(), b.dataSync(), { rtol: 0, atol: 0 }, `${JSON.stringify(o)} without indices`);
      const gy = tp.tensor(randArray(a.size, r), { shape: a.shape, dtype: 'float64' });
      const [g32] = tp.grads(a, [x32], gy.cast('float32'));
      const [g64] = tp.grads(b, [x64], gy);
      expectClose(g32.dataSync(), g64.dataSync(), { rtol: 1e-6, atol: 1e-6 });
      const s32 = tp.avgPool2d(x32.detach(), 3, { stride: o.stride, padding: o.padding, ceilMode: o.ceilMode });
      const s64 = tp.avgPool2d(x64.detach(), 3, { stride: o.stride, padding: o.padding, ceilMode: o.ceilMode });
      expectClose(s32.dataSync(), s64.dataSync(), { rtol: 1e-5, atol: 1e-6 });
      tp.dispose([a, ia, b, ib, v32, gy, g32, g64, s32, s64]);
    }
  });

  test('a window wholly in the dilated padding: -inf, torch\'s index outside the plane, no gradient', () => {
    // torch 1.13 gives the same values and indices, and its backward writes outside the gradient's buffer
    const x = tp.tensor(randArray(10, rng(seedOf('empty'))), { shape: [1, 1, 2, 5], dtype: 'float64' }).requiresGrad_();
    const [y, i] = tp.maxPool2d(x, 2, { stride: 2, padding: 1, dilation: 3, returnIndices: true });
    expect(Array.from(y.dataSync())).toEqual([-Infinity, -Infinity]);
    expect(Array.from(i.dataSync())).toEqual([12, 11]);
    const [g] = tp.grads(y, [x], tp.onesLike(y), { createGraph: true });
    expect(Array.from(g.dataSync())).toEqual(new Array(10).fill(0));
    const w = tp.tensor(randArray(2, rng(1)), { shape: [1, 1, 1, 2], dtype: 'float64' }).requiresGrad_();
    const [gw] = tp.grads(tp.grads(tp.mul(tp.maxPool2d(x, 2, { stride: 2, padding: 1, dilation: 3 }), w).sum(), [x], undefined, { createGraph: true })[0].sum(), [w]);
    expect(Array.from(gw.dataSync())).toEqual([0, 0]);
  });

  test('NHWC (channels-last view) input gives the NCHW result', () => {
    const nhwc = randT([2, 6, 7, 3], 'nhwc', 'float32');
    const x = nhwc.permute([0, 3, 1, 2]);
    const ref = tp.maxPool2d(x.contiguous(), 3, { stride: 2, padding: 1 });
    expectClose(tp.maxPool2d(x, 3, { stride: 2, padding: 1 }).dataSync(), ref.dataSync(), { rtol: 0, atol: 0 });
    expectClose(tp.avgPool2d(x, 2).dataSync(), tp.avgPool2d(x.contiguous(), 2).dataSync());
  });

  test('results do not depend on the thread count', () => {
    const x = randT([8, 16, 24, 24], 'threads', 'float32').requiresGrad_();
    const run = () => {
      const y = tp.maxPool2d(x, 3, { stride: 2, padding: 1 });
      const z = tp.avgPool2d(x, 2);
      const [gx] = tp.grads(tp.add(y.sum(), z.square().sum()), [x]);
      return [y.dataSync(), z.dataSync(), gx.dataSync()];
    };
    const prev = tp.getNumThreads();
    tp.setNumThreads(1);
    const one = run();
    tp.setNumThreads(3);
    const three = run();
    tp.setNumThreads(prev);
    for (let k = 0; k < 3; k++) expectClose(three[k], one[k], { rtol: 0, atol: 0 });
  });

  test('globalAvgPool2d is the mean over H and W', () => {
    const x = randT([2, 3, 4, 5], 'gap');
    const y = tp.globalAvgPool2d(x);
    expect(y.shape).toEqual([2, 3]);
    expectClose(y.dataSync(), x.mean([2, 3]).dataSync());
    expect(tp.globalAvgPool2d(x, { keepDims: true }).shape).toEqual([2, 3, 1, 1]);
    expect(tp.globalAvgPool2d(randT([3, 4, 5], 'gap3')).shape).toEqual([3]);
  });
});

describe('pooling gradients (float64 gradcheck)', () => {
  const check = (f: (x: T) => T, x: T) => {
    expect(tp.gradcheck(f, [x])).toBe(true);
    // second order: the gradient of <grad f(x), w> (max: a gather through the indices; avg: the pool)
    const w = randT(x.shape, 'w2');
    const g2 = (xx: T) => tp.mul(tp.grad((u: T) => f(u).square().sum(), { createGraph: true })(xx) as T, w);
    expect(tp.gradcheck(g2, [x])).toBe(true);
    tp.dispose([x, w]);
  };
  test('maxPool2d with stride, padding, dilation, ceilMode', () => {
    check((x) => tp.maxPool2d(x, 3, { stride: 2, padding: 1, dilation: 2, ceilMode: true }), randT([1, 2, 7, 8], 'gmax'));
    check((x) => tp.maxPool2d(x, 2), randT([2, 1, 4, 6], 'gmax2'));
  });
  test('avgPool2d with countIncludePad both ways and divisorOverride', () => {
    check((x) => tp.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), randT([1, 2, 6, 7], 'gavg'));
    check((x) => tp.avgPool2d(x, [2, 3], { padding: [1, 1], countIncludePad: false }), randT([1, 1, 5, 5], 'gavg2'));
    check((x) => tp.avgPool2d(x, 2, { divisorOverride: 3 }), randT([1, 1, 4, 4], 'gavg3'));
  });
  test('1-D, adaptive and TF pools', () => {
    check((x) => tp.maxPool1d(x, 3, { stride: 2, padding: 1 }), randT([2, 2, 9], 'g1'));
    check((x) => tp.avgPool1d(x, 3, { stride: 2 }), randT([2, 9], 'g1a'));
    check((x) => tp.adaptiveAvgPool2d(x, [3, 2]), randT([1, 2, 7, 5], 'gad'));
    check((x) => tp.adaptiveMaxPool2d(x, [3, 2]), randT([1, 2, 7, 5], 'gadm'));
    check((x) => tp.maxPool(x, 3, 2, 'SAME'), randT([1, 5, 6, 2], 'gtf'));
    check((x) => tp.avgPool(x, 3, 2, 'SAME'), randT([1, 5, 6, 2], 'gtfa'));
  });
});

describe('pooling modules', () => {
  test('MaxPool2d, AvgPool2d, 1-D and adaptive modules call the functional ops', () => {
    const x = randT([2, 3, 8, 8], 'mod', 'float32');
    const same = (a: T, b: T) => expectClose(a.dataSync(), b.dataSync(), { rtol: 0, atol: 0 });
    same(new tp.nn.MaxPool2d(3, { stride: 2, padding: 1 }).forward(x) as T, tp.maxPool2d(x, 3, { stride: 2, padding: 1 }));
    const [v, i] = new tp.nn.MaxPool2d(2, { returnIndices: true }).forward(x) as [T, T];
    expect(v.shape).toEqual([2, 3, 4, 4]);
    expect(i.dtype).toBe('int32');
    same(new tp.nn.AvgPool2d(2, { countIncludePad: false }).forward(x), tp.avgPool2d(x, 2));
    same(new tp.nn.AdaptiveAvgPool2d([3, null]).forward(x), tp.adaptiveAvgPool2d(x, [3, 8]));
    same(new tp.nn.AdaptiveMaxPool2d(1).forward(x) as T, tp.maxPool2d(x, 8));
    const x1 = randT([2, 3, 10], 'mod1', 'float32');
    same(new tp.nn.MaxPool1d(2).forward(x1) as T, tp.maxPool1d(x1, 2));
    same(new tp.nn.AvgPool1d(3, { stride: 1 }).forward(x1), tp.avgPool1d(x1, 3, { stride: 1 }));
    const net = new tp.nn.Sequential(new tp.nn.AvgPool2d(2), new tp.nn.Flatten());
    expect((net.forward(x) as T).shape).toEqual([2, 48]);
    expect(new tp.nn.MaxPool2d(2).parameters()).toEqual([]);
  });
  test('bad module arguments fail at construction', () => {
    expectThrowsCode(() => new tp.nn.MaxPool2d(0), 'ERR_ARGUMENT', /MaxPool2d: kernelSize must be positive/);
    expectThrowsCode(() => new tp.nn.AvgPool2d(2, { padding: 2 }), 'ERR_ARGUMENT', /AvgPool2d: padding must be at most half of kernelSize/);
    expectThrowsCode(() => new tp.nn.AdaptiveAvgPool2d([2, 0]), 'ERR_ARGUMENT', /AdaptiveAvgPool2d: outputSize/);
  });
});

describe('pooling: bad input', () => {
  const x = tp.zeros([1, 2, 5, 5]);
  test('kernel, stride, padding, dilation and output size', () => {
    expectThrowsCode(() => tp.maxPool2d(x, 7), 'ERR_SHAPE', /maxPool2d: input \[1,2,5,5\] is too small for kernelSize \[7, 7\].*output would be 0 x 0/);
    expectThrowsCode(() => tp.maxPool2d(x, 2, { padding: 2 }), 'ERR_ARGUMENT', /maxPool2d: padding must be at most half of kernelSize, got padding 2 and kernelSize 2/);
    expectThrowsCode(() => tp.maxPool2d(x, 2, { stride: 0 }), 'ERR_ARGUMENT', /maxPool2d: stride must not be zero/);
    expectThrowsCode(() => tp.avgPool2d(x, 2, { stride: [1, -1] }), 'ERR_ARGUMENT', /avgPool2d: stride must be positive/);
    expectThrowsCode(() => tp.maxPool2d(x, NaN), 'ERR_ARGUMENT', /maxPool2d: kernelSize must be an integer or an array of 2 integers, got NaN/);
    expectThrowsCode(() => tp.maxPool2d(x, [2, 2, 2]), 'ERR_ARGUMENT', /kernelSize must be an integer or an array of 2/);
    expectThrowsCode(() => tp.maxPool2d(x, 2, { dilation: 0 }), 'ERR_ARGUMENT', /dilation must be positive/);
    expectThrowsCode(() => tp.maxPool2d(x, 2.5), 'ERR_ARGUMENT', /kernelSize/);
    expectThrowsCode(() => tp.avgPool2d(x, 2, { divisorOverride: 0 }), 'ERR_ARGUMENT', /divisorOverride must be a non-zero integer/);
    expectThrowsCode(() => tp.avgPool2d(x, 2, { dilation: 2 } as never), 'ERR_ARGUMENT', /avgPool2d: unknown option 'dilation' \(options are stride, padding, ceilMode, countIncludePad, divisorOverride\)/);
    expectThrowsCode(() => tp.maxPool2d(x, 2, { ceilMode: 1 } as never), 'ERR_ARGUMENT', /ceilMode must be true or false/);
    expectThrowsCode(() => tp.maxPool2d(x, 2, 'x' as never), 'ERR_ARGUMENT', /options must be an object/);
    expectThrowsCode(() => tp.adaptiveAvgPool2d(x, [NaN, 2]), 'ERR_ARGUMENT', /adaptiveAvgPool2d: outputSize must hold positive integers/);
    expectThrowsCode(() => tp.maxPool(tp.zeros([1, 3, 3, 1]), 4, 1, 'VALID'), 'ERR_SHAPE', /maxPool: ksize \[4, 4\] is larger than the input \[1,3,3,1\]/);
    expectThrowsCode(() => tp.maxPool(tp.zeros([1, 3, 3, 1]), 2, 1, 'same' as never, { dataFormat: 'NCWH' as never }), 'ERR_ARGUMENT', /dataFormat/);
    expectThrowsCode(() => tp.avgPool(tp.zeros([1, 3, 3, 1]), [2, 2, 1, 1], 1, 'SAME'), 'ERR_ARGUMENT', /ksize as 4 numbers/);
    expectThrowsCode(() => tp.avgPool(tp.zeros([1, 3, 3, 1]), 2, 1, 'FULL' as never), 'ERR_ARGUMENT', /padding must be 'SAME' or 'VALID'/);
  });
  test('rank, dtype, empty dims', () => {
    expectThrowsCode(() => tp.maxPool2d(tp.zeros([5, 5]), 2), 'ERR_SHAPE', /maxPool2d: expected a 3-D \[C, H, W\] or 4-D \[N, C, H, W\] input, got shape \[5,5\]/);
    expectThrowsCode(() => tp.maxPool1d(tp.zeros([1, 1, 2, 5]), 2), 'ERR_SHAPE', /maxPool1d: expected a 2-D \[C, L\] or 3-D/);
    expectThrowsCode(() => tp.avgPool2d(tp.zeros([1, 1, 4, 4], { dtype: 'int32' }), 2), 'ERR_DTYPE', /avgPool2d: input must be float32 or float64, got int32/);
    expectThrowsCode(() => tp.maxPool2d(tp.zeros([1, 1, 4, 4], { dtype: 'int32' }), 2), 'ERR_DTYPE', /maxPool2d: input must be float32 or float64/);
    expectThrowsCode(() => tp.maxPool2d(tp.zeros([1, 0, 4, 4]), 2), 'ERR_SHAPE', /non-zero sizes except the batch dim/);
    expectThrowsCode(() => tp.maxPool2d('x' as never, 2), 'ERR_ARGUMENT', /maxPool2d: input must be a Tensor/);
    const d = tp.zeros([1, 1, 4, 4]);
    d.dispose();
    expectThrowsCode(() => tp.avgPool2d(d, 2), 'ERR_DISPOSED');
  });
  test('the native entry points re-validate their geometry', () => {
    const { native } = require('../lib/core/native') as { native: Record<string, (...a: unknown[]) => unknown> };
    const h = (x as unknown as { _h: number })._h;
    expectThrowsCode(() => native.poolForward(0, 0, h, 0, 2, 5, 5, 2, 2, 0, 2, 2, 2, 0, 0, 1, 1, 0, 0), 'ERR_ARGUMENT', /kernel height/);
    expectThrowsCode(() => native.poolForward(0, 0, h, 0, 4, 5, 5, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => native.poolForward(2, 1, h, 0, 2, 5, 5, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0), 'ERR_DTYPE');
    expectThrowsCode(() => native.poolBackward(0, 0, h, 0, h, 0, 2, 5, 5, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1, 0, 0), 'ERR_DTYPE', /indices/);
    expectThrowsCode(() => native.resample(0, 0, h, 0, 2, 5, 5, 2 ** 40, 2, 0, 0, 0, 0), 'ERR_ARGUMENT', /OH/);
  });
});

describe('pooling: memory', () => {
  test('forward, returnIndices and backward leave no buffer behind', () => {
    const x = randT([2, 2, 6, 6], 'leak', 'float32');
    expectNoLeak(() => tp.maxPool2d(x, 2, { returnIndices: true }));
    expectNoLeak(() => tp.avgPool2d(x.transpose(2, 3), 3, { padding: 1 }));
    expectNoLeak(() => tp.maxPool(x, 2, 2, 'SAME'));
    const xr = x.detach().requiresGrad_();
    // the graph's intermediates are freed by tidy (or by the GC), as for every op
    expectNoLeak(() => tp.tidy(() => tp.grads(tp.add(tp.maxPool2d(xr, 2, { returnIndices: true })[0].sum(), tp.adaptiveAvgPool2d(xr, 3).sum()), [xr])));
    expectNoLeak(() => tp.tidy(() => tp.grads(tp.maxPool(xr, 3, 2, 'SAME').square().sum(), [xr])));
    x.dispose();
  });

  test('backward frees the saved max indices (and dropout masks) with the graph, not at the next GC', () => {
    const xr = randT([2, 3, 8, 8], 'saved', 'float32').requiresGrad_();
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) gc();
    const base = tp.memory().numTensors;
    // no tidy and no GC: what is still alive after backward is the outputs the test holds
    const y = tp.maxPool2d(xr, 2);
    const z = tp.dropout(y, { p: 0.5 });
    const s = z.sum();
    s.backward();
    y.dispose();
    z.dispose();
    s.dispose();
    expect(tp.memory().numTensors).toBe(base + 1); // xr.grad
    xr.grad!.dispose();
    xr.dispose();
  });

  test('createGraph keeps the saved indices for the recorded backward', () => {
    const xr = randT([1, 2, 6, 6], 'savedcg', 'float64').requiresGrad_();
    const w = randT([1, 2, 3, 3], 'savedw', 'float64').requiresGrad_();
    const y = tp.maxPool2d(xr, 2);
    // the forward graph is freed; the recorded gradient graph (through the indices) is not
    const [g] = tp.grads(tp.mul(y, w).sum(), [xr], undefined, { createGraph: true, retainGraph: false });
    const [gw] = tp.grads(g.square().sum(), [w]);
    // d/dw sum((scatter w)^2) = 2 w: every window scatters its weight to one distinct position
    expectClose(gw.dataSync(), Array.from(w.dataSync(), (v) => 2 * v));
  });
});
