// Keras core layers: activations, Dense, the dropout and noise layers, Flatten, Reshape, Permute,
// InputLayer and the merge layers (Concatenate, Add, …).
import { Tensor } from '../tensor';
import { matmul } from '../ops/matmul';
import { reshape, permute } from '../ops/views';
import { concat } from '../ops/join';
import { add, sub, mul, maximum, minimum } from '../ops/binary';
import { relu, sigmoid, tanh, elu, gelu, softplus, exp, leakyRelu } from '../ops/unary';
import { relu6, silu, softsign, mish } from '../ops/activations';
import { softmax, logSoftmax } from '../ops/softmax';
import { clamp } from '../ops/clip';
import { dropout } from '../ops/dropout';
import { where, greaterEqual } from '../ops/logical';
import { cast } from '../ops/cast';
import { rand, randn } from '../ops/random';
import { describe } from '../core/errors';
import { layer, ints, num, bool, cfgFail, need, channelsFirst } from './registry';
import type { Config } from './registry';

export type Activation = (x: Tensor) => Tensor;

/**
 * Keras' `trainable` of a layer config (default true): a layer saved with trainable false
 * (frozen for fine-tuning) loads with its weights' requiresGrad false.
 */
export function trainableOf(cfg: Config, name: string): boolean {
  return bool(name, cfg, 'trainable', true);
}

// selu's fixed constants (Klambauer et al. 2017), as Keras writes them
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

const ACTIVATIONS: Record<string, Activation> = {
  linear: (x) => x,
  relu,
  relu6,
  sigmoid,
  tanh,
  softmax: (x) => softmax(x, -1),
  log_softmax: (x) => logSoftmax(x, -1),
  elu: (x) => elu(x, 1),
  selu: (x) => mul(elu(x, SELU_ALPHA), SELU_SCALE),
  softplus: (x) => softplus(x),
  softsign,
  swish: silu,
  silu,
  gelu,
  mish,
  exponential: exp,
  // Keras' hard_sigmoid is clip(0.2 x + 0.5, 0, 1), not torch's x / 6 + 0.5
  hard_sigmoid: (x) => clamp(add(mul(x, 0.2), 0.5), 0, 1),
  leaky_relu: (x) => leakyRelu(x, 0.2),
};

/** The activation a config names ('relu', or Keras 3's { class_name, config: { name } }). */
export function readActivation(name: string, v: unknown): Activation {
  const key = typeof v === 'string' ? v : (v as { config?: { name?: unknown } } | null)?.config?.name;
  if (typeof key !== 'string' || !(key in ACTIVATIONS))
    return cfgFail(name, `activation ${describe(v)} is not supported (${Object.keys(ACTIVATIONS).join(', ')})`, 'ERR_UNSUPPORTED');
  return ACTIVATIONS[key];
}
export const activate = (f: Activation, x: Tensor): Tensor => f(x);

layer<Activation>('Activation', { prepare: (cfg, name) => readActivation(name, cfg.activation), weights: () => [], apply: ([x], _w, f) => f(x) });

interface ReluP { max: number | null; slope: number; threshold: number }
layer<ReluP>('ReLU', {
  prepare: (cfg, name) => {
    const m = cfg.max_value ?? null;
    if (m !== null && (typeof m !== 'number' || !(m >= 0))) cfgFail(name, `max_value must be a number ≥ 0 or null, got ${describe(m)}`);
    return { max: m as number | null, slope: num(name, cfg, 'negative_slope', 0), threshold: num(name, cfg, 'threshold', 0) };
  },
  weights: () => [],
  apply: ([x], _w, p) => {
    // y = x for x ≥ t, slope·(x − t) below, then capped at max_value
    let y: Tensor;
    if (p.threshold === 0 && p.slope === 0) y = p.max === 6 ? relu6(x) : relu(x);
    else y = where(greaterEqual(x, p.threshold), x, mul(sub(x, p.threshold), p.slope));
    return p.max !== null && !(p.max === 6 && p.threshold === 0 && p.slope === 0) ? minimum(y, p.max) : y;
  },
});
layer<number>('LeakyReLU', { prepare: (cfg, name) => num(name, cfg, 'alpha', num(name, cfg, 'negative_slope', 0.3)), weights: () => [], apply: ([x], _w, a) => leakyRelu(x, a) });
layer<number>('ELU', { prepare: (cfg, name) => num(name, cfg, 'alpha', 1), weights: () => [], apply: ([x], _w, a) => elu(x, a) });
layer<number>('Softmax', {
  prepare: (cfg, name) => { const a = Array.isArray(cfg.axis) && cfg.axis.length === 1 ? cfg.axis[0] : cfg.axis ?? -1; if (!Number.isSafeInteger(a)) cfgFail(name, `axis must be one integer, got ${describe(cfg.axis)}`); return a as number; },
  weights: () => [],
  apply: ([x], _w, a) => softmax(x, a),
});

