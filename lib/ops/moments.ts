// tp.moments (tf.nn.moments) and dropout2d (torch.nn.functional.dropout2d): small composites of
// public ops, so their gradients (and gradients of gradients) come from those ops.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { normAxes } from '../core/shape';
import { isInt } from '../core/validate';
import { sub, mul } from './binary';
import { square } from './unary';
import { mean } from './reduce';
import { squeeze } from './views';
import { ge } from './logical';
import { cast } from './cast';
import { rand } from './random';
import { floatInput, optionsOf } from './norm-args';

export interface MomentsOptions {
  /** keep the reduced axes with size 1 (default false) */
  keepDims?: boolean;
}
export interface MomentsResult {
  mean: Tensor;
  variance: Tensor;
}

/**
 * tf.nn.moments: the mean and the population (biased) variance of x over `axes` (a number or a
 * list; negative counts from the end). Differentiable in x.
 */
export function moments(x: Tensor, axes: number | number[], options?: MomentsOptions): MomentsResult {
  const op = 'moments';
  floatInput(op, x);
  const o = optionsOf<MomentsOptions>(op, options, ['keepDims']);
  const keepDims = o.keepDims ?? false;
  if (typeof keepDims !== 'boolean') fail(op, `keepDims must be a boolean, got ${describe(keepDims)}`);
  const list = typeof axes === 'number' ? [axes] : axes;
  if (!Array.isArray(list) || list.some((a) => !isInt(a))) fail(op, `axes must be an integer or a list of integers, got ${describe(axes)}`, 'ERR_AXIS');
  const ax = normAxes(list, x.rank, op);
  const m = mean(x, ax, true);
  const d = sub(x, m);
  const sq = square(d);
  const variance = mean(sq, ax, keepDims);
  if (d._node === null) {
    d.dispose();
    sq.dispose();
  }
  if (keepDims) return { mean: m, variance };
  const ms = squeeze(m, ax);
  if (m._node === null) m.dispose(); // the view keeps the buffer
  return { mean: ms, variance };
}

export interface Dropout2dOptions {
  /** probability of zeroing a channel (default 0.5) */
  p?: number;
  /** apply dropout (default true); false returns x itself */
  training?: boolean;
}

/**
 * torch.nn.functional.dropout2d: in training, each channel of x [N, C, *] (every (n, c) slice)
 * is zeroed with probability p and the kept ones scaled by 1 / (1 - p). The masks come from
 * tp.rand, so tp.manualSeed reproduces them.
 */
export function dropout2d(x: Tensor, options?: Dropout2dOptions): Tensor {
  const op = 'dropout2d';
  floatInput(op, x);
  const o = optionsOf<Dropout2dOptions>(op, options, ['p', 'training']);
  const p = o.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(op, `p must be a probability in [0, 1], got ${describe(p)}`);
  const training = o.training ?? true;
  if (typeof training !== 'boolean') fail(op, `training must be a boolean, got ${describe(training)}`);
  if (x.rank < 2) fail(op, `x must have shape [N, C, *] (at least 2-D), got ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  if (!training || p === 0) return x;
  const mshape = x.shape.map((d, i) => (i < 2 ? d : 1));
  const r = rand(mshape, { dtype: x.dtype });
  const keepMask = ge(r, p);
  r.dispose();
  const m = cast(keepMask, x.dtype);
  keepMask.dispose();
  const scaled = mul(m, p === 1 ? 0 : 1 / (1 - p));
  m.dispose();
  const out = mul(x, scaled);
  if (out._node === null) scaled.dispose();
  return out;
}
