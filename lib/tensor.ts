// The Tensor: a (shape, strides, offset) view over a reference-counted native storage.
// Ops live in ops/*.ts and are attached as methods there; this file holds only what
// every op needs: construction, views, reading data back, and disposal.
import { inspect } from 'util';
import { native, writeLayout } from './core/native';
import { DType, DTYPE_BYTES, DTYPE_CODE, TypedArray, TYPED_ARRAY } from './core/dtype';
import { fail, fmtShape } from './core/errors';
import { contiguousStrides, isContiguous, numel } from './core/shape';
import { scopes } from './core/scope';
import { tape, refreshTape } from './autograd/state';
import { CPU, deviceName } from './core/device';

/**
 * Shared by a tensor and its views; the buffer is freed when the last holder disposes,
 * or when this object is garbage-collected. `h` is the native handle (a number).
 */
export class StorageRef {
  declare refs: number;
  /** set once the buffer is freed by dispose */
  declare freed: boolean;
  /** device code (core/device.ts), read from native on first use; -1 = not yet known */
  declare dev: number;
  /** bumped by every in-place write to this storage (shared by all views) */
  declare version: number;
  /** the batch this storage was tracked with (see flushTracking): a live storage keeps it alive */
  declare batch: StorageRef[] | null;
  declare h: number;
  declare readonly dtype: DType;
  /** frees what a cache derived from this buffer (lib/ops/conv-pack.ts), when dispose frees it */
  declare onFree: (() => void) | null;
  constructor(h: number, dtype: DType) {
    this.refs = 0;
    this.freed = false;
    this.dev = -1;
    this.version = 0;
    this.batch = null;
    this.h = h;
    this.dtype = dtype;
    this.onFree = null;
  }
}

// Tying each buffer to the GC with its own weak reference costs more than the rest of a small
// op, so small new storages (< SMALL_BYTES) are tracked in batches of TRACK_BATCH: the batch
// array is the token that native.trackBatch (native/binding/track.cc) ties the buffers to, and
// each member points at it, so it is collected only with its last member. Native code splits a
// batch that outlives a GC (a member kept in use) into per-storage references, so a kept
// tensor does not pin its dead batch-mates. Storages disposed before their batch is flushed
// (tidy, dispose, `using`) are left out. Big buffers, where a weak reference costs nothing next
// to the work, are tracked at once.
const TRACK_BATCH = 256;
const SMALL_BYTES = 65536;
const pendingRefs: StorageRef[] = [];
const pendingHandles = new Float64Array(TRACK_BATCH);
/** batches native code still watches (trackBatch returns it); while 0, an empty flush skips the call */
let openBatches = 0;

function flushTracking(): void {
  let n = 0;
  for (let i = 0; i < pendingRefs.length; i++) if (!pendingRefs[i].freed) n++;
  const batch: StorageRef[] = new Array(n);
  n = 0;
  for (let i = 0; i < pendingRefs.length; i++) {
    const st = pendingRefs[i];
    if (!st.freed) {
      st.batch = batch;
      batch[n] = st;
      pendingHandles[n] = st.h;
      n++;
    }
  }
  pendingRefs.length = 0;
  // With n = 0 (all disposed: tidy, dispose) the call still lets native code split earlier batches.
  if (n !== 0 || openBatches !== 0) openBatches = native.trackBatch(batch, pendingHandles, n);
}

export class Tensor {
  /** @internal native storage handle (a number; see native/core/context.h) */ _h: number;
  /** @internal */ _st: StorageRef;
  /** @internal strides in elements */ _strides: number[];
  /** @internal offset into storage, in elements */ _offset: number;
  /** @internal */ _disposed = false;
  /** @internal tape node that produced this tensor */ _node: unknown = null;
  readonly shape: number[];
  readonly dtype: DType;
  readonly size: number;
  /** @internal backing field of requiresGrad */ _rg = false;
  /**
   * @internal the leaf this tensor is a view of (set by the view ops, views of views keep
   * the root), so in-place ops can refuse to write into a leaf that requires grad through it
   */
  _base: Tensor | null = null;
  /** Accumulated gradient (set by backward() on leaves that require grad). */
  grad: Tensor | null = null;
  name: string | undefined = undefined;

