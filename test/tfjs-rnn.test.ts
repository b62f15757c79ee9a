// Keras sequence layers in tp.io.loadTfjsModel: Embedding, LSTM, GRU, SimpleRNN, RNN over cells,
// Bidirectional, TimeDistributed. Reference outputs: test/fixtures/gen_tfjs_rnn.js (small models run in
// @tensorflow/tfjs; GRU reset_after = true, which TF.js lacks, against Keras' formula in tf ops).
// Tolerance: float32, 1e-5 absolute + 1e-4 relative. The layers' own math (the fused path and the
// step-by-step one) is gradchecked in float64 through the layer registry.
import { tp, expectClose, expectThrowsCode, expectNoLeak, rng, randArray } from './helpers';
import { functional, rand, build } from './tfjs-build';
import { LAYERS } from '../lib/tfjs/registry';
import type { LayerContext } from '../lib/tfjs/registry';

interface Fixture {
  name: string;
  modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  weightSpecs: { name: string; shape: number[] }[];
  weightData: string;
  input: { shape: number[]; data: number[] };
  output: { shape: number[]; data: number[] };
}
// eslint-disable-next-line @typescript-eslint/no-var-requires
const FX: Fixture[] = require('./fixtures/tfjs_rnn.json').models;
const TOL = { atol: 1e-5, rtol: 1e-4 };
const fixture = (name: string) => FX.find((f) => f.name === name)!;

/** The fixture's model, its topology edited first by `edit` (a deep copy). */
function load(f: Fixture, edit?: (layers: { class_name: string; config: Record<string, unknown> }[]) => void): tp.io.TfjsModel {
  const topo = JSON.parse(JSON.stringify(f.modelTopology));
  if (edit) edit(topo.config.layers);
  const json = { format: 'layers-model', modelTopology: topo, weightsManifest: [{ paths: ['w.bin'], weights: f.weightSpecs }] };
  return tp.io.loadTfjsModel(json, { weights: Buffer.from(f.weightData, 'base64') }) as tp.io.TfjsModel;
}
const inputOf = (f: Fixture, dtype: 'float32' | 'int32' = 'float32') => tp.tensor(f.input.data, { shape: f.input.shape, dtype });
const values = (t: tp.Tensor) => Array.from(t.dataSync() as Float32Array);

