// Join/copy ops: concat (cat), stack, split, chunk, unstack, tile, repeat, pad, flip.
// Everything that builds a new tensor goes through the native strided copy (which also
// casts): concat/stack issue one copy per input into a slice-shaped window of the
// output; tile copies a stride-0 broadcast of x into the output viewed as interleaved
// [r0, d0, r1, d1, ...] dims; pad fills, then copies x into the interior; flip copies a
// negative-stride view (a copy, as torch.flip). split/chunk/unstack return views, as torch.
// tile's gradient calls sum as a Tensor method: reduce.ts is built on this file (cumsum's
// gradient flips), so importing it here would close an import cycle.
import { native, writeLayout } from '../core/native';
import { DType, promoteTypes } from '../core/dtype';
import { fail, fmtShape, describe } from '../core/errors';
import { MAX_DIMS, MAX_NUMEL, contiguousStrides, normAxis, numel } from '../core/shape';
import { Tensor } from '../tensor';
import { checkTensor, isInt } from '../core/validate';
import { emptyTensor, filled } from './creation';
import { _fmtArg, _viewOf, select, slice, reshape } from './views';
import { record, tracked, needsGradList } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumToShape } from '../autograd/sum-to';

/**
 * @internal strided copy for any rank: drops size-1 dims, merges dims contiguous for both
 * sides, and peels leading dims in JS when more than the native MAX_DIMS remain
 * (tile's interleaved layout can have up to 2 × rank dims).
 */
function copyND(
  dst: Tensor, dstOff: number, dstSt: readonly number[],
  src: Tensor, srcOff: number, srcSt: readonly number[],
  shape: readonly number[],
): void {
  const sz: number[] = [];
  const ds: number[] = [];
  const ss: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d];
    if (n === 0) return;
    if (n === 1) continue;
    const k = sz.length - 1;
    if (k >= 0 && ds[k] === dstSt[d] * n && ss[k] === srcSt[d] * n) {
      sz[k] *= n;
      ds[k] = dstSt[d];
      ss[k] = srcSt[d];
    } else {
      sz.push(n);
      ds.push(dstSt[d]);
      ss.push(srcSt[d]);
    }
  }
  copyRec(dst, dstOff, src, srcOff, sz, ds, ss, 0);
}

function copyRec(dst: Tensor, dOff: number, src: Tensor, sOff: number, sz: number[], ds: number[], ss: number[], from: number): void {
  if (sz.length - from <= MAX_DIMS) {
    writeLayout(0, sz.slice(from), ds.slice(from), ss.slice(from));
    native.copy(dst._h, dOff, src._h, sOff);
    return;
  }
  for (let i = 0; i < sz[from]; i++) copyRec(dst, dOff + i * ds[from], src, sOff + i * ss[from], sz, ds, ss, from + 1);
}

function checkTensorList(tensors: unknown, op: string): Tensor[] {
  if (tensors instanceof Tensor) return [tensors._live(op)];
  if (!Array.isArray(tensors)) return fail(op, `tensors must be an array of Tensors, got ${describe(tensors)}`);
  if (tensors.length === 0) fail(op, 'expected a non-empty array of tensors');
  for (let i = 0; i < tensors.length; i++) checkTensor(tensors[i], op, `tensors[${i}]`);
  return tensors as Tensor[];
}

/**
 * Joins tensors along an existing axis. dtypes are promoted across the inputs
 * (bool < int32 < float32 < float64); all other dims must match. Empty tensors take part
 * like any other; as in torch, a 1-D empty tensor (shape [0]) is skipped whatever the
 * rank of the others. 0-d tensors cannot be concatenated (use stack).
 */
export function concat(tensors: Tensor[], axis = 0): Tensor {
  return concatImpl(tensors, axis, 'concat');
}
/** Alias of concat (torch.cat). */
export function cat(tensors: Tensor[], axis = 0): Tensor {
  return concatImpl(tensors, axis, 'cat');
}

