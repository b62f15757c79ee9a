// ONNX MaxPool / AveragePool over 3 spatial dims, Conv and ConvTranspose 3-D (lib/onnx/ops-pool.ts,
// ops-conv.ts; plus 2-D MaxPool Indices with uneven / large pads), which tapeflow composes from
// its 2-D kernels: outputs, MaxPool's Indices and the
// gradients of every input against torch (test/fixtures/gen_onnx_pool3d.py → onnx_pool3d.json:
// uneven and large pads, strides, dilations, ceil_mode, count_include_pad, storage_order, groups,
// output_padding, output_shape), gradchecks of the compositions, and the errors.
import * as fs from 'fs';
import * as path from 'path';
import { tp, rng, randArray, expectTensor, expectClose, expectNoLeak } from './helpers';
import { model, vi, attrInts, attrInt, INT64 } from './onnx-build';
import { OPS } from '../lib/onnx/registry';
import type { OpContext } from '../lib/onnx/registry';
import { Attrs } from '../lib/onnx/attrs';

const DOUBLE = 11;

interface Arr { shape: number[]; data: number[] }
interface Case {
  op: string;
  attrs: Record<string, number | number[]>;
  inputs: Arr[];
  y: Arr;
  indices?: Arr;
  gy: number[];
  grads: number[][];
}
const FIX: { cases: Case[] } = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'onnx_pool3d.json'), 'utf8'));

const NAMES = ['x', 'w', 'b'];

/** A one-node model over float64 graph inputs (so the gradients reach them). */
function oneNode(op: string, attrs: Record<string, number | number[]>, shapes: (number | string)[][], withIdx = false): Buffer {
  const ins = shapes.map((_, i) => NAMES[i]);
  const outs = withIdx ? ['y', 'idx'] : ['y'];
  return model({
    nodes: [{
      op_type: op, input: ins, output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => (Array.isArray(v) ? attrInts(k, v) : attrInt(k, v))),
    }],
    inputs: shapes.map((s, i) => vi(ins[i], DOUBLE, s)),
    outputs: [vi('y', DOUBLE, []), ...(withIdx ? [vi('idx', INT64, [])] : [])],
    opset: 13,
  });
}

const label = (c: Case): string => `${c.op} ${JSON.stringify(c.attrs)} on [${c.inputs[0].shape}]`;

describe('3-D pooling, Conv and ConvTranspose against torch', () => {
  for (const c of FIX.cases) {
    test(label(c), () => {
      const m = tp.onnx.load(oneNode(c.op, c.attrs, c.inputs.map((a) => a.shape), c.indices !== undefined));
      const xs = c.inputs.map((a) => tp.tensor(a.data, { shape: a.shape, dtype: 'float64', requiresGrad: true }));
      // outputs (no recording: every intermediate freed at once, so the leak check applies)
      expectNoLeak(() => {
        const out = tp.noGrad(() => m.forward(...xs));
        const [y, idx] = Array.isArray(out) ? out : [out, null];
        expectTensor(y, c.y.shape, 'float64', c.y.data, { rtol: 1e-8, atol: 1e-9 }, 'y');
        if (c.indices) {
          expect(idx).not.toBeNull();
          expect(idx!.shape).toEqual(c.indices.shape);
          expect(Array.from(idx!.dataSync())).toEqual(c.indices.data);
        }
        return out;
      });
      // gradients of every input
      const out = m.forward(...xs);
      const y = Array.isArray(out) ? out[0] : out;
      tp.backward(y, tp.tensor(c.gy, { shape: y.shape, dtype: 'float64' }));
      xs.forEach((x, i) => expectClose(x.grad!.dataSync(), c.grads[i], { rtol: 1e-8, atol: 1e-9 }, `grad of ${NAMES[i]}`));
      tp.dispose([...xs.map((x) => x.grad!), ...xs, ...(Array.isArray(out) ? out : [out])]);
      m.dispose();
    });
  }

  test('a strided (non-contiguous) input gives the same results', () => {
    for (const c of FIX.cases) {
      const m = tp.onnx.load(oneNode(c.op, c.attrs, c.inputs.map((a) => a.shape), c.indices !== undefined));
      const x = tp.tensor(c.inputs[0].data, { shape: c.inputs[0].shape, dtype: 'float64' });
      // the same values as a permuted view of a transposed copy
      const rev = x.shape.map((_, i) => x.rank - 1 - i);
      const view = tp.permute(tp.contiguous(tp.permute(x, rev)), rev);
      expect(view.isContiguous()).toBe(false);
      const rest = c.inputs.slice(1).map((a) => tp.tensor(a.data, { shape: a.shape, dtype: 'float64' }));
      const out = m.forward(view, ...rest);
      const y = Array.isArray(out) ? out[0] : out;
      expectTensor(y, c.y.shape, 'float64', c.y.data, { rtol: 1e-8, atol: 1e-9 }, label(c));
      m.dispose();
    }
  });
});

