// Shape and layout operators: Reshape, Transpose, Flatten, Concat, Split, Slice, Gather,
// Squeeze, Unsqueeze, Shape, Size, ConstantOfShape, Expand, Tile, Range. Shape tensors are int32.
import { Tensor } from '../tensor';
import * as V from '../ops/views';
import { stridedSlice } from '../ops/strided-slice';
import { concat, split, tile, flip } from '../ops/join';
import { gather, takeAlongAxis } from '../ops/indexing';
import { tensor, full, arange } from '../ops/creation';
import { def, need, nodeFail, intsOf, axisOf, axesArg, scalarOf } from './registry';

// a graph asking for more than this in one tensor (1 GiB of float32) is refused, not allocated
const MAX_NUMEL = 2 ** 28;

def('Reshape', (x, c) => {
  const t = need(x, 0, c);
  const spec = c.opset >= 5 ? intsOf(need(x, 1, c), c, 'shape') : c.attrs.ints('shape', []);
  const allowZero = c.attrs.int('allowzero', 0) === 1;
  const shape = spec.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= t.rank) nodeFail(c, `shape [${spec.join(',')}] copies dim ${i} of an input of rank ${t.rank}`, 'ERR_FORMAT');
      return t.shape[i];
    }
    return d;
  });
  return V.reshape(t, shape);
});

def('Transpose', (x, c) => {
  const t = need(x, 0, c);
  const perm = c.attrs.ints('perm') ?? t.shape.map((_, i) => t.rank - 1 - i);
  return V.permute(t, perm);
});

def('Flatten', (x, c) => {
  const t = need(x, 0, c);
  const a = c.attrs.int('axis', 1);
  const ax = a < 0 ? a + t.rank : a;
  if (ax < 0 || ax > t.rank) nodeFail(c, `axis ${a} is out of range for rank ${t.rank}`, 'ERR_FORMAT');
  const lead = t.shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const rest = t.shape.slice(ax).reduce((p, d) => p * d, 1);
  return V.reshape(t, [lead, rest]);
});

def('Concat', (x, c) => {
  const ts = x.filter((t): t is Tensor => t instanceof Tensor);
  if (ts.length === 0) nodeFail(c, 'no inputs', 'ERR_FORMAT');
  const a = c.attrs.int('axis');
  if (a === undefined) nodeFail(c, "attribute 'axis' is required", 'ERR_FORMAT');
  return concat(ts, axisOf(a, ts[0].rank, c));
});

def('Split', (x, c) => {
  const t = need(x, 0, c);
  const a = axisOf(c.attrs.int('axis', 0), t.rank, c);
  let sizes = c.opset >= 13 ? (x[1] instanceof Tensor ? intsOf(x[1], c, 'split') : undefined) : c.attrs.ints('split');
  const n = c.node.outputs.length;
  if (sizes === undefined || sizes.length === 0) {
    const d = t.shape[a];
    if (d % n !== 0) nodeFail(c, `dim ${a} (${d}) does not split into ${n} equal parts`, 'ERR_FORMAT');
    sizes = new Array<number>(n).fill(d / n);
  }
  if (sizes.length !== n) nodeFail(c, `split has ${sizes.length} sizes for ${n} outputs`, 'ERR_FORMAT');
  return split(t, sizes, a);
});

/** ONNX Slice: per-axis starts / ends / steps, clamped; a negative step reads a flipped view. */
def('Slice', (x, c) => {
  let t = need(x, 0, c);
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (c.opset < 10) {
    starts = c.attrs.ints('starts', []);
    ends = c.attrs.ints('ends', []);
    axes = c.attrs.ints('axes');
  } else {
    starts = intsOf(need(x, 1, c), c, 'starts');
    ends = intsOf(need(x, 2, c), c, 'ends');
    axes = x[3] instanceof Tensor ? intsOf(x[3], c, 'axes') : undefined;
    steps = x[4] instanceof Tensor ? intsOf(x[4], c, 'steps') : undefined;
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length)
    nodeFail(c, `starts, ends, axes and steps have different lengths (${starts.length}, ${ends.length}, ${axes.length}, ${steps.length})`, 'ERR_FORMAT');
  const b = t.shape.map(() => 0);
  const e = t.shape.slice();
  const s = t.shape.map(() => 1);
  const flips: number[] = [];
  axes.forEach((a0, i) => {
    const a = axisOf(a0, t.rank, c);
    const d = t.shape[a];
    const st = steps![i];
    if (st === 0) nodeFail(c, 'a step is 0', 'ERR_FORMAT');
    let lo = starts[i] < 0 ? starts[i] + d : starts[i];
    let hi = ends[i] < 0 ? ends[i] + d : ends[i];
    if (st > 0) {
      lo = Math.min(Math.max(lo, 0), d);
      hi = Math.min(Math.max(hi, 0), d);
      b[a] = lo; e[a] = Math.max(hi, lo); s[a] = st;
    } else {
      lo = Math.min(Math.max(lo, 0), d - 1);
      hi = Math.min(Math.max(hi, -1), d - 1);
      // index i of the flipped axis is d-1-i of the original
      flips.push(a);
      b[a] = d - 1 - lo; e[a] = Math.max(d - 1 - hi, d - 1 - lo); s[a] = -st;
      if (d === 0) { b[a] = 0; e[a] = 0; }
    }
  });
  if (flips.length > 0) t = flip(t, flips);
  return stridedSlice(t, b, e, s);
});

