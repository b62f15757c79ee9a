// Keras `trainable: false` in a layer config (a model saved with frozen layers for fine-tuning):
// tp.io.loadTfjsModel gives those layers' weights requiresGrad false, the others true; a frozen
// layer gets no gradient, the trainable one does; a non-boolean trainable is an ERR_FORMAT error.
// The model.json is written out by hand, its weights one Float32Array buffer.
import { tp, expectThrowsCode } from './helpers';
import { trainableOf } from '../lib/tfjs/layers-core';

const KERNEL1 = [0.5, -1, 0.25, 2, -0.75, 1.5]; // [3, 2]
const BIAS1 = [0.1, -0.2];
const KERNEL2 = [1, -2]; // [2, 1]
const BIAS2 = [0.3];

function twoDense(trainable1: unknown): { json: Record<string, unknown>; weights: Uint8Array } {
  const dense = (name: string, units: number, extra: Record<string, unknown>) => ({
    class_name: 'Dense',
    config: { name, units, activation: 'linear', use_bias: true, ...extra },
  });
  const json = {
    format: 'layers-model',
    modelTopology: {
      model_config: {
        class_name: 'Sequential',
        config: {
          name: 'frozen_then_trainable',
          layers: [
            { class_name: 'InputLayer', config: { name: 'x', batch_input_shape: [null, 3], dtype: 'float32' } },
            dense('frozen', 2, trainable1 === undefined ? {} : { trainable: trainable1 }),
            dense('head', 1, { trainable: true }),
          ],
        },
      },
    },
    weightsManifest: [{
      paths: ['w.bin'],
      weights: [
        { name: 'frozen/kernel', shape: [3, 2], dtype: 'float32' },
        { name: 'frozen/bias', shape: [2], dtype: 'float32' },
        { name: 'head/kernel', shape: [2, 1], dtype: 'float32' },
        { name: 'head/bias', shape: [1], dtype: 'float32' },
      ],
    }],
  };
  const w = new Float32Array([...KERNEL1, ...BIAS1, ...KERNEL2, ...BIAS2]);
  return { json, weights: new Uint8Array(w.buffer) };
}

test('trainableOf reads Keras trainable (default true) and rejects a non-boolean', () => {
  expect(trainableOf({}, 'd')).toBe(true);
  expect(trainableOf({ trainable: true }, 'd')).toBe(true);
  expect(trainableOf({ trainable: false }, 'd')).toBe(false);
  expectThrowsCode(() => trainableOf({ trainable: 'no' }, 'd'), 'ERR_FORMAT', /layer 'd': trainable must be a boolean, got "no"/);
});

describe('loadTfjsModel: a layer saved with trainable false', () => {
  test("its weights load with requiresGrad false, the trainable layer's with true", () => {
    const { json, weights } = twoDense(false);
    const m = tp.io.loadTfjsModel(json, { weights }) as tp.io.TfjsModel;
    const p = Object.fromEntries(m.namedParameters());
    expect(Object.keys(p).sort()).toEqual(['frozen/bias', 'frozen/kernel', 'head/bias', 'head/kernel']);
    expect(p['frozen/kernel'].requiresGrad).toBe(false);
    expect(p['frozen/bias'].requiresGrad).toBe(false);
    expect(p['head/kernel'].requiresGrad).toBe(true);
    expect(p['head/bias'].requiresGrad).toBe(true);
    m.dispose();
  });

  test('training reaches only the trainable layer; the output is unchanged by freezing', () => {
    const x = tp.tensor([[1, 2, 3], [-1, 0.5, 2]]);
    const frozen = twoDense(false);
    const plain = twoDense(undefined);
    const mf = tp.io.loadTfjsModel(frozen.json, { weights: frozen.weights }) as tp.io.TfjsModel;
    const mp = tp.io.loadTfjsModel(plain.json, { weights: plain.weights }) as tp.io.TfjsModel;
    mf.train();
    const y = mf.forward(x) as tp.Tensor;
    // y = (x K1 + b1) K2 + b2, by hand
    const h = [0, 1].map((r) => [0, 1].map((j) => [0, 1, 2].reduce((s, i) => s + x.dataSync()[r * 3 + i] * KERNEL1[i * 2 + j], BIAS1[j])));
    const want = h.map((row) => row[0] * KERNEL2[0] + row[1] * KERNEL2[1] + BIAS2[0]);
    expect(Array.from(y.dataSync()).every((v, i) => Math.abs(v - want[i]) < 1e-5)).toBe(true);
    expect(tp.allclose(mp.forward(x) as tp.Tensor, y)).toBe(true);
    tp.backward(tp.sum(y));
    const p = Object.fromEntries(mf.namedParameters());
    expect(p['frozen/kernel'].grad).toBeNull();
    expect(p['frozen/bias'].grad).toBeNull();
    expect(p['head/kernel'].grad).not.toBeNull();
    expect(p['head/bias'].grad).not.toBeNull();
    // every layer of the model saved without trainable false is trainable
    expect(mp.parameters().every((q) => q.requiresGrad)).toBe(true);
    // unfreeze() makes the frozen layer trainable too (Module's switch overrides the file's)
    mf.unfreeze();
    expect(mf.parameters().every((q) => q.requiresGrad)).toBe(true);
    mf.dispose();
    mp.dispose();
  });

  test('a non-boolean trainable is an ERR_FORMAT error naming the layer', () => {
    const { json, weights } = twoDense('no');
    expectThrowsCode(() => tp.io.loadTfjsModel(json, { weights }), 'ERR_FORMAT', /layer 'frozen'.*trainable must be a boolean/);
  });
});