describe('loadTfjsModel: recurrent models against tfjs', () => {
  test.each(FX.map((f) => [f.name, f] as [string, Fixture]))('%s', (_name, f) => {
    const m = load(f);
    const x = inputOf(f);
    // cold (derived layouts made), then warm (cached), then recorded (no cache)
    for (let k = 0; k < 2; k++) {
      const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
      expect(y.shape).toEqual(f.output.shape);
      expectClose(values(y), f.output.data, TOL, `${f.name} forward ${k}`);
      y.dispose();
    }
    const y = m.forward(x) as tp.Tensor;
    expectClose(values(y), f.output.data, TOL, `${f.name} recorded forward`);
    // every Keras weight gets a finite, nonzero gradient
    const r = tp.tensor(randArray(y.size, rng(7), 0.5, 1.5), { shape: y.shape });
    tp.backward(tp.sum(tp.mul(y, r)));
    for (const [name, p] of m.namedParameters()) {
      expect(p.grad).not.toBeNull();
      const g = values(p.grad as tp.Tensor);
      expect(g.every(Number.isFinite)).toBe(true);
      expect([name, g.some((v) => v !== 0)]).toEqual([name, true]);
    }
    expect(m.namedParameters().map(([n]) => n)).toEqual(f.weightSpecs.map((s) => s.name));
    tp.dispose([x, y, r]);
    m.dispose();
  });

  test('Embedding takes int32 ids as well as float ones (Keras truncates them to int32)', () => {
    const f = fixture('embedding_lstm_gru');
    const m = load(f);
    const ids = tp.tensor(f.input.data.map(Math.trunc), { shape: f.input.shape, dtype: 'int32' });
    const y = tp.noGrad(() => m.forward(ids)) as tp.Tensor;
    expectClose(values(y), f.output.data, TOL);
    // Bidirectional weights keep the names TF.js writes
    expect(load(fixture('bidirectional')).namedParameters()[0][0]).toBe('bidirectional_Bidirectional1/forward_lstm_LSTM2/kernel');
    tp.dispose([ids, y]);
    m.dispose();
  });

  test('TimeDistributed(TimeDistributed(Dense)) on [N, T, S, F] is Dense on the last axis', () => {
    const dense = { class_name: 'Dense', config: { name: 'd', units: 3, activation: 'relu' } };
    const rows = functional([['InputLayer', 'in', {}, []], ['TimeDistributed', 'td', { layer: { class_name: 'TimeDistributed', config: { name: 'td_in', layer: dense } } }, ['in']]], ['in'], ['td']);
    const k = rand('td/kernel', [4, 3], 8), b = rand('td/bias', [3], 9);
    const { json, bytes } = build(rows, [k, b]);
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    const x = tp.tensor(randArray(2 * 3 * 5 * 4, rng(10)), { shape: [2, 3, 5, 4] });
    const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    const ref = tp.relu(tp.add(tp.matmul(x, tp.tensor(k.data, { shape: k.shape })), tp.tensor(b.data)));
    expect(y.shape).toEqual([2, 3, 5, 3]);
    expectClose(values(y), values(ref), TOL);
    tp.dispose([x, y, ref]);
    m.dispose();
  });

  test('the cached derived layouts follow weight updates (an SGD step, then a forward without the tape)', () => {
    const f = fixture('gru_reset_after');
    const m = load(f);
    const x = inputOf(f);
    tp.noGrad(() => m.forward(x) as tp.Tensor).dispose(); // fills the cache
    const opt = new tp.optim.SGD(m.parameters(), { lr: 0.5 });
    tp.tidy(() => { tp.backward(tp.sum(m.forward(x) as tp.Tensor)); opt.step(); });
    const cached = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    const recorded = m.forward(x) as tp.Tensor;
    expectClose(values(cached), values(recorded), { atol: 1e-6, rtol: 1e-6 });
    expect(Math.max(...values(cached).map((v, i) => Math.abs(v - f.output.data[i])))).toBeGreaterThan(1e-3);
    tp.dispose([x, cached, recorded]);
    m.dispose();
  });

  test('no leaks: load, forward with and without the tape, backward, dispose', () => {
    const f = fixture('bidirectional_merge');
    expectNoLeak(() => {
      const m = load(f);
      const x = inputOf(f);
      tp.noGrad(() => m.forward(x) as tp.Tensor).dispose();
      tp.tidy(() => { tp.backward(tp.sum(m.forward(x) as tp.Tensor)); });
      m.train();
      tp.noGrad(() => m.forward(x) as tp.Tensor).dispose();
      for (const p of m.parameters()) if (p.grad) p.grad.dispose();
      x.dispose();
      m.dispose();
    });
  });
});

/** One layer of the registry applied directly: (x, kernel, recurrent_kernel, bias) → output. */
function layerFn(cls: string, cfg: Record<string, unknown>, training = false) {
  const def = LAYERS.get(cls)!;
  const p = def.prepare(cfg, 'l');
  const ctx: LayerContext = { name: 'l', training };
  return (x: tp.Tensor, k: tp.Tensor, rk: tp.Tensor, b?: tp.Tensor) =>
    def.apply([x], b ? { kernel: k, recurrent_kernel: rk, bias: b } : { kernel: k, recurrent_kernel: rk }, p, ctx);
}

