// Hand-made TF.js layers models covering every supported Keras layer, against the same nets
// written out by hand with tapeflow's channels-first (torch-layout) ops: explicit TF 'same'
// paddings, OIHW kernels built element by element, batch norm and Keras' hard_sigmoid spelled out.
// Tolerance: float32, 1e-5 absolute + 1e-4 relative.
import { tp, expectClose } from './helpers';
import { functional, rand, quant, build } from './tfjs-build';
import type { W, LayerSpec } from './tfjs-build';

const TOL = { atol: 1e-5, rtol: 1e-4 };
const t = (w: W) => tp.tensor(w.data, { shape: w.shape });
const nchw = (x: tp.Tensor) => tp.permute(x, [0, 3, 1, 2]);
const nhwc = (x: tp.Tensor) => tp.permute(x, [0, 2, 3, 1]);
/** HWIO [kh, kw, ci, o] → OIHW, element by element */
function oihw(w: W): tp.Tensor {
  const [kh, kw, ci, o] = w.shape;
  const out = new Array<number>(w.data.length);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let c = 0; c < ci; c++) for (let d = 0; d < o; d++)
    out[((d * ci + c) * kh + a) * kw + b] = w.data[((a * kw + b) * ci + c) * o + d];
  return tp.tensor(out, { shape: [o, ci, kh, kw] });
}
/** depthwise [kh, kw, C, m] → grouped OIHW [C·m, 1, kh, kw], output channel c·m + j */
function depthwiseOihw(w: W): tp.Tensor {
  const [kh, kw, C, m] = w.shape;
  const out = new Array<number>(w.data.length);
  for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let c = 0; c < C; c++) for (let j = 0; j < m; j++)
    out[((c * m + j) * kh + a) * kw + b] = w.data[((a * kw + b) * C + c) * m + j];
  return tp.tensor(out, { shape: [C * m, 1, kh, kw] });
}
const chan = (w: W) => tp.reshape(t(w), [1, w.shape[0], 1, 1]);

const ROWS: LayerSpec[] = [
  ['InputLayer', 'inp', { batch_input_shape: [null, 6, 6, 3], dtype: 'float32' }, []],
  ['ZeroPadding2D', 'zp', { padding: [[1, 0], [0, 1]] }, ['inp']],
  ['Conv2D', 'c1', { filters: 4, kernel_size: [3, 3], strides: [2, 2], padding: 'same', activation: 'relu', use_bias: true }, ['zp']],
  ['BatchNormalization', 'bn', { axis: 3, epsilon: 1e-3, momentum: 0.9, center: true, scale: true }, ['c1']],
  ['DepthwiseConv2D', 'dw', { kernel_size: [3, 3], strides: [1, 1], padding: 'same', depth_multiplier: 2, use_bias: true, activation: 'linear' }, ['bn']],
  ['ReLU', 'r6', { max_value: 6, negative_slope: 0, threshold: 0 }, ['dw']],
  ['Conv2D', 'c2', { filters: 8, kernel_size: 1, padding: 'valid', use_bias: false, activation: 'linear' }, ['bn']],
  ['Add', 'add', {}, ['r6', 'c2']],
  ['Activation', 'act', { activation: 'tanh' }, ['add']],
  ['MaxPooling2D', 'mp', { pool_size: [2, 2], strides: [2, 2], padding: 'valid' }, ['act']],
  ['AveragePooling2D', 'ap', { pool_size: [3, 3], strides: [1, 1], padding: 'same' }, ['act']],
  ['GlobalAveragePooling2D', 'gap', {}, ['ap']],
  ['Flatten', 'fl', {}, ['mp']],
  ['Dense', 'd1', { units: 8, activation: 'sigmoid' }, ['fl']],
  ['Concatenate', 'cat', { axis: -1 }, ['gap', 'd1']],
  ['Dropout', 'do', { rate: 0.5 }, ['cat']],
  ['Reshape', 'rs', { target_shape: [4, 4] }, ['do']],
  ['Flatten', 'fl2', {}, ['rs']],
  ['Dense', 'd2', { units: 3, activation: 'softmax' }, ['fl2']],
];
const WEIGHTS: W[] = [
  quant('c1/kernel', [3, 3, 3, 4], 'uint8', 1, 0.008, -1),
  rand('c1/bias', [4], 2),
  rand('bn/gamma', [4], 3, 0.5, 1.5), rand('bn/beta', [4], 4), rand('bn/moving_mean', [4], 5), rand('bn/moving_variance', [4], 6, 0.5, 2),
  rand('dw/depthwise_kernel', [3, 3, 4, 2], 7), rand('dw/bias', [8], 8, 2, 4),
  quant('c2/kernel', [1, 1, 4, 8], 'uint16', 9, 3e-5, -1),
  rand('d1/kernel', [32, 8], 10), rand('d1/bias', [8], 11),
  rand('d2/kernel', [16, 3], 12), rand('d2/bias', [3], 13),
];
const W_ = (n: string) => WEIGHTS.find((w) => w.name === n)!;

