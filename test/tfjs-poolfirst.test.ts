// A stride-1 'same' AveragePooling2D read only by a 1x1 Conv2D chain (Inception's pool branches)
// runs, in inference, as the convolution first and the pool on its output (lib/tfjs/fuse.ts
// `pool`): both are linear per pixel and channel and a 'same' average's weights sum to 1, so the
// result equals pooling first (to float32 rounding) with the pool on the convolution's channels.
import { tp, expectClose } from './helpers';
import { functional, rand, build } from './tfjs-build';
import type { LayerSpec, W } from './tfjs-build';
import { readTopology } from '../lib/tfjs/topology';
import { findFusions } from '../lib/tfjs/fuse';

const { native } = require('../lib/core/native');

const TOL = { atol: 2e-5, rtol: 1e-4 };
const BN = { axis: 3, epsilon: 1e-3 };
const bn = (n: string, c: number, seed: number): W[] => [
  rand(`${n}/gamma`, [c], seed, 0.5, 1.5), rand(`${n}/beta`, [c], seed + 1),
  rand(`${n}/moving_mean`, [c], seed + 2), rand(`${n}/moving_variance`, [c], seed + 3, 0.3, 2),
];
const pool = (strides: number[]) => ({ pool_size: [3, 3], strides, padding: 'same' });
const ROWS: LayerSpec[] = [
  ['InputLayer', 'inp', { batch_input_shape: [null, 7, 9, 12], dtype: 'float32' }, []],
  // swapped: pool 3x3 s1 same -> 1x1 conv (bias) -> bn -> relu, and pool -> 1x1 conv with its own relu
  ['AveragePooling2D', 'p1', pool([1, 1]), ['inp']],
  ['Conv2D', 'c1', { filters: 3, kernel_size: 1, use_bias: true, activation: 'linear' }, ['p1']],
  ['BatchNormalization', 'b1', BN, ['c1']],
  ['Activation', 'a1', { activation: 'relu' }, ['b1']],
  ['AveragePooling2D', 'p2', pool([1, 1]), ['inp']],
  ['Conv2D', 'c2', { filters: 2, kernel_size: 1, use_bias: false, activation: 'relu' }, ['p2']],
  // not swapped: stride 2 (the conv would see 4x the pixels), and a pool with a second reader
  ['AveragePooling2D', 'p3', pool([2, 2]), ['inp']],
  ['Conv2D', 'c3', { filters: 2, kernel_size: 1, use_bias: true, activation: 'relu' }, ['p3']],
  ['AveragePooling2D', 'p4', pool([1, 1]), ['inp']],
  ['Conv2D', 'c4', { filters: 2, kernel_size: 1, use_bias: true, activation: 'relu' }, ['p4']],
  ['GlobalAveragePooling2D', 'g3', {}, ['c3']],
  ['GlobalAveragePooling2D', 'g4', {}, ['p4']],
  ['Concatenate', 'cat', { axis: -1 }, ['a1', 'c2', 'c4']],
];
const WEIGHTS: W[] = [
  rand('c1/kernel', [1, 1, 12, 3], 1), rand('c1/bias', [3], 2), ...bn('b1', 3, 3),
  rand('c2/kernel', [1, 1, 12, 2], 10),
  rand('c3/kernel', [1, 1, 12, 2], 20), rand('c3/bias', [2], 21),
  rand('c4/kernel', [1, 1, 12, 2], 30), rand('c4/bias', [2], 31),
];
const topology = functional(ROWS, ['inp'], ['cat', 'g3', 'g4']);
const input = (n: number) => tp.tensor(Array.from({ length: n * 7 * 9 * 12 }, (_, i) => Math.cos(i * 0.23) * 2), { shape: [n, 7, 9, 12] });

test('which pools run after their convolution', () => {
  const topo = readTopology(topology as never);
  const f = [...findFusions(topo.calls, topo.outputs).entries()];
  const name = (i: number) => topo.calls[i].layer.name;
  // keyed by where they run: the pool's place for the swapped chains
  expect(f.map(([at, z]) => [name(at), z.members.map(name)])).toEqual(expect.arrayContaining([
    ['p1', ['p1', 'c1', 'b1', 'a1']], ['p2', ['p2', 'c2']], ['c3', ['c3']], ['c4', ['c4']],
  ]));
});

test('swapped == layer by layer (batch 1 and 3); the pools see the convolutions\' channels', () => {
  const { json, bytes } = build(topology, WEIGHTS);
  const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
  for (const n of [1, 3]) {
    const x = input(n);
    const slow = tp.tidy(() => (m.forward(x) as tp.Tensor[]).map((t) => t.detach()));
    const orig = native.poolForward;
    const channels: number[] = [];
    native.poolForward = (...a: unknown[]) => { channels.push((a[4] as number) / n); return orig(...a); }; // a[4]: planes, N * C
    let fast: tp.Tensor[];
    try {
      fast = tp.noGrad(() => m.forward(x)) as tp.Tensor[];
    } finally {
      native.poolForward = orig;
    }
    // p1 on c1's 3 channels, p2 on c2's 2, p3 and p4 on the input's 12
    expect(channels.sort((a, b) => a - b)).toEqual([2, 3, 12, 12]);
    for (let k = 0; k < 3; k++) expectClose(fast[k].dataSync(), slow[k].dataSync(), TOL, `batch ${n} output ${k}`);
    tp.dispose([x, ...slow, ...fast]);
  }
  m.dispose();
});
