// Inference fusion of Conv → BatchNormalization → ReLU chains in TF.js layers models (lib/tfjs/fuse.ts):
// a forward with nothing recording (eval, noGrad) runs the folded convolutions; the same model
// with the tape on runs every layer on its own. Both must agree, and the folded kernels must follow
// weight changes. Tolerance: float32, folding changes the rounding order only.
import { tp, expectClose } from './helpers';
import { functional, rand, build } from './tfjs-build';
import type { LayerSpec, W } from './tfjs-build';

const TOL = { atol: 2e-5, rtol: 1e-4 };
const bn = (n: string, c: number, seed: number, center = true, scale = true): W[] => [
  ...(scale ? [rand(`${n}/gamma`, [c], seed, 0.5, 1.5)] : []), ...(center ? [rand(`${n}/beta`, [c], seed + 1)] : []),
  rand(`${n}/moving_mean`, [c], seed + 2), rand(`${n}/moving_variance`, [c], seed + 3, 0.3, 2),
];
const BN = { axis: 3, epsilon: 1e-3 };

const ROWS: LayerSpec[] = [
  ['InputLayer', 'inp', { batch_input_shape: [null, 8, 8, 3], dtype: 'float32' }, []],
  // conv → bn → Activation('relu'): one convolution
  ['Conv2D', 'c1', { filters: 6, kernel_size: 3, padding: 'same', use_bias: false, activation: 'linear' }, ['inp']],
  ['BatchNormalization', 'bn1', BN, ['c1']],
  ['Activation', 'a1', { activation: 'relu' }, ['bn1']],
  // a conv with its own relu
  ['Conv2D', 'c2', { filters: 4, kernel_size: 1, use_bias: true, activation: 'relu' }, ['a1']],
  // depthwise, stride 2 with TF's one-sided 'same' pad, bias, bn without beta, ReLU layer
  ['DepthwiseConv2D', 'dw', { kernel_size: 3, strides: 2, padding: 'same', depth_multiplier: 2, use_bias: true, activation: 'linear' }, ['a1']],
  ['BatchNormalization', 'bn2', { ...BN, center: false }, ['dw']],
  ['ReLU', 'r2', {}, ['bn2']],
  // the conv's output has a second reader: nothing fuses
  ['Conv2D', 'c3', { filters: 4, kernel_size: 1, use_bias: false, activation: 'linear' }, ['a1']],
  ['BatchNormalization', 'bn3', BN, ['c3']],
  ['Add', 'add', {}, ['c3', 'bn3']],
  // conv → bn with a relu6 after it: the conv and bn fuse, relu6 runs on its own
  ['Conv2D', 'c4', { filters: 4, kernel_size: 3, strides: 2, padding: 'valid', use_bias: true, activation: 'linear' }, ['add']],
  ['BatchNormalization', 'bn4', BN, ['c4']],
  ['ReLU', 'r4', { max_value: 6 }, ['bn4']],
  ['GlobalAveragePooling2D', 'g1', {}, ['c2']],
  ['GlobalAveragePooling2D', 'g2', {}, ['r2']],
  ['GlobalAveragePooling2D', 'g4', {}, ['r4']],
  ['Concatenate', 'cat', { axis: -1 }, ['g1', 'g2', 'g4']],
];
const WEIGHTS: W[] = [
  rand('c1/kernel', [3, 3, 3, 6], 1), ...bn('bn1', 6, 2),
  rand('c2/kernel', [1, 1, 6, 4], 10), rand('c2/bias', [4], 11),
  rand('dw/depthwise_kernel', [3, 3, 6, 2], 12), rand('dw/bias', [12], 13), ...bn('bn2', 12, 14, false),
  rand('c3/kernel', [1, 1, 6, 4], 20), ...bn('bn3', 4, 21),
  rand('c4/kernel', [3, 3, 4, 4], 30), rand('c4/bias', [4], 31), ...bn('bn4', 4, 32),
];
const input = (n: number) => tp.tensor(Array.from({ length: n * 8 * 8 * 3 }, (_, i) => Math.sin(i * 0.71) * 1.5), { shape: [n, 8, 8, 3] });

