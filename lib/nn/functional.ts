// tp.nn.functional (also tp.nn.F): losses built from tapeflow ops, so they are
// differentiable (gradients of gradients too). `reduction`: 'none' (per element /
// per example), 'mean' or 'sum'. When nothing records (noGrad, or no input requires grad)
// the intermediates are freed at once; otherwise they stay on the tape for backward.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { isFloat } from '../core/dtype';
import { tidy } from '../core/memory';
import { needsGradList, record, tape } from '../autograd/tape';
import { softmaxCrossEntropyRows } from '../ops/loss';
import { softmax } from '../ops/softmax';
import { oneHot } from '../ops/indexing';
import { reshape } from '../ops/views';
import { add, sub, mul, div, minimum } from '../ops/binary';
import { abs, exp, log1p, neg, relu, square } from '../ops/unary';
import { sum, mean, min, max } from '../ops/reduce';
import { logSoftmax } from '../ops/softmax';
import { takeAlongAxis } from '../ops/indexing';
import { ne, where } from '../ops/logical';
import { cast } from '../ops/cast';
import { unsqueeze, squeeze } from '../ops/views';

export type Reduction = 'none' | 'mean' | 'sum';
export interface ReductionOptions {
  reduction?: Reduction;
}
export interface ClassLossOptions extends ReductionOptions {
  /**
   * Examples whose label equals it are skipped: loss 0, no gradient, and 'mean' divides by
   * the number of the others (torch's ignore_index; default -100, as torch).
   */
  ignoreIndex?: number;
}

function ignoreIndexOf(op: string, options: ClassLossOptions | undefined): number {
  const v = options?.ignoreIndex ?? -100;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647)
    fail(op, `ignoreIndex must be an int32 integer, got ${describe(v)}`);
  return v;
}

function tensorArg(op: string, x: unknown, arg: string): Tensor {
  if (!(x instanceof Tensor)) fail(op, `${arg} must be a Tensor, got ${describe(x)}`);
  return (x as Tensor)._live(op);
}
function floatArg(op: string, x: unknown, arg: string): Tensor {
  const t = tensorArg(op, x, arg);
  if (!isFloat(t.dtype)) fail(op, `${arg} must be float32 or float64, got ${t.dtype}`, 'ERR_DTYPE');
  return t;
}
function sameShape(op: string, a: Tensor, b: Tensor, an: string, bn: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
    fail(op, `${bn} must have the shape of ${an}: ${an} ${fmtShape(a.shape)}, ${bn} ${fmtShape(b.shape)}`, 'ERR_SHAPE');
}
function reductionOf(op: string, options: ReductionOptions | undefined, dflt: Reduction): Reduction {
  if (options !== undefined && (options === null || typeof options !== 'object' || options instanceof Tensor))
    fail(op, `options must be an object, got ${describe(options)}`);
  const r = options?.reduction ?? dflt;
  if (r !== 'none' && r !== 'mean' && r !== 'sum') fail(op, `reduction must be 'none', 'mean' or 'sum', got ${describe(r)}`);
  return r;
}
function reduce(x: Tensor, r: Reduction): Tensor {
  return r === 'none' ? x : r === 'sum' ? sum(x) : mean(x);
}
/** Runs fn inside tidy when nothing records (frees the temporaries), else plainly. */
function compute(inputs: Tensor[], fn: () => Tensor): Tensor {
  return needsGradList(inputs) ? fn() : tidy(fn);
}

/** Class axis and label checks shared by crossEntropy and nllLoss. */
function checkLabels(op: string, scores: Tensor, labels: unknown, ignore: number): { axis: number; labels: Tensor } {
  const l = tensorArg(op, labels, 'labels');
  if (l.dtype !== 'int32') fail(op, `labels must be an int32 tensor of class indices, got ${l.dtype}`, 'ERR_DTYPE');
  if (scores.rank === 0) fail(op, 'input must have a class dim: expected [C], [N, C] or [N, C, d1, ...], got a 0-d tensor', 'ERR_SHAPE');
  const axis = scores.rank === 1 ? 0 : 1;
  const expected = scores.shape.filter((_, i) => i !== axis);
  if (l.shape.length !== expected.length || l.shape.some((d, i) => d !== expected[i]))
    fail(op, `labels must have shape ${fmtShape(expected)} for input ${fmtShape(scores.shape)} (class dim ${axis}), got ${fmtShape(l.shape)}`, 'ERR_SHAPE');
  const c = scores.shape[axis];
  if (l.size > 0) {
    // ignored labels take a valid stand-in (0) for the range check
    const checked = tidy(() => where(ne(l, ignore), l, 0));
    const lo = min(checked);
    const hi = max(checked);
    checked.dispose();
    const a = lo.item();
    const b = hi.item();
    lo.dispose();
    hi.dispose();
    if (a < 0 || b >= c)
      fail(op, `labels must be class indices in [0, ${c}) or ignoreIndex (${ignore}), got values in [${a}, ${b}]`, 'ERR_OUT_OF_BOUNDS');
  }
  return { axis, labels: l };
}