  /** @internal use the factory functions (tp.tensor, tp.zeros, …) */
  constructor(st: StorageRef, shape: number[], strides: number[], offset: number, dtype: DType) {
    this._st = st;
    this._h = st.h;
    st.refs++;
    this.shape = shape;
    this._strides = strides;
    this._offset = offset;
    this.dtype = dtype;
    this.size = numel(shape);
    if (scopes.length !== 0) scopes[scopes.length - 1].push(this);
  }

  /** @internal a new tensor owning a fresh native buffer (contiguous). */
  static _fromHandle(h: number, shape: number[], dtype: DType): Tensor {
    // the buffer is freed when st is garbage-collected (or at dispose); see flushTracking
    const st = new StorageRef(h, dtype);
    const t = new Tensor(st, shape, contiguousStrides(shape), 0, dtype);
    if (t.size * DTYPE_BYTES[dtype] >= SMALL_BYTES) native.track(st, h);
    else if (pendingRefs.push(st) === TRACK_BATCH) flushTracking();
    return t;
  }

  /** @internal a view sharing this tensor's storage. */
  _view(shape: number[], strides: number[], offset: number): Tensor {
    this._live('view');
    return new Tensor(this._st, shape, strides, offset, this.dtype);
  }

  /** The device holding the data: 'cpu' or 'cuda:N' (read from the storage). */
  get device(): string {
    return deviceName(this._deviceCode());
  }

  /** @internal the storage's device code (0 = cpu, 1 + N = cuda:N). */
  _deviceCode(): number {
    const st = this._st;
    if (st.dev < 0) st.dev = this._disposed ? CPU : native.storageDevice(st.h);
    return st.dev;
  }

  /** @internal version counter of the storage (shared with views); bumped by in-place ops, checked by autograd */
  get _version(): number {
    return this._st.version;
  }
  /** @internal */
  set _version(v: number) {
    this._st.version = v;
  }

  /** Whether ops on this tensor are recorded for backward(); only float tensors can require grad. */
  get requiresGrad(): boolean {
    return this._rg;
  }
  set requiresGrad(flag: boolean) {
    if (flag && this.dtype !== 'float32' && this.dtype !== 'float64')
      fail('requiresGrad', `only float32/float64 tensors can require gradients; this one is ${this.dtype}`, 'ERR_DTYPE');
    this._rg = !!flag;
    if (flag && !tape.used) {
      tape.used = true;
      refreshTape();
    }
  }

  get strides(): number[] {
    return this._strides.slice();
  }
  get ndim(): number {
    return this.shape.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this._disposed;
  }
  isContiguous(): boolean {
    return isContiguous(this.shape, this._strides);
  }
  /** True for a row-sparse gradient (autograd/sparse.ts SparseRows: indices + rows); see toDense(). */
  get isSparse(): boolean {
    return false;
  }

  /** @internal throws a clear error when the tensor was disposed. */
  _live(op: string): this {
    if (this._disposed) fail(op, `tensor ${fmtShape(this.shape)} ${this.dtype} was disposed`, 'ERR_DISPOSED');
    return this;
  }

  /** A contiguous copy, or this tensor itself when already contiguous. */
  contiguous(): Tensor {
    this._live('contiguous');
    if (isContiguous(this.shape, this._strides)) return this;
    return this._copyAs(this.dtype);
  }

  /** @internal contiguous copy converted to dtype. */
  _copyAs(dtype: DType): Tensor {
    const h = native.empty(this.size, DTYPE_CODE[dtype], this._deviceCode());
    writeLayout(0, this.shape, contiguousStrides(this.shape), this._strides);
    native.copy(h, 0, this._h, this._offset);
    return Tensor._fromHandle(h, this.shape.slice(), dtype);
  }

  /** Contiguous data as a new typed array (Float32Array, Float64Array, Int32Array, or Uint8Array for bool). */
  dataSync(): TypedArray {
    this._live('dataSync');
    if (this._deviceCode() !== CPU) {
      // a device tensor comes back through one contiguous copy on the cpu
      const src = this.contiguous();
      const h = native.toDevice(src._h, src._offset, src.size, CPU);
      if (src !== this) src.dispose();
      const out = native.toTypedArray(h, 0, this.size);
      native.free(h);
      return out;
    }
    if (isContiguous(this.shape, this._strides)) return native.toTypedArray(this._h, this._offset, this.size);
    const c = this._copyAs(this.dtype);
    const out = native.toTypedArray(c._h, 0, c.size);
    c.dispose();
    return out;
  }

