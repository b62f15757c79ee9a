// tp.io.loadTfjsModel: recurrent layers with return_state (several outputs per layer call, read
// by tensor index in inbound_nodes and output_layers) and initial_state (further inputs of the
// call): an encoder-decoder LSTM, GRU → SimpleRNN, Bidirectional (return_state, initial_state,
// merge_mode null), the generic RNN over one cell and over StackedRNNCells. Reference outputs:
// test/fixtures/gen_tfjs_keras2.js (@tensorflow/tfjs). The layers' math with initial states is
// gradchecked in float64 through the layer registry.
import { tp, expectClose, expectThrowsCode, expectNoLeak, rng, randArray } from './helpers';
import { FX, fixture, load, inputsOf, checkFixture, values, layerOf, TOL } from './tfjs-keras2-fx';
import { LAYERS } from '../lib/tfjs/registry';
import type { LayerContext } from '../lib/tfjs/registry';

const STATE = ['encoder_decoder_lstm', 'gru_simple_state', 'bidirectional_state', 'rnn_cells_state'];

describe('loadTfjsModel: return_state and initial_state against tfjs', () => {
  test.each(STATE)('%s', (name) => checkFixture(fixture(name)));

  test('outputNames and inputs of a two-input, two-output model; named inputs', () => {
    const f = fixture('encoder_decoder_lstm');
    const m = load(f);
    expect(m.outputNames).toEqual(['head', 'encoder']);
    expect(m.inputs.map((i) => i.name)).toEqual(['enc_in', 'dec_in']);
    const [enc, dec] = inputsOf(f);
    const ys = tp.noGrad(() => m.forward({ dec_in: dec, enc_in: enc })) as tp.Tensor[];
    expectClose(values(ys[1]), f.outputs[1].data, TOL);
    tp.dispose([enc, dec, ...ys]);
    m.dispose();
  });

  test('options.outputs: a layer with several outputs gives its first (the sequence)', () => {
    const f = fixture('gru_simple_state');
    const topo = JSON.parse(JSON.stringify(f.modelTopology));
    const json = { format: 'layers-model', modelTopology: topo, weightsManifest: [{ paths: ['w.bin'], weights: f.weightSpecs }] };
    const m = tp.io.loadTfjsModel(json, { weights: Buffer.from(f.weightData, 'base64'), outputs: ['gru'] }) as tp.io.TfjsModel;
    const [x] = inputsOf(f);
    const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    expect(y.shape).toEqual([3, 5, 3]);
    // its last step is the GRU state TF.js returned as the model's third output
    expectClose(values(tp.select(y, 1, 4)), f.outputs[2].data, TOL);
    tp.dispose([x, y]);
    m.dispose();
  });

  test('a state nothing reads is freed; no leaks with and without the tape', () => {
    const f = fixture('bidirectional_state');
    expectNoLeak(() => {
      const m = load(f);
      const [x] = inputsOf(f);
      tp.dispose(tp.noGrad(() => m.forward(x)) as tp.Tensor[]);
      tp.tidy(() => { tp.backward(tp.sum((m.forward(x) as tp.Tensor[])[0])); });
      for (const p of m.parameters()) if (p.grad) p.grad.dispose();
      x.dispose();
      m.dispose();
    });
  });

  test('Keras 2 kwargs and Keras 3 spellings of initial_state read the same', () => {
    const f = fixture('encoder_decoder_lstm');
    const kw2 = load(f, (ls) => { layerOf(ls, 'decoder').inbound_nodes = [[['dec_in', 0, 0, { initial_state: [['encoder', 0, 1], ['encoder', 0, 2]] }]]]; });
    const hist = (l: string, n: number, t: number) => ({ class_name: '__keras_tensor__', config: { keras_history: [l, n, t] } });
    const kw3 = load(f, (ls) => { layerOf(ls, 'decoder').inbound_nodes = [{ args: [hist('dec_in', 0, 0)], kwargs: { initial_state: [hist('encoder', 0, 1), hist('encoder', 0, 2)] } }]; });
    const xs = inputsOf(f);
    for (const m of [kw2, kw3]) {
      const ys = tp.noGrad(() => m.forward(...xs)) as tp.Tensor[];
      expectClose(values(ys[0]), f.outputs[0].data, TOL);
      tp.dispose(ys);
      m.dispose();
    }
    tp.dispose(xs);
  });
});

