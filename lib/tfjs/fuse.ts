// Inference-time fusion of Conv2D / DepthwiseConv2D → BatchNormalization → ReLU chains, the
// backbone of every Keras CNN. With the moving statistics fixed, the batch norm is an affine map
// per output channel, so it folds into the convolution's kernel and bias (W' = W·s,
// b' = (b − mean)·s + beta, s = gamma / sqrt(var + eps)), and the ReLU runs in the convolution's
// epilogue: one pass over the activations instead of four. Used only when nothing records and
// the model is in eval mode; the folded kernel is cached until any of its weights changes.
import { Tensor } from '../tensor';
import { noGrad } from '../autograd/tape';
import { derived } from '../nn/imported';
import { reshape, permute } from '../ops/views';
import { add, sub, mul } from '../ops/binary';
import { rsqrt, relu } from '../ops/unary';
import { avgPool } from '../ops/pool';
import type { ConvOut } from '../ops/conv';
import { convNchw, toNchw } from './layout';
import type { Call } from './topology';

/** A chain of calls run as one convolution: indices into the plan's calls. */
export interface Fusion {
  conv: number;
  bn: number | null;
  /** the ReLU call after them, if any */
  act: number | null;
  /** the conv layer's own activation is ReLU (no batch norm or activation call follows) */
  convRelu: boolean;
  /** the call whose output the chain defines */
  end: number;
  /** every call of the chain, the convolution first */
  members: number[];
  /** a channels_first convolution (its values are NCHW in Keras already) */
  first: boolean;
  /**
   * a stride-1 'same' AveragePooling2D whose output only this 1x1 convolution reads: the chain
   * then runs the convolution first and pools its output (both are linear per pixel and per
   * channel, and a 'same' average's weights sum to 1 everywhere, so the bias passes through): the
   * pool sees the convolution's channels, not its input's (Inception's pool branches: 4-10x fewer)
   */
  pool: number | null;
}

interface ConvP { strides: number[]; dilation: number[]; padding: 'same' | 'valid'; groups: number; act: (x: Tensor) => Tensor; first: boolean }
interface BnP { axis: number; eps: number }

const isRelu = (c: Call): boolean => {
  if (c.layer.className === 'Activation') return c.layer.prepared === relu;
  if (c.layer.className !== 'ReLU') return false;
  const p = c.layer.prepared as { max: number | null; slope: number; threshold: number };
  return p.max === null && p.slope === 0 && p.threshold === 0;
};
const isConv = (c: Call): boolean => c.layer.className === 'Conv2D' || c.layer.className === 'DepthwiseConv2D';
const linear = (c: Call): boolean => {
  const a = c.layer.config.activation ?? 'linear';
  return a === 'linear' || (a as { config?: { name?: unknown } } | null)?.config?.name === 'linear';
};

/** The fusable chains of a plan, by the index of their convolution. */
export function findFusions(calls: Call[], outputs: string[]): Map<number, Fusion> {
  const readers = new Map<string, number[]>();
  calls.forEach((c, i) => { for (const v of c.inputs) readers.set(v, [...(readers.get(v) ?? []), i]); });
  /** the one call that reads value v, when v is not also a model output */
  const soleReader = (v: string): number | null => {
    const r = readers.get(v);
    return r !== undefined && r.length === 1 && !outputs.includes(v) && calls[r[0]].inputs.length === 1 && calls[r[0]].outputs.length === 1 ? r[0] : null;
  };
  const found = new Map<number, Fusion>();
  calls.forEach((c, i) => {
    // only single-output calls fuse: the chain defines one value
    if (!isConv(c) || c.outputs.length !== 1) return;
    const cf = (c.layer.prepared as ConvP).first;
    const f: Fusion = { conv: i, bn: null, act: null, convRelu: false, end: i, members: [], first: cf, pool: null };
    if (linear(c)) {
      const b = soleReader(c.output);
      if (b !== null && calls[b].layer.className === 'BatchNormalization') {
        const p = calls[b].layer.prepared as BnP;
        if (cf ? p.axis === 1 : p.axis === 3 || p.axis === -1) { f.bn = b; f.end = b; }
      }
      const a = soleReader(calls[f.end].output);
      if (a !== null && isRelu(calls[a])) { f.act = a; f.end = a; }
    } else if ((c.layer.prepared as ConvP).act === relu) {
      f.convRelu = true;
    }
    f.members = [i, ...(f.bn !== null ? [f.bn] : []), ...(f.act !== null ? [f.act] : [])];
    if (f.end === i && !f.convRelu) return; // nothing to fuse
    // the pool before a 1x1 chain: the chain runs where the pool was, on the pool's input
    const p = pointwise(c) ? producer(calls, c.inputs[0]) : null;
    if (p !== null && soleReader(calls[p].output) === i && poolFirst(calls[p], cf)) {
      f.pool = p;
      f.members = [p, ...f.members];
      return void found.set(p, f);
    }
    found.set(i, f);
  });
  return found;
}