function pickNegative(logProbs: Tensor, labels: Tensor, axis: number): Tensor {
  const idx = unsqueeze(labels, axis);
  return neg(squeeze(takeAlongAxis(logProbs, idx, axis), axis));
}

/** -logProbs[label] reduced, skipping labels equal to `ignore` (torch's nll_loss with ignore_index). */
function classLoss(logProbs: Tensor, labels: Tensor, axis: number, ignore: number, r: Reduction): Tensor {
  const keep = ne(labels, ignore);
  // where, not a 0/1 product: an ignored row's loss is 0 even when it is NaN, as torch's
  const per = where(keep, pickNegative(logProbs, where(keep, labels, 0), axis), 0);
  if (r === 'none') return per;
  if (r === 'sum') return sum(per);
  return div(sum(per), sum(cast(keep, logProbs.dtype)));
}

/**
 * -logProbs[label] per example (torch.nn.functional.nll_loss). logProbs [C], [N, C] or
 * [N, C, d1, ...] (class dim 1); labels int32 of the other dims. Default reduction 'mean'.
 */
export function nllLoss(logProbs: Tensor, labels: Tensor, options?: ClassLossOptions): Tensor {
  const op = 'nllLoss';
  const x = floatArg(op, logProbs, 'logProbs');
  const r = reductionOf(op, options, 'mean');
  const ignore = ignoreIndexOf(op, options);
  const { axis, labels: l } = checkLabels(op, x, labels, ignore);
  return compute([x], () => classLoss(x, l, axis, ignore, r));
}

/**
 * torch.nn.functional.cross_entropy with class indices: nllLoss(logSoftmax(logits, classDim),
 * labels) (stable: log-softmax subtracts the max). logits [C], [N, C] or [N, C, d1, ...];
 * labels int32. Default reduction 'mean'. For one-hot / probability labels see
 * softmaxCrossEntropyWithLogits.
 */
export function crossEntropy(logits: Tensor, labels: Tensor, options?: ClassLossOptions): Tensor {
  const op = 'crossEntropy';
  const x = floatArg(op, logits, 'logits');
  const r = reductionOf(op, options, 'mean');
  const ignore = ignoreIndexOf(op, options);
  // [C] and [N, C] logits (the class dim last) take one fused native pass each way,
  // which also checks the labels; [N, C, d1, ...] goes through logSoftmax + gather
  if (x.rank === 1 || x.rank === 2) {
    const { perExample, kept } = softmaxCrossEntropyRows(op, x, tensorArg(op, labels, 'labels'), ignore);
    if (r === 'none') {
      kept.dispose();
      return perExample;
    }
    const total = sum(perExample);
    // 'mean' divides by the examples not ignored (a constant), as torch's
    const out = r === 'sum' ? total : div(total, kept);
    if (out !== total && total._node === null) total.dispose();
    if (perExample._node === null) perExample.dispose(); // not on a tape: plain temporaries
    if (out._node === null || out === total) kept.dispose(); // else div's backward reads it
    return out;
  }
  const { axis, labels: l } = checkLabels(op, x, labels, ignore);
  return compute([x], () => classLoss(logSoftmax(x, axis), l, axis, ignore, r));
}

export interface SoftmaxCrossEntropyOptions extends ReductionOptions {
  /** class axis (default -1) */
  axis?: number;
}

/**
 * tf.nn.softmax_cross_entropy_with_logits: -sum(labels * logSoftmax(logits), axis) per
 * example, with dense (one-hot or probability) float labels of the logits' shape.
 * Default reduction 'none' (per example, as tf); differentiable in both arguments.
 */
export function softmaxCrossEntropyWithLogits(logits: Tensor, labels: Tensor, options?: SoftmaxCrossEntropyOptions): Tensor {
  const op = 'softmaxCrossEntropyWithLogits';
  const x = floatArg(op, logits, 'logits');
  const y = floatArg(op, labels, 'labels');
  sameShape(op, x, y, 'logits', 'labels');
  if (x.rank === 0) fail(op, 'logits must have a class axis, got a 0-d tensor', 'ERR_SHAPE');
  const r = reductionOf(op, options, 'none');
  const axis = options?.axis ?? -1;
  if (!Number.isInteger(axis) || axis < -x.rank || axis >= x.rank) fail(op, `axis ${describe(axis)} is out of range for rank ${x.rank}`, 'ERR_AXIS');
  return compute([x, y], () => reduce(neg(sum(mul(y, logSoftmax(x, axis)), axis)), r));
}

