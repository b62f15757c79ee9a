// Convolutions: conv1d, conv2d, convTranspose2d (torch layouts: NCHW input, OIHW weight; NHWC /
// HWIO as tf.nn.conv2d with dataFormat 'NHWC'). An op with its own backward kernels
// (docs/adding-an-op.md): the forward kernel, and the internal ops conv2dBackwardInput /
// conv2dBackwardWeight, each of which records itself when the tape is on, so gradients of
// gradients run the same native kernels. All three are bilinear, and each one's gradients are
// the other two (adjoints): with y = conv(x, w), dx = Bx(gy, w), dw = Bw(x, gy),
//   <U, Bx(gy, w)> = <conv(U, w), gy> = <Bw(U, gy), w>,   <U, Bw(x, gy)> = <Bx(gy, U), x> = <conv(x, U), gy>.
// convTranspose2d is Bx with the roles of input and output swapped; conv1d is conv2d with H = 1.
import { native } from '../core/native';
import { DTYPE_CODE } from '../core/dtype';
import { fail, fmtShape } from '../core/errors';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { reshape, permute, unsqueeze, squeeze } from './views';
import { add } from './binary';
import { relu } from './unary';
import { sum } from './reduce';
import {
  ConvGeom, ConvOptions, ConvTransposeOptions, geomArgs, readOptions, channelsLast, spatialInts, resolvePadding,
  checkOperands, checkGroups, checkBias,
} from './conv-args';
import { packedWeights } from './conv-pack';
import { contiguousStrides } from '../core/shape';

export type { ConvOptions, ConvTransposeOptions, PaddingMode } from './conv-args';

/** @internal where a forward writes its output instead of a new buffer: dst's storage at element dst._offset + off */
export interface ConvOut { dst: Tensor; off: number }

function rawConv(kind: 0 | 1 | 2, g: ConvGeom, a: Tensor, b: Tensor, bias: Tensor | null, outShape: number[], act: 0 | 1 = 0,
  packed: Tensor | null = null, out: ConvOut | null = null): Tensor {
  const ac = a.contiguous();
  const bc = b.contiguous();
  const dt = DTYPE_CODE[a.dtype];
  const args = geomArgs(g);
  let h: number;
  try {
    if (kind === 0) {
      const biasc = bias ? bias.contiguous() : null;
      h = native.convForward(dt, ...args, ac._h, ac._offset, bc._h, bc._offset, biasc ? biasc._h : -1, biasc ? biasc._offset : 0, act,
        packed ? packed._h : -1, out ? out.dst._h : -1, out ? out.dst._offset + out.off : 0);
      if (biasc && biasc !== bias) biasc.dispose();
    } else if (kind === 1) {
      h = native.convBackwardInput(dt, ...args, ac._h, ac._offset, bc._h, bc._offset);
    } else {
      h = native.convBackwardWeight(dt, ...args, ac._h, ac._offset, bc._h, bc._offset);
    }
  } finally {
    if (ac !== a) ac.dispose();
    if (bc !== b) bc.dispose();
  }
  return out ? out.dst._view(outShape, contiguousStrides(outShape), out.dst._offset + out.off) : Tensor._fromHandle(h, outShape, a.dtype);
}

const xShape = (g: ConvGeom) => [g.N, g.C, g.H, g.W];
const wShape = (g: ConvGeom) => [g.O, g.C / g.G, g.KH, g.KW];
const yShape = (g: ConvGeom) => [g.N, g.O, g.OH, g.OW];

/** @internal y = conv(x, w) + bias over NCHW x and OIHW w of geometry g; records one node. */
export function convForwardCore(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeom): Tensor {
  const y = rawConv(0, g, x, w, bias, yShape(g));
  if (tape.on && (tracked(x) || tracked(w) || (bias !== null && tracked(bias)))) {
    record(y, 'conv2d', bias ? [x, w, bias] : [x, w], (gy, needs) => [
      needs[0] ? conv2dBackwardInput(gy, w, g) : null,
      needs[1] ? conv2dBackwardWeight(x, gy, g) : null,
      // d/dbias: the sum of gy over the batch and every pixel
      bias && needs[2] ? sum(gy, [0, 2, 3]) : null,
    ]);
  }
  return y;
}

