// Batch normalisation (torch.nn.functional.batch_norm), an op with its own backward kernel
// (docs/adding-an-op.md): the forward kernel computes the batch statistics in one float64 pass
// per channel and normalises in a second, updating the running statistics in place (not
// recorded: they are state, not a function of the graph's inputs); the backward op computes
// dx, dweight and dbias in one fused kernel, and under createGraph (the tape on while it runs)
// the same formulas run as public ops instead, so gradients of gradients work.
// layerNorm / groupNorm: normalization-rows.ts; moments: moments.ts; dropout2d: dropout.ts.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { DTYPE_CODE } from '../core/dtype';
import { native } from '../core/native';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { add, sub, mul } from './binary';
import { rsqrt, square } from './unary';
import { mean, sum } from './reduce';
import { reshape, slice } from './views';
import { cast } from './cast';
import {
  floatInput, optionsOf, epsOf, paramOf, numelOf, writeBack, hOf, offOf, splitHalves, gradFlags, emptyNorm,
} from './norm-args';

export interface BatchNormOptions {
  /** per-channel scale [C] (default none: 1) */
  weight?: Tensor | null;
  /** per-channel shift [C] (default none: 0) */
  bias?: Tensor | null;
  /** use the batch's statistics and update the running ones (default false: normalise with the running ones) */
  training?: boolean;
  /** running = (1 - momentum) running + momentum batch (default 0.1) */
  momentum?: number;
  /** added to the variance (default 1e-5) */
  eps?: number;
}

/**
 * torch.nn.functional.batch_norm: x [N, C, *] normalised per channel C. In training mode with
 * the batch's mean and biased variance, updating runningMean / runningVar in place (when
 * given) with their momentum average (the variance unbiased, as torch); otherwise with
 * runningMean / runningVar. Then the optional per-channel affine weight / bias.
 * `momentum: null` (a cumulative average) needs a step count: nn.BatchNorm* does it.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options?: BatchNormOptions): Tensor {
  const op = 'batchNorm';
  floatInput(op, x);
  const o = optionsOf<BatchNormOptions>(op, options, ['weight', 'bias', 'training', 'momentum', 'eps']);
  if (x.rank < 2) fail(op, `x must have shape [N, C, *] (at least 2-D), got ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  const C = x.shape[1];
  const what = `the channel dim 1 of x`;
  const w = paramOf(op, o.weight, 'weight', [C], x, what);
  const b = paramOf(op, o.bias, 'bias', [C], x, what);
  const rm = paramOf(op, runningMean, 'runningMean', [C], x, what);
  const rv = paramOf(op, runningVar, 'runningVar', [C], x, what);
  const training = o.training ?? false;
  if (typeof training !== 'boolean') fail(op, `training must be a boolean, got ${describe(training)}`);
  const momentum = o.momentum ?? 0.1;
  if (o.momentum === null) fail(op, `momentum null (a cumulative average) needs the step count of nn.BatchNorm1d/2d; pass a number here`);
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) fail(op, `momentum must be a number in [0, 1], got ${describe(momentum)}`);
  const eps = epsOf(op, o.eps);
  if ((rm === null) !== (rv === null)) fail(op, `runningMean and runningVar must be given together (got ${rm === null ? 'only runningVar' : 'only runningMean'})`);
  if (!training && rm === null) fail(op, `runningMean and runningVar must be given in evaluation mode (training false)`);
  const N = x.shape[0];
  const HW = numelOf(x.shape, 2);
  if (training && N * HW === 1) fail(op, `expected more than 1 value per channel when training, got input of shape ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  // an empty batch leaves the running statistics as they are (torch)
  const update = training && N * HW > 0 && rm !== null;
  if (x.size === 0) return emptyNorm(op, x, w, b); // the running statistics stay as they are (torch)
  const xc = x.contiguous();
  const wc = w?.contiguous() ?? null;
  const bc = b?.contiguous() ?? null;
  const rmc = update || !training ? rm!.contiguous() : null;
  const rvc = update || !training ? rv!.contiguous() : null;
  const [hy, hs] = native.batchNorm(DTYPE_CODE[x.dtype], N, C, HW, xc._h, xc._offset, hOf(wc), offOf(wc), hOf(bc), offOf(bc),
    hOf(rmc), offOf(rmc), hOf(rvc), offOf(rvc), training, eps, momentum);
  if (wc !== w) wc!.dispose();
  if (bc !== b) bc!.dispose();
  for (const [dst, src] of [[rm, rmc], [rv, rvc]] as const) {
    if (src === null || dst === null) continue;
    if (src !== dst) {
      if (update) writeBack(dst, src);
      src.dispose();
    } else if (update) dst._version++;
  }
  const y = Tensor._fromHandle(hy, x.shape.slice(), x.dtype);
  const stats = Tensor._fromHandle(hs, [2 * C], x.dtype);
  if (!(tape.on && (tracked(x) || (w !== null && tracked(w)) || (b !== null && tracked(b))))) {
    stats.dispose();
    if (xc !== x) xc.dispose();
    return y;
  }
  const inputs = [x];
  if (w !== null) inputs.push(w);
  if (b !== null) inputs.push(b);
  const bi = w !== null ? 2 : 1;
  record(y, 'batchNorm', inputs, (g, needs) => {
    const [dx, dw, db] = batchNormBackward(x, xc, g, stats, w, training, eps, needs[0], w !== null && needs[1], b !== null && needs[bi]);
    const out = [dx];
    if (w !== null) out.push(dw);
    if (b !== null) out.push(db);
    return out;
  });
  return y;
}

/**
 * @internal d batchNorm: [dx, dweight, dbias] (null where not wanted). stats: the forward's
 * [mean | invstd] per channel. One native pass; under createGraph public ops with the same
 * formulas, the batch statistics recomputed from x (in training) so they are differentiated:
 * dx = w invstd (g - mean(g) - xhat mean(g xhat)), dweight = sum g xhat, dbias = sum g.
 */
