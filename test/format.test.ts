import { inspect, format } from 'util';
import { tp, expectThrowsCode, expectNoLeak } from './helpers';

// Generated with PyTorch 1.13 str(t) under torch.set_printoptions(linewidth=80); the trailing
// ", dtype=…)" removed so each test appends tapeflow's suffix. Layout must match torch's exactly.
const TORCH: Record<string, string> = {
  f2d: "tensor([[5.0000e-01, 1.5000e+00, 2.5000e+00,  ..., 5.7500e+01, 5.8500e+01,\n         5.9500e+01],\n        [6.0500e+01, 6.1500e+01, 6.2500e+01,  ..., 1.1750e+02, 1.1850e+02,\n         1.1950e+02],\n        [1.2050e+02, 1.2150e+02, 1.2250e+02,  ..., 1.7750e+02, 1.7850e+02,\n         1.7950e+02],\n        ...,\n        [2.8205e+03, 2.8215e+03, 2.8225e+03,  ..., 2.8775e+03, 2.8785e+03,\n         2.8795e+03],\n        [2.8805e+03, 2.8815e+03, 2.8825e+03,  ..., 2.9375e+03, 2.9385e+03,\n         2.9395e+03],\n        [2.9405e+03, 2.9415e+03, 2.9425e+03,  ..., 2.9975e+03, 2.9985e+03,\n         2.9995e+03]]",
  i3d: "tensor([[[   0,    1,    2,  ...,   17,   18,   19],\n         [  20,   21,   22,  ...,   37,   38,   39],\n         [  40,   41,   42,  ...,   57,   58,   59],\n         ...,\n         [ 240,  241,  242,  ...,  257,  258,  259],\n         [ 260,  261,  262,  ...,  277,  278,  279],\n         [ 280,  281,  282,  ...,  297,  298,  299]],\n\n        [[ 300,  301,  302,  ...,  317,  318,  319],\n         [ 320,  321,  322,  ...,  337,  338,  339],\n         [ 340,  341,  342,  ...,  357,  358,  359],\n         ...,\n         [ 540,  541,  542,  ...,  557,  558,  559],\n         [ 560,  561,  562,  ...,  577,  578,  579],\n         [ 580,  581,  582,  ...,  597,  598,  599]],\n\n        [[ 600,  601,  602,  ...,  617,  618,  619],\n         [ 620,  621,  622,  ...,  637,  638,  639],\n         [ 640,  641,  642,  ...,  657,  658,  659],\n         ...,\n         [ 840,  841,  842,  ...,  857,  858,  859],\n         [ 860,  861,  862,  ...,  877,  878,  879],\n         [ 880,  881,  882,  ...,  897,  898,  899]],\n\n        ...,\n\n        [[2100, 2101, 2102,  ..., 2117, 2118, 2119],\n         [2120, 2121, 2122,  ..., 2137, 2138, 2139],\n         [2140, 2141, 2142,  ..., 2157, 2158, 2159],\n         ...,\n         [2340, 2341, 2342,  ..., 2357, 2358, 2359],\n         [2360, 2361, 2362,  ..., 2377, 2378, 2379],\n         [2380, 2381, 2382,  ..., 2397, 2398, 2399]],\n\n        [[2400, 2401, 2402,  ..., 2417, 2418, 2419],\n         [2420, 2421, 2422,  ..., 2437, 2438, 2439],\n         [2440, 2441, 2442,  ..., 2457, 2458, 2459],\n         ...,\n         [2640, 2641, 2642,  ..., 2657, 2658, 2659],\n         [2660, 2661, 2662,  ..., 2677, 2678, 2679],\n         [2680, 2681, 2682,  ..., 2697, 2698, 2699]],\n\n        [[2700, 2701, 2702,  ..., 2717, 2718, 2719],\n         [2720, 2721, 2722,  ..., 2737, 2738, 2739],\n         [2740, 2741, 2742,  ..., 2757, 2758, 2759],\n         ...,\n         [2940, 2941, 2942,  ..., 2957, 2958, 2959],\n         [2960, 2961, 2962,  ..., 2977, 2978, 2979],\n         [2980, 2981, 2982,  ..., 2997, 2998, 2999]]]",
  iT: "tensor([[   0,   60,  120,  ..., 2820, 2880, 2940],\n        [   1,   61,  121,  ..., 2821, 2881, 2941],\n        [   2,   62,  122,  ..., 2822, 2882, 2942],\n        ...,\n        [  57,  117,  177,  ..., 2877, 2937, 2997],\n        [  58,  118,  178,  ..., 2878, 2938, 2998],\n        [  59,  119,  179,  ..., 2879, 2939, 2999]]",
  wrap: "tensor([0.1250, 0.3750, 0.6250, 0.8750, 1.1250, 1.3750, 1.6250, 1.8750, 2.1250,\n        2.3750, 2.6250, 2.8750, 3.1250, 3.3750, 3.6250, 3.8750, 4.1250, 4.3750,\n        4.6250, 4.8750, 5.1250, 5.3750, 5.6250, 5.8750, 6.1250, 6.3750, 6.6250,\n        6.8750, 7.1250, 7.3750]",
  f3small: "tensor([[[-2.8750, -2.6250, -2.3750, -2.1250],\n         [-1.8750, -1.6250, -1.3750, -1.1250],\n         [-0.8750, -0.6250, -0.3750, -0.1250]],\n\n        [[ 0.1250,  0.3750,  0.6250,  0.8750],\n         [ 1.1250,  1.3750,  1.6250,  1.8750],\n         [ 2.1250,  2.3750,  2.6250,  2.8750]]]",
};

