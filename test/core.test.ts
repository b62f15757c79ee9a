import { tp, expectTensor, expectNoLeak, expectThrowsCode } from './helpers';

describe('tensor creation', () => {
  test('infers dtype as TensorFlow.js: JS numbers are float32, TypedArrays keep their type', () => {
    expect(tp.tensor([1, 2, 3]).dtype).toBe('float32');
    expect(tp.tensor(new Int32Array([1, 2, 3])).dtype).toBe('int32');
    expect(tp.tensor([1, 2, 3], { dtype: 'int32' }).dtype).toBe('int32');
    expect(tp.tensor([1.5, 2]).dtype).toBe('float32');
    expect(tp.tensor([true, false]).dtype).toBe('bool');
    expect(tp.tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(tp.tensor(3.5).shape).toEqual([]);
  });
  test('nested arrays and shape option', () => {
    expectTensor(tp.tensor([[1, 2], [3, 4]], { dtype: 'float32' }), [2, 2], 'float32', [1, 2, 3, 4]);
    expectTensor(tp.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3], dtype: 'float64' }), [2, 3], 'float64', [1, 2, 3, 4, 5, 6]);
    expectTensor(tp.tensor(new Int32Array([1, 2, 3, 4]), { shape: [4, 1] }), [4, 1], 'int32', [1, 2, 3, 4]);
  });
  test('casts saturate and bool is nonzero', () => {
    expectTensor(tp.tensor([1.7, -1.7, 1e20, NaN], { dtype: 'int32' }), [4], 'int32', [1, -1, 2147483647, 0]);
    expectTensor(tp.tensor([0, 0.5, -2, NaN], { dtype: 'bool' }), [4], 'bool', [0, 1, 1, 1]);
  });
  test('factories', () => {
    expectTensor(tp.zeros([2, 3]), [2, 3], 'float32', [0, 0, 0, 0, 0, 0]);
    expectTensor(tp.ones([2], { dtype: 'int32' }), [2], 'int32', [1, 1]);
    expectTensor(tp.full([2], 7.5), [2], 'float32', [7.5, 7.5]);
    expectTensor(tp.arange(5), [5], 'int32', [0, 1, 2, 3, 4]);
    expectTensor(tp.arange(1, 2, 0.25), [4], 'float32', [1, 1.25, 1.5, 1.75]);
    expectTensor(tp.arange(5, 0, -2), [3], 'int32', [5, 3, 1]);
    expectTensor(tp.linspace(0, 1, 5), [5], 'float32', [0, 0.25, 0.5, 0.75, 1]);
    expectTensor(tp.eye(2, 3), [2, 3], 'float32', [1, 0, 0, 0, 1, 0]);
    const x = tp.tensor([[1, 2]], { dtype: 'float64' });
    expectTensor(tp.zerosLike(x), [1, 2], 'float64', [0, 0]);
    expectTensor(tp.onesLike(x, { dtype: 'int32' }), [1, 2], 'int32', [1, 1]);
    expectTensor(tp.fullLike(x, 3), [1, 2], 'float64', [3, 3]);
  });
  test('empty and 0-d tensors', () => {
    const e = tp.zeros([0, 3]);
    expect(e.size).toBe(0);
    expect(e.dataSync().length).toBe(0);
    expect(e.toArray()).toEqual([]);
    const s = tp.tensor(4);
    expect(s.item()).toBe(4);
    expect(s.toArray()).toBe(4);
  });
  test('bad input is a clear error', () => {
    expectThrowsCode(() => tp.zeros([2, -1]), 'ERR_SHAPE', /zeros: shape\[1\]/);
    expectThrowsCode(() => tp.zeros([2, 1.5]), 'ERR_SHAPE');
    expectThrowsCode(() => tp.zeros([NaN]), 'ERR_SHAPE');
    expectThrowsCode(() => tp.zeros([2 ** 30, 2 ** 30]), 'ERR_SHAPE');
    expectThrowsCode(() => tp.zeros([2 ** 20, 2 ** 20]), 'ERR_OUT_OF_MEMORY');
    expectThrowsCode(() => tp.tensor([[1, 2], [3]]), 'ERR_SHAPE', /ragged/);
    expectThrowsCode(() => tp.tensor(['a'] as unknown as number[]), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.ones([2], { dtype: 'int8' as never }), 'ERR_DTYPE');
    expectThrowsCode(() => tp.arange(0, 1, 0), 'ERR_ARGUMENT');
  });
});