describe('loadTfjsModel: return_state errors name the layer', () => {
  const f = () => fixture('encoder_decoder_lstm');
  test('a tensor index out of range, in inbound_nodes and in output_layers', () => {
    expectThrowsCode(() => load(f(), (ls) => { layerOf(ls, 'decoder').inbound_nodes = [[['dec_in', 0, 0, {}], ['encoder', 0, 1, {}], ['encoder', 0, 3, {}]]]; }),
      'ERR_FORMAT', /layer 'decoder' reads output 3 of layer 'encoder' \(LSTM\), which has 3 outputs/);
    expectThrowsCode(() => load(f(), (ls, t) => { layerOf(ls, 'encoder').config.return_state = false; void t; }),
      'ERR_FORMAT', /layer 'decoder' reads output 1 of layer 'encoder' \(LSTM\), which has 1 output \(return_state is off\)/);
    expectThrowsCode(() => load(f(), (_ls, t) => { (t.config as { output_layers: unknown[] }).output_layers = [['head', 0, 1]]; }),
      'ERR_FORMAT', /output_layers reads output 1 of layer 'head' \(Dense\), which has 1 output/);
  });

  test('initial states of the wrong count or shape; a stateful layer; StackedRNNCells with initial_state', () => {
    const xs = inputsOf(f());
    const two = load(f(), (ls) => { layerOf(ls, 'decoder').inbound_nodes = [[['dec_in', 0, 0, {}], ['encoder', 0, 1, {}]]]; });
    expectThrowsCode(() => two.forward(...xs), 'ERR_SHAPE', /layer 'decoder': LSTM takes 2 initial state tensor\(s\) \(\[batch, 4\]\), got 1/);
    const wide = load(f(), (ls) => { layerOf(ls, 'decoder').inbound_nodes = [[['dec_in', 0, 0, {}], ['enc_in', 0, 0, {}], ['encoder', 0, 2, {}]]]; });
    expectThrowsCode(() => wide.forward(...xs), 'ERR_SHAPE', /layer 'decoder': initial state 0 must be \[2, 4\] \(\[batch, units\]\), got \[2,5,3\]/);
    expectThrowsCode(() => load(f(), (ls) => { layerOf(ls, 'encoder').config.stateful = true; }), 'ERR_UNSUPPORTED', /layer 'encoder': LSTM with stateful: true is not supported/);
    const cells = fixture('rnn_cells_state');
    const stacked = load(cells, (ls) => { layerOf(ls, 'r2').inbound_nodes = [[['r1', 0, 0, {}], ['r1', 0, 1, {}]]]; });
    const [x] = inputsOf(cells);
    expectThrowsCode(() => stacked.forward(x), 'ERR_UNSUPPORTED', /layer 'r2': initial_state for an RNN over StackedRNNCells is not supported/);
    const bi = fixture('bidirectional_state');
    const bi3 = load(bi, (ls) => { layerOf(ls, 'bi2').inbound_nodes = [[['bi', 0, 0, {}], ['g0', 0, 0, {}], ['g1', 0, 0, {}], ['g1', 0, 0, {}]]]; });
    const [xb] = inputsOf(bi);
    expectThrowsCode(() => bi3.forward(xb), 'ERR_SHAPE', /layer 'bi2': Bidirectional\(GRU\) takes 2 initial state tensors \(forward, then backward\), got 3/);
    expectThrowsCode(() => load(bi, (ls) => { layerOf(ls, 'bi').config.layer = { ...(layerOf(ls, 'bi').config.layer as object), config: { ...((layerOf(ls, 'bi').config.layer as { config: object }).config), return_state: false } }; }),
      'ERR_FORMAT', /layer 'states' reads output 1 of layer 'bi' \(Bidirectional\), which has 1 output/);
    tp.dispose([...xs, x, xb]);
    [two, wide, stacked, bi3].forEach((m) => m.dispose());
  });
});

/** One registry layer applied directly: (x, h0[, c0], weights…) → the sum of its outputs' weighted sums. */
function layerFn(cls: string, cfg: Record<string, unknown>, roles: string[], nInit: number, mask: tp.Tensor | null = null) {
  const def = LAYERS.get(cls)!;
  const p = def.prepare(cfg, 'l');
  const ctx: LayerContext = { name: 'l', training: false, mask };
  return (...ts: tp.Tensor[]) => {
    const w: Record<string, tp.Tensor> = {};
    roles.forEach((r, i) => (w[r] = ts[1 + nInit + i]));
    const out = def.apply(ts.slice(0, 1 + nInit), w, p, ctx);
    const list = Array.isArray(out) ? out : [out];
    // weight each output differently so that a swapped state would show
    return list.map((y, i) => tp.mul(tp.sum(tp.mul(y, y)), i + 1)).reduce((a, b) => tp.add(a, b));
  };
}