interface PoolP { size: number[]; strides: number[]; padding: 'SAME' | 'VALID'; first: boolean }
/** a Conv2D with a 1x1 kernel, stride 1, dilation 1, one group */
export const pointwise = (c: Call): boolean => {
  if (c.layer.className !== 'Conv2D') return false;
  const p = c.layer.prepared as ConvP & { kernel: number[] };
  return p.groups === 1 && p.kernel.length === 2 && [...p.kernel, ...p.strides, ...p.dilation].every((v) => v === 1);
};
const poolFirst = (c: Call, first: boolean): boolean => {
  if (c.layer.className !== 'AveragePooling2D' || c.outputs.length !== 1) return false;
  const p = c.layer.prepared as PoolP;
  return p.padding === 'SAME' && p.strides.every((v) => v === 1) && p.first === first;
};
/** the call that makes value v */
const producer = (calls: Call[], v: string): number | null => {
  const i = calls.findIndex((c) => c.outputs.includes(v));
  return i < 0 ? null : i;
};

/**
 * Runs fusion f on NCHW (first) or NHWC x; null when the shapes do not fit (the caller then runs
 * the layers one by one). weightsOf gives a call's weights by Keras role. out: where the
 * convolution may write (a pool-first chain, or a recording one, gives a new tensor instead).
 */
export function runFusion(owner: object, f: Fusion, calls: Call[], x: Tensor, xFirst: boolean,
  weightsOf: (c: Call) => Record<string, Tensor>, out: ConvOut | null = null): Tensor | null {
  if (x.rank !== 4) return null;
  const folded = foldedOf(owner, f, calls, xFirst ? x.shape[1] : x.shape[3], weightsOf);
  if (folded === null) return null;
  const p = calls[f.conv].layer.prepared as ConvP;
  const act = f.act !== null || f.convRelu;
  if (f.pool === null) return convNchw(xFirst ? x : toNchw(x), folded.w, p.strides, p.dilation, p.padding, folded.groups, folded.b, act, out);
  const q = calls[f.pool].layer.prepared as PoolP;
  const y = avgPool(convNchw(xFirst ? x : toNchw(x), folded.w, p.strides, p.dilation, p.padding, folded.groups, folded.b, false), q.size, q.strides, 'SAME', { dataFormat: 'NCHW' });
  return act ? relu(y) : y;
}

/**
 * Fusion f's OIHW kernel and bias with the batch norm folded in (cached per owner and
 * convolution until any of their weights changes), for C input channels; null when they do not fit.
 */
export function foldedOf(owner: object, f: Fusion, calls: Call[], C: number,
  weightsOf: (c: Call) => Record<string, Tensor>): { w: Tensor; b: Tensor | null; groups: number } | null {
  const c = calls[f.conv];
  const p = c.layer.prepared as ConvP;
  const w = weightsOf(c);
  const depthwise = c.layer.className === 'DepthwiseConv2D';
  const k = depthwise ? w.depthwise_kernel : w.kernel;
  const groups = depthwise ? k.shape[2] : p.groups;
  if (k.shape[2] * (depthwise ? 1 : groups) !== C) return null;
  const O = depthwise ? k.shape[2] * k.shape[3] : k.shape[3];
  const bn = f.bn !== null ? weightsOf(calls[f.bn]) : null;
  if (bn !== null && bn.moving_mean.size !== O) return null;
  const deps: Tensor[] = [k, ...(bn ? [...(w.bias ? [w.bias] : []), ...Object.values(bn)] : [])];
  const [fw, fb] = derived(owner, f.conv, deps, () => {
    const made = noGrad(() => fuseWeights(k, depthwise, w.bias ?? null, bn, bn ? (calls[f.bn!].layer.prepared as BnP).eps : 0));
    return made.b ? [made.w, made.b] : [made.w];
  });
  return { w: fw, b: bn !== null ? fb : w.bias ?? null, groups };
}

/** The OIHW kernel and bias of the convolution with the batch norm folded in. */
function fuseWeights(k: Tensor, depthwise: boolean, bias: Tensor | null, bn: Record<string, Tensor> | null, eps: number): { w: Tensor; b: Tensor | null } {
  // Keras HWIO [kh, kw, C, O] → OIHW; depthwise [kh, kw, C, m] → [C·m, 1, kh, kw]
  const oihw = depthwise ? permute(reshape(k, [k.shape[0], k.shape[1], 1, k.shape[2] * k.shape[3]]), [3, 2, 0, 1]) : permute(k, [3, 2, 0, 1]);
  if (bn === null) return { w: oihw.contiguous(), b: null }; // the layer's own bias is used as is
  let s = rsqrt(add(bn.moving_variance, eps));
  if (bn.gamma) s = mul(s, bn.gamma);
  const O = s.size;
  const shifted = bias ? sub(bias, bn.moving_mean) : mul(bn.moving_mean, -1);
  const b = mul(shifted, s);
  return { w: mul(oihw, reshape(s, [O, 1, 1, 1])).contiguous(), b: bn.beta ? add(b, bn.beta) : b };
}
