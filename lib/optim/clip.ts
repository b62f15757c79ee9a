// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_): the .grad of each
// parameter is replaced by a scaled / clamped copy (the old gradient is disposed).
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { keep } from '../core/memory';
import { mul } from '../ops/binary';
import { clamp } from '../ops/unary';
import { noGrad } from '../autograd/grad';
import { SparseRows } from '../autograd/sparse';

function paramList(op: string, params: unknown): Tensor[] {
  if (params instanceof Tensor) return [params];
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function')
    fail(op, `params must be a tensor or an iterable of tensors, got ${describe(params)}`);
  const out: Tensor[] = [];
  let i = 0;
  for (const t of params as Iterable<unknown>) {
    if (!(t instanceof Tensor)) fail(op, `params[${i}] is not a Tensor (got ${describe(t)})`);
    out.push(t);
    i++;
  }
  return out;
}

function replaceGrad(p: Tensor, g: Tensor): void {
  const old = p.grad as Tensor;
  p.grad = keep(g);
  if (old !== g) old.dispose();
}

/**
 * The data that stands for p.grad: a dense gradient itself, or the rows of a row-sparse one
 * (coalesced first, and stored back coalesced, so repeated rows count once, summed).
 */
function gradData(p: Tensor, op: string): Tensor {
  const g = p.grad as Tensor;
  if (!(g instanceof SparseRows)) return g._live(op);
  const c = g.coalesce();
  if (c !== g) replaceGrad(p, c);
  return c.values;
}

/** f applied to the gradient's data: a dense result, or the same rows with new values. */
function mapGrad(p: Tensor, f: (t: Tensor) => Tensor): Tensor {
  const g = p.grad as Tensor;
  if (!(g instanceof SparseRows)) return f(g);
  return new SparseRows(g.indices._copyAs('int32'), f(g.values), g.shape, g.coalesced);
}

/**
 * Scales the gradients of `params` (in place: each .grad is replaced) so that their joint
 * `normType`-norm (2 by default; Infinity for the max-abs norm) is at most `maxNorm`, as
 * torch.nn.utils.clip_grad_norm_: coef = maxNorm / (total + 1e-6), applied when < 1.
 * Parameters without a gradient are skipped. Returns the total norm before clipping.
 */
export function clipGradNorm(params: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2): number {
  const op = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm) || maxNorm < 0) fail(op, `maxNorm must be a number >= 0, got ${describe(maxNorm)}`);
  if (typeof normType !== 'number' || Number.isNaN(normType) || normType <= 0)
    fail(op, `normType must be a number > 0 (or Infinity), got ${describe(normType)}`);
  const withGrad = paramList(op, params).filter((p) => p.grad !== null && p.grad !== undefined);
  if (withGrad.length === 0) return 0;
  let total = 0;
  if (normType === Infinity) {
    for (const p of withGrad) {
      const d = gradData(p, op).dataSync();
      for (let i = 0; i < d.length; i++) {
        const a = Math.abs(d[i] as number);
        if (a > total || Number.isNaN(a)) total = a;
      }
    }
  } else {
    let acc = 0;
    for (const p of withGrad) {
      const d = gradData(p, op).dataSync();
      if (normType === 2) for (let i = 0; i < d.length; i++) acc += (d[i] as number) * (d[i] as number);
      else if (normType === 1) for (let i = 0; i < d.length; i++) acc += Math.abs(d[i] as number);
      else for (let i = 0; i < d.length; i++) acc += Math.abs(d[i] as number) ** normType;
    }
    total = normType === 2 ? Math.sqrt(acc) : normType === 1 ? acc : acc ** (1 / normType);
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    noGrad(() => {
      for (const p of withGrad) replaceGrad(p, mapGrad(p, (t) => mul(t, coef)));
    });
  }
  return total;
}

/** Clamps every gradient of `params` to [-clipValue, clipValue] (torch.nn.utils.clip_grad_value_). */
export function clipGradValue(params: Iterable<Tensor> | Tensor, clipValue: number): void {
  const op = 'clipGradValue';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue) || clipValue < 0)
    fail(op, `clipValue must be a number >= 0, got ${describe(clipValue)}`);
  const withGrad = paramList(op, params).filter((p) => p.grad !== null && p.grad !== undefined);
  noGrad(() => {
    for (const p of withGrad) {
      gradData(p, op);
      replaceGrad(p, mapGrad(p, (t) => clamp(t, -clipValue, clipValue)));
    }
  });
}
