// Argument checks shared by the op files, with one wording for each error:
// `<op>: <arg> must be a Tensor, got <what>`. Deeper checks (dtypes, shapes, axes) stay
// with the op that knows its rules.
import { Tensor } from '../tensor';
import { fail, describe } from './errors';

/** A live Tensor argument: ERR_ARGUMENT when x is not a Tensor, ERR_DISPOSED when it was disposed. */
export function checkTensor(x: unknown, op: string, arg = 'x'): Tensor {
  if (!(x instanceof Tensor)) return fail(op, `${arg} must be a Tensor, got ${describe(x)}`);
  return x._live(op);
}

/** A number argument (any number, NaN and ±Infinity included: the op decides what they mean). */
export function checkNumber(v: unknown, op: string, arg: string): number {
  if (typeof v !== 'number') fail(op, `${arg} must be a number, got ${describe(v)}`);
  return v as number;
}

/** True for a JS number that is an integer. */
export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}