/** The net by hand, channels-first; returns { bn, gap, out } as NHWC / [N, F] tensors. */
function byHand(x: tp.Tensor): Record<string, tp.Tensor> {
  const z = tp.pad(nchw(x), [[0, 0], [0, 0], [1, 0], [0, 1]]);
  // 7 wide, k 3, stride 2 → 4 out; TF 'same' pads (4-1)·2 + 3 - 7 = 2: one each side
  const c1 = tp.relu(tp.conv2d(tp.pad(z, [[0, 0], [0, 0], [1, 1], [1, 1]]), oihw(W_('c1/kernel')), { stride: 2, bias: t(W_('c1/bias')) }));
  const bn = tp.add(tp.mul(tp.div(tp.sub(c1, chan(W_('bn/moving_mean'))), tp.sqrt(tp.add(chan(W_('bn/moving_variance')), 1e-3))), chan(W_('bn/gamma'))), chan(W_('bn/beta')));
  const dw = tp.conv2d(tp.pad(bn, [[0, 0], [0, 0], [1, 1], [1, 1]]), depthwiseOihw(W_('dw/depthwise_kernel')), { groups: 4, bias: t(W_('dw/bias')) });
  const act = tp.tanh(tp.add(tp.clamp(dw, 0, 6), tp.conv2d(bn, oihw(W_('c2/kernel')))));
  const mp = tp.maxPool2d(act, 2, { stride: 2 });
  const ap = tp.avgPool2d(act, 3, { stride: 1, padding: 1, countIncludePad: false });
  const gap = tp.mean(ap, [2, 3]);
  const fl = tp.reshape(nhwc(mp), [x.shape[0], 32]);
  const d1 = tp.sigmoid(tp.add(tp.matmul(fl, t(W_('d1/kernel'))), t(W_('d1/bias'))));
  const cat = tp.cat([gap, d1], 1);
  const out = tp.softmax(tp.add(tp.matmul(cat, t(W_('d2/kernel'))), t(W_('d2/bias'))), -1);
  return { bn: nhwc(bn), gap, out };
}

const input = () => tp.tensor(Array.from({ length: 2 * 6 * 6 * 3 }, (_, i) => Math.sin(i * 0.37) * 2), { shape: [2, 6, 6, 3] });

