// An ONNX model fed a tensor that is itself the result of recorded ops (not a leaf: the output
// of a trainable layer before it, or an argument of grad-of-grad) must record its ops, so that
// gradients flow back through it to that tensor's own inputs. Fails until lib/onnx/model.ts
// decides "recording" with tracked(t) (requiresGrad, or produced by a recorded op) rather than
// t.requiresGrad alone.
import { tp, rng, randArray } from './helpers';
import { model, vi, attrInts } from './onnx-build';

const DOUBLE = 11;

test('gradients pass through an ONNX model whose input is a non-leaf tensor', () => {
  const bytes = model({
    nodes: [
      { op_type: 'Conv', input: ['x', 'w'], output: ['c'], attribute: [attrInts('pads', [1, 1, 1, 1])] },
      { op_type: 'MaxPool', input: ['c'], output: ['y'], attribute: [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])] },
    ],
    inputs: [vi('x', DOUBLE, [1, 2, 4, 4]), vi('w', DOUBLE, [3, 2, 3, 3])],
    outputs: [vi('y', DOUBLE, [])],
  });
  const m = tp.onnx.load(bytes);
  const x = tp.tensor(randArray(32, rng(3)), { shape: [1, 2, 4, 4], dtype: 'float64', requiresGrad: true });
  const w = tp.tensor(randArray(54, rng(4)), { shape: [3, 2, 3, 3], dtype: 'float64' });
  // as a leaf
  tp.backward(tp.sum(m.forward(x, w) as tp.Tensor));
  const direct = x.grad!.clone();
  x.grad = null;
  // through a recorded op first: d/dx f(3x) = 3 f'(3x) = 3 f'(x) (conv without bias and max are positively homogeneous)
  tp.backward(tp.sum(m.forward(tp.mul(x, 3), w) as tp.Tensor));
  expect(x.grad).not.toBeNull();
  expect(tp.allclose(x.grad!, tp.mul(direct, 3), { rtol: 1e-12, atol: 1e-12 })).toBe(true);
  // second order through the model
  const f = (t: tp.Tensor) => (m.forward(t, w) as tp.Tensor).square().sum();
  const g = tp.grad(f, { createGraph: true });
  expect(tp.gradcheck((t) => (g(t) as tp.Tensor).square().sum(), [tp.tensor(randArray(32, rng(5)), { shape: [1, 2, 4, 4], dtype: 'float64' })])).toBe(true);
  m.dispose();
});