const CASES: [string, string, Record<string, unknown>, number][] = [
  // [label, class, config, gates]
  ['LSTM (fused)', 'LSTM', { units: 3, recurrent_activation: 'sigmoid', return_sequences: true }, 4],
  ['LSTM go_backwards (fused)', 'LSTM', { units: 3, recurrent_activation: 'sigmoid', go_backwards: true, return_sequences: true }, 4],
  ['LSTM hard_sigmoid relu (steps)', 'LSTM', { units: 3, recurrent_activation: 'hard_sigmoid', activation: 'relu', go_backwards: true, return_sequences: true }, 4],
  ['GRU reset_after (fused)', 'GRU', { units: 3, recurrent_activation: 'sigmoid', reset_after: true, return_sequences: true }, 3],
  ['GRU reset_after go_backwards (fused)', 'GRU', { units: 3, recurrent_activation: 'sigmoid', reset_after: true, go_backwards: true }, 3],
  ['GRU reset_after hard_sigmoid (steps)', 'GRU', { units: 3, recurrent_activation: 'hard_sigmoid', reset_after: true, return_sequences: true }, 3],
  ['GRU reset_after false (steps)', 'GRU', { units: 3, recurrent_activation: 'sigmoid', reset_after: false, return_sequences: true }, 3],
  ['SimpleRNN tanh (fused)', 'SimpleRNN', { units: 3, return_sequences: true }, 1],
  ['SimpleRNN relu go_backwards (fused)', 'SimpleRNN', { units: 3, activation: 'relu', go_backwards: true }, 1],
  ['SimpleRNN linear (steps)', 'SimpleRNN', { units: 3, activation: 'linear', return_sequences: true }, 1],
];

function weights(cfg: Record<string, unknown>, G: number, F: number, dtype: 'float32' | 'float64', seed: number): tp.Tensor[] {
  const H = cfg.units as number;
  const r = rng(seed);
  const t = (shape: number[]) => tp.tensor(randArray(shape.reduce((a, b) => a * b, 1), r, -0.7, 0.7), { shape, dtype });
  return [t([2, 4, F]), t([F, G * H]), t([H, G * H]), t(cfg.reset_after ? [2, G * H] : [G * H])];
}

describe('the recurrent layers: fused and step-by-step paths', () => {
  test.each(CASES)('%s: float64 gradcheck of input and every weight', (_l, cls, cfg, G) => {
    const f = layerFn(cls, cfg);
    const ws = weights(cfg, G, 2, 'float64', 3);
    expect(tp.gradcheck((x, k, rk, b) => f(x, k, rk, b), ws)).toBe(true);
    tp.dispose(ws);
  });

  test.each(CASES.filter(([l]) => l === 'LSTM go_backwards (fused)' || l === 'GRU reset_after false (steps)'))('%s: second order (the input gradient, recorded, gradchecked)', (_l, cls, cfg, G) => {
    const f = layerFn(cls, cfg);
    const [x, k, rk, b] = weights(cfg, G, 2, 'float64', 6);
    // (x, kernel) → d/dx sum(f^3): gradcheck differentiates the recorded backward (enableGrad: it evaluates under noGrad)
    const g = (xx: tp.Tensor, kk: tp.Tensor) => tp.enableGrad(() =>
      tp.grad((u: tp.Tensor) => tp.sum(tp.pow(f(u, kk, rk, b), 3)), { createGraph: true })(xx) as tp.Tensor);
    expect(tp.gradcheck(g, [x, k])).toBe(true);
    tp.dispose([x, k, rk, b]);
  });

  test.each(CASES.filter(([l]) => l.includes('fused')))('%s agrees with the step-by-step cells (output and gradients)', (_l, cls, cfg, G) => {
    // recurrent_dropout ≈ 0 in training runs the step-by-step path with masks of ones
    const fused = layerFn(cls, cfg);
    const steps = layerFn(cls, { ...cfg, recurrent_dropout: 1e-12 }, true);
    const ws = weights(cfg, G, 5, 'float32', 4);
    ws.forEach((w) => (w.requiresGrad = true));
    const run = (f: typeof fused) => {
      const y = f(ws[0], ws[1], ws[2], ws[3]);
      const gs = tp.grads(tp.sum(tp.mul(y, y)), ws);
      return [y, ...gs].map(values);
    };
    const a = run(fused), b = run(steps);
    a.forEach((v, i) => expectClose(v, b[i], { atol: 1e-5, rtol: 1e-4 }, `${i === 0 ? 'output' : `grad ${i - 1}`}`));
    tp.dispose(ws);
  });

  test('use_bias false (LSTM, GRU reset_after), a float64 input to a float32 layer, a batch of 0', () => {
    const f = layerFn('LSTM', { units: 2, recurrent_activation: 'sigmoid', use_bias: false, return_sequences: true });
    const [x, k, rk] = weights({ units: 2 }, 4, 3, 'float32', 5);
    const y = f(tp.cast(x, 'float64'), k, rk);
    expect([y.dtype, y.shape]).toEqual(['float32', [2, 4, 2]]);
    expect(f(tp.zeros([0, 4, 3]), k, rk).shape).toEqual([0, 4, 2]);
    // GRU reset_after without biases: fused against step by step
    const gcfg = { units: 2, recurrent_activation: 'sigmoid', reset_after: true, use_bias: false, return_sequences: true };
    const [, gk, grk] = weights(gcfg, 3, 3, 'float32', 6);
    expectClose(values(layerFn('GRU', gcfg)(x, gk, grk)), values(layerFn('GRU', { ...gcfg, recurrent_dropout: 1e-12 }, true)(x, gk, grk)), { atol: 1e-6, rtol: 1e-5 });
    tp.dispose([x, k, rk, y, gk, grk]);
  });
});

