// Convolutions (Conv, ConvTranspose); the pooling ops are in ops-pool.ts, the window geometry
// both share in ops-window.ts. 1-D ops run as 2-D ones over a height of 1; 3-D ones as sums over
// the depth taps of 2-D (transposed) convolutions, composed of differentiable ops.
import { Tensor } from '../tensor';
import { conv2d, conv2dInfer, convTranspose2d } from '../ops/conv';
import { relu } from '../ops/unary';
import { pad } from '../ops/join';
import { unsqueeze, squeeze, reshape, permute, select, slice } from '../ops/views';
import { stridedSlice } from '../ops/strided-slice';
import { add } from '../ops/binary';
import { def, need, nodeFail } from './registry';
import type { OpContext } from './registry';
import { geometry, as2d, lift2d, evenUp, padPairs } from './ops-window';
import type { Geom } from './ops-window';
import './ops-pool';

/**
 * Conv over x [N, C, D, H, W] with w [Co, C/groups, KD, KH, KW]: the sum over the depth taps kd of
 * 2-D convolutions of the input depths od * sd + kd * dd (pads applied), output depth od.
 */
function conv3d(c: OpContext, t: Tensor, w: Tensor, bias: Tensor | null, g: Geom, groups: number): Tensor {
  // depth pads always by hand; (H, W) ones too where the two ends differ
  const hwEven = g.begin.slice(1).every((b, i) => b === g.end[i + 1]);
  const p = padPairs(g).map((q, i): [number, number] => (i === 2 || (i > 2 && !hwEven) ? q : [0, 0]));
  const xp = p.some(([b, e]) => b > 0 || e > 0) ? pad(t, p, 0) : t;
  const [N, C, Dp, Hp, Wp] = xp.shape;
  const [KD, sd, dd] = [g.kernel[0], g.strides[0], g.dilations[0]];
  const OD = Math.floor((Dp - (KD - 1) * dd - 1) / sd) + 1;
  if (!(OD >= 1)) nodeFail(c, `input [${t.shape}] is too small for kernel_shape [${g.kernel}], dilations [${g.dilations}] and pads [${g.begin}, ${g.end}]`, 'ERR_SHAPE');
  let acc: Tensor | null = null;
  for (let kd = 0; kd < KD; kd++) {
    const at = stridedSlice(xp, [0, 0, kd * dd, 0, 0], [N, C, kd * dd + (OD - 1) * sd + 1, Hp, Wp], [1, 1, sd, 1, 1]);
    const y2 = conv2d(reshape(permute(at, [0, 2, 1, 3, 4]), [N * OD, C, Hp, Wp]), select(w, 2, kd), {
      stride: g.strides.slice(1), dilation: g.dilations.slice(1), padding: hwEven ? g.begin.slice(1) : [0, 0], groups,
    });
    acc = acc === null ? y2 : add(acc, y2);
  }
  const [Co, OH, OW] = acc!.shape.slice(1);
  const y = permute(reshape(acc!, [N, OD, Co, OH, OW]), [0, 2, 1, 3, 4]);
  return withBias(c, y, bias);
}

/** y [N, Co, ...] plus a bias [Co] over the channels. */
function withBias(c: OpContext, y: Tensor, bias: Tensor | null): Tensor {
  if (bias === null) return y;
  if (bias.rank !== 1 || bias.size !== y.shape[1]) nodeFail(c, `bias [${bias.shape}] must be 1-D with the ${y.shape[1]} output channels`, 'ERR_SHAPE');
  return add(y, reshape(bias, [1, bias.size, ...y.shape.slice(2).map(() => 1)]));
}