def('Gather', (x, c) => {
  const t = need(x, 0, c);
  const ix = need(x, 1, c);
  if (ix.dtype !== 'int32') nodeFail(c, `indices must be an integer tensor, got ${ix.dtype}`, 'ERR_FORMAT');
  return gather(t, ix, axisOf(c.attrs.int('axis', 0), t.rank, c));
});

def('GatherElements', (x, c) => {
  const t = need(x, 0, c);
  const ix = need(x, 1, c);
  if (ix.dtype !== 'int32') nodeFail(c, `indices must be an integer tensor, got ${ix.dtype}`, 'ERR_FORMAT');
  if (ix.rank !== t.rank) nodeFail(c, `indices (rank ${ix.rank}) must have the data's rank ${t.rank}`, 'ERR_SHAPE');
  return takeAlongAxis(t, ix, axisOf(c.attrs.int('axis', 0), t.rank, c));
});

def('Squeeze', (x, c) => {
  const t = need(x, 0, c);
  const axes = axesArg(x, 1, 13, c);
  if (axes === undefined || axes.length === 0) return V.squeeze(t);
  const norm = axes.map((a) => axisOf(a, t.rank, c));
  for (const a of norm) if (t.shape[a] !== 1) nodeFail(c, `cannot squeeze axis ${a} of size ${t.shape[a]}`, 'ERR_SHAPE');
  return V.reshape(t, t.shape.filter((_, i) => !norm.includes(i)));
});

def('Unsqueeze', (x, c) => {
  const t = need(x, 0, c);
  const axes = axesArg(x, 1, 13, c) ?? [];
  const r = t.rank + axes.length;
  const norm = axes.map((a) => axisOf(a, r, c));
  if (new Set(norm).size !== norm.length) nodeFail(c, `axes [${axes.join(',')}] repeat an axis`, 'ERR_FORMAT');
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) shape.push(norm.includes(i) ? 1 : t.shape[k++]);
  return V.reshape(t, shape);
});

def('Shape', (x, c) => {
  const t = need(x, 0, c);
  const r = t.rank;
  const clampAx = (a: number): number => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
  const lo = clampAx(c.attrs.int('start', 0));
  const hi = c.attrs.has('end') ? clampAx(c.attrs.int('end', r)) : r;
  return tensor(t.shape.slice(lo, Math.max(lo, hi)), { dtype: 'int32', shape: [Math.max(0, hi - lo)] });
});
def('Size', (x, c) => tensor(need(x, 0, c).size, { dtype: 'int32' }));

def('ConstantOfShape', (x, c) => {
  const shape = intsOf(need(x, 0, c), c, 'shape');
  if (shape.some((d) => d < 0)) nodeFail(c, `shape [${shape.join(',')}] has a negative dim`, 'ERR_FORMAT');
  if (shape.reduce((p, d) => p * d, 1) > MAX_NUMEL) nodeFail(c, `shape [${shape.join(',')}] is too large`, 'ERR_SHAPE');
  const v = c.attrs.tensor('value');
  if (v === undefined) return full(shape, 0, { dtype: 'float32' });
  if (v.data.length !== 1) nodeFail(c, `value must hold one element, got ${v.data.length}`, 'ERR_FORMAT');
  return full(shape, v.dtype === 'bool' ? v.data[0] !== 0 : v.data[0], { dtype: v.dtype });
});

/** Expand broadcasts both ways: the result has the broadcast of x's shape and the given one. */
def('Expand', (x, c) => {
  const t = need(x, 0, c);
  const want = intsOf(need(x, 1, c), c, 'shape');
  const r = Math.max(t.rank, want.length);
  const shape: number[] = [];
  for (let i = 0; i < r; i++) {
    const a = t.shape[i - (r - t.rank)] ?? 1;
    const b = want[i - (r - want.length)] ?? 1;
    if (a !== b && a !== 1 && b !== 1) nodeFail(c, `cannot broadcast shape [${t.shape.join(',')}] to [${want.join(',')}]`, 'ERR_SHAPE');
    shape.push(a === 1 ? b : a);
  }
  return V.broadcastTo(t, shape);
});

def('Tile', (x, c) => tile(need(x, 0, c), intsOf(need(x, 1, c), c, 'repeats')));

def('Range', (x, c) => {
  const [s, l, d] = [0, 1, 2].map((k) => scalarOf(need(x, k, c), c, ['start', 'limit', 'delta'][k]));
  const n = Math.max(Math.ceil((l - s) / d), 0);
  if (!(n <= MAX_NUMEL)) nodeFail(c, `start ${s}, limit ${l}, delta ${d} give too many values`, 'ERR_SHAPE');
  return arange(s, s + n * d, d, { dtype: need(x, 0, c).dtype });
});