const f32 = (values: number[], shape?: number[]) => tp.tensor(Float32Array.from(values), { shape });
const f64 = (values: number[], shape?: number[]) => tp.tensor(Float64Array.from(values), { shape });
const range = (n: number, fn: (i: number) => number = (i) => i) => Array.from({ length: n }, (_, i) => fn(i));

afterEach(() => tp.setPrintOptions({ profile: 'default', sciMode: null }));

describe('every way of printing gives the same text', () => {
  test('console.log (util.format), util.inspect, String, template literal, formatTensor', () => {
    const t = f32([1, -2.5, 3.14159, 0], [2, 2]);
    const want = 'tensor([[ 1.0000, -2.5000],\n        [ 3.1416,  0.0000]], shape=[2, 2], dtype=float32)';
    expect(format(t)).toBe(want); // what console.log(t) writes
    expect(inspect(t)).toBe(want);
    expect(String(t)).toBe(want);
    expect(`${t}`).toBe(want);
    expect(tp.formatTensor(t)).toBe(want);
    expect(inspect({ w: tp.tensor([1, 2], { dtype: 'int32' }) })).toBe('{ w: tensor([1, 2], shape=[2], dtype=int32) }');
  });
});

describe('dtypes', () => {
  test('float32 and float64 with precision 4; integer values as 1.0000', () => {
    expect(String(f64([1.5, 2, 3]))).toBe('tensor([1.5000, 2.0000, 3.0000], shape=[3], dtype=float64)');
    expect(String(f32([1, 2]))).toBe('tensor([1.0000, 2.0000], shape=[2], dtype=float32)');
    expect(String(f32([0, 0]))).toBe('tensor([0.0000, 0.0000], shape=[2], dtype=float32)');
    expect(String(f32([0.1, 0.25]))).toBe('tensor([0.1000, 0.2500], shape=[2], dtype=float32)');
    expect(String(f64([-0, 1.5]))).toBe('tensor([-0.0000,  1.5000], shape=[2], dtype=float64)');
    expect(String(f64([123.456789, -0.5]))).toBe('tensor([123.4568,  -0.5000], shape=[2], dtype=float64)');
  });

  test('int32 right-aligned, negatives included', () => {
    expect(String(tp.tensor([[1, -20], [300, 4]], { dtype: 'int32' }))).toBe(
      'tensor([[  1, -20],\n' +
      '        [300,   4]], shape=[2, 2], dtype=int32)',
    );
    expect(String(tp.tensor(new Int32Array([-2147483648, 0])))).toBe('tensor([-2147483648,           0], shape=[2], dtype=int32)');
  });

  test('bool as true/false', () => {
    expect(String(tp.tensor([true, false, true]))).toBe('tensor([ true, false,  true], shape=[3], dtype=bool)');
    expect(String(tp.tensor([[true], [true]]))).toBe('tensor([[true],\n        [true]], shape=[2, 1], dtype=bool)');
  });

  test('0-d tensors', () => {
    expect(String(tp.tensor(3.14159))).toBe('tensor(3.1416, shape=[], dtype=float32)');
    expect(String(tp.tensor(-2.5, { dtype: 'float64' }))).toBe('tensor(-2.5000, shape=[], dtype=float64)');
    expect(String(tp.tensor(7, { dtype: 'int32' }))).toBe('tensor(7, shape=[], dtype=int32)');
    expect(String(tp.tensor(false))).toBe('tensor(false, shape=[], dtype=bool)');
    expect(String(tp.tensor(NaN))).toBe('tensor(nan, shape=[], dtype=float32)');
    expect(String(tp.tensor(1e-7))).toBe('tensor(1.0000e-07, shape=[], dtype=float32)');
  });

  test('empty tensors', () => {
    expect(String(tp.zeros([0, 3]))).toBe('tensor([], shape=[0, 3], dtype=float32)');
    expect(String(tp.zeros([0], { dtype: 'int32' }))).toBe('tensor([], shape=[0], dtype=int32)');
    expect(String(tp.zeros([2, 0, 4], { dtype: 'bool' }))).toBe('tensor([], shape=[2, 0, 4], dtype=bool)');
  });
});

