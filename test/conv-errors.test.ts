// Convolutions: bad input (each a TapeflowError naming the op, the argument and the shapes),
// dtypes, and the modules nn.Conv1d / nn.Conv2d / nn.ConvTranspose2d (shapes, torch's init
// ranges, state-dict names, options). Values and gradients are in test/conv.test.ts.
import { tp, expectThrowsCode, expectNoLeak, expectClose } from './helpers';

const z = (shape: number[], dtype: 'float32' | 'float64' | 'int32' = 'float32') => tp.zeros(shape, { dtype });

describe('conv: bad input', () => {
  const x = z([2, 3, 5, 5]);
  const w = z([4, 3, 3, 3]);
  afterAll(() => tp.dispose([x, w]));

  test('channels that do not match the weight', () => {
    expectThrowsCode(() => tp.conv2d(x, z([4, 2, 3, 3])), 'ERR_SHAPE', /conv2d: input \[2, ?3, ?5, ?5\] has 3 channels but weight \[4, ?2, ?3, ?3\] expects 2/);
    expectThrowsCode(() => tp.conv1d(z([2, 3, 7]), z([4, 5, 3])), 'ERR_SHAPE', /conv1d: input .* has 3 channels but weight/);
    expectThrowsCode(() => tp.convTranspose2d(x, z([4, 2, 3, 3])), 'ERR_SHAPE', /convTranspose2d: input .* has 3 channels but weight .* expects 4/);
    expectThrowsCode(() => tp.conv2d(x, w, { bias: z([3]) }), 'ERR_SHAPE', /conv2d: bias must have shape \[4\]/);
  });
  test('groups that do not divide the channels', () => {
    expectThrowsCode(() => tp.conv2d(x, z([4, 1, 3, 3]), { groups: 2 }), 'ERR_SHAPE', /conv2d: groups 2 does not divide the 3 input channels of input \[2, ?3, ?5, ?5\]/);
    expectThrowsCode(() => tp.conv2d(z([1, 4, 5, 5]), z([3, 2, 3, 3]), { groups: 2 }), 'ERR_SHAPE', /groups 2 does not divide the 3 output channels of weight/);
    expectThrowsCode(() => tp.conv2d(x, w, { groups: 0 }), 'ERR_ARGUMENT', /conv2d: groups must be an integer >= 1, got 0/);
  });
  test('a kernel larger than the padded input', () => {
    expectThrowsCode(() => tp.conv2d(z([1, 3, 2, 2]), w), 'ERR_SHAPE', /conv2d: kernel \[3, ?3\].*larger than the padded input \(2 = 2 \+ padding 0 \+ 0\)/);
    expectThrowsCode(() => tp.conv2d(z([1, 3, 4, 4]), w, { dilation: 2 }), 'ERR_SHAPE', /dilation \[2, ?2\]: 5 wide/);
  });
  test('zero, negative, fractional and NaN strides, paddings and dilations', () => {
    for (const bad of [0, -1, 1.5, NaN, [1], [1, 2, 3], '2'])
      expectThrowsCode(() => tp.conv2d(x, w, { stride: bad as never }), 'ERR_ARGUMENT', /conv2d: stride must be an integer >= 1/);
    expectThrowsCode(() => tp.conv2d(x, w, { dilation: [1, 0] }), 'ERR_ARGUMENT', /conv2d: dilation must be an integer >= 1/);
    expectThrowsCode(() => tp.conv2d(x, w, { padding: -1 }), 'ERR_ARGUMENT', /conv2d: padding must be an integer >= 0/);
    expectThrowsCode(() => tp.conv2d(x, w, { padding: NaN }), 'ERR_ARGUMENT', /conv2d: padding must be/);
    expectThrowsCode(() => tp.conv2d(x, w, { padding: 'full' as never }), 'ERR_ARGUMENT', /conv2d: padding must be a number, 2 numbers, 'valid' or 'same', got "full"/);
    expectThrowsCode(() => tp.conv2d(x, w, { padding: 'same', stride: 2 }), 'ERR_ARGUMENT', /conv2d: padding='same' is not supported for strided convolutions/);
    expectThrowsCode(() => tp.conv2d(x, w, { stride: [1, 2, 2, 1] }), 'ERR_ARGUMENT', /stride must be/);
    expectThrowsCode(() => tp.conv2d(z([1, 5, 5, 3]), z([3, 3, 3, 4]), { stride: [2, 2, 2, 1], dataFormat: 'NHWC' }), 'ERR_ARGUMENT', /must have 1 at the batch and channel positions/);
    expectThrowsCode(() => tp.convTranspose2d(x, z([3, 2, 3, 3]), { stride: 2, outputPadding: 2 }), 'ERR_ARGUMENT', /outputPadding \[2, ?2\] must be smaller than the stride/);
    expectThrowsCode(() => tp.convTranspose2d(x, z([3, 2, 3, 3]), { padding: 'same' as never }), 'ERR_ARGUMENT', /convTranspose2d: padding must be a number/);
  });
  test('wrong ranks: 3-D input to conv2d, 4-D to conv1d', () => {
    expectThrowsCode(() => tp.conv2d(z([3, 5, 5]), w), 'ERR_SHAPE', /conv2d: input must be 4-D \[N, C, H, W\], got \[3, ?5, ?5\]/);
    expectThrowsCode(() => tp.conv2d(x, z([4, 3, 3])), 'ERR_SHAPE', /conv2d: weight must be 4-D \[O, C\/groups, KH, KW\]/);
    expectThrowsCode(() => tp.conv1d(x, w), 'ERR_SHAPE', /conv1d: input must be 3-D \[N, C, L\]/);
    expectThrowsCode(() => tp.conv2d(x, z([4, 3, 0, 3])), 'ERR_SHAPE', /weight \[4, ?3, ?0, ?3\] has a zero-size dim/);
  });
  test('dtypes: int input is ERR_DTYPE, mixed float dtypes too', () => {
    expectThrowsCode(() => tp.conv2d(z([2, 3, 5, 5], 'int32'), w), 'ERR_DTYPE', /conv2d: input must be float32 or float64, got int32/);
    expectThrowsCode(() => tp.conv2d(x, z([4, 3, 3, 3], 'float64')), 'ERR_DTYPE', /weight dtype float64 does not match input dtype float32/);
    expectThrowsCode(() => tp.conv2d(x, w, { bias: z([4], 'float64') }), 'ERR_DTYPE', /bias dtype float64/);
  });
  test('non-tensors, unknown options, bad dataFormat, disposed tensors', () => {
    expectThrowsCode(() => tp.conv2d([1, 2] as never, w), 'ERR_ARGUMENT', /conv2d: input must be a Tensor/);
    expectThrowsCode(() => tp.conv2d(x, null as never), 'ERR_ARGUMENT', /conv2d: weight must be a Tensor/);
    expectThrowsCode(() => tp.conv2d(x, w, { strides: 2 } as never), 'ERR_ARGUMENT', /conv2d: unknown option 'strides'/);
    expectThrowsCode(() => tp.conv2d(x, w, 3 as never), 'ERR_ARGUMENT', /conv2d: options must be an object/);
    expectThrowsCode(() => tp.conv2d(x, w, { dataFormat: 'NCW' as never }), 'ERR_ARGUMENT', /dataFormat must be 'NCHW' or 'NHWC'/);
    expectThrowsCode(() => tp.conv2d(x, w, { outputPadding: 1 } as never), 'ERR_ARGUMENT', /unknown option 'outputPadding'/);
    const d = z([4, 3, 3, 3]);
    d.dispose();
    expectThrowsCode(() => tp.conv2d(x, d), 'ERR_DISPOSED');
  });
  test('errors leak nothing', () => {
    expectNoLeak(() => {
      try {
        tp.conv2d(x, z([4, 2, 3, 3]).dispose() as never);
      } catch { /* expected */ }
      return null;
    });
  });
  test('empty inputs: N = 0 and conv1d N = 0 give empty outputs and zero weight gradients', () => {
    const x0 = z([0, 3, 5, 5]);
    const w0 = tp.ones([4, 3, 3, 3], { requiresGrad: true });
    const y = tp.conv2d(x0, w0, { padding: 1 });
    expect(y.shape).toEqual([0, 4, 5, 5]);
    y.sum().backward();
    expect(Array.from(w0.grad!.dataSync()).every((v) => v === 0)).toBe(true);
    tp.dispose([x0, w0, y]);
    expect(tp.conv1d(z([0, 2, 4]), z([3, 2, 2])).shape).toEqual([0, 3, 3]);
  });
});

