// Random tensors: rand, randn, randint, truncatedNormal, bernoulli, uniform, randperm and
// the TF spellings randomUniform / randomNormal.
//
// Generator: Philox4x32-10, counter-based (native/cpu/random.cc). The whole state is
// (seed, offset) and lives here: a call with n elements reads counters offset,
// offset + 1, … (each counter feeds 1–4 elements depending on the distribution) and the
// native call returns how many it used, which is added to offset. Element i of a call
// depends only on (seed, offset, i), so results are identical for any thread count.
// manualSeed(s) resets the seed and the offset to 0. At load the seed is random (crypto).
import { randomBytes } from 'crypto';
import { native } from '../core/native';
import { DType, checkDType, isFloat } from '../core/dtype';
import { fail, describe, fmtShape } from '../core/errors';
import { checkShape, sameShape } from '../core/shape';
import { Tensor } from '../tensor';
import { checkTensor } from '../core/validate';
import { emptyTensor, onDevice, checkDevice } from './creation';
import type { DeviceLike } from '../core/device';

// Distribution codes (native/cpu/random.h RandomKind).
const UNIFORM = 0;
const NORMAL = 1;
const TRUNC_NORMAL = 2;
const RANDINT = 3;
const BERNOULLI = 4;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

// ---------------------------------------------------------------------------------------
// Generator state
// ---------------------------------------------------------------------------------------

interface GenState {
  seed: bigint; // as given (normalised to uint64 for the key)
  lo: number; // key words
  hi: number;
  offset: number; // next unused counter
}

const state: GenState = { seed: 0n, lo: 0, hi: 0, offset: 0 };

function keyOf(seed: bigint): { lo: number; hi: number } {
  const u = BigInt.asUintN(64, seed);
  return { lo: Number(u & 0xffffffffn), hi: Number(u >> 32n) };
}

function toSeed(s: unknown, op: string, arg = 'seed'): bigint {
  if (typeof s === 'bigint') return s;
  if (typeof s === 'number' && Number.isSafeInteger(s)) return BigInt(s);
  return fail(op, `${arg} must be an integer (a safe-integer number or a bigint), got ${describe(s)}`);
}

function setSeed(seed: bigint): void {
  const k = keyOf(seed);
  state.seed = seed;
  state.lo = k.lo;
  state.hi = k.hi;
  state.offset = 0;
}

setSeed(randomBytes(8).readBigUInt64LE(0));

/**
 * Seeds the global generator (torch.manual_seed): the same seed gives the same sequence
 * of random tensors, on any number of threads. Negative and bigint seeds are taken modulo 2^64.
 */
export function manualSeed(seed: number | bigint): void {
  setSeed(toSeed(seed, 'manualSeed'));
}
/** Alias of manualSeed (tf.random.set_seed / np.random.seed spelling). */
export const seed = manualSeed;

/** The seed in use: the last manualSeed value, or the random one chosen at load. */
export function initialSeed(): bigint {
  return state.seed;
}

export interface RngState {
  seed: bigint;
  offset: number;
}

/** Snapshot of the generator (seed and counter offset); restore it with setRngState. */
export function getRngState(): RngState {
  return { seed: state.seed, offset: state.offset };
}

export function setRngState(s: RngState): void {
  if (s === null || typeof s !== 'object') fail('setRngState', `state must be { seed, offset }, got ${describe(s)}`);
  const sd = toSeed(s.seed, 'setRngState', 'state.seed');
  const off = s.offset;
  if (typeof off !== 'number' || !Number.isSafeInteger(off) || off < 0)
    fail('setRngState', `state.offset must be a non-negative safe integer, got ${describe(off)}`);
  setSeed(sd);
  state.offset = off;
}

// ---------------------------------------------------------------------------------------
// Options and validation
// ---------------------------------------------------------------------------------------

export interface RandomOptions {
  dtype?: DType;
  requiresGrad?: boolean;
  /** 'cpu' (default), 'cuda' or 'cuda:N': drawn on the cpu (the same stream) and uploaded */
  device?: DeviceLike;
  /**
   * A seed for this call only (as tf.random ops / tfjs take): draws from (seed, offset 0)
   * and leaves the global generator untouched.
   */
  seed?: number | bigint;
}
export interface NormalOptions extends RandomOptions {
  mean?: number;
  std?: number;
}

