// Keras convolution, normalisation, pooling and padding layers on NHWC tensors: kernels stay
// in Keras' HWIO layout and run through tp.conv2d's NHWC form ('same' by TensorFlow's rule).
// data_format 'channels_first' layers take and give NCHW values, tapeflow's own layout: their
// kernels are read as OIHW views (cached when nothing records).
import { Tensor } from '../tensor';
import { conv2d } from '../ops/conv';
import { maxPool, avgPool } from '../ops/pool';
import { pad } from '../ops/join';
import { reshape, permute, slice } from '../ops/views';
import { resize } from '../image/resize';
import { add, sub, mul } from '../ops/binary';
import { rsqrt, square, neg } from '../ops/unary';
import { mean, max } from '../ops/reduce';
import { noGrad } from '../autograd/tape';
import { copyInto } from '../nn/parameter';
import { describe } from '../core/errors';
import { layer, ints, num, bool, channelsFirst, padding, cfgFail, need } from './registry';
import { convNchw } from './layout';
import type { Config, LayerContext } from './registry';
import { readActivation, activate } from './layers-core';
import type { Activation } from './layers-core';

interface ConvP {
  filters: number;
  kernel: number[];
  strides: number[];
  dilation: number[];
  padding: 'same' | 'valid';
  useBias: boolean;
  groups: number;
  act: Activation;
  mult: number;
  /** data_format channels_first: NCHW in and out */
  first: boolean;
}

function readConv(cfg: Config, name: string, depthwise: boolean): ConvP {
  const p: ConvP = {
    first: channelsFirst(name, cfg),
    filters: depthwise ? 0 : ints(name, cfg, 'filters', 1)[0],
    kernel: ints(name, cfg, 'kernel_size', 2),
    strides: ints(name, cfg, 'strides', 2, 1),
    dilation: ints(name, cfg, 'dilation_rate', 2, 1),
    padding: padding(name, cfg),
    useBias: bool(name, cfg, 'use_bias', true),
    groups: depthwise ? 1 : ints(name, cfg, 'groups', 1, 1)[0],
    act: readActivation(name, cfg.activation ?? 'linear'),
    mult: depthwise ? ints(name, cfg, 'depth_multiplier', 1, 1)[0] : 1,
  };
  if (p.strides.some((s) => s > 1) && p.dilation.some((d) => d > 1)) cfgFail(name, `strides ${describe(p.strides)} with dilation_rate ${describe(p.dilation)}: Keras allows only one of them above 1`);
  return p;
}

const convOpts = (p: ConvP, groups: number) => ({ dataFormat: 'NHWC' as const, stride: p.strides, dilation: p.dilation, padding: p.padding, groups });

/** A kernel's OIHW form: cached when nothing records, else the differentiable view. */
const oihw = (ctx: LayerContext, k: Tensor, make: () => Tensor): Tensor => (ctx.cache ? ctx.cache(k, () => make().contiguous()) : make());
/** Keras HWIO [kh, kw, I, O] → OIHW */
const hwioToOihw = (k: Tensor): Tensor => permute(k, [3, 2, 0, 1]);
/** depthwise [kh, kw, C, m] → grouped OIHW [C·m, 1, kh, kw], output channel c·m + j */
const depthwiseOihw = (k: Tensor): Tensor => permute(reshape(k, [k.shape[0], k.shape[1], 1, k.shape[2] * k.shape[3]]), [3, 2, 0, 1]);
const needNchw = (ctx: LayerContext, x: Tensor, cls: string, C?: number): void =>
  need(ctx, x.rank === 4 && (C === undefined || x.shape[1] === C), `${cls} (channels_first) takes a 4-D [N, C, H, W] input${C !== undefined ? ` with C = ${C}` : ''}, got [${x.shape}]`);

