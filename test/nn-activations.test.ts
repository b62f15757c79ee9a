// nn activation modules and nn.functional activations are the ops of lib/ops (same values,
// same gradients), with torch's constructor arguments.
import { tp } from './helpers';
import { expectThrowsCode } from './helpers';

const x = (): InstanceType<typeof tp.Tensor> => tp.tensor([-4, -3, -0.5, 0, 0.5, 3, 6, 7], { dtype: 'float64' });
const same = (a: InstanceType<typeof tp.Tensor>, b: InstanceType<typeof tp.Tensor>): void =>
  expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));

test('modules apply their op', () => {
  const F = tp.nn.functional;
  const cases: [InstanceType<typeof tp.nn.Module>, (t: InstanceType<typeof tp.Tensor>) => InstanceType<typeof tp.Tensor>][] = [
    [new tp.nn.ReLU6(), tp.relu6], [new tp.nn.Hardsigmoid(), tp.hardSigmoid], [new tp.nn.Hardswish(), tp.hardSwish],
    [new tp.nn.SiLU(), tp.silu], [new tp.nn.Mish(), tp.mish], [new tp.nn.LogSigmoid(), tp.logSigmoid],
    [new tp.nn.Softsign(), tp.softsign], [new tp.nn.LeakyReLU(0.2), (t) => tp.leakyRelu(t, 0.2)],
    [new tp.nn.ELU(0.5), (t) => tp.elu(t, 0.5)], [new tp.nn.Softplus(2, 5), (t) => tp.softplus(t, 2, 5)],
    [new tp.nn.Softmax(0), (t) => tp.softmax(t, 0)], [new tp.nn.LogSoftmax(), (t) => tp.logSoftmax(t, -1)],
    [new tp.nn.ReLU(), F.relu], [new tp.nn.SiLU(), F.swish], [new tp.nn.Hardswish(), F.hardswish],
  ];
  for (const [m, f] of cases) same(m.call(x()) as InstanceType<typeof tp.Tensor>, f(x()));
  expect(new tp.nn.ReLU6().parameters()).toEqual([]);
});

test('the module passes gradients (silu, d/dx = s(x)(1 + x(1 - s(x))))', () => {
  const t = x().requiresGrad_();
  (new tp.nn.SiLU().call(t) as InstanceType<typeof tp.Tensor>).sum().backward();
  const g = t.grad!.dataSync();
  Array.from(x().dataSync()).forEach((v, i) => {
    const s = 1 / (1 + Math.exp(-v));
    expect(g[i]).toBeCloseTo(s * (1 + v * (1 - s)), 12);
  });
});

test('bad constructor arguments name the module', () => {
  expectThrowsCode(() => new tp.nn.LeakyReLU('a' as never), 'ERR_ARGUMENT', /LeakyReLU: negativeSlope must be a finite number/);
  expectThrowsCode(() => new tp.nn.Softplus(1, NaN), 'ERR_ARGUMENT', /Softplus: threshold/);
});
