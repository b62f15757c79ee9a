// interpolate ('nearest', 'bilinear') and pixelShuffle / pixelUnshuffle (lib/ops/resample.ts,
// native/cpu/resample.cc) against torch 1.13 (test/fixtures/pool.json from gen_pool.py: sizes,
// integer and fractional scale factors, downsampling, alignCorners both ways, float64, output
// of 1), on contiguous and non-contiguous input; gradchecks (second order too), Upsample and
// PixelShuffle modules, bad input, leaks.
import { tp, rng, seedOf, randArray, expectClose, expectNoLeak, expectThrowsCode } from './helpers';
import { CASES, checkCase } from './pool-fixtures';

type T = tp.Tensor;
const OPS = ['interpolate', 'pixelShuffle', 'pixelUnshuffle'];
const cases = CASES.filter((c) => OPS.includes(c.op));

describe('resampling against torch 1.13 fixtures', () => {
  test('every resampling op has cases', () => {
    for (const op of OPS) expect(cases.some((c) => c.op === op)).toBe(true);
  });
  for (const c of cases) {
    test(`${c.op}: ${c.name}`, () => {
      checkCase(c, 'contiguous');
      checkCase(c, 'strided');
    });
  }
});

function randT(shape: number[], name: string, dtype: 'float32' | 'float64' = 'float64'): T {
  const n = shape.reduce((a, b) => a * b, 1);
  return tp.tensor(randArray(n, rng(seedOf(name))), { shape, dtype });
}

describe('resampling gradients (float64 gradcheck, second order)', () => {
  const check = (f: (x: T) => T, x: T) => {
    expect(tp.gradcheck(f, [x])).toBe(true);
    const w = randT(x.shape, 'w');
    const g2 = (xx: T) => tp.mul(tp.grad((u: T) => f(u).square().sum(), { createGraph: true })(xx) as T, w);
    expect(tp.gradcheck(g2, [x])).toBe(true);
    tp.dispose([x, w]);
  };
  test('interpolate', () => {
    check((x) => tp.interpolate(x, { size: [5, 7], mode: 'bilinear' }), randT([1, 2, 3, 4], 'bl'));
    check((x) => tp.interpolate(x, { scaleFactor: 1.5, mode: 'bilinear', alignCorners: true }), randT([1, 1, 3, 4], 'bla'));
    check((x) => tp.interpolate(x, { scaleFactor: [2, 0.5] }), randT([2, 1, 3, 4], 'nn'));
  });
  test('pixelShuffle / pixelUnshuffle', () => {
    check((x) => tp.pixelShuffle(x, 2), randT([1, 4, 2, 3], 'ps'));
    check((x) => tp.pixelUnshuffle(x, 2), randT([1, 1, 4, 2], 'pu'));
  });
});

describe('resampling semantics', () => {
  test('nearest x2 repeats each pixel; pixelUnshuffle inverts pixelShuffle', () => {
    const x = tp.tensor([[[[1, 2], [3, 4]]]]);
    expect(tp.interpolate(x, { scaleFactor: 2 }).toArray()).toEqual([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]]);
    expect(x.interpolate({ size: 1 }).toArray()).toEqual([[[[1]]]]);
    const y = randT([2, 12, 3, 4], 'inv', 'float32');
    const z = tp.pixelUnshuffle(tp.pixelShuffle(y, 2), 2);
    expectClose(z.dataSync(), y.dataSync(), { rtol: 0, atol: 0 });
    expect(tp.nn.functional.pixelShuffle(y, 2).shape).toEqual([2, 3, 6, 8]);
  });
  test('Upsample, PixelShuffle and PixelUnshuffle modules', () => {
    const x = randT([1, 4, 3, 3], 'up', 'float32');
    const same = (a: T, b: T) => expectClose(a.dataSync(), b.dataSync(), { rtol: 0, atol: 0 });
    same(new tp.nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }).forward(x), tp.interpolate(x, { scaleFactor: 2, mode: 'bilinear' }));
    same(new tp.nn.Upsample({ size: [4, 5] }).forward(x), tp.interpolate(x, { size: [4, 5] }));
    same(new tp.nn.PixelShuffle(2).forward(x), tp.pixelShuffle(x, 2));
    same(new tp.nn.PixelUnshuffle(1).forward(x), x);
    expectThrowsCode(() => new tp.nn.Upsample({}), 'ERR_ARGUMENT', /Upsample: give exactly one of size and scaleFactor/);
    expectThrowsCode(() => new tp.nn.PixelShuffle(0), 'ERR_ARGUMENT', /PixelShuffle: upscaleFactor must be a positive integer/);
  });
});

