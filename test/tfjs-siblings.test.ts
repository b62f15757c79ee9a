// Sibling 1x1 convolutions merged at batch 1 (lib/tfjs/siblings.ts): fused chains of 1x1 Conv2D
// layers reading the same value with the same activation run as one convolution whose output is
// sliced per branch. The eval forward with nothing recording must equal the layer-by-layer one
// (tape on), follow weight changes, and step aside for batch 2 and for a replaced member.
import { tp, expectClose } from './helpers';
import { functional, rand, build } from './tfjs-build';
import type { LayerSpec, W } from './tfjs-build';
import { readTopology } from '../lib/tfjs/topology';
import { findFusions } from '../lib/tfjs/fuse';
import { findSiblings } from '../lib/tfjs/siblings';

const { native } = require('../lib/core/native');

const TOL = { atol: 2e-5, rtol: 1e-4 };
const bn = (n: string, c: number, seed: number): W[] => [
  rand(`${n}/gamma`, [c], seed, 0.5, 1.5), rand(`${n}/beta`, [c], seed + 1),
  rand(`${n}/moving_mean`, [c], seed + 2), rand(`${n}/moving_variance`, [c], seed + 3, 0.3, 2),
];
const BN = { axis: 3, epsilon: 1e-3 };
const lin = { activation: 'linear' };

const ROWS: LayerSpec[] = [
  ['InputLayer', 'inp', { batch_input_shape: [null, 6, 7, 5], dtype: 'float32' }, []],
  // three relu'd 1x1 chains on inp: conv -> bn -> relu (no bias), conv with its own relu (bias), conv -> bn -> ReLU (bias)
  ['Conv2D', 's1', { filters: 4, kernel_size: 1, use_bias: false, ...lin }, ['inp']],
  ['BatchNormalization', 'b1', BN, ['s1']],
  ['Activation', 'a1', { activation: 'relu' }, ['b1']],
  ['Conv2D', 's2', { filters: 3, kernel_size: [1, 1], use_bias: true, activation: 'relu' }, ['inp']],
  ['Conv2D', 's3', { filters: 5, kernel_size: 1, use_bias: true, ...lin }, ['inp']],
  ['BatchNormalization', 'b3', BN, ['s3']],
  ['ReLU', 'a3', {}, ['b3']],
  // not in the group: another activation, a 3x3 kernel
  ['Conv2D', 's4', { filters: 2, kernel_size: 1, use_bias: true, ...lin }, ['inp']],
  ['BatchNormalization', 'b4', BN, ['s4']],
  ['Conv2D', 's5', { filters: 2, kernel_size: 3, padding: 'same', use_bias: false, ...lin }, ['inp']],
  ['BatchNormalization', 'b5', BN, ['s5']],
  ['Activation', 'a5', { activation: 'relu' }, ['b5']],
  // a branch read further on by a convolution (the slice is its input)
  ['Conv2D', 'd1', { filters: 3, kernel_size: 3, padding: 'same', use_bias: true, ...lin }, ['a1']],
  ['Concatenate', 'cat', { axis: -1 }, ['d1', 's2', 'b4', 'a5']],
];
const WEIGHTS: W[] = [
  rand('s1/kernel', [1, 1, 5, 4], 1), ...bn('b1', 4, 2),
  rand('s2/kernel', [1, 1, 5, 3], 10), rand('s2/bias', [3], 11),
  rand('s3/kernel', [1, 1, 5, 5], 20), rand('s3/bias', [5], 21), ...bn('b3', 5, 22),
  rand('s4/kernel', [1, 1, 5, 2], 30), rand('s4/bias', [2], 31), ...bn('b4', 2, 32),
  rand('s5/kernel', [3, 3, 5, 2], 40), ...bn('b5', 2, 41),
  rand('d1/kernel', [3, 3, 4, 3], 50), rand('d1/bias', [3], 51),
];
const topology = functional(ROWS, ['inp'], ['cat', 'a3']);
const input = (n: number) => tp.tensor(Array.from({ length: n * 6 * 7 * 5 }, (_, i) => Math.sin(i * 0.37) * 1.5), { shape: [n, 6, 7, 5] });

/** forward with the tape on (every layer on its own) and with nothing recording (merged), and the conv calls of the latter */
function both(m: tp.io.TfjsModel, x: tp.Tensor) {
  const slow = tp.tidy(() => (m.forward(x) as tp.Tensor[]).map((t) => t.detach()));
  const orig = native.convForward;
  let convs = 0;
  native.convForward = (...a: unknown[]) => { convs++; return orig(...a); };
  try {
    const fast = tp.noGrad(() => m.forward(x)) as tp.Tensor[];
    return { slow, fast, convs };
  } finally {
    native.convForward = orig;
  }
}
function expectSame(r: ReturnType<typeof both>, what: string) {
  for (let k = 0; k < 2; k++) expectClose(r.fast[k].dataSync(), r.slow[k].dataSync(), TOL, `${what}: output ${k}`);
  tp.dispose([...r.slow, ...r.fast]);
}

describe('loadTfjsModel: sibling 1x1 convolutions merged at batch 1', () => {
  const { json, bytes } = build(topology, WEIGHTS);

  test('the group: relu\'d 1x1 chains on one value, in plan order', () => {
    const topo = readTopology(topology as never);
    const groups = [...findSiblings(topo.calls, findFusions(topo.calls, topo.outputs)).values()];
    expect(groups.map((g) => g.map((f) => topo.calls[f.conv].layer.name))).toEqual([['s1', 's2', 's3']]);
  });

  test('merged == layer by layer at batch 1 (one convolution for three), each branch on its own at batch 2', () => {
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    for (const [n, convs] of [[1, 4], [2, 6]]) {
      const x = input(n);
      const r = both(m, x);
      // batch 1: the group, s4, s5, d1; batch 2: s1, s2, s3 on their own too
      expect(r.convs).toBe(convs);
      expect(r.fast.map((t) => t.shape)).toEqual([[n, 6, 7, 10], [n, 6, 7, 5]]);
      expectSame(r, `batch ${n}`);
      x.dispose();
    }
    m.dispose();
  });

  test('follows weight changes; a replaced member takes its chain out of the group', () => {
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    const x = input(1);
    for (let i = 0; i < 2; i++) tp.dispose(tp.noGrad(() => m.forward(x)) as tp.Tensor[]);
    const sd = m.stateDict();
    const changed: Record<string, tp.Tensor> = {};
    for (const k of ['s2/bias', 'b3/moving_mean', 's1/kernel']) changed[k] = tp.mul(sd[k], -1.3);
    m.loadStateDict(changed, { strict: false });
    expectSame(both(m, x), 'after loadStateDict');
    class Id extends tp.nn.Module<[tp.Tensor], tp.Tensor> { forward(t: tp.Tensor) { return t; } }
    m.replace('b3', new Id());
    const r = both(m, x);
    expect(r.convs).toBe(6);
    expectSame(r, 'b3 replaced');
    tp.dispose([x, ...Object.values(changed)]);
    m.dispose();
  });

  test('no leaks: merged forwards, and the model freed', () => {
    const before = tp.memory().numTensors;
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    const x = input(1);
    for (let i = 0; i < 3; i++) tp.dispose(tp.noGrad(() => m.forward(x)) as tp.Tensor[]);
    const mid = tp.memory().numTensors;
    tp.dispose(tp.noGrad(() => m.forward(x)) as tp.Tensor[]);
    expect(tp.memory().numTensors).toBe(mid);
    x.dispose();
    m.dispose();
    expect(tp.memory().numTensors).toBe(before);
  });
});
