// Pooling and resampling modules (torch.nn.MaxPool2d, AvgPool2d, ... Upsample, PixelShuffle):
// each holds its options and calls the functional op (lib/ops/pool.ts, lib/ops/resample.ts).
// Options are checked when the module is built, on a small dummy geometry's rules, so a bad
// kernel size fails at construction as in torch, not at the first batch.
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import {
  maxPool2d, avgPool2d, maxPool1d, avgPool1d, adaptiveAvgPool2d, adaptiveMaxPool2d, MaxPoolOptions, AvgPoolOptions,
} from '../ops/pool';
import { interpolate, pixelShuffle, pixelUnshuffle, InterpolateOptions } from '../ops/resample';
import { windowArgs, optionsOf, boolOpt, MAX_OPTS, AVG_OPTS, AVG1D_OPTS, INTERP_OPTS } from '../ops/pool-args';
import { Module } from './module';

type Size = number | number[];
type OutSize = number | (number | null)[];

function checkWindow(op: string, kernelSize: unknown, o: object | undefined, n: number, known: readonly string[]): void {
  windowArgs(op, kernelSize, optionsOf(op, o, known) as Record<string, unknown>, n);
}

function checkOutSize(op: string, s: unknown): void {
  const arr = typeof s === 'number' ? [s, s] : s;
  if (!Array.isArray(arr) || arr.length !== 2 || arr.some((d) => d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d < 1)))
    fail(op, `outputSize must be a positive integer or [h, w] of positive integers (or null), got ${describe(s)}`);
}

/** torch.nn.MaxPool2d; forward gives [output, indices] when built with returnIndices. */
export class MaxPool2d extends Module<[Tensor], Tensor | [Tensor, Tensor]> {
  constructor(readonly kernelSize: Size, readonly options: MaxPoolOptions = {}) {
    super();
    checkWindow('MaxPool2d', kernelSize, options, 2, MAX_OPTS);
    boolOpt('MaxPool2d', 'returnIndices', options.returnIndices, false);
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return maxPool2d(x, this.kernelSize, this.options);
  }
}

/** torch.nn.AvgPool2d. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Size, readonly options: AvgPoolOptions = {}) {
    super();
    checkWindow('AvgPool2d', kernelSize, options, 2, AVG_OPTS);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}

/** torch.nn.MaxPool1d over [N, C, L] / [C, L]. */
export class MaxPool1d extends Module<[Tensor], Tensor | [Tensor, Tensor]> {
  constructor(readonly kernelSize: Size, readonly options: MaxPoolOptions = {}) {
    super();
    checkWindow('MaxPool1d', kernelSize, options, 1, MAX_OPTS);
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return maxPool1d(x, this.kernelSize, this.options);
  }
}

/** torch.nn.AvgPool1d over [N, C, L] / [C, L]. */
export class AvgPool1d extends Module {
  constructor(readonly kernelSize: Size, readonly options: Omit<AvgPoolOptions, 'divisorOverride'> = {}) {
    super();
    checkWindow('AvgPool1d', kernelSize, options, 1, AVG1D_OPTS);
  }
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.options);
  }
}

/** torch.nn.AdaptiveAvgPool2d(outputSize). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: OutSize) {
    super();
    checkOutSize('AdaptiveAvgPool2d', outputSize);
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** torch.nn.AdaptiveMaxPool2d(outputSize, { returnIndices }). */
export class AdaptiveMaxPool2d extends Module<[Tensor], Tensor | [Tensor, Tensor]> {
  constructor(readonly outputSize: OutSize, readonly options: { returnIndices?: boolean } = {}) {
    super();
    checkOutSize('AdaptiveMaxPool2d', outputSize);
  }
  forward(x: Tensor): Tensor | [Tensor, Tensor] {
    return adaptiveMaxPool2d(x, this.outputSize, this.options);
  }
}

/** torch.nn.Upsample({ size | scaleFactor, mode = 'nearest', alignCorners }). */
export class Upsample extends Module {
  readonly options: InterpolateOptions;
  constructor(options: InterpolateOptions) {
    super();
    const o = optionsOf('Upsample', options, INTERP_OPTS);
    if ((o.size === undefined) === (o.scaleFactor === undefined)) fail('Upsample', 'give exactly one of size and scaleFactor');
    this.options = { ...o };
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }
}

/** torch.nn.PixelShuffle(upscaleFactor). */
export class PixelShuffle extends Module {
  constructor(readonly upscaleFactor: number) {
    super();
    if (!Number.isInteger(upscaleFactor) || upscaleFactor < 1) fail('PixelShuffle', `upscaleFactor must be a positive integer, got ${describe(upscaleFactor)}`);
  }
  forward(x: Tensor): Tensor {
    return pixelShuffle(x, this.upscaleFactor);
  }
}

/** torch.nn.PixelUnshuffle(downscaleFactor). */
export class PixelUnshuffle extends Module {
  constructor(readonly downscaleFactor: number) {
    super();
    if (!Number.isInteger(downscaleFactor) || downscaleFactor < 1) fail('PixelUnshuffle', `downscaleFactor must be a positive integer, got ${describe(downscaleFactor)}`);
  }
  forward(x: Tensor): Tensor {
    return pixelUnshuffle(x, this.downscaleFactor);
  }
}
