// A TF.js model (here frozen) fed a tensor that is the result of recorded ops (not a leaf: the
// output of a trainable layer before it) must record its ops, so that gradients reach that
// tensor's own inputs; before, they were silently dropped (x.grad stayed null). Fails until
// lib/tfjs/model.ts decides "recording" with tracked(t) rather than t.requiresGrad alone.
import { tp } from './helpers';
import { functional, build, rand } from './tfjs-build';

test('gradients pass through a frozen TF.js model whose input is a non-leaf tensor', () => {
  const { json, bytes } = build(functional([
    ['InputLayer', 'x', { batch_input_shape: [null, 4, 4, 2], dtype: 'float32' }, []],
    ['Conv2D', 'c', { filters: 3, kernel_size: 3, padding: 'same', activation: 'linear', use_bias: false }, ['x']],
    ['MaxPooling2D', 'p', { pool_size: [2, 2], strides: [2, 2], padding: 'valid' }, ['c']],
    ['Flatten', 'f', {}, ['p']],
  ], ['x'], ['f']), [rand('c/kernel', [3, 3, 2, 3], 1)]);
  const m = (tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel).freeze();
  const x = tp.randn([2, 4, 4, 2], { requiresGrad: true });
  tp.backward(tp.sum(m.forward(x) as tp.Tensor));
  const direct = x.grad!.clone();
  x.grad = null;
  // d/dx f(3x) = 3 f'(3x) = 3 f'(x): conv without bias and max are positively homogeneous
  tp.backward(tp.sum(m.forward(tp.mul(x, 3)) as tp.Tensor));
  expect(x.grad).not.toBeNull();
  expect(tp.allclose(x.grad!, tp.mul(direct, 3), { rtol: 1e-5, atol: 1e-6 })).toBe(true);
  m.dispose();
});