function concatImpl(tensors: Tensor[], axis: number, op: string): Tensor {
  const ts = checkTensorList(tensors, op);
  let dtype: DType = ts[0].dtype;
  for (const t of ts) dtype = promoteTypes(dtype, t.dtype);
  const isLegacyEmpty = (t: Tensor): boolean => t.rank === 1 && t.size === 0;
  let ref = ts.find((t) => !isLegacyEmpty(t));
  if (ref === undefined) ref = ts[0];
  for (let i = 0; i < ts.length; i++)
    if (ts[i].rank === 0) fail(op, `tensors[${i}] is 0-d and cannot be concatenated; use stack or unsqueeze it`, 'ERR_SHAPE');
  const r = ref.rank;
  const a = normAxis(axis, r, op);
  const outShape = ref.shape.slice();
  outShape[a] = 0;
  const used: Tensor[] = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (t !== ref && isLegacyEmpty(t) && r !== 1) continue;
    let ok = t.rank === r;
    for (let d = 0; ok && d < r; d++) if (d !== a && t.shape[d] !== ref.shape[d]) ok = false;
    if (!ok)
      fail(op, `tensors[${i}] has shape ${fmtShape(t.shape)}, which does not match ${fmtShape(ref.shape)} outside axis ${a} (shapes: ${ts.map((x) => fmtShape(x.shape)).join(', ')})`, 'ERR_SHAPE');
    outShape[a] += t.shape[a];
    used.push(t);
  }
  if (numel(outShape) > MAX_NUMEL) fail(op, `result shape ${fmtShape(outShape)} is too large`, 'ERR_SHAPE');
  const out = emptyTensor(outShape, dtype);
  const outSt = out._strides;
  let pos = 0;
  for (const t of used) {
    if (t.size > 0) {
      writeLayout(0, t.shape, outSt, t._strides);
      native.copy(out._h, pos * outSt[a], t._h, t._offset);
    }
    pos += t.shape[a];
  }
  // gradient: the matching window of g for each input
  if (tape.on && needsGradList(used))
    record(out, op, used, (g, needs) => {
      let p = 0;
      return used.map((t, i) => {
        const begin = new Array<number>(r).fill(0);
        const size = t.shape.slice();
        begin[a] = p;
        p += t.shape[a];
        return needs[i] ? sumToShape(slice(g, begin, size), t.shape, t.dtype) : null;
      });
    });
  return out;
}

/** Joins same-shape tensors along a new axis (dtypes promoted as concat). */
export function stack(tensors: Tensor[], axis = 0): Tensor {
  const op = 'stack';
  const ts = checkTensorList(tensors, op);
  const shape = ts[0].shape;
  let dtype: DType = ts[0].dtype;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    dtype = promoteTypes(dtype, t.dtype);
    if (t.rank !== shape.length || t.shape.some((d, k) => d !== shape[k]))
      fail(op, `all tensors must have the same shape; tensors[${i}] has shape ${fmtShape(t.shape)} but tensors[0] has ${fmtShape(shape)}`, 'ERR_SHAPE');
  }
  const r = shape.length;
  if (r + 1 > MAX_DIMS) fail(op, `result would have ${r + 1} dims; at most ${MAX_DIMS} are supported`, 'ERR_SHAPE');
  const a = normAxis(axis, r + 1, op);
  const outShape = shape.slice();
  outShape.splice(a, 0, ts.length);
  if (numel(outShape) > MAX_NUMEL) fail(op, `result shape ${fmtShape(outShape)} is too large`, 'ERR_SHAPE');
  const out = emptyTensor(outShape, dtype);
  const outSt = out._strides;
  const dstSt = outSt.slice();
  dstSt.splice(a, 1);
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (t.size === 0) continue;
    writeLayout(0, t.shape, dstSt, t._strides);
    native.copy(out._h, i * outSt[a], t._h, t._offset);
  }
  // gradient: slice i of g along the new axis
  if (tape.on && needsGradList(ts))
    record(out, op, ts.slice(), (g, needs) => ts.map((t, i) => (needs[i] ? sumToShape(select(g, a, i), t.shape, t.dtype) : null)));
  return out;
}

