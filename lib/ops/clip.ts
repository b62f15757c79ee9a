// clip / clamp / clipByValue: min(max(x, min), max) with number or tensor bounds, and
// torch.clamp's gradients (which are not those of maximum-then-minimum at the bounds).
import { DType, isFloat } from '../core/dtype';
import { fail, describe } from '../core/errors';
import { Tensor } from '../tensor';
import { Binary, Unary } from './opcodes';
import { checkTensor } from '../core/validate';
import { binaryOp, checkOperand, unaryRaw } from './elementwise';
import { mul } from './binary';
import { ge, gt, le, lt, logicalAnd, logicalOr, where } from './logical';
import { cast } from './cast';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumTo } from '../autograd/sum-to';

export type Bound = number | Tensor | null | undefined;

/**
 * min(max(x, min), max), elementwise (torch.clamp / tf.clipByValue). Either bound may be
 * null/undefined for a one-sided clip. NaN in x or in a bound gives NaN. An int32 tensor
 * stays int32 with integer bounds; a fractional bound gives float32 (as PyTorch). Tensor
 * bounds broadcast.
 */
export function clip(x: Tensor, min?: Bound, max?: Bound): Tensor {
  return clipImpl('clip', x, min, max);
}
export function clamp(x: Tensor, min?: Bound, max?: Bound): Tensor {
  return clipImpl('clamp', x, min, max);
}
export function clipByValue(x: Tensor, min?: Bound, max?: Bound): Tensor {
  return clipImpl('clipByValue', x, min, max);
}

function clipImpl(op: string, x: Tensor, min: Bound, max: Bound): Tensor {
  checkTensor(x, op);
  if (tape.on && (tracked(x) || tracked(min) || tracked(max))) return clipGrad(op, x, min, max);
  const noMin = min === undefined || min === null;
  const noMax = max === undefined || max === null;
  if (noMin && noMax) fail(op, 'at least one of min and max must be given');
  if (min instanceof Tensor || max instanceof Tensor) {
    // tensor bounds: maximum then minimum (same NaN behaviour, broadcasting, promotion)
    if (!noMin) checkOperand(min, op, 'min');
    if (!noMax) checkOperand(max, op, 'max');
    if (noMax) return binaryOp(Binary.Maximum, op, x, min as Tensor | number);
    if (noMin) return binaryOp(Binary.Minimum, op, x, max as Tensor | number);
    const lo = binaryOp(Binary.Maximum, op, x, min as Tensor | number);
    try {
      return binaryOp(Binary.Minimum, op, lo, max as Tensor | number);
    } finally {
      lo.dispose();
    }
  }
  if (!noMin && typeof min !== 'number') fail(op, `min must be a number, a Tensor, null or undefined; got ${describe(min)}`);
  if (!noMax && typeof max !== 'number') fail(op, `max must be a number, a Tensor, null or undefined; got ${describe(max)}`);
  const lo = noMin ? -Infinity : (min as number);
  const hi = noMax ? Infinity : (max as number);
  let dtype: DType = x.dtype;
  if (!isFloat(dtype)) {
    const intBounds = (noMin || Number.isInteger(lo)) && (noMax || Number.isInteger(hi));
    dtype = intBounds ? 'int32' : 'float32';
  }
  return unaryRaw(Unary.Clip, x, dtype, lo, hi);
}

/** clip on the tape: inside [min, max] (ends included) the gradient goes to x, else to the bound. */
function clipGrad(op: string, x: Tensor, min: Bound, max: Bound): Tensor {
  const noMin = min === undefined || min === null;
  const noMax = max === undefined || max === null;
  if (noMin && noMax) fail(op, 'at least one of min and max must be given');
  if (min instanceof Tensor || max instanceof Tensor) return clipTensorBounds(op, x, min, max);
  const out = clipImpl2(op, x, min, max);
  // d clip / dx = 1 inside [min, max], 0 outside
  const lo = noMin ? -Infinity : (min as number);
  const hi = noMax ? Infinity : (max as number);
  return record(out, op, [x], (g) => [mul(g, cast(logicalAnd(ge(x, lo), le(x, hi)), g.dtype))]);
}

/**
 * Tensor bounds: torch.clamp(Tensor min, Tensor max)'s gradients, not those of
 * minimum(maximum(x, min), max), which would halve them where x touches a bound. x gets g
 * for min <= x <= max; min where x < min < max; max where x > max or max < min (crossed
 * bounds give max). Bounds broadcast, so each gradient is summed back to its operand.
 */
function clipTensorBounds(op: string, x: Tensor, min: Bound, max: Bound): Tensor {
  const out = clipImpl2(op, x, min, max);
  const lo = min === undefined || min === null ? null : min;
  const hi = max === undefined || max === null ? null : max;
  const inputs = [x];
  if (lo instanceof Tensor) inputs.push(lo);
  if (hi instanceof Tensor) inputs.push(hi);
  return record(out, op, inputs, (g, needs) => {
    const pass = (m: Tensor): Tensor => where(m, g, 0);
    let inX: Tensor;
    if (lo === null) inX = le(x, hi as Tensor | number);
    else if (hi === null) inX = ge(x, lo);
    else inX = logicalAnd(ge(x, lo), le(x, hi));
    const r: (Tensor | null)[] = [needs[0] ? sumTo(pass(inX), x) : null];
    let k = 1;
    if (lo instanceof Tensor) {
      const below = hi === null ? lt(x, lo) : logicalAnd(lt(x, lo), lt(lo, hi));
      r.push(needs[k++] ? sumTo(pass(below), lo) : null);
    }
    if (hi instanceof Tensor) {
      const above = lo === null ? gt(x, hi) : logicalOr(gt(x, hi), lt(hi, lo));
      r.push(needs[k++] ? sumTo(pass(above), hi) : null);
    }
    return r;
  });
}

function clipImpl2(op: string, x: Tensor, min: Bound, max: Bound): Tensor {
  const prev = tape.on;
  tape.on = false;
  try {
    return clipImpl(op, x, min, max);
  } finally {
    tape.on = prev;
  }
}

declare module '../tensor' {
  interface Tensor {
    clip(min?: Bound, max?: Bound): Tensor;
    clamp(min?: Bound, max?: Bound): Tensor;
    clipByValue(min?: Bound, max?: Bound): Tensor;
  }
}
Tensor.prototype.clip = function (min?: Bound, max?: Bound) { return clip(this, min, max); };
Tensor.prototype.clamp = function (min?: Bound, max?: Bound) { return clamp(this, min, max); };
Tensor.prototype.clipByValue = function (min?: Bound, max?: Bound) { return clipByValue(this, min, max); };
