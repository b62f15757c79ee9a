// Similarities for nearest-neighbour queries over embeddings: torch.nn.functional
// cosine_similarity and normalize, written with public ops (gradients and broadcasting come
// from them; norm() gives 0, not NaN, as the gradient of a zero vector's 2-norm).
import { fail, describe } from '../core/errors';
import { checkTensor } from '../core/validate';
import { isFloat } from '../core/dtype';
import { normAxis } from '../core/shape';
import { Tensor } from '../tensor';
import { tidy } from '../core/memory';
import { needsGrad } from '../autograd/tape';
import { mul, div, maximum } from './binary';
import { sum } from './reduce';
import { norm } from './norm';
import { broadcastTo } from './views';
import { broadcastShapes } from '../core/shape';
import { optionsOf } from './embed';

function floatIn(op: string, x: unknown, arg: string): Tensor {
  const t = checkTensor(x, op, arg);
  if (!isFloat(t.dtype)) fail(op, `${arg} must be float32 or float64, got ${t.dtype}`, 'ERR_DTYPE');
  return t;
}

function epsOf(op: string, v: unknown, dflt: number): number {
  const e = v ?? dflt;
  if (typeof e !== 'number' || !(e >= 0)) fail(op, `eps must be a number >= 0, got ${describe(e)}`);
  return e;
}

/**
 * torch.nn.functional.cosine_similarity: x1 . x2 / max(||x1|| ||x2||, eps) along `dim`
 * (default 1; `axis` is the same), x1 and x2 broadcast. The dim is removed from the result.
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, options: { dim?: number; axis?: number; eps?: number } = {}): Tensor {
  const op = 'cosineSimilarity';
  const a0 = floatIn(op, x1, 'x1');
  const b0 = floatIn(op, x2, 'x2');
  options = optionsOf(op, options, ['dim', 'axis', 'eps']);
  if (a0.dtype !== b0.dtype) fail(op, `x1 and x2 must share a dtype; got ${a0.dtype} and ${b0.dtype}`, 'ERR_DTYPE');
  const eps = epsOf(op, options.eps, 1e-8);
  const shape = broadcastShapes(a0.shape, b0.shape, op);
  if (shape.length === 0) fail(op, 'x1 and x2 must have at least one dim', 'ERR_SHAPE');
  const d = normAxis(options.dim ?? options.axis ?? 1, shape.length, op);
  const body = (): Tensor => {
    const a = broadcastTo(a0, shape);
    const b = broadcastTo(b0, shape);
    return div(sum(mul(a, b), d), maximum(mul(norm(a, 2, d), norm(b, 2, d)), eps));
  };
  return needsGrad(a0, b0) ? body() : tidy(body);
}

/**
 * torch.nn.functional.normalize: x / max(||x||_p, eps) along `dim` (default 1; `axis` is the
 * same, tf.math.l2_normalize's spelling), p default 2, eps default 1e-12.
 */
export function normalize(x: Tensor, options: { p?: number; dim?: number; axis?: number; eps?: number } = {}): Tensor {
  const op = 'normalize';
  const t = floatIn(op, x, 'x');
  options = optionsOf(op, options, ['p', 'dim', 'axis', 'eps']);
  const p = options.p ?? 2;
  if (typeof p !== 'number' || !(p > 0)) fail(op, `p must be a number > 0 (or Infinity), got ${describe(p)}`);
  const eps = epsOf(op, options.eps, 1e-12);
  if (t.rank === 0) fail(op, 'x must have at least one dim', 'ERR_SHAPE');
  const d = normAxis(options.dim ?? options.axis ?? 1, t.rank, op);
  const body = (): Tensor => div(t, maximum(norm(t, p, d, true), eps));
  return needsGrad(t) ? body() : tidy(body);
}
