// tp.nn.init: weight initializers (torch.nn.init / tf.keras.initializers).
//
// Each takes either a shape, and returns a NEW tensor (float32 unless options.dtype), or a
// Tensor, which it FILLS IN PLACE with values of its own shape and dtype and returns
// (torch's init.xxx_(t)). Random draws use tapeflow's seeded generator (tp.manualSeed), or
// options.seed for this call only. Fans follow torch: for a weight of shape
// [out, in, ...receptive], fanIn = in * prod(receptive), fanOut = out * prod(receptive);
// a 1-D shape [n] has fanIn = fanOut = n, a 0-d one 1.
//
// The *Normal variance-scaling initializers draw from a plain normal with exactly the
// target std (as torch's xavier_normal_ / kaiming_normal_), not tf's truncated normal.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { DType } from '../core/dtype';
import { full } from '../ops/creation';
import { uniform as randUniform, randn, truncatedNormal as randTruncNormal } from '../ops/random';
import { copyInto } from './parameter';

export interface InitOptions {
  /** dtype of a new tensor (default float32); ignored when filling a tensor */
  dtype?: DType;
  /** a seed for this call only */
  seed?: number | bigint;
}

export type ShapeOrTensor = number[] | Tensor;

export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'sigmoid' | 'identity' | 'tanh' | 'relu' | 'leaky_relu' | 'leakyRelu' | 'selu';

export interface ScalingOptions extends InitOptions {
  /** multiplies the std / bound (glorot's gain; default 1) */
  gain?: number;
}
export interface KaimingOptions extends InitOptions {
  /** negative slope of the leaky relu that follows (default 0) */
  a?: number;
  /** 'fanIn' (default) keeps the forward variance, 'fanOut' the backward */
  mode?: 'fanIn' | 'fanOut';
  /** default 'leaky_relu' (with a = 0 the gain is sqrt(2), as torch) */
  nonlinearity?: Nonlinearity;
}

function shapeOf(op: string, s: ShapeOrTensor): number[] {
  if (s instanceof Tensor) return s._live(op).shape.slice();
  if (!Array.isArray(s) || s.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0))
    fail(op, `expected a shape (array of non-negative integers) or a Tensor, got ${describe(s)}`);
  return s.slice();
}

function optsOf(op: string, o: unknown): InitOptions {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o) || o instanceof Tensor) fail(op, `options must be an object, got ${describe(o)}`);
  return o as InitOptions;
}

/** Makes the values with make(shape, dtype); returns them, or copies them into a given tensor. */
function produce(op: string, s: ShapeOrTensor, o: InitOptions, make: (shape: number[], dtype: DType) => Tensor): Tensor {
  const shape = shapeOf(op, s);
  if (s instanceof Tensor) {
    const dt: DType = s.dtype === 'float64' ? 'float64' : 'float32';
    const v = make(shape, dt);
    try {
      copyInto(op, s, v);
    } finally {
      v.dispose();
    }
    return s;
  }
  return make(shape, o.dtype ?? 'float32');
}

function num(op: string, v: unknown, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, `${arg} must be a finite number, got ${describe(v)}`);
  return v as number;
}

/** [fanIn, fanOut] of a weight shape, as torch's _calculate_fan_in_and_fan_out (see the file comment). */
export function computeFans(shape: ShapeOrTensor): [number, number] {
  const s = shapeOf('computeFans', shape);
  if (s.length === 0) return [1, 1];
  if (s.length === 1) return [s[0], s[0]];
  let receptive = 1;
  for (let i = 2; i < s.length; i++) receptive *= s[i];
  return [s[1] * receptive, s[0] * receptive];
}

/** torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'sigmoid': case 'identity':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': case 'leakyRelu': {
      const slope = param === undefined ? 0.01 : num('calculateGain', param, 'param');
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      return fail('calculateGain', `unknown nonlinearity ${describe(nonlinearity)}`);
  }
}

function fanFor(op: string, shape: number[], mode: FanMode): number {
  const [fi, fo] = computeFans(shape);
  const f = mode === 'fanIn' ? fi : mode === 'fanOut' ? fo : mode === 'fanAvg' ? (fi + fo) / 2 : fail(op, `mode must be 'fanIn', 'fanOut' or 'fanAvg', got ${describe(mode)}`);
  return f;
}

function checkFan(op: string, fan: number): void {
  if (fan <= 0) fail(op, 'cannot initialize a tensor with no elements along the fan dims (fan is 0)', 'ERR_SHAPE');
}

// ---- constant ---------------------------------------------------------------------------------

export function constant(s: ShapeOrTensor, value: number, options?: InitOptions): Tensor {
  const op = 'init.constant';
  const v = num(op, value, 'value');
  return produce(op, s, optsOf(op, options), (sh, dt) => full(sh, v, { dtype: dt }));
}
export function zeros(s: ShapeOrTensor, options?: InitOptions): Tensor {
  return constant(s, 0, options);
}
export function ones(s: ShapeOrTensor, options?: InitOptions): Tensor {
  return constant(s, 1, options);
}

// ---- plain distributions -------------------------------------------------------------------------

/** U(low, high) (torch.nn.init.uniform_; defaults 0, 1). */
export function uniform(s: ShapeOrTensor, low = 0, high = 1, options?: InitOptions): Tensor {
  const op = 'init.uniform';
  const o = optsOf(op, options);
  return produce(op, s, o, (sh, dt) => randUniform(sh, low, high, { dtype: dt, seed: o.seed }));
}

