// norm(x, ord, axis, keepDims): vector p-norms over one axis or over all elements (torch.norm,
// tf.norm) and matrix norms over two axes (torch.linalg.norm: 'fro', 1, -1, Infinity, -Infinity).
//
// Each norm is evaluated with recording off and records one node, whose gradient is torch
// 1.13's (norm_backward; for the matrix norms, that of its composite amax(sum(|x|))) written
// with public ops: 0 where the 2-norm is 0 (not NaN), sign(0) = 0 for the 1-norm, ties of the
// max / min shared evenly.
import { isFloat } from '../core/dtype';
import { fail, describe, fmtShape } from '../core/errors';
import { tidy } from '../core/memory';
import { normAxis } from '../core/shape';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { mul, div, pow } from './binary';
import { abs, isnan, sign, sqrt, square } from './unary';
import { eq, ne, where, logicalOr } from './logical';
import { sum, max, min } from './reduce';
import { reshape } from './views';
import { cast } from './cast';
import { zerosLike } from './creation';

/** A vector order (any number; 'fro' and 'euclidean' mean 2) or a matrix order over two axes. */
export type NormOrd = number | 'fro' | 'euclidean' | 'nuc';

/**
 * The norm of x (float32/float64). `axis` undefined: the vector norm of all elements (a
 * matrix's 2-norm this way is its Frobenius norm); one axis: vector norms along it; two axes:
 * matrix norms over them — 'fro' (the default), 1 / -1 (max / min column sum of |x|),
 * Infinity / -Infinity (max / min row sum); 2, -2 and 'nuc' need singular values and are
 * refused. Vector orders: 2 (default), 1, Infinity (max |x|), -Infinity (min |x|), 0 (count
 * of nonzeros) and any other p: (Σ|x|^p)^(1/p).
 */
export function norm(x: Tensor, ord?: NormOrd, axis?: number | number[], keepDims = false): Tensor {
  const op = 'norm';
  if (!(x instanceof Tensor)) fail(op, `x must be a Tensor, got ${describe(x)}`);
  x._live(op);
  if (!isFloat(x.dtype)) fail(op, `x must be float32 or float64, got ${x.dtype} (as torch.linalg.norm); cast it first`, 'ERR_DTYPE');
  if (typeof keepDims !== 'boolean') fail(op, `keepDims must be a boolean, got ${describe(keepDims)}`);
  if (ord !== undefined && !(typeof ord === 'number' && !Number.isNaN(ord)) && ord !== 'fro' && ord !== 'euclidean' && ord !== 'nuc')
    fail(op, `ord must be a number, 'fro', 'euclidean' or 'nuc', got ${describe(ord)}`);
  const nd = x.shape.length;
  const axes = normAxisList(axis, nd, op);
  if (axes.length === 2) return matrixNorm(x, ord ?? 'fro', axes, keepDims);
  if (ord === 'nuc') fail(op, `ord 'nuc' is a matrix norm: give two axes (x has shape ${fmtShape(x.shape)})`);
  const p = ord === undefined || ord === 'fro' || ord === 'euclidean' ? 2 : ord;
  const all = axes.length === 0 ? Array.from({ length: nd }, (_, i) => i) : axes;
  return vectorNorm(x, p, all, keepDims);
}

/** axis as a list of 0 (all elements), 1 or 2 distinct axes. */
function normAxisList(axis: unknown, nd: number, op: string): number[] {
  if (axis === undefined || axis === null) return [];
  const list = Array.isArray(axis) ? axis : [axis];
  if (list.length < 1 || list.length > 2)
    fail(op, `axis must be one axis or a pair of axes (a matrix norm), got ${describe(axis)} of length ${list.length}`, 'ERR_AXIS');
  const out = list.map((a) => normAxis(a, nd, op));
  if (nd === 0 && out.length === 2) fail(op, 'a 0-d tensor has no pair of axes for a matrix norm', 'ERR_AXIS');
  if (nd === 0) return []; // axis 0 / -1 of a 0-d tensor: the tensor itself, as the reductions
  if (out.length === 2 && out[0] === out[1])
    fail(op, `the two axes of a matrix norm must differ, got ${describe(list[0])} and ${describe(list[1])}`, 'ERR_AXIS');
  return out;
}

/** The shape with the reduced axes kept as size 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  const k = shape.slice();
  for (const a of axes) k[a] = 1;
  return k;
}

/**
 * Evaluates fwd with recording off (its temporaries freed at once) and records one node whose
 * gradient is grad(g, norm), both reshaped to `kept` (the reduced axes kept as 1).
 */
function normNode(x: Tensor, kept: number[], fwd: () => Tensor, grad: (g: Tensor, n: Tensor) => Tensor): Tensor {
  const on = tape.on;
  tape.on = false;
  let out: Tensor;
  try {
    out = tidy(fwd);
  } finally {
    tape.on = on;
  }
  if (on && tracked(x)) record(out, 'norm', [x], (g) => [grad(reshape(g, kept), reshape(out, kept))]);
  return out;
}

