// Public entry point: `const tp = require('tapeflow')` / `import * as tp from 'tapeflow'`.
// Names are listed one by one so internal helpers of the op files stay private. Importing
// each ops file also attaches its Tensor methods.
// The names are copied as constants (`export const { add } = _binary`), not re-exported
// (`export { add } from`): TypeScript compiles a re-export to a getter on the exports object,
// and `tp.add(a, b)` would call that getter on every op (~20 ns of a 450 ns small op).
// classes stay re-exports: they are types too
export { Tensor, isTensor } from './tensor';
export { TapeflowError } from './core/errors';
export type { DType, TypedArray } from './core/dtype';
import * as _memory from './core/memory';
export const { tidy, keep, dispose, memory, emptyCache } = _memory;
export type { MemoryInfo } from './core/memory';
import * as _threads from './core/threads';
export const { setNumThreads, getNumThreads, blasInfo } = _threads;
import * as _creation from './ops/creation';
export const { tensor, zeros, ones, full, fill, zerosLike, onesLike, fullLike, arange, linspace, eye } = _creation;
export type { TensorOptions, DTypeOptions } from './ops/creation';
import * as _binary from './ops/binary';
export const { add, sub, mul, div, pow, maximum, minimum, mod, subtract, multiply, divide, floorMod, remainder } = _binary;
export type { TensorLike } from './ops/binary';
import * as _unary from './ops/unary';
export const {
  neg, abs, sign, exp, expm1, log, log1p, sqrt, rsqrt, square, reciprocal, sin, cos, tan, tanh, erf, sigmoid, relu,
  leakyRelu, elu, gelu, softplus, floor, ceil, round, clip, clamp, clipByValue, isnan, isfinite,
} = _unary;
import * as _logical from './ops/logical';
export const {
  eq, ne, lt, le, gt, ge, equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, logicalXor,
  logicalNot, where,
} = _logical;
import * as _cast from './ops/cast';
export const { cast } = _cast;
import * as _reduce from './ops/reduce';
export const {
  sum, mean, prod, max, min, variance, std, logsumexp, any, all, argmax, argmin, cumsum, cumprod,
  reduceSum, reduceMean, reduceMax, reduceMin, reduceProd, reduceAny, reduceAll, reduceLogSumExp,
} = _reduce;
export { var } from './ops/reduce'; // a reserved word: cannot be a const
import * as _softmax from './ops/softmax';
export const { softmax, logSoftmax } = _softmax;
import * as _matmul from './ops/matmul';
export const { matmul, matMul, mm, bmm, dot, outer } = _matmul;
import * as _linalg from './ops/linalg';
export const { inverse, det, solve, inv, matrixInverse, matrixDeterminant, matrixSolve } = _linalg;
import * as _views from './ops/views';
export const {
  reshape, view, permute, transpose, slice, stridedSlice, select, squeeze, unsqueeze, expandDims, broadcastTo, expand,
  flatten, contiguous,
} = _views;
import * as _join from './ops/join';
export const { concat, cat, stack, split, chunk, unstack, tile, repeat, pad, flip } = _join;
import * as _indexing from './ops/indexing';
export const { gather, takeAlongAxis, scatterAdd, oneHot } = _indexing;
import * as _random from './ops/random';
export const {
  seed, manualSeed, initialSeed, getRngState, setRngState, rand, uniform, randn, truncatedNormal, randint, bernoulli,
  randperm, randomUniform, randomNormal, randLike, randnLike,
} = _random;
import * as _grad from './autograd/grad';
export const { backward, grads, grad, valueAndGrad, noGrad, enableGrad, detach, gradcheck } = _grad;
export type { BackwardOptions, GradcheckOptions } from './autograd/grad';
import * as _tape from './autograd/tape';
export const { isGradEnabled, setGradEnabled } = _tape;
import * as _custom from './autograd/custom';
export const { customGrad } = _custom;
export type { CustomGradResult } from './autograd/custom';
import './ops/inplace';
import * as _format from './format';
export const { setPrintOptions, getPrintOptions, formatTensor, toHTML } = _format;
import * as _module from './nn/module';
export const { variable, nameScope } = _module;
export * as nn from './nn';
export * as optim from './optim';
export * as data from './data';
import * as _device from './core/device';
export const { cuda } = _device;
export type { DeviceLike } from './core/device';
import * as _deviceOps from './ops/device';
export const { to } = _deviceOps;
import * as _activations from './ops/activations';
export const { relu6, hardSigmoid, hardSwish, silu, swish, mish, logSigmoid, softsign } = _activations;
import * as _compare from './ops/compare';
export const { clone, isclose, allclose } = _compare;
export type { IsCloseOptions } from './ops/compare';
import * as _norm from './ops/norm';
export const { norm } = _norm;
export type { NormOrd } from './ops/norm';
import * as _einsum from './ops/einsum';
export const { einsum } = _einsum;
import * as _sort from './ops/sort';
export const { sort, argsort, topk, topK } = _sort;
export type { SortOptions, TopkOptions, SortResult } from './ops/sort';
import * as _mask from './ops/mask';
export const { nonzero, booleanMask, maskedSelect } = _mask;
export type { BooleanMaskOptions, MaskLike } from './ops/mask';
// normalisation (issue 9)
import * as _normalization from './ops/normalization';
export const { batchNorm } = _normalization;
import * as _normalizationRows from './ops/normalization-rows';
export const { layerNorm, groupNorm } = _normalizationRows;
import * as _moments from './ops/moments';
export const { moments } = _moments;
import * as _dropout from './ops/dropout';
export const { dropout, dropout2d } = _dropout;
export type { BatchNormOptions } from './ops/normalization';
export type { LayerNormOptions, GroupNormOptions } from './ops/normalization-rows';
export type { MomentsOptions, MomentsResult } from './ops/moments';
export type { DropoutOptions, Dropout2dOptions } from './ops/dropout';
// issue 9: convolutions
import * as _conv from './ops/conv';
export const { conv1d, conv2d, convTranspose2d } = _conv;
export type { ConvOptions, ConvTransposeOptions, PaddingMode } from './ops/conv';
// issue 9: pooling and resampling (lib/ops/pool.ts, lib/ops/resample.ts)
import * as _pool from './ops/pool';
export const { maxPool2d, avgPool2d, maxPool1d, avgPool1d, adaptiveAvgPool2d, adaptiveMaxPool2d, globalAvgPool2d, maxPool, avgPool } = _pool;
export type { MaxPoolOptions, AvgPoolOptions, AdaptiveMaxPoolOptions, TfPoolOptions, PoolPadding } from './ops/pool';
import * as _resample from './ops/resample';
export const { interpolate, pixelShuffle, pixelUnshuffle } = _resample;
export type { InterpolateOptions } from './ops/resample';
// issue 11: checkpoints (safetensors, crash-safe saves; lib/io, lib/train)
export * as io from './io';
export * as train from './train';
import * as _ioState from './io/state';
export const { save, load } = _ioState;
// issue 11: TensorBoard summaries (lib/summary), notebook display (t.show(), tp.show) and tp.plot
export * as summary from './summary';
import * as _show from './summary/show';
export const { show } = _show;
import * as _plot from './summary/plot';
export const { plot } = _plot;
export type { PlotOptions, PlotData, Figure, LivePlot } from './summary/plot';
// issue 10: embeddings, row-sparse gradients, sampled losses and candidate samplers
import * as _embed from './ops/embed';
export const { embeddingLookup, embedding } = _embed;
export type { EmbeddingOptions } from './ops/embed';
import * as _sampledLoss from './ops/sampled-loss';
export const { nceLoss, sampledSoftmaxLoss } = _sampledLoss;
export type { SampledLossOptions } from './ops/sampled-loss';
import * as _candidates from './ops/candidate-sampler';
export const { logUniformCandidateSampler, uniformCandidateSampler, fixedUnigramCandidateSampler } = _candidates;
export type { CandidateSample, SamplerOptions, UnigramOptions } from './ops/candidate-sampler';
/** tf.random's spellings of the candidate samplers (tp.random.logUniformCandidateSampler, …). */
export const random = { logUniformCandidateSampler, uniformCandidateSampler, fixedUnigramCandidateSampler };
import * as _similarity from './ops/embed-similarity';
export const { cosineSimilarity, normalize } = _similarity;
export { SparseRows, isSparse } from './autograd/sparse';
// issue 12: ONNX model import (lib/onnx): tp.onnx.load(path) → an nn.Module of Parameters
export * as onnx from './onnx';
// issue 12: images (lib/image): tp.image.decode (PNG / JPEG) → [H, W, C], resize, normalize
export * as image from './image';
// issue 12: TF.js layers model import (lib/tfjs): tp.io.loadTfjsModel, tp.tfjs.supportedLayers()
export * as tfjs from './tfjs';
