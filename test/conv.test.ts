// Convolutions (conv1d, conv2d, convTranspose2d): forward values and gradients of input, weight
// and bias against PyTorch 1.13 (test/fixtures/conv.json, written by test/fixtures/gen_conv.py),
// float64 gradchecks of each op and of its gradients (second order), thread-count independence,
// and leaks. Bad input and the modules are in test/conv-errors.test.ts.
import * as fs from 'fs';
import * as path from 'path';
import { tp, rng, seedOf, randArray, expectClose, expectNoLeak } from './helpers';

type T = tp.Tensor;
interface Arr { shape: number[]; data: number[] }
interface Case {
  name: string; op: 'conv1d' | 'conv2d' | 'convTranspose2d'; dtype: 'float32' | 'float64';
  opts: Record<string, unknown>; view: null | 'transpose23' | 'sliceC';
  x: Arr; w: Arr; y: Arr; gy: number[]; gx: number[]; gw: number[]; b?: number[]; gb?: number[];
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'conv.json'), 'utf8')) as { cases: Case[] };

// float32 sums of up to ~300 products of N(0,1) values, in another order than oneDNN/torch's:
// an absolute error of a few 1e-5 is rounding, not a bug
const tolOf = (dt: string) => (dt === 'float64' ? { rtol: 1e-10, atol: 1e-10 } : { rtol: 1e-4, atol: 1e-4 });

function run(c: Case, track: boolean) {
  const dtype = c.dtype;
  const stored = tp.tensor(c.x.data, { shape: c.x.shape, dtype });
  const w = tp.tensor(c.w.data, { shape: c.w.shape, dtype });
  const b = c.b ? tp.tensor(c.b, { dtype }) : null;
  if (track) {
    stored.requiresGrad = true;
    w.requiresGrad = true;
    if (b) b.requiresGrad = true;
  }
  let x: T = stored;
  if (c.view === 'transpose23') x = stored.transpose(2, 3);
  if (c.view === 'sliceC') x = tp.slice(stored, [0, 1, 0, 0], [c.x.shape[0], c.x.shape[1] - 2, c.x.shape[2], c.x.shape[3]]);
  const opts = { ...c.opts, bias: b };
  const y = (tp[c.op] as (x: T, w: T, o: object) => T)(x, w, opts);
  return { stored, w, b, y };
}

describe('conv vs torch 1.13', () => {
  test.each(fixture.cases.map((c) => [c.name + ` (${c.op}, ${c.dtype})`, c] as [string, Case]))('%s', (_n, c) => {
    const tol = tolOf(c.dtype);
    const { stored, w, b, y } = run(c, true);
    expect(y.shape).toEqual(c.y.shape);
    expect(y.dtype).toBe(c.dtype);
    expectClose(y.dataSync(), c.y.data, tol, 'forward');
    y.backward(tp.tensor(c.gy, { shape: c.y.shape, dtype: c.dtype }));
    expectClose(stored.grad!.dataSync(), c.gx, tol, 'grad input');
    expectClose(w.grad!.dataSync(), c.gw, tol, 'grad weight');
    if (b) expectClose(b.grad!.dataSync(), c.gb!, tol, 'grad bias');
    tp.dispose([stored, w, y]);
    if (b) b.dispose();
  });

  test('forward without recording leaks nothing (every case)', () => {
    const inputs = fixture.cases.map((c) => ({
      c,
      stored: tp.tensor(c.x.data, { shape: c.x.shape, dtype: c.dtype }),
      w: tp.tensor(c.w.data, { shape: c.w.shape, dtype: c.dtype }),
      b: c.b ? tp.tensor(c.b, { dtype: c.dtype }) : null,
    }));
    expectNoLeak(() => {
      for (const { c, stored, w, b } of inputs) {
        let x: T = stored;
        if (c.view === 'transpose23') x = stored.transpose(2, 3);
        if (c.view === 'sliceC') x = tp.slice(stored, [0, 1, 0, 0], [c.x.shape[0], c.x.shape[1] - 2, c.x.shape[2], c.x.shape[3]]);
        (tp[c.op] as (x: T, w: T, o: object) => T)(x, w, { ...c.opts, bias: b }).dispose();
        if (x !== stored) x.dispose();
      }
      return null;
    });
    for (const { stored, w, b } of inputs) tp.dispose([stored, w, ...(b ? [b] : [])]);
  });

  test('disposing the inputs frees them at once: no internal view keeps them (every case)', () => {
    expectNoLeak(() => {
      for (const c of fixture.cases) {
        const stored = tp.tensor(c.x.data, { shape: c.x.shape, dtype: c.dtype });
        const w = tp.tensor(c.w.data, { shape: c.w.shape, dtype: c.dtype });
        const b = c.b ? tp.tensor(c.b, { dtype: c.dtype }) : null;
        let x: T = stored;
        if (c.view === 'transpose23') x = stored.transpose(2, 3);
        if (c.view === 'sliceC') x = tp.slice(stored, [0, 1, 0, 0], [c.x.shape[0], c.x.shape[1] - 2, c.x.shape[2], c.x.shape[3]]);
        (tp[c.op] as (x: T, w: T, o: object) => T)(x, w, { ...c.opts, bias: b }).dispose();
        tp.dispose([x, stored, w, ...(b ? [b] : [])]);
      }
      return null;
    });
  });

  test('backward frees its temporaries', () => {
    const c = fixture.cases[0];
    const w = tp.tensor(c.w.data, { shape: c.w.shape, requiresGrad: true });
    const x = tp.tensor(c.x.data, { shape: c.x.shape, requiresGrad: true });
    expectNoLeak(() => {
      const y = tp.conv2d(x, w, { padding: 1 });
      const s = y.sum();
      s.backward();
      tp.dispose([y, s]);
      return [x.grad, w.grad];
    });
    x.grad = null;
    w.grad = null;
    tp.dispose([x, w]);
  });
});