function checkOpts<T extends RandomOptions>(o: unknown, op: string): T {
  if (o === undefined || o === null) return {} as T;
  if (typeof o !== 'object' || Array.isArray(o) || o instanceof Tensor) fail(op, `options must be an object, got ${describe(o)}`);
  const opts = o as T;
  if (opts.dtype !== undefined) checkDType(opts.dtype, op);
  if (opts.seed !== undefined) toSeed(opts.seed, op, 'options.seed');
  if (opts.device !== undefined) checkDevice(opts.device, op);
  return opts;
}

function floatDType(opts: RandomOptions, op: string): DType {
  const dt = opts.dtype ?? 'float32';
  if (!isFloat(dt))
    fail(op, `dtype must be float32 or float64 for random floats, got ${dt}` + (dt === 'int32' ? '; use tp.randint for integers' : ''), 'ERR_DTYPE');
  return dt;
}

function finiteNum(v: unknown, op: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, `${arg} must be a finite number, got ${describe(v)}`);
  return v as number;
}

function stdNum(v: unknown, op: string, arg: string): number {
  const s = finiteNum(v, op, arg);
  if (s < 0) fail(op, `${arg} must be >= 0, got ${s}`);
  return s;
}

/** Runs a native fill with the global state (advancing it) or a per-call seed. */
function draw(opts: RandomOptions, call: (lo: number, hi: number, offset: number) => number): void {
  if (opts.seed !== undefined) {
    const k = keyOf(toSeed(opts.seed, 'random'));
    call(k.lo, k.hi, 0);
    return;
  }
  const used = call(state.lo, state.hi, state.offset);
  state.offset += used;
}