/** N(mean, std²) (torch.nn.init.normal_; defaults 0, 1). */
export function normal(s: ShapeOrTensor, mean = 0, std = 1, options?: InitOptions): Tensor {
  const op = 'init.normal';
  const o = optsOf(op, options);
  return produce(op, s, o, (sh, dt) => randn(sh, { dtype: dt, seed: o.seed, mean, std }));
}

/** N(mean, std²) redrawn outside mean ± 2 std (tf.random.truncated_normal; defaults 0, 1). */
export function truncatedNormal(s: ShapeOrTensor, mean = 0, std = 1, options?: InitOptions): Tensor {
  const op = 'init.truncatedNormal';
  const o = optsOf(op, options);
  return produce(op, s, o, (sh, dt) => randTruncNormal(sh, mean, std, { dtype: dt, seed: o.seed }));
}

// ---- variance scaling ------------------------------------------------------------------------------

function scaledUniform(op: string, s: ShapeOrTensor, o: InitOptions, bound: (shape: number[]) => number): Tensor {
  return produce(op, s, o, (sh, dt) => {
    const b = bound(sh);
    return randUniform(sh, -b, b, { dtype: dt, seed: o.seed });
  });
}
function scaledNormal(op: string, s: ShapeOrTensor, o: InitOptions, std: (shape: number[]) => number): Tensor {
  return produce(op, s, o, (sh, dt) => randn(sh, { dtype: dt, seed: o.seed, mean: 0, std: std(sh) }));
}

/** LeCun normal: std = sqrt(1 / fanIn). */
export function lecunNormal(s: ShapeOrTensor, options?: InitOptions): Tensor {
  const op = 'init.lecunNormal';
  return scaledNormal(op, s, optsOf(op, options), (sh) => {
    const f = fanFor(op, sh, 'fanIn');
    checkFan(op, f);
    return Math.sqrt(1 / f);
  });
}
/** LeCun uniform: U(-b, b), b = sqrt(3 / fanIn). */
export function lecunUniform(s: ShapeOrTensor, options?: InitOptions): Tensor {
  const op = 'init.lecunUniform';
  return scaledUniform(op, s, optsOf(op, options), (sh) => {
    const f = fanFor(op, sh, 'fanIn');
    checkFan(op, f);
    return Math.sqrt(3 / f);
  });
}

/** Glorot / Xavier uniform: U(-b, b), b = gain * sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(s: ShapeOrTensor, options?: ScalingOptions): Tensor {
  const op = 'init.glorotUniform';
  const o = optsOf(op, options) as ScalingOptions;
  const gain = o.gain === undefined ? 1 : num(op, o.gain, 'options.gain');
  return scaledUniform(op, s, o, (sh) => {
    const [fi, fo] = computeFans(sh);
    checkFan(op, fi + fo);
    return gain * Math.sqrt(6 / (fi + fo));
  });
}
/** Glorot / Xavier normal: std = gain * sqrt(2 / (fanIn + fanOut)). */
export function glorotNormal(s: ShapeOrTensor, options?: ScalingOptions): Tensor {
  const op = 'init.glorotNormal';
  const o = optsOf(op, options) as ScalingOptions;
  const gain = o.gain === undefined ? 1 : num(op, o.gain, 'options.gain');
  return scaledNormal(op, s, o, (sh) => {
    const [fi, fo] = computeFans(sh);
    checkFan(op, fi + fo);
    return gain * Math.sqrt(2 / (fi + fo));
  });
}
export const xavierUniform = glorotUniform;
export const xavierNormal = glorotNormal;

function kaimingStd(op: string, sh: number[], o: KaimingOptions): number {
  const a = o.a === undefined ? 0 : num(op, o.a, 'options.a');
  const mode = o.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') fail(op, `options.mode must be 'fanIn' or 'fanOut', got ${describe(mode)}`);
  const f = fanFor(op, sh, mode);
  checkFan(op, f);
  return calculateGain(o.nonlinearity ?? 'leaky_relu', a) / Math.sqrt(f);
}