/**
 * @internal act(conv(x, w) + bias) in one native pass (act 1: the relu applied as each output is
 * finished), with w's packed copy when one is given (conv-pack.ts): for inference only, so it
 * refuses to run where the tape would record.
 */
export function convForwardFused(x: Tensor, w: Tensor, bias: Tensor | null, g: ConvGeom, act: 0 | 1, packed: Tensor | null = null,
  out: ConvOut | null = null): Tensor {
  if (act !== 0 && act !== 1) fail('convForwardFused', `act must be 0 (none) or 1 (relu), got ${String(act)}`);
  if (tape.on && (tracked(x) || tracked(w) || (bias !== null && tracked(bias))))
    fail('convForwardFused', 'records no gradient: call it under noGrad or on inputs that do not require grad');
  const same = (t: Tensor, want: readonly number[]) => t.shape.length === want.length && t.shape.every((v, i) => v === want[i]);
  for (const [name, t, want] of [['input', x, xShape(g)], ['weight', w, wShape(g)], ['bias', bias, [g.O]]] as const) {
    if (t === null) continue;
    if (!same(t, want)) fail('convForwardFused', `${name} ${fmtShape(t.shape)} does not match the geometry (${fmtShape(want)})`, 'ERR_SHAPE');
    if (t.dtype !== x.dtype) fail('convForwardFused', `${name} is ${t.dtype} but input is ${x.dtype}`, 'ERR_DTYPE');
  }
  if (out !== null && (out.dst.dtype !== x.dtype || !out.dst.isContiguous() || out.off < 0 || out.off + g.N * g.O * g.OH * g.OW > out.dst.size))
    fail('convForwardFused', `out does not hold a ${x.dtype} [${yShape(g)}] output at element ${out.off}`, 'ERR_SHAPE');
  return rawConv(0, g, x, w, bias, yShape(g), act, packed, out);
}

/**
 * @internal The gradient of conv(x, w) in x: dx [N, C, H, W] from gy [N, O, OH, OW] (native).
 * Records itself (createGraph): d/dgy = conv(U, w), d/dw = Bw(U, gy).
 */
export function conv2dBackwardInput(gy: Tensor, w: Tensor, g: ConvGeom): Tensor {
  const dx = rawConv(1, g, gy, w, null, xShape(g));
  if (tape.on && (tracked(gy) || tracked(w))) {
    record(dx, 'conv2dBackwardInput', [gy, w], (u, needs) => [
      needs[0] ? convForwardCore(u, w, null, g) : null,
      needs[1] ? conv2dBackwardWeight(u, gy, g) : null,
    ]);
  }
  return dx;
}

/**
 * @internal The gradient of conv(x, w) in w: dw [O, C/G, KH, KW] from x and gy (native).
 * Records itself (createGraph): d/dx = Bx(gy, U), d/dgy = conv(x, U).
 */
export function conv2dBackwardWeight(x: Tensor, gy: Tensor, g: ConvGeom): Tensor {
  const dw = rawConv(2, g, x, gy, null, wShape(g));
  if (tape.on && (tracked(x) || tracked(gy))) {
    record(dw, 'conv2dBackwardWeight', [x, gy], (u, needs) => [
      needs[0] ? conv2dBackwardInput(gy, u, g) : null,
      needs[1] ? convForwardCore(x, u, null, g) : null,
    ]);
  }
  return dw;
}