layer<ConvP>('Conv2D', {
  prepare: (cfg, name) => readConv(cfg, name, false),
  weights: (p) => [{ role: 'kernel', shape: [p.kernel[0], p.kernel[1], null, p.filters] }, ...(p.useBias ? [{ role: 'bias', shape: [p.filters] }] : [])],
  apply: ([x], w, p, ctx) => {
    if (p.first) {
      needNchw(ctx, x, 'Conv2D', w.kernel.shape[2] * p.groups);
      return activate(p.act, convNchw(x, oihw(ctx, w.kernel, () => hwioToOihw(w.kernel)), p.strides, p.dilation, p.padding, p.groups, w.bias ?? null));
    }
    need(ctx, x.rank === 4, `Conv2D takes a 4-D [N, H, W, C] input, got [${x.shape}]`);
    return activate(p.act, conv2d(x, w.kernel, { ...convOpts(p, p.groups), bias: w.bias ?? null }));
  },
});

// depthwise_kernel [kh, kw, C, m] is a grouped conv with C groups and filter [kh, kw, 1, C·m]:
// output channel c·m + j reads input channel c, as TensorFlow orders them
function depthwise(x: Tensor, k: Tensor, p: ConvP, ctx: LayerContext, bias: Tensor | null): Tensor {
  if (p.first) {
    needNchw(ctx, x, 'the depthwise convolution', k.shape[2]);
    return convNchw(x, oihw(ctx, k, () => depthwiseOihw(k)), p.strides, p.dilation, p.padding, k.shape[2], bias);
  }
  need(ctx, x.rank === 4 && k.shape[2] === x.shape[3], `depthwise_kernel [${k.shape}] does not fit an input of shape [${x.shape}] (NHWC)`);
  const C = k.shape[2];
  return conv2d(x, reshape(k, [k.shape[0], k.shape[1], 1, C * k.shape[3]]), { ...convOpts(p, C), bias });
}

layer<ConvP>('DepthwiseConv2D', {
  prepare: (cfg, name) => readConv(cfg, name, true),
  weights: (p) => [{ role: 'depthwise_kernel', shape: [p.kernel[0], p.kernel[1], null, p.mult] }, ...(p.useBias ? [{ role: 'bias', shape: null }] : [])],
  apply: ([x], w, p, ctx) => activate(p.act, depthwise(x, w.depthwise_kernel, p, ctx, w.bias ?? null)),
});

layer<ConvP>('SeparableConv2D', {
  prepare: (cfg, name) => ({ ...readConv(cfg, name, true), filters: ints(name, cfg, 'filters', 1)[0] }),
  weights: (p) => [
    { role: 'depthwise_kernel', shape: [p.kernel[0], p.kernel[1], null, p.mult] },
    { role: 'pointwise_kernel', shape: [1, 1, null, p.filters] },
    ...(p.useBias ? [{ role: 'bias', shape: [p.filters] }] : []),
  ],
  apply: ([x], w, p, ctx) => {
    const d = depthwise(x, w.depthwise_kernel, p, ctx, null);
    if (p.first) return activate(p.act, convNchw(d, oihw(ctx, w.pointwise_kernel, () => hwioToOihw(w.pointwise_kernel)), [1, 1], [1, 1], 'valid', 1, w.bias ?? null));
    return activate(p.act, conv2d(d, w.pointwise_kernel, { dataFormat: 'NHWC', bias: w.bias ?? null }));
  },
});

interface BnP { axis: number; eps: number; momentum: number; center: boolean; scale: boolean }

