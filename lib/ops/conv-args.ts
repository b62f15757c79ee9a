// Argument parsing and validation of the convolutions (lib/ops/conv.ts): options, layouts,
// padding rules (torch's 'same', TensorFlow's 'SAME') and the geometry handed to the kernels.
import { Tensor } from '../tensor';
import { fail, fmtShape, describe } from '../core/errors';
import { checkTensor } from '../core/validate';

export type PaddingMode = 'valid' | 'same' | 'VALID' | 'SAME';

export interface ConvOptions {
  /** [O] added to every output channel */
  bias?: Tensor | null;
  /** number, [sh, sw] (conv1d: number or [s]); with channels-last also TF's [1, sh, sw, 1] */
  stride?: number | number[];
  /** number, [ph, pw], 'valid' or 'same' ('SAME'/'VALID' as TensorFlow writes them) */
  padding?: number | number[] | PaddingMode;
  dilation?: number | number[];
  groups?: number;
  /** 'NCHW' (default) or 'NHWC' (input NHWC, filter HWIO as tf.nn.conv2d); conv1d: 'NCW' or 'NWC' */
  dataFormat?: 'NCHW' | 'NHWC' | 'NCW' | 'NWC';
}

export interface ConvTransposeOptions extends ConvOptions {
  /** extra rows/columns on the bottom/right of the output: number or [oph, opw] */
  outputPadding?: number | number[];
}

/** The 2-D geometry the kernels take (native/backend/conv.h ConvGeom), in its order. */
export interface ConvGeom {
  N: number; C: number; H: number; W: number;
  O: number; KH: number; KW: number;
  OH: number; OW: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  G: number;
}

export function geomArgs(g: ConvGeom): number[] {
  return [g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.G];
}

const KEYS = ['bias', 'stride', 'padding', 'dilation', 'groups', 'dataFormat'];
const KEYS_T = [...KEYS, 'outputPadding'];

export function readOptions(op: string, opts: unknown, transposed: boolean): ConvTransposeOptions {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor)
    fail(op, `options must be an object, got ${describe(opts)}`);
  const keys = transposed ? KEYS_T : KEYS;
  for (const k of Object.keys(opts as object))
    if (!keys.includes(k)) fail(op, `unknown option '${k}' (expected ${keys.join(', ')})`);
  return opts as ConvTransposeOptions;
}

/** Whether dataFormat asks for channels-last, checked against the op's spatial rank. */
export function channelsLast(op: string, fmt: unknown, spatial: number): boolean {
  const first = spatial === 2 ? 'NCHW' : 'NCW';
  const last = spatial === 2 ? 'NHWC' : 'NWC';
  if (fmt === undefined || fmt === first) return false;
  if (fmt === last) return true;
  return fail(op, `dataFormat must be '${first}' or '${last}', got ${describe(fmt)}`);
}

/**
 * An int-or-tuple option as `spatial` values. Channels-last also takes TF's full form
 * [1, s..., 1]. min: the smallest value allowed.
 */
export function spatialInts(op: string, name: string, v: unknown, dflt: number, spatial: number, min: number, tfForm: boolean): number[] {
  if (v === undefined) return new Array<number>(spatial).fill(dflt);
  let arr: unknown[] | null = typeof v === 'number' ? new Array<unknown>(spatial).fill(v) : Array.isArray(v) ? v : null;
  if (arr && tfForm && arr.length === spatial + 2) {
    if (arr[0] !== 1 || arr[arr.length - 1] !== 1)
      fail(op, `${name} in TensorFlow's form [1, ${spatial === 2 ? 'sh, sw' : 's'}, 1] must have 1 at the batch and channel positions, got ${describe(v)}`);
    arr = arr.slice(1, -1);
  }
  if (!arr || arr.length !== spatial || !arr.every((e) => typeof e === 'number' && Number.isInteger(e) && e >= min))
    fail(op, `${name} must be an integer >= ${min} or ${spatial} of them${tfForm ? ` (or [1, ..., 1] with ${spatial + 2})` : ''}, got ${describe(v)}`);
  return arr as number[];
}