describe('special values and scientific notation', () => {
  test('nan, inf, -inf as numpy spells them', () => {
    expect(String(f32([NaN, Infinity, -Infinity, 1.5]))).toBe('tensor([   nan,    inf,   -inf, 1.5000], shape=[4], dtype=float32)');
    expect(String(f64([NaN, NaN]))).toBe('tensor([nan, nan], shape=[2], dtype=float64)');
    expect(String(f32([Infinity, 0]))).toBe('tensor([   inf, 0.0000], shape=[2], dtype=float32)');
  });

  test('min < 1e-4, max >= 1e8 or max/min > 1e3 switch to scientific', () => {
    expect(String(f32([1e-5, 1.5, 100]))).toBe('tensor([1.0000e-05, 1.5000e+00, 1.0000e+02], shape=[3], dtype=float32)');
    expect(String(f64([1e8, 2e8]))).toBe('tensor([1.0000e+08, 2.0000e+08], shape=[2], dtype=float64)');
    expect(String(f64([1, 2000]))).toBe('tensor([1.0000e+00, 2.0000e+03], shape=[2], dtype=float64)');
    expect(String(f64([-1e-5, 2, NaN]))).toBe('tensor([-1.0000e-05,  2.0000e+00,         nan], shape=[3], dtype=float64)');
    expect(String(f64([1e300, -1e-300]))).toBe('tensor([ 1.0000e+300, -1.0000e-300], shape=[2], dtype=float64)');
    // stays fixed: ratio exactly 1e3, max just below 1e8, zeros ignored
    expect(String(f64([1, 1000]))).toBe('tensor([   1.0000, 1000.0000], shape=[2], dtype=float64)');
    expect(String(f64([0, 0.5, 99999999]))).toBe('tensor([0.0000e+00, 5.0000e-01, 1.0000e+08], shape=[3], dtype=float64)');
    expect(String(f64([0, 5e7, 1e5]))).toBe('tensor([       0.0000, 50000000.0000,   100000.0000], shape=[3], dtype=float64)');
  });
});

describe('layout', () => {
  test('rank 3 blocks are separated by a blank line', () => {
    const t = f64(range(24, (i) => (i - 11.5) / 4), [2, 3, 4]);
    expect(String(t)).toBe(TORCH.f3small + ', shape=[2, 3, 4], dtype=float64)');
  });

  test('long rows wrap at lineWidth 80 as torch does', () => {
    const t = f32(range(30, (i) => i * 0.25 + 0.125));
    expect(String(t)).toBe(TORCH.wrap + ', shape=[30], dtype=float32)');
  });

  test('the suffix moves to its own line when the last line is full', () => {
    const t = tp.full([2, 9], 0.5);
    expect(String(t)).toBe(
      'tensor([[0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000],\n' +
      '        [0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000]],\n' +
      '       shape=[2, 9], dtype=float32)',
    );
  });

  test('requiresGrad is shown like torch', () => {
    const t = f32([0.5, 1.5]);
    t.requiresGrad = true;
    expect(String(t)).toBe('tensor([0.5000, 1.5000], shape=[2], dtype=float32, requiresGrad=true)');
  });

  test('a disposed tensor prints without throwing', () => {
    const t = tp.ones([2, 2]);
    t.dispose();
    expect(String(t)).toBe('Tensor(disposed, shape=[2, 2], dtype=float32)');
    expect(inspect(t)).toBe('Tensor(disposed, shape=[2, 2], dtype=float32)');
    expect(format(t)).toBe('Tensor(disposed, shape=[2, 2], dtype=float32)');
  });
});

