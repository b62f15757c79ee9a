// Layer norm and group norm (torch.nn.functional.layer_norm / group_norm): both normalise rows
// by their own mean and biased variance, then apply a per-channel affine, so one native row
// kernel serves both (native/cpu/norm_rows.cc; group norm is a layer norm over (C/G) * HW per
// group). Each records one node whose backward runs the native backward kernel, or under
// createGraph the same formulas as public ops (gradients of gradients).
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { DTYPE_CODE } from '../core/dtype';
import { native } from '../core/native';
import { isInt } from '../core/validate';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { add, sub, mul } from './binary';
import { rsqrt, square } from './unary';
import { mean, sum } from './reduce';
import { reshape } from './views';
import { cast } from './cast';
import { floatInput, optionsOf, epsOf, paramOf, numelOf, hOf, offOf, splitHalves, gradFlags, emptyNorm } from './norm-args';

export interface LayerNormOptions {
  /** elementwise scale of normalizedShape (default none: 1) */
  weight?: Tensor | null;
  /** elementwise shift of normalizedShape (default none: 0) */
  bias?: Tensor | null;
  /** added to the variance (default 1e-5) */
  eps?: number;
}
export type GroupNormOptions = LayerNormOptions;

/** How a row kernel sees x: R rows of cpg * HW in G groups, the param shape, the axes dweight sums over. */
interface RowSpec {
  op: string;
  R: number;
  G: number;
  cpg: number;
  HW: number;
  pshape: number[];
  /** the weight's shape broadcast against x */
  bshape: number[];
  /** axes of x summed for dweight / dbias */
  paxes: number[];
}

/**
 * torch.nn.functional.layer_norm: x normalised over its last dims, which must equal
 * normalizedShape (a number means [n]), by their mean and biased variance; then the optional
 * elementwise weight / bias of shape normalizedShape.
 */