function splitBySizes(x: Tensor, sizes: number[], a: number): Tensor[] {
  const out: Tensor[] = [];
  let begin = 0;
  for (const s of sizes) {
    const shape = x.shape.slice();
    shape[a] = s;
    const v = _viewOf(x, shape, x._strides.slice(), x._offset + begin * x._strides[a]);
    if (tape.on && tracked(x)) {
      const pads: [number, number][] = x.shape.map(() => [0, 0] as [number, number]);
      pads[a] = [begin, x.shape[a] - begin - s];
      record(v, 'split', [x], (g) => [pad(g, pads)]);
    }
    out.push(v);
    begin += s;
  }
  return out;
}

/**
 * torch.split: a number is the size of each chunk (the last may be smaller); an array
 * gives the sizes, which must sum to the dim. Returns views of x.
 */
// One JS view per piece: splitting an empty [2^40, 0] in 4s would make V8 abort growing the array.
function checkPieces(op: string, pieces: number, x: Tensor, a: number): void {
  if (pieces > 2 ** 24) fail(op, `would make ${pieces} tensors from axis ${a} of shape ${fmtShape(x.shape)}; at most 2^24 are supported`, 'ERR_OUT_OF_MEMORY');
}

export function split(x: Tensor, sizeOrSections: number | number[], axis = 0): Tensor[] {
  const op = 'split';
  checkTensor(x, op);
  if (x.rank === 0) fail(op, 'cannot split a 0-d tensor', 'ERR_AXIS');
  const a = normAxis(axis, x.rank, op);
  const dim = x.shape[a];
  if (Array.isArray(sizeOrSections)) {
    let sum = 0;
    for (let i = 0; i < sizeOrSections.length; i++) {
      const s = sizeOrSections[i];
      if (!isInt(s) || s < 0 || s > MAX_NUMEL) fail(op, `sizes[${i}] must be a non-negative integer, got ${describe(s)}`);
      sum += s;
    }
    if (sum !== dim)
      fail(op, `sizes ${_fmtArg(sizeOrSections)} sum to ${sum}, but axis ${a} of shape ${fmtShape(x.shape)} has size ${dim}`, 'ERR_SHAPE');
    return splitBySizes(x, sizeOrSections, a);
  }
  const size = sizeOrSections;
  if (!isInt(size) || size < 0 || (size === 0 && dim !== 0))
    fail(op, `split size must be a positive integer (or an array of sizes), got ${describe(size)}`);
  if (dim === 0) return splitBySizes(x, [0], a);
  checkPieces(op, Math.ceil(dim / size), x, a);
  const sizes: number[] = [];
  for (let b = 0; b < dim; b += size) sizes.push(Math.min(size, dim - b));
  return splitBySizes(x, sizes, a);
}

/**
 * torch.chunk: splits into at most `chunks` views of size ceil(dim / chunks) (the last
 * may be smaller, and fewer chunks come back when the sizes run out first).
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  const op = 'chunk';
  checkTensor(x, op);
  if (!isInt(chunks) || chunks < 1) fail(op, `chunks must be a positive integer, got ${describe(chunks)}`);
  if (x.rank === 0) fail(op, 'cannot chunk a 0-d tensor', 'ERR_AXIS');
  const a = normAxis(axis, x.rank, op);
  const dim = x.shape[a];
  if (dim === 0) return checkPieces(op, chunks, x, a), splitBySizes(x, new Array<number>(chunks).fill(0), a); // torch: `chunks` empty tensors
  return split(x, Math.ceil(dim / chunks), a);
}

/** Views of each slice along axis, that dim removed (tf.unstack / torch.unbind). */
export function unstack(x: Tensor, axis = 0): Tensor[] {
  const op = 'unstack';
  checkTensor(x, op);
  if (x.rank === 0) fail(op, 'cannot unstack a 0-d tensor', 'ERR_AXIS');
  const a = normAxis(axis, x.rank, op);
  checkPieces(op, x.shape[a], x, a);
  const out: Tensor[] = [];
  for (let i = 0; i < x.shape[a]; i++) out.push(select(x, a, i));
  return out;
}

