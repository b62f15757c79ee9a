// softmax / logSoftmax along one axis (default -1), numerically stable: the row max is
// subtracted before exp, so large inputs never overflow. float32/float64 keep their
// dtype; int32/bool inputs are computed in float32. A row whose max is -Inf, +Inf or NaN
// gives NaN everywhere (as PyTorch). The last contiguous axis is the fast path
// (native/cpu/softmax.cc); other axes run tiled or through a gathered row.
import { native } from '../core/native';
import { writeAxisLast } from '../core/meta';
import { checkTensor } from '../core/validate';
import { DTYPE_CODE } from '../core/dtype';
import { normAxis } from '../core/shape';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { mul, sub } from './binary';
import { exp } from './unary';
import { sum } from './reduce';

function softmaxOp(isLog: boolean, op: string, x: unknown, axis: unknown): Tensor {
  const t0 = checkTensor(x, op);
  const nd = t0.shape.length;
  const a = normAxis(axis, nd, op);
  const cast = t0.dtype === 'float32' || t0.dtype === 'float64' ? null : t0._copyAs('float32');
  const t = cast ?? t0;
  try {
    writeAxisLast(t, a);
    const h = native.softmax(isLog ? 1 : 0, DTYPE_CODE[t.dtype], t._h, t._offset);
    return Tensor._fromHandle(h, t0.shape.slice(), t.dtype);
  } finally {
    cast?.dispose();
  }
}

/** exp(x - max) / sum(exp(x - max)) along axis (default -1). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const y = softmaxOp(false, 'softmax', x, axis);
  // dx = y * (g - sum(g * y, axis))
  if (tape.on && tracked(x)) record(y, 'softmax', [x], (g) => [mul(y, sub(g, sum(mul(g, y), axis, true)))]);
  return y;
}

/** (x - max) - log(sum(exp(x - max))) along axis (default -1). */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const y = softmaxOp(true, 'logSoftmax', x, axis);
  // dx = g - exp(y) * sum(g, axis)
  if (tape.on && tracked(x)) record(y, 'logSoftmax', [x], (g) => [sub(g, mul(exp(y), sum(g, axis, true)))]);
  return y;
}

declare module '../tensor' {
  interface Tensor {
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
  }
}
Tensor.prototype.softmax = function (axis) { return softmax(this, axis); };
Tensor.prototype.logSoftmax = function (axis) { return logSoftmax(this, axis); };
