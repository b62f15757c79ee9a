// tp.image.normalize: (x - mean) / std per channel, as torchvision's Normalize, but on the
// channels-last layout tp.image.decode returns (axis -1); axis -3 gives torchvision's CHW.
import { Tensor } from '../tensor';
import { fail, fmtShape, describe } from '../core/errors';
import { checkTensor } from '../core/validate';
import { sub, div } from '../ops/binary';
import { cast } from '../ops/cast';
import { tensor } from '../ops/creation';
import { scoped } from '../ops/pool';
import { isFloat } from '../core/dtype';

export interface NormalizeOptions {
  /** the channel axis; default -1 (HWC / NHWC). -3 for CHW / NCHW. */
  axis?: number;
}

function perChannel(op: string, arg: string, v: unknown, C: number): number[] {
  const arr = typeof v === 'number' ? new Array<number>(C).fill(v) : v;
  if (!Array.isArray(arr) || arr.some((d) => typeof d !== 'number' || !Number.isFinite(d)))
    fail(op, `${arg} must be a finite number or an array of ${C} (one per channel), got ${describe(v)}`);
  if (arr.length !== C) fail(op, `${arg} has ${arr.length} values for ${C} channels`, 'ERR_SHAPE');
  return arr as number[];
}

/** (x - mean[c]) / std[c] along the channel axis; integer images become float32. */
export function normalize(x: Tensor, mean: number | number[], std: number | number[], options?: NormalizeOptions): Tensor {
  const op = 'image.normalize';
  const t = checkTensor(x, op, 'x');
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options)))
    fail(op, `options must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options ?? {})) if (k !== 'axis') fail(op, `unknown option '${k}' (known: axis)`);
  const ax = options?.axis ?? -1;
  if (typeof ax !== 'number' || !Number.isInteger(ax) || ax < -t.rank || ax >= t.rank)
    fail(op, `axis ${describe(ax)} is out of range for x of shape ${fmtShape(t.shape)}`, 'ERR_AXIS');
  const a = ax < 0 ? ax + t.rank : ax;
  const C = t.shape[a];
  const m = perChannel(op, 'mean', mean, C);
  const s = perChannel(op, 'std', std, C);
  if (s.some((v) => v === 0)) fail(op, `std [${s.join(', ')}] has a zero`);
  const dtype = isFloat(t.dtype) ? t.dtype : 'float32';
  const shape = t.shape.map((d, i) => (i === a ? d : 1));
  return scoped(t, () => {
    const xf = t.dtype === dtype ? t : cast(t, dtype);
    return div(sub(xf, tensor(m, { dtype, shape })), tensor(s, { dtype, shape }));
  });
}