  /** Same as dataSync; async so code written for a later non-blocking backend keeps working. */
  async data(): Promise<TypedArray> {
    return this.dataSync();
  }

  /** Nested JS arrays (booleans for bool tensors); a 0-d tensor gives a plain value. */
  toArray(): unknown {
    this._live('toArray');
    // JS arrays are built for every prefix of the shape: [2 ** 48, 0] holds no element but
    // would need 2 ** 48 of them (a RangeError at best, the heap exhausted at worst)
    let arrays = 1;
    for (let d = 0; d + 1 < this.shape.length; d++) arrays *= this.shape[d];
    if (this.size > 2 ** 26 || arrays > 2 ** 26)
      fail('toArray', `tensor of shape ${fmtShape(this.shape)} is too large for nested JS arrays; use dataSync() (a typed array)`, 'ERR_OUT_OF_MEMORY');
    const flat = this.dataSync();
    const isBool = this.dtype === 'bool';
    const shape = this.shape;
    const build = (dim: number, off: number): unknown => {
      if (dim === shape.length) return isBool ? flat[off] !== 0 : flat[off];
      const n = shape[dim];
      let stride = 1;
      for (let i = dim + 1; i < shape.length; i++) stride *= shape[i];
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, off + i * stride);
      return out;
    };
    return build(0, 0);
  }
  arraySync(): unknown {
    return this.toArray();
  }

  /** The value of a one-element tensor. */
  item(): number {
    this._live('item');
    if (this.size !== 1) fail('item', `only one-element tensors have an item; this one has shape ${fmtShape(this.shape)}`, 'ERR_SHAPE');
    return this.dataSync()[0];
  }

  /** Frees the buffer now (once no view still holds it). Using the tensor afterwards throws. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.grad = null;
    this._node = null;
    const st = this._st;
    if (--st.refs === 0) {
      st.freed = true;
      native.free(st.h);
      if (st.onFree !== null) st.onFree();
    }
  }

  /** `using t = tp.ones([2])` disposes at scope end (explicit resource management). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * String conversion (`${t}`, String(t)) gives the printed form. Numeric and default
   * conversion (`t + 1`, `+t`, `t * 2`, `t < u`) throws: JS operators cannot run tensor ops,
   * and a silent string concatenation or NaN hides the mistake.
   */
  [Symbol.toPrimitive](hint: 'string' | 'number' | 'default'): string {
    if (hint === 'string') return this.toString();
    return fail(
      'Tensor',
      `cannot convert a ${this.dtype} tensor of shape ${fmtShape(this.shape)} to a ${hint === 'number' ? 'number' : 'primitive'}: ` +
        'JS operators (t + 1, +t, t * u, t < u) do not run tensor ops; use tp.add(t, 1) / t.add(1) and the like, ' +
        'or t.item() for the value of a one-element tensor (String(t) prints it)',
    );
  }

  /**
   * JSON.stringify(t): `{ dtype, shape, data }` with data the values as a flat row-major plain
   * array (booleans for bool tensors); `tp.tensor(j.data, { shape: j.shape, dtype: j.dtype })`
   * rebuilds it. JSON has no NaN or Infinity: JSON.stringify writes those as null.
   */
  toJSON(): { dtype: DType; shape: number[]; data: number[] | boolean[] } {
    const flat = this.dataSync();
    const data = this.dtype === 'bool' ? Array.from(flat, (v) => v !== 0) : Array.from(flat);
    return { dtype: this.dtype, shape: this.shape.slice(), data };
  }

  toString(): string {
    return formatter(this);
  }

  [inspect.custom](): string {
    return formatter(this);
  }
}

let formatter: (t: Tensor) => string = (t) =>
  t._disposed ? `Tensor(disposed, shape=${fmtShape(t.shape)}, dtype=${t.dtype})` : `Tensor(shape=${fmtShape(t.shape)}, dtype=${t.dtype})`;

/** @internal format.ts installs the numpy-style printer here. */
export function setFormatter(f: (t: Tensor) => string): void {
  formatter = f;
}

export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}

export { TYPED_ARRAY };
