// Cast to FLOAT16 / BFLOAT16 (held as float32): values round to that precision, to nearest even.
import { tp, expectClose } from './helpers';
import { model, vi, F, attrInt } from './onnx-build';

const castModel = (to: number, from = F) => model({
  nodes: [{ op_type: 'Cast', input: ['x'], output: ['y'], attribute: [attrInt('to', to)], name: 'cast' }],
  inputs: [vi('x', from, ['N'])],
  outputs: [vi('y', to === 10 ? 10 : 16, ['N'])],
});

describe('onnx Cast to half precisions', () => {
  test('FLOAT16: round to nearest even, overflow to Inf, subnormals; gradient passes straight through', () => {
    const m = tp.onnx.load(castModel(10));
    const x = tp.tensor([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65520, 65519, 2 ** -25, 3 * 2 ** -26, -0.1, NaN], { requiresGrad: true });
    const y = m.forward(x) as tp.Tensor;
    const want = [1, 1 + 2 ** -9, 65504, Infinity, 65504, 0, 2 ** -24, -0.0999755859375, NaN];
    expect(Array.from(y.dataSync())).toEqual(want);
    tp.sum(tp.mul(y, tp.tensor([1, 2, 3, 4, 5, 6, 7, 8, 9]))).backward();
    expectClose(x.grad!.dataSync(), [1, 2, 3, 4, 5, 6, 7, 8, 9], { atol: 0, rtol: 0 });
    tp.dispose([x, y]);
    m.dispose();
  });
  test('BFLOAT16: 8 significant bits, round to nearest even; float64 input', () => {
    const m = tp.onnx.load(castModel(16, 11));
    const x = tp.tensor([1 + 2 ** -8, 1 + 3 * 2 ** -8, 0.4785, 3.4e38, -2.5e-40], { dtype: 'float64' });
    const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    expect(y.dtype).toBe('float32');
    // 0.4785: nearest is 245·2^-9; 3.4e38 is past bfloat16's largest finite value by more than half an ulp; -2.5e-40 is 2.72 subnormal ulps (2^-133)
    expect(Array.from(y.dataSync())).toEqual([1, 1 + 2 ** -6, 245 * 2 ** -9, Infinity, -3 * 2 ** -133]);
    tp.dispose([x, y]);
    m.dispose();
  });
});
