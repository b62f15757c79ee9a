// Devices on every build: names, t.to() / cpu() / cuda(), factories' and tp.cuda's answers,
// and the errors a CPU-only build gives for CUDA requests. GPU results are in test/cuda.test.ts.
import { tp } from './helpers';
import { expectThrowsCode } from './helpers';

describe('device of a tensor', () => {
  test('cpu tensors, their views and results say cpu', () => {
    const x = tp.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    expect(x.device).toBe('cpu');
    expect(x.T.device).toBe('cpu');
    expect(tp.add(x, 1).device).toBe('cpu');
    expect(x.sum().device).toBe('cpu');
  });

  test('to(cpu) returns the tensor itself; to(dtype) and to({ dtype }) cast', () => {
    const x = tp.tensor([1.5, -2.5], { dtype: 'float32' });
    expect(x.to('cpu')).toBe(x);
    expect(x.cpu()).toBe(x);
    expect(x.to({ device: 'cpu' })).toBe(x);
    const d = x.to('float64');
    expect(d.dtype).toBe('float64');
    expect(Array.from(d.dataSync())).toEqual([1.5, -2.5]);
    const i = x.to({ device: 'cpu', dtype: 'int32' });
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([1, -2]);
    expect(x.to('cpu', 'bool').dtype).toBe('bool');
  });

  test('to() keeps the graph: the gradient flows through a device copy', () => {
    const x = tp.tensor([1, 2, 3], { dtype: 'float64' }).requiresGrad_();
    const y = x.to({ device: 'cpu', dtype: 'float32' }).mul(2).sum();
    y.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 2, 2]);
  });
});

describe('tp.cuda and CUDA requests', () => {
  test('tp.cuda answers consistently', () => {
    const n = tp.cuda.deviceCount();
    expect(Number.isInteger(n) && n >= 0).toBe(true);
    expect(tp.cuda.isAvailable()).toBe(n > 0);
    if (!tp.cuda.isBuilt()) expect(n).toBe(0);
  });

  test('bad device spellings are ERR_DEVICE naming the spelling', () => {
    const x = tp.ones([2]);
    for (const bad of ['gpu', 'cuda:-1', 'cuda:x', 'CUDA', { type: 'tpu' }, { type: 'cuda', index: 1.5 }])
      expectThrowsCode(() => x.to(bad as never), /ERR_DEVICE|ERR_ARGUMENT/, /to: /);
    expectThrowsCode(() => x.to('cuda:7'), 'ERR_DEVICE', /cuda:7 is not available/);
  });

  (tp.cuda.isAvailable() ? test.skip : test)('without a GPU, a CUDA request says why', () => {
    const x = tp.ones([2]);
    const why = tp.cuda.isBuilt() ? /0 CUDA device\(s\) visible/ : /built without CUDA \(npm run build:cuda\)/;
    expectThrowsCode(() => x.to('cuda'), 'ERR_DEVICE', why);
    expectThrowsCode(() => x.cuda(), 'ERR_DEVICE', why);
  });
});

describe('factories take a device', () => {
  test("device 'cpu' and { type: 'cpu' } build on the cpu; *Like follows its input", () => {
    expect(tp.zeros([2], { device: 'cpu' }).device).toBe('cpu');
    expect(tp.tensor([1, 2], { device: { type: 'cpu' } }).device).toBe('cpu');
    expect(tp.rand([2], { device: 'cpu' }).device).toBe('cpu');
    expect(tp.zerosLike(tp.ones([3])).device).toBe('cpu');
  });

  (tp.cuda.isAvailable() ? test.skip : test)('every factory refuses an unavailable device with ERR_DEVICE', () => {
    const o = { device: 'cuda' } as const;
    const calls: (() => unknown)[] = [
      () => tp.tensor([1], o), () => tp.zeros([1], o), () => tp.ones([1], o), () => tp.full([1], 2, o),
      () => tp.arange(3, o), () => tp.linspace(0, 1, 3, o), () => tp.eye(2, o), () => tp.rand([2], o),
      () => tp.randn([2], o), () => tp.randint(0, 3, [2], o), () => tp.zerosLike(tp.ones([1]), o),
    ];
    for (const c of calls) expectThrowsCode(c, 'ERR_DEVICE', /cuda:0 is not available/);
  });
});
