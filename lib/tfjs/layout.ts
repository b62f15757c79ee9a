// Channels-first execution of the 4-D part of a Keras model. tapeflow's convolution and pooling
// kernels are channels-first: running each NHWC layer through them costs two transposes per
// layer. So image tensors are kept NCHW between the layers that have an NCHW form here, and are
// turned back to NHWC only for a layer that needs Keras' own layout (Flatten, Dense, Reshape,
// softmax over the last axis, …) and for the values forward returns. Results are the same.
import { Tensor } from '../tensor';
import { conv2d, conv2dInfer } from '../ops/conv';
import type { ConvOut } from '../ops/conv';
import { maxPool, avgPool } from '../ops/pool';
import { pad, concat } from '../ops/join';
import { reshape, permute } from '../ops/views';
import { add, sub, mul } from '../ops/binary';
import { rsqrt, neg } from '../ops/unary';
import { mean, max } from '../ops/reduce';
import type { LayerContext } from './registry';

export type NchwApply = (xs: Tensor[], w: Record<string, Tensor>, p: any, ctx: LayerContext) => Tensor | null; // eslint-disable-line @typescript-eslint/no-explicit-any

export const toNchw = (x: Tensor): Tensor => permute(x, [0, 3, 1, 2]);
export const toNhwc = (x: Tensor): Tensor => permute(x, [0, 2, 3, 1]);

/** TensorFlow's 'same' pads [before, after] of one spatial dim. */
function samePads(L: number, k: number, s: number, d: number): [number, number] {
  const eff = (k - 1) * d + 1;
  const total = Math.max((Math.ceil(L / s) - 1) * s + eff - L, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** conv2d on NCHW x with an OIHW filter and Keras' padding mode. */
export function convNchw(x: Tensor, w: Tensor, stride: number[], dilation: number[], mode: 'same' | 'valid', groups: number, bias: Tensor | null, withRelu = false, out: ConvOut | null = null): Tensor {
  let t = x;
  let padding: number[] = [0, 0];
  if (mode === 'same') {
    const ph = samePads(x.shape[2], w.shape[2], stride[0], dilation[0]);
    const pw = samePads(x.shape[3], w.shape[3], stride[1], dilation[1]);
    if (ph[0] === ph[1] && pw[0] === pw[1]) padding = [ph[0], pw[0]];
    else t = pad(x, [[0, 0], [0, 0], ph, pw], 0);
  }
  return conv2dInfer(t, w, { stride, dilation, padding, groups, bias }, withRelu, out);
}

interface ConvLike { strides: number[]; dilation: number[]; padding: 'same' | 'valid'; groups: number; act: (x: Tensor) => Tensor }

/** NCHW forms by layer class; a form returning null falls back to the NHWC layer. */
export const NCHW = new Map<string, NchwApply>();

/** ctx.cache(w, make) where there is a cache, else make() (the differentiable view) */
const derived = (ctx: LayerContext, w: Tensor, make: () => Tensor): Tensor => (ctx.cache ? ctx.cache(w, () => make().contiguous()) : make());

NCHW.set('Conv2D', ([x], w, p: ConvLike, ctx) =>
  p.act(convNchw(x, derived(ctx, w.kernel, () => permute(w.kernel, [3, 2, 0, 1])), p.strides, p.dilation, p.padding, p.groups, w.bias ?? null)));

NCHW.set('DepthwiseConv2D', ([x], w, p: ConvLike, ctx) => {
  const k = w.depthwise_kernel; // [kh, kw, C, m] → grouped OIHW [C·m, 1, kh, kw], channel c·m + j
  if (k.shape[2] !== x.shape[1]) return null;
  const f = derived(ctx, k, () => permute(reshape(k, [k.shape[0], k.shape[1], 1, k.shape[2] * k.shape[3]]), [3, 2, 0, 1]));
  return p.act(convNchw(x, f, p.strides, p.dilation, p.padding, k.shape[2], w.bias ?? null));
});

NCHW.set('BatchNormalization', ([x], w, p: { axis: number; eps: number }, ctx) => {
  if (ctx.training || (p.axis !== 3 && p.axis !== -1) || x.shape[1] !== w.moving_mean.size) return null;
  const v = (t: Tensor) => reshape(t, [1, t.size, 1, 1]);
  let s = rsqrt(add(v(w.moving_variance), p.eps));
  if (w.gamma) s = mul(s, v(w.gamma));
  const m = v(w.moving_mean);
  const shift = w.beta ? sub(v(w.beta), mul(m, s)) : mul(neg(m), s);
  return add(mul(x, s), shift);
});

type PoolP = { size: number[]; strides: number[]; padding: 'SAME' | 'VALID' };
NCHW.set('MaxPooling2D', ([x], _w, p: PoolP) => maxPool(x, p.size, p.strides, p.padding, { dataFormat: 'NCHW' }));
NCHW.set('AveragePooling2D', ([x], _w, p: PoolP) => avgPool(x, p.size, p.strides, p.padding, { dataFormat: 'NCHW' }));
NCHW.set('ZeroPadding2D', ([x], _w, { pads: p }: { pads: [number, number][] }) => pad(x, [[0, 0], [0, 0], p[0], p[1]], 0));
// keepdims would give [N, C, 1, 1] where Keras has [N, 1, 1, C]: only the 2-D result is channels-free
NCHW.set('GlobalAveragePooling2D', ([x], _w, p: { keep: boolean }) => (p.keep ? null : mean(x, [2, 3])));
NCHW.set('GlobalMaxPooling2D', ([x], _w, p: { keep: boolean }) => (p.keep ? null : max(x, [2, 3])));
NCHW.set('Concatenate', (xs, _w, a: number) => {
  const axis = a < 0 ? a + 4 : a;
  if (axis < 1 || axis > 3) return null;
  return concat(xs, [0, 2, 3, 1][axis]);
});

/** Layers that act elementwise on equal-shaped inputs: layout-free. */
export const ELEMENTWISE = new Set(['Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'ReLU', 'LeakyReLU', 'ELU', 'Dropout', 'InputLayer', 'GaussianNoise']);
/** Activation names that are elementwise (softmax / log_softmax are not). */
export const ELEMENTWISE_ACTIVATIONS = new Set(['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'silu', 'gelu', 'mish', 'exponential', 'hard_sigmoid', 'leaky_relu']);
