// Embedding lookups (torch.nn.functional.embedding, tf.nn.embedding_lookup). Kernels:
// native/cpu/embed.cc. The gradient with respect to the table never builds a zero [V, D]
// tensor per step unless asked to: with `sparse` it is a row-sparse SparseRows (the looked-up
// rows of the output gradient); without, one native scatter-add of those rows into a dense
// table-shaped gradient (torch's embedding_dense_backward). Under createGraph the gradient is
// built from public ops (scatterAdd) so it can be differentiated again.
import { native } from '../core/native';
import { fail, fmtShape, describe } from '../core/errors';
import { checkTensor } from '../core/validate';
import { contiguousStrides, numel } from '../core/shape';
import { Tensor } from '../tensor';
import { record, saveFor, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { SparseRows } from '../autograd/sparse';
import { indexTensor, zeros, fromTyped } from './creation';
import { reshape, broadcastTo } from './views';
import { scatterAdd, gather } from './indexing';
import { mul } from './binary';
import { notEqual } from './logical';
import { cast } from './cast';
import { concat } from './join';
import { copyInto_ } from './optim';

export interface EmbeddingOptions {
  /** rows with this id get no gradient (negative counts from the end, as torch) */
  paddingIdx?: number | null;
  /** looked-up rows whose norm exceeds maxNorm are renormalised in place (torch's max_norm) */
  maxNorm?: number | null;
  /** the p of the maxNorm norm (default 2) */
  normType?: number;
  /** scale each row's gradient by 1 / (its count in the batch) */
  scaleGradByFreq?: boolean;
  /** the table's gradient is row-sparse (SparseRows) instead of dense */
  sparse?: boolean;
}

/** @internal ids as a contiguous int32 tensor (owned: a copy or a converted array). */
export function idsTensor(ids: unknown, op: string, arg = 'ids'): Tensor {
  if (ids instanceof Tensor) {
    ids._live(op);
    if (ids.dtype !== 'int32') fail(op, `${arg} must be an int32 tensor, got ${ids.dtype} (shape ${fmtShape(ids.shape)})`, 'ERR_DTYPE');
    return ids._copyAs('int32');
  }
  if (typeof ids === 'number' || Array.isArray(ids) || ids instanceof Int32Array) return indexTensor(ids, op, arg);
  return fail(op, `${arg} must be an int32 Tensor or an array of integers, got ${describe(ids)}`);
}

/** @internal an options object (undefined: {}) with only the known keys; names the op and the key. */
export function optionsOf<T extends object>(op: string, o: unknown, known: readonly string[]): T {
  if (o === undefined) return {} as T;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return fail(op, `options must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(op, `unknown option '${k}' (known: ${known.join(', ')})`);
  return o as T;
}

/** The multi-index of flat position k in shape, as "[i, j]". */
function position(shape: number[], k: number): string {
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(k % shape[d]);
    k = Math.floor(k / shape[d]);
  }
  return `[${out.join(', ')}]`;
}

/** @internal ERR_OUT_OF_BOUNDS naming the first id outside [0, V), if any (ids contiguous int32). */
export function checkIds(op: string, ids: Tensor, V: number, arg = 'ids'): void {
  const k = native.embedFindBadId(ids._h, ids._offset, ids.size, V);
  if (k < 0) return;
  const v = native.toTypedArray(ids._h, ids._offset + k, 1)[0];
  fail(op, `${arg}${position(ids.shape, k)} = ${v} is out of range for a table of ${V} rows (ids must lie in [0, ${V}))`, 'ERR_OUT_OF_BOUNDS');
}

/** The table with rows of contiguous elements: itself or a contiguous copy; and its row stride. */
function rowLayout(w: Tensor): [Tensor, number] {
  const D = w.rank <= 1 ? 1 : w.size / Math.max(w.shape[0], 1);
  if (w.isContiguous()) return [w, D];
  if (w.rank === 2 && w._strides[1] === 1 && w._strides[0] >= D) return [w, w._strides[0]];
  return [w._copyAs(w.dtype), D];
}

const EMBEDDING_KEYS = ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse'];

function checkOptions(op: string, w: Tensor, o: EmbeddingOptions): { pad: number; maxNorm: number | null; normType: number } {
  const V = w.shape[0];
  let pad = -1;
  if (o.paddingIdx !== undefined && o.paddingIdx !== null) {
    const p = o.paddingIdx;
    if (!Number.isInteger(p) || p < -V || p >= V) fail(op, `paddingIdx must be an integer in [${-V}, ${V}) for a table of ${V} rows, got ${describe(p)}`);
    pad = p < 0 ? p + V : p;
  }
  let maxNorm: number | null = null;
  if (o.maxNorm !== undefined && o.maxNorm !== null) {
    if (typeof o.maxNorm !== 'number' || !(o.maxNorm >= 0)) fail(op, `maxNorm must be a number >= 0, got ${describe(o.maxNorm)}`);
    maxNorm = o.maxNorm;
  }
  const normType = o.normType ?? 2;
  if (typeof normType !== 'number' || !(normType > 0)) fail(op, `normType must be a number > 0, got ${describe(normType)}`);
  for (const k of ['scaleGradByFreq', 'sparse'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'boolean') fail(op, `${k} must be a boolean, got ${describe(o[k])}`);
  return { pad, maxNorm, normType };
}

/** torch's embedding_renorm_: rows of ids whose norm exceeds maxNorm, scaled in place (not recorded). */
function renorm_(op: string, w: Tensor, ids: Tensor, maxNorm: number, normType: number): void {
  const [t, rs] = rowLayout(w);
  const D = w.rank <= 1 ? 1 : w.size / Math.max(w.shape[0], 1);
  native.embedRenorm(t._h, t._offset, w.shape[0], D, rs, ids._h, ids._offset, ids.size, maxNorm, normType);
  if (t !== w) {
    copyInto_(w, t);
    t.dispose();
  }
  w._version++;
}

/**
 * @internal rows of `w` at `ids` (int32, contiguous, checked natively), not recorded and without
 * the public op's argument handling: for ops that look up ids they built themselves.
 */
export function gatherRows(w: Tensor, ids: Tensor): Tensor {
  const [t, rs] = rowLayout(w);
  const D = w.rank <= 1 ? 1 : w.size / Math.max(w.shape[0], 1);
  const h = native.embedLookup(t._h, t._offset, w.shape[0], D, rs, ids._h, ids._offset, ids.size);
  if (t !== w) t.dispose();
  return Tensor._fromHandle(h, [...ids.shape, ...w.shape.slice(1)], w.dtype);
}

/**
 * torch.nn.functional.embedding: rows of `weight` ([V, ...rest], float) picked by int32 `ids`
 * of any shape; the result has shape ids.shape + rest. An id outside [0, V) is
 * ERR_OUT_OF_BOUNDS naming its position.
 */
export function embedding(ids: Tensor | number[] | Int32Array | unknown[], weight: Tensor, options: EmbeddingOptions = {}): Tensor {
  const op = 'embedding';
  checkTensor(weight, op, 'weight');
  options = optionsOf<EmbeddingOptions>(op, options, EMBEDDING_KEYS);
  if (weight.rank === 0) fail(op, 'weight must have at least one dim (rows); got a 0-d tensor', 'ERR_SHAPE');
  if (weight.dtype !== 'float32' && weight.dtype !== 'float64') fail(op, `weight must be float32 or float64, got ${weight.dtype}`, 'ERR_DTYPE');
  const { pad, maxNorm, normType } = checkOptions(op, weight, options);
  const it = idsTensor(ids, op);
  let keepIds = false;
  try {
    const V = weight.shape[0];
    const rest = weight.shape.slice(1);
    const D = numel(rest);
    checkIds(op, it, V);
    if (maxNorm !== null) renorm_(op, weight, it, maxNorm, normType);
    const [t, rs] = rowLayout(weight);
    const h = native.embedLookup(t._h, t._offset, V, D, rs, it._h, it._offset, it.size);
    if (t !== weight) t.dispose();
    const out = Tensor._fromHandle(h, [...it.shape, ...rest], weight.dtype);
    if (tape.on && tracked(weight)) {
      keepIds = true;
      const wShape = weight.shape.slice();
      const sparse = !!options.sparse;
      const freq = !!options.scaleGradByFreq;
      record(out, op, [weight], (g) => [embeddingBackward(g, it, wShape, pad, freq, sparse)]);
      saveFor(out, it); // the ids copy is freed with the graph
    }
    return out;
  } finally {
    if (!keepIds) it.dispose();
  }
}

/** Per-row gradient scale: 0 on padding rows, 1 / count with scaleGradByFreq ([n, 1...], or null when all 1). */
function rowScale(ids: Tensor, shape: number[], pad: number, freq: boolean, dtype: 'float32' | 'float64'): Tensor | null {
  const n = ids.size;
  const colShape = [n, ...shape.slice(1).map(() => 1)];
  if (!freq) return pad < 0 ? null : reshape(cast(notEqual(ids, pad), dtype), colShape);
  // torch's counts over the batch (a pass over the n ids, not over the table)
  const v = ids.dataSync() as Int32Array;
  const count = new Map<number, number>();
  for (let k = 0; k < n; k++) count.set(v[k], (count.get(v[k]) ?? 0) + 1);
  const s = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let k = 0; k < n; k++) s[k] = v[k] === pad ? 0 : 1 / (count.get(v[k]) as number);
  return fromTyped(s, colShape, dtype);
}

/** @internal d table = the rows of g added at ids (sparse: as SparseRows). */
function embeddingBackward(g: Tensor, ids: Tensor, wShape: number[], pad: number, freq: boolean, sparse: boolean): Tensor {
  const n = ids.size;
  const rowsShape = [n, ...wShape.slice(1)];
  const dtype = g.dtype as 'float32' | 'float64';
  if (tape.on) {
    // createGraph: d table = scatterAdd(0, ids, g * scale), differentiable in g
    const flat = reshape(ids, [n]);
    let gr = reshape(g, rowsShape);
    const sc = rowScale(flat, wShape, pad, freq, dtype);
    if (sc !== null) gr = mul(gr, sc);
    const ib = broadcastTo(reshape(flat, [n, ...wShape.slice(1).map(() => 1)]), rowsShape);
    return scatterAdd(zeros(wShape, { dtype }), 0, ib, gr);
  }
  const c0 = g.isContiguous() ? g : g._copyAs(dtype);
  const gc = c0._view(rowsShape, contiguousStrides(rowsShape), c0._offset);
  if (c0 !== g) c0.dispose(); // the view holds the buffer
  if (sparse) {
    const flat = ids._copyAs('int32')._view([n], [1], 0);
    const sc = rowScale(flat, wShape, pad, freq, dtype);
    let vals = gc;
    if (sc !== null) {
      vals = mul(gc, sc);
      gc.dispose();
    }
    return new SparseRows(flat, vals, wShape, false);
  }
  const out = zeros(wShape, { dtype });
  const D = numel(wShape.slice(1));
  native.embedRowsAdd(out._h, 0, wShape[0], D, ids._h, ids._offset, n, gc._h, gc._offset, 1, pad, freq ? 1 : 0);
  gc.dispose();
  return out;
}

/**
 * tf.nn.embedding_lookup: rows of `params` at `ids`. params is one table or a list of shards
 * split with TF's 'mod' strategy (id i lives in shard i % P at row floor(i / P)); ids must lie
 * in [0, total rows). Gradients flow to each shard (sparse ones with { sparse: true }).
 */
export function embeddingLookup(params: Tensor | Tensor[], ids: Tensor | number[] | Int32Array | unknown[], options: { maxNorm?: number; sparse?: boolean } = {}): Tensor {
  const op = 'embeddingLookup';
  options = optionsOf(op, options, ['maxNorm', 'sparse']);
  if (params instanceof Tensor) return embedding(ids, params, options);
  if (!Array.isArray(params) || params.length === 0) fail(op, `params must be a tensor or a non-empty array of tensors, got ${describe(params)}`);
  if (params.length === 1) return embedding(ids, params[0], options);
  const P = params.length;
  let V = 0;
  for (let s = 0; s < P; s++) {
    checkTensor(params[s], op, `params[${s}]`);
    if (params[s].rank === 0) fail(op, `params[${s}] must have at least one dim`, 'ERR_SHAPE');
    const rest = params[s].shape.slice(1);
    if (s > 0 && (rest.length !== params[0].rank - 1 || rest.some((d, i) => d !== params[0].shape[i + 1]) || params[s].dtype !== params[0].dtype))
      fail(op, `every shard must have the same row shape and dtype: params[0] is ${fmtShape(params[0].shape)} ${params[0].dtype}, params[${s}] is ${fmtShape(params[s].shape)} ${params[s].dtype}`, 'ERR_SHAPE');
    V += params[s].shape[0];
  }
  // 'mod': shard s holds the ids congruent to s, so it must have ceil((V - s) / P) rows
  for (let s = 0; s < P; s++)
    if (params[s].shape[0] !== Math.ceil((V - s) / P))
      fail(op, `with the 'mod' strategy a table of ${V} rows over ${P} shards puts ${Math.ceil((V - s) / P)} rows in shard ${s}; params[${s}] has ${params[s].shape[0]}`, 'ERR_SHAPE');
  const it = idsTensor(ids, op);
  try {
    checkIds(op, it, V);
    // partition the ids by shard (TF's dynamic_partition), look each part up, then restore the order
    const v = it.dataSync() as Int32Array;
    const parts: number[][] = Array.from({ length: P }, () => []);
    const where: number[][] = Array.from({ length: P }, () => []);
    for (let k = 0; k < v.length; k++) {
      parts[v[k] % P].push(Math.floor(v[k] / P));
      where[v[k] % P].push(k);
    }
    const rows: Tensor[] = [];
    const order = new Int32Array(v.length);
    let at = 0;
    for (let s = 0; s < P; s++) {
      if (parts[s].length === 0) continue;
      rows.push(embedding(Int32Array.from(parts[s]), params[s], options));
      for (const k of where[s]) order[k] = at++;
    }
    const rest = params[0].shape.slice(1);
    if (rows.length === 0) return zeros([...it.shape, ...rest], { dtype: params[0].dtype });
    const all = rows.length === 1 ? rows[0] : concat(rows, 0);
    const perm = fromTyped(order, [v.length], 'int32');
    const picked = gather(all, perm, 0);
    const out = reshape(picked, [...it.shape, ...rest]);
    if (out._node === null) {
      // not recorded: the intermediates can go now (recorded ones are part of the graph)
      for (const t of new Set([...rows, all, perm, picked])) if (t !== out) t.dispose();
    }
    return out;
  } finally {
    it.dispose();
  }
}