/**
 * Padding per spatial dim as [before, after]. 'same' follows torch for channels-first (stride 1
 * only; an odd total puts the extra pixel after) and TensorFlow's rule for channels-last
 * (any stride: total = max((ceil(L/s) - 1) s + (k - 1) d + 1 - L, 0), the odd pixel after).
 */
export function resolvePadding(op: string, p: unknown, size: number[], k: number[], s: number[], d: number[], tf: boolean): [number, number][] {
  const n = size.length;
  if (typeof p === 'string') {
    const mode = p.toLowerCase();
    if (mode === 'valid') return size.map(() => [0, 0] as [number, number]);
    if (mode !== 'same') fail(op, `padding must be a number, ${n} numbers, 'valid' or 'same', got ${describe(p)}`);
    if (!tf && s.some((x) => x !== 1))
      fail(op, `padding='same' is not supported for strided convolutions (stride ${describe(s)}); torch's rule needs stride 1 — dataFormat '${n === 2 ? 'NHWC' : 'NWC'}' uses TensorFlow's rule, which allows strides`);
    return size.map((L, i) => {
      const eff = (k[i] - 1) * d[i] + 1;
      const total = tf ? Math.max((Math.ceil(L / s[i]) - 1) * s[i] + eff - L, 0) : eff - 1;
      const before = Math.floor(total / 2);
      return [before, total - before] as [number, number];
    });
  }
  const each = spatialInts(op, 'padding', p ?? 0, 0, n, 0, false);
  return each.map((v) => [v, v] as [number, number]);
}

export function checkFloat(op: string, arg: string, t: Tensor): void {
  if (t.dtype !== 'float32' && t.dtype !== 'float64')
    fail(op, `${arg} must be float32 or float64, got ${t.dtype} ${fmtShape(t.shape)}`, 'ERR_DTYPE');
}

/** x and w: live float tensors of one dtype and the ranks of this op. */
export function checkOperands(op: string, x: unknown, w: unknown, rank: number, xLayout: string, wLayout: string): [Tensor, Tensor] {
  const xt = checkTensor(x, op, 'input');
  const wt = checkTensor(w, op, 'weight');
  checkFloat(op, 'input', xt);
  checkFloat(op, 'weight', wt);
  if (xt.rank !== rank) fail(op, `input must be ${rank}-D ${xLayout}, got ${fmtShape(xt.shape)}`, 'ERR_SHAPE');
  if (wt.rank !== rank) fail(op, `weight must be ${rank}-D ${wLayout}, got ${fmtShape(wt.shape)}`, 'ERR_SHAPE');
  if (wt.dtype !== xt.dtype) fail(op, `weight dtype ${wt.dtype} does not match input dtype ${xt.dtype}`, 'ERR_DTYPE');
  if (wt.shape.some((v) => v === 0)) fail(op, `weight ${fmtShape(wt.shape)} has a zero-size dim`, 'ERR_SHAPE');
  return [xt, wt];
}

export function checkGroups(op: string, groups: unknown): number {
  if (groups === undefined) return 1;
  if (typeof groups !== 'number' || !Number.isInteger(groups) || groups < 1)
    fail(op, `groups must be an integer >= 1, got ${describe(groups)}`);
  return groups as number;
}

export function checkBias(op: string, bias: unknown, O: number, dtype: string): Tensor | null {
  if (bias === undefined || bias === null) return null;
  const b = checkTensor(bias, op, 'bias');
  if (b.dtype !== dtype) fail(op, `bias dtype ${b.dtype} does not match input dtype ${dtype}`, 'ERR_DTYPE');
  if (b.rank !== 1 || b.shape[0] !== O) fail(op, `bias must have shape [${O}] (the output channels), got ${fmtShape(b.shape)}`, 'ERR_SHAPE');
  return b;
}
