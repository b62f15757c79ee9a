// dropout (torch.nn.functional.dropout / tf.nn.dropout with rate p) and dropout2d: inverted
// dropout as composites of public ops (masks from tp.rand, so tp.manualSeed reproduces them;
// gradients of every order come from mul).
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { mul } from './binary';
import { ge } from './logical';
import { cast } from './cast';
import { rand } from './random';
import { saveFor } from '../autograd/tape';
import { floatInput, optionsOf } from './norm-args';

export interface DropoutOptions {
  /** probability of zeroing an element (dropout) or a channel (dropout2d); default 0.5 */
  p?: number;
  /** apply dropout (default true); false returns x itself */
  training?: boolean;
}
/** @deprecated name kept for dropout2d's options */
export type Dropout2dOptions = DropoutOptions;

function parse(op: string, x: Tensor, options: DropoutOptions | undefined): { p: number; training: boolean } {
  const o = optionsOf<DropoutOptions>(op, options, ['p', 'training']);
  const p = o.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(op, `p must be a probability in [0, 1], got ${describe(p)}`);
  const training = o.training ?? true;
  if (typeof training !== 'boolean') fail(op, `training must be a boolean, got ${describe(training)}`);
  // as torch: off (eval, or p = 0) it is the identity on any tensor; on, it needs floats
  if (training && p !== 0) floatInput(op, x);
  else if (!(x instanceof Tensor)) floatInput(op, x);
  return { p, training };
}

/** x times a keep mask of maskShape (broadcast against x) scaled by 1 / (1 - p). */
function masked(x: Tensor, maskShape: number[], p: number): Tensor {
  const r = rand(maskShape, { dtype: x.dtype });
  const keepMask = ge(r, p);
  r.dispose();
  const m = cast(keepMask, x.dtype);
  keepMask.dispose();
  const scaled = mul(m, p === 1 ? 0 : 1 / (1 - p));
  m.dispose();
  const out = mul(x, scaled);
  if (out._node === null) scaled.dispose();
  else saveFor(out, scaled);
  return out;
}

/**
 * torch.nn.functional.dropout: in training, each element is zeroed with probability p and the
 * kept ones scaled by 1 / (1 - p); otherwise (or p = 0) x itself.
 */
export function dropout(x: Tensor, options?: DropoutOptions): Tensor {
  const { p, training } = parse('dropout', x, options);
  if (!training || p === 0) return x;
  return masked(x, x.shape.slice(), p);
}

/**
 * torch.nn.functional.dropout2d: in training, each channel of x [N, C, *] (every (n, c) slice)
 * is zeroed with probability p and the kept ones scaled by 1 / (1 - p).
 */
export function dropout2d(x: Tensor, options?: DropoutOptions): Tensor {
  const op = 'dropout2d';
  const { p, training } = parse(op, x, options);
  if (x.rank < 2) fail(op, `x must have shape [N, C, *] (at least 2-D), got ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  if (!training || p === 0) return x;
  return masked(x, x.shape.map((d, i) => (i < 2 ? d : 1)), p);
}