describe('train mode: Keras dropout masks, one per call, the same at every step', () => {
  // SimpleRNN, linear, kernel = recurrent_kernel = I, no bias: h_t = x_t ⊙ m + (h_{t-1} ⊙ r) with masks m, r
  const eye = (n: number) => tp.eye(n);
  test('dropout masks the inputs with one mask for the whole sequence', () => {
    const f = layerFn('SimpleRNN', { units: 16, activation: 'linear', use_bias: false, dropout: 0.5, return_sequences: true }, true);
    const x = tp.ones([4, 3, 16]);
    const y = f(x, eye(16), tp.zeros([16, 16]));
    const v = values(y);
    // y[n, t] = m[n] ⊙ 1: entries 0 or 2, equal across t
    expect(v.every((e) => e === 0 || e === 2)).toBe(true);
    expect(v.some((e) => e === 0) && v.some((e) => e === 2)).toBe(true);
    for (let n = 0; n < 4; n++) for (let t = 1; t < 3; t++) expect(v.slice((n * 3 + t) * 16, (n * 3 + t + 1) * 16)).toEqual(v.slice(n * 48, n * 48 + 16));
    const ev = layerFn('SimpleRNN', { units: 16, activation: 'linear', use_bias: false, dropout: 0.5, return_sequences: true })(x, eye(16), tp.zeros([16, 16]));
    expect(values(ev).every((e) => e === 1)).toBe(true); // eval: the identity
    tp.dispose([x, y, ev]);
  });

  test('recurrent_dropout masks the state the step reads with one mask for the whole sequence', () => {
    const f = layerFn('SimpleRNN', { units: 16, activation: 'linear', use_bias: false, recurrent_dropout: 0.5, return_sequences: true }, true);
    // x_0 = 1, later steps 0: h_1 = r ⊙ h_0 = r, h_2 = r ⊙ r = 2 r (r ∈ {0, 2})
    const x = tp.cat([tp.ones([4, 1, 16]), tp.zeros([4, 2, 16])], 1);
    const v = values(f(x, eye(16), eye(16)));
    for (let n = 0; n < 4; n++)
      for (let j = 0; j < 16; j++) {
        const [h0, h1, h2] = [0, 1, 2].map((t) => v[(n * 3 + t) * 16 + j]);
        expect(h0).toBe(1);
        expect(h2).toBe(2 * h1);
        expect(h1 === 0 || h1 === 2).toBe(true);
      }
    expect(v.filter((e, i) => Math.floor(i / 16) % 3 === 1).some((e) => e === 0)).toBe(true);
    x.dispose();
  });

  test('a model in train mode drops, trains, and is itself again in eval mode', () => {
    const f = fixture('bidirectional');
    const m = load(f, (ls) => { for (const l of ls) { const c = (l.config.layer as { config: Record<string, unknown> }).config; c.dropout = 0.3; c.recurrent_dropout = 0.3; } });
    const x = inputOf(f);
    m.train();
    const y = m.forward(x) as tp.Tensor;
    expect(values(y).every(Number.isFinite)).toBe(true);
    tp.backward(tp.sum(y));
    expect(m.parameters().every((p) => p.grad !== null && values(p.grad).some((g) => g !== 0))).toBe(true);
    m.eval();
    const ye = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    expectClose(values(ye), f.output.data, TOL);
    tp.dispose([x, y, ye]);
    m.dispose();
  });
});

