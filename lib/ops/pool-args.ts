// Argument rules of the pooling ops (lib/ops/pool.ts): sizes given as a number or a tuple,
// torch's output-size formula and its checks (aten/src/ATen/native/Pool.h), TensorFlow's
// SAME / VALID geometry. Every failure names the op, the argument and the shapes.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { checkTensor } from '../core/validate';

/** One pooling window geometry over H x W planes, as the native kernels take it (native/backend/pool.h). */
export interface PoolGeom {
  H: number; W: number; OH: number; OW: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  adaptive: boolean; countIncludePad: boolean; divisor: number;
}

const MAX_INT = 2147483647;

/** An options bag: undefined or a plain object with only the known keys (anything else is an error). */
export function optionsOf<T extends object>(op: string, o: T | undefined, known: readonly string[]): Partial<T> {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object' || Array.isArray(o) || o instanceof Tensor)
    fail(op, `options must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o)) if (!known.includes(k)) fail(op, `unknown option '${k}' (options are ${known.join(', ')})`);
  return o;
}

export const MAX_OPTS = ['stride', 'padding', 'dilation', 'ceilMode', 'returnIndices'];
export const AVG_OPTS = ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];
export const AVG1D_OPTS = ['stride', 'padding', 'ceilMode', 'countIncludePad'];
export const INTERP_OPTS = ['size', 'scaleFactor', 'mode', 'alignCorners'];

/** A float32/float64 tensor of one of the given ranks. */
export function floatInput(op: string, x: unknown, ranks: number[], what: string): Tensor {
  const t = checkTensor(x, op, 'input');
  if (t.dtype !== 'float32' && t.dtype !== 'float64')
    fail(op, `input must be float32 or float64, got ${t.dtype} ${fmtShape(t.shape)}`, 'ERR_DTYPE');
  if (!ranks.includes(t.rank)) fail(op, `expected ${what} input, got shape ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  // torch: only the batch dim of a batched input may be 0
  const first = t.rank === ranks[ranks.length - 1] ? 1 : 0;
  for (let i = first; i < t.rank; i++)
    if (t.shape[i] === 0) fail(op, `expected ${what} input with non-zero sizes except the batch dim, got shape ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  return t;
}

/**
 * n integers from a number or an array of n (or of one, repeated), each >= min; `dflt` when
 * v is undefined (or, as torch's stride, an empty array).
 */
export function intTuple(op: string, arg: string, v: unknown, n: number, min: number, dflt?: number[]): number[] {
  if ((v === undefined || v === null || (Array.isArray(v) && v.length === 0)) && dflt) return dflt;
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : Array.isArray(v) && v.length === 1 ? new Array<number>(n).fill(v[0]) : v;
  const pair = n === 1 ? 'an integer' : `an integer or an array of ${n} integers`;
  if (!Array.isArray(arr) || arr.length !== n || arr.some((d) => typeof d !== 'number' || !Number.isInteger(d)))
    fail(op, `${arg} must be ${pair}, got ${describeTuple(v)}`);
  for (const d of arr as number[])
    if (d < min || d > MAX_INT) fail(op, `${arg} must be ${min === 1 ? 'positive' : 'non-negative'} (at most 2^31 - 1), got ${describeTuple(v)}`);
  return (arr as number[]).slice();
}

function describeTuple(v: unknown): string {
  if (Array.isArray(v) && v.length <= 8) return `[${v.map((d) => describe(d)).join(', ')}]`;
  return describe(v);
}

/** A boolean option (undefined -> dflt). */
export function boolOpt(op: string, arg: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(op, `${arg} must be true or false, got ${describe(v)}`);
  return v;
}

/** torch's pooling_output_shape: the last ceil-mode window must start inside the input or the left padding. */
export function poolOutSize(size: number, k: number, pad: number, stride: number, dil: number, ceil: boolean): number {
  let o = Math.floor((size + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0)) / stride) + 1;
  if (ceil && (o - 1) * stride >= size + pad) o--;
  return o;
}

export interface WindowArgs {
  kernel: number[]; stride: number[]; padding: number[]; dilation: number[]; ceilMode: boolean;
}

/** Kernel, stride (default: the kernel), padding, dilation and ceilMode of an n-d torch pool. */
export function windowArgs(op: string, kernelSize: unknown, o: Record<string, unknown>, n: number): WindowArgs {
  const kernel = intTuple(op, 'kernelSize', kernelSize, n, 1);
  if (o.stride === 0 || (Array.isArray(o.stride) && o.stride.includes(0))) fail(op, `stride must not be zero, got ${describeTuple(o.stride)}`);
  const stride = intTuple(op, 'stride', o.stride, n, 1, kernel);
  const padding = intTuple(op, 'padding', o.padding, n, 0, new Array<number>(n).fill(0));
  const dilation = intTuple(op, 'dilation', o.dilation, n, 1, new Array<number>(n).fill(1));
  const ceilMode = boolOpt(op, 'ceilMode', o.ceilMode, false);
  for (let i = 0; i < n; i++)
    if (padding[i] > Math.floor(kernel[i] / 2))
      fail(op, `padding must be at most half of kernelSize, got padding ${describeTuple(o.padding)} and kernelSize ${describeTuple(kernelSize)}`);
  return { kernel, stride, padding, dilation, ceilMode };
}

/** The geometry of a torch 2-d pool over x ([N, C, H, W] or [C, H, W]); checks the output is not empty. */
export function torchGeom(op: string, x: Tensor, w: WindowArgs, countIncludePad: boolean, divisor: number, shown: number[] = x.shape): PoolGeom {
  const H = x.shape[x.rank - 2], W = x.shape[x.rank - 1];
  const [kh, kw] = w.kernel, [sh, sw] = w.stride, [ph, pw] = w.padding, [dh, dw] = w.dilation;
  const OH = poolOutSize(H, kh, ph, sh, dh, w.ceilMode), OW = poolOutSize(W, kw, pw, sw, dw, w.ceilMode);
  if (OH < 1 || OW < 1)
    fail(op, `input ${fmtShape(shown)} is too small for kernelSize [${kh}, ${kw}], stride [${sh}, ${sw}], padding [${ph}, ${pw}], dilation [${dh}, ${dw}]: the output would be ${OH} x ${OW}`, 'ERR_SHAPE');
  return { H, W, OH, OW, kh, kw, sh, sw, ph, pw, dh, dw, adaptive: false, countIncludePad, divisor };
}

/** avgPool's divisorOverride: a non-zero int32 (torch), 0 when absent. */
export function divisorOf(op: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v === 0 || Math.abs(v) > MAX_INT)
    fail(op, `divisorOverride must be a non-zero integer, got ${describe(v)}`);
  return v;
}

/** Adaptive output size: number | [h, w] with null keeping the input's size (torch). */
export function adaptiveGeom(op: string, x: Tensor, outSize: unknown): PoolGeom {
  const H = x.shape[x.rank - 2], W = x.shape[x.rank - 1];
  const arr = typeof outSize === 'number' ? [outSize, outSize] : outSize;
  if (!Array.isArray(arr) || arr.length !== 2)
    fail(op, `outputSize must be an integer or an array [h, w] of integers (or null), got ${describeTuple(outSize)}`);
  const size = (arr as unknown[]).map((d, i) => {
    if (d === null || d === undefined) return i === 0 ? H : W;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_INT)
      fail(op, `outputSize must hold positive integers (or null), got ${describeTuple(outSize)} for input ${fmtShape(x.shape)}`);
    return d as number;
  });
  return { H, W, OH: size[0], OW: size[1], kh: 0, kw: 0, sh: 0, sw: 0, ph: 0, pw: 0, dh: 0, dw: 0, adaptive: true, countIncludePad: false, divisor: 0 };
}

/**
 * TensorFlow's tf.nn.max_pool2d / avg_pool2d geometry over x viewed as NCHW: ksize / strides as
 * a number, [h, w] or the 4-vector of the data format; SAME pads (total - total/2 extra at the
 * bottom/right) so the output is ceil(in / stride); VALID: ceil((in - k + 1) / stride).
 */
export function tfGeom(op: string, H: number, W: number, shape: number[], ksize: unknown, strides: unknown, padding: unknown, nhwc: boolean): PoolGeom {
  const k = tfPair(op, 'ksize', ksize, nhwc), s = tfPair(op, 'strides', strides, nhwc);
  const p = typeof padding === 'string' ? padding.toUpperCase() : padding;
  if (p !== 'SAME' && p !== 'VALID') fail(op, `padding must be 'SAME' or 'VALID', got ${describe(padding)}`);
  const dims = [H, W].map((n, i) => {
    if (p === 'VALID') {
      if (n < k[i]) fail(op, `ksize [${k[0]}, ${k[1]}] is larger than the input ${fmtShape(shape)} with VALID padding`, 'ERR_SHAPE');
      return { out: Math.ceil((n - k[i] + 1) / s[i]), pad: 0 };
    }
    const out = Math.ceil(n / s[i]);
    const total = Math.max((out - 1) * s[i] + k[i] - n, 0);
    return { out, pad: Math.floor(total / 2) };
  });
  return {
    H, W, OH: dims[0].out, OW: dims[1].out, kh: k[0], kw: k[1], sh: s[0], sw: s[1], ph: dims[0].pad, pw: dims[1].pad,
    dh: 1, dw: 1, adaptive: false, countIncludePad: false, divisor: 0,
  };
}

function tfPair(op: string, arg: string, v: unknown, nhwc: boolean): number[] {
  if (Array.isArray(v) && v.length === 4) {
    const [a, b, c, d] = v as number[];
    const ok = nhwc ? a === 1 && d === 1 : a === 1 && b === 1;
    if (!ok) fail(op, `${arg} as 4 numbers must be [1, h, w, 1] for NHWC or [1, 1, h, w] for NCHW (no pooling over batch or channels), got ${describeTuple(v)}`);
    return intTuple(op, arg, nhwc ? [b, c] : [c, d], 2, 1);
  }
  return intTuple(op, arg, v, 2, 1);
}