layer<BnP>('BatchNormalization', {
  prepare: (cfg, name) => {
    const a = cfg.axis ?? -1;
    const axis = Array.isArray(a) && a.length === 1 ? a[0] : a;
    if (!Number.isSafeInteger(axis)) cfgFail(name, `axis must be one integer, got ${describe(a)}`, 'ERR_UNSUPPORTED');
    const eps = num(name, cfg, 'epsilon', 1e-3);
    if (!(eps >= 0)) cfgFail(name, `epsilon must be ≥ 0, got ${eps}`);
    return { axis: axis as number, eps, momentum: num(name, cfg, 'momentum', 0.99), center: bool(name, cfg, 'center', true), scale: bool(name, cfg, 'scale', true) };
  },
  weights: (p) => [
    ...(p.scale ? [{ role: 'gamma', shape: null }] : []),
    ...(p.center ? [{ role: 'beta', shape: null }] : []),
    { role: 'moving_mean', shape: null, buffer: true },
    { role: 'moving_variance', shape: null, buffer: true },
  ],
  apply: ([x], w, p, ctx) => {
    const axis = p.axis < 0 ? p.axis + x.rank : p.axis;
    const C = w.moving_mean.size;
    need(ctx, axis >= 1 && axis < x.rank && x.shape[axis] === C, `axis ${p.axis} of input [${x.shape}] must have the ${C} channels of moving_mean`);
    const bshape = x.shape.map((d, i) => (i === axis ? C : 1));
    const v = (t: Tensor) => reshape(t, bshape);
    let m = v(w.moving_mean), va = v(w.moving_variance);
    if (ctx.training) {
      // batch statistics (biased variance), and Keras' update of the moving ones (unbiased variance)
      const axes = x.shape.map((_, i) => i).filter((i) => i !== axis);
      m = mean(x, axes, true);
      va = mean(square(sub(x, m)), axes, true);
      const n = x.size / C;
      noGrad(() => {
        const k = p.momentum;
        copyInto('BatchNormalization', w.moving_mean, add(mul(w.moving_mean, k), mul(reshape(m, [C]), 1 - k)));
        copyInto('BatchNormalization', w.moving_variance, add(mul(w.moving_variance, k), mul(reshape(va, [C]), (1 - k) * n / Math.max(n - 1, 1))));
      });
    }
    // y = (x - m)·s + beta = x·s + (beta - m·s): two passes over x, the rest on [C] vectors
    let s = rsqrt(add(va, p.eps));
    if (w.gamma) s = mul(s, v(w.gamma));
    const shift = w.beta ? sub(v(w.beta), mul(m, s)) : mul(neg(m), s);
    return add(mul(x, s), shift);
  },
});

interface PoolP { size: number[]; strides: number[]; padding: 'SAME' | 'VALID'; first: boolean }
const readPool = (cfg: Config, name: string): PoolP => {
  const size = ints(name, cfg, 'pool_size', 2, 2);
  return { size, strides: cfg.strides === null || cfg.strides === undefined ? size : ints(name, cfg, 'strides', 2), padding: padding(name, cfg) === 'same' ? 'SAME' : 'VALID', first: channelsFirst(name, cfg) };
};
const poolOpts = (p: PoolP) => ({ dataFormat: p.first ? 'NCHW' as const : 'NHWC' as const });
layer<PoolP>('MaxPooling2D', { prepare: readPool, weights: () => [], apply: ([x], _w, p) => maxPool(x, p.size, p.strides, p.padding, poolOpts(p)) });
layer<PoolP>('AveragePooling2D', { prepare: readPool, weights: () => [], apply: ([x], _w, p) => avgPool(x, p.size, p.strides, p.padding, poolOpts(p)) });

interface GlobalP { keep: boolean; first: boolean }
const readGlobal = (cfg: Config, name: string): GlobalP => ({ keep: bool(name, cfg, 'keepdims', false), first: channelsFirst(name, cfg) });
const globalNeed = (x: Tensor, ctx: LayerContext, p: GlobalP) => need(ctx, x.rank === 4, `takes a 4-D ${p.first ? '[N, C, H, W]' : '[N, H, W, C]'} input, got [${x.shape}]`);
const spatial = (p: GlobalP) => (p.first ? [2, 3] : [1, 2]);
layer<GlobalP>('GlobalAveragePooling2D', { prepare: readGlobal, weights: () => [], apply: ([x], _w, p, ctx) => { globalNeed(x, ctx, p); return mean(x, spatial(p), p.keep); } });
layer<GlobalP>('GlobalMaxPooling2D', { prepare: readGlobal, weights: () => [], apply: ([x], _w, p, ctx) => { globalNeed(x, ctx, p); return max(x, spatial(p), p.keep); } });

