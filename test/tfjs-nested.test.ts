// Keras models nested in models (a pre-trained base inside a fine-tuned Sequential, a shared tower
// called twice): loadTfjsModel inlines the nested model's layers where it is called. Checked against
// the same layers written flat, and against the formula for the shared tower.
import { tp, expectClose, expectThrowsCode } from './helpers';
import { functional, rand, build } from './tfjs-build';
import type { LayerSpec, W } from './tfjs-build';

const BASE_ROWS: LayerSpec[] = [
  ['InputLayer', 'base_in', { batch_input_shape: [null, 6, 6, 3], dtype: 'float32' }, []],
  ['Conv2D', 'bc1', { filters: 4, kernel_size: 3, padding: 'same', use_bias: false, activation: 'linear' }, ['base_in']],
  ['BatchNormalization', 'bbn', { axis: 3, epsilon: 1e-3 }, ['bc1']],
  ['Activation', 'bact', { activation: 'relu' }, ['bbn']],
  ['Conv2D', 'bc2', { filters: 5, kernel_size: 1, use_bias: true, activation: 'tanh' }, ['bact']],
];
const weights = (prefix: string): W[] => [
  rand(`${prefix}bc1/kernel`, [3, 3, 3, 4], 1), rand(`${prefix}bbn/gamma`, [4], 2, 0.5, 1.5), rand(`${prefix}bbn/beta`, [4], 3),
  rand(`${prefix}bbn/moving_mean`, [4], 4), rand(`${prefix}bbn/moving_variance`, [4], 5, 0.5, 2),
  rand(`${prefix}bc2/kernel`, [1, 1, 4, 5], 6), rand(`${prefix}bc2/bias`, [5], 7),
  rand('head/kernel', [5, 3], 8), rand('head/bias', [3], 9),
];
const layerOf = ([c, n, cfg]: LayerSpec) => ({ class_name: c, config: { name: n, ...cfg } });
/** the base as a layer of an outer model */
const baseLayer = (extra: Record<string, unknown> = {}, inbound?: unknown) => {
  const cfg = functional(BASE_ROWS, ['base_in'], ['bc2']) as { config: Record<string, unknown> };
  return { class_name: 'Functional', name: 'base', config: { ...cfg.config, name: 'base', ...extra }, ...(inbound ? { inbound_nodes: inbound } : {}) };
};
const HEAD = [layerOf(['GlobalAveragePooling2D', 'gap', {}, []]), layerOf(['Dense', 'head', { units: 3, activation: 'softmax' }, []])];
const input = (n: number) => tp.tensor(Array.from({ length: n * 108 }, (_, i) => Math.sin(i * 0.41) * 2), { shape: [n, 6, 6, 3] });

