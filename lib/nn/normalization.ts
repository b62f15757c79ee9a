// Normalisation modules (torch.nn.BatchNorm1d/2d, LayerNorm, GroupNorm) and Dropout2d, with
// torch's constructor arguments, parameter and buffer names and initialisation, so a torch
// state dict loads one-to-one. num_batches_tracked is an int32 0-d tensor (tapeflow has no
// int64). Batch norm and dropout follow this.training (train() / eval()).
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { DType, isFloat } from '../core/dtype';
import { zeros, ones, tensor } from '../ops/creation';
import { batchNorm } from '../ops/normalization';
import { layerNorm, groupNorm } from '../ops/normalization-rows';
import { dropout2d } from '../ops/dropout';
import { Module, Parameter } from './module';

function input(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) fail(op, `input must be a Tensor, got ${describe(x)}`);
  return (x as Tensor)._live(op);
}
function options<T extends object>(op: string, o: unknown, known: readonly string[]): Partial<T> {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o) || o instanceof Tensor) fail(op, `options must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o as object)) if (!known.includes(k)) fail(op, `unknown option '${k}' (options are ${known.join(', ')})`);
  return o as Partial<T>;
}
function count(op: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(op, `${name} must be an integer >= ${min}, got ${describe(v)}`);
  return v as number;
}
function flag(op: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') fail(op, `${name} must be a boolean, got ${describe(v)}`);
  return v as boolean;
}
function epsOpt(op: string, v: unknown): number {
  if (v === undefined) return 1e-5;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(op, `eps must be a finite number >= 0, got ${describe(v)}`);
  return v as number;
}
function dtypeOpt(op: string, v: unknown): DType {
  const d = (v ?? 'float32') as DType;
  if (!isFloat(d)) fail(op, `dtype must be float32 or float64, got ${describe(v)}`, 'ERR_DTYPE');
  return d;
}

export interface BatchNormModuleOptions {
  eps?: number;
  /** running-average factor (default 0.1); null: a cumulative average (1 / num_batches_tracked) */
  momentum?: number | null;
  /** learn weight (ones) and bias (zeros) (default true) */
  affine?: boolean;
  /** keep running_mean / running_var / num_batches_tracked (default true) */
  trackRunningStats?: boolean;
  dtype?: DType;
}

/** torch.nn.BatchNorm1d/2d's shared body (torch's _BatchNorm). */
class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  weight: Tensor | null = null;
  bias: Tensor | null = null;
  running_mean: Tensor | null = null;
  running_var: Tensor | null = null;
  num_batches_tracked: Tensor | null = null;

  constructor(op: string, numFeatures: number, opts?: BatchNormModuleOptions) {
    super();
    const o = options<BatchNormModuleOptions>(op, opts, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype']);
    this.numFeatures = count(op, 'numFeatures', numFeatures, 0);
    this.eps = epsOpt(op, o.eps);
    const m = o.momentum === undefined ? 0.1 : o.momentum;
    if (m !== null && (typeof m !== 'number' || !(m >= 0 && m <= 1))) fail(op, `momentum must be a number in [0, 1] or null, got ${describe(m)}`);
    this.momentum = m;
    this.affine = flag(op, 'affine', o.affine, true);
    this.trackRunningStats = flag(op, 'trackRunningStats', o.trackRunningStats, true);
    const dtype = dtypeOpt(op, o.dtype);
    if (this.affine) {
      this.weight = new Parameter(ones([numFeatures], { dtype }));
      this.bias = new Parameter(zeros([numFeatures], { dtype }));
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
      this.registerBuffer('running_var', ones([numFeatures], { dtype }));
      this.registerBuffer('num_batches_tracked', tensor(0, { dtype: 'int32' }));
    }
  }

  protected checkInput(op: string, x: Tensor): void {
    void op;
    void x;
  }

  forward(x: Tensor): Tensor {
    const op = `${this.constructor.name}.forward`;
    input(op, x);
    this.checkInput(op, x);
    if (x.shape[1] !== this.numFeatures)
      fail(op, `expected ${this.numFeatures} channels (dim 1), got input of shape ${fmtShape(x.shape)}`, 'ERR_SHAPE');
    let factor = this.momentum ?? 0;
    const counter = this.training && this.trackRunningStats ? this.num_batches_tracked : null;
    const n = counter === null ? 0 : (counter.item() as number) + 1;
    if (counter !== null && this.momentum === null) factor = 1 / n;
    // torch: batch statistics in training, or whenever there are no running statistics
    const useBatch = this.training || this.running_mean === null;
    const useRunning = !this.training || this.trackRunningStats;
    const y = batchNorm(x, useRunning ? this.running_mean : null, useRunning ? this.running_var : null, {
      weight: this.weight, bias: this.bias, training: useBatch, momentum: factor, eps: this.eps,
    });
    // counted once the step went through (torch counts before; a refused batch leaves no trace here)
    if (counter !== null) counter.fill_(n);
    return y;
  }
}

/** torch.nn.BatchNorm1d: input [N, C] or [N, C, L], normalised per channel C. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options?: BatchNormModuleOptions) {
    super('BatchNorm1d', numFeatures, options);
  }
  protected checkInput(op: string, x: Tensor): void {
    if (x.rank !== 2 && x.rank !== 3) fail(op, `expected 2-D or 3-D input (got ${x.rank}-D input of shape ${fmtShape(x.shape)})`, 'ERR_SHAPE');
  }
}

/** torch.nn.BatchNorm2d: input [N, C, H, W], normalised per channel C. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options?: BatchNormModuleOptions) {
    super('BatchNorm2d', numFeatures, options);
  }
  protected checkInput(op: string, x: Tensor): void {
    if (x.rank !== 4) fail(op, `expected 4-D input (got ${x.rank}-D input of shape ${fmtShape(x.shape)})`, 'ERR_SHAPE');
  }
}

export interface LayerNormModuleOptions {
  eps?: number;
  /** learn weight (ones) and bias (zeros) of normalizedShape (default true) */
  elementwiseAffine?: boolean;
  dtype?: DType;
}

/** torch.nn.LayerNorm: normalises the last dims (normalizedShape) of its input. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Tensor | null = null;
  bias: Tensor | null = null;
  constructor(normalizedShape: number | number[], opts?: LayerNormModuleOptions) {
    super();
    const op = 'LayerNorm';
    const o = options<LayerNormModuleOptions>(op, opts, ['eps', 'elementwiseAffine', 'dtype']);
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(ns) || ns.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0))
      fail(op, `normalizedShape must be a non-negative integer or an array of them, got ${describe(normalizedShape)}`);
    this.normalizedShape = ns.slice();
    this.eps = epsOpt(op, o.eps);
    this.elementwiseAffine = flag(op, 'elementwiseAffine', o.elementwiseAffine, true);
    const dtype = dtypeOpt(op, o.dtype);
    if (this.elementwiseAffine) {
      this.weight = new Parameter(ones(ns.slice(), { dtype }));
      this.bias = new Parameter(zeros(ns.slice(), { dtype }));
    }
  }
  forward(x: Tensor): Tensor {
    return layerNorm(input('LayerNorm.forward', x), this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}

export interface GroupNormModuleOptions {
  eps?: number;
  /** learn per-channel weight (ones) and bias (zeros) (default true) */
  affine?: boolean;
  dtype?: DType;
}

/** torch.nn.GroupNorm: input [N, C, *], its C channels normalised in numGroups groups. */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  weight: Tensor | null = null;
  bias: Tensor | null = null;
  constructor(numGroups: number, numChannels: number, opts?: GroupNormModuleOptions) {
    super();
    const op = 'GroupNorm';
    const o = options<GroupNormModuleOptions>(op, opts, ['eps', 'affine', 'dtype']);
    this.numGroups = count(op, 'numGroups', numGroups);
    this.numChannels = count(op, 'numChannels', numChannels, 0);
    if (numChannels % numGroups !== 0) fail(op, `numChannels ${numChannels} must be divisible by numGroups ${numGroups}`);
    this.eps = epsOpt(op, o.eps);
    this.affine = flag(op, 'affine', o.affine, true);
    const dtype = dtypeOpt(op, o.dtype);
    if (this.affine) {
      this.weight = new Parameter(ones([numChannels], { dtype }));
      this.bias = new Parameter(zeros([numChannels], { dtype }));
    }
  }
  forward(x: Tensor): Tensor {
    const op = 'GroupNorm.forward';
    input(op, x);
    if (x.rank < 2 || x.shape[1] !== this.numChannels)
      fail(op, `expected input [N, ${this.numChannels}, *], got shape ${fmtShape(x.shape)}`, 'ERR_SHAPE');
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }
}

/** torch.nn.Dropout2d: in training zeroes whole channels with probability p, scaling the rest by 1 / (1 - p). */
export class Dropout2d extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail('Dropout2d', `p must be a probability in [0, 1], got ${describe(p)}`);
    this.p = p;
  }
  forward(x: Tensor): Tensor {
    return dropout2d(input('Dropout2d.forward', x), { p: this.p, training: this.training });
  }
}
