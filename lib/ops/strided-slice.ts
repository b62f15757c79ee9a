// tf.strided_slice: begin/end/strides with TF's five bit masks, as a view of x (negative
// steps give negative strides). Its gradient writes g into zeros of x's shape through the
// same layout, and that gradient's own gradient is the slice again.
import { native, writeLayout } from '../core/native';
import { fail, fmtShape, describe } from '../core/errors';
import { MAX_DIMS, contiguousStrides } from '../core/shape';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { zeros } from './creation';
import { checkTensor } from '../core/validate';
import { _viewOf, isInt, toIntList } from './layout';

export interface StridedSliceOptions {
  beginMask?: number;
  endMask?: number;
  shrinkAxisMask?: number;
  newAxisMask?: number;
  ellipsisMask?: number;
}

function checkMask(v: unknown, op: string, name: string): number {
  if (v === undefined) return 0;
  if (!isInt(v) || v < 0) fail(op, `${name} must be a non-negative integer bit mask, got ${describe(v)}`);
  return v as number;
}

/**
 * tf.strided_slice. Bit i of beginMask/endMask ignores begin[i]/end[i] (full range in the
 * step's direction); shrinkAxisMask takes the single index begin[i] and drops the dim;
 * newAxisMask inserts a size-1 dim; ellipsisMask (at most one bit) stands for as many
 * full dims as needed. Without an ellipsis the unspecified trailing dims are kept whole.
 * Bounds are clamped like python slicing; negative steps give negative-stride views.
 */
export function stridedSlice(
  x: Tensor,
  begin: number[],
  end: number[],
  strides?: number[],
  options?: StridedSliceOptions,
): Tensor {
  const op = 'stridedSlice';
  checkTensor(x, op);
  return stridedSliceWith(x, parseStridedSpec(op, begin, end, strides, options));
}

/** A validated stridedSlice spec (everything but the shape it applies to). */
interface StridedSpec {
  b: number[];
  e: number[];
  st: number[];
  beginMask: number;
  endMask: number;
  shrinkMask: number;
  newAxisMask: number;
  ellipsisMask: number;
  /** entries that index a dim of x (neither new axis nor ellipsis) */
  nReal: number;
}

function parseStridedSpec(op: string, begin: unknown, end: unknown, strides: unknown, options: unknown): StridedSpec {
  const b = toIntList(begin, op, 'begin');
  const e = toIntList(end, op, 'end');
  const st = strides === undefined || strides === null ? b.map(() => 1) : toIntList(strides, op, 'strides');
  if (e.length !== b.length || st.length !== b.length)
    fail(op, `begin, end and strides must have the same length, got ${b.length}, ${e.length} and ${st.length}`);
  const o = (options ?? {}) as StridedSliceOptions;
  if (typeof o !== 'object') fail(op, `options must be an object, got ${describe(o)}`);
  const spec: StridedSpec = {
    // copies: the gradient reads the spec later, after the caller may have reused its arrays
    b: b.slice(),
    e: e.slice(),
    st: st.slice(),
    beginMask: checkMask(o.beginMask, op, 'beginMask'),
    endMask: checkMask(o.endMask, op, 'endMask'),
    shrinkMask: checkMask(o.shrinkAxisMask, op, 'shrinkAxisMask'),
    newAxisMask: checkMask(o.newAxisMask, op, 'newAxisMask'),
    ellipsisMask: checkMask(o.ellipsisMask, op, 'ellipsisMask'),
    nReal: 0,
  };
  let nEllipsis = 0;
  for (let i = 0; i < b.length; i++) {
    if (bit(spec.ellipsisMask, i)) nEllipsis++;
    else if (!bit(spec.newAxisMask, i)) spec.nReal++;
  }
  if (nEllipsis > 1) fail(op, `at most one ellipsis is allowed, ellipsisMask = ${spec.ellipsisMask}`);
  return spec;
}

function bit(m: number, i: number): boolean {
  return i < 31 && ((m >>> i) & 1) === 1;
}

/**
 * The view that spec selects from a tensor laid out as (xShape, xStrides, xOffset). Also
 * used by the gradient to select the same elements of a contiguous tensor of x's shape.
 */
