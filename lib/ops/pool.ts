// Pooling (torch semantics, NCHW; TF's maxPool / avgPool with NHWC): max, average and adaptive
// pools over native kernels (native/cpu/pool.cc), each with its own backward kernel in the
// pattern of docs/adding-an-op.md:
//   - max pools save int32 indices (the flat position h*W + w in the input plane, as torch)
//     and backward scatters the gradient through them; that backward is linear in the
//     gradient, so its own gradient is a gather by the same indices (public ops);
//   - average pools (adaptive too) are linear: backward is the adjoint kernel, and the adjoint
//     of the adjoint is the forward again, so every order of gradient runs native kernels.
// 1-D pools are 2-D pools over [N, C, 1, L]; unbatched inputs gain a batch dim of 1.
import { native } from '../core/native';
import { DTYPE_CODE } from '../core/dtype';
import { fail } from '../core/errors';
import { Tensor } from '../tensor';
import { record, saveFor, tracked, needsGrad } from '../autograd/tape';
import { tidy } from '../core/memory';
import { tape } from '../autograd/state';
import { reshape, permute } from './views';
import { takeAlongAxis } from './indexing';
import { mean } from './reduce';
import { lt, where } from './logical';
import {
  PoolGeom, optionsOf, floatInput, windowArgs, torchGeom, divisorOf, adaptiveGeom, tfGeom, boolOpt, MAX_OPTS, AVG_OPTS, AVG1D_OPTS,
} from './pool-args';

export interface MaxPoolOptions {
  /** default: kernelSize */
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  ceilMode?: boolean;
  /** return [output, indices] (int32 flat positions h*W + w in each input plane), as torch's tuple */
  returnIndices?: boolean;
}
export interface AvgPoolOptions {
  stride?: number | number[];
  padding?: number | number[];
  ceilMode?: boolean;
  /** divide by the window including its padding (default true, torch) */
  countIncludePad?: boolean;
  /** divide every window's sum by this instead */
  divisorOverride?: number;
}
export interface AdaptiveMaxPoolOptions {
  returnIndices?: boolean;
}
export interface TfPoolOptions {
  /** 'NHWC' (default, tf.nn) or 'NCHW' */
  dataFormat?: 'NHWC' | 'NCHW';
}
export type PoolPadding = 'SAME' | 'VALID';

const ADAPTIVE = 1, COUNT_PAD = 2;

/** The native pool over contiguous planes of x ([N, C, H, W]): kind 0 max, 1 max + indices, 2 avg. */
function poolNative(kind: number, x: Tensor, g: PoolGeom): [Tensor, Tensor | null] {
  const xc = x.contiguous();
  const [N, C] = x.shape;
  const flags = (g.adaptive ? ADAPTIVE : 0) | (g.countIncludePad ? COUNT_PAD : 0);
  const hs = native.poolForward(kind, DTYPE_CODE[x.dtype], xc._h, xc._offset, N * C, g.H, g.W, g.OH, g.OW, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, flags, g.divisor);
  if (xc !== x) xc.dispose();
  const shape = [N, C, g.OH, g.OW];
  return [Tensor._fromHandle(hs[0], shape, x.dtype), hs.length > 1 ? Tensor._fromHandle(hs[1], shape.slice(), 'int32') : null];
}

/** The input-shaped result of a backward kernel: kind 0 max (through idx), 2 avg. */
function poolBackNative(kind: number, gy: Tensor, idx: Tensor | null, inShape: number[], g: PoolGeom): Tensor {
  const gc = gy.contiguous();
  const flags = (g.adaptive ? ADAPTIVE : 0) | (g.countIncludePad ? COUNT_PAD : 0);
  const ih = idx ?? gc;
  const h = native.poolBackward(kind, DTYPE_CODE[gy.dtype], gc._h, gc._offset, ih._h, ih._offset, inShape[0] * inShape[1], g.H, g.W, g.OH, g.OW, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, flags, g.divisor);
  if (gc !== gy) gc.dispose();
  return Tensor._fromHandle(h, inShape.slice(), gy.dtype);
}

/** Max pool of [N, C, H, W]; indices when asked for or when the tape needs them. */
function maxPoolCore(op: string, x: Tensor, g: PoolGeom, wantIdx: boolean): [Tensor, Tensor | null] {
  const grad = tape.on && tracked(x);
  const [out, idx] = poolNative(wantIdx || grad ? 1 : 0, x, g);
  if (grad) {
    // a view of its own, so a caller disposing the returned indices does not free the saved ones
    const saved = wantIdx ? idx!._view(idx!.shape, idx!._strides, idx!._offset) : idx!;
    record(out, op, [x], (gy) => [maxPoolBackward(gy, saved, x.shape, g)]);
    saveFor(out, saved);
  }
  return [out, wantIdx ? idx : null];
}

