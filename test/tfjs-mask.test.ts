// tp.io.loadTfjsModel: Keras masks. Embedding(mask_zero) and Masking(mask_value) mark padded steps
// (at the end, in the middle, at the start); the mask passes Dropout, Dense, BatchNormalization,
// TimeDistributed, and LSTM / GRU / SimpleRNN / Bidirectional read it: a masked step keeps the
// previous state, and its output (return_sequences) is the previous output, as TF.js's rnn().
// Reference outputs: test/fixtures/gen_tfjs_keras2.js (@tensorflow/tfjs). The masked step-by-step
// cells are gradchecked in float64 through the layer registry.
import { tp, expectClose, expectThrowsCode, expectNoLeak, rng, randArray } from './helpers';
import { fixture, load, inputsOf, checkFixture, values, layerOf, TOL } from './tfjs-keras2-fx';
import { functional, rand, build } from './tfjs-build';
import { LAYERS } from '../lib/tfjs/registry';
import type { LayerContext } from '../lib/tfjs/registry';

describe('loadTfjsModel: masked sequences against tfjs', () => {
  test.each(['mask_embedding', 'mask_rnn_cells', 'masking_layer'])('%s', (name) => checkFixture(fixture(name), (w) => w.startsWith('emb')));

  test('end and middle padding: the last output is the model run on the sequence without the padding', () => {
    const f = fixture('mask_embedding');
    // LSTM, GRU and SimpleRNN fed by the embedding, each on its own; any sequence length
    const only = (out: string) => load(f, (ls, t) => {
      ls[0].config.batch_input_shape = [null, null];
      (t.config as { output_layers: unknown[] }).output_layers = [[out, 0, 0]];
    });
    const ids = f.inputs[0].data;
    for (const out of ['lstm_last', 'gru_last']) {
      const m = only(out);
      const full = tp.noGrad(() => m.forward(tp.tensor(ids, { shape: [4, 6] }))) as tp.Tensor;
      for (const n of [0, 1, 3]) {
        const kept = ids.slice(n * 6, n * 6 + 6).filter((v) => v !== 0);
        const y = tp.noGrad(() => m.forward(tp.tensor(kept, { shape: [1, kept.length] }))) as tp.Tensor;
        expectClose(values(y), values(full).slice(n * 2, n * 2 + 2), { atol: 1e-6, rtol: 1e-5 }, `${out} sample ${n}`);
      }
      m.dispose();
    }
    // return_sequences: a masked step repeats the previous output; masked first steps give h0 = 0
    const s = only('srnn_seq');
    const ys = values(tp.noGrad(() => s.forward(tp.tensor(ids, { shape: [4, 6] }))) as tp.Tensor);
    const at = (n: number, t: number) => ys.slice((n * 6 + t) * 3, (n * 6 + t + 1) * 3);
    expect(at(0, 3)).toEqual(at(0, 2));
    expect(at(0, 5)).toEqual(at(0, 2));
    expect(at(1, 1)).toEqual(at(1, 0));
    expect(at(2, 0)).toEqual([0, 0, 0]);
    expect(at(2, 1)).toEqual([0, 0, 0]);
    expect(at(3, 5)).not.toEqual(at(3, 4));
    s.dispose();
  });

  test('train mode: masked recurrent layers with dropout run and train', () => {
    const f = fixture('masking_layer');
    const m = load(f, (ls) => { const c = (layerOf(ls, 'bi').config.layer as { config: Record<string, unknown> }).config; c.dropout = 0.3; c.recurrent_dropout = 0.3; });
    const [x] = inputsOf(f);
    m.train();
    const ys = m.forward(x) as tp.Tensor[];
    expect(ys.every((y) => values(y).every(Number.isFinite))).toBe(true);
    tp.backward(ys.map((y) => tp.sum(y)).reduce((u, v) => tp.add(u, v)));
    expect(m.parameters().filter((p) => p.requiresGrad).every((p) => p.grad !== null)).toBe(true);
    m.eval();
    const ye = tp.noGrad(() => m.forward(x)) as tp.Tensor[];
    expectClose(values(ye[1]), f.outputs[1].data, TOL);
    tp.dispose([x, ...ys, ...ye]);
    m.dispose();
  });

  test('no leaks: masks made, passed on and read, with and without the tape', () => {
    for (const name of ['mask_embedding', 'masking_layer']) {
      const f = fixture(name);
      expectNoLeak(() => {
        const m = load(f);
        const xs = inputsOf(f);
        tp.dispose(tp.noGrad(() => m.forward(...xs)) as tp.Tensor[]);
        tp.tidy(() => { tp.backward(tp.sum((m.forward(...xs) as tp.Tensor[])[1])); });
        for (const p of m.parameters()) if (p.grad) p.grad.dispose();
        tp.dispose(xs);
        m.dispose();
      });
    }
  });
});