describe('conv: threads', () => {
  test('forward and both gradients do not depend on the thread count', () => {
    const n0 = tp.getNumThreads();
    const r = rng(seedOf('conv-threads'));
    const shapes: [number[], number[], object][] = [
      [[7, 6, 9, 9], [8, 6, 3, 3], { padding: 1 }],
      [[5, 8, 6, 6], [8, 1, 3, 3], { padding: 1, groups: 8 }],
      [[9, 8, 5, 5], [4, 8, 1, 1], {}],
      [[1, 6, 12, 12], [6, 6, 3, 3], { stride: 2 }],
      [[5, 2, 32, 32], [3, 2, 3, 3], { padding: 1 }], // bigger images split over threads
      [[40, 2, 8, 8], [3, 2, 3, 3], { padding: 1 }], // many samples, uneven split
      [[2, 3, 46, 46], [4, 3, 1, 1], {}], // 1x1 in place
    ];
    for (const [xs, ws, o] of shapes) {
      const xv = randArray(xs.reduce((a, b) => a * b, 1), r);
      const wv = randArray(ws.reduce((a, b) => a * b, 1), r);
      const results: number[][][] = [];
      for (const th of [1, 2, 3]) {
        tp.setNumThreads(th);
        const x = tp.tensor(xv, { shape: xs, requiresGrad: true });
        const w = tp.tensor(wv, { shape: ws, requiresGrad: true });
        const y = tp.conv2d(x, w, o);
        y.square().sum().backward();
        results.push([Array.from(y.dataSync()), Array.from(x.grad!.dataSync()), Array.from(w.grad!.dataSync())]);
        tp.dispose([x, w, y]);
      }
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    }
    tp.setNumThreads(n0);
  });
});

/** A float64 tensor of fresh seeded values. */
function rnd(name: string, shape: number[]): T {
  const n = shape.reduce((a, b) => a * b, 1);
  return tp.tensor(randArray(n, rng(seedOf(name + shape.join('x'))), -1, 1), { shape, dtype: 'float64' });
}

describe('conv: gradcheck (float64)', () => {
  const cases: [string, (x: T, w: T, b: T) => T, number[], number[], number[]][] = [
    ['conv2d stride 2 pad [1,0] dilation [1,2] bias', (x, w, b) => tp.conv2d(x, w, { bias: b, stride: 2, padding: [1, 0], dilation: [1, 2] }), [2, 2, 5, 6], [3, 2, 2, 2], [3]],
    ['conv2d groups 2', (x, w, b) => tp.conv2d(x, w, { bias: b, groups: 2, padding: 1 }), [1, 4, 4, 4], [2, 2, 3, 3], [2]],
    ['conv2d depthwise stride 2', (x, w, b) => tp.conv2d(x, w, { bias: b, groups: 3, stride: 2, padding: 1 }), [2, 3, 5, 5], [3, 1, 3, 3], [3]],
    ['conv2d 1x1', (x, w, b) => tp.conv2d(x, w, { bias: b }), [2, 3, 3, 3], [2, 3, 1, 1], [2]],
    ["conv2d NHWC 'SAME' stride 2", (x, w, b) => tp.conv2d(x, w, { bias: b, stride: 2, padding: 'SAME', dataFormat: 'NHWC' }), [1, 5, 4, 2], [3, 3, 2, 3], [3]],
    ['conv1d dilation 2', (x, w, b) => tp.conv1d(x, w, { bias: b, dilation: 2, padding: 1 }), [2, 2, 7], [3, 2, 3], [3]],
    ['convTranspose2d stride 2 outputPadding 1', (x, w, b) => tp.convTranspose2d(x, w, { bias: b, stride: 2, padding: 1, outputPadding: 1 }), [1, 2, 3, 3], [2, 3, 3, 3], [3]],
    ['convTranspose2d groups 2', (x, w, b) => tp.convTranspose2d(x, w, { bias: b, groups: 2 }), [1, 4, 3, 3], [4, 1, 2, 2], [2]],
  ];
  test.each(cases)('%s', (name, f, xs, ws, bs) => {
    const inputs = [rnd(name + 'x', xs), rnd(name + 'w', ws), rnd(name + 'b', bs)];
    expect(tp.gradcheck(f, inputs)).toBe(true);
    tp.dispose(inputs);
  });
});