describe('resampling: bad input', () => {
  const x = tp.zeros([1, 2, 4, 4]);
  test('interpolate', () => {
    expectThrowsCode(() => tp.interpolate(x, {}), 'ERR_ARGUMENT', /interpolate: give exactly one of size and scaleFactor/);
    expectThrowsCode(() => tp.interpolate(x, { size: 2, scaleFactor: 2 }), 'ERR_ARGUMENT', /exactly one/);
    expectThrowsCode(() => tp.interpolate(x, { size: [NaN, 2] }), 'ERR_ARGUMENT', /interpolate: size must be an integer or an array of 2 integers, got \[NaN, 2\]/);
    expectThrowsCode(() => tp.interpolate(x, { size: 0 }), 'ERR_ARGUMENT', /size must be positive/);
    expectThrowsCode(() => tp.interpolate(x, { scaleFactor: -1 }), 'ERR_ARGUMENT', /scaleFactor must be a positive finite number/);
    expectThrowsCode(() => tp.interpolate(x, { scaleFactor: 0.1 }), 'ERR_SHAPE', /scaleFactor \[0.1, 0.1\] on input \[1,2,4,4\] gives an output of 0 x 0/);
    expectThrowsCode(() => tp.interpolate(x, { size: 2, mode: 'bicubic' as never }), 'ERR_ARGUMENT', /mode must be 'nearest' or 'bilinear'/);
    expectThrowsCode(() => tp.interpolate(x, { size: 2, alignCorners: true }), 'ERR_ARGUMENT', /alignCorners can only be set with mode 'bilinear'/);
    expectThrowsCode(() => tp.interpolate(tp.zeros([2, 4, 4]), { size: 2 }), 'ERR_SHAPE', /interpolate: expected a 4-D \[N, C, H, W\] input, got shape \[2,4,4\]/);
    expectThrowsCode(() => tp.interpolate(tp.zeros([1, 1, 2, 2], { dtype: 'int32' }), { size: 2 }), 'ERR_DTYPE', /float32 or float64, got int32/);
  });
  test('pixelShuffle', () => {
    expectThrowsCode(() => tp.pixelShuffle(tp.zeros([1, 3, 2, 2]), 2), 'ERR_SHAPE', /pixelShuffle: channels 3 of input \[1,3,2,2\] are not divisible by upscaleFactor\^2 = 4/);
    expectThrowsCode(() => tp.pixelUnshuffle(tp.zeros([1, 1, 3, 2]), 2), 'ERR_SHAPE', /pixelUnshuffle: height 3 and width 2/);
    expectThrowsCode(() => tp.pixelShuffle(tp.zeros([4, 2]), 2), 'ERR_SHAPE', /at least 3 dims/);
    expectThrowsCode(() => tp.pixelShuffle(x, 1.5), 'ERR_ARGUMENT', /upscaleFactor must be a positive integer/);
  });
  test('no leaks', () => {
    const y = randT([2, 2, 3, 5], 'leak', 'float32');
    expectNoLeak(() => tp.interpolate(y.transpose(2, 3), { scaleFactor: 1.7, mode: 'bilinear' }));
    const yr = y.detach().requiresGrad_();
    expectNoLeak(() => tp.tidy(() => tp.grads(tp.interpolate(yr, { size: [4, 9], mode: 'bilinear' }).square().sum(), [yr])));
    expectNoLeak(() => tp.tidy(() => tp.grads(tp.pixelShuffle(yr.reshape([1, 4, 3, 5]).transpose(2, 3), 2).square().sum(), [yr])));
    y.dispose();
  });
});