describe('summarised tensors (size > threshold)', () => {
  test('1-D', () => {
    expect(String(tp.arange(2000))).toBe('tensor([   0,    1,    2,  ..., 1997, 1998, 1999], shape=[2000], dtype=int32)');
    // exactly at the threshold: printed in full
    expect(String(tp.arange(1000)).includes('...')).toBe(false);
  });

  test('2-D float (scientific, wrapped rows)', () => {
    const t = f32(range(3000, (i) => i + 0.5), [50, 60]);
    expect(String(t)).toBe(TORCH.f2d + ', shape=[50, 60], dtype=float32)');
  });

  test('3-D int', () => {
    const t = tp.arange(3000)._view([10, 15, 20], [300, 20, 1], 0);
    // the suffix does not fit in 80 columns after the last row: it wraps (as torch's does)
    expect(String(t)).toBe(TORCH.i3d + ', shape=[10, 15, 20],\n       dtype=int32)');
  });

  test('a transposed view of a large tensor', () => {
    const t = tp.arange(3000)._view([60, 50], [1, 60], 0);
    expect(String(t)).toBe(TORCH.iT + ', shape=[60, 50],\n       dtype=int32)');
  });

  test('only the shown items are read: a 10^12-element broadcast view prints', () => {
    const one = tp.tensor([1.5]);
    const huge = one._view([1e6, 1e6], [0, 0], 0);
    expect(String(huge)).toBe(
      'tensor([[1.5000, 1.5000, 1.5000,  ..., 1.5000, 1.5000, 1.5000],\n' +
      '        [1.5000, 1.5000, 1.5000,  ..., 1.5000, 1.5000, 1.5000],\n' +
      '        [1.5000, 1.5000, 1.5000,  ..., 1.5000, 1.5000, 1.5000],\n' +
      '        ...,\n' +
      '        [1.5000, 1.5000, 1.5000,  ..., 1.5000, 1.5000, 1.5000],\n' +
      '        [1.5000, 1.5000, 1.5000,  ..., 1.5000, 1.5000, 1.5000],\n' +
      '        [1.5000, 1.5000, 1.5000,  ..., 1.5000, 1.5000, 1.5000]],\n' +
      '       shape=[1000000, 1000000], dtype=float32)',
    );
  });

  test('the scientific-notation choice only looks at the shown items (as torch)', () => {
    const v = range(2000, () => 0.5);
    v[1000] = 1e9; // hidden in the middle
    expect(String(f32(v))).toBe(
      'tensor([0.5000, 0.5000, 0.5000,  ..., 0.5000, 0.5000, 0.5000], shape=[2000],\n       dtype=float32)',
    );
  });

  test('printing leaks nothing', () => {
    const t = f32(range(3000, (i) => i), [50, 60]);
    const v = t._view([60, 50], [1, 60], 0);
    const small = tp.tensor([[1, 2]]);
    expectNoLeak(() => {
      String(t);
      String(v);
      inspect(small);
      tp.toHTML(v);
    });
  });
});

describe('views print their logical contents', () => {
  test('transposed, sliced with offset, flipped, broadcast', () => {
    const base = tp.arange(6);
    expect(String(base._view([3, 2], [1, 3], 0))).toBe(
      'tensor([[0, 3],\n        [1, 4],\n        [2, 5]], shape=[3, 2], dtype=int32)',
    );
    expect(String(base._view([2], [2], 1))).toBe('tensor([1, 3], shape=[2], dtype=int32)');
    expect(String(base._view([3], [-1], 5))).toBe('tensor([5, 4, 3], shape=[3], dtype=int32)');
    expect(String(base._view([2, 3], [0, 1], 3))).toBe(
      'tensor([[3, 4, 5],\n        [3, 4, 5]], shape=[2, 3], dtype=int32)',
    );
    expect(String(base._view([], [], 4))).toBe('tensor(4, shape=[], dtype=int32)');
  });
});