describe('conv: second order (createGraph)', () => {
  // x, w -> sum(c ⊙ d/dx Σ(y²)/2 ...): gradcheck of a first gradient checks the backward ops' own gradients
  const weighted = (y: T): T => y.mul(tp.arange(y.size).reshape(y.shape).cast('float64').mul(0.1).add(1)).sum();
  const cases: [string, (x: T, w: T) => T, number[], number[]][] = [
    ['conv2d pad 1 stride 2', (x, w) => tp.conv2d(x, w, { padding: 1, stride: 2 }), [2, 2, 4, 4], [2, 2, 3, 3]],
    ['conv2d depthwise', (x, w) => tp.conv2d(x, w, { padding: 1, groups: 2 }), [1, 2, 4, 4], [2, 1, 3, 3]],
    ['convTranspose2d stride 2', (x, w) => tp.convTranspose2d(x, w, { stride: 2 }), [1, 2, 2, 3], [2, 2, 2, 2]],
  ];
  test.each(cases)('%s: gradients of d/dx and d/dw', (name, f, xs, ws) => {
    // squared output, so the first gradients depend on both x and w
    const loss = (x: T, w: T) => weighted(f(x, w).square());
    const both = tp.grad(loss, { createGraph: true });
    const gx = (x: T, w: T) => (both(x, w) as T[])[0];
    const gw = (x: T, w: T) => (both(x, w) as T[])[1];
    const inputs = [rnd(name + 'x2', xs), rnd(name + 'w2', ws)];
    expect(tp.gradcheck((x, w) => weighted(gx(x, w)), inputs)).toBe(true);
    expect(tp.gradcheck((x, w) => weighted(gw(x, w)), inputs)).toBe(true);
    tp.dispose(inputs);
  });
});

describe('conv: depthwise kernels against per-channel dense convolutions', () => {
  // the depthwise kernels (groups = channels) and the im2col/GEMM path (one channel at a time, groups 1)
  // must agree, also where an input or weight is infinite (the stride-1 kernels pad rows with zeros,
  // and 0 * Inf must not leak a NaN into a gradient that never meets the Inf)
  const cases: [string, object, boolean][] = [
    ['stride 1 pad 1', { padding: 1 }, false],
    ['stride 2 dilation 2', { stride: 2, dilation: 2, padding: 2 }, false],
    ['stride 1 with Inf inputs and weights', { padding: 1 }, true],
  ];
  test.each(cases)('%s', (_n, o, inf) => {
    const r = rng(seedOf('dw-vs-dense' + _n));
    const [N, C, H, W] = [2, 3, 7, 6];
    const xv = randArray(N * C * H * W, r);
    const wv = randArray(C * 9, r);
    if (inf) {
      xv[W - 1] = Infinity; // sample 0, channel 0, row 0, last column
      wv[9 + 4] = -Infinity; // channel 1, centre tap
    }
    const x = tp.tensor(xv, { shape: [N, C, H, W], dtype: 'float64', requiresGrad: true });
    const w = tp.tensor(wv, { shape: [C, 1, 3, 3], dtype: 'float64', requiresGrad: true });
    const y = tp.conv2d(x, w, { ...o, groups: C });
    const gy = tp.tensor(randArray(y.size, r), { shape: y.shape, dtype: 'float64' });
    y.backward(gy);
    for (let c = 0; c < C; c++) {
      const xc = tp.slice(x.detach(), [0, c, 0, 0], [N, 1, H, W]).contiguous().requiresGrad_();
      const wc = tp.slice(w.detach(), [c, 0, 0, 0], [1, 1, 3, 3]).contiguous().requiresGrad_();
      const yc = tp.conv2d(xc, wc, o);
      const gyc = tp.slice(gy, [0, c, 0, 0], [N, 1, yc.shape[2], yc.shape[3]]);
      yc.backward(gyc);
      const same = (a: tp.Tensor, b: tp.Tensor, what: string) => expectClose(a.contiguous().dataSync(), b.dataSync(), { rtol: 1e-12, atol: 1e-12 }, what);
      same(tp.slice(y, [0, c, 0, 0], [N, 1, y.shape[2], y.shape[3]]), yc, `y channel ${c}`);
      same(tp.slice(x.grad!, [0, c, 0, 0], [N, 1, H, W]), xc.grad!, `dx channel ${c}`);
      same(tp.slice(w.grad!, [c, 0, 0, 0], [1, 1, 3, 3]), wc.grad!, `dw channel ${c}`);
    }
  });
});