describe('dtypes and empty batches', () => {
  test('an integer input max-pools in its own dtype, with Indices', () => {
    const m = tp.onnx.load(model({
      nodes: [{ op_type: 'MaxPool', input: ['x'], output: ['y', 'i'], attribute: [attrInts('kernel_shape', [2, 2, 2])] }],
      inputs: [vi('x', 6, [1, 1, 3, 3, 3])],
      outputs: [vi('y', 6, []), vi('i', INT64, [])],
    }));
    // x = arange(27): each window's maximum is its far corner, whose value is also its index
    const [y, i] = m.forward(tp.arange(27, { dtype: 'int32' }).reshape([1, 1, 3, 3, 3])) as tp.Tensor[];
    const want = [0, 1].flatMap((d) => [0, 1].flatMap((h) => [0, 1].map((w) => 13 + 9 * d + 3 * h + w)));
    expect(y.dtype).toBe('int32');
    expect(y.shape).toEqual([1, 1, 2, 2, 2]);
    expect(Array.from(y.dataSync())).toEqual(want);
    expect(Array.from(i.dataSync())).toEqual(want);
    m.dispose();
  });
  test('an empty batch gives an empty batch', () => {
    for (const c of FIX.cases) {
      const m = tp.onnx.load(oneNode(c.op, c.attrs, c.inputs.map((a, k) => (k === 0 ? ['N', ...a.shape.slice(1)] : a.shape)), c.indices !== undefined));
      const xs = c.inputs.map((a, k) => (k === 0 ? tp.zeros([0, ...a.shape.slice(1)], { dtype: 'float64' }) : tp.tensor(a.data, { shape: a.shape, dtype: 'float64' })));
      const out = m.forward(...xs);
      for (const t of Array.isArray(out) ? out : [out]) expect(t.shape).toEqual([0, ...c.y.shape.slice(1)]);
      m.dispose();
    }
  });
});

/** The registered op implementation itself, on a one-node context. */
function direct(op: string, attrs: Record<string, number | number[]>, nIn: number): (...xs: tp.Tensor[]) => tp.Tensor {
  const list = Object.entries(attrs).map(([k, v]) => (Array.isArray(v) ? attrInts(k, v) : attrInt(k, v)));
  const a = new Attrs(list as never[], 'test');
  const inputs = NAMES.slice(0, nIn);
  const c: OpContext = { opset: 13, attrs: a, file: 'test', node: { name: 'n', opType: op, domain: '', inputs, outputs: ['y'], attrs: a, label: `node 'n' (${op})` } };
  const impl = OPS.get(op)!;
  return (...xs) => impl(xs, c) as tp.Tensor;
}

describe('gradcheck of the 3-D compositions, first and second order (float64, central differences)', () => {
  const data = (shape: number[], seed: number) => tp.tensor(randArray(shape.reduce((a, b) => a * b, 1), rng(seed)), { shape, dtype: 'float64' });
  const check = (op: string, attrs: Record<string, number | number[]>, shapes: number[][]) => {
    const m = tp.onnx.load(oneNode(op, attrs, shapes));
    const xs = shapes.map((s, i) => data(s, 7 + i));
    expect(tp.gradcheck((...t) => m.forward(...t) as tp.Tensor, xs)).toBe(true);
    // second order: gradchecks of the first gradients (of a squared, position-weighted output, so
    // that they depend on every input) check the backward ops' own gradients. The op runs
    // directly (grad of grad hands it non-leaf tensors, which the model itself must record too:
    // test/onnx-tracked-input.test.ts)
    const f = direct(op, attrs, shapes.length);
    const weighted = (y: tp.Tensor): tp.Tensor => y.mul(tp.arange(y.size).reshape(y.shape).cast('float64').mul(0.1).add(1)).sum();
    const first = tp.grad((...t: tp.Tensor[]) => weighted(f(...t).square()), { createGraph: true });
    xs.forEach((_, i) => {
      const gi = (...t: tp.Tensor[]) => { const r = first(...t); return weighted(Array.isArray(r) ? r[i] : r); };
      expect(tp.gradcheck(gi, xs)).toBe(true);
    });
    tp.dispose(xs);
    m.dispose();
  };
  test('MaxPool: uneven and large pads, strides, dilations, ceil_mode', () => {
    check('MaxPool', { kernel_shape: [2, 2, 3], strides: [2, 1, 2], pads: [1, 0, 2, 0, 1, 1], ceil_mode: 1 }, [[1, 2, 3, 3, 5]]);
    check('MaxPool', { kernel_shape: [2, 2, 2], dilations: [1, 2, 1] }, [[2, 1, 3, 4, 3]]);
  });
  test('AveragePool: pads counted or not, ceil_mode', () => {
    check('AveragePool', { kernel_shape: [2, 3, 2], strides: [2, 2, 1], pads: [1, 1, 0, 0, 1, 1], ceil_mode: 1 }, [[1, 2, 3, 4, 3]]);
    check('AveragePool', { kernel_shape: [3, 2, 2], pads: [1, 1, 1, 1, 1, 1], count_include_pad: 1 }, [[1, 1, 3, 3, 3]]);
  });
  test('Conv: strides, dilations, groups, uneven pads, bias', () => {
    check('Conv', { strides: [2, 1, 1], dilations: [1, 1, 2], pads: [1, 0, 1, 0, 1, 0], group: 2 }, [[1, 2, 3, 3, 4], [2, 1, 2, 2, 2], [2]]);
  });
  test('ConvTranspose: strides, dilations, groups, pads, output_padding, bias', () => {
    check('ConvTranspose', { strides: [2, 1, 2], dilations: [1, 2, 1], pads: [1, 0, 0, 0, 1, 1], output_padding: [1, 0, 1], group: 2 }, [[1, 2, 2, 2, 2], [2, 1, 2, 2, 2], [2]]);
  });
});