function finish(t0: Tensor, opts: RandomOptions): Tensor {
  const t = onDevice(t0, opts.device);
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Allocates shape/dtype and fills it with distribution `kind`(a, b). */
function fillNew(shape: number[], dtype: DType, kind: number, a: number, b: number, opts: RandomOptions): Tensor {
  const out = emptyTensor(shape, dtype);
  if (out.size === 0) return finish(out, opts);
  try {
    draw(opts, (lo, hi, off) => native.randomFill(out._h, out.size, kind, lo, hi, off, a, b));
  } catch (e) {
    out.dispose();
    throw e;
  }
  return finish(out, opts);
}

// ---------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------

/** Uniform floats in [0, 1) (torch.rand). float32 values have 24 random bits and are never 1. */
export function rand(shape: number[], options?: RandomOptions): Tensor {
  const op = 'rand';
  const s = checkShape(shape, op);
  const o = checkOpts<RandomOptions>(options, op);
  return fillNew(s, floatDType(o, op), UNIFORM, 0, 1, o);
}

/** Uniform floats in [low, high) (torch.empty().uniform_(low, high)). */
export function uniform(shape: number[], low = 0, high = 1, options?: RandomOptions): Tensor {
  const op = 'uniform';
  const s = checkShape(shape, op);
  const a = finiteNum(low, op, 'low');
  const b = finiteNum(high, op, 'high');
  if (a > b) fail(op, `low (${a}) must be <= high (${b})`);
  const o = checkOpts<RandomOptions>(options, op);
  return fillNew(s, floatDType(o, op), UNIFORM, a, b, o);
}

/** Normal samples, mean 0 and std 1 unless given (torch.randn). */
export function randn(shape: number[], options?: NormalOptions): Tensor {
  const op = 'randn';
  const s = checkShape(shape, op);
  const o = checkOpts<NormalOptions>(options, op);
  const mean = o.mean === undefined ? 0 : finiteNum(o.mean, op, 'options.mean');
  const std = o.std === undefined ? 1 : stdNum(o.std, op, 'options.std');
  return fillNew(s, floatDType(o, op), NORMAL, mean, std, o);
}

/**
 * Normal samples with every value more than 2 std from the mean re-drawn
 * (tf.random.truncated_normal). Also callable as truncatedNormal(shape, mean, stddev, options).
 */
export function truncatedNormal(shape: number[], options?: NormalOptions): Tensor;
export function truncatedNormal(shape: number[], mean?: number, stddev?: number, options?: RandomOptions): Tensor;
export function truncatedNormal(shape: number[], a?: number | NormalOptions, b?: number, c?: RandomOptions): Tensor {
  const op = 'truncatedNormal';
  const s = checkShape(shape, op);
  let o: NormalOptions;
  let mean = 0;
  let std = 1;
  if (typeof a === 'number' || typeof b === 'number') {
    o = checkOpts<RandomOptions>(c, op);
    if (a !== undefined) mean = finiteNum(a, op, 'mean');
    if (b !== undefined) std = stdNum(b, op, 'stddev');
  } else {
    o = checkOpts<NormalOptions>(a, op);
    if (o.mean !== undefined) mean = finiteNum(o.mean, op, 'options.mean');
    if (o.std !== undefined) std = stdNum(o.std, op, 'options.std');
  }
  return fillNew(s, floatDType(o, op), TRUNC_NORMAL, mean, std, o);
}

function checkIntBound(v: unknown, op: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(op, `${arg} must be an integer, got ${describe(v)}`);
  const n = v as number;
  if (n < INT32_MIN || n > INT32_MAX) fail(op, `${arg} (${n}) must be within int32 [${INT32_MIN}, ${INT32_MAX}]`);
  return n;
}

/**
 * Uniform integers in [low, high) (torch.randint); int32 unless options.dtype says float32/float64.
 * randint(high, shape) means low = 0.
 */
export function randint(low: number, high: number, shape: number[], options?: RandomOptions): Tensor;
export function randint(high: number, shape: number[], options?: RandomOptions): Tensor;
export function randint(a: number, b: number | number[], c?: number[] | RandomOptions, d?: RandomOptions): Tensor {
  const op = 'randint';
  let low: unknown, high: unknown, shape: unknown, options: unknown;
  if (Array.isArray(b)) [low, high, shape, options] = [0, a, b, c];
  else [low, high, shape, options] = [a, b, c, d];
  const lo = checkIntBound(low, op, 'low');
  const hi = checkIntBound(high, op, 'high');
  if (hi <= lo) fail(op, `high (${hi}) must be greater than low (${lo})`);
  const s = checkShape(shape, op);
  const o = checkOpts<RandomOptions>(options, op);
  const dt = o.dtype ?? 'int32';
  if (dt === 'bool') fail(op, 'dtype bool is not supported; use tp.bernoulli for random booleans', 'ERR_DTYPE');
  return fillNew(s, dt, RANDINT, lo, hi, o);
}

/**
 * 0/1 samples (torch.bernoulli). p is a probability in [0, 1] (with `shape`, default 0-d;
 * result float32) or a float tensor of probabilities (result has p's shape and dtype, as
 * torch). options.dtype overrides the result dtype. A probability outside [0, 1] or NaN throws.
 */
export function bernoulli(p: number | Tensor, shape?: number[] | RandomOptions, options?: RandomOptions): Tensor {
  const op = 'bernoulli';
  if (shape !== undefined && shape !== null && !Array.isArray(shape) && typeof shape === 'object') {
    options = shape as RandomOptions;
    shape = undefined;
  }
  const o = checkOpts<RandomOptions>(options, op);
  if (p instanceof Tensor) {
    p._live(op);
    if (!isFloat(p.dtype)) fail(op, `probabilities must be a float32 or float64 tensor, got ${p.dtype}`, 'ERR_DTYPE');
    if (shape !== undefined && shape !== null) {
      const s = checkShape(shape, op);
      if (!sameShape(s, p.shape)) fail(op, `shape ${fmtShape(s)} differs from the probabilities' shape ${fmtShape(p.shape)}`, 'ERR_SHAPE');
    }
    const out = emptyTensor(p.shape.slice(), o.dtype ?? p.dtype);
    if (out.size === 0) return finish(out, o);
    const pc = p.contiguous();
    try {
      draw(o, (lo, hi, off) => native.bernoulliFill(out._h, out.size, pc._h, pc._offset, lo, hi, off));
    } catch (e) {
      out.dispose();
      throw e;
    } finally {
      if (pc !== p) pc.dispose();
    }
    return finish(out, o);
  }
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    fail(op, `p must be a probability in [0, 1] or a float tensor of them, got ${describe(p)}`);
  const s = shape === undefined || shape === null ? [] : checkShape(shape, op);
  return fillNew(s, o.dtype ?? 'float32', BERNOULLI, p, 0, o);
}

/** A random permutation of 0..n-1 (torch.randperm), int32 unless options.dtype says otherwise. */
export function randperm(n: number, options?: RandomOptions): Tensor {
  const op = 'randperm';
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > INT32_MAX)
    fail(op, `n must be an integer in [0, ${INT32_MAX}], got ${describe(n)}`);
  const o = checkOpts<RandomOptions>(options, op);
  const dt = o.dtype ?? 'int32';
  if (dt === 'bool') fail(op, 'dtype bool is not supported', 'ERR_DTYPE');
  const out = emptyTensor([n], 'int32');
  if (n > 0) {
    try {
      draw(o, (lo, hi, off) => native.randperm(out._h, n, lo, hi, off));
    } catch (e) {
      out.dispose();
      throw e;
    }
  }
  if (dt === 'int32') return finish(out, o);
  const cast = out._copyAs(dt);
  out.dispose();
  return finish(cast, o);
}