/**
 * @internal dx = scatter of gy through the max positions (one native pass). Linear in gy, the
 * positions constant: d/dgy <U, dx> = U gathered at the indices.
 */
export function maxPoolBackward(gy: Tensor, idx: Tensor, inShape: number[], g: PoolGeom): Tensor {
  const dx = poolBackNative(0, gy, idx, inShape, g);
  if (tape.on && tracked(gy)) {
    const P = inShape[0] * inShape[1];
    record(dx, 'maxPoolBackward', [gy], (u) => {
      const u2 = reshape(u, [P, g.H * g.W]);
      const i2 = reshape(idx, [P, g.OH * g.OW]);
      if (!hasEmptyWindow(g)) return [reshape(takeAlongAxis(u2, i2, 1), gy.shape.slice())];
      // a window wholly in the (dilated) padding points outside its plane, as torch's: it gets 0
      const ok = lt(i2, g.H * g.W);
      return [reshape(where(ok, takeAlongAxis(u2, where(ok, i2, 0), 1), 0), gy.shape.slice())];
    });
  }
  return dx;
}

/** Whether some window has no tap inside the input (possible with dilation): its index is outside the plane. */
function hasEmptyWindow(g: PoolGeom): boolean {
  if (g.adaptive) return false;
  const empty = (size: number, out: number, k: number, s: number, p: number, d: number) => {
    for (let o = 0; o < out; o++) {
      const s0 = o * s - p;
      const lo = s0 < 0 ? s0 + Math.ceil(-s0 / d) * d : s0;
      if (lo >= Math.min(s0 + (k - 1) * d + 1, size)) return true;
    }
    return false;
  };
  return empty(g.H, g.OH, g.kh, g.sh, g.ph, g.dh) || empty(g.W, g.OW, g.kw, g.sw, g.pw, g.dw);
}

function avgPoolCore(op: string, x: Tensor, g: PoolGeom): Tensor {
  const out = poolNative(2, x, g)[0];
  if (tape.on && tracked(x)) record(out, op, [x], (gy) => [avgPoolBackward(gy, x.shape, g)]);
  return out;
}

/** @internal The adjoint of the average pool (one native pass); its own gradient is the pool again. */
export function avgPoolBackward(gy: Tensor, inShape: number[], g: PoolGeom): Tensor {
  const dx = poolBackNative(2, gy, null, inShape, g);
  if (tape.on && tracked(gy)) record(dx, 'avgPoolBackward', [gy], (u) => [avgPoolCore('avgPool', u, g)]);
  return dx;
}

/**
 * fn inside tidy when nothing records, so the intermediate views of a composite pool (reshapes,
 * permutes) are freed at once; with the tape on they belong to the graph.
 */
export function scoped<R>(x: Tensor, fn: () => R): R {
  return tape.on && needsGrad(x) ? fn() : tidy(fn);
}

/** Runs f on x as [N, C, H, W] (a 3-D input gets a batch of 1, removed from every result). */
function batched<R extends Tensor | [Tensor, Tensor]>(x: Tensor, f: (x4: Tensor) => R): R {
  if (x.rank === 4) return f(x);
  return scoped(x, () => {
    const r = f(reshape(x, [1, ...x.shape]));
    const strip = (t: Tensor) => reshape(t, t.shape.slice(1));
    return (Array.isArray(r) ? [strip(r[0]), strip(r[1])] : strip(r as Tensor)) as R;
  });
}

const RANK2D = 'a 3-D [C, H, W] or 4-D [N, C, H, W]';
const RANK1D = 'a 2-D [C, L] or 3-D [N, C, L]';

/** torch.nn.functional.max_pool2d over [N, C, H, W] or [C, H, W]; `[output, indices]` with returnIndices. */
export function maxPool2d(x: Tensor, kernelSize: number | number[], options: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: number | number[], options?: MaxPoolOptions): Tensor;
export function maxPool2d(x: Tensor, kernelSize: number | number[], options?: MaxPoolOptions): Tensor | [Tensor, Tensor] {
  const op = 'maxPool2d';
  const o = optionsOf(op, options, MAX_OPTS);
  const t = floatInput(op, x, [3, 4], RANK2D);
  const w = windowArgs(op, kernelSize, o as Record<string, unknown>, 2);
  const ri = boolOpt(op, 'returnIndices', o.returnIndices, false);
  const g = torchGeom(op, t, w, false, 0);
  return batched(t, (x4) => {
    const [out, idx] = maxPoolCore(op, x4, g, ri);
    return ri ? ([out, idx!] as [Tensor, Tensor]) : out;
  });
}