/** f(y) (a view or an op on y); y is dropped at once unless the graph holds it. */
function then(y: Tensor, f: (t: Tensor) => Tensor): Tensor {
  const v = f(y);
  if (y._node === null && v._node === null && v !== y) y.dispose();
  return v;
}
const toLast = (y: Tensor, perm: number[]) => then(y, (t) => permute(t, perm));
/** Views made for the kernel hold their base's buffer: freed with y unless the tape keeps them. */
function dropViews(y: Tensor, ...views: Tensor[]): Tensor {
  if (y._node === null) for (const v of views) v.dispose();
  return y;
}

/**
 * The geometry of a forward convolution over NC(H)W x and OI(H)W w (1 or 2 spatial dims; one
 * spatial dim becomes H = 1). xs/ws: the shapes as the user passed them (messages name them).
 */
function forwardGeom(op: string, x: Tensor, w: Tensor, xs: number[], ws: number[], o: ConvOptions, last: boolean): ConvGeom {
  const sp = xs.length - 2;
  const [N, C] = xs;
  const [O, Cg] = ws;
  const G = checkGroups(op, o.groups);
  // message text only: made when a check fails
  const fx = { toString: () => fmtShape(x.shape) };
  const fw = { toString: () => fmtShape(w.shape) };
  if (C % G !== 0) fail(op, `groups ${G} does not divide the ${C} input channels of input ${fx}`, 'ERR_SHAPE');
  if (O % G !== 0) fail(op, `groups ${G} does not divide the ${O} output channels of weight ${fw}`, 'ERR_SHAPE');
  if (Cg * G !== C)
    fail(op, `input ${fx} has ${C} channels but weight ${fw} expects ${Cg} per group x groups ${G} = ${Cg * G}`, 'ERR_SHAPE');
  const size = xs.slice(2);
  const k = ws.slice(2);
  const s = spatialInts(op, 'stride', o.stride, 1, sp, 1, last);
  const d = spatialInts(op, 'dilation', o.dilation, 1, sp, 1, last);
  const pads = resolvePadding(op, o.padding, size, k, s, d, last);
  const out = size.map((L, i) => {
    const eff = (k[i] - 1) * d[i] + 1;
    const padded = L + pads[i][0] + pads[i][1];
    if (eff > padded)
      fail(op, `kernel ${fmtShape(k)} (dilation ${fmtShape(d)}: ${eff} wide) is larger than the padded input (${padded} = ${L} + padding ${pads[i][0]} + ${pads[i][1]}); input ${fx}, weight ${fw}`, 'ERR_SHAPE');
    return Math.floor((padded - eff) / s[i]) + 1;
  });
  const at = (a: number[], i: number, one: number) => (sp === 2 ? a[i] : i === 0 ? one : a[0]);
  return {
    N, C, H: at(size, 0, 1), W: at(size, 1, 1), O, KH: at(k, 0, 1), KW: at(k, 1, 1), OH: at(out, 0, 1), OW: at(out, 1, 1),
    sh: at(s, 0, 1), sw: at(s, 1, 1), ph: at(pads.map((p) => p[0]), 0, 0), pw: at(pads.map((p) => p[0]), 1, 0),
    dh: at(d, 0, 1), dw: at(d, 1, 1), G,
  };
}

/**
 * 2-D convolution (torch.nn.functional.conv2d): input [N, C, H, W], weight [O, C/groups, KH, KW],
 * output [N, O, OH, OW]. With dataFormat 'NHWC': input [N, H, W, C], filter [KH, KW, C/groups, O]
 * and output [N, OH, OW, O] as tf.nn.conv2d, 'same' by TensorFlow's rule.
 */