interface DenseP { units: number; useBias: boolean; act: Activation }
layer<DenseP>('Dense', {
  prepare: (cfg, name) => ({ units: ints(name, cfg, 'units', 1)[0], useBias: cfg.use_bias !== false, act: readActivation(name, cfg.activation ?? 'linear') }),
  weights: (p) => [{ role: 'kernel', shape: [null, p.units] }, ...(p.useBias ? [{ role: 'bias', shape: [p.units] }] : [])],
  apply: ([x], w, p, ctx) => {
    need(ctx, x.rank >= 2 && x.shape[x.rank - 1] === w.kernel.shape[0], `kernel [${w.kernel.shape}] does not fit an input of shape [${x.shape}]`);
    const y = matmul(x, w.kernel);
    return p.act(w.bias ? add(y, w.bias) : y);
  },
});

const rateOf = (cfg: Config, name: string): number => {
  const r = num(name, cfg, 'rate', 0.5);
  if (!(r >= 0 && r < 1)) cfgFail(name, `rate must be in [0, 1), got ${r}`);
  return r;
};

interface DropoutP { rate: number; noiseShape: boolean }
layer<DropoutP>('Dropout', {
  prepare: (cfg, name) => ({ rate: rateOf(cfg, name), noiseShape: cfg.noise_shape !== undefined && cfg.noise_shape !== null }),
  weights: () => [],
  apply: ([x], _w, p, ctx) => {
    // a shared mask over noise_shape's 1-dims would need the Keras layout, which elementwise layers may not get
    if (ctx.training && p.noiseShape && p.rate > 0) cfgFail(ctx.name, 'noise_shape in training mode is not supported', 'ERR_UNSUPPORTED');
    return dropout(x, { p: p.rate, training: ctx.training });
  },
});

/** x times a keep mask of the given shape (broadcast over x), kept values scaled by 1 / (1 - rate) as Keras does. */
function maskedBy(x: Tensor, shape: number[], rate: number): Tensor {
  return mul(x, mul(cast(greaterEqual(rand(shape, { dtype: x.dtype, device: x.device }), rate), x.dtype), 1 / (1 - rate)));
}

// SpatialDropout1D/2D/3D drop whole feature maps: one mask value per (sample, channel)
interface SpatialP { rate: number; channelsFirst: boolean }
for (const [cls, rank] of [['SpatialDropout1D', 3], ['SpatialDropout2D', 4], ['SpatialDropout3D', 5]] as const) {
  layer<SpatialP>(cls, {
    prepare: (cfg, name) => {
      const f = cfg.data_format ?? 'channels_last';
      if ((f !== 'channels_last' && f !== 'channels_first') || (rank === 3 && f !== 'channels_last'))
        cfgFail(name, `data_format must be ${rank === 3 ? "'channels_last'" : "'channels_last' or 'channels_first'"}, got ${describe(f)}`);
      return { rate: rateOf(cfg, name), channelsFirst: f === 'channels_first' };
    },
    weights: () => [],
    apply: ([x], _w, p, ctx) => {
      need(ctx, x.rank === rank, `${cls} takes a rank-${rank} input, got shape [${x.shape}]`);
      if (!ctx.training || p.rate === 0) return x;
      const c = p.channelsFirst ? 1 : rank - 1;
      return maskedBy(x, x.shape.map((d, i) => (i === 0 || i === c ? d : 1)), p.rate);
    },
  });
}

// Keras GaussianDropout: x · (1 + sqrt(rate / (1 − rate)) · N(0, 1)) in training
layer<number>('GaussianDropout', {
  prepare: (cfg, name) => rateOf(cfg, name),
  weights: () => [],
  apply: ([x], _w, r, ctx) => (ctx.training && r > 0 ? mul(x, add(mul(randn(x.shape, { dtype: x.dtype, device: x.device }), Math.sqrt(r / (1 - r))), 1)) : x),
});

// Keras GaussianNoise: x + stddev · N(0, 1) in training
layer<number>('GaussianNoise', {
  prepare: (cfg, name) => { const s = num(name, cfg, 'stddev', 0); if (!(s >= 0)) cfgFail(name, `stddev must be ≥ 0, got ${s}`); return s; },
  weights: () => [],
  apply: ([x], _w, s, ctx) => (ctx.training && s > 0 ? add(x, mul(randn(x.shape, { dtype: x.dtype, device: x.device }), s)) : x),
});

