// Second-order uses of createGraph: a Hessian-vector product and a gradient penalty,
// against closed forms for a quadratic + cubic.
import { tp, expectClose } from './helpers';

const f64 = (v: number[]): tp.Tensor => tp.tensor(v, { dtype: 'float64' });

describe('higher-order gradients', () => {
  test('Hessian-vector product of 0.5 xᵀAx + Σx³ is Av + 6x⊙v', () => {
    const A = [[2, 1, 0], [1, 3, -1], [0, -1, 4]];
    const xv = [0.5, -1.2, 2];
    const vv = [1, -2, 0.5];
    const At = tp.tensor(A, { dtype: 'float64' });
    const x = f64(xv);
    x.requiresGrad = true;
    const v = f64(vv);
    const f = tp.add(tp.mul(tp.dot(x, tp.matmul(At, x)), 0.5), tp.sum(tp.pow(x, 3)));
    const [g] = tp.grads(f, [x], undefined, { createGraph: true });
    // gradient: Ax + 3x²
    expectClose(g.dataSync(), xv.map((xi, i) => A[i].reduce((s, a, j) => s + a * xv[j], 0) + 3 * xi * xi), { rtol: 1e-12, atol: 1e-12 });
    const [hv] = tp.grads(tp.sum(tp.mul(g, v)), [x]);
    const want = xv.map((xi, i) => A[i].reduce((s, a, j) => s + a * vv[j], 0) + 6 * xi * vv[i]);
    expectClose(hv.dataSync(), want, { rtol: 1e-12, atol: 1e-12 });
  });

  test('gradient penalty ||∇x f||² backpropagated to the parameters (f = Σ w⊙x³ + Σ b⊙x)', () => {
    const xv = [0.3, -1.1, 1.7];
    const wv = [2, -0.5, 1.5];
    const bv = [0.1, 0.2, -0.3];
    const w = f64(wv);
    const b = f64(bv);
    w.requiresGrad = true;
    b.requiresGrad = true;
    // enableGrad: gradcheck evaluates its finite differences under noGrad
    const penalty = (wt: tp.Tensor, bt: tp.Tensor): tp.Tensor => tp.enableGrad(() => {
      const x = f64(xv);
      x.requiresGrad = true;
      const f = tp.add(tp.sum(tp.mul(wt, tp.pow(x, 3))), tp.sum(tp.mul(bt, x)));
      const [gx] = tp.grads(f, [x], undefined, { createGraph: true }); // 3 w x² + b
      return tp.sum(tp.square(gx));
    });
    const P = penalty(w, b);
    const gx = xv.map((x, i) => 3 * wv[i] * x * x + bv[i]);
    expect(P.item()).toBeCloseTo(gx.reduce((s, g) => s + g * g, 0), 12);
    P.backward();
    // dP/dw = 2 gx · 3x², dP/db = 2 gx
    expectClose(w.grad!.dataSync(), gx.map((g, i) => 6 * g * xv[i] * xv[i]), { rtol: 1e-12, atol: 1e-12 });
    expectClose(b.grad!.dataSync(), gx.map((g) => 2 * g), { rtol: 1e-12, atol: 1e-12 });
    expect(tp.gradcheck(penalty, [f64(wv), f64(bv)])).toBe(true);
  });
});
