// Small data utilities: seeded shuffling (independent of tp's global RNG) and mini-batching
// of tensors / arrays along axis 0.
import { Tensor } from './tensor';
import { fail, describe } from './core/errors';
import { gather } from './ops/indexing';
import { slice } from './ops/views';
import { fromTyped } from './ops/creation';

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkSeed(op: string, seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed)) fail(op, `seed must be an integer, got ${describe(seed)}`);
  return seed as number;
}

const INT32_MAX = 2147483647;

function checkCount(op: string, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) fail(op, `n must be a non-negative integer, got ${describe(n)}`);
  return n as number;
}

/**
 * A permutation of 0..n-1 (Fisher–Yates) drawn from `seed` alone: the same seed always gives
 * the same order, and tp's global RNG is neither used nor advanced.
 */
export function permutation(n: number, seed = 0): Int32Array {
  const op = 'data.permutation';
  checkCount(op, n);
  // the result holds int32 indices (what tp.gather takes)
  if (n > INT32_MAX) fail(op, `n must be at most ${INT32_MAX} (the indices are int32), got ${n}`);
  const next = rng(checkSeed(op, seed));
  let p: Int32Array;
  try {
    p = new Int32Array(n);
  } catch {
    return fail(op, `cannot allocate ${n} int32 indices (${n * 4} bytes)`, 'ERR_OUT_OF_MEMORY');
  }
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Shuffles along axis 0 with a seeded Fisher–Yates permutation. Arrays (and typed arrays)
 * come back as new arrays, tensors as a new tensor (tp.gather); the input is unchanged.
 */
export function shuffle<T>(x: T[], seed?: number): T[];
export function shuffle(x: Tensor, seed?: number): Tensor;
export function shuffle<A extends ArrayLike<unknown>>(x: A, seed?: number): A;
export function shuffle(x: unknown, seed = 0): unknown {
  const op = 'data.shuffle';
  const n = lengthOf(op, x, 'x');
  const p = permutation(n, seed);
  return take(x, p, null);
}

function lengthOf(op: string, x: unknown, what: string): number {
  if (x instanceof Tensor) {
    x._live(op);
    if (x.rank === 0) fail(op, `${what} must have at least one dim; got a 0-d tensor`, 'ERR_AXIS');
    return x.shape[0];
  }
  if (Array.isArray(x) || ArrayBuffer.isView(x)) return (x as ArrayLike<unknown>).length;
  return fail(op, `${what} must be a Tensor, an array or a typed array, got ${describe(x)}`);
}

/** Rows `idx` of x along axis 0, in the same kind of container (idxT: idx uploaded once, for tensors). */
function take(x: unknown, idx: Int32Array, idxT: Tensor | null): unknown {
  if (x instanceof Tensor) return gather(x, idxT ?? idx, 0);
  if (Array.isArray(x)) return Array.from(idx, (i) => x[i]);
  const a = x as ArrayLike<unknown> & { constructor: new (n: number) => { [k: number]: unknown } };
  const out = new a.constructor(idx.length);
  for (let k = 0; k < idx.length; k++) out[k] = a[idx[k]];
  return out;
}

/** Rows [start, end) of x along axis 0 (a view for tensors). */
function range(x: unknown, start: number, end: number): unknown {
  if (x instanceof Tensor) return slice(x, [start], [end - start]);
  if (Array.isArray(x)) return x.slice(start, end);
  return (x as unknown as { slice(a: number, b: number): unknown }).slice(start, end);
}

export interface BatchOptions {
  /** rows per batch (a positive integer) */
  batchSize: number;
  /** shuffle the rows once per iteration (default false) */
  shuffle?: boolean;
  /**
   * seed of the shuffle (default 0). Each new iteration of the same batches() result uses
   * seed, seed + 1, ... so epochs differ while the whole run stays reproducible.
   */
  seed?: number;
  /** skip the last batch when it is smaller than batchSize (default false) */
  dropLast?: boolean;
}

/** A batch: [xb, yb] (yb undefined when batches() got no y). */
export type Batch<X, Y> = [X, Y];

/** The iterable batches() returns; `length` is the number of batches per iteration. */
export interface Batches<X, Y> extends Iterable<Batch<X, Y>> {
  readonly length: number;
}

/**
 * Mini-batches of x (and y, with the same number of rows) along axis 0. Without shuffle
 * the tensor batches are views (slices); with shuffle they are gathered copies. Either way
 * the caller owns them and may dispose them (e.g. inside tp.tidy). Arrays give arrays.
 * The result can be iterated many times (once per epoch).
 */
export function batches<X extends Tensor | ArrayLike<unknown>, Y extends Tensor | ArrayLike<unknown> | undefined = undefined>(
  x: X,
  y?: Y,
  options?: BatchOptions,
): Batches<X, Y> {
  const op = 'data.batches';
  if (options === undefined || options === null || typeof options !== 'object') fail(op, `options must be an object with batchSize, got ${describe(options)}`);
  const o = options as BatchOptions;
  const { batchSize, shuffle: doShuffle = false, seed = 0, dropLast = false } = o;
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) fail(op, `options.batchSize must be a positive integer, got ${describe(batchSize)}`);
  checkSeed(op, seed);
  const n = lengthOf(op, x, 'x');
  if (y !== undefined && y !== null) {
    const ny = lengthOf(op, y, 'y');
    if (ny !== n) fail(op, `x and y must have the same number of rows, got ${n} and ${ny}`, 'ERR_SHAPE');
  }
  const count = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  let epoch = 0;
  return {
    length: count,
    *[Symbol.iterator](): Iterator<Batch<X, Y>> {
      const perm = doShuffle ? permutation(n, (seed + epoch) | 0) : null;
      epoch++;
      for (let b = 0; b < count; b++) {
        const start = b * batchSize;
        const end = Math.min(n, start + batchSize);
        if (perm) {
          const idx = perm.subarray(start, end);
          // one index tensor serves both gathers
          const idxT = x instanceof Tensor || y instanceof Tensor ? fromTyped(idx, [idx.length], 'int32') : null;
          let batch: Batch<X, Y>;
          try {
            batch = [take(x, idx, idxT) as X, (y === undefined || y === null ? undefined : take(y, idx, idxT)) as Y];
          } finally {
            idxT?.dispose();
          }
          yield batch;
        } else {
          yield [range(x, start, end) as X, (y === undefined || y === null ? undefined : range(y, start, end)) as Y];
        }
      }
    },
  };
}