export function conv2d(x: Tensor, weight: Tensor, options?: ConvOptions): Tensor {
  const op = 'conv2d';
  const o = readOptions(op, options, false);
  const last = channelsLast(op, o.dataFormat, 2);
  const [xt, wt] = checkOperands(op, x, weight, 4, last ? '[N, H, W, C]' : '[N, C, H, W]', last ? '[KH, KW, C/groups, O]' : '[O, C/groups, KH, KW]');
  const xs = last ? [xt.shape[0], xt.shape[3], xt.shape[1], xt.shape[2]] : xt.shape;
  const ws = last ? [wt.shape[3], wt.shape[2], wt.shape[0], wt.shape[1]] : wt.shape;
  const g = forwardGeom(op, xt, wt, xs, ws, o, last);
  const bias = checkBias(op, o.bias, g.O, xt.dtype);
  if (!last) return convForwardCore(xt, wt, bias, g);
  const xn = permute(xt, [0, 3, 1, 2]);
  const wn = permute(wt, [3, 2, 0, 1]);
  return dropViews(toLast(convForwardCore(xn, wn, bias, g), [0, 2, 3, 1]), xn, wn);
}

/**
 * @internal conv2d(x, weight, options), then relu when withRelu, over NCHW x, for the model
 * importers: when nothing records, one native pass (the relu in the kernel's epilogue) on the
 * weight's packed copy (conv-pack.ts, kept while the weight is unchanged), into `out` when given
 * (the result then a view of it); the ops otherwise (a new tensor: callers compare storages).
 */
export function conv2dInfer(x: Tensor, weight: Tensor, options: ConvOptions | undefined, withRelu: boolean, out: ConvOut | null = null): Tensor {
  const o = readOptions('conv2d', options, false);
  if (channelsLast('conv2d', o.dataFormat, 2) || (tape.on && (tracked(x) || tracked(weight) || (o.bias instanceof Tensor && tracked(o.bias))))) {
    const y = conv2d(x, weight, options);
    return withRelu ? relu(y) : y;
  }
  const [xt, wt] = checkOperands('conv2d', x, weight, 4, '[N, C, H, W]', '[O, C/groups, KH, KW]');
  const g = forwardGeom('conv2d', xt, wt, xt.shape, wt.shape, o, false);
  const packed = wt.isContiguous() ? packedWeights(wt, g) : null;
  return convForwardFused(xt, wt, checkBias('conv2d', o.bias, g.O, xt.dtype), g, withRelu ? 1 : 0, packed, out);
}

/**
 * 1-D convolution (torch.nn.functional.conv1d): input [N, C, L], weight [O, C/groups, K], output
 * [N, O, OL]. dataFormat 'NWC': input [N, L, C], filter [K, C/groups, O] (tf.nn.conv1d).
 */
export function conv1d(x: Tensor, weight: Tensor, options?: ConvOptions): Tensor {
  const op = 'conv1d';
  const o = readOptions(op, options, false);
  const last = channelsLast(op, o.dataFormat, 1);
  const [xt, wt] = checkOperands(op, x, weight, 3, last ? '[N, L, C]' : '[N, C, L]', last ? '[K, C/groups, O]' : '[O, C/groups, K]');
  const xs = last ? [xt.shape[0], xt.shape[2], xt.shape[1]] : xt.shape;
  const ws = last ? [wt.shape[2], wt.shape[1], wt.shape[0]] : wt.shape;
  const g = forwardGeom(op, xt, wt, xs, ws, o, last);
  const bias = checkBias(op, o.bias, g.O, xt.dtype);
  // views only: [N, L, C] -> [N, 1, L, C] -> [N, C, 1, L]; [K, Cg, O] -> [1, K, Cg, O] -> [O, Cg, 1, K]
  const x3 = unsqueeze(xt, last ? 1 : 2);
  const w3 = unsqueeze(wt, last ? 0 : 2);
  const x4 = last ? permute(x3, [0, 3, 1, 2]) : x3;
  const w4 = last ? permute(w3, [3, 2, 0, 1]) : w3;
  const y = then(convForwardCore(x4, w4, bias, g), (t) => squeeze(t, 2));
  return dropViews(last ? toLast(y, [0, 2, 1]) : y, ...(last ? [x3, w3] : []), x4, w4);
}

