// Inference fusion of Conv (-> BatchNormalization) (-> Relu) in ONNX graphs (lib/onnx/fuse.ts): with
// nothing recording the folded convolution runs; with the tape on every node runs on its own.
// Both must agree, and the folded weights must follow changes to any constant they came from.
import { tp, expectClose, rng, randArray } from './helpers';
import { model, vi, F, attrInts, attrInt, attrFloat } from './onnx-build';

const TOL = { atol: 2e-5, rtol: 1e-4 };
const r = rng(7);
const rnd = (n: number, lo = -1, hi = 1) => randArray(n, r, lo, hi);
const bnInits = (p: string, c: number) => [
  { name: `${p}.scale`, dims: [c], float_data: rnd(c, 0.5, 1.5) }, { name: `${p}.bias`, dims: [c], float_data: rnd(c) },
  { name: `${p}.mean`, dims: [c], float_data: rnd(c) }, { name: `${p}.var`, dims: [c], float_data: rnd(c, 0.3, 2) },
];
const bnNode = (p: string, x: string, y: string) => ({ op_type: 'BatchNormalization', input: [x, `${p}.scale`, `${p}.bias`, `${p}.mean`, `${p}.var`], output: [y], attribute: [attrFloat('epsilon', 1e-3)], name: p });

const file = model({
  nodes: [
    // conv with bias, stride 2, asymmetric pads -> bn -> relu: one fused convolution
    { op_type: 'Conv', input: ['x', 'c1.w', 'c1.b'], output: ['c1'], attribute: [attrInts('kernel_shape', [3, 3]), attrInts('strides', [2, 2]), attrInts('pads', [0, 1, 1, 0])], name: 'c1' },
    bnNode('bn1', 'c1', 'b1'),
    { op_type: 'Relu', input: ['b1'], output: ['r1'], name: 'relu1' },
    // grouped conv without bias -> bn, its output a graph output (kept, no relu)
    { op_type: 'Conv', input: ['r1', 'c2.w'], output: ['c2'], attribute: [attrInts('kernel_shape', [3, 3]), attrInts('pads', [1, 1, 1, 1]), attrInt('group', 2)], name: 'c2' },
    bnNode('bn2', 'c2', 'b2'),
    // a conv whose output has a second reader: nothing fuses
    { op_type: 'Conv', input: ['r1', 'c3.w'], output: ['c3'], attribute: [attrInts('kernel_shape', [1, 1])], name: 'c3' },
    bnNode('bn3', 'c3', 'b3'),
    { op_type: 'Add', input: ['b3', 'c3'], output: ['a3'], name: 'add' },
    // conv -> relu without a batch norm: the relu runs in the kernel
    { op_type: 'Conv', input: ['r1', 'c4.w', 'c4.b'], output: ['c4'], attribute: [attrInts('kernel_shape', [1, 1])], name: 'c4' },
    { op_type: 'Relu', input: ['c4'], output: ['r4'], name: 'relu4' },
    { op_type: 'Add', input: ['a3', 'b2'], output: ['s'], name: 'sum' },
    { op_type: 'Add', input: ['s', 'r4'], output: ['y'], name: 'sum2' },
  ],
  inits: [
    { name: 'c1.w', dims: [4, 3, 3, 3], float_data: rnd(108) }, { name: 'c1.b', dims: [4], float_data: rnd(4) }, ...bnInits('bn1', 4),
    { name: 'c2.w', dims: [4, 2, 3, 3], float_data: rnd(72) }, ...bnInits('bn2', 4),
    { name: 'c3.w', dims: [4, 4, 1, 1], float_data: rnd(16) }, ...bnInits('bn3', 4),
    { name: 'c4.w', dims: [4, 4, 1, 1], float_data: rnd(16) }, { name: 'c4.b', dims: [4], float_data: rnd(4) },
  ],
  inputs: [vi('x', F, ['N', 3, 9, 9])],
  outputs: [vi('y', F, ['N', 4, 5, 5]), vi('b2', F, ['N', 4, 5, 5])],
});
const input = (n: number) => tp.tensor(Array.from({ length: n * 3 * 81 }, (_, i) => Math.cos(i * 0.53) * 2), { shape: [n, 3, 9, 9] });

/** with the tape on (every node on its own), then with nothing recording (fused) */
function both(m: tp.nn.Module<unknown[], unknown>, x: tp.Tensor) {
  const slow = tp.tidy(() => (m.forward(x) as tp.Tensor[]).map((t) => t.detach()));
  const fast = tp.noGrad(() => m.forward(x)) as tp.Tensor[];
  return { slow, fast };
}
const agree = (o: { slow: tp.Tensor[]; fast: tp.Tensor[] }, what: string) => {
  for (let k = 0; k < 2; k++) expectClose(o.fast[k].dataSync(), o.slow[k].dataSync(), TOL, `${what}: output ${k}`);
  tp.dispose([...o.slow, ...o.fast]);
};

describe('onnx.load: Conv + BatchNormalization (+ Relu) fusion in inference', () => {
  test('fused equals node by node at batch 1 and 2; two chains fuse', () => {
    const m = tp.onnx.load(file);
    const x1 = input(1), x2 = input(2);
    const before = tp.memory().numTensors;
    const o = both(m, x1);
    // 4 outputs, and the folded weight + bias of c1 and c2 (c3 did not fuse)
    expect(tp.memory().numTensors - before).toBe(4 + 4);
    agree(o, 'batch 1');
    agree(both(m, x2), 'batch 2');
    tp.dispose([x1, x2]);
    m.dispose();
  });

  test('the folded weights follow changes to the weights and statistics', () => {
    const m = tp.onnx.load(file);
    const x = input(2);
    agree(both(m, x), 'first');
    const sd = m.stateDict();
    const changed: Record<string, tp.Tensor> = {};
    for (const k of ['c1.w', 'bn1.mean', 'bn1.var', 'c2.w', 'bn2.scale', 'bn2.bias']) changed[k] = tp.mul(sd[k], k.endsWith('var') ? 1.4 : -1.3);
    m.loadStateDict(changed, { strict: false });
    const o = both(m, x);
    const moved = o.fast[1].dataSync()[0];
    agree(o, 'after loadStateDict');
    const opt = new tp.optim.SGD(m.namedParameters().filter(([n]) => !/\.(var|mean)$/.test(n)).map(([, p]) => p), { lr: 0.3 });
    tp.tidy(() => tp.sum(tp.square((m.forward(x) as tp.Tensor[])[0])).backward());
    opt.step();
    const o2 = both(m, x);
    expect(Math.abs(o2.fast[1].dataSync()[0] - moved)).toBeGreaterThan(1e-4);
    agree(o2, 'after a step');
    tp.dispose([x, ...Object.values(changed)]);
    m.dispose();
  });
});