/** The Conv node's op, its output through a relu when withRelu (fused in the kernel when nothing records). */
export function convNode(x: (Tensor | null)[], c: OpContext, withRelu = false): Tensor {
  const t0 = need(x, 0, c);
  const w0 = need(x, 1, c);
  const kernel = c.attrs.ints('kernel_shape') ?? w0.shape.slice(2);
  if (kernel.join() !== w0.shape.slice(2).join()) nodeFail(c, `kernel_shape [${kernel}] does not match weight [${w0.shape}]`, 'ERR_FORMAT');
  const groups = c.attrs.int('group', 1);
  if (t0.rank === 5) {
    const y3 = conv3d(c, t0, w0, x[2] ?? null, geometry(c, t0.shape.slice(2), kernel), groups);
    return withRelu ? relu(y3) : y3;
  }
  const [t, one] = as2d(c, t0, 'Conv');
  const w = one ? unsqueeze(w0, 2) : w0;
  const g0 = geometry(c, t.shape.slice(one ? 3 : 2), kernel);
  const g = one ? lift2d(g0) : g0;
  const [xp, padding] = evenUp(t, g, 0);
  const y = conv2dInfer(xp, w, { bias: x[2] ?? null, stride: g.strides, dilation: g.dilations, padding, groups }, withRelu);
  return one ? squeeze(y, 2) : y;
}
def('Conv', (x, c) => convNode(x, c));

/**
 * The full 3-D transposed convolution of x [N, Ci, D, H, W] by w [Ci, Co/groups, KD, KH, KW] (no
 * pads, output_padding at the far ends, no bias): depth tap kd's 2-D transposed convolution of
 * input depth d lands at output depth d * sd + kd * dd.
 */
function convTranspose3dFull(t: Tensor, w: Tensor, s: number[], dil: number[], outPad: number[], groups: number): Tensor {
  const [N, Ci, D, H, W] = t.shape;
  const KD = w.shape[2];
  const xs = reshape(permute(t, [0, 2, 1, 3, 4]), [N * D, Ci, H, W]);
  const span = s[0] * (D - 1) + 1;
  const depth = span + (KD - 1) * dil[0] + outPad[0];
  let acc: Tensor | null = null;
  for (let kd = 0; kd < KD; kd++) {
    const y2 = convTranspose2d(xs, select(w, 2, kd), { stride: s.slice(1), dilation: dil.slice(1), groups, outputPadding: outPad.slice(1), padding: 0 });
    const [Co, OH, OW] = y2.shape.slice(1);
    // input depths s[0] apart: s[0] - 1 zero planes after each, the trailing ones cut off
    let z = reshape(y2, [N, D, 1, Co, OH, OW]);
    if (s[0] > 1) z = slice(reshape(pad(z, [[0, 0], [0, 0], [0, s[0] - 1], [0, 0], [0, 0], [0, 0]]), [N, D * s[0], Co, OH, OW]), [0, 0, 0, 0, 0], [N, span, Co, OH, OW]);
    else z = reshape(z, [N, D, Co, OH, OW]);
    const off = kd * dil[0];
    z = pad(z, [[0, 0], [off, depth - off - span], [0, 0], [0, 0], [0, 0]]);
    acc = acc === null ? z : add(acc, z);
  }
  return permute(acc!, [0, 2, 1, 3, 4]);
}

/** The full transposed convolution (no pads, output_padding folded in, no bias) of 1, 2 or 3 spatial dims. */
function convTransposeFull(c: OpContext, t: Tensor, w: Tensor, s: number[], dil: number[], outPad: number[]): Tensor {
  const groups = c.attrs.int('group', 1);
  if (t.rank === 5) {
    if (w.rank !== 5) nodeFail(c, `weight [${w.shape}] must be 5-D for the 5-D input [${t.shape}]`, 'ERR_FORMAT');
    if (t.shape.slice(2).some((d) => d === 0)) nodeFail(c, `input [${t.shape}] has an empty spatial dim`, 'ERR_FORMAT');
    return convTranspose3dFull(t, w, s, dil, outPad, groups);
  }
  const [t4, one] = as2d(c, t, 'ConvTranspose');
  const lift = (v: number[], fill: number): number[] => (one ? [fill, ...v] : v);
  const y = convTranspose2d(t4, one ? unsqueeze(w, 2) : w, { stride: lift(s, 1), dilation: lift(dil, 1), groups, outputPadding: lift(outPad, 0), padding: 0 });
  return one ? squeeze(y, 2) : y;
}

