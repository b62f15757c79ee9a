// Factories: tensor, zeros, ones, full, arange, linspace, eye and the *Like variants.
import { native, writeLayout } from '../core/native';
import { DType, DTYPE_CODE, TYPED_ARRAY, checkDType, dtypeOfTypedArray, TypedArray } from '../core/dtype';
import { fail, describe, fmtShape } from '../core/errors';
import { checkShape, contiguousStrides, numel, MAX_NUMEL } from '../core/shape';
import { Tensor } from '../tensor';
import { nestedShape, checkNested, fillNested, leafBuffer } from './nested';
import { DeviceLike, deviceCode, deviceName, checkAvailable } from '../core/device';
import { to } from './device';

export interface TensorOptions {
  dtype?: DType;
  shape?: number[];
  requiresGrad?: boolean;
  /** 'cpu' (default), 'cuda' or 'cuda:N' (a CUDA build on a machine with a GPU) */
  device?: DeviceLike;
}
export interface DTypeOptions {
  dtype?: DType;
  /** 'cpu' (default), 'cuda' or 'cuda:N' (a CUDA build on a machine with a GPU) */
  device?: DeviceLike;
  requiresGrad?: boolean;
}

function checkOptions(o: unknown, op: string): TensorOptions {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o)) fail(op, `options must be an object, got ${describe(o)}`);
  const opts = o as TensorOptions;
  if (opts.dtype !== undefined) checkDType(opts.dtype, op);
  if (opts.device !== undefined) checkDevice(opts.device, op);
  return opts;
}

/** The device code of an options.device spelling; ERR_DEVICE when this build or machine lacks it. */
export function checkDevice(device: unknown, op: string): number {
  const code = deviceCode(device, op);
  checkAvailable(code, op);
  return code;
}

function finish(t0: Tensor, opts: TensorOptions): Tensor {
  const t = onDevice(t0, opts.device);
  if (opts.requiresGrad) {
    try {
      t.requiresGrad = true; // ERR_DTYPE unless float
    } catch (e) {
      t.dispose();
      throw e;
    }
  }
  return t;
}

/**
 * @internal t moved to `device` (t itself for the cpu or no device): factories build on the
 * cpu and upload once.
 */
export function onDevice(t: Tensor, device: DeviceLike | undefined): Tensor {
  if (device === undefined || device === 'cpu') return t;
  try {
    const out = to(t, device);
    if (out !== t) t.dispose();
    return out;
  } catch (e) {
    t.dispose();
    throw e;
  }
}

/** @internal uploads a typed array already in the right element type. */
export function fromTyped(arr: TypedArray, shape: number[], dtype: DType): Tensor {
  return Tensor._fromHandle(native.fromTypedArray(arr, DTYPE_CODE[dtype]), shape, dtype);
}

/** @internal a contiguous uninitialised tensor. */
export function emptyTensor(shape: number[], dtype: DType): Tensor {
  return Tensor._fromHandle(native.empty(numel(shape), DTYPE_CODE[dtype]), shape, dtype);
}

/** @internal fills a fresh contiguous tensor. */
export function filled(shape: number[], value: number, dtype: DType): Tensor {
  const t = emptyTensor(shape, dtype);
  if (t.size) {
    writeLayout(0, [t.size], [1]);
    native.fill(t._h, 0, value);
  }
  return t;
}

/** Converts values (held exactly as float64) to dtype with the native cast (saturating, bool = nonzero). */
function fromFloat64(values: Float64Array, shape: number[], dtype: DType): Tensor {
  if (dtype === 'float64') return fromTyped(values, shape, dtype);
  const src = fromTyped(values, [values.length], 'float64');
  const out = emptyTensor(shape, dtype);
  if (values.length) {
    writeLayout(0, [values.length], [1], [1]);
    native.copy(out._h, 0, src._h, 0);
  }
  src.dispose();
  return out;
}