describe('loadTfjsModel: every layer against hand-written tapeflow ops', () => {
  const { json, bytes } = build(functional(ROWS, ['inp'], ['d2']), WEIGHTS);

  test('functional model: output, intermediates, parameter names, dequantised weights', () => {
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    expect(m.inputs).toEqual([{ name: 'inp', shape: [null, 6, 6, 3] }]);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['c1/kernel', 'c1/bias', 'bn/gamma', 'bn/beta', 'dw/depthwise_kernel', 'dw/bias', 'c2/kernel', 'd1/kernel', 'd1/bias', 'd2/kernel', 'd2/bias']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['bn/moving_mean', 'bn/moving_variance']);
    const params = Object.fromEntries(m.namedParameters());
    expectClose(params['c1/kernel'].dataSync(), W_('c1/kernel').data, { atol: 0, rtol: 0 }, 'uint8 dequantised');
    expectClose(params['c2/kernel'].dataSync(), W_('c2/kernel').data, { atol: 0, rtol: 0 }, 'uint16 dequantised');
    const x = input();
    const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    const want = tp.noGrad(() => tp.tidy(() => byHand(x).out));
    expect(y.shape).toEqual([2, 3]);
    expectClose(y.dataSync(), want.dataSync(), TOL, 'out');
    const inner = tp.io.loadTfjsModel(json, { weights: bytes, outputs: ['bn', 'gap'] });
    const [bn, gap] = tp.noGrad(() => inner.forward({ inp: x })) as tp.Tensor[];
    const h = byHand(x);
    expectClose(bn.dataSync(), h.bn.dataSync(), TOL, 'bn');
    expectClose(gap.dataSync(), h.gap.dataSync(), TOL, 'gap');
    expect(inner.parameters().length).toBe(7); // c1, bn, dw, c2 only: the head is not loaded
    tp.dispose([y, want, bn, gap, x, ...Object.values(h)]);
    m.dispose();
    inner.dispose();
  });

  test('weights as a shard list, a function, or read from beside model.json', () => {
    const fs = require('fs'), os = require('os'), path = require('path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-'));
    const j2 = { ...json, weightsManifest: [{ paths: ['a.bin', 'sub/b.bin'], weights: (json.weightsManifest as any)[0].weights }] };
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'a.bin'), bytes.subarray(0, 100));
    fs.writeFileSync(path.join(dir, 'sub', 'b.bin'), bytes.subarray(100));
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(j2));
    const x = input();
    const ref = tp.io.loadTfjsModel(json, { weights: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
    const want = tp.noGrad(() => ref.forward(x)) as tp.Tensor;
    for (const m of [
      tp.io.loadTfjsModel(path.join(dir, 'model.json')),
      tp.io.loadTfjsModel(j2, { weights: [bytes.subarray(0, 100), bytes.subarray(100)] }),
      tp.io.loadTfjsModel(j2, { weights: (p: string) => fs.readFileSync(path.join(dir, p)) }),
    ]) {
      const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
      expectClose(y.dataSync(), want.dataSync(), { atol: 0, rtol: 0 });
      y.dispose();
      m.dispose();
    }
    tp.dispose([x, want]);
    ref.dispose();
    fs.rmSync(dir, { recursive: true });
  });

  test('fine-tuning: freeze, replace the head, train; train mode runs batch-norm statistics and dropout', () => {
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    m.freeze();
    tp.manualSeed(5);
    const head = new tp.nn.Linear(16, 3);
    m.replace('d2', head);
    expect(m.parameters().filter((p) => p.requiresGrad).length).toBe(2);
    expect(m.namedParameters().map(([n]) => n).slice(-2)).toEqual(['d2.weight', 'd2.bias']);
    const x = input();
    const labels = tp.tensor([0, 2], { dtype: 'int32' });
    const opt = new tp.optim.Adam(m.parameters().filter((p) => p.requiresGrad), { lr: 0.05 });
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      tp.tidy(() => {
        const loss = tp.nn.functional.crossEntropy(m.forward(x) as tp.Tensor, labels);
        losses.push(loss.item());
        opt.zeroGrad();
        tp.backward(loss);
        opt.step();
      });
    }
    expect(losses[19]).toBeLessThan(losses[0] * 0.5);
    // train mode: batch statistics, and the moving ones move toward them
    const mm0 = Array.from(Object.fromEntries(m.namedBuffers())['bn/moving_mean'].dataSync());
    m.train();
    const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    const mm1 = Array.from(Object.fromEntries(m.namedBuffers())['bn/moving_mean'].dataSync());
    expect(mm1).not.toEqual(mm0);
    tp.dispose([x, labels, y]);
    m.dispose();
  });
});

