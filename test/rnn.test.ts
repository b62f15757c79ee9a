// Recurrent layers beyond the torch fixtures (rnn-torch.test.ts): BasicLSTMCell against a plain-JS
// reference of TensorFlow's formula, dynamicRnn (fused and step paths, sequenceLength), float64
// gradchecks of the fused kernel (every option) and of its createGraph path (second order),
// views, dropout, lengths in any order, bad input and leaks.
import { tp, rng, seedOf, randArray, expectClose, expectTensor, expectNoLeak, expectThrowsCode } from './helpers';
import { rnnLayer, RnnMode } from '../lib/ops/rnn-layer';
import { rnnLayerComposite } from '../lib/ops/rnn-composite';

const f64 = (data: number[], shape: number[], rg = false) => tp.tensor(data, { shape, dtype: 'float64', requiresGrad: rg });
const rnd = (r: () => number, shape: number[], rg = false, scale = 1) =>
  f64(randArray(shape.reduce((a, b) => a * b, 1), r, -scale, scale), shape, rg);
const sig = (v: number) => 1 / (1 + Math.exp(-v));

// TF's BasicLSTMCell, one step over plain arrays: z = [x, h] K + b; gates i, j, f, o
function basicLstmRef(x: number[][], c: number[][], h: number[][], K: number[], b: number[], U: number, fb: number) {
  const I = x[0].length;
  const c2: number[][] = [], h2: number[][] = [];
  x.forEach((xr, n) => {
    const inp = [...xr, ...h[n]];
    const z = new Array(4 * U).fill(0).map((_, col) => b[col] + inp.reduce((s, v, k) => s + v * K[k * 4 * U + col], 0));
    c2.push([]);
    h2.push([]);
    for (let u = 0; u < U; u++) {
      const cv = c[n][u] * sig(z[2 * U + u] + fb) + sig(z[u]) * Math.tanh(z[U + u]);
      c2[n].push(cv);
      h2[n].push(Math.tanh(cv) * sig(z[3 * U + u]));
    }
  });
  void I;
  return { c2, h2 };
}