/**
 * Binary cross entropy on logits (torch binary_cross_entropy_with_logits,
 * tf.nn.sigmoid_cross_entropy_with_logits), in the stable form
 * max(x, 0) - x * t + log1p(exp(-|x|)). targets: floats in [0, 1] of the logits' shape.
 * Default reduction 'mean'.
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, options?: ReductionOptions): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const x = floatArg(op, logits, 'logits');
  const t = floatArg(op, targets, 'targets');
  sameShape(op, x, t, 'logits', 'targets');
  const r = reductionOf(op, options, 'mean');
  return compute([x, t], () => reduce(add(sub(relu(x), mul(x, t)), log1p(exp(neg(abs(x))))), r));
}

function pairArgs(op: string, input: Tensor, target: Tensor): [Tensor, Tensor] {
  const a = floatArg(op, input, 'input');
  const b = floatArg(op, target, 'target');
  sameShape(op, a, b, 'input', 'target');
  return [a, b];
}

/** Mean squared error (x - y)² (torch mse_loss). Default reduction 'mean'. */
export function mseLoss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const op = 'mseLoss';
  const [a, b] = pairArgs(op, input, target);
  const r = reductionOf(op, options, 'mean');
  return compute([a, b], () => reduce(square(sub(a, b)), r));
}

/** Mean absolute error |x - y| (torch l1_loss). Default reduction 'mean'. */
export function l1Loss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  const op = 'l1Loss';
  const [a, b] = pairArgs(op, input, target);
  const r = reductionOf(op, options, 'mean');
  return compute([a, b], () => reduce(abs(sub(a, b)), r));
}

export interface HuberOptions extends ReductionOptions {
  /** where the loss turns from quadratic to linear (default 1; > 0) */
  delta?: number;
}

/**
 * Huber loss (torch huber_loss, tf.keras Huber): with d = |x - y|, 0.5 d² where d <= delta,
 * else delta (d - 0.5 delta); computed as 0.5 q² + delta (d - q) with q = min(d, delta).
 * Default reduction 'mean'.
 */
export function huberLoss(input: Tensor, target: Tensor, options?: HuberOptions): Tensor {
  const op = 'huberLoss';
  const [a, b] = pairArgs(op, input, target);
  const r = reductionOf(op, options, 'mean');
  const delta = options?.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) fail(op, `delta must be a positive finite number, got ${describe(delta)}`);
  return compute([a, b], () => {
    const d = abs(sub(a, b));
    const q = minimum(d, delta);
    return reduce(add(mul(square(q), 0.5), mul(sub(d, q), delta)), r);
  });
}

/**
 * tf.nn.l2_loss: sum(w²) / 2, a 0-d tensor (weight decay terms). The seeds' form
 * tf.reduce_sum(tf.square(w)) is twice this: tp.sum(tp.square(w)).
 */
export function l2Loss(w: Tensor): Tensor {
  const op = 'l2Loss';
  const x = floatArg(op, w, 'w');
  return compute([x], () => mul(sum(square(x)), 0.5));
}

// Activations, for torch code written as F.relu(x) / F.silu(x) (torch's lowercase spellings too).
export { relu, sigmoid, tanh, gelu, elu, softplus, leakyRelu } from '../ops/unary';
export { softmax, logSoftmax } from '../ops/softmax';
export { relu6, hardSigmoid, hardSwish, silu, swish, mish, logSigmoid, softsign } from '../ops/activations';
export { hardSigmoid as hardsigmoid, hardSwish as hardswish, logSigmoid as logsigmoid } from '../ops/activations';
// normalisation (issue 9)
export { batchNorm } from '../ops/normalization';
export { layerNorm, groupNorm } from '../ops/normalization-rows';
export { moments } from '../ops/moments';
export { dropout, dropout2d } from '../ops/dropout';
export type { BatchNormOptions } from '../ops/normalization';
export type { LayerNormOptions, GroupNormOptions } from '../ops/normalization-rows';
export type { MomentsOptions, MomentsResult } from '../ops/moments';
export type { DropoutOptions, Dropout2dOptions } from '../ops/dropout';
// issue 9: convolutions
export { conv1d, conv2d, convTranspose2d } from '../ops/conv';
export type { ConvOptions, ConvTransposeOptions } from '../ops/conv';

// issue 9: pooling and resampling
export {
  maxPool2d, avgPool2d, maxPool1d, avgPool1d, adaptiveAvgPool2d, adaptiveMaxPool2d, globalAvgPool2d, maxPool, avgPool,
} from '../ops/pool';
export { interpolate, pixelShuffle, pixelUnshuffle } from '../ops/resample';

// issue 10: embeddings, sampled losses, similarities
export { embedding } from '../ops/embed';
export type { EmbeddingOptions } from '../ops/embed';
export { nceLoss, sampledSoftmaxLoss } from '../ops/sampled-loss';
export type { SampledLossOptions } from '../ops/sampled-loss';
export { cosineSimilarity, normalize } from '../ops/embed-similarity';
