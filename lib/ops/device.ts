// Moving tensors between devices: t.to(device), t.cpu(), t.cuda(index), and t.to(dtype) /
// t.to({ device, dtype }) as torch's .to(). A device copy is differentiable (the gradient goes
// back to the source device); to(dtype) is a cast (always a new tensor, see cast.ts).
import { native } from '../core/native';
import { DeviceLike, deviceCode, deviceName, checkAvailable } from '../core/device';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { DType, DTYPE_CODE } from '../core/dtype';
import { fail, describe } from '../core/errors';
import { castTo } from './cast';

/** A copy of x on `device` (x itself when it is already there, as torch). */
export function to(x: Tensor, device: DeviceLike): Tensor {
  x._live('to');
  const code = deviceCode(device, 'to');
  const from = x._deviceCode();
  if (code === from) return x;
  checkAvailable(code, 'to');
  const src = x.contiguous();
  const h = native.toDevice(src._h, src._offset, src.size, code);
  if (src !== x) src.dispose();
  const out = Tensor._fromHandle(h, x.shape.slice(), x.dtype);
  out._st.dev = code;
  const back = deviceName(from);
  if (tape.on && tracked(x)) record(out, 'to', [x], (g) => [to(g, back)]);
  return out;
}

export interface ToOptions {
  device?: DeviceLike;
  dtype?: DType;
}

function isDType(v: unknown): v is DType {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_CODE, v);
}

/** x.to(device), x.to(dtype), x.to(device, dtype) or x.to({ device, dtype }). */
function toAny(x: Tensor, a: unknown, b?: unknown): Tensor {
  let device: DeviceLike | undefined, dtype: DType | undefined;
  if (isDType(a)) dtype = a;
  else if (a !== null && typeof a === 'object' && ('device' in a || 'dtype' in a)) ({ device, dtype } = a as ToOptions);
  else if ((typeof a === 'string' && /^(cpu|cuda)(:|$)/.test(a)) || (a !== null && typeof a === 'object' && 'type' in a))
    device = a as DeviceLike;
  else
    fail('to', `expected a dtype (${Object.keys(DTYPE_CODE).join(', ')}), a device ('cpu', 'cuda', 'cuda:N') or { device, dtype }, got ${describe(a)}`);
  if (dtype !== undefined && !isDType(dtype))
    fail('to', `dtype must be one of ${Object.keys(DTYPE_CODE).join(', ')}, got ${describe(dtype)}`, 'ERR_DTYPE');
  if (b !== undefined) {
    if (!isDType(b)) fail('to', `dtype must be one of ${Object.keys(DTYPE_CODE).join(', ')}, got ${describe(b)}`, 'ERR_DTYPE');
    dtype = b;
  }
  const moved = device === undefined ? x : to(x, device);
  if (dtype === undefined) return moved;
  const out = castTo(moved, dtype, 'to');
  if (moved !== x && !(tape.on && tracked(x))) moved.dispose();
  return out;
}

declare module '../tensor' {
  interface Tensor {
    /**
     * A copy on `device` ('cpu', 'cuda', 'cuda:N'; this tensor when already there), in `dtype`
     * (always a new tensor), or both: x.to('cuda'), x.to('float64'), x.to({ device, dtype }).
     */
    to(deviceOrDtype: DeviceLike | DType | ToOptions, dtype?: DType): Tensor;
    cpu(): Tensor;
    cuda(index?: number): Tensor;
  }
}
Tensor.prototype.to = function (a: unknown, b?: DType) { return toAny(this, a, b); };
Tensor.prototype.cpu = function () { return to(this, 'cpu'); };
Tensor.prototype.cuda = function (index = 0) { return to(this, { type: 'cuda', index }); };