// Keras AlphaDropout (for selu nets): dropped values set to selu's negative saturation −αλ, then
// an affine map a·x + b that keeps zero mean and unit variance
layer<number>('AlphaDropout', {
  prepare: (cfg, name) => rateOf(cfg, name),
  weights: () => [],
  apply: ([x], _w, r, ctx) => {
    if (!ctx.training || r === 0) return x;
    const alphaP = -SELU_ALPHA * SELU_SCALE;
    const keep = cast(greaterEqual(rand(x.shape, { dtype: x.dtype, device: x.device }), r), x.dtype);
    const a = ((1 - r) * (1 + r * alphaP * alphaP)) ** -0.5;
    const b = -a * alphaP * r;
    // x·keep + αp·(1 − keep) = keep·(x − αp) + αp
    return add(mul(add(mul(keep, sub(x, alphaP)), alphaP), a), b);
  },
});
layer<null>('InputLayer', { prepare: () => null, weights: () => [], apply: ([x]) => x });

// channels_first: the channels go last before flattening, as Keras and TF.js do (so a Dense
// after it reads the features in the channels_last order)
layer<boolean>('Flatten', {
  prepare: (cfg, name) => channelsFirst(name, cfg),
  weights: () => [],
  apply: ([x], _w, first) => {
    const t = first && x.rank > 2 ? permute(x, [0, ...x.shape.map((_, i) => i).slice(2), 1]) : x;
    return reshape(t, [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)]);
  },
});

layer<number[]>('Reshape', {
  prepare: (cfg, name) => {
    const t = Array.isArray(cfg.target_shape) ? Array.from(cfg.target_shape as unknown[]) : cfg.target_shape;
    if (!Array.isArray(t) || t.some((d) => !Number.isSafeInteger(d) || (d < 0 && d !== -1)) || t.filter((d) => d === -1).length > 1)
      cfgFail(name, `target_shape must be an array of non-negative integers with at most one -1, got ${describe(t)}`);
    return t as number[];
  },
  weights: () => [],
  apply: ([x], _w, t, ctx) => {
    const rest = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const known = t.reduce((a, d) => (d === -1 ? a : a * d), 1);
    need(ctx, t.includes(-1) ? known > 0 && rest % known === 0 : known === rest, `cannot reshape an input of shape [${x.shape}] to [${x.shape[0]}, ${t}]`);
    return reshape(x, [x.shape[0], ...t]);
  },
});

layer<number[]>('Permute', {
  prepare: (cfg, name) => {
    const d = Array.isArray(cfg.dims) ? Array.from(cfg.dims as unknown[]) : cfg.dims;
    if (!Array.isArray(d) || d.some((v) => !Number.isSafeInteger(v) || v < 1) || [...d].sort().some((v, i) => v !== i + 1))
      cfgFail(name, `dims must be a permutation of 1..n, got ${describe(d)}`);
    return d as number[];
  },
  weights: () => [],
  apply: ([x], _w, d, ctx) => { need(ctx, x.rank === d.length + 1, `dims [${d}] do not fit an input of shape [${x.shape}]`); return permute(x, [0, ...d]); },
});

layer<number>('Concatenate', {
  prepare: (cfg, name) => { const a = cfg.axis ?? -1; if (!Number.isSafeInteger(a)) cfgFail(name, `axis must be an integer, got ${describe(a)}`); return a as number; },
  weights: () => [],
  apply: (xs, _w, a, ctx) => { need(ctx, xs.length >= 1 && a !== 0 && a >= -xs[0].rank && a < xs[0].rank, `axis ${a} does not fit inputs of shape [${xs[0]?.shape}]`); return concat(xs, a); },
});

const merge = (f: (a: Tensor, b: Tensor) => Tensor, after?: (y: Tensor, n: number) => Tensor) => ({
  prepare: () => null,
  weights: () => [],
  apply: (xs: Tensor[]) => { let y = xs[0]; for (let i = 1; i < xs.length; i++) y = f(y, xs[i]); return after ? after(y, xs.length) : y; },
});
layer<null>('Add', merge(add));
layer<null>('Subtract', merge(sub));
layer<null>('Multiply', merge(mul));
layer<null>('Maximum', merge(maximum));
layer<null>('Minimum', merge(minimum));
layer<null>('Average', merge(add, (y, n) => mul(y, 1 / n)));
export { ints };
export type { Config };
