// ONNX LSTM / GRU against torch: nn.LSTM / nn.GRU (2 layers bidirectional; batch_first) exported
// by torch.onnx.export at opset 14 (test/fixtures/gen_onnx_rnn.py), run by tp.onnx.load on the
// same inputs; outputs and d(sum of outputs)/dx compared with torch's float64 results. The paths
// tapeflow runs step by step (GRU linear_before_reset = 0, LSTM peepholes) against ONNX's
// equations written in torch, bidirectional with sequence_lens (gru_reset_first, lstm_peephole).
// The libonnx-testdata lstm / gru node tests are in test/onnx-node.test.ts.
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectClose, expectThrowsCode } from './helpers';

const DIR = path.join(__dirname, 'fixtures', 'onnx', 'rnn');
type Arr = { shape: number[]; data: number[] };
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'onnx_rnn.json'), 'utf8')) as
  Record<string, { inputs: Record<string, Arr>; outputs: Record<string, Arr>; dx: number[] }>;

describe('LSTM / GRU vs torch', () => {
  for (const [name, c] of Object.entries(FIX)) {
    test(name, () => {
      const m = tp.onnx.load(path.join(DIR, `${name}.onnx`));
      const ins = Object.values(c.inputs).map((a) => tp.tensor(a.data, { shape: a.shape, dtype: 'float32' }));
      const outs = tp.noGrad(() => m.forward(...ins)) as tp.Tensor[];
      const want = Object.values(c.outputs);
      expect(outs.length).toBe(want.length);
      outs.forEach((o, k) => {
        expect(o.shape).toEqual(want[k].shape);
        expectClose(o.dataSync(), want[k].data, { rtol: 1e-4, atol: 1e-5 }, `${name} output ${k}`);
      });
      // the gradient through the graph (the gathers that reorder gates, the fused backward)
      const x = tp.tensor(c.inputs.x.data, { shape: c.inputs.x.shape, dtype: 'float32', requiresGrad: true });
      const ys = m.forward(x, ...ins.slice(1)) as tp.Tensor[];
      const sums = ys.map((y) => y.sum());
      const loss = sums.reduce((a, b) => tp.add(a, b));
      loss.backward();
      expectClose(x.grad!.dataSync(), c.dx, { rtol: 1e-4, atol: 1e-5 }, `${name} dx`);
      // W, R, B of each node are Parameters and get gradients too
      const params = m.namedParameters();
      expect(params.length).toBeGreaterThan(0);
      for (const [, p] of params) expect(p.grad).not.toBeNull();
      tp.dispose([...ins, ...outs, x, ...ys, ...sums, loss]);
      m.dispose();
    });
  }
});

test('unsupported attributes and inputs are named in ERR_UNSUPPORTED', () => {
  const x = tp.zeros([4, 1, 2]);
  const run = (f: string) => () => tp.onnx.load(path.join(DIR, f)).forward(x);
  expectThrowsCode(run('lstm_clip.onnx'), 'ERR_UNSUPPORTED', /'lstm_clip' \(LSTM\), opset 14: attribute clip = 3 is not supported/);
  expectThrowsCode(run('gru_relu.onnx'), 'ERR_UNSUPPORTED', /activations \[Relu, Tanh\] are not supported \(only the defaults \[Sigmoid, Tanh\]\)/);
  x.dispose();
});
