// dtype conversion: tp.cast(x, dtype), x.cast(dtype), x.float(), x.double(),
// x.int(), x.bool() (x.to(dtype) is in device.ts). Always a new contiguous tensor (also for the same dtype), so the
// result can be disposed independently of x. float -> int32 truncates toward zero and
// saturates (NaN -> 0); -> bool is "nonzero" (NaN -> true). The native copy kernel does it.
import { DType, checkDType } from '../core/dtype';
import { Tensor } from '../tensor';
import { checkTensor } from '../core/validate';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';

export function cast(x: Tensor, dtype: DType): Tensor {
  checkTensor(x, 'cast');
  const out = x._copyAs(checkDType(dtype, 'cast'));
  // float -> float casts pass the gradient back (cast to x's dtype); others are not differentiable
  if (tape.on && tracked(x) && (out.dtype === 'float32' || out.dtype === 'float64')) record(out, 'cast', [x], (g) => [cast(g, x.dtype)]);
  return out;
}

export function castTo(x: Tensor, dtype: DType, op: string): Tensor {
  x._live(op);
  if (tape.on && tracked(x)) return cast(x, dtype);
  return x._copyAs(dtype);
}

declare module '../tensor' {
  interface Tensor {
    cast(dtype: DType): Tensor;
    float(): Tensor;
    double(): Tensor;
    int(): Tensor;
    bool(): Tensor;
  }
}
Tensor.prototype.cast = function (dtype: DType) { return cast(this, dtype); };
Tensor.prototype.float = function () { return castTo(this, 'float32', 'float'); };
Tensor.prototype.double = function () { return castTo(this, 'float64', 'double'); };
Tensor.prototype.int = function () { return castTo(this, 'int32', 'int'); };
Tensor.prototype.bool = function () { return castTo(this, 'bool', 'bool'); };