interface PadP { pads: [number, number][]; first: boolean }
layer<PadP>('ZeroPadding2D', {
  prepare: (cfg, name) => ({ pads: readPads(cfg, name, 'padding'), first: channelsFirst(name, cfg) }),
  weights: () => [],
  apply: ([x], _w, { pads: p, first }, ctx) => {
    need(ctx, x.rank === 4, `ZeroPadding2D takes a 4-D ${first ? '[N, C, H, W]' : '[N, H, W, C]'} input, got [${x.shape}]`);
    const [h, w] = first ? [2, 3] : [1, 2];
    // a hostile config must not ask for a huge tensor: the result is capped as weights are
    const other = x.shape.reduce((a, d, i) => (i === h || i === w ? a : a * d), 1);
    const n = other * (x.shape[h] + p[0][0] + p[0][1]) * (x.shape[w] + p[1][0] + p[1][1]);
    need(ctx, n <= 2 ** 31 - 1, `padding ${JSON.stringify(p)} of an input [${x.shape}] makes ${n} elements, over 2^31 - 1`);
    return pad(x, first ? [[0, 0], [0, 0], p[0], p[1]] : [[0, 0], p[0], p[1], [0, 0]], 0);
  },
});

// Keras Cropping2D: cropping n, [h, w] or [[top, bottom], [left, right]] off the spatial dims
layer<PadP>('Cropping2D', {
  prepare: (cfg, name) => ({ pads: readPads(cfg, name, 'cropping', 0), first: channelsFirst(name, cfg) }),
  weights: () => [],
  apply: ([x], _w, { pads: p, first }, ctx) => {
    const [h, w] = first ? [2, 3] : [1, 2];
    need(ctx, x.rank === 4 && x.shape[h] > p[0][0] + p[0][1] && x.shape[w] > p[1][0] + p[1][1],
      `Cropping2D of ${JSON.stringify(p)} needs a 4-D ${first ? '[N, C, H, W]' : '[N, H, W, C]'} input larger than the cropping, got [${x.shape}]`);
    const begin = [0, 0, 0, 0], size = [...x.shape];
    begin[h] = p[0][0]; size[h] -= p[0][0] + p[0][1];
    begin[w] = p[1][0]; size[w] -= p[1][0] + p[1][1];
    return slice(x, begin, size);
  },
});

// Keras UpSampling2D: nearest repeats each pixel; bilinear is TF.js's (TF 1's legacy rule, src =
// dst · in / out, no half-pixel centers; TF 2 in Python uses half-pixel centers)
interface UpP { size: number[]; bilinear: boolean; first: boolean }
layer<UpP>('UpSampling2D', {
  prepare: (cfg, name) => {
    const i = cfg.interpolation ?? 'nearest';
    if (i !== 'nearest' && i !== 'bilinear') cfgFail(name, `interpolation ${describe(i)} is not supported ('nearest', 'bilinear')`, 'ERR_UNSUPPORTED');
    return { size: ints(name, cfg, 'size', 2, 2), bilinear: i === 'bilinear', first: channelsFirst(name, cfg) };
  },
  weights: () => [],
  apply: ([x], _w, p, ctx) => {
    need(ctx, x.rank === 4, `UpSampling2D takes a 4-D ${p.first ? '[N, C, H, W]' : '[N, H, W, C]'} input, got [${x.shape}]`);
    const t = p.first ? permute(x, [0, 2, 3, 1]) : x;
    const [H, W] = [t.shape[1] * p.size[0], t.shape[2] * p.size[1]];
    need(ctx, t.size * p.size[0] * p.size[1] <= 2 ** 31 - 1, `size [${p.size}] of an input [${x.shape}] makes over 2^31 - 1 elements`);
    const y = resize(t, [H, W], { method: p.bilinear ? 'bilinear' : 'nearest', alignCorners: false, halfPixelCenters: false });
    return p.first ? permute(y, [0, 3, 1, 2]) : y;
  },
});

function readPads(cfg: Config, name: string, key: string, dflt = 1): [number, number][] {
  const v0 = cfg[key] ?? dflt;
  const dense = (a: unknown): unknown => (Array.isArray(a) ? Array.from(a as unknown[], dense) : a);
  const v = dense(v0);
  const ok = (d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0 && (d as number) <= 2 ** 20;
  if (ok(v)) return [[v as number, v as number], [v as number, v as number]];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [[v[0], v[0]], [v[1], v[1]]];
  if (Array.isArray(v) && v.length === 2 && v.every((r) => Array.isArray(r) && r.length === 2 && r.every(ok))) return v as [number, number][];
  return cfgFail(name, `${key} must be n, [h, w] or [[top, bottom], [left, right]] of non-negative integers, got ${describe(v0)}`);
}