describe('memory', () => {
  test('dispose frees at once and use after dispose throws', () => {
    const before = tp.memory().numBytes;
    const t = tp.ones([1000]);
    expect(tp.memory().numBytes).toBe(before + 4000);
    t.dispose();
    expect(tp.memory().numBytes).toBe(before);
    expect(t.isDisposed).toBe(true);
    expectThrowsCode(() => t.dataSync(), 'ERR_DISPOSED', /disposed/);
    expectThrowsCode(() => tp.add(t, 1), 'ERR_DISPOSED');
    t.dispose(); // twice is fine
  });
  test('tidy disposes intermediates and keeps results', () => {
    const before = tp.memory().numTensors;
    const kept = tp.tidy(() => {
      const a = tp.ones([3]);
      const b = a.add(1);
      return { b, arr: [b.mul(2)] };
    });
    expect(tp.memory().numTensors).toBe(before + 2);
    expect(kept.arr[0].toArray()).toEqual([4, 4, 4]);
    tp.dispose(kept);
    expect(tp.memory().numTensors).toBe(before);
  });
  test('using disposes at scope end', () => {
    const before = tp.memory().numTensors;
    {
      const t = tp.ones([4]);
      t[Symbol.dispose]();
    }
    expect(tp.memory().numTensors).toBe(before);
  });
  test('no leak in binary ops with casts and scalars', () => {
    const x = tp.tensor([1, 2]);
    expectNoLeak(() => tp.add(x, 2.5));
    expectNoLeak(() => tp.div(3, x));
    expectNoLeak(() => tp.tidy(() => tp.add(x, tp.ones([2, 1], { dtype: 'float64' }))));
    x.dispose();
  });
  test('caching allocator reuses freed blocks', () => {
    const m0 = tp.memory();
    for (let i = 0; i < 10; i++) tp.ones([1 << 16]).dispose();
    const m1 = tp.memory();
    expect(m1.cacheHits - m0.cacheHits).toBeGreaterThanOrEqual(9);
  });
});

describe('devices', () => {
  test('cpu is the device; cuda asks for a CUDA build', () => {
    expect(tp.ones([2], { device: 'cpu' }).device).toBe('cpu');
    expectThrowsCode(() => tp.ones([2], { device: 'cuda' }), 'ERR_DEVICE', /built without CUDA/);
    expectThrowsCode(() => tp.tensor([1], { device: 'cuda:1' }), 'ERR_DEVICE', /built without CUDA/);
    expectThrowsCode(() => tp.zeros([1], { device: 'tpu' as never }), 'ERR_DEVICE');
  });
});

// The pool hands out parts of a job by compare-exchange; the caller runs whatever no worker has
// claimed and never waits for a sleeping one (native/core/threadpool.cc). These drive it through
// its paths: back-to-back jobs on polling workers, jobs after the workers fell asleep, parts that
// throw, and resizes between jobs — every result must equal the one-thread result.
describe('thread pool', () => {
  const n = 200003; // several grains, odd so parts are uneven
  const sleepMs = (ms: number): void => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  };
  /** index of the first element that differs (NaN-aware), or -1 (jest's toEqual is slow on 200K elements) */
  const firstDiff = (x: ArrayLike<number>, y: ArrayLike<number>): number => {
    if (x.length !== y.length) return 0;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) return i;
    return -1;
  };

  test('parallel results equal one-thread results across polling, sleeping, throwing and resized pools', () => {
    const initial = tp.getNumThreads();
    const a = tp.randn([n], { dtype: 'float32' });
    const b = tp.randn([n], { dtype: 'float32' });
    const ints = tp.randint(1, 100, [n]);
    const withZero = tp.tensor(Int32Array.from({ length: n }, (_, i) => (i === n - 5 ? 0 : 1 + (i % 7))));
    try {
      tp.setNumThreads(1);
      const refAdd = tp.add(a, b).dataSync();
      const refExp = tp.exp(a).dataSync();
      const refSum = tp.sum(tp.mul(a, b)).item();
      for (const threads of [2, 3, 4, 2]) {
        tp.setNumThreads(threads);
        for (let i = 0; i < 60; i++) {
          if (i % 15 === 7) sleepMs(3); // past the 1 ms poll: the workers are asleep for the next job
          tp.tidy(() => {
            expect(firstDiff(tp.add(a, b).dataSync() as Float32Array, refAdd as Float32Array)).toBe(-1);
            if (i % 4 === 0) expectThrowsCode(() => tp.mod(ints, withZero), 'ERR_ARGUMENT', /division by zero/);
            expect(firstDiff(tp.exp(a).dataSync() as Float32Array, refExp as Float32Array)).toBe(-1);
            expect(tp.sum(tp.mul(a, b)).item()).toBeCloseTo(refSum, 1);
          });
        }
      }
    } finally {
      tp.setNumThreads(initial);
      tp.dispose([a, b, ints, withZero]);
    }
  });
});