describe('setPrintOptions', () => {
  test('precision, sciMode', () => {
    const t = f64([Math.PI, -Math.E]);
    tp.setPrintOptions({ precision: 2 });
    expect(String(t)).toBe('tensor([ 3.14, -2.72], shape=[2], dtype=float64)');
    tp.setPrintOptions({ precision: 0 });
    expect(String(t)).toBe('tensor([ 3, -3], shape=[2], dtype=float64)');
    tp.setPrintOptions({ precision: 3, sciMode: true });
    expect(String(t)).toBe('tensor([ 3.142e+00, -2.718e+00], shape=[2], dtype=float64)');
    tp.setPrintOptions({ sciMode: false });
    expect(String(f64([1e-6, 1]))).toBe('tensor([0.000, 1.000], shape=[2], dtype=float64)');
    expect(tp.getPrintOptions()).toEqual({ precision: 3, threshold: 1000, edgeItems: 3, lineWidth: 80, sciMode: false });
  });

  test('threshold, edgeItems, lineWidth, profiles', () => {
    tp.setPrintOptions({ threshold: 5, edgeItems: 1 });
    expect(String(tp.arange(6))).toBe('tensor([0,  ..., 5], shape=[6], dtype=int32)');
    expect(String(tp.arange(12)._view([3, 4], [4, 1], 0))).toBe(
      'tensor([[ 0,  ...,  3],\n        ...,\n        [ 8,  ..., 11]], shape=[3, 4], dtype=int32)',
    );
    tp.setPrintOptions({ edgeItems: 0 });
    expect(String(tp.arange(6))).toBe('tensor([...], shape=[6], dtype=int32)');
    tp.setPrintOptions({ profile: 'default', lineWidth: 30 });
    expect(String(tp.arange(12))).toBe(
      // floor((30 - 7) / (2 + 2)) = 5 per line; ", dtype=int32)" no longer fits after the shape
      'tensor([ 0,  1,  2,  3,  4,\n         5,  6,  7,  8,  9,\n        10, 11], shape=[12],\n       dtype=int32)',
    );
    tp.setPrintOptions({ profile: 'full' });
    expect(String(tp.arange(2000)).includes('...')).toBe(false);
    tp.setPrintOptions({ profile: 'short' });
    expect(String(f64([Math.PI]))).toBe('tensor([3.14], shape=[1], dtype=float64)');
  });

  test('bad options are errors', () => {
    expectThrowsCode(() => tp.setPrintOptions({ precision: -1 }), 'ERR_ARGUMENT', /setPrintOptions: precision/);
    expectThrowsCode(() => tp.setPrintOptions({ precision: 2.5 }), 'ERR_ARGUMENT');
    expectThrowsCode(() => tp.setPrintOptions({ threshold: NaN }), 'ERR_ARGUMENT', /threshold/);
    expectThrowsCode(() => tp.setPrintOptions({ lineWidth: 0 }), 'ERR_ARGUMENT', /lineWidth/);
    expectThrowsCode(() => tp.setPrintOptions({ sciMode: 'yes' as never }), 'ERR_ARGUMENT', /sciMode/);
    expectThrowsCode(() => tp.setPrintOptions({ profile: 'huge' as never }), 'ERR_ARGUMENT', /profile/);
    expectThrowsCode(() => tp.setPrintOptions(null as never), 'ERR_ARGUMENT');
    // a failed call changes nothing
    expectThrowsCode(() => tp.setPrintOptions({ precision: 2, lineWidth: -5 }), 'ERR_ARGUMENT');
    expect(tp.getPrintOptions().precision).toBe(4);
  });
});

describe('notebooks', () => {
  test('toHTML: a table for 2-D, summarised with …', () => {
    const h = tp.tensor([[1, 2], [3, 40]], { dtype: 'int32' }).toHTML();
    expect(h).toMatch(/^<div class="tapeflow-tensor"><table/);
    expect(h.match(/<tr>/g)!.length).toBe(3); // header + 2 rows
    expect(h).toContain('>40</td>');
    expect(h).toContain('shape=[2, 2] dtype=int32');
    const big = tp.toHTML(f32(range(3000, (i) => i + 0.5), [50, 60]));
    expect(big.match(/<tr>/g)!.length).toBe(1 + 6 + 1); // header, 6 rows, the … row
    expect(big).toContain('>59</th>'); // last column index
    expect(big).toContain('>…</td>');
    expect(big).toContain('>2.9995e+03</td>');
  });

  test('toHTML: 1-D table, 0-d / 3-D / disposed as escaped text', () => {
    expect(tp.tensor([1.5, 2]).toHTML()).toContain('>1.5000</td>');
    expect(tp.tensor(3, { dtype: 'int32' }).toHTML()).toBe('<pre>tensor(3, shape=[], dtype=int32)</pre>');
    expect(tp.zeros([1, 1, 2]).toHTML()).toMatch(/^<pre>tensor\(\[\[\[0\.0000, 0\.0000\]\]\]/);
    const d = tp.ones([1]);
    d.dispose();
    expect(d.toHTML()).toBe('<pre>Tensor(disposed, shape=[1], dtype=float32)</pre>');
    expectThrowsCode(() => tp.toHTML({} as never), 'ERR_ARGUMENT');
  });

  test('Jupyter.display symbol (Deno kernel rich display) returns a MIME bundle', () => {
    const t = tp.tensor([[1, 2]]);
    const bundle = (t as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]();
    expect(bundle['text/plain']).toBe(String(t));
    expect(bundle['text/html']).toBe(t.toHTML());
  });
});