describe('loadTfjsModel: Sequential and Keras 3 configs, the remaining layers', () => {
  test('Sequential: SeparableConv2D, LeakyReLU, GlobalMaxPooling2D, Dense(hard_sigmoid), Softmax, Permute, ELU', () => {
    const layers = [
      { class_name: 'SeparableConv2D', config: { name: 'sc', batch_input_shape: [null, 5, 5, 2], filters: 3, kernel_size: 3, padding: 'valid', depth_multiplier: 2, use_bias: true } },
      { class_name: 'LeakyReLU', config: { name: 'lr', alpha: 0.2 } },
      { class_name: 'Permute', config: { name: 'pm', dims: [2, 1, 3] } },
      { class_name: 'ELU', config: { name: 'el', alpha: 0.7 } },
      { class_name: 'GlobalMaxPooling2D', config: { name: 'gm' } },
      { class_name: 'Dense', config: { name: 'dn', units: 4, activation: 'hard_sigmoid' } },
      { class_name: 'Softmax', config: { name: 'sm', axis: -1 } },
    ];
    const ws = [rand('sc/depthwise_kernel', [3, 3, 2, 2], 21), rand('sc/pointwise_kernel', [1, 1, 4, 3], 22), rand('sc/bias', [3], 23), rand('dn/kernel', [3, 4], 24, -3, 3), rand('dn/bias', [4], 25)];
    const { json, bytes } = build({ class_name: 'Sequential', config: { name: 's', layers } }, ws);
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    expect(m.inputs).toEqual([{ name: 'sc_input', shape: [null, 5, 5, 2] }]);
    const x = tp.tensor(Array.from({ length: 2 * 50 }, (_, i) => Math.cos(i * 0.3) * 3), { shape: [2, 5, 5, 2] });
    const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    const want = tp.noGrad(() => tp.tidy(() => {
      const d = tp.conv2d(nchw(x), depthwiseOihw(ws[0]), { groups: 2 });
      const p = tp.conv2d(d, oihw(ws[1]), { bias: t(ws[2]) });
      const l = tp.leakyRelu(p, 0.2);
      const e = tp.elu(tp.permute(l, [0, 1, 3, 2]), 0.7); // Permute([2, 1, 3]) swaps H and W
      const g = tp.max(e, [2, 3]);
      const h = tp.clamp(tp.add(tp.mul(tp.add(tp.matmul(g, t(ws[3])), t(ws[4])), 0.2), 0.5), 0, 1);
      return tp.softmax(h, -1);
    }));
    expectClose(y.dataSync(), want.dataSync(), TOL);
    tp.dispose([x, y, want]);
    m.dispose();
  });

  test('Keras 3 inbound nodes (keras_history); Multiply, Subtract, Average, Maximum, Minimum; ReLU threshold and slope', () => {
    const kt = (n: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 4], dtype: 'float32', keras_history: [n, 0, 0] } });
    const L = (c: string, n: string, cfg: object, ins: string[]) => ({ class_name: c, name: n, config: { name: n, ...cfg }, inbound_nodes: [{ args: [ins.length === 1 ? kt(ins[0]) : ins.map(kt)], kwargs: {} }] });
    const topo = {
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          { class_name: 'InputLayer', name: 'a', config: { name: 'a', batch_shape: [null, 4] }, inbound_nodes: [] },
          { class_name: 'InputLayer', name: 'b', config: { name: 'b', batch_shape: [null, 4] }, inbound_nodes: [] },
          L('Multiply', 'mul', {}, ['a', 'b']), L('Subtract', 'sub', {}, ['mul', 'b']), L('Average', 'avg', {}, ['sub', 'a', 'b']),
          L('Maximum', 'mx', {}, ['avg', 'a']), L('Minimum', 'mn', {}, ['mx', 'b']),
          L('ReLU', 'rl', { threshold: 0.5, negative_slope: 0.1, max_value: 1.5 }, ['mx']),
        ],
        input_layers: [['a', 0, 0], ['b', 0, 0]],
        output_layers: [['mn', 0, 0], ['rl', 0, 0]],
      },
    };
    const m = tp.io.loadTfjsModel({ modelTopology: topo }, {});
    const av = [-2, -0.5, 1, 3], bv = [1, 0.25, -1, 0.5];
    const [mn, rl] = m.forward(tp.tensor([av], { shape: [1, 4] }), tp.tensor([bv], { shape: [1, 4] })) as tp.Tensor[];
    const mx = av.map((a, i) => Math.max((a * bv[i] - bv[i] + a + bv[i]) / 3, a));
    expectClose(mn.dataSync(), mx.map((v, i) => Math.min(v, bv[i])), TOL);
    expectClose(rl.dataSync(), mx.map((v) => Math.min(v >= 0.5 ? v : 0.1 * (v - 0.5), 1.5)), TOL);
    m.dispose();
  });
});

describe('loadTfjsModel: weight names, replace, shared layers', () => {
  test("scoped ('model/d/kernel') and ':0'-suffixed weight names; replace errors; a layer called twice shares its weights", () => {
    const topo = {
      class_name: 'Model',
      config: {
        name: 'm',
        layers: [
          { class_name: 'InputLayer', name: 'x', config: { name: 'x', batch_input_shape: [null, 3] }, inbound_nodes: [] },
          { class_name: 'Dense', name: 'd', config: { name: 'd', units: 3, activation: 'tanh' }, inbound_nodes: [[['x', 0, 0, {}]], [['d', 0, 0, {}]]] },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['d', 1, 0]],
      },
    };
    const k = rand('model/d/kernel:0', [3, 3], 31), b = rand('d/bias', [3], 32);
    const { json, bytes } = build(topo, [k, b]);
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
    expect(m.namedParameters().map(([n]) => n)).toEqual(['model/d/kernel:0', 'd/bias']);
    const x = tp.tensor([[0.5, -1, 2]]);
    const y = m.forward(x) as tp.Tensor;
    const one = (v: tp.Tensor) => tp.tanh(tp.add(tp.matmul(v, t(k)), t(b)));
    const want = one(one(x));
    expectClose(y.dataSync(), want.dataSync(), TOL);
    expect(() => m.replace('nope', new tp.nn.Linear(3, 3))).toThrow(/no layer named "nope"/);
    expect(() => m.replace('d', {} as any)).toThrow(/must be a tp.nn.Module/);
    tp.dispose([x, y, want]);
    m.dispose();
  });
});