const t64 = (shape: number[], seed: number) => tp.tensor(randArray(shape.reduce((a, b) => a * b, 1), rng(seed), -0.7, 0.7), { shape, dtype: 'float64' });

describe('initial_state and return_state: float64 gradchecks through the layers', () => {
  test.each([
    ['LSTM (fused)', 'LSTM', { units: 2, recurrent_activation: 'sigmoid', return_state: true, return_sequences: true }, 4, 2],
    ['LSTM hard_sigmoid go_backwards (steps)', 'LSTM', { units: 2, return_state: true, go_backwards: true }, 4, 2],
    ['GRU reset_after (fused)', 'GRU', { units: 2, recurrent_activation: 'sigmoid', reset_after: true, return_state: true }, 3, 1],
    ['SimpleRNN (fused)', 'SimpleRNN', { units: 2, return_state: true, return_sequences: true }, 1, 1],
  ] as [string, string, Record<string, unknown>, number, number][])('%s: input, initial states and weights', (_l, cls, cfg, G, nS) => {
    const H = 2, F = 3;
    const bias = cfg.reset_after ? [2, G * H] : [G * H];
    const ts = [t64([2, 3, F], 1), ...Array.from({ length: nS }, (_, i) => t64([2, H], 2 + i)), t64([F, G * H], 5), t64([H, G * H], 6), t64(bias, 7)];
    expect(tp.gradcheck(layerFn(cls, cfg, ['kernel', 'recurrent_kernel', 'bias'], nS), ts)).toBe(true);
    tp.dispose(ts);
  });

  test('Bidirectional(LSTM) with initial_state and return_state, merge_mode null', () => {
    const H = 2, F = 2;
    const inner = { class_name: 'LSTM', config: { name: 'f', units: H, recurrent_activation: 'sigmoid', return_state: true, return_sequences: true } };
    const roles = ['forward_f/kernel', 'forward_f/recurrent_kernel', 'forward_f/bias', 'backward_f/kernel', 'backward_f/recurrent_kernel', 'backward_f/bias'];
    const ws = [t64([F, 4 * H], 11), t64([H, 4 * H], 12), t64([4 * H], 13), t64([F, 4 * H], 14), t64([H, 4 * H], 15), t64([4 * H], 16)];
    const ts = [t64([2, 3, F], 10), t64([2, H], 17), t64([2, H], 18), t64([2, H], 19), t64([2, H], 20), ...ws];
    expect(tp.gradcheck(layerFn('Bidirectional', { layer: inner, merge_mode: null }, roles, 4), ts)).toBe(true);
    tp.dispose(ts);
  });
});

describe('gradients through imported models: float64 gradchecks of the whole model', () => {
  // the Keras weights made float64 (setParameter), the inputs float64: gradcheck of a weighted sum of
  // every output with respect to every input (encoder → states → decoder for the encoder-decoder)
  test.each(['encoder_decoder_lstm', 'gru_simple_state', 'bidirectional_state'])('%s', (name) => {
    const f = fixture(name);
    const m = load(f);
    for (const [n, p] of m.namedParameters()) m.setParameter(n, tp.cast(p, 'float64')).dispose();
    const xs = f.inputs.map((i) => tp.tensor(i.data, { shape: i.shape, dtype: 'float64' }));
    const r = rng(3);
    const weightsOf = f.outputs.map((o) => tp.tensor(randArray(o.data.length, r, 0.5, 1.5), { shape: o.shape, dtype: 'float64' }));
    const fn = (...ins: tp.Tensor[]) => {
      const ys = m.forward(...ins);
      return (Array.isArray(ys) ? ys : [ys]).map((y, i) => tp.sum(tp.mul(y, weightsOf[i]))).reduce((a, b) => tp.add(a, b));
    };
    expect(tp.gradcheck(fn, xs)).toBe(true);
    tp.dispose([...xs, ...weightsOf]);
    m.dispose();
  });
});

test('every fixture of this file is used', () => {
  expect(FX.filter((f) => !STATE.includes(f.name) && !/mask|channels_first|upsample_crop/.test(f.name))).toEqual([]);
});