/**
 * A [n] tensor of dtype whose element i is f(i), computed in float64 and converted
 * natively. Generated in chunks so a huge range never needs a JS array of its size.
 */
function generate(n: number, f: (i: number) => number, dtype: DType, op: string): Tensor {
  if (n > MAX_NUMEL) fail(op, `${n} elements is more than the ${MAX_NUMEL} supported`, 'ERR_SHAPE');
  const CHUNK = 1 << 20;
  if (n <= CHUNK) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = f(i);
    return fromFloat64(values, [n], dtype);
  }
  const out = emptyTensor([n], dtype); // native allocation: fails cleanly with ERR_OUT_OF_MEMORY
  try {
    const values = new Float64Array(CHUNK);
    for (let start = 0; start < n; start += CHUNK) {
      const len = Math.min(CHUNK, n - start);
      for (let i = 0; i < len; i++) values[i] = f(start + i);
      const src = fromTyped(len === CHUNK ? values : values.subarray(0, len), [len], 'float64');
      writeLayout(0, [len], [1], [1]);
      native.copy(out._h, start, src._h, 0);
      src.dispose();
    }
  } catch (e) {
    out.dispose();
    throw e;
  }
  return out;
}

/**
 * Creates a tensor from a number, a boolean, nested arrays, or a TypedArray (with
 * `shape`, defaulting to 1-D). Without options.dtype, JS numbers give float32 whether or
 * not they are whole (JS has no integer type; TensorFlow.js does the same), booleans give
 * bool, and a TypedArray keeps its type (Float32Array float32, Float64Array float64,
 * Int32Array and the other integer arrays int32, Uint8Array bool). Pass { dtype: 'int32' }
 * for integers, { dtype: 'float64' } for values float32 cannot hold exactly.
 */
export function tensor(data: unknown, options?: TensorOptions): Tensor {
  const op = 'tensor';
  const opts = checkOptions(options, op);
  if (data instanceof Tensor) {
    data._live(op);
    const dt = opts.dtype ?? data.dtype;
    return finish(data._copyAs(dt), opts);
  }
  const tdt = dtypeOfTypedArray(data);
  if (tdt !== null || data instanceof Int8Array || data instanceof Int16Array || data instanceof Uint16Array ||
      data instanceof Uint32Array || data instanceof Uint8ClampedArray) {
    const arr = data as ArrayLike<number>;
    const shape = opts.shape !== undefined ? checkShape(opts.shape, op) : [arr.length];
    if (numel(shape) !== arr.length)
      fail(op, `shape ${fmtShape(shape)} needs ${numel(shape)} values but the typed array has ${arr.length}`, 'ERR_SHAPE');
    const dtype = opts.dtype ?? tdt ?? 'int32';
    if (dtype === tdt && dtype !== 'bool') return finish(fromTyped(arr as TypedArray, shape, dtype), opts);
    return finish(fromFloat64(Float64Array.from(arr), shape, dtype), opts);
  }
  if (typeof data === 'number' || typeof data === 'boolean') {
    const shape = opts.shape !== undefined ? checkShape(opts.shape, op) : [];
    if (numel(shape) !== 1) fail(op, `a single value cannot fill shape ${fmtShape(shape)}; use tp.full`, 'ERR_SHAPE');
    const dtype: DType = opts.dtype ?? (typeof data === 'boolean' ? 'bool' : 'float32');
    if (dtype === 'float32') return finish(fromTyped(Float32Array.of(+data), shape, dtype), opts);
    return finish(fromFloat64(Float64Array.of(+data), shape, dtype), opts);
  }
  if (!Array.isArray(data))
    return fail(op, `data must be a number, boolean, nested array, TypedArray or Tensor; got ${describe(data)}`);
  const nested = nestedShape(data, op);
  const allBool = checkNested(data, nested, op);
  const n = numel(nested);
  let shape = nested;
  if (opts.shape !== undefined) {
    const want = checkShape(opts.shape, op);
    if (numel(want) !== n)
      fail(op, `shape ${fmtShape(want)} needs ${numel(want)} values but data has ${n}`, 'ERR_SHAPE');
    shape = want;
  }
  const dtype: DType = opts.dtype ?? (allBool && n > 0 ? 'bool' : 'float32');
  // float32 is written straight into its own buffer; other dtypes go through the native cast
  const values = leafBuffer(n, dtype === 'float32', op);
  if (n > 0) fillNested(data, nested.length, values);
  if (dtype === 'float32') return finish(fromTyped(values, shape, dtype), opts);
  return finish(fromFloat64(values as Float64Array, shape, dtype), opts);
}