describe('conv modules', () => {
  test('Conv2d: shapes, parameter names, torch init ranges', () => {
    // seeded: 8 uniform biases all under half the bound happens once in 256 draws
    tp.manualSeed(9);
    const m = new tp.nn.Conv2d(4, 8, 3, { padding: 1 });
    expect(m.weight.shape).toEqual([8, 4, 3, 3]);
    expect(m.bias!.shape).toEqual([8]);
    expect(Object.keys(m.stateDict())).toEqual(['weight', 'bias']);
    const bound = 1 / Math.sqrt(4 * 9);
    for (const t of [m.weight, m.bias!]) {
      const v = Array.from(t.dataSync());
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound * 0.5); // not all zeros / tiny
    }
    const x = tp.randn([2, 4, 6, 6]);
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 8, 6, 6]);
    // the module is the functional op with its parameters
    const y2 = tp.conv2d(x, m.weight, { bias: m.bias, padding: 1 });
    expect(Array.from(y.dataSync())).toEqual(Array.from(y2.dataSync()));
    tp.dispose([x, y, y2]);
  });
  test('Conv2d options: stride/groups/dilation/no bias/same/float64/init', () => {
    const m = new tp.nn.Conv2d(6, 9, [3, 2], { stride: [2, 1], groups: 3, dilation: 2, bias: false, dtype: 'float64', weightInit: 'zeros' });
    expect(m.weight.shape).toEqual([9, 2, 3, 2]);
    expect(m.weight.dtype).toBe('float64');
    expect(m.bias).toBeNull();
    expect(Object.keys(m.stateDict())).toEqual(['weight']);
    expect(Array.from(m.weight.dataSync()).every((v) => v === 0)).toBe(true);
    const y = m.forward(tp.ones([1, 6, 9, 8], { dtype: 'float64' }));
    expect(y.shape).toEqual([1, 9, 3, 6]);
    const s = new tp.nn.Conv2d(2, 3, 4, { padding: 'same' });
    expect(s.forward(tp.ones([1, 2, 5, 7])).shape).toEqual([1, 3, 5, 7]);
    const params = m.parameters();
    expect(params.length).toBe(1);
  });
  test('Conv1d and ConvTranspose2d', () => {
    const c1 = new tp.nn.Conv1d(3, 5, 4, { stride: 2 });
    expect(c1.weight.shape).toEqual([5, 3, 4]);
    expect(c1.forward(tp.ones([2, 3, 10])).shape).toEqual([2, 5, 4]);
    const ct = new tp.nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
    expect(ct.weight.shape).toEqual([4, 3, 3, 3]);
    expect(Object.keys(ct.stateDict())).toEqual(['weight', 'bias']);
    // torch's fan-in of a transposed weight [in, out/g, k, k] is (out/g) k k
    const bound = 1 / Math.sqrt(3 * 9);
    expect(Math.max(...Array.from(ct.bias!.dataSync()).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(ct.forward(tp.ones([1, 4, 5, 5])).shape).toEqual([1, 6, 10, 10]);
  });
  test("torch's state dict loads one-to-one (conv2d fixture case 0: Conv2d(3, 4, 3, padding=1))", () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const c = require('./fixtures/conv.json').cases[0];
    const m = new tp.nn.Conv2d(3, 4, 3, { padding: 1 });
    m.loadStateDict({ weight: tp.tensor(c.w.data, { shape: c.w.shape }), bias: tp.tensor(c.b) });
    const y = m.forward(tp.tensor(c.x.data, { shape: c.x.shape }));
    expect(y.shape).toEqual(c.y.shape);
    expectClose(y.dataSync(), c.y.data, { rtol: 1e-4, atol: 1e-4 }, 'Conv2d with torch weights');
  });
  test('a gradient step reaches weight and bias', () => {
    const m = new tp.nn.Conv2d(2, 3, 3);
    const y = m.forward(tp.randn([2, 2, 5, 5]));
    y.square().mean().backward();
    expect(m.weight.grad!.shape).toEqual([3, 2, 3, 3]);
    expect(m.bias!.grad!.shape).toEqual([3]);
  });
  test('bad constructor arguments', () => {
    expectThrowsCode(() => new tp.nn.Conv2d(0, 4, 3), 'ERR_ARGUMENT', /Conv2d: inChannels must be a positive integer, got 0/);
    expectThrowsCode(() => new tp.nn.Conv2d(4, NaN, 3), 'ERR_ARGUMENT', /Conv2d: outChannels must be a positive integer, got NaN/);
    expectThrowsCode(() => new tp.nn.Conv2d(4, 4, NaN), 'ERR_ARGUMENT', /Conv2d: kernelSize must be an integer >= 1/);
    expectThrowsCode(() => new tp.nn.Conv2d(4, 6, 3, { groups: 4 }), 'ERR_ARGUMENT', /groups 4 does not divide outChannels 6/);
    expectThrowsCode(() => new tp.nn.Conv2d(4, 4, 3, { paddingMode: 'reflect' as never }), 'ERR_ARGUMENT', /paddingMode "reflect" is not supported/);
    expectThrowsCode(() => new tp.nn.Conv2d(4, 4, 3, { padding: 'same', stride: 2 }), 'ERR_ARGUMENT', /'same' is not supported for strided/);
    expectThrowsCode(() => new tp.nn.Conv2d(4, 4, 3, { stide: 2 } as never), 'ERR_ARGUMENT', /unknown option 'stide'/);
    expectThrowsCode(() => new tp.nn.ConvTranspose2d(4, 4, 3, { padding: 'same' as never }), 'ERR_ARGUMENT', /transposed/);
    expectThrowsCode(() => new tp.nn.ConvTranspose2d(4, 4, 3, { stride: 2, outputPadding: 2 }), 'ERR_ARGUMENT', /ConvTranspose2d: outputPadding \[2, ?2\] must be smaller than the stride \[2, ?2\] or the dilation/);
    expectThrowsCode(() => new tp.nn.Conv2d(4, 4, 3, { outputPadding: 1 } as never), 'ERR_ARGUMENT', /unknown option 'outputPadding'/);
    const m = new tp.nn.Conv2d(4, 4, 3);
    expectThrowsCode(() => m.forward(tp.ones([1, 3, 5, 5])), 'ERR_SHAPE', /conv2d: input \[1, ?3, ?5, ?5\] has 3 channels but weight \[4, ?4, ?3, ?3\] expects 4/);
  });
});