describe('errors', () => {
  const fails = (op: string, attrs: Record<string, number | number[]>, shapes: number[][], code: string, msg: RegExp) => {
    const m = tp.onnx.load(oneNode(op, attrs, shapes));
    const xs = shapes.map((s) => tp.zeros(s, { dtype: 'float64' }));
    let e: unknown = null;
    try {
      m.forward(...xs);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(tp.TapeflowError);
    expect((e as tp.TapeflowError).code).toBe(code);
    expect((e as Error).message).toMatch(msg);
    m.dispose();
  };
  test('4 spatial dims', () => {
    fails('MaxPool', { kernel_shape: [1, 1, 1, 1] }, [[1, 1, 2, 2, 2, 2]], 'ERR_UNSUPPORTED', /MaxPool of a rank-6 input \[1,1,2,2,2,2\] is not supported/);
    fails('AveragePool', { kernel_shape: [1, 1, 1, 1] }, [[1, 1, 2, 2, 2, 2]], 'ERR_UNSUPPORTED', /AveragePool of a rank-6/);
    fails('ConvTranspose', {}, [[1, 1, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1]], 'ERR_UNSUPPORTED', /ConvTranspose of a rank-6/);
    fails('Conv', {}, [[1, 1, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1]], 'ERR_UNSUPPORTED', /Conv with 4 spatial dims is not supported \(1, 2 or 3 are\)/);
  });
  test('attributes that do not fit the input', () => {
    fails('MaxPool', { kernel_shape: [2, 2] }, [[1, 1, 3, 3, 3]], 'ERR_FORMAT', /kernel_shape \[2,2\].*3 values/);
    fails('AveragePool', { kernel_shape: [2, 2, 2], dilations: [1, 2, 1] }, [[1, 1, 3, 3, 3]], 'ERR_UNSUPPORTED', /AveragePool with dilations/);
    fails('ConvTranspose', { kernel_shape: [2, 2, 2] }, [[1, 1, 2, 2, 2], [1, 1, 3, 3, 3]], 'ERR_FORMAT', /kernel_shape \[2,2,2\] does not match weight \[1,1,3,3,3\]/);
    fails('ConvTranspose', {}, [[1, 1, 2, 2, 2], [1, 1, 3, 3]], 'ERR_FORMAT', /weight \[1,1,3,3\] must be 5-D/);
    fails('ConvTranspose', { strides: [1, 1] }, [[1, 1, 2, 2, 2], [1, 1, 3, 3, 3]], 'ERR_FORMAT', /3 values/);
    fails('ConvTranspose', { pads: [3, 3, 3, 3, 3, 3] }, [[1, 1, 2, 2, 2], [1, 1, 3, 3, 3]], 'ERR_FORMAT', /leave no output/);
    fails('ConvTranspose', {}, [[1, 2, 2, 2, 2], [1, 1, 3, 3, 3]], 'ERR_SHAPE', /channels/);
    fails('Conv', {}, [[1, 1, 2, 2, 2], [1, 1, 3, 3]], 'ERR_FORMAT', /kernel_shape \[3,3\], strides \[1,1,1\] and dilations \[1,1,1\] must each have 3 values/);
    fails('Conv', { kernel_shape: [2, 2, 2] }, [[1, 1, 3, 3, 3], [1, 1, 3, 3, 3]], 'ERR_FORMAT', /kernel_shape \[2,2,2\] does not match weight/);
    fails('Conv', {}, [[1, 1, 2, 4, 4], [1, 1, 3, 3, 3]], 'ERR_SHAPE', /input \[1,1,2,4,4\] is too small/);
    fails('Conv', {}, [[1, 2, 3, 3, 3], [1, 1, 3, 3, 3]], 'ERR_SHAPE', /channels/);
    fails('Conv', {}, [[1, 1, 3, 3, 3], [2, 1, 3, 3, 3], [3]], 'ERR_SHAPE', /bias \[3\] must be 1-D with the 2 output channels/);
    fails('ConvTranspose', {}, [[1, 1, 3, 3, 3], [1, 2, 3, 3, 3], [3]], 'ERR_SHAPE', /bias \[3\] must be 1-D with the 2 output channels/);
    fails('ConvTranspose', {}, [[1, 1, 3, 3], [1, 2, 3, 3], [1, 2]], 'ERR_SHAPE', /bias \[1,2\] must be 1-D with the 2 output channels/);
  });
});