function shapeAndOpts(shape: unknown, options: unknown, op: string): [number[], TensorOptions] {
  return [checkShape(shape, op), checkOptions(options, op)];
}

export function zeros(shape: number[], options?: DTypeOptions): Tensor {
  const [s, o] = shapeAndOpts(shape, options, 'zeros');
  return finish(filled(s, 0, o.dtype ?? 'float32'), o);
}

export function ones(shape: number[], options?: DTypeOptions): Tensor {
  const [s, o] = shapeAndOpts(shape, options, 'ones');
  return finish(filled(s, 1, o.dtype ?? 'float32'), o);
}

/** Fills shape with value; dtype defaults to bool for a boolean, else float32. */
export function full(shape: number[], value: number | boolean, options?: DTypeOptions): Tensor {
  const [s, o] = shapeAndOpts(shape, options, 'full');
  if (typeof value !== 'number' && typeof value !== 'boolean') fail('full', `value must be a number or boolean, got ${describe(value)}`);
  const dt = o.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  return finish(filled(s, Number(value), dt), o);
}
export const fill = full;

/** *Like factories: on x's device unless options name one (as torch's zeros_like). */
function likeDevice(x: Tensor, o: TensorOptions): TensorOptions {
  return o.device !== undefined ? o : { ...o, device: deviceName(x._deviceCode()) };
}

function likeArgs(x: unknown, options: unknown, op: string): [Tensor, TensorOptions] {
  if (!(x instanceof Tensor)) fail(op, `x must be a Tensor, got ${describe(x)}`);
  (x as Tensor)._live(op);
  return [x as Tensor, checkOptions(options, op)];
}
export function zerosLike(x: Tensor, options?: DTypeOptions): Tensor {
  const [t, o] = likeArgs(x, options, 'zerosLike');
  return finish(filled(t.shape.slice(), 0, o.dtype ?? t.dtype), likeDevice(t, o));
}
export function onesLike(x: Tensor, options?: DTypeOptions): Tensor {
  const [t, o] = likeArgs(x, options, 'onesLike');
  return finish(filled(t.shape.slice(), 1, o.dtype ?? t.dtype), likeDevice(t, o));
}
export function fullLike(x: Tensor, value: number | boolean, options?: DTypeOptions): Tensor {
  const [t, o] = likeArgs(x, options, 'fullLike');
  if (typeof value !== 'number' && typeof value !== 'boolean') fail('fullLike', `value must be a number or boolean, got ${describe(value)}`);
  return finish(filled(t.shape.slice(), Number(value), o.dtype ?? t.dtype), likeDevice(t, o));
}

function checkNum(v: unknown, op: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, `${arg} must be a finite number, got ${describe(v)}`);
  return v as number;
}

/**
 * arange(stop) | arange(start, stop, step = 1). Without options.dtype the result is int32
 * when start, stop and step are all whole numbers, else float32: torch.arange's rule (and
 * tf.range's), kept because arange mostly counts and indexes. This is the one factory where
 * whole JS numbers give an integer dtype; pass { dtype: 'float32' } for a float range.
 */
