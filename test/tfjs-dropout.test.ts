// The Keras dropout and noise layers of tp.io.loadTfjsModel in training and eval mode:
// SpatialDropout1D/2D/3D drop whole channel maps (one mask value per sample and channel, kept
// maps scaled by 1 / (1 - rate)), channels_last and channels_first, also after a Conv2D whose
// output tapeflow holds channels-first; GaussianDropout, GaussianNoise and AlphaDropout by their
// Keras formulas; every one the identity in eval mode. Drop fractions are checked statistically
// (seeded, bounds at 5 standard deviations).
import { tp, expectThrowsCode } from './helpers';
import { functional, build } from './tfjs-build';
import type { LayerSpec, W } from './tfjs-build';

function oneLayer(cls: string, cfg: Record<string, unknown>, inShape: number[], before: LayerSpec[] = [], weights: W[] = []): tp.io.TfjsModel {
  const prev = before.length > 0 ? before[before.length - 1][1] : 'x';
  const rows: LayerSpec[] = [
    ['InputLayer', 'x', { batch_input_shape: [null, ...inShape], dtype: 'float32' }, []],
    ...before,
    [cls, 'd', cfg, [prev]],
  ];
  const { json, bytes } = build(functional(rows, ['x'], ['d']), weights);
  return tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsModel;
}

const same = (a: tp.Tensor, b: tp.Tensor): boolean => Boolean(tp.equal(a, b).all().item());

/** Values in [1, 2): never zero, so a dropped element is told from a kept one. */
const positive = (shape: number[]) => tp.add(tp.rand(shape), 1);

/**
 * Checks y against x with channel axis c: each (n, c) map all zero or all x / (1 - rate);
 * returns the fraction of maps dropped.
 */
function channelMaps(x: tp.Tensor, y: tp.Tensor, c: number, rate: number): number {
  expect(y.shape).toEqual(x.shape);
  const xs = x.dataSync();
  const ys = y.dataSync();
  const shape = x.shape;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const maps = new Map<string, boolean[]>();
  for (let k = 0; k < xs.length; k++) {
    const n = Math.floor(k / strides[0]) % shape[0];
    const ch = Math.floor(k / strides[c]) % shape[c];
    const key = `${n},${ch}`;
    const kept = Math.abs(ys[k] - xs[k] / (1 - rate)) <= 1e-5 * Math.abs(xs[k] / (1 - rate));
    const dropped = ys[k] === 0;
    if (!kept && !dropped) throw new Error(`element ${k}: ${ys[k]} is neither 0 nor x / (1 - rate) = ${xs[k] / (1 - rate)}`);
    const m = maps.get(key) ?? [];
    m.push(dropped);
    maps.set(key, m);
  }
  let drop = 0;
  for (const [key, m] of maps) {
    if (!m.every((v) => v === m[0])) throw new Error(`channel map ${key} is partly dropped`);
    if (m[0]) drop++;
  }
  expect(maps.size).toBe(shape[0] * shape[c]);
  return drop / maps.size;
}

const within = (frac: number, rate: number, count: number) => {
  const sd = Math.sqrt((rate * (1 - rate)) / count);
  expect(Math.abs(frac - rate)).toBeLessThan(5 * sd);
};

describe('SpatialDropout: whole channel maps', () => {
  const cases: [string, Record<string, unknown>, number[], number][] = [
    ['SpatialDropout1D', { rate: 0.3 }, [7, 32], 2],
    ['SpatialDropout2D', { rate: 0.4 }, [3, 5, 32], 3],
    ['SpatialDropout2D', { rate: 0.25, data_format: 'channels_first' }, [32, 3, 5], 1],
    ['SpatialDropout3D', { rate: 0.5 }, [2, 3, 4, 32], 4],
    ['SpatialDropout3D', { rate: 0.2, data_format: 'channels_first' }, [32, 2, 3, 2], 1],
  ];
  for (const [cls, cfg, inShape, c] of cases) {
    test(`${cls} ${JSON.stringify(cfg)} on [N, ${inShape}]`, () => {
      tp.manualSeed(41);
      const m = oneLayer(cls, cfg, inShape);
      const x = positive([16, ...inShape]);
      m.eval();
      expect(same(m.forward(x) as tp.Tensor, x)).toBe(true);
      m.train();
      const rate = cfg.rate as number;
      const y = m.forward(x) as tp.Tensor;
      within(channelMaps(x, y, c, rate), rate, 16 * 32);
      // a second draw gives another mask
      const y2 = m.forward(x) as tp.Tensor;
      expect(same(y, y2)).toBe(false);
      // the gradient is the same per-channel mask: dy/dx = y / x
      const xg = x.clone().requiresGrad_();
      const yg = m.forward(xg) as tp.Tensor;
      tp.backward(tp.sum(yg));
      expect(tp.allclose(xg.grad!, tp.div(yg, x).detach(), { rtol: 1e-5, atol: 1e-6 })).toBe(true);
      m.dispose();
    });
  }

  test('after a Conv2D (whose output tapeflow holds channels-first) the channel is still the last Keras axis', () => {
    tp.manualSeed(7);
    const C = 24;
    // a 1×1 identity convolution: the dropout sees x itself
    const eye: W = { name: 'conv/kernel', shape: [1, 1, C, C], data: Array.from({ length: C * C }, (_, i) => (Math.floor(i / C) === i % C ? 1 : 0)) };
    const m = oneLayer('SpatialDropout2D', { rate: 0.5 }, [4, 3, C], [['Conv2D', 'conv', { filters: C, kernel_size: 1, use_bias: false, activation: 'linear' }, ['x']]], [eye]);
    m.train();
    const x = positive([12, 4, 3, C]);
    within(channelMaps(x, m.forward(x) as tp.Tensor, 3, 0.5), 0.5, 12 * C);
    m.dispose();
  });

  test('rate 0 is the identity in training too; a wrong rank or config is an error naming the layer', () => {
    const m = oneLayer('SpatialDropout2D', { rate: 0 }, [2, 2, 3]);
    m.train();
    const x = positive([2, 2, 2, 3]);
    expect(same(m.forward(x) as tp.Tensor, x)).toBe(true);
    m.dispose();
    const bad = oneLayer('SpatialDropout2D', { rate: 0.5 }, [4, 3]);
    bad.train();
    expectThrowsCode(() => bad.forward(positive([2, 4, 3])), 'ERR_SHAPE', /layer 'd'.*SpatialDropout2D takes a rank-4 input, got shape \[2,4,3\]/);
    bad.dispose();
    expectThrowsCode(() => oneLayer('SpatialDropout2D', { rate: 1 }, [2, 2, 3]), 'ERR_FORMAT', /layer 'd': rate must be in \[0, 1\), got 1/);
    expectThrowsCode(() => oneLayer('SpatialDropout1D', { rate: 0.5, data_format: 'channels_first' }, [2, 3]), 'ERR_FORMAT', /data_format must be 'channels_last'/);
    expectThrowsCode(() => oneLayer('SpatialDropout3D', { rate: 0.5, data_format: 'nchw' }, [2, 2, 2, 3]), 'ERR_FORMAT', /data_format must be 'channels_last' or 'channels_first', got "nchw"/);
  });
});

