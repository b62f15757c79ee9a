// tp.image.resize: tf.image.resize on channels-last images ([H, W, C] or [N, H, W, C]).
// Bilinear with half-pixel centers or aligned corners is torch's interpolate (native, NCHW:
// permuted around it); TF's legacy asymmetric bilinear and every nearest mode are gathers of
// source rows and columns (blended for bilinear), exact for TF's index rules and
// differentiable through gather.
import { Tensor } from '../tensor';
import { fail, fmtShape, describe } from '../core/errors';
import { checkTensor } from '../core/validate';
import { permute, reshape, contiguous } from '../ops/views';
import { interpolate } from '../ops/resample';
import { gather } from '../ops/indexing';
import { add, mul } from '../ops/binary';
import { cast } from '../ops/cast';
import { tensor, zeros } from '../ops/creation';
import { scoped } from '../ops/pool';
import { isFloat } from '../core/dtype';

export interface ResizeOptions {
  /** 'bilinear' (default) or 'nearest' */
  method?: 'bilinear' | 'nearest';
  /** corner pixels of input and output coincide (TF's align_corners); default false */
  alignCorners?: boolean;
  /** pixel centers at +0.5 (TF 2's tf.image.resize); default true unless alignCorners */
  halfPixelCenters?: boolean;
}

const KNOWN = ['method', 'alignCorners', 'halfPixelCenters'];
const f32 = Math.fround;

/** Source index of each output index for nearest, as TF's resize_nearest_neighbor (float32 scale). */
function nearestIndex(inLen: number, outLen: number, align: boolean, half: boolean): Int32Array {
  const scale = f32(align && outLen > 1 ? (inLen - 1) / (outLen - 1) : inLen / outLen);
  const idx = new Int32Array(outLen);
  for (let o = 0; o < outLen; o++) {
    const v = align ? Math.round(f32(o * scale)) : half ? Math.floor(f32(f32(o + 0.5) * scale)) : Math.floor(f32(o * scale));
    idx[o] = Math.min(Math.max(v, 0), inLen - 1);
  }
  return idx;
}

/** TF's legacy bilinear (no half-pixel, no corner alignment) along axis a: src = o · in / out. */
function asymmetricAxis(t: Tensor, a: number, outLen: number): Tensor {
  const inLen = t.shape[a];
  const scale = f32(inLen / outLen);
  const lo = new Int32Array(outLen), hi = new Int32Array(outLen);
  const w: number[] = new Array<number>(outLen);
  for (let o = 0; o < outLen; o++) {
    const s = f32(o * scale);
    lo[o] = Math.min(Math.floor(s), inLen - 1);
    hi[o] = Math.min(lo[o] + 1, inLen - 1);
    w[o] = s - Math.floor(s);
  }
  const shape = t.shape.map((_, i) => (i === a ? outLen : 1));
  const wt = tensor(w, { dtype: t.dtype, shape });
  const wl = tensor(w.map((v) => 1 - v), { dtype: t.dtype, shape });
  return add(mul(gather(t, lo, a), wl), mul(gather(t, hi, a), wt));
}

/** tf.image.resize for [H, W, C] or [N, H, W, C]; bilinear gives a float result, nearest keeps the dtype. */
export function resize(x: Tensor, size: [number, number] | number[], options?: ResizeOptions): Tensor {
  const op = 'image.resize';
  const t = checkTensor(x, op, 'x');
  if (t.rank !== 3 && t.rank !== 4) fail(op, `expected an image [H, W, C] or a batch [N, H, W, C], got shape ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  if (!Array.isArray(size) || size.length !== 2 || size.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 2 ** 24))
    fail(op, `size must be [height, width], positive integers up to 2^24, got ${describe(size)}`);
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options)))
    fail(op, `options must be an object, got ${describe(options)}`);
  const o = options ?? {};
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) fail(op, `unknown option '${k}' (known: ${KNOWN.join(', ')})`);
  const method = o.method ?? 'bilinear';
  if (method !== 'bilinear' && method !== 'nearest') fail(op, `method must be 'bilinear' or 'nearest', got ${describe(o.method)}`);
  for (const k of ['alignCorners', 'halfPixelCenters'] as const)
    if (o[k] !== undefined && typeof o[k] !== 'boolean') fail(op, `${k} must be a boolean, got ${describe(o[k])}`);
  const align = o.alignCorners ?? false;
  const half = o.halfPixelCenters ?? !align;
  if (align && half) fail(op, 'alignCorners and halfPixelCenters cannot both be true (as in TF)');
  const [OH, OW] = size;
  const batched = t.rank === 4;
  const [H, W] = batched ? t.shape.slice(1, 3) : t.shape.slice(0, 2);
  if (H === 0 || W === 0) fail(op, `cannot resize an image of ${H} x ${W} pixels (shape ${fmtShape(t.shape)})`, 'ERR_SHAPE');
  const hA = batched ? 1 : 0;
  const outShape = batched ? [t.shape[0], OH, OW, t.shape[3]] : [OH, OW, t.shape[2]];
  // no images or no channels: an empty result of the output's shape and dtype
  if (t.size === 0) return zeros(outShape, { dtype: method === 'nearest' || isFloat(t.dtype) ? t.dtype : 'float32', device: t.device });
  return scoped(t, () => {
    if (method === 'nearest') return contiguous(gather(gather(t, nearestIndex(H, OH, align, half), hA), nearestIndex(W, OW, align, half), hA + 1));
    const xf = isFloat(t.dtype) ? t : cast(t, 'float32');
    if (!align && !half) return contiguous(asymmetricAxis(asymmetricAxis(xf, hA, OH), hA + 1, OW));
    // torch's bilinear with align_corners=False is TF's half-pixel rule (source clamped at 0)
    const x4 = batched ? xf : reshape(xf, [1, H, W, t.shape[2]]);
    const y = interpolate(permute(x4, [0, 3, 1, 2]), { size: [OH, OW], mode: 'bilinear', alignCorners: align });
    const back = contiguous(permute(y, [0, 2, 3, 1]));
    return batched ? back : reshape(back, [OH, OW, t.shape[2]]);
  });
}