describe('loadTfjsModel: nested models', () => {
  const nested = build({ class_name: 'Sequential', config: { name: 'outer', layers: [baseLayer(), ...HEAD] } }, weights('base/'));
  const flat = build({ class_name: 'Sequential', config: { name: 'flat', layers: [...BASE_ROWS.map(layerOf), ...HEAD] } }, weights(''));

  test('a functional base inside a Sequential gives the flat model\'s results; inner layers are outputs', () => {
    const m = tp.io.loadTfjsModel(nested.json, { weights: nested.bytes }) as tp.io.TfjsModel;
    const f = tp.io.loadTfjsModel(flat.json, { weights: flat.bytes });
    expect(m.layerNames).toEqual(['base', 'bc1', 'bbn', 'bact', 'bc2', 'gap', 'head']);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['base/bc1/kernel', 'base/bbn/gamma', 'base/bbn/beta', 'base/bc2/kernel', 'base/bc2/bias', 'head/kernel', 'head/bias']);
    const x = input(2);
    for (const grad of [false, true]) {
      const run = (mm: tp.nn.Module<unknown[], unknown>) => (grad ? tp.tidy(() => (mm.forward(x) as tp.Tensor).detach()) : tp.noGrad(() => mm.forward(x) as tp.Tensor));
      const a = run(m), b = run(f);
      expect(a.shape).toEqual([2, 3]);
      expectClose(a.dataSync(), b.dataSync(), { atol: 0, rtol: 0 }, grad ? 'recorded' : 'inference');
      tp.dispose([a, b]);
    }
    const inner = tp.io.loadTfjsModel(nested.json, { weights: nested.bytes, outputs: ['bact', 'base'] });
    const [act, feat] = tp.noGrad(() => inner.forward(x)) as tp.Tensor[];
    expect(act.shape).toEqual([2, 6, 6, 4]);
    expect(feat.shape).toEqual([2, 6, 6, 5]);
    expect(Math.min(...act.dataSync())).toBeGreaterThanOrEqual(0);
    tp.dispose([x, act, feat]);
    for (const mm of [m, f, inner]) mm.dispose();
  });

  test('trainable: false on the base freezes its layers; on a layer, that layer', () => {
    const frozen = build({ class_name: 'Sequential', config: { name: 'outer', layers: [baseLayer({ trainable: false }), ...HEAD] } }, weights('base/'));
    const m = tp.io.loadTfjsModel(frozen.json, { weights: frozen.bytes });
    expect(m.namedParameters().filter(([, p]) => p.requiresGrad).map(([n]) => n)).toEqual(['head/kernel', 'head/bias']);
    m.dispose();
    const rows = BASE_ROWS.map(layerOf);
    (rows[1].config as Record<string, unknown>).trainable = false;
    const one = build({ class_name: 'Sequential', config: { name: 'flat', layers: [...rows, ...HEAD] } }, weights(''));
    const m1 = tp.io.loadTfjsModel(one.json, { weights: one.bytes });
    expect(m1.namedParameters().filter(([, p]) => !p.requiresGrad).map(([n]) => n)).toEqual(['bc1/kernel']);
    m1.dispose();
  });

  test('a shared nested tower called on two inputs', () => {
    const tower = { class_name: 'Sequential', config: { name: 'tower', layers: [layerOf(['Dense', 'td', { units: 2, activation: 'tanh', batch_input_shape: [null, 3] }, []])] } };
    const outer = {
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [
          { class_name: 'InputLayer', name: 'a', config: { name: 'a', batch_input_shape: [null, 3] }, inbound_nodes: [] },
          { class_name: 'InputLayer', name: 'b', config: { name: 'b', batch_input_shape: [null, 3] }, inbound_nodes: [] },
          { ...tower, name: 'tower', inbound_nodes: [[['a', 0, 0, {}]], [['b', 0, 0, {}]]] },
          { class_name: 'Subtract', name: 'sub', config: { name: 'sub' }, inbound_nodes: [[['tower', 0, 0, {}], ['tower', 1, 0, {}]]] },
        ],
        input_layers: [['a', 0, 0], ['b', 0, 0]],
        output_layers: [['sub', 0, 0]],
      },
    };
    const W = [rand('td/kernel', [3, 2], 11), rand('td/bias', [2], 12)];
    const { json, bytes } = build(outer, W);
    const m = tp.io.loadTfjsModel(json, { weights: bytes });
    expect(m.parameters().length).toBe(2);
    const a = tp.tensor([[1, -2, 0.5]]), b = tp.tensor([[0.3, 0.2, -1]]);
    const y = tp.noGrad(() => m.forward(a, b)) as tp.Tensor;
    const td = (v: number[]) => [0, 1].map((j) => Math.tanh(v.reduce((s, x, i) => s + x * W[0].data[i * 2 + j], W[1].data[j])));
    const want = td([1, -2, 0.5]).map((v, j) => v - td([0.3, 0.2, -1])[j]);
    expectClose(y.dataSync(), want, { atol: 1e-6, rtol: 1e-5 });
    tp.dispose([a, b, y]);
    m.dispose();
  });

  test('bad nesting: two outputs, too deep, clashing names', () => {
    const two = functional(BASE_ROWS, ['base_in'], ['bc2', 'bact']) as { config: Record<string, unknown> };
    const bad1 = { class_name: 'Sequential', config: { name: 'o', layers: [{ class_name: 'Functional', name: 'base', config: { ...two.config, name: 'base' } }] } };
    expectThrowsCode(() => tp.io.loadTfjsModel(build(bad1, weights('base/')).json, { weights: build(bad1, weights('base/')).bytes }), 'ERR_UNSUPPORTED', /nested model with 2 outputs/);
    let deep: Record<string, unknown> = layerOf(['Dense', 'd', { units: 1, batch_input_shape: [null, 1] }, []]);
    for (let i = 0; i < 10; i++) deep = { class_name: 'Sequential', name: `s${i}`, config: { name: `s${i}`, layers: [deep] } };
    expectThrowsCode(() => tp.io.loadTfjsModel({ modelTopology: deep, weightsManifest: [] } as never, { weights: new Uint8Array(0) }), 'ERR_UNSUPPORTED', /nested more than 8 deep/);
    const clash = { class_name: 'Sequential', config: { name: 'o', layers: [baseLayer(), layerOf(['Conv2D', 'bc1', { filters: 2, kernel_size: 1 }, []])] } };
    expectThrowsCode(() => tp.io.loadTfjsModel(build(clash, weights('base/')).json, { weights: build(clash, weights('base/')).bytes }), 'ERR_FORMAT', /two layers are named 'bc1'/);
  });
});