describe('Dropout, GaussianDropout, GaussianNoise, AlphaDropout', () => {
  const stats = (t: tp.Tensor) => {
    const d = Array.from(t.dataSync());
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    return { mean, std: Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length), n: d.length };
  };

  test('Dropout drops elements at the rate; noise_shape in training is refused, not ignored', () => {
    tp.manualSeed(3);
    const m = oneLayer('Dropout', { rate: 0.3 }, [50, 20]);
    m.train();
    const x = positive([4, 50, 20]);
    const y = m.forward(x) as tp.Tensor;
    const z = Array.from(y.dataSync()).filter((v) => v === 0).length / y.size;
    within(z, 0.3, y.size);
    m.dispose();
    const ns = oneLayer('Dropout', { rate: 0.3, noise_shape: [null, 1, 20] }, [50, 20]);
    expect(same(ns.forward(x) as tp.Tensor, x)).toBe(true); // eval: identity
    ns.train();
    expectThrowsCode(() => ns.forward(x), 'ERR_UNSUPPORTED', /layer 'd': noise_shape in training mode is not supported/);
    ns.dispose();
  });

  test('GaussianDropout: x · (1 + sqrt(rate / (1 - rate)) · N(0, 1))', () => {
    tp.manualSeed(5);
    const m = oneLayer('GaussianDropout', { rate: 0.2 }, [100, 50]);
    const x = tp.full([2, 100, 50], 2);
    expect(same(m.forward(x) as tp.Tensor, x)).toBe(true);
    m.train();
    const s = stats(m.forward(x) as tp.Tensor);
    const sd = 2 * Math.sqrt(0.2 / 0.8);
    expect(Math.abs(s.mean - 2)).toBeLessThan((5 * sd) / Math.sqrt(s.n));
    expect(Math.abs(s.std - sd)).toBeLessThan(0.05 * sd);
    m.dispose();
  });

  test('GaussianNoise: x + stddev · N(0, 1)', () => {
    tp.manualSeed(6);
    const m = oneLayer('GaussianNoise', { stddev: 0.5 }, [100, 50]);
    const x = tp.full([2, 100, 50], -1);
    expect(same(m.forward(x) as tp.Tensor, x)).toBe(true);
    m.train();
    const s = stats(m.forward(x) as tp.Tensor);
    expect(Math.abs(s.mean + 1)).toBeLessThan((5 * 0.5) / Math.sqrt(s.n));
    expect(Math.abs(s.std - 0.5)).toBeLessThan(0.025);
    m.dispose();
  });

  test('AlphaDropout: kept a·x + b, dropped a·(−αλ) + b; zero mean, unit variance kept for N(0, 1) input', () => {
    tp.manualSeed(8);
    const rate = 0.2;
    const m = oneLayer('AlphaDropout', { rate }, [100, 50]);
    const x = tp.randn([4, 100, 50]);
    expect(same(m.forward(x) as tp.Tensor, x)).toBe(true);
    m.train();
    const y = m.forward(x) as tp.Tensor;
    const alphaP = -1.6732632423543772 * 1.0507009873554805;
    const a = ((1 - rate) * (1 + rate * alphaP * alphaP)) ** -0.5;
    const b = -a * alphaP * rate;
    const xs = x.dataSync();
    const ys = y.dataSync();
    let dropped = 0;
    for (let k = 0; k < xs.length; k++) {
      const kept = Math.abs(ys[k] - (a * xs[k] + b)) < 1e-5;
      const drop = Math.abs(ys[k] - (a * alphaP + b)) < 1e-5;
      if (!kept && !drop) throw new Error(`element ${k}: ${ys[k]} is neither a·x + b = ${a * xs[k] + b} nor a·(−αλ) + b`);
      if (drop && !kept) dropped++;
    }
    within(dropped / xs.length, rate, xs.length);
    const s = stats(y);
    expect(Math.abs(s.mean)).toBeLessThan(0.05);
    expect(Math.abs(s.std - 1)).toBeLessThan(0.05);
    m.dispose();
  });
});