describe('BasicLSTMCell', () => {
  test('one step equals TF\'s formula (forgetBias 1 and 0.5)', () => {
    const r = rng(seedOf('basic lstm'));
    for (const fb of [1.0, 0.5]) {
      const B = 3, I = 4, U = 5;
      const cell = new tp.nn.BasicLSTMCell(U, { forgetBias: fb, inputSize: I, dtype: 'float64' });
      expect(cell.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([['kernel', [I + U, 4 * U]], ['bias', [4 * U]]]);
      const bias = randArray(4 * U, r, -0.5, 0.5);
      cell.bias = new tp.nn.Parameter(f64(bias, [4 * U]));
      const x = randArray(B * I, r), c = randArray(B * U, r), h = randArray(B * U, r);
      const [out, [c2, h2]] = cell.forward(f64(x, [B, I]), [f64(c, [B, U]), f64(h, [B, U])]);
      const rows = (a: number[], n: number) => Array.from({ length: B }, (_, i) => a.slice(i * n, i * n + n));
      const ref = basicLstmRef(rows(x, I), rows(c, U), rows(h, U), Array.from((cell.kernel as tp.Tensor).dataSync()), bias, U, fb);
      expectTensor(c2, [B, U], 'float64', ref.c2.flat(), { rtol: 1e-12, atol: 1e-12 });
      expectTensor(h2, [B, U], 'float64', ref.h2.flat(), { rtol: 1e-12, atol: 1e-12 });
      expect(out.dataSync()).toEqual(h2.dataSync());
    }
  });

  test('builds its kernel at the first call when inputSize is not given (TF build)', () => {
    const cell = new tp.nn.BasicLSTMCell(3);
    expect(cell.parameters().length).toBe(0);
    const [zc, zh] = cell.zeroState(2) as tp.Tensor[];
    cell.forward(tp.ones([2, 6]), [zc, zh]);
    expect(cell.parameters().map((p) => p.shape)).toEqual([[9, 12], [12]]);
    expectThrowsCode(() => cell.forward(tp.ones([2, 5]), [zc, zh]), 'ERR_SHAPE', /expected 6, got 5/);
  });

  test('dynamicRnn: the fused path equals the step path, with sequenceLength (outputs 0, state carried)', () => {
    const r = rng(seedOf('dynamic rnn'));
    const B = 4, T = 6, I = 3, U = 5;
    const cell = new tp.nn.BasicLSTMCell(U, { inputSize: I, dtype: 'float64' });
    cell.bias = new tp.nn.Parameter(rnd(r, [4 * U]));
    const x = rnd(r, [B, T, I], true);
    const init: tp.Tensor[] = [rnd(r, [B, U], true), rnd(r, [B, U], true)];
    for (const sequenceLength of [undefined, [6, 2, 0, 4]]) {
      const [y1, s1] = tp.nn.dynamicRnn(cell, x, { initialState: init, sequenceLength });
      // MultiRNNCell of one cell takes the step-by-step path through BasicLSTMCell.forward
      const [y2, s2] = tp.nn.dynamicRnn(new tp.nn.MultiRNNCell([cell]), x, { initialState: [init], sequenceLength });
      expect(y1.shape).toEqual([B, T, U]);
      expectClose(y1.dataSync(), y2.dataSync(), { rtol: 1e-12, atol: 1e-12 });
      const st2 = (s2 as tp.Tensor[][])[0];
      expectClose((s1 as tp.Tensor[])[0].dataSync(), st2[0].dataSync(), { rtol: 1e-12, atol: 1e-12 }, 'c');
      expectClose((s1 as tp.Tensor[])[1].dataSync(), st2[1].dataSync(), { rtol: 1e-12, atol: 1e-12 }, 'h');
      const ins = [x, ...init, cell.kernel as tp.Tensor, cell.bias as tp.Tensor];
      const g1 = tp.grads(y1.square().sum().add((s1 as tp.Tensor[])[0].sum()), ins);
      const g2 = tp.grads(y2.square().sum().add(st2[0].sum()), ins);
      g1.forEach((g, i) => expectClose(g.dataSync(), g2[i].dataSync(), { rtol: 1e-10, atol: 1e-10 }, `grad ${i}`));
      if (sequenceLength) {
        const yv = y1.dataSync();
        for (let t = 2; t < T; t++) for (let u = 0; u < U; u++) expect(yv[(1 * T + t) * U + u]).toBe(0);
        expectClose((s1 as tp.Tensor[])[1].dataSync().slice(2 * U, 3 * U), init[1].dataSync().slice(2 * U, 3 * U));
      }
    }
  });

  test('MultiRNNCell stacks cells; timeMajor', () => {
    const r = rng(seedOf('multi'));
    const cells = [new tp.nn.BasicLSTMCell(4, { inputSize: 3, dtype: 'float64' }), new tp.nn.BasicLSTMCell(2, { inputSize: 4, dtype: 'float64' })];
    const multi = new tp.nn.MultiRNNCell(cells);
    expect(multi.namedParameters().map(([n]) => n)).toEqual(['cell_0.kernel', 'cell_0.bias', 'cell_1.kernel', 'cell_1.bias']);
    const x = rnd(r, [5, 2, 3]);
    const [y] = tp.nn.dynamicRnn(multi, x, { timeMajor: true });
    const [y0] = tp.nn.dynamicRnn(cells[0], x, { timeMajor: true });
    const [y1] = tp.nn.dynamicRnn(cells[1], y0, { timeMajor: true });
    expectClose(y.dataSync(), y1.dataSync(), { rtol: 1e-12, atol: 1e-12 });
  });
});

describe('fused kernel', () => {
  const cases: [RnnMode, number, boolean, boolean][] = [
    ['lstm', 0, false, false], ['lstm', 2, true, true], ['gru', 0, true, false], ['gru', 0, false, true],
    ['rnn_tanh', 0, true, true], ['rnn_relu', 0, false, false],
  ];
  test.each(cases)('gradcheck %s proj %d reverse %s lengths %s (float64)', (mode, proj, reverse, useLen) => {
    const r = rng(seedOf(`gc ${mode} ${proj} ${reverse} ${useLen}`));
    const T = 3, B = 2, I = 2, H = 3, G = mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1, P = proj || H;
    const ins = [rnd(r, [T, B, I], true), rnd(r, [B, P], true), rnd(r, [B, H], true), rnd(r, [G * H, I], true),
      rnd(r, [G * H, P], true), rnd(r, [G * H], true), rnd(r, [G * H], true), rnd(r, [P || 1, H], true)];
    const lens = useLen ? tp.tensor([3, 1], { dtype: 'int32' }) : null;
    const lstm = mode === 'lstm';
    const f = (x: tp.Tensor, h0: tp.Tensor, c0: tp.Tensor, wih: tp.Tensor, whh: tp.Tensor, bih: tp.Tensor, bhh: tp.Tensor, whr: tp.Tensor) => {
      const o = rnnLayer(mode, x, h0, lstm ? c0 : null, { wih, whh, bih, bhh, whr: proj ? whr : null }, lens, reverse);
      return tp.cat([o.y.reshape([-1]), o.hN.reshape([-1]).mul(0.7), ...(o.cN ? [o.cN.reshape([-1]).mul(1.3)] : [])]);
    };
    const used = ins.filter((_, i) => !(i === 2 && !lstm) && !(i === 7 && !proj));
    expect(tp.gradcheck((...a: tp.Tensor[]) => {
      const full = [...a];
      if (!lstm) full.splice(2, 0, ins[2]);
      if (!proj) full.push(ins[7]);
      return f(...(full as [tp.Tensor, tp.Tensor, tp.Tensor, tp.Tensor, tp.Tensor, tp.Tensor, tp.Tensor, tp.Tensor]));
    }, used)).toBe(true);
  });

  test('the composite path (used under createGraph) equals the fused kernel, values and gradients', () => {
    const r = rng(seedOf('composite'));
    for (const [mode, proj, reverse, useLen] of cases) {
      const T = 5, B = 3, I = 4, H = 3, G = mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1, P = proj || H;
      const x = rnd(r, [T, B, I], true), h0 = rnd(r, [B, P], true), c0 = mode === 'lstm' ? rnd(r, [B, H], true) : null;
      const w = { wih: rnd(r, [G * H, I], true), whh: rnd(r, [G * H, P], true), bih: rnd(r, [G * H], true), bhh: rnd(r, [G * H], true), whr: proj ? rnd(r, [P, H], true) : null };
      const lens = useLen ? tp.tensor([5, 2, 0], { dtype: 'int32' }) : null;
      const f = rnnLayer(mode, x, h0, c0, w, lens, reverse);
      const fused = tp.cat([f.y.reshape([-1]), f.hN.reshape([-1]), ...(f.cN ? [f.cN.reshape([-1])] : [])]);
      const comp = rnnLayerComposite(mode, x, h0, c0, w, lens, reverse);
      expectClose(fused.dataSync(), comp.dataSync(), { rtol: 1e-12, atol: 1e-12 }, mode);
      const gw = rnd(r, fused.shape);
      const ins = [x, h0, ...(c0 ? [c0] : []), w.wih, w.whh, w.bih, w.bhh, ...(w.whr ? [w.whr] : [])];
      const g1 = tp.grads(fused.mul(gw).sum(), ins);
      const g2 = tp.grads(comp.mul(gw).sum(), ins);
      g1.forEach((g, i) => expectClose(g.dataSync(), g2[i].dataSync(), { rtol: 1e-10, atol: 1e-12 }, `${mode} grad ${i}`));
    }
  });

  test('second order through createGraph (the composite path)', () => {
    const r = rng(seedOf('second order'));
    const lstm = new tp.nn.LSTM(2, 2, { dtype: 'float64', bidirectional: true });
    const gru = new tp.nn.GRU(2, 2, { dtype: 'float64' });
    const rnn = new tp.nn.RNN(2, 2, { dtype: 'float64', numLayers: 2 });
    const fs: [string, (u: tp.Tensor) => tp.Tensor][] = [
      ['lstm', (u) => lstm.forward(u, null, { lengths: [3, 2] })[0]],
      ['gru', (u) => gru.forward(u)[1]],
      ['rnn', (u) => rnn.forward(u)[0]],
    ];
    for (const [name, f] of fs) {
      const x = rnd(r, [3, 2, 2], true);
      // x -> d/dx sum(f(x)^3): its gradcheck differentiates the recorded backward
      const g = (xx: tp.Tensor) => tp.grad((u: tp.Tensor) => f(u).pow(3).sum(), { createGraph: true })(xx) as tp.Tensor;
      expect([name, tp.gradcheck(g, [x])]).toEqual([name, true]);
    }
  });

  test('results do not depend on the thread count', () => {
    const m = new tp.nn.LSTM(16, 64, { bidirectional: true });
    const x = tp.randn([12, 40, 16], { requiresGrad: true });
    const run = (n: number) => {
      const prev = tp.getNumThreads();
      tp.setNumThreads(n);
      try {
        const [y] = m.forward(x, null, { lengths: Array.from({ length: 40 }, (_, i) => 1 + (i % 12)) });
        const gs = tp.grads(y.square().sum(), [x, ...m.parameters()]);
        return [y, ...gs].map((t) => Array.from(t.dataSync()));
      } finally {
        tp.setNumThreads(prev);
      }
    };
    expect(run(2)).toEqual(run(1));
  });

  test('float32 agrees with float64', () => {
    const r = rng(seedOf('f32'));
    const m64 = new tp.nn.LSTM(8, 16, { dtype: 'float64', numLayers: 2 });
    const m32 = new tp.nn.LSTM(8, 16, { numLayers: 2 });
    m32.loadStateDict(Object.fromEntries(m64.namedParameters().map(([n, p]) => [n, p.cast('float32')])));
    const x = rnd(r, [20, 4, 8]);
    const [y64] = m64.forward(x);
    const [y32] = m32.forward(x.cast('float32'));
    expectClose(y32.dataSync(), y64.dataSync(), { rtol: 1e-5, atol: 2e-6 });
  });
});

describe('nn.LSTM / GRU / RNN behaviour', () => {
  test('a transposed view as input equals batchFirst on the contiguous tensor', () => {
    const r = rng(seedOf('views'));
    const a = new tp.nn.GRU(3, 4, { dtype: 'float64' });
    const b = new tp.nn.GRU(3, 4, { dtype: 'float64', batchFirst: true });
    b.loadStateDict(a.stateDict());
    const xb = rnd(r, [2, 5, 3]);
    const [ya] = a.forward(xb.transpose(0, 1));
    const [yb] = b.forward(xb);
    expectClose(ya.transpose(0, 1).contiguous().dataSync(), yb.contiguous().dataSync(), { rtol: 1e-14, atol: 1e-14 });
  });

  test('lengths in any order: each row equals that sequence alone, truncated', () => {
    const r = rng(seedOf('lengths'));
    const m = new tp.nn.LSTM(3, 4, { dtype: 'float64', bidirectional: true });
    const x = rnd(r, [6, 3, 3]);
    const lengths = [2, 6, 4];
    const [y, [hN]] = m.forward(x, null, { lengths });
    lengths.forEach((L, b) => {
      const xb = x.slice([0, b, 0], [L, 1, 3]);
      const [yb, [hb]] = m.forward(xb);
      expectClose(y.slice([0, b, 0], [L, 1, 8]).contiguous().dataSync(), yb.dataSync(), { rtol: 1e-12, atol: 1e-12 }, `row ${b}`);
      expectClose(hN.slice([0, b, 0], [2, 1, 4]).contiguous().dataSync(), hb.dataSync(), { rtol: 1e-12, atol: 1e-12 }, `hN ${b}`);
      expect(Array.from(y.slice([L, b, 0], [6 - L, 1, 8]).contiguous().dataSync()).every((v) => v === 0)).toBe(true);
    });
  });

  test('dropout between layers only in training', () => {
    const r = rng(seedOf('dropout'));
    const m = new tp.nn.LSTM(3, 4, { numLayers: 2, dropout: 0.5 });
    const ref = new tp.nn.LSTM(3, 4, { numLayers: 2 });
    ref.loadStateDict(m.stateDict());
    const x = rnd(r, [5, 2, 3]).cast('float32');
    m.eval();
    expect(m.forward(x)[0].dataSync()).toEqual(ref.forward(x)[0].dataSync());
    m.train();
    expect(m.forward(x)[0].dataSync()).not.toEqual(ref.forward(x)[0].dataSync());
  });

  test('empty batch and zero-length sequences', () => {
    const m = new tp.nn.GRU(2, 3);
    const [y, h] = m.forward(tp.zeros([4, 0, 2]));
    expect(y.shape).toEqual([4, 0, 3]);
    expect(h.shape).toEqual([1, 0, 3]);
    const h0 = tp.ones([1, 2, 3]);
    const [y2, h2] = m.forward(tp.ones([3, 2, 2]), h0, { lengths: [0, 0] });
    expect(Array.from(y2.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(h2.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
  });

  test('bad input names the argument, the shapes and the dtypes', () => {
    const m = new tp.nn.LSTM(4, 5, { numLayers: 2 });
    const x = tp.zeros([3, 2, 4]);
    expectThrowsCode(() => m.forward(x, [tp.zeros([2, 3, 5]), tp.zeros([2, 2, 5])]), 'ERR_SHAPE', /h0 has shape \[2,3,5\], expected \[2,2,5\]/);
    expectThrowsCode(() => m.forward(x, [tp.zeros([2, 2, 5]), tp.zeros([1, 2, 5])]), 'ERR_SHAPE', /c0 has shape \[1,2,5\], expected \[2,2,5\]/);
    expectThrowsCode(() => m.forward(tp.zeros([3, 2, 7])), 'ERR_SHAPE', /inputSize: expected 4, got 7/);
    expectThrowsCode(() => m.forward(x, null, { lengths: [3, 4] }), 'ERR_OUT_OF_BOUNDS', /lengths\[1\] = 4 is outside \[0, 3\]/);
    expectThrowsCode(() => m.forward(x, null, { lengths: [3] }), 'ERR_SHAPE', /lengths has 1 entries, the batch has 2/);
    expectThrowsCode(() => m.forward(x, null, { lengths: [1.5, 2] }), 'ERR_ARGUMENT', /integer/);
    expectThrowsCode(() => m.forward(x.cast('float64')), 'ERR_DTYPE', /weight_ih_l0 has dtype float32, the input float64/);
    expectThrowsCode(() => m.forward(x, [tp.zeros([2, 2, 5], { dtype: 'float64' }), tp.zeros([2, 2, 5])]), 'ERR_DTYPE', /h0 has dtype float64/);
    expectThrowsCode(() => m.forward(tp.zeros([3, 2, 4], { dtype: 'int32' })), 'ERR_DTYPE', /float32 or float64/);
    expectThrowsCode(() => m.forward(tp.zeros([4])), 'ERR_SHAPE', /2-D .* or 3-D/);
    expectThrowsCode(() => m.forward(x, null, { lenghts: [1, 2] } as never), 'ERR_ARGUMENT', /unknown option 'lenghts'/);
    expectThrowsCode(() => new tp.nn.LSTM(4, 5, { projSize: 5 }), 'ERR_ARGUMENT', /projSize \(5\) must be below hiddenSize/);
    expectThrowsCode(() => new tp.nn.GRU(0, 5), 'ERR_ARGUMENT', /inputSize must be an integer >= 1/);
    expectThrowsCode(() => new tp.nn.RNN(2, 5, { nonlinearity: 'gelu' as never }), 'ERR_ARGUMENT', /nonlinearity/);
    expectThrowsCode(() => new tp.nn.LSTM(2, 5, { dropout: 2 }), 'ERR_ARGUMENT', /dropout/);
    expectThrowsCode(() => new tp.nn.GRUCell(3, 4).forward(tp.zeros([2, 3]), tp.zeros([3, 4])), 'ERR_SHAPE', /hx has shape \[3,4\], expected \[2,4\]/);
    expectThrowsCode(() => tp.nn.dynamicRnn({} as never, x), 'ERR_ARGUMENT', /recurrent cell/);
    const cell = new tp.nn.BasicLSTMCell(5, { inputSize: 4 });
    // x is [B = 3, T = 2, 4] (batch-major): the state must be [3, 5]; TF's state tuple is (c, h)
    expectThrowsCode(() => tp.nn.dynamicRnn(cell, x, { initialState: [tp.zeros([3, 4]), tp.zeros([3, 5])] }), 'ERR_SHAPE', /initialState c has shape \[3,4\], expected \[3,5\]/);
    expectThrowsCode(() => tp.nn.dynamicRnn(cell, x, { sequenceLength: [5, 1, 1] }), 'ERR_OUT_OF_BOUNDS', /lengths\[0\] = 5 is outside \[0, 2\]/);
  });

  test('no leaks: inference, a training step in tidy, dynamicRnn, a failed call', () => {
    const m = new tp.nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, projSize: 2 });
    const x = tp.randn([5, 2, 3]);
    expectNoLeak(() => tp.noGrad(() => m.forward(x, null, { lengths: [5, 3] })));
    expectNoLeak(() => tp.tidy(() => m.forward(x)[0])); // recorded (parameters require grad); the graph dies with y
    expectNoLeak(() => tp.tidy(() => {
      const [y] = m.forward(x, null, { lengths: [2, 5] });
      y.sum().backward();
      for (const p of m.parameters()) {
        p.grad?.dispose();
        p.grad = null;
      }
    }));
    const cell = new tp.nn.BasicLSTMCell(4, { inputSize: 3 });
    expectNoLeak(() => tp.tidy(() => {
      const [y] = tp.nn.dynamicRnn(cell, x, { timeMajor: true, sequenceLength: [5, 1] });
      tp.grads(y.sum(), [cell.kernel as tp.Tensor]);
    }));
    expectNoLeak(() => {
      try {
        m.forward(x, null, { lengths: [9, 1] });
      } catch {
        /* expected */
      }
    });
  });
});
