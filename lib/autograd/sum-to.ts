// sumToShape / sumTo: the broadcasting helper every gradient of a broadcasting op uses.
//
// Kept apart from the engine (grad.ts) and free of op-file imports, so that every op file
// can import it without an import cycle: the sum and the reshape are called as Tensor
// methods (attached by ops/reduce.ts and ops/views.ts, which lib/index.ts loads), and sum's
// own gradient is a broadcast, whose gradient is this helper again.
import { Tensor } from '../tensor';
import { fail, fmtShape } from '../core/errors';
import { DType } from '../core/dtype';
import { cast } from '../ops/cast';

/**
 * @internal Reduces a broadcast gradient back to `shape` (sums the leading extra dims and
 * the dims where shape has 1) and casts it to `dtype`. Returns g itself when nothing changes.
 */
export function sumToShape(g: Tensor, shape: readonly number[], dtype: DType): Tensor {
  const gs = g.shape;
  const lead = gs.length - shape.length;
  let same = lead === 0;
  const axes: number[] = [];
  for (let d = 0; d < gs.length; d++) {
    if (d < lead) axes.push(d);
    else if (shape[d - lead] === 1 && gs[d] !== 1) axes.push(d);
    else if (shape[d - lead] !== gs[d]) fail('backward', `cannot sum a gradient of shape ${fmtShape(gs)} to ${fmtShape(shape)}`, 'ERR_SHAPE');
  }
  if (axes.length > 0) same = false;
  // temporaries are not disposed here: inside backward() the pass frees them (and with
  // createGraph they are part of the new graph)
  let r = g;
  if (!same) r = g.sum(axes, true).reshape(shape as number[]);
  if (r.dtype !== dtype) r = cast(r, dtype);
  return r;
}

/** @internal sumToShape for an operand that may be a plain number (gets no gradient). */
export function sumTo(g: Tensor, x: unknown): Tensor | null {
  if (!(x instanceof Tensor)) return null;
  return sumToShape(g, x.shape, x.dtype);
}