/** torch.nn.functional.avg_pool2d over [N, C, H, W] or [C, H, W]. */
export function avgPool2d(x: Tensor, kernelSize: number | number[], options?: AvgPoolOptions): Tensor {
  const op = 'avgPool2d';
  const o = optionsOf(op, options, AVG_OPTS);
  const t = floatInput(op, x, [3, 4], RANK2D);
  const w = windowArgs(op, kernelSize, o as Record<string, unknown>, 2);
  const g = torchGeom(op, t, w, boolOpt(op, 'countIncludePad', o.countIncludePad, true), divisorOf(op, o.divisorOverride));
  return batched(t, (x4) => avgPoolCore(op, x4, g));
}

/** [N, C, L] / [C, L] as [N, C, 1, L] and the 1-D window as a 1 x k one. */
function pool1d<R extends Tensor | [Tensor, Tensor]>(op: string, x: unknown, kernelSize: unknown, o: Record<string, unknown>, f: (x4: Tensor, w: ReturnType<typeof windowArgs>, t: Tensor) => R): R {
  const t = floatInput(op, x, [2, 3], RANK1D);
  const w = windowArgs(op, kernelSize, o, 1);
  const w2 = { kernel: [1, w.kernel[0]], stride: [1, w.stride[0]], padding: [0, w.padding[0]], dilation: [1, w.dilation[0]], ceilMode: w.ceilMode };
  return scoped(t, () => {
    const t3 = t.rank === 3 ? t : reshape(t, [1, ...t.shape]);
    const r = f(reshape(t3, [t3.shape[0], t3.shape[1], 1, t3.shape[2]]), w2, t);
    const back = (y: Tensor) => reshape(y, t.rank === 3 ? [y.shape[0], y.shape[1], y.shape[3]] : [y.shape[1], y.shape[3]]);
    return (Array.isArray(r) ? [back(r[0]), back(r[1])] : back(r as Tensor)) as R;
  });
}

/** torch.nn.functional.max_pool1d over [N, C, L] or [C, L]. */
export function maxPool1d(x: Tensor, kernelSize: number | number[], options: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool1d(x: Tensor, kernelSize: number | number[], options?: MaxPoolOptions): Tensor;
export function maxPool1d(x: Tensor, kernelSize: number | number[], options?: MaxPoolOptions): Tensor | [Tensor, Tensor] {
  const op = 'maxPool1d';
  const o = optionsOf(op, options, MAX_OPTS);
  const ri = boolOpt(op, 'returnIndices', o.returnIndices, false);
  return pool1d(op, x, kernelSize, o as Record<string, unknown>, (x4, w, t) => {
    const [out, idx] = maxPoolCore(op, x4, torchGeom(op, x4, w, false, 0, t.shape), ri);
    return ri ? ([out, idx!] as [Tensor, Tensor]) : out;
  });
}

/** torch.nn.functional.avg_pool1d over [N, C, L] or [C, L]. */
export function avgPool1d(x: Tensor, kernelSize: number | number[], options?: Omit<AvgPoolOptions, 'divisorOverride'>): Tensor {
  const op = 'avgPool1d';
  const o = optionsOf(op, options, AVG1D_OPTS);
  const cip = boolOpt(op, 'countIncludePad', o.countIncludePad, true);
  return pool1d(op, x, kernelSize, o as Record<string, unknown>, (x4, w, t) => avgPoolCore(op, x4, torchGeom(op, x4, w, cip, 0, t.shape)));
}

/** torch.nn.functional.adaptive_avg_pool2d: outputSize a number or [h, w] (null keeps the input's size). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  const t = floatInput(op, x, [3, 4], RANK2D);
  const g = adaptiveGeom(op, t, outputSize);
  return batched(t, (x4) => avgPoolCore(op, x4, g));
}

/** torch.nn.functional.adaptive_max_pool2d; `[output, indices]` with returnIndices. */
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | (number | null)[], options: AdaptiveMaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | (number | null)[], options?: AdaptiveMaxPoolOptions): Tensor;
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | (number | null)[], options?: AdaptiveMaxPoolOptions): Tensor | [Tensor, Tensor] {
  const op = 'adaptiveMaxPool2d';
  const o = optionsOf(op, options, ['returnIndices']);
  const ri = boolOpt(op, 'returnIndices', o.returnIndices, false);
  const t = floatInput(op, x, [3, 4], RANK2D);
  const g = adaptiveGeom(op, t, outputSize);
  return batched(t, (x4) => {
    const [out, idx] = maxPoolCore(op, x4, g, ri);
    return ri ? ([out, idx!] as [Tensor, Tensor]) : out;
  });
}