def('ConvTranspose', (x, c) => {
  const t = need(x, 0, c);
  const w = need(x, 1, c);
  if (t.rank < 3 || t.rank > 5) nodeFail(c, `ConvTranspose of a rank-${t.rank} input [${t.shape}] is not supported (1, 2 or 3 spatial dims are)`);
  const n = t.rank - 2;
  const kernel = c.attrs.ints('kernel_shape') ?? w.shape.slice(2);
  if (kernel.join() !== w.shape.slice(2).join()) nodeFail(c, `kernel_shape [${kernel}] does not match weight [${w.shape}]`, 'ERR_FORMAT');
  const strides = c.attrs.ints('strides') ?? new Array<number>(n).fill(1);
  const dil = c.attrs.ints('dilations') ?? new Array<number>(n).fill(1);
  const outPad = c.attrs.ints('output_padding') ?? new Array<number>(n).fill(0);
  if (strides.length !== n || dil.length !== n || outPad.length !== n)
    nodeFail(c, `strides [${strides}], dilations [${dil}] and output_padding [${outPad}] must each have ${n} values`, 'ERR_FORMAT');
  if ([...strides, ...dil].some((v) => !(v >= 1)) || outPad.some((v) => !(v >= 0)))
    nodeFail(c, `strides [${strides}] and dilations [${dil}] must be ≥ 1, output_padding [${outPad}] ≥ 0`, 'ERR_FORMAT');
  const inSp = t.shape.slice(2);
  const full = inSp.map((d, i) => strides[i] * (d - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1);
  let begin: number[], end: number[];
  const outShape = c.attrs.ints('output_shape');
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  if (outShape !== undefined || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const want = outShape !== undefined ? outShape.slice(-n) : inSp.map((d, i) => d * strides[i]);
    if (want.length !== n) nodeFail(c, `output_shape [${outShape}] must have ${n} spatial values`, 'ERR_FORMAT');
    const total = full.map((f, i) => f - want[i]);
    begin = total.map((v) => (autoPad === 'SAME_UPPER' ? Math.floor(v / 2) : v - Math.floor(v / 2)));
    end = total.map((v, i) => v - begin[i]);
  } else {
    const p = c.attrs.ints('pads') ?? new Array<number>(2 * n).fill(0);
    if (p.length !== 2 * n) nodeFail(c, `pads [${p}] must have ${2 * n} values`, 'ERR_FORMAT');
    begin = p.slice(0, n);
    end = p.slice(n);
  }
  // the full output, then its pads cut off, or (an output_shape beyond it) zeros added: exact
  // for any pads; the bias goes on last
  const y = convTransposeFull(c, t, w, strides, dil, outPad);
  const b = [0, 0, ...begin];
  const e = [0, 0, ...end];
  if (y.shape.some((d, i) => d - Math.max(b[i], 0) - Math.max(e[i], 0) < 1 && i >= 2))
    nodeFail(c, `pads [${begin}] / [${end}] leave no output of the full [${y.shape}]`, 'ERR_FORMAT');
  let cut = y;
  if (b.some((v) => v > 0) || e.some((v) => v > 0))
    cut = stridedSlice(cut, b.map((v) => Math.max(v, 0)), y.shape.map((d, i) => d - Math.max(e[i], 0)));
  if (b.some((v) => v < 0) || e.some((v) => v < 0)) cut = pad(cut, b.map((v, i): [number, number] => [Math.max(-v, 0), Math.max(-e[i], 0)]), 0);
  return withBias(c, cut, x[2] ?? null);
});