function checkReps(reps: unknown, op: string): number[] {
  if (isInt(reps)) reps = [reps];
  if (!Array.isArray(reps)) return fail(op, `reps must be an array of non-negative integers, got ${describe(reps)}`);
  if (reps.length > MAX_DIMS) fail(op, `reps has ${reps.length} entries; at most ${MAX_DIMS} dims are supported`, 'ERR_SHAPE');
  for (let i = 0; i < reps.length; i++)
    if (!isInt(reps[i]) || reps[i] < 0 || reps[i] > MAX_NUMEL) fail(op, `reps[${i}] must be a non-negative integer, got ${describe(reps[i])} in ${_fmtArg(reps)}`);
  return reps as number[];
}

function tileImpl(x: Tensor, reps: number[], op: string): Tensor {
  const n = Math.max(x.rank, reps.length);
  const shape = new Array<number>(n).fill(1);
  const srcSt = new Array<number>(n).fill(0);
  const r = new Array<number>(n).fill(1);
  for (let i = 0; i < x.rank; i++) {
    shape[n - x.rank + i] = x.shape[i];
    srcSt[n - x.rank + i] = x._strides[i];
  }
  for (let i = 0; i < reps.length; i++) r[n - reps.length + i] = reps[i];
  const outShape = shape.map((d, i) => d * r[i]);
  if (numel(outShape) > MAX_NUMEL) fail(op, `result shape ${fmtShape(outShape)} is too large`, 'ERR_SHAPE');
  const out = emptyTensor(outShape, x.dtype);
  if (out.size === 0) return out;
  // out viewed as [r0, d0, r1, d1, ...]: rep index i strides over whole copies of dim i
  const outSt = out._strides;
  const ishape: number[] = [];
  const idst: number[] = [];
  const isrc: number[] = [];
  for (let i = 0; i < n; i++) {
    ishape.push(r[i], shape[i]);
    idst.push(shape[i] * outSt[i], outSt[i]);
    isrc.push(0, srcSt[i]);
  }
  copyND(out, 0, idst, x, x._offset, isrc, ishape);
  if (tape.on && tracked(x)) {
    // gradient: g viewed as [r0, d0, r1, d1, ...], summed over the rep dims
    const repAxes = r.map((_v, i) => 2 * i);
    record(out, op, [x], (g) => [reshape(reshape(g, ishape).sum(repAxes), x.shape)]);
  }
  return out;
}

/**
 * numpy/torch tile: repeats x reps[i] times along dim i. reps shorter than the rank is
 * padded with 1s at the front; longer pads x's shape with 1s at the front.
 */
export function tile(x: Tensor, reps: number[]): Tensor {
  const op = 'tile';
  checkTensor(x, op);
  return tileImpl(x, checkReps(reps, op), op);
}