/** The mean over H and W of [N, C, H, W] / [C, H, W]: [N, C] (or [N, C, 1, 1] with keepDims). */
export function globalAvgPool2d(x: Tensor, options?: { keepDims?: boolean }): Tensor {
  const op = 'globalAvgPool2d';
  const o = optionsOf(op, options, ['keepDims']);
  const t = floatInput(op, x, [3, 4], RANK2D);
  return mean(t, [-2, -1], boolOpt(op, 'keepDims', o.keepDims, false));
}

/** tf.nn.max_pool2d / avg_pool2d on NHWC (default) or NCHW input. */
function tfPool(op: string, x: unknown, ksize: unknown, strides: unknown, padding: unknown, options: TfPoolOptions | undefined, max: boolean): Tensor {
  const o = optionsOf(op, options, ['dataFormat']);
  const fmt = o.dataFormat ?? 'NHWC';
  if (fmt !== 'NHWC' && fmt !== 'NCHW') fail(op, `dataFormat must be 'NHWC' or 'NCHW', got ${String(fmt)}`);
  const nhwc = fmt === 'NHWC';
  const t = floatInput(op, x, [4], nhwc ? 'a 4-D [N, H, W, C]' : 'a 4-D [N, C, H, W]');
  const H = nhwc ? t.shape[1] : t.shape[2], W = nhwc ? t.shape[2] : t.shape[3];
  const g = tfGeom(op, H, W, t.shape, ksize, strides, padding, nhwc);
  const run = (x4: Tensor) => (max ? maxPoolCore(op, x4, g, false)[0] : avgPoolCore(op, x4, g));
  if (!nhwc) return run(t);
  return scoped(t, () => permute(run(permute(t, [0, 3, 1, 2])), [0, 2, 3, 1]));
}

/** tf.nn.max_pool2d: ksize / strides a number, [h, w] or [1, h, w, 1]; padding 'SAME' or 'VALID'. */
export function maxPool(x: Tensor, ksize: number | number[], strides: number | number[], padding: PoolPadding, options?: TfPoolOptions): Tensor {
  return tfPool('maxPool', x, ksize, strides, padding, options, true);
}

/** tf.nn.avg_pool2d (SAME divides each window by its count of non-padded elements). */
export function avgPool(x: Tensor, ksize: number | number[], strides: number | number[], padding: PoolPadding, options?: TfPoolOptions): Tensor {
  return tfPool('avgPool', x, ksize, strides, padding, options, false);
}

declare module '../tensor' {
  interface Tensor {
    maxPool2d(kernelSize: number | number[], options?: MaxPoolOptions): Tensor;
    avgPool2d(kernelSize: number | number[], options?: AvgPoolOptions): Tensor;
    maxPool1d(kernelSize: number | number[], options?: MaxPoolOptions): Tensor;
    avgPool1d(kernelSize: number | number[], options?: Omit<AvgPoolOptions, 'divisorOverride'>): Tensor;
    adaptiveAvgPool2d(outputSize: number | (number | null)[]): Tensor;
    adaptiveMaxPool2d(outputSize: number | (number | null)[]): Tensor;
    globalAvgPool2d(options?: { keepDims?: boolean }): Tensor;
    maxPool(ksize: number | number[], strides: number | number[], padding: PoolPadding, options?: TfPoolOptions): Tensor;
    avgPool(ksize: number | number[], strides: number | number[], padding: PoolPadding, options?: TfPoolOptions): Tensor;
  }
}
Tensor.prototype.maxPool2d = function (k, o) { return maxPool2d(this, k, o) as Tensor; };
Tensor.prototype.avgPool2d = function (k, o) { return avgPool2d(this, k, o); };
Tensor.prototype.maxPool1d = function (k, o) { return maxPool1d(this, k, o) as Tensor; };
Tensor.prototype.avgPool1d = function (k, o) { return avgPool1d(this, k, o); };
Tensor.prototype.adaptiveAvgPool2d = function (s) { return adaptiveAvgPool2d(this, s); };
Tensor.prototype.adaptiveMaxPool2d = function (s) { return adaptiveMaxPool2d(this, s); };
Tensor.prototype.globalAvgPool2d = function (o) { return globalAvgPool2d(this, o); };
Tensor.prototype.maxPool = function (k, s, p, o) { return maxPool(this, k, s, p, o); };
Tensor.prototype.avgPool = function (k, s, p, o) { return avgPool(this, k, s, p, o); };
