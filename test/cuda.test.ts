// CUDA backend (runs only where tp.cuda.isAvailable(): a CUDA build on a machine with a GPU;
// elsewhere every test here is skipped). Each GPU result is checked against the CPU kernels on
// the same inputs: contiguous, broadcast, transposed and flipped operands, every dtype.
import { tp, rng, randArray, seedOf } from './helpers';
import { expectThrowsCode } from './helpers';

const gpu = tp.cuda.isAvailable();
const it = gpu ? test : test.skip;

function close(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (Number.isNaN(y)) expect(Number.isNaN(x)).toBe(true);
    else if (!Number.isFinite(y)) expect(x).toBe(y);
    else expect(Math.abs(x - y)).toBeLessThanOrEqual(atol + rtol * Math.abs(y));
  }
}

describe('cuda backend', () => {
  it('round trip keeps values and dtypes; device follows the storage', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
      const x = tp.tensor([[1, 0, -3], [4, 5, 0]], { dtype });
      const g = x.cuda();
      expect(g.device).toBe('cuda:0');
      expect(g.dtype).toBe(dtype);
      expect(Array.from(g.dataSync())).toEqual(Array.from(x.dataSync()));
      expect(g.to('cpu').device).toBe('cpu');
      expect(Array.from(g.T.cpu().dataSync())).toEqual(Array.from(x.T.contiguous().dataSync()));
    }
  });

  it('binary ops with broadcasting and strided views match the cpu', () => {
    const r = rng(seedOf('cuda binary'));
    const a = tp.tensor(randArray(24, r), { dtype: 'float32' }).reshape([4, 6]);
    const b = tp.tensor(randArray(6, r), { dtype: 'float32' });
    const ops = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'mod', 'eq', 'lt', 'ge'] as const;
    for (const op of ops) {
      const f = tp[op] as (x: unknown, y: unknown) => InstanceType<typeof tp.Tensor>;
      close(f(a.cuda(), b.cuda()).dataSync(), f(a, b).dataSync());
      close(f(a.T.cuda(), 0.5).dataSync(), f(a.T, 0.5).dataSync());
      close(f(a.flip(0).cuda(), b.reshape([1, 6]).cuda()).dataSync(), f(a.flip(0), b.reshape([1, 6])).dataSync());
    }
    const ia = tp.tensor([7, -7, 3, 0], { dtype: 'int32' });
    const ib = tp.tensor([2, 2, -2, 5], { dtype: 'int32' });
    expect(Array.from(tp.mod(ia.cuda(), ib.cuda()).dataSync())).toEqual(Array.from(tp.mod(ia, ib).dataSync()));
    expectThrowsCode(() => tp.mod(ia.cuda(), tp.zeros([4], { dtype: 'int32' }).cuda()).dataSync(), /ERR_/, /division by zero/);
  });

  it('unary ops and where match the cpu, float32 and float64', () => {
    const r = rng(seedOf('cuda unary'));
    for (const dtype of ['float32', 'float64'] as const) {
      const x = tp.tensor(randArray(64, r, -3, 3), { dtype }).reshape([8, 8]);
      const ops = ['neg', 'abs', 'exp', 'tanh', 'sigmoid', 'relu', 'gelu', 'erf', 'floor', 'round', 'sin', 'softplus'] as const;
      for (const op of ops) {
        const f = tp[op] as (t: unknown) => InstanceType<typeof tp.Tensor>;
        close(f(x.T.cuda()).dataSync(), f(x.T).dataSync(), dtype === 'float32' ? 2e-6 : 1e-12);
      }
      close(tp.clip(x.cuda(), -1, 1).dataSync(), tp.clip(x, -1, 1).dataSync());
      const c = tp.gt(x, 0);
      close(tp.where(c.cuda(), x.cuda(), 0).dataSync(), tp.where(c, x, 0).dataSync());
    }
  });

  it('mixed devices and unimplemented ops are clear errors', () => {
    const a = tp.ones([2, 2]);
    expectThrowsCode(() => tp.add(a, a.cuda()), 'ERR_DEVICE', /expected all tensors on one device, got cpu and cuda:0/);
    expectThrowsCode(() => tp.matmul(a.cuda(), a.cuda()), 'ERR_DEVICE', /matmul is not implemented on cuda:0 yet/);
  });

  it('memory is reused: a loop of device ops does not grow the live count', () => {
    const x = tp.ones([1024]).cuda();
    const before = tp.memory().numTensors;
    for (let i = 0; i < 200; i++) tp.tidy(() => tp.add(x, i).mul(2));
    expect(tp.memory().numTensors).toBe(before);
  });
});