/** torch.Tensor.repeat: tile, but reps must have at least as many entries as x has dims. */
export function repeat(x: Tensor, reps: number[]): Tensor {
  const op = 'repeat';
  checkTensor(x, op);
  const rp = checkReps(reps, op);
  if (rp.length < x.rank)
    fail(op, `reps ${_fmtArg(rp)} has fewer entries than the ${x.rank} dims of shape ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  return tileImpl(x, rp, op);
}

/**
 * tf.pad (constant mode): paddings holds one [before, after] pair of non-negative
 * integers per dim. The border is `value` (converted to x's dtype).
 */
export function pad(x: Tensor, paddings: [number, number][], value: number | boolean = 0): Tensor {
  const op = 'pad';
  checkTensor(x, op);
  const r = x.rank;
  if (!Array.isArray(paddings) || paddings.length !== r)
    fail(op, `paddings must hold one [before, after] pair per dim (${r} for shape ${fmtShape(x.shape)}), got ${describe(paddings)}`, 'ERR_SHAPE');
  if (typeof value !== 'number' && typeof value !== 'boolean') fail(op, `value must be a number or boolean, got ${describe(value)}`);
  const outShape = new Array<number>(r);
  for (let d = 0; d < r; d++) {
    const p = paddings[d];
    if (!Array.isArray(p) || p.length !== 2 || !isInt(p[0]) || !isInt(p[1]) || p[0] < 0 || p[1] < 0 || p[0] > MAX_NUMEL || p[1] > MAX_NUMEL)
      fail(op, `paddings[${d}] must be a pair of non-negative integers, got ${_fmtArg(p)}`);
    outShape[d] = p[0] + x.shape[d] + p[1];
  }
  if (numel(outShape) > MAX_NUMEL) fail(op, `result shape ${fmtShape(outShape)} is too large`, 'ERR_SHAPE');
  const out = filled(outShape, Number(value), x.dtype);
  if (x.size > 0) {
    const st = out._strides;
    let off = 0;
    for (let d = 0; d < r; d++) off += paddings[d][0] * st[d];
    writeLayout(0, x.shape, st, x._strides);
    native.copy(out._h, off, x._h, x._offset);
  }
  // gradient: the interior window of g
  if (tape.on && tracked(x)) {
    const begin = paddings.map((p) => p[0]);
    record(out, op, [x], (g) => [slice(g, begin, x.shape.slice())]);
  }
  return out;
}

/** Reverses the order of elements along the given axes; returns a contiguous copy (as torch.flip). */
export function flip(x: Tensor, axes: number | number[]): Tensor {
  const op = 'flip';
  checkTensor(x, op);
  const r = x.rank;
  if (axes === undefined || axes === null) fail(op, 'axes is required (a dim or an array of dims)', 'ERR_AXIS');
  const list = Array.isArray(axes) ? axes : [axes];
  const strides = x._strides.slice();
  let offset = x._offset;
  const seen = new Set<number>();
  for (const ax of list) {
    const a = normAxis(ax, r, op);
    if (r === 0) continue;
    if (seen.has(a)) fail(op, `axis ${a} is repeated in ${_fmtArg(axes)}`, 'ERR_AXIS');
    seen.add(a);
    if (x.shape[a] > 0) offset += (x.shape[a] - 1) * strides[a];
    strides[a] = -strides[a];
  }
  const out = emptyTensor(x.shape.slice(), x.dtype);
  if (x.size > 0) {
    writeLayout(0, x.shape, contiguousStrides(x.shape), strides);
    native.copy(out._h, 0, x._h, offset);
  }
  if (tape.on && tracked(x)) record(out, op, [x], (g) => [flip(g, [...seen])]);
  return out;
}

declare module '../tensor' {
  interface Tensor {
    /** concat([this, ...others], axis) */
    concat(others: Tensor | Tensor[], axis?: number): Tensor;
    cat(others: Tensor | Tensor[], axis?: number): Tensor;
    /** stack([this, ...others], axis) */
    stack(others: Tensor | Tensor[], axis?: number): Tensor;
    split(sizeOrSections: number | number[], axis?: number): Tensor[];
    chunk(chunks: number, axis?: number): Tensor[];
    unstack(axis?: number): Tensor[];
    tile(reps: number[]): Tensor;
    repeat(reps: number[]): Tensor;
    pad(paddings: [number, number][], value?: number | boolean): Tensor;
    flip(axes: number | number[]): Tensor;
  }
}
function withOthers(self: Tensor, others: Tensor | Tensor[]): Tensor[] {
  return [self, ...(Array.isArray(others) ? others : [others])];
}
Tensor.prototype.concat = function (others, axis) { return concat(withOthers(this, others), axis); };
Tensor.prototype.cat = function (others, axis) { return cat(withOthers(this, others), axis); };
Tensor.prototype.stack = function (others, axis) { return stack(withOthers(this, others), axis); };
Tensor.prototype.split = function (sizeOrSections, axis) { return split(this, sizeOrSections, axis); };
Tensor.prototype.chunk = function (chunks, axis) { return chunk(this, chunks, axis); };
Tensor.prototype.unstack = function (axis) { return unstack(this, axis); };
Tensor.prototype.tile = function (reps) { return tile(this, reps); };
Tensor.prototype.repeat = function (reps) { return repeat(this, reps); };
Tensor.prototype.pad = function (paddings, value) { return pad(this, paddings, value); };
Tensor.prototype.flip = function (axes) { return flip(this, axes); };