// ---------------------------------------------------------------------------------------
// TF / tfjs spellings and *Like variants
// ---------------------------------------------------------------------------------------

/**
 * tf.random.uniform: floats in [minval, maxval); with dtype int32, integers in
 * [minval, maxval) (maxval must then be given and greater than minval).
 */
export function randomUniform(shape: number[], minval = 0, maxval = 1, options?: RandomOptions): Tensor {
  const op = 'randomUniform';
  const o = checkOpts<RandomOptions>(options, op);
  if (o.dtype === 'int32') {
    const lo = checkIntBound(minval, op, 'minval');
    const hi = checkIntBound(maxval, op, 'maxval');
    if (hi <= lo) fail(op, `maxval (${hi}) must be greater than minval (${lo}) for int32`);
    return fillNew(checkShape(shape, op), 'int32', RANDINT, lo, hi, o);
  }
  const s = checkShape(shape, op);
  const a = finiteNum(minval, op, 'minval');
  const b = finiteNum(maxval, op, 'maxval');
  if (a > b) fail(op, `minval (${a}) must be <= maxval (${b})`);
  return fillNew(s, floatDType(o, op), UNIFORM, a, b, o);
}

/** tf.random.normal. */
export function randomNormal(shape: number[], mean = 0, stddev = 1, options?: RandomOptions): Tensor {
  const op = 'randomNormal';
  const s = checkShape(shape, op);
  const m = finiteNum(mean, op, 'mean');
  const sd = stdNum(stddev, op, 'stddev');
  const o = checkOpts<RandomOptions>(options, op);
  return fillNew(s, floatDType(o, op), NORMAL, m, sd, o);
}

/** rand with x's shape; dtype x's when floating, else float32 (torch.rand_like). */
export function randLike(x: Tensor, options?: RandomOptions): Tensor {
  const t = checkTensor(x, 'randLike');
  const o = checkOpts<RandomOptions>(options, 'randLike');
  return rand(t.shape.slice(), { ...o, dtype: o.dtype ?? (isFloat(t.dtype) ? t.dtype : 'float32'), device: o.device ?? t.device });
}

/** randn with x's shape; dtype x's when floating, else float32 (torch.randn_like). */
export function randnLike(x: Tensor, options?: NormalOptions): Tensor {
  const t = checkTensor(x, 'randnLike');
  const o = checkOpts<NormalOptions>(options, 'randnLike');
  return randn(t.shape.slice(), { ...o, dtype: o.dtype ?? (isFloat(t.dtype) ? t.dtype : 'float32'), device: o.device ?? t.device });
}

declare module '../tensor' {
  interface Tensor {
    /** 0/1 samples with this tensor's values as probabilities (torch Tensor.bernoulli). */
    bernoulli(options?: RandomOptions): Tensor;
  }
}
Tensor.prototype.bernoulli = function (this: Tensor, options?: RandomOptions): Tensor {
  return bernoulli(this, undefined, options);
};
