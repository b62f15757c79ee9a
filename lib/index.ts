// Public entry point: `const tp = require('tapeflow')` / `import * as tp from 'tapeflow'`.
// Names are listed one by one so internal helpers of the op files stay private. Importing
// each ops file also attaches its Tensor methods.
export { Tensor, isTensor } from './tensor';
export { TapeflowError } from './core/errors';
export type { DType, TypedArray } from './core/dtype';
export { tidy, keep, dispose, memory, emptyCache } from './core/memory';
export type { MemoryInfo } from './core/memory';
export { setNumThreads, getNumThreads, blasInfo } from './core/threads';
export { tensor, zeros, ones, full, fill, zerosLike, onesLike, fullLike, arange, linspace, eye } from './ops/creation';
export type { TensorOptions, DTypeOptions } from './ops/creation';
export { add, sub, mul, div, pow, maximum, minimum, mod, subtract, multiply, divide, floorMod, remainder } from './ops/binary';
export type { TensorLike } from './ops/binary';
export {
  neg, abs, sign, exp, expm1, log, log1p, sqrt, rsqrt, square, reciprocal, sin, cos, tan, tanh, erf, sigmoid, relu,
  leakyRelu, elu, gelu, softplus, floor, ceil, round, clip, clamp, clipByValue, isnan, isfinite,
} from './ops/unary';
export {
  eq, ne, lt, le, gt, ge, equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, logicalXor,
  logicalNot, where,
} from './ops/logical';
export { cast } from './ops/cast';
export {
  sum, mean, prod, max, min, variance, var, std, logsumexp, any, all, argmax, argmin, cumsum, cumprod,
  reduceSum, reduceMean, reduceMax, reduceMin, reduceProd, reduceAny, reduceAll, reduceLogSumExp,
} from './ops/reduce';
export { softmax, logSoftmax } from './ops/softmax';
export { matmul, matMul, mm, bmm, dot, outer } from './ops/matmul';
export { inverse, det, solve, inv, matrixInverse, matrixDeterminant, matrixSolve } from './ops/linalg';
export {
  reshape, view, permute, transpose, slice, stridedSlice, select, squeeze, unsqueeze, expandDims, broadcastTo, expand,
  flatten, contiguous,
} from './ops/views';
export { concat, cat, stack, split, chunk, unstack, tile, repeat, pad, flip } from './ops/join';
export { gather, takeAlongAxis, scatterAdd, oneHot } from './ops/indexing';
export {
  seed, manualSeed, initialSeed, getRngState, setRngState, rand, uniform, randn, truncatedNormal, randint, bernoulli,
  randperm, randomUniform, randomNormal, randLike, randnLike,
} from './ops/random';
export { backward, grads, grad, valueAndGrad, noGrad, enableGrad, detach, gradcheck } from './autograd/grad';
export type { BackwardOptions, GradcheckOptions } from './autograd/grad';
export { isGradEnabled, setGradEnabled } from './autograd/tape';
export { customGrad } from './autograd/custom';
export type { CustomGradResult } from './autograd/custom';
import './ops/inplace';
export { setPrintOptions, getPrintOptions, formatTensor, toHTML } from './format';
export { variable, nameScope } from './nn/module';
export * as nn from './nn';
export * as optim from './optim';
export * as data from './data';
export { cuda } from './core/device';
export type { DeviceLike } from './core/device';
export { to } from './ops/device';
export { relu6, hardSigmoid, hardSwish, silu, swish, mish, logSigmoid, softsign } from './ops/activations';
export { clone, isclose, allclose } from './ops/compare';
export type { IsCloseOptions } from './ops/compare';
export { norm } from './ops/norm';
export type { NormOrd } from './ops/norm';
export { einsum } from './ops/einsum';
export { sort, argsort, topk, topK } from './ops/sort';
export type { SortOptions, TopkOptions, SortResult } from './ops/sort';
export { nonzero, booleanMask, maskedSelect } from './ops/mask';
export type { BooleanMaskOptions, MaskLike } from './ops/mask';
