// Resampling of NCHW images: interpolate (torch 1.13's 'nearest' and 'bilinear', native
// kernels in native/cpu/resample.cc) and pixelShuffle / pixelUnshuffle (views and one copy).
// interpolate is linear in its input: its backward is the adjoint kernel, whose own gradient
// is the forward again, so gradients of every order run the two native passes.
import { native } from '../core/native';
import { DTYPE_CODE } from '../core/dtype';
import { fail, describe, fmtShape } from '../core/errors';
import { checkTensor } from '../core/validate';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { reshape, permute } from './views';
import { optionsOf, floatInput, boolOpt, intTuple, INTERP_OPTS } from './pool-args';
import { scoped } from './pool';

export interface InterpolateOptions {
  /** output [h, w] (or one number for both); give this or scaleFactor */
  size?: number | number[];
  /** output = floor(input * scaleFactor) per axis; the kernel then samples at 1 / scaleFactor (torch 1.13) */
  scaleFactor?: number | number[];
  /** default 'nearest' (torch: floor(dst * scale), clamped) */
  mode?: 'nearest' | 'bilinear';
  /** bilinear only: corner pixels of input and output aligned (default false) */
  alignCorners?: boolean;
}

export interface ResampleGeom {
  H: number; W: number; OH: number; OW: number; mode: number; align: boolean; scaleH: number; scaleW: number;
}

function resampleNative(backward: boolean, x: Tensor, planes: number, g: ResampleGeom, outShape: number[]): Tensor {
  const xc = x.contiguous();
  const h = native.resample(backward ? 1 : 0, DTYPE_CODE[x.dtype], xc._h, xc._offset, planes, g.H, g.W, g.OH, g.OW, g.mode, g.align ? 1 : 0, g.scaleH, g.scaleW);
  if (xc !== x) xc.dispose();
  return Tensor._fromHandle(h, outShape, x.dtype);
}

function resampleCore(x: Tensor, g: ResampleGeom): Tensor {
  const [N, C] = x.shape;
  const out = resampleNative(false, x, N * C, g, [N, C, g.OH, g.OW]);
  if (tape.on && tracked(x)) record(out, 'interpolate', [x], (gy) => [interpolateBackward(gy, g)]);
  return out;
}

/** @internal The adjoint of interpolate (one native pass); its gradient is interpolate again. */
export function interpolateBackward(gy: Tensor, g: ResampleGeom): Tensor {
  const [N, C] = gy.shape;
  const dx = resampleNative(true, gy, N * C, g, [N, C, g.H, g.W]);
  if (tape.on && tracked(gy)) record(dx, 'interpolateBackward', [gy], (u) => [resampleCore(u, g)]);
  return dx;
}

function positive(op: string, arg: string, v: unknown): number[] {
  const arr = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(arr) || arr.length !== 2 || arr.some((d) => typeof d !== 'number' || !(d > 0) || !Number.isFinite(d)))
    fail(op, `${arg} must be a positive finite number or an array of 2, got ${Array.isArray(v) ? `[${v.map(describe).join(', ')}]` : describe(v)}`);
  return arr as number[];
}