describe('loadTfjsModel: sequence layer errors name the layer', () => {
  const rnnLayer = (ls: { class_name: string; config: Record<string, unknown> }[], cls: string) => ls.find((l) => l.class_name === cls)!.config;
  const fx = () => fixture('embedding_lstm_gru');
  test.each([
    ['stateful', (ls: never) => { rnnLayer(ls, 'LSTM').stateful = true; }, 'ERR_UNSUPPORTED', /layer 'lstm_LSTM1': LSTM with stateful: true is not supported/],
    // as Keras: a Sequential model's layers have one output (return_state: see tfjs-return-state.test.ts)
    ['return_state in a Sequential model', (ls: never) => { rnnLayer(ls, 'GRU').return_state = true; }, 'ERR_UNSUPPORTED', /layer 'gru_GRU1' \(GRU\) returns 2 tensors; a Sequential model's layers have one output/],
    ['mask_zero: not a boolean', (ls: never) => { rnnLayer(ls, 'Embedding').mask_zero = 1; }, 'ERR_FORMAT', /layer 'embedding_Embedding1': mask_zero must be a boolean/],
    ['unknown activation', (ls: never) => { rnnLayer(ls, 'GRU').recurrent_activation = 'swishy'; }, 'ERR_UNSUPPORTED', /layer 'gru_GRU1': activation "swishy" is not supported/],
    ['dropout out of range', (ls: never) => { rnnLayer(ls, 'LSTM').dropout = 1.5; }, 'ERR_FORMAT', /layer 'lstm_LSTM1': dropout must be a number in \[0, 1\]/],
    ['units', (ls: never) => { rnnLayer(ls, 'LSTM').units = 0; }, 'ERR_FORMAT', /layer 'lstm_LSTM1': units must be an integer/],
    ['weights of another shape', (ls: never) => { rnnLayer(ls, 'GRU').reset_after = true; }, 'ERR_FORMAT', /layer 'gru_GRU1' \(GRU\): weight 'gru_GRU1\/bias' has shape \[12\], the config needs \[2,12\]/],
  ])('%s', (_n, edit, code, msg) => {
    expectThrowsCode(() => load(fx(), edit as never), code, msg);
  });

  test('Bidirectional: merge_mode null in a Sequential model, a wrapped Dense; TimeDistributed of an unknown layer', () => {
    const bi = fixture('bidirectional');
    expectThrowsCode(() => load(bi, (ls) => { ls[0].config.merge_mode = null; }), 'ERR_UNSUPPORTED', /layer 'bidirectional_Bidirectional1' \(Bidirectional\) returns 2 tensors; a Sequential model's layers have one output/);
    expectThrowsCode(() => load(bi, (ls) => { ls[0].config.layer = { class_name: 'Dense', config: { units: 2 } }; }), 'ERR_UNSUPPORTED', /Bidirectional wraps LSTM, GRU or SimpleRNN here, not "Dense"/);
    expectThrowsCode(() => load(bi, (ls) => { (ls[1].config.layer as { config: Record<string, unknown> }).config.stateful = true; }), 'ERR_UNSUPPORTED', /layer 'bidirectional_Bidirectional2': GRU with stateful/);
    const cells = fixture('rnn_cells');
    expectThrowsCode(() => load(cells, (ls) => { ls[1].config.cell = { class_name: 'StackedRNNCells', config: { cells: [{ class_name: 'ConvLSTM2DCell', config: {} }] } }; }), 'ERR_UNSUPPORTED', /layer 'rnn_RNN2': an RNN over a "ConvLSTM2DCell" cell is not supported/);
    expectThrowsCode(() => load(cells, (ls) => { ls[0].config.stateful = true; }), 'ERR_UNSUPPORTED', /layer 'rnn_RNN1': LSTM with stateful: true/);
    const td = fixture('bidirectional_merge');
    let deep: Record<string, unknown> = { class_name: 'Dense', config: { units: 2 } };
    for (let i = 0; i < 20; i++) deep = { class_name: 'TimeDistributed', config: { layer: deep } };
    expectThrowsCode(() => load(td, (ls) => { ls[ls.length - 1].config.layer = deep; }), 'ERR_UNSUPPORTED', /TimeDistributed nested more than 8 deep/);
    expectThrowsCode(() => load(td, (ls) => { ls[ls.length - 1].config.layer = { class_name: 'Lambda', config: {} }; }), 'ERR_UNSUPPORTED', /TimeDistributed of "Lambda" is not supported/);
  });

  test('at run time: rank, feature count, dtype, out-of-range ids', () => {
    const rows = (cls: string, cfg: Record<string, unknown>) => functional([['InputLayer', 'in', {}, []], [cls, 'l', cfg, ['in']]], ['in'], ['l']);
    const lstm = build(rows('LSTM', { units: 2 }), [rand('l/kernel', [3, 8], 1), rand('l/recurrent_kernel', [2, 8], 2), rand('l/bias', [8], 3)]);
    const m = tp.io.loadTfjsModel(lstm.json, { weights: lstm.bytes }) as tp.io.TfjsModel;
    expectThrowsCode(() => m.forward(tp.zeros([2, 3])), 'ERR_SHAPE', /layer 'l': LSTM takes a 3-D \[batch, time, features\] input, got \[2,3\]/);
    expectThrowsCode(() => m.forward(tp.zeros([2, 4, 5])), 'ERR_SHAPE', /layer 'l': kernel \[3,8\] does not fit an input of shape \[2,4,5\]/);
    expectThrowsCode(() => m.forward(tp.zeros([2, 0, 3])), 'ERR_SHAPE', /needs at least one time step/);
    expectThrowsCode(() => m.forward(tp.zeros([2, 4, 3], { dtype: 'int32' })), 'ERR_DTYPE', /LSTM takes a float input, got int32/);
    const emb = build(rows('Embedding', { input_dim: 4, output_dim: 2 }), [rand('l/embeddings', [4, 2], 4)]);
    const e = tp.io.loadTfjsModel(emb.json, { weights: emb.bytes }) as tp.io.TfjsModel;
    expectThrowsCode(() => e.forward(tp.tensor([[0, 1], [4, 2]])), 'ERR_OUT_OF_BOUNDS', /layer 'l' \(Embedding\).*ids\[1, 0\] = 4 is out of range for a table of 4 rows/);
    expectThrowsCode(() => e.forward(tp.tensor([[0, -1]])), 'ERR_OUT_OF_BOUNDS', /= -1 is out of range/);
    m.dispose();
    e.dispose();
  });
});

test('weights named after the cell, as Python Keras writes them (lstm/lstm_cell/kernel), are found', () => {
  const f = FX[0];
  const cellName = (n: string) => { const t = n.split('/'); const k = t.length - 2; return /^(lstm|gru|simple_rnn)/.test(t[k]) ? [...t.slice(0, -1), `${t[k]}_cell`, t[t.length - 1]].join('/') : n; };
  const renamed = { ...f, weightSpecs: f.weightSpecs.map((s) => ({ ...s, name: cellName(s.name) })) };
  expect(renamed.weightSpecs.some((s) => /_cell\//.test(s.name))).toBe(true);
  const m = load(renamed);
  const x = inputOf(f);
  const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
  expectClose(values(y), f.output.data, TOL, 'renamed weights');
  tp.dispose([x, y]);
  m.dispose();
});