function stridedLayout(op: string, spec: StridedSpec, xShape: readonly number[], xStrides: readonly number[], xOffset: number): { shape: number[]; strides: number[]; offset: number } {
  const { b, e, st, beginMask, endMask, shrinkMask, newAxisMask, ellipsisMask, nReal } = spec;
  const r = xShape.length;
  if (nReal > r) fail(op, `the slice spec indexes ${nReal} dims but x has shape ${fmtShape(xShape)}`, 'ERR_AXIS');
  const shape: number[] = [];
  const outStrides: number[] = [];
  let offset = xOffset;
  let xd = 0;
  for (let i = 0; i < b.length; i++) {
    if (bit(ellipsisMask, i)) {
      for (let k = r - nReal; k > 0; k--, xd++) {
        shape.push(xShape[xd]);
        outStrides.push(xStrides[xd]);
      }
    } else if (bit(newAxisMask, i)) {
      shape.push(1);
      outStrides.push(0);
    } else {
      const dim = xShape[xd];
      const xs = xStrides[xd];
      if (bit(shrinkMask, i)) {
        let k = b[i];
        if (k < 0) k += dim;
        if (k < 0 || k >= dim)
          fail(op, `index ${b[i]} (shrinkAxisMask bit ${i}) is out of range for dim ${xd} of size ${dim} (shape ${fmtShape(xShape)})`, 'ERR_OUT_OF_BOUNDS');
        offset += k * xs;
      } else {
        const step = st[i];
        if (step === 0) fail(op, `strides[${i}] must be nonzero`);
        const lo = step > 0 ? 0 : -1;
        const hi = step > 0 ? dim : dim - 1;
        const clamp = (v: number): number => {
          if (v < 0) v += dim;
          return v < lo ? lo : v > hi ? hi : v;
        };
        const s0 = bit(beginMask, i) ? (step > 0 ? 0 : dim - 1) : clamp(b[i]);
        const e0 = bit(endMask, i) ? (step > 0 ? dim : -1) : clamp(e[i]);
        const len = step > 0 ? Math.max(0, Math.ceil((e0 - s0) / step)) : Math.max(0, Math.ceil((s0 - e0) / -step));
        shape.push(len);
        outStrides.push(xs * step);
        if (len > 0) offset += s0 * xs;
      }
      xd++;
    }
  }
  for (; xd < r; xd++) {
    shape.push(xShape[xd]);
    outStrides.push(xStrides[xd]);
  }
  if (shape.length > MAX_DIMS) fail(op, `result would have ${shape.length} dims; at most ${MAX_DIMS} are supported`, 'ERR_SHAPE');
  return { shape, strides: outStrides, offset };
}

function stridedSliceWith(x: Tensor, spec: StridedSpec): Tensor {
  const L = stridedLayout('stridedSlice', spec, x.shape, x._strides, x._offset);
  const out = _viewOf(x, L.shape, L.strides, L.offset);
  if (tape.on && tracked(x)) {
    const shape = x.shape;
    record(out, 'stridedSlice', [x], (g) => [stridedSliceGrad(g, shape, spec)]);
  }
  return out;
}

/**
 * stridedSlice's gradient: zeros of x's shape with g written where the slice took its
 * elements (each element at most once: steps are nonzero, a new axis has size 1). Its own
 * gradient is the slice again, so gradients of gradients work.
 */
function stridedSliceGrad(g: Tensor, xShape: number[], spec: StridedSpec): Tensor {
  const z = zeros(xShape, { dtype: g.dtype });
  if (g.size > 0) {
    const L = stridedLayout('stridedSlice', spec, xShape, contiguousStrides(xShape), 0);
    if (L.shape.length === 0) writeLayout(0, [1], [1], [1]);
    else writeLayout(0, L.shape, L.strides, g._strides);
    native.copy(z._h, L.offset, g._h, g._offset);
  }
  if (tape.on && tracked(g)) record(z, 'stridedSliceBackward', [g], (gg) => [stridedSliceWith(gg, spec)]);
  return z;
}

declare module '../tensor' {
  interface Tensor {
    stridedSlice(begin: number[], end: number[], strides?: number[], options?: StridedSliceOptions): Tensor;
  }
}
Tensor.prototype.stridedSlice = function (begin, end, strides, options) { return stridedSlice(this, begin, end, strides, options); };
