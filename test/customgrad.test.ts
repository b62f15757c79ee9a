// tp.customGrad: a value computed without recording f's internals, one node whose
// backward is the user's grad function.
import { tp, expectClose, expectThrowsCode } from './helpers';

describe('customGrad', () => {
  test('a clipped-gradient identity', () => {
    const clipGrad = tp.customGrad((x) => ({
      value: tp.mul(x, 1),
      grad: (dy) => tp.clip(dy, -1, 1),
    }));
    const x = tp.tensor([1, 2, 3], { dtype: 'float64' });
    x.requiresGrad = true;
    const y = clipGrad(x);
    expect(y.gradFn).toBe('customGrad');
    expectClose(y.dataSync(), [1, 2, 3]);
    tp.sum(tp.mul(y, tp.tensor([0.5, 5, -7], { dtype: 'float64' }))).backward();
    expectClose(x.grad!.dataSync(), [0.5, 1, -1]);
  });

  test('an identity that returns its input does not overwrite the input', () => {
    const f = tp.customGrad((x) => ({ value: x, grad: (dy) => tp.mul(dy, 3) }));
    const x = tp.tensor([1, 2], { dtype: 'float32' });
    x.requiresGrad = true;
    const y = f(x);
    expect(y).not.toBe(x);
    expect(x.isLeaf).toBe(true);
    tp.sum(y).backward();
    expectClose(x.grad!.dataSync(), [3, 3]);
  });

  test('f internals are not recorded; without tracked inputs the value is returned plainly', () => {
    let inner: tp.Tensor | null = null;
    const f = tp.customGrad((x) => {
      inner = tp.exp(x);
      return { value: tp.add(inner, 1), grad: (dy) => dy };
    });
    const x = tp.tensor([0, 1], { dtype: 'float32' });
    x.requiresGrad = true;
    f(x);
    expect(inner!.gradFn).toBe(null);
    const plain = f(tp.tensor([0], { dtype: 'float32' }));
    expect(plain.gradFn).toBe(null);
  });

  test('a numerically stable log1pexp with a custom gradient passes gradcheck', () => {
    const log1pexp = tp.customGrad((x) => ({
      // log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
      value: tp.add(tp.relu(x), tp.log1p(tp.exp(tp.neg(tp.abs(x))))),
      grad: (dy) => tp.mul(dy, tp.sigmoid(x)),
    }));
    const x = tp.tensor([-30, -2.5, -0.3, 0.7, 3, 40], { dtype: 'float64' });
    const v = log1pexp(x);
    expectClose(v.dataSync(), [-30, -2.5, -0.3, 0.7, 3, 40].map((a) => Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)))));
    expect(Number.isFinite(tp.max(v).item())).toBe(true);
    expect(tp.gradcheck((a) => log1pexp(a), [tp.tensor([-3, -0.4, 0.2, 1.5, 4], { dtype: 'float64' })])).toBe(true);
    const big = tp.tensor([100, 200], { dtype: 'float64' });
    big.requiresGrad = true;
    tp.sum(log1pexp(big)).backward();
    expectClose(big.grad!.dataSync(), [1, 1]);
  });

  test('several inputs, a null gradient, and second-order gradients through the grad function', () => {
    const f = tp.customGrad((a, b) => ({
      value: tp.mul(tp.mul(a, a), b),
      grad: (dy) => [tp.mul(dy, tp.mul(tp.mul(a, b), 2)), null as unknown as tp.Tensor],
    }));
    const a = tp.tensor([1, 2], { dtype: 'float64' });
    const b = tp.tensor([3, 4], { dtype: 'float64' });
    a.requiresGrad = true;
    b.requiresGrad = true;
    const [ga, gb] = tp.grads(tp.sum(f(a, b)), [a, b], undefined, { createGraph: true });
    expectClose(ga.dataSync(), [6, 16]);
    expectClose(gb.dataSync(), [0, 0]);
    const [gaa] = tp.grads(tp.sum(ga), [a]);
    expectClose(gaa.dataSync(), [6, 8]);
  });

  test('errors: bad f result, wrong number of gradients', () => {
    const bad = tp.customGrad(() => ({ value: 3 }) as never);
    expectThrowsCode(() => bad(tp.zeros([1])), 'ERR_ARGUMENT');
    const wrong = tp.customGrad((a, b) => ({ value: tp.add(a, b), grad: (dy) => [dy] }));
    const a = tp.zeros([2]);
    a.requiresGrad = true;
    expectThrowsCode(() => tp.sum(wrong(a, tp.zeros([2]))).backward(), 'ERR_ARGUMENT', /returned 1 gradients for 2 inputs/);
  });
});
