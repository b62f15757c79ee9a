// Convolution modules: Conv1d, Conv2d, ConvTranspose2d (torch.nn's constructor arguments in
// camelCase, torch's parameter names and default initialisation) over lib/ops/conv.ts.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { DType, isFloat } from '../core/dtype';
import { conv1d, conv2d, convTranspose2d } from '../ops/conv';
import { spatialInts, PaddingMode } from '../ops/conv-args';
import { Module, Parameter } from './module';
import * as init from './init';

export interface ConvModuleOptions {
  stride?: number | number[];
  /** number, per-dim numbers, 'valid' or 'same' (stride 1, as torch) */
  padding?: number | number[] | PaddingMode;
  dilation?: number | number[];
  groups?: number;
  /** add a learned bias (default true) */
  bias?: boolean;
  /** 'zeros' only (the padding the kernels read) */
  paddingMode?: 'zeros';
  /** float32 (default) or float64 */
  dtype?: DType;
  /** initializer of weight (as nn.Linear's); default torch's kaimingUniform with a = √5: U(-1/√fanIn, 1/√fanIn) */
  weightInit?: init.Initializer;
  /** initializer of bias; default U(-1/√fanIn, 1/√fanIn) as torch */
  biasInit?: init.Initializer;
}

export interface ConvTransposeModuleOptions extends ConvModuleOptions {
  outputPadding?: number | number[];
}

const KEYS = ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'dtype', 'weightInit', 'biasInit'];

abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | PaddingMode;
  readonly dilation: number[];
  readonly groups: number;
  /** torch keeps it on every convolution: (0, ...) unless transposed */
  readonly outputPadding: number[];
  readonly paddingMode = 'zeros';
  weight: Tensor;
  bias: Tensor | null;

  protected constructor(op: string, sp: number, transposed: boolean, inChannels: number, outChannels: number,
    kernelSize: number | number[], options: ConvTransposeModuleOptions | undefined) {
    super();
    for (const [n, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const)
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(op, `${n} must be a positive integer, got ${describe(v)}`);
    if (options !== undefined && options !== null && (typeof options !== 'object' || Array.isArray(options) || options instanceof Tensor))
      fail(op, `options must be an object, got ${describe(options)}`);
    const o = (options ?? {}) as ConvTransposeModuleOptions;
    const known = transposed ? [...KEYS, 'outputPadding'] : KEYS;
    for (const k of Object.keys(o)) if (!known.includes(k)) fail(op, `unknown option '${k}' (options are ${known.join(', ')})`);
    if (o.bias !== undefined && typeof o.bias !== 'boolean') fail(op, `options.bias must be a boolean, got ${describe(o.bias)}`);
    if (o.paddingMode !== undefined && o.paddingMode !== 'zeros')
      fail(op, `paddingMode ${describe(o.paddingMode)} is not supported (only 'zeros')`);
    const dtype = o.dtype ?? 'float32';
    if (!isFloat(dtype)) fail(op, `dtype must be float32 or float64, got ${describe(dtype)}`, 'ERR_DTYPE');
    const groups = o.groups ?? 1;
    if (typeof groups !== 'number' || !Number.isInteger(groups) || groups < 1) fail(op, `groups must be a positive integer, got ${describe(groups)}`);
    if (inChannels % groups !== 0) fail(op, `groups ${groups} does not divide inChannels ${inChannels}`);
    if (outChannels % groups !== 0) fail(op, `groups ${groups} does not divide outChannels ${outChannels}`);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.groups = groups;
    this.kernelSize = spatialInts(op, 'kernelSize', kernelSize, 1, sp, 1, false);
    this.stride = spatialInts(op, 'stride', o.stride, 1, sp, 1, false);
    this.dilation = spatialInts(op, 'dilation', o.dilation, 1, sp, 1, false);
    if (typeof o.padding === 'string') {
      if (transposed) fail(op, `padding must be a number or numbers for a transposed convolution, got ${describe(o.padding)}`);
      const mode = o.padding.toLowerCase();
      if (mode !== 'same' && mode !== 'valid') fail(op, `padding must be a number, numbers, 'valid' or 'same', got ${describe(o.padding)}`);
      if (mode === 'same' && this.stride.some((s) => s !== 1)) fail(op, `padding='same' is not supported for strided convolutions`);
      this.padding = mode as PaddingMode;
    } else {
      this.padding = spatialInts(op, 'padding', o.padding, 0, sp, 0, false);
    }
    this.outputPadding = spatialInts(op, 'outputPadding', o.outputPadding, 0, sp, 0, false);
    if (this.outputPadding.some((v, i) => v >= this.stride[i] && v >= this.dilation[i]))
      fail(op, `outputPadding ${fmtShape(this.outputPadding)} must be smaller than the stride ${fmtShape(this.stride)} or the dilation ${fmtShape(this.dilation)}`);
    // torch's layouts: [out, in/g, k...], transposed [in, out/g, k...]
    const wShape = transposed ? [inChannels, outChannels / groups, ...this.kernelSize] : [outChannels, inChannels / groups, ...this.kernelSize];
    const fanIn = init.computeFans(wShape)[0];
    const bound = 1 / Math.sqrt(fanIn);
    const weightInit = o.weightInit ?? ((s: number[], dt: DType) => init.kaimingUniform(s, { a: Math.sqrt(5), dtype: dt }));
    const biasInit = o.biasInit ?? ((s: number[], dt: DType) => init.uniform(s, -bound, bound, { dtype: dt }));
    init.initializerOf(op, 'options.biasInit', biasInit);
    this.weight = new Parameter(init.initialize(op, 'options.weightInit', weightInit, wShape, dtype));
    try {
      this.bias = o.bias === false ? null : new Parameter(init.initialize(op, 'options.biasInit', biasInit, [outChannels], dtype));
    } catch (e) {
      this.weight.dispose();
      throw e;
    }
  }

  protected convOptions(): { bias: Tensor | null; stride: number[]; padding: number[] | PaddingMode; dilation: number[]; groups: number } {
    return { bias: this.bias, stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups };
  }
}

/** torch.nn.Conv1d: input [N, inChannels, L], weight [outChannels, inChannels/groups, k], bias [outChannels]. */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options?: ConvModuleOptions) {
    super('Conv1d', 1, false, inChannels, outChannels, kernelSize, options);
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.convOptions());
  }
}

/** torch.nn.Conv2d: input [N, inChannels, H, W], weight [outChannels, inChannels/groups, kh, kw], bias [outChannels]. */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options?: ConvModuleOptions) {
    super('Conv2d', 2, false, inChannels, outChannels, kernelSize, options);
  }
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.convOptions());
  }
}

/** torch.nn.ConvTranspose2d: weight [inChannels, outChannels/groups, kh, kw], bias [outChannels]. */
export class ConvTranspose2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | number[], options?: ConvTransposeModuleOptions) {
    super('ConvTranspose2d', 2, true, inChannels, outChannels, kernelSize, options);
  }
  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, { ...this.convOptions(), outputPadding: this.outputPadding });
  }
}