describe('loadTfjsModel: conv + batch norm + relu fusion in inference', () => {
  const { json, bytes } = build(functional(ROWS, ['inp'], ['cat', 'a1']), WEIGHTS);

  /** forward with the tape on (every layer on its own) and with nothing recording (fused) */
  const both = (m: tp.io.TfjsModel, x: tp.Tensor) => {
    const slow = tp.tidy(() => (m.forward(x) as tp.Tensor[]).map((t) => t.detach()));
    const fast = tp.noGrad(() => m.forward(x)) as tp.Tensor[];
    return { slow, fast };
  };

  test('fused inference equals layer-by-layer, batch 1 and 3; which chains fused', () => {
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    for (const n of [1, 3]) {
      const x = input(n);
      const before = tp.memory().numTensors;
      const { slow, fast } = both(m, x);
      if (n === 1) {
        // the 4 outputs, and kept for later calls: the folded kernel + bias of c1, dw and c4, the
        // kernel of c2 (its own bias serves) and the plain channels-first kernel of c3 (not fused)
        expect(tp.memory().numTensors - before).toBe(4 + 2 + 2 + 2 + 1 + 1);
      }
      expect(fast.map((t) => t.shape)).toEqual([[n, 20], [n, 8, 8, 6]]);
      for (let k = 0; k < 2; k++) expectClose(fast[k].dataSync(), slow[k].dataSync(), TOL, `output ${k} at batch ${n}`);
      tp.dispose([x, ...slow, ...fast]);
    }
    m.dispose();
    expect(() => m.forward(input(1))).toThrow();
  });

  test('the folded kernels follow weight changes; a replaced layer breaks its chain', () => {
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    const x = input(2);
    tp.noGrad(() => m.forward(x) as tp.Tensor[]).forEach((t) => t.dispose()); // folds cached
    const sd = m.stateDict();
    const changed: Record<string, tp.Tensor> = {};
    for (const k of ['bn1/moving_mean', 'bn1/gamma', 'c1/kernel', 'dw/bias', 'bn4/moving_variance', 'c2/kernel'])
      changed[k] = tp.mul(sd[k], 1.7);
    m.loadStateDict(changed, { strict: false });
    const r1 = both(m, x);
    for (let k = 0; k < 2; k++) expectClose(r1.fast[k].dataSync(), r1.slow[k].dataSync(), TOL, `after loadStateDict ${k}`);
    // a training step moves the parameters in place
    const opt = new tp.optim.SGD(m.parameters(), { lr: 0.5 });
    const first = r1.fast[0].dataSync()[0];
    tp.dispose([...r1.slow, ...r1.fast]);
    tp.tidy(() => {
      const [y] = m.forward(x) as tp.Tensor[];
      tp.sum(tp.square(y)).backward();
    });
    opt.step();
    const r2 = both(m, x);
    for (let k = 0; k < 2; k++) expectClose(r2.fast[k].dataSync(), r2.slow[k].dataSync(), TOL, `after a step ${k}`);
    expect(Math.abs(r2.fast[0].dataSync()[0] - first)).toBeGreaterThan(1e-4);
    class Id extends tp.nn.Module<[tp.Tensor], tp.Tensor> { forward(t: tp.Tensor) { return t; } }
    m.replace('bn1', new Id());
    const r3 = both(m, x);
    for (let k = 0; k < 2; k++) expectClose(r3.fast[k].dataSync(), r3.slow[k].dataSync(), TOL, `bn1 replaced ${k}`);
    tp.dispose([x, ...r2.slow, ...r2.fast, ...r3.slow, ...r3.fast, ...Object.values(changed)]);
    m.dispose();
  });
});