/**
 * Transposed 2-D convolution (torch.nn.functional.conv_transpose2d): input [N, Cin, H, W], weight
 * [Cin, Cout/groups, KH, KW], output [N, Cout, (H-1)s - 2p + d(KH-1) + outputPadding + 1, ...].
 * dataFormat 'NHWC': input [N, H, W, Cin], filter [KH, KW, Cout/groups, Cin] (tf.nn.conv2d_transpose).
 */
export function convTranspose2d(x: Tensor, weight: Tensor, options?: ConvTransposeOptions): Tensor {
  const op = 'convTranspose2d';
  const o = readOptions(op, options, true);
  const last = channelsLast(op, o.dataFormat, 2);
  const [xt, wt] = checkOperands(op, x, weight, 4, last ? '[N, H, W, Cin]' : '[N, Cin, H, W]', last ? '[KH, KW, Cout/groups, Cin]' : '[Cin, Cout/groups, KH, KW]');
  const [N, Cin, H, W] = last ? [xt.shape[0], xt.shape[3], xt.shape[1], xt.shape[2]] : xt.shape;
  const [Ci, Cog, KH, KW] = last ? [wt.shape[3], wt.shape[2], wt.shape[0], wt.shape[1]] : wt.shape;
  const G = checkGroups(op, o.groups);
  if (Cin % G !== 0) fail(op, `groups ${G} does not divide the ${Cin} input channels of input ${fmtShape(xt.shape)}`, 'ERR_SHAPE');
  if (Ci !== Cin)
    fail(op, `input ${fmtShape(xt.shape)} has ${Cin} channels but weight ${fmtShape(wt.shape)} expects ${Ci}`, 'ERR_SHAPE');
  if (typeof o.padding === 'string') fail(op, `padding must be a number or [ph, pw] (no '${o.padding}' for a transposed convolution)`);
  const s = spatialInts(op, 'stride', o.stride, 1, 2, 1, last);
  const d = spatialInts(op, 'dilation', o.dilation, 1, 2, 1, last);
  const p = spatialInts(op, 'padding', o.padding, 0, 2, 0, false);
  const op2 = spatialInts(op, 'outputPadding', o.outputPadding, 0, 2, 0, false);
  for (let i = 0; i < 2; i++)
    if (op2[i] >= s[i] && op2[i] >= d[i])
      fail(op, `outputPadding ${fmtShape(op2)} must be smaller than the stride ${fmtShape(s)} or the dilation ${fmtShape(d)}`);
  const size = [H, W].map((L, i) => (L - 1) * s[i] - 2 * p[i] + d[i] * ([KH, KW][i] - 1) + op2[i] + 1);
  if (size.some((v) => v < 1))
    fail(op, `output size ${fmtShape(size)} is not positive (input ${fmtShape(xt.shape)}, weight ${fmtShape(wt.shape)}, stride ${fmtShape(s)}, padding ${fmtShape(p)})`, 'ERR_SHAPE');
  if (H === 0 || W === 0) fail(op, `input ${fmtShape(xt.shape)} has an empty spatial dim`, 'ERR_SHAPE');
  const Cout = Cog * G;
  const bias = checkBias(op, o.bias, Cout, xt.dtype);
  // the convolution whose input gradient this is: input [N, Cout, size], output = x
  const g: ConvGeom = {
    N, C: Cout, H: size[0], W: size[1], O: Cin, KH, KW, OH: H, OW: W,
    sh: s[0], sw: s[1], ph: p[0], pw: p[1], dh: d[0], dw: d[1], G,
  };
  const xn = last ? permute(xt, [0, 3, 1, 2]) : xt;
  const wn = last ? permute(wt, [3, 2, 0, 1]) : wt;
  let y = conv2dBackwardInput(xn, wn, g);
  const b4 = bias ? reshape(bias, [1, Cout, 1, 1]) : null;
  if (b4) y = then(y, (t) => add(t, b4));
  y = last ? toLast(y, [0, 2, 3, 1]) : y;
  return dropViews(y, ...(last ? [xn, wn] : []), ...(b4 ? [b4] : []));
}