function vectorNorm(x: Tensor, p: number, axes: number[], keepDims: boolean): Tensor {
  const kept = keptShape(x.shape, axes);
  if (p === Infinity || p === -Infinity) {
    for (const a of axes)
      if (x.shape[a] === 0) fail('norm', `the ${p}-norm of an empty dimension has no value (x has shape ${fmtShape(x.shape)}, axis ${a})`, 'ERR_SHAPE');
    const fwd = p > 0 ? () => max(abs(x), axes, keepDims) : () => min(abs(x), axes, keepDims);
    return normNode(x, kept, fwd, (g, n) => mul(sign(x), extremeShare(abs(x), n, g, axes)));
  }
  if (p === 1) return normNode(x, kept, () => sum(abs(x), axes, keepDims), (g) => mul(sign(x), g));
  if (p === 2) return normNode(x, kept, () => sqrt(sum(square(x), axes, keepDims)), (g, n) => norm2Grad(x, g, n));
  // a count of nonzeros: piecewise constant
  if (p === 0) return normNode(x, kept, () => sum(cast(ne(x, 0), x.dtype), axes, keepDims), () => zerosLike(x));
  return normNode(x, kept, () => pow(sum(pow(abs(x), p), axes, keepDims), 1 / p), (g, n) => normPGrad(x, p, g, n));
}

/**
 * The gradient of max/min over `axes` (torch's amax backward, as its inf-norm backward): g
 * shared evenly among the elements equal to the extremum (and the NaNs).
 */
function extremeShare(v: Tensor, ext: Tensor, g: Tensor, axes: number[]): Tensor {
  const m = cast(logicalOr(eq(v, ext), isnan(v)), g.dtype);
  return mul(div(g, sum(m, axes, true)), m);
}

/** d ||x||₂ = x g / ||x||, and 0 where the norm is 0 (torch's subgradient); no 0/0 computed. */
function norm2Grad(x: Tensor, g: Tensor, n: Tensor): Tensor {
  const zero = eq(n, 0);
  return mul(x, where(zero, 0, div(g, where(zero, 1, n))));
}

/** torch 1.13's norm_backward for p ∉ {0, 1, 2, ±inf}: sign(x) |x|^(p-1) g / ||x||^(p-1). */
function normPGrad(x: Tensor, p: number, g: Tensor, n: Tensor): Tensor {
  if (p < 1) {
    // |x|^(p-1) is infinite at 0: torch masks it to 0 there
    const z = eq(x, 0);
    const scaled = mul(sign(x), where(z, 0, pow(where(z, 1, abs(x)), p - 1)));
    return mul(mul(scaled, g), pow(n, 1 - p));
  }
  const scaled = p < 2 ? mul(sign(x), pow(abs(x), p - 1)) : mul(x, pow(abs(x), p - 2));
  const zero = eq(n, 0);
  return mul(scaled, where(zero, 0, div(g, pow(where(zero, 1, n), p - 1))));
}

function matrixNorm(x: Tensor, ord: NormOrd, axes: number[], keepDims: boolean): Tensor {
  const [r, c] = axes;
  if (ord === 'fro' || ord === 'euclidean') return vectorNorm(x, 2, [Math.min(r, c), Math.max(r, c)], keepDims);
  if (ord === 2 || ord === -2 || ord === 'nuc')
    fail('norm', `the matrix norm ord ${describe(ord)} needs singular values (an SVD), which tapeflow does not have yet; use 'fro', 1, -1, Infinity or -Infinity`);
  if (ord !== 1 && ord !== -1 && ord !== Infinity && ord !== -Infinity)
    fail('norm', `a matrix norm (two axes) takes ord 'fro', 1, -1, Infinity or -Infinity, got ${describe(ord)}`);
  // 1: max over columns of the column sums (sum over rows); Infinity: the same with rows and columns swapped
  const [sumAxis, extAxis] = ord === 1 || ord === -1 ? [r, c] : [c, r];
  if (x.shape[extAxis] === 0) fail('norm', `the ${describe(ord)}-norm of a matrix with no ${ord === 1 || ord === -1 ? 'columns' : 'rows'} has no value (x has shape ${fmtShape(x.shape)})`, 'ERR_SHAPE');
  const ext = ord > 0 ? max : min;
  const fwd = (): Tensor => {
    const e = ext(sum(abs(x), [sumAxis], true), [extAxis], true);
    return keepDims ? e : reshape(e, x.shape.filter((_, d) => d !== r && d !== c));
  };
  // torch's composite amax(sum(|x|)): the gradient goes, shared among tied sums, to sign(x)
  return normNode(x, keptShape(x.shape, axes), fwd, (g, n) => mul(sign(x), extremeShare(sum(abs(x), [sumAxis], true), n, g, [extAxis])));
}

declare module '../tensor' {
  interface Tensor {
    norm(ord?: NormOrd, axis?: number | number[], keepDims?: boolean): Tensor;
  }
}
Tensor.prototype.norm = function (ord?: NormOrd, axis?: number | number[], keepDims?: boolean) { return norm(this, ord, axis, keepDims); };