/** torch.nn.functional.interpolate for 4-D NCHW input, modes 'nearest' and 'bilinear'. */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = 'interpolate';
  const o = optionsOf(op, options, INTERP_OPTS);
  const t = floatInput(op, x, [4], 'a 4-D [N, C, H, W]');
  const mode = o.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') fail(op, `mode must be 'nearest' or 'bilinear', got ${describe(mode)}`);
  if (mode === 'nearest' && o.alignCorners !== undefined)
    fail(op, "alignCorners can only be set with mode 'bilinear' (torch: the interpolating modes)");
  const align = boolOpt(op, 'alignCorners', o.alignCorners, false);
  const hasSize = o.size !== undefined && o.size !== null, hasScale = o.scaleFactor !== undefined && o.scaleFactor !== null;
  if (hasSize === hasScale) fail(op, 'give exactly one of size and scaleFactor');
  const [H, W] = [t.shape[2], t.shape[3]];
  let OH: number, OW: number, scaleH = 0, scaleW = 0;
  if (hasSize) [OH, OW] = intTuple(op, 'size', o.size, 2, 1);
  else {
    [scaleH, scaleW] = positive(op, 'scaleFactor', o.scaleFactor);
    OH = Math.floor(H * scaleH);
    OW = Math.floor(W * scaleW);
    if (OH < 1 || OW < 1 || OH > 2147483647 || OW > 2147483647)
      fail(op, `scaleFactor [${scaleH}, ${scaleW}] on input ${fmtShape(t.shape)} gives an output of ${OH} x ${OW} (sizes must be in [1, 2^31))`, 'ERR_SHAPE');
  }
  return resampleCore(t, { H, W, OH, OW, mode: mode === 'nearest' ? 0 : 1, align, scaleH, scaleW });
}

function shuffleFactor(op: string, r: unknown, arg: string): number {
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > 65535) fail(op, `${arg} must be a positive integer, got ${describe(r)}`);
  return r as number;
}

/** torch.nn.functional.pixel_shuffle: [*, C*r*r, H, W] -> [*, C, H*r, W*r]. */
export function pixelShuffle(x: Tensor, upscaleFactor: number): Tensor {
  const op = 'pixelShuffle';
  const t = checkTensor(x, op, 'input');
  const r = shuffleFactor(op, upscaleFactor, 'upscaleFactor');
  if (t.rank < 3) fail(op, `expected an input of at least 3 dims [*, C, H, W], got ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  const b = t.shape.slice(0, -3), [C, H, W] = t.shape.slice(-3);
  if (C % (r * r) !== 0) fail(op, `channels ${C} of input ${fmtShape(t.shape)} are not divisible by upscaleFactor^2 = ${r * r}`, 'ERR_SHAPE');
  const c = C / (r * r), k = b.length;
  const perm = [...b.map((_, i) => i), k, k + 3, k + 1, k + 4, k + 2];
  return scoped(t, () => reshape(permute(reshape(t, [...b, c, r, r, H, W]), perm), [...b, c, H * r, W * r]));
}

/** torch.nn.functional.pixel_unshuffle: [*, C, H*r, W*r] -> [*, C*r*r, H, W]. */
export function pixelUnshuffle(x: Tensor, downscaleFactor: number): Tensor {
  const op = 'pixelUnshuffle';
  const t = checkTensor(x, op, 'input');
  const r = shuffleFactor(op, downscaleFactor, 'downscaleFactor');
  if (t.rank < 3) fail(op, `expected an input of at least 3 dims [*, C, H, W], got ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  const b = t.shape.slice(0, -3), [C, H, W] = t.shape.slice(-3);
  if (H % r !== 0 || W % r !== 0) fail(op, `height ${H} and width ${W} of input ${fmtShape(t.shape)} must be divisible by downscaleFactor ${r}`, 'ERR_SHAPE');
  const k = b.length;
  const perm = [...b.map((_, i) => i), k, k + 2, k + 4, k + 1, k + 3];
  return scoped(t, () => reshape(permute(reshape(t, [...b, C, H / r, r, W / r, r]), perm), [...b, C * r * r, H / r, W / r]));
}

declare module '../tensor' {
  interface Tensor {
    interpolate(options: InterpolateOptions): Tensor;
    pixelShuffle(upscaleFactor: number): Tensor;
    pixelUnshuffle(downscaleFactor: number): Tensor;
  }
}
Tensor.prototype.interpolate = function (o) { return interpolate(this, o); };
Tensor.prototype.pixelShuffle = function (r) { return pixelShuffle(this, r); };
Tensor.prototype.pixelUnshuffle = function (r) { return pixelUnshuffle(this, r); };
