// Concatenations written in place at batch 1 (lib/tfjs/concat-inplace.ts): the plain fused chains
// a Concatenate alone reads write their convolution into its output; the other inputs (a sibling
// group's slice, a pool-first chain, a value read elsewhere too) are copied in. The eval forward
// must equal the layer-by-layer one (tape on) at batch 1 and 2, leak nothing, also when it throws.
import { tp, expectClose, settleGc } from './helpers';
import { functional, rand, build } from './tfjs-build';
import type { LayerSpec, W } from './tfjs-build';
import { readTopology } from '../lib/tfjs/topology';
import { findFusions } from '../lib/tfjs/fuse';
import { findSiblings } from '../lib/tfjs/siblings';
import { planConcats } from '../lib/tfjs/concat-inplace';

const { native } = require('../lib/core/native');

const TOL = { atol: 2e-5, rtol: 1e-4 };
const BN = { axis: 3, epsilon: 1e-3 };
const bn = (n: string, c: number, seed: number): W[] => [
  rand(`${n}/gamma`, [c], seed, 0.5, 1.5), rand(`${n}/beta`, [c], seed + 1),
  rand(`${n}/moving_mean`, [c], seed + 2), rand(`${n}/moving_variance`, [c], seed + 3, 0.3, 2),
];
const conv = (filters: number, k: number, activation = 'linear', useBias = true) => ({ filters, kernel_size: k, padding: 'same', use_bias: useBias, activation });
const ROWS: LayerSpec[] = [
  ['InputLayer', 'inp', { batch_input_shape: [null, 6, 7, 5], dtype: 'float32' }, []],
  ['Conv2D', 'c1', conv(3, 3, 'linear', false), ['inp']], ['BatchNormalization', 'b1', BN, ['c1']], ['Activation', 'r1', { activation: 'relu' }, ['b1']],
  ['Conv2D', 's1', conv(2, 1, 'relu'), ['inp']],
  ['Conv2D', 's2', conv(4, 1, 'relu'), ['inp']],
  ['Conv2D', 'c2', conv(3, 3, 'relu'), ['s2']],
  ['AveragePooling2D', 'p3', { pool_size: [3, 3], strides: [1, 1], padding: 'same' }, ['inp']],
  ['Conv2D', 'c3', conv(2, 1, 'relu'), ['p3']],
  ['Conv2D', 'c4', conv(2, 3, 'relu'), ['inp']],
  ['GlobalAveragePooling2D', 'g4', {}, ['c4']],
  ['Concatenate', 'cat', { axis: -1 }, ['r1', 's1', 'c2', 'c3', 'c4']],
];
const WEIGHTS: W[] = [
  rand('c1/kernel', [3, 3, 5, 3], 1), ...bn('b1', 3, 2),
  rand('s1/kernel', [1, 1, 5, 2], 10), rand('s1/bias', [2], 11),
  rand('s2/kernel', [1, 1, 5, 4], 12), rand('s2/bias', [4], 13),
  rand('c2/kernel', [3, 3, 4, 3], 20), rand('c2/bias', [3], 21),
  rand('c3/kernel', [1, 1, 5, 2], 30), rand('c3/bias', [2], 31),
  rand('c4/kernel', [3, 3, 5, 2], 40), rand('c4/bias', [2], 41),
];
const topology = functional(ROWS, ['inp'], ['cat', 'g4']);
const input = (n: number) => tp.tensor(Array.from({ length: n * 6 * 7 * 5 }, (_, i) => Math.sin(i * 0.41) * 1.5), { shape: [n, 6, 7, 5] });
const { json, bytes } = build(topology, WEIGHTS);

test('the plan: c1 and c2 write in place; the sibling slice, the pool-first chain and c4 (read twice) are copied', () => {
  const topo = readTopology(topology as never);
  const fusions = findFusions(topo.calls, topo.outputs);
  const plan = planConcats(topo.calls, fusions, findSiblings(topo.calls, fusions), topo.outputs);
  const name = (i: number) => topo.calls[i].layer.name;
  const [[at, slots]] = [...plan.slots];
  expect(name(at)).toBe('cat');
  expect(slots.map((s) => [s.channels, s.offset, s.writer === null ? null : name(s.writer)])).toEqual([
    [3, 0, 'c1'], [2, 3, null], [3, 5, 'c2'], [2, 8, null], [2, 10, null],
  ]);
});

test('in place == layer by layer at batch 1 and 2; the writers\' outputs never copied', () => {
  const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
  const copiesAt: Record<number, number> = {};
  for (const n of [1, 2]) {
    const x = input(n);
    const slow = tp.tidy(() => (m.forward(x) as tp.Tensor[]).map((t) => t.detach()));
    for (let run = 0; run < 3; run++) {
      const orig = native.copy;
      let copies = 0;
      native.copy = (...a: unknown[]) => { copies++; return orig(...a); };
      let fast: tp.Tensor[];
      try {
        fast = tp.noGrad(() => m.forward(x)) as tp.Tensor[];
      } finally {
        native.copy = orig;
      }
      if (run === 2) copiesAt[n] = copies; // (the first forward also copies weights as it folds them)
      for (let k = 0; k < 2; k++) expectClose(fast[k].dataSync(), slow[k].dataSync(), TOL, `batch ${n} run ${run} output ${k}`);
      tp.dispose(fast);
    }
    tp.dispose([x, ...slow]);
  }
  // the same copies at both sizes (the input to NCHW per chain, the outputs to NHWC) but the
  // concatenation's, 3 of 5 inputs at batch 1 and all 5 at batch 2, and batch 2's one more input
  // copy (its sibling chains run apart)
  expect(copiesAt[2] - copiesAt[1]).toBe(2 + 1);
  m.dispose();
});

test('no leaks, also when a forward throws after a buffer was made', () => {
  const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
  const x = input(1);
  for (let i = 0; i < 3; i++) tp.dispose(tp.noGrad(() => m.forward(x)) as tp.Tensor[]);
  settleGc();
  const before = tp.memory().numTensors;
  tp.dispose(tp.noGrad(() => m.forward(x)) as tp.Tensor[]);
  expect(tp.memory().numTensors).toBe(before);
  class Boom extends tp.nn.Module<[tp.Tensor], tp.Tensor> { forward(): tp.Tensor { throw new Error('boom'); } }
  m.replace('c4', new Boom()); // runs after c1 wrote into the buffer (c4's weights go with it)
  expect(() => tp.noGrad(() => m.forward(x))).toThrow(/boom/);
  settleGc();
  const after = tp.memory().numTensors;
  expect(() => tp.noGrad(() => m.forward(x))).toThrow(/boom/);
  expect(tp.memory().numTensors).toBe(after);
  expect(after).toBe(before - 2);
  x.dispose();
  m.dispose();
});