export function batchNormBackward(x: Tensor, xc: Tensor, g: Tensor, stats: Tensor, w: Tensor | null, training: boolean,
  eps: number, wantX: boolean, wantW: boolean, wantB: boolean): (Tensor | null)[] {
  if (tape.on && (tracked(x) || tracked(g) || (w !== null && tracked(w))))
    return batchNormBackwardComposite(x, g, stats, w, training, eps, wantX, wantW, wantB);
  const C = x.shape[1];
  const gg = g.dtype === x.dtype ? g.contiguous() : g._copyAs(x.dtype);
  const wc = w?.contiguous() ?? null;
  const [hdx, hpg] = native.batchNormBackward(DTYPE_CODE[x.dtype], x.shape[0], C, numelOf(x.shape, 2), xc._h, xc._offset,
    gg._h, gg._offset, stats._h, stats._offset, hOf(wc), offOf(wc), training, gradFlags(wantX, wantW, wantB));
  if (gg !== g) gg.dispose();
  if (wc !== w) wc!.dispose();
  const dx = hdx === null ? null : Tensor._fromHandle(hdx, x.shape.slice(), x.dtype);
  const [dw, db] = splitHalves(hpg, C, [C], x.dtype);
  if (!wantW && dw !== null) dw.dispose();
  if (!wantB && db !== null) db.dispose();
  return [dx, wantW ? dw : null, wantB ? db : null];
}

function batchNormBackwardComposite(x: Tensor, g: Tensor, stats: Tensor, w: Tensor | null, training: boolean, eps: number,
  wantX: boolean, wantW: boolean, wantB: boolean): (Tensor | null)[] {
  const C = x.shape[1];
  const bshape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const gx = g.dtype === x.dtype ? g : cast(g, x.dtype);
  let m: Tensor, invstd: Tensor;
  if (training) {
    m = mean(x, axes, true);
    invstd = rsqrt(add(mean(square(sub(x, m)), axes, true), eps));
  } else {
    // eval: the running statistics were constants of the forward
    m = reshape(slice(stats, [0], [C]), bshape);
    invstd = reshape(slice(stats, [C], [C]), bshape);
  }
  const xhat = mul(sub(x, m), invstd);
  let dx: Tensor | null = null;
  if (wantX) {
    const scale = w === null ? invstd : mul(reshape(w, bshape), invstd);
    dx = training ? mul(scale, sub(sub(gx, mean(gx, axes, true)), mul(xhat, mean(mul(gx, xhat), axes, true)))) : mul(scale, gx);
  }
  return [dx, wantW ? sum(mul(gx, xhat), axes) : null, wantB ? sum(gx, axes) : null];
}
