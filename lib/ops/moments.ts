// tp.moments (tf.nn.moments): a small composite of public ops, so its gradients (and gradients
// of gradients) come from those ops.
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { normAxes } from '../core/shape';
import { isInt } from '../core/validate';
import { sub } from './binary';
import { square } from './unary';
import { mean } from './reduce';
import { squeeze } from './views';
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