export function arange(stop: number, options?: DTypeOptions): Tensor;
export function arange(start: number, stop: number, options?: DTypeOptions): Tensor;
export function arange(start: number, stop: number, step: number, options?: DTypeOptions): Tensor;
export function arange(start: number, stop?: number | DTypeOptions, step?: number | DTypeOptions, options?: DTypeOptions): Tensor {
  const op = 'arange';
  if (typeof step === 'object') {
    options = step;
    step = undefined;
  }
  if (typeof stop === 'object') {
    options = stop as DTypeOptions;
    stop = undefined;
  }
  let a = checkNum(start, op, 'start');
  let b: number;
  if (stop === undefined) {
    b = a;
    a = 0;
  } else b = checkNum(stop, op, 'stop');
  const s = step === undefined ? 1 : checkNum(step, op, 'step');
  if (s === 0) fail(op, 'step must be nonzero');
  const o = checkOptions(options, op);
  const n = Math.max(0, Math.ceil((b - a) / s));
  const dtype = o.dtype ?? (Number.isInteger(a) && Number.isInteger(b) && Number.isInteger(s) ? 'int32' : 'float32');
  return finish(generate(n, (i) => a + i * s, dtype, op), o);
}

/** num evenly spaced values from start to stop inclusive (float32 by default). */
export function linspace(start: number, stop: number, num: number, options?: DTypeOptions): Tensor {
  const op = 'linspace';
  const a = checkNum(start, op, 'start');
  const b = checkNum(stop, op, 'stop');
  if (typeof num !== 'number' || !Number.isInteger(num) || num < 0)
    fail(op, `num must be a non-negative integer, got ${describe(num)}`);
  const o = checkOptions(options, op);
  const step = num > 1 ? (b - a) / (num - 1) : 0;
  // the second half counts back from stop, as torch does, so the end point is exact
  return finish(generate(num, (i) => (i < num / 2 ? a + i * step : b - (num - 1 - i) * step), o.dtype ?? 'float32', op), o);
}

/** n×m identity (m defaults to n). */
export function eye(n: number, m?: number | DTypeOptions, options?: DTypeOptions): Tensor {
  const op = 'eye';
  if (typeof m === 'object') {
    options = m;
    m = undefined;
  }
  const cols = m === undefined ? n : m;
  const [s, o] = shapeAndOpts([n, cols], options, op);
  const t = filled(s, 0, o.dtype ?? 'float32');
  const k = Math.min(s[0], s[1]);
  if (k > 0) {
    writeLayout(0, [k], [s[1] + 1]);
    native.fill(t._h, 0, 1);
  }
  return finish(t, o);
}

export { contiguousStrides, TYPED_ARRAY };

/**
 * @internal indices given as JS data (a number, nested arrays of integers, an Int32Array)
 * as an int32 tensor; booleans, fractions and values outside int32 are refused (ERR_DTYPE),
 * never rounded. tp.tensor would give float32 for the same numbers.
 */
export function indexTensor(data: unknown, op: string, arg: string): Tensor {
  if (data instanceof Int32Array) return fromTyped(data, [data.length], 'int32');
  let shape: number[];
  let values: Float64Array;
  if (typeof data === 'number') {
    shape = [];
    values = Float64Array.of(data);
  } else if (Array.isArray(data)) {
    shape = nestedShape(data, op);
    const allBool = checkNested(data, shape, op);
    values = leafBuffer(numel(shape), false, op) as Float64Array;
    if (values.length > 0) {
      if (allBool) fail(op, `${arg} must be integers (an int32 tensor), got booleans`, 'ERR_DTYPE');
      fillNested(data, shape.length, values);
    }
  } else {
    return fail(op, `${arg} must be an int32 Tensor or an array of integers, got ${describe(data)}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648)
      fail(op, `${arg} must be integers (an int32 tensor), got ${describe(v)} at flat position ${i}`, 'ERR_DTYPE');
  }
  return fromFloat64(values, shape, 'int32');
}