/**
 * He / Kaiming uniform (torch.nn.init.kaiming_uniform_): U(-b, b), b = gain * sqrt(3 / fan),
 * gain = calculateGain(nonlinearity, a). Defaults (a 0, fanIn, leaky_relu) give
 * b = sqrt(6 / fanIn), tf's he_uniform. nn.Linear uses a = sqrt(5): b = 1 / sqrt(fanIn).
 */
export function heUniform(s: ShapeOrTensor, options?: KaimingOptions): Tensor {
  const op = 'init.heUniform';
  const o = optsOf(op, options) as KaimingOptions;
  return scaledUniform(op, s, o, (sh) => Math.sqrt(3) * kaimingStd(op, sh, o));
}
/** He / Kaiming normal: std = gain / sqrt(fan) (sqrt(2 / fanIn) by default). */
export function heNormal(s: ShapeOrTensor, options?: KaimingOptions): Tensor {
  const op = 'init.heNormal';
  const o = optsOf(op, options) as KaimingOptions;
  return scaledNormal(op, s, o, (sh) => kaimingStd(op, sh, o));
}
export const kaimingUniform = heUniform;
export const kaimingNormal = heNormal;

// ---- initializer options of layers ------------------------------------------------------------------

/** Names a layer's weightInit / biasInit option accepts: the initializers above. */
export type InitializerName =
  | 'zeros' | 'ones' | 'uniform' | 'normal' | 'truncatedNormal' | 'lecunNormal' | 'lecunUniform'
  | 'glorotUniform' | 'glorotNormal' | 'xavierUniform' | 'xavierNormal' | 'heUniform' | 'heNormal'
  | 'kaimingUniform' | 'kaimingNormal'
  // Keras' spellings
  | 'truncated_normal' | 'lecun_normal' | 'lecun_uniform' | 'glorot_uniform' | 'glorot_normal' | 'xavier_uniform'
  | 'xavier_normal' | 'he_uniform' | 'he_normal' | 'kaiming_uniform' | 'kaiming_normal';

/**
 * A layer's weightInit / biasInit: a function (shape, dtype) => new Tensor of that shape and
 * dtype, the name of an initializer of tp.nn.init with its default options ('xavierUniform';
 * Keras' snake_case 'glorot_uniform' too), or a number (every value that constant).
 */
export type Initializer = ((shape: number[], dtype: DType) => Tensor) | InitializerName | number;

const NAMED: Record<string, (shape: number[], o: InitOptions) => Tensor> = {
  zeros, ones, uniform: (s, o) => uniform(s, 0, 1, o), normal: (s, o) => normal(s, 0, 1, o),
  truncatedNormal: (s, o) => truncatedNormal(s, 0, 1, o), lecunNormal, lecunUniform, glorotUniform, glorotNormal,
  xavierUniform, xavierNormal, heUniform, heNormal, kaimingUniform, kaimingNormal,
};

/** @internal checks an initializer option; returns the function that makes the values. */
export function initializerOf(op: string, arg: string, init: unknown): (shape: number[], dtype: DType) => Tensor {
  if (typeof init === 'function') return init as (shape: number[], dtype: DType) => Tensor;
  if (typeof init === 'number') {
    const v = num(op, init, arg);
    return (sh, dt) => full(sh, v, { dtype: dt });
  }
  if (typeof init === 'string') {
    const name = init.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const f = Object.prototype.hasOwnProperty.call(NAMED, name) ? NAMED[name] : undefined;
    if (f !== undefined) return (sh, dt) => f(sh, { dtype: dt });
  }
  return fail(op, `${arg} must be a function (shape, dtype) => Tensor, a number, or one of ${Object.keys(NAMED).join(', ')}; got ${describe(init)}`);
}

/**
 * @internal makes a layer's tensor of shape and dtype with an initializer option (checked by
 * initializerOf) and checks what it returns. A zero-element shape gives an empty tensor
 * without calling it (torch: initializing a zero-element tensor is a no-op).
 */
export function initialize(op: string, arg: string, init: unknown, shape: number[], dtype: DType): Tensor {
  const f = initializerOf(op, arg, init);
  if (shape.reduce((a, b) => a * b, 1) === 0) return full(shape, 0, { dtype });
  const t: unknown = f(shape.slice(), dtype);
  if (!(t instanceof Tensor)) return fail(op, `${arg} returned ${describe(t)}; expected a Tensor of shape ${fmtShape(shape)} and dtype ${dtype}`);
  t._live(op);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    fail(op, `${arg} returned a tensor of shape ${fmtShape(t.shape)}; expected ${fmtShape(shape)}`, 'ERR_SHAPE');
  if (t.dtype !== dtype) fail(op, `${arg} returned a ${t.dtype} tensor; expected ${dtype} (it is passed the dtype to make)`, 'ERR_DTYPE');
  return t;
}
