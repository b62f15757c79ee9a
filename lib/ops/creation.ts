// Factories: tensor, zeros, ones, full, arange, linspace, eye and the *Like variants.
import { native, writeLayout } from '../core/native';
import { DType, DTYPE_CODE, TYPED_ARRAY, checkDType, dtypeOfTypedArray, TypedArray } from '../core/dtype';
import { fail, describe, fmtShape } from '../core/errors';
import { checkShape, contiguousStrides, numel, MAX_DIMS, MAX_NUMEL } from '../core/shape';
import { Tensor } from '../tensor';

export interface TensorOptions {
  dtype?: DType;
  shape?: number[];
  requiresGrad?: boolean;
  /** 'cpu' (default); 'cuda' / 'cuda:N' need a CUDA build */
  device?: string;
}
export interface DTypeOptions {
  dtype?: DType;
  device?: string;
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

/** Devices are an axis of dispatch from day one; this build has the CPU backend only. */
export function checkDevice(device: unknown, op: string): 'cpu' {
  if (device === 'cpu') return 'cpu';
  if (typeof device === 'string' && /^cuda(:\d+)?$/.test(device))
    fail(op, `device '${device}' is not available: tapeflow was built without CUDA (rebuild with \`npm run build:cmake -- -DTAPEFLOW_CUDA=ON\` once the CUDA backend lands)`, 'ERR_DEVICE');
  return fail(op, `device must be 'cpu' or 'cuda[:N]', got ${describe(device)}`, 'ERR_DEVICE');
}

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
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

const MAX_NESTED_VALUES = 2 ** 26;

function inferNested(data: unknown, op: string): { shape: number[]; flat: unknown[] } {
  const shape: number[] = [];
  let cur: unknown = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (shape.length > MAX_DIMS) fail(op, `nesting deeper than ${MAX_DIMS} dims`, 'ERR_SHAPE');
    cur = cur[0];
  }
  // Checked before anything is built: a sparse new Array(2 ** 27) costs nothing to make, but
  // collecting its values would end the process (V8's fatal "invalid size" error).
  const count = shape.reduce((a, b) => a * b, 1);
  if (count > MAX_NESTED_VALUES)
    fail(op, `nested arrays of shape ${fmtShape(shape)} hold ${count} values, more than the ${MAX_NESTED_VALUES} read from JS arrays; pass a typed array (with { shape }) instead`, 'ERR_SHAPE');
  const flat: unknown[] = [];
  const walk = (x: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(x)) fail(op, `ragged nested array: ${path} is an array where a value was expected`, 'ERR_SHAPE');
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim])
      fail(op, `ragged nested array: ${path} has ${Array.isArray(x) ? x.length : 'no'} elements, expected ${shape[dim]} (shape ${fmtShape(shape)})`, 'ERR_SHAPE');
    for (let i = 0; i < x.length; i++) walk(x[i], dim + 1, `${path}[${i}]`);
  };
  walk(data, 0, 'data');
  return { shape, flat };
}

/**
 * Creates a tensor from a number, a boolean, nested arrays, or a TypedArray (with
 * `shape`, defaulting to 1-D). dtype is inferred as PyTorch/TF do: booleans → bool,
 * integers → int32, other numbers → float32; a TypedArray keeps its own type.
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
  let shape: number[];
  let flat: unknown[];
  if (Array.isArray(data)) {
    ({ shape, flat } = inferNested(data, op));
    if (opts.shape !== undefined) {
      const want = checkShape(opts.shape, op);
      if (numel(want) !== flat.length)
        fail(op, `shape ${fmtShape(want)} needs ${numel(want)} values but data has ${flat.length}`, 'ERR_SHAPE');
      shape = want;
    }
  } else if (typeof data === 'number' || typeof data === 'boolean') {
    flat = [data];
    shape = opts.shape !== undefined ? checkShape(opts.shape, op) : [];
    if (numel(shape) !== 1) fail(op, `a single value cannot fill shape ${fmtShape(shape)}; use tp.full`, 'ERR_SHAPE');
  } else {
    return fail(op, `data must be a number, boolean, nested array, TypedArray or Tensor; got ${describe(data)}`);
  }
  let allBool = flat.length > 0;
  let allInt = true;
  const values = new Float64Array(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v === 'boolean') {
      values[i] = v ? 1 : 0;
    } else if (typeof v === 'number') {
      allBool = false;
      values[i] = v;
      if (allInt && !Number.isInteger(v)) allInt = false;
    } else {
      fail(op, `data element ${i} is ${describe(v)}; expected a number or boolean`);
    }
  }
  const dtype: DType = opts.dtype ?? (allBool ? 'bool' : allInt && flat.length > 0 ? 'int32' : 'float32');
  if (dtype === 'int32' && opts.dtype === undefined) {
    // integers beyond int32 would wrap: keep them exact as float32 would not, so refuse clearly
    for (let i = 0; i < values.length; i++)
      if (values[i] > 2147483647 || values[i] < -2147483648) fail(op, `integer ${values[i]} does not fit int32; pass { dtype: 'float64' }`);
  }
  if (dtype === 'float32') return finish(fromTyped(Float32Array.from(values), shape, dtype), opts);
  return finish(fromFloat64(values, shape, dtype), opts);
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

function likeArgs(x: unknown, options: unknown, op: string): [Tensor, TensorOptions] {
  if (!(x instanceof Tensor)) fail(op, `x must be a Tensor, got ${describe(x)}`);
  (x as Tensor)._live(op);
  return [x as Tensor, checkOptions(options, op)];
}
export function zerosLike(x: Tensor, options?: DTypeOptions): Tensor {
  const [t, o] = likeArgs(x, options, 'zerosLike');
  return finish(filled(t.shape.slice(), 0, o.dtype ?? t.dtype), o);
}
export function onesLike(x: Tensor, options?: DTypeOptions): Tensor {
  const [t, o] = likeArgs(x, options, 'onesLike');
  return finish(filled(t.shape.slice(), 1, o.dtype ?? t.dtype), o);
}
export function fullLike(x: Tensor, value: number | boolean, options?: DTypeOptions): Tensor {
  const [t, o] = likeArgs(x, options, 'fullLike');
  if (typeof value !== 'number' && typeof value !== 'boolean') fail('fullLike', `value must be a number or boolean, got ${describe(value)}`);
  return finish(filled(t.shape.slice(), Number(value), o.dtype ?? t.dtype), o);
}

function checkNum(v: unknown, op: string, arg: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, `${arg} must be a finite number, got ${describe(v)}`);
  return v as number;
}

/** arange(stop) | arange(start, stop, step = 1): int32 when all arguments are integers, else float32. */
export function arange(start: number, stop?: number, step?: number | DTypeOptions, options?: DTypeOptions): Tensor {
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