export function layerNorm(x: Tensor, normalizedShape: number | number[], options?: LayerNormOptions): Tensor {
  const op = 'layerNorm';
  floatInput(op, x);
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(ns) || ns.some((d) => !isInt(d) || d < 0))
    fail(op, `normalizedShape must be a non-negative integer or an array of them, got ${describe(normalizedShape)}`);
  const k = ns.length;
  const lead = x.rank - k;
  if (lead < 0 || ns.some((d, i) => d !== x.shape[lead + i]))
    fail(op, `normalizedShape ${fmtShape(ns)} must be the trailing dims of the input, got input of shape ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  const o = optionsOf<LayerNormOptions>(op, options, ['weight', 'bias', 'eps']);
  const what = `normalizedShape`;
  const w = paramOf(op, o.weight, 'weight', ns, x, what);
  const b = paramOf(op, o.bias, 'bias', ns, x, what);
  const eps = epsOf(op, o.eps);
  const D = numelOf(ns);
  const spec: RowSpec = {
    op, R: numelOf(x.shape, 0, lead), G: 1, cpg: D, HW: 1, pshape: ns.slice(), bshape: ns.slice(),
    paxes: Array.from({ length: lead }, (_, i) => i),
  };
  return rowNorm(x, w, b, eps, spec);
}

/**
 * torch.nn.functional.group_norm: x [N, C, *] with its C channels split into numGroups groups,
 * each (sample, group) normalised by its mean and biased variance; then the optional
 * per-channel weight / bias [C].
 */
export function groupNorm(x: Tensor, numGroups: number, options?: GroupNormOptions): Tensor {
  const op = 'groupNorm';
  floatInput(op, x);
  if (x.rank < 2) fail(op, `x must have shape [N, C, *] (at least 2-D), got ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  const C = x.shape[1];
  if (!isInt(numGroups) || numGroups < 1) fail(op, `numGroups must be a positive integer, got ${describe(numGroups)}`);
  if (C % numGroups !== 0) fail(op, `numGroups ${numGroups} must divide the channel count ${C} of input ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  const o = optionsOf<GroupNormOptions>(op, options, ['weight', 'bias', 'eps']);
  const what = 'the channel dim 1 of x';
  const w = paramOf(op, o.weight, 'weight', [C], x, what);
  const b = paramOf(op, o.bias, 'bias', [C], x, what);
  const eps = epsOf(op, o.eps);
  const spec: RowSpec = {
    op, R: x.shape[0] * numGroups, G: numGroups, cpg: C / numGroups, HW: numelOf(x.shape, 2), pshape: [C],
    bshape: x.shape.map((d, i) => (i === 1 ? d : 1)), paxes: x.shape.map((_, i) => i).filter((i) => i !== 1),
  };
  return rowNorm(x, w, b, eps, spec);
}

function rowNorm(x: Tensor, w: Tensor | null, b: Tensor | null, eps: number, s: RowSpec): Tensor {
  if (x.size === 0) return emptyNorm(s.op, x, w, b);
  const xc = x.contiguous();
  const wc = w?.contiguous() ?? null;
  const bc = b?.contiguous() ?? null;
  const [hy, hs] = native.rowNorm(DTYPE_CODE[x.dtype], s.R, s.G, s.cpg, s.HW, xc._h, xc._offset, hOf(wc), offOf(wc),
    hOf(bc), offOf(bc), eps);
  if (wc !== w) wc!.dispose();
  if (bc !== b) bc!.dispose();
  const y = Tensor._fromHandle(hy, x.shape.slice(), x.dtype);
  const stats = Tensor._fromHandle(hs, [2 * s.R], x.dtype);
  if (!(tape.on && (tracked(x) || (w !== null && tracked(w)) || (b !== null && tracked(b))))) {
    stats.dispose();
    if (xc !== x) xc.dispose();
    return y;
  }
  const inputs = [x];
  if (w !== null) inputs.push(w);
  if (b !== null) inputs.push(b);
  const bi = w !== null ? 2 : 1;
  record(y, s.op, inputs, (g, needs) => {
    const [dx, dw, db] = rowNormBackward(x, xc, g, stats, w, eps, s, needs[0], w !== null && needs[1], b !== null && needs[bi]);
    const out = [dx];
    if (w !== null) out.push(dw);
    if (b !== null) out.push(db);
    return out;
  });
  return y;
}

/**
 * @internal d layerNorm / groupNorm: [dx, dweight, dbias]. With gw = g w (per channel) and
 * per row xhat = (x - mean) rstd: dx = rstd (gw - mean(gw) - xhat mean(gw xhat)),
 * dweight = sum g xhat, dbias = sum g (over the rows of each channel).
 */
function rowNormBackward(x: Tensor, xc: Tensor, g: Tensor, stats: Tensor, w: Tensor | null, eps: number, s: RowSpec,
  wantX: boolean, wantW: boolean, wantB: boolean): (Tensor | null)[] {
  const gx = g.dtype === x.dtype ? g : cast(g, x.dtype);
  if (tape.on && (tracked(x) || tracked(g) || (w !== null && tracked(w)))) {
    const D = s.cpg * s.HW;
    const xr = reshape(x, [s.R, D]);
    const m = mean(xr, 1, true);
    const rstd = rsqrt(add(mean(square(sub(xr, m)), 1, true), eps));
    const xh = mul(sub(xr, m), rstd);
    const xhat = reshape(xh, x.shape);
    let dx: Tensor | null = null;
    if (wantX) {
      const gw = reshape(w === null ? gx : mul(gx, reshape(w, s.bshape)), [s.R, D]);
      dx = reshape(mul(rstd, sub(sub(gw, mean(gw, 1, true)), mul(xh, mean(mul(gw, xh), 1, true)))), x.shape);
    }
    const dw = wantW ? reshape(sum(mul(gx, xhat), s.paxes), s.pshape) : null;
    const db = wantB ? reshape(sum(gx, s.paxes), s.pshape) : null;
    return [dx, dw, db];
  }
  const gg = gx.contiguous();
  const wc = w?.contiguous() ?? null;
  const [hdx, hpg] = native.rowNormBackward(DTYPE_CODE[x.dtype], s.R, s.G, s.cpg, s.HW, xc._h, xc._offset, gg._h, gg._offset,
    stats._h, stats._offset, hOf(wc), offOf(wc), gradFlags(wantX, wantW, wantB));
  if (gg !== g) gg.dispose();
  if (gx !== g && gx !== gg) gx.dispose();
  if (wc !== w) wc!.dispose();
  const dx = hdx === null ? null : Tensor._fromHandle(hdx, x.shape.slice(), x.dtype);
  const [dw, db] = splitHalves(hpg, s.G * s.cpg, s.pshape, x.dtype);
  if (!wantW && dw !== null) dw.dispose();
  if (!wantB && db !== null) db.dispose();
  return [dx, wantW ? dw : null, wantB ? db : null];
}