test('gradients through a masked imported model: float64 gradcheck with respect to its weights', () => {
  // every Keras weight made float64; four of them are the gradcheck's inputs (set into the model per evaluation)
  for (const name of ['mask_embedding', 'mask_rnn_cells']) {
    const f = fixture(name);
    const m = load(f);
    for (const [n, p] of m.namedParameters()) m.setParameter(n, tp.cast(p, 'float64')).dispose();
    const names = m.namedParameters().map(([n]) => n).filter((n) => !/bias/.test(n)).slice(0, 4);
    const start = names.map((n) => tp.clone(m.namedParameters().find(([k]) => k === n)![1]));
    const ids = tp.tensor(f.inputs[0].data, { shape: f.inputs[0].shape });
    const r = rng(5);
    const wts = f.outputs.map((o) => tp.tensor(randArray(o.data.length, r, 0.5, 1.5), { shape: o.shape, dtype: 'float64' }));
    const fn = (...ws: tp.Tensor[]) => {
      names.forEach((n, i) => m.setParameter(n, ws[i]));
      const ys = m.forward(ids) as tp.Tensor[];
      return ys.map((y, i) => tp.sum(tp.mul(y, wts[i]))).reduce((a, b) => tp.add(a, b));
    };
    expect([name, tp.gradcheck(fn, start)]).toEqual([name, true]);
    tp.dispose([...start, ids, ...wts]);
    m.dispose();
  }
});

type Row = Parameters<typeof functional>[0][number];
const emb: Row = ['Embedding', 'emb', { input_dim: 5, output_dim: 3, mask_zero: true }, ['in']];
const lstmW = (name: string, F: number) => [rand(`${name}/kernel`, [F, 8], 2), rand(`${name}/recurrent_kernel`, [2, 8], 3), rand(`${name}/bias`, [8], 4)];
function model(rows: Row[], out: string, weights: ReturnType<typeof rand>[]): tp.io.TfjsModel {
  const { json, bytes } = build(functional([['InputLayer', 'in', {}, []], ...rows], ['in'], [out]), [rand('emb/embeddings', [5, 3], 1), ...weights]);
  return tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
}

describe('loadTfjsModel: where a mask goes', () => {
  test('a mask reaching a layer whose mask rule is not implemented is refused at load, naming it', () => {
    const lstm: Row = ['LSTM', 'rnn', { units: 2 }, ['mid']];
    expectThrowsCode(() => model([emb, ['LeakyReLU', 'mid', {}, ['emb']], lstm], 'rnn', lstmW('rnn', 3)), 'ERR_UNSUPPORTED',
      /layer 'mid' \(LeakyReLU\): a Keras mask \(from Embedding mask_zero or Masking\) reaches it, and TF.js drops the mask there, Keras keeps it/);
    expectThrowsCode(() => model([emb, ['Softmax', 'mid', {}, ['emb']]], 'mid', []), 'ERR_UNSUPPORTED', /layer 'mid' \(Softmax\): a Keras mask/);
    expectThrowsCode(() => model([emb, ['Concatenate', 'mid', {}, ['emb', 'emb']]], 'mid', []), 'ERR_UNSUPPORTED', /layer 'mid' \(Concatenate\): .*merge of masks is broken/);
    expectThrowsCode(() => model([emb, ['Add', 'mid', {}, ['emb', 'emb']]], 'mid', []), 'ERR_UNSUPPORTED', /layer 'mid' \(Add\): .*merge of masks is broken/);
    const td: Row = ['TimeDistributed', 'mid', { layer: { class_name: 'Masking', config: { mask_value: 0 } } }, ['emb']];
    expectThrowsCode(() => model([emb, td], 'mid', []), 'ERR_UNSUPPORTED', /layer 'mid' \(TimeDistributed\): .*TimeDistributed\(Masking\) are not supported/);
  });

  test('Flatten and Conv-type layers end a mask (TF.js and Keras): the rest runs unmasked', () => {
    const rows: Row[] = [emb, ['Flatten', 'flat', {}, ['emb']], ['Reshape', 'back', { target_shape: [4, 3] }, ['flat']], ['LSTM', 'rnn', { units: 2 }, ['back']]];
    const masked = model(rows, 'rnn', lstmW('rnn', 3));
    const plain = model(rows.map((r) => (r[1] === 'emb' ? ['Embedding', 'emb', { input_dim: 5, output_dim: 3 }, ['in']] : r)) as Row[], 'rnn', lstmW('rnn', 3));
    const ids = tp.tensor([[1, 0, 2, 0], [0, 0, 3, 4]]);
    const a = tp.noGrad(() => masked.forward(ids)) as tp.Tensor, b = tp.noGrad(() => plain.forward(ids)) as tp.Tensor;
    expect(values(a)).toEqual(values(b));
    tp.dispose([ids, a, b]);
    masked.dispose();
    plain.dispose();
  });

  test('a mask of another length than the sequence is a shape error naming the layer', () => {
    // the mask comes from the [N, 4] ids, the LSTM reads a [N, 2, 6] reshape of the embedding
    const m = model([emb, ['Dense', 'd', { units: 3 }, ['emb']], ['LSTM', 'rnn', { units: 2 }, ['d']]], 'rnn', [rand('d/kernel', [3, 3], 5), rand('d/bias', [3], 6), ...lstmW('rnn', 3)]);
    const ok = tp.noGrad(() => m.forward(tp.tensor([[1, 0, 2, 0]]))) as tp.Tensor;
    expect(ok.shape).toEqual([1, 2]);
    ok.dispose();
    m.dispose();
    const bad = model([emb, ['Reshape', 'r', { target_shape: [2, 6] }, ['emb']], ['LSTM', 'rnn', { units: 2 }, ['r']]], 'rnn', lstmW('rnn', 6));
    // Reshape ends the mask (TF.js): no error, the LSTM runs unmasked
    const y = tp.noGrad(() => bad.forward(tp.tensor([[1, 0, 2, 0]]))) as tp.Tensor;
    expect(y.shape).toEqual([1, 2]);
    y.dispose();
    bad.dispose();
    const def = LAYERS.get('LSTM')!;
    const ctx: LayerContext = { name: 'l', training: false, mask: tp.ones([2, 5]) };
    const [k, rk, b] = lstmW('l', 3).map((w) => tp.tensor(w.data, { shape: w.shape }));
    expectThrowsCode(() => def.apply([tp.zeros([2, 4, 3])], { kernel: k, recurrent_kernel: rk, bias: b }, def.prepare({ units: 2 }, 'l'), ctx), 'ERR_SHAPE',
      /layer 'l': LSTM got a mask of shape \[2,5\] for an input of shape \[2,4,3\]/);
  });
});

const t64 = (shape: number[], seed: number) => tp.tensor(randArray(shape.reduce((a, b) => a * b, 1), rng(seed), -0.7, 0.7), { shape, dtype: 'float64' });

describe('masked recurrent layers: float64 gradchecks (steps path)', () => {
  // padding at the end (sample 0), in the middle (sample 1), at the start (sample 2)
  const MASK = [1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1];
  test.each([
    ['LSTM seq', 'LSTM', { units: 2, recurrent_activation: 'sigmoid', return_sequences: true }, 4],
    ['LSTM last go_backwards', 'LSTM', { units: 2, go_backwards: true }, 4],
    ['GRU reset_after seq', 'GRU', { units: 2, recurrent_activation: 'sigmoid', reset_after: true, return_sequences: true }, 3],
    ['GRU last', 'GRU', { units: 2 }, 3],
    ['SimpleRNN seq go_backwards', 'SimpleRNN', { units: 2, return_sequences: true, go_backwards: true }, 1],
    ['SimpleRNN last', 'SimpleRNN', { units: 2 }, 1],
  ] as [string, string, Record<string, unknown>, number][])('%s', (_l, cls, cfg, G) => {
    const def = LAYERS.get(cls)!;
    const p = def.prepare(cfg, 'l');
    const mask = tp.tensor(MASK, { shape: [3, 4] });
    const ctx: LayerContext = { name: 'l', training: false, mask };
    const f = (x: tp.Tensor, k: tp.Tensor, rk: tp.Tensor, b: tp.Tensor) => def.apply([x], { kernel: k, recurrent_kernel: rk, bias: b }, p, ctx) as tp.Tensor;
    const ts = [t64([3, 4, 2], 1), t64([2, G * 2], 2), t64([2, G * 2], 3), t64(cfg.reset_after ? [2, G * 2] : [G * 2], 4)];
    expect(tp.gradcheck(f, ts)).toBe(true);
    // an all-ones mask is the unmasked (fused where it can) layer
    const ones = def.apply([ts[0]], { kernel: ts[1], recurrent_kernel: ts[2], bias: ts[3] }, p, { name: 'l', training: false, mask: tp.ones([3, 4]) }) as tp.Tensor;
    const plain = def.apply([ts[0]], { kernel: ts[1], recurrent_kernel: ts[2], bias: ts[3] }, p, { name: 'l', training: false }) as tp.Tensor;
    expectClose(values(ones), values(plain), { atol: 1e-12, rtol: 1e-10 });
    tp.dispose([...ts, mask, ones, plain]);
  });
});
