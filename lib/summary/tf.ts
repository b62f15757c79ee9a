// The tf.summary style: a file writer made the default for a block, and free functions that
// write to the default writer (and return false, writing nothing, when there is none, as TF2's).
//   const w = tp.summary.createFileWriter('runs/a');
//   w.asDefault(() => { tp.summary.scalar('loss', 0.5, { step: 1 }); });
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { SummaryWriter } from './writer';
import { Bins, checkTag, imageValue, makeHistogram, scalarOf, scalarValue, textValue, toPixels } from './values';

export interface FileWriterOptions {
  /** milliseconds between automatic flushes (TF's flush_millis; default 120000) */
  flushMillis?: number;
  filenameSuffix?: string;
}

const defaults: FileWriter[] = [];
let globalDefault: FileWriter | null = null;
let defaultStep: number | null = null;

/** tf.summary.create_file_writer's writer (a SummaryWriter underneath). */
export class FileWriter {
  /** @internal */ readonly _w: SummaryWriter;
  constructor(logdir: string, options: FileWriterOptions = {}) {
    if (options === null || typeof options !== 'object') fail('createFileWriter', `options must be an object, got ${describe(options)}`);
    const ms = options.flushMillis;
    if (ms !== undefined && (typeof ms !== 'number' || !(ms > 0))) fail('createFileWriter', `flushMillis must be a positive number, got ${describe(ms)}`);
    this._w = new SummaryWriter(logdir, { flushSecs: ms === undefined ? 120 : ms / 1000, filenameSuffix: options.filenameSuffix });
  }
  get logdir(): string {
    return this._w.logdir;
  }
  /** Runs fn with this writer as the default (TF's `with writer.as_default():`); returns fn's result. */
  asDefault<T>(fn: () => T): T {
    if (typeof fn !== 'function') fail('FileWriter.asDefault', `expected a function, got ${describe(fn)} (use setAsDefault() to make it the default for good)`);
    defaults.push(this);
    try {
      return fn();
    } finally {
      defaults.pop();
    }
  }
  /** Makes this writer the default outside any asDefault block (TF's set_as_default). */
  setAsDefault(): void {
    globalDefault = this;
  }
  flush(): void {
    this._w.flush();
  }
  close(): void {
    if (globalDefault === this) globalDefault = null;
    this._w.close();
  }
}

export function createFileWriter(logdir: string, options?: FileWriterOptions): FileWriter {
  return new FileWriter(logdir, options);
}

function current(): FileWriter | null {
  return defaults.length ? defaults[defaults.length - 1] : globalDefault;
}

function stepOf(op: string, step: unknown): number {
  const s = step ?? defaultStep;
  if (s === null || s === undefined) fail(op, 'no step: pass { step } or call tp.summary.experimental.setStep(step) first (as tf.summary)');
  if (typeof s !== 'number' || !Number.isSafeInteger(s)) fail(op, `step must be a whole number, got ${describe(s)}`);
  return s;
}

interface StepOptions {
  step?: number;
}

/** tf.summary.scalar: writes to the default writer; false when there is none. */
export function scalar(name: string, data: number | Tensor, options: StepOptions = {}): boolean {
  const op = 'summary.scalar';
  const w = current();
  checkTag(op, name, 'name');
  const v = scalarOf(op, 'data', data);
  if (!w) return false;
  w._w._summary(op, [scalarValue(name, v)], stepOf(op, options.step), undefined);
  return true;
}

/** tf.summary.histogram: buckets is a count of equal-width buckets (default 30, as TF2), edges, or 'tensorflow'. */
export function histogram(name: string, data: Tensor, options: StepOptions & { buckets?: Bins } = {}): boolean {
  const op = 'summary.histogram';
  const w = current();
  checkTag(op, name, 'name');
  const histo = makeHistogram(op, data, options.buckets ?? 30);
  if (!w) return false;
  w._w._summary(op, [{ tag: name, histo }], stepOf(op, options.step), undefined);
  return true;
}

/** tf.summary.image: data [k, h, w, c] (NHWC), the first maxOutputs (default 3) images, tags 'name/0', 'name/1'… ('name' for one). */
export function image(name: string, data: Tensor, options: StepOptions & { maxOutputs?: number } = {}): boolean {
  const op = 'summary.image';
  const w = current();
  checkTag(op, name, 'name');
  if (!(data instanceof Tensor) || data.ndim !== 4) fail(op, `data must be a [k, h, w, c] tensor, got ${describe(data)}`, 'ERR_SHAPE');
  const max = options.maxOutputs ?? 3;
  if (!Number.isSafeInteger(max) || max < 1) fail(op, `maxOutputs must be a whole number >= 1, got ${describe(max)}`);
  const k = Math.min(data.shape[0], max);
  const values = [];
  for (let i = 0; i < k; i++) {
    const one = data.select(0, i);
    try {
      values.push(imageValue(k === 1 ? name : `${name}/${i}`, toPixels(op, one, 'HWC')));
    } finally {
      one.dispose();
    }
  }
  if (!w) return false;
  w._w._summary(op, values, stepOf(op, options.step), undefined);
  return true;
}

/** tf.summary.text. */
export function text(name: string, data: string, options: StepOptions = {}): boolean {
  const op = 'summary.text';
  const w = current();
  checkTag(op, name, 'name');
  const v = textValue(name, data, op);
  if (!w) return false;
  w._w._summary(op, [v], stepOf(op, options.step), undefined);
  return true;
}

/** Flushes the given writer, or the default one. */
export function flush(writer?: FileWriter): void {
  (writer ?? current())?.flush();
}

/** tf.summary.experimental.{setStep, getStep}: the step used when a call passes none. */
export const experimental = {
  setStep(step: number | null): void {
    if (step !== null && (typeof step !== 'number' || !Number.isSafeInteger(step))) fail('summary.experimental.setStep', `step must be a whole number or null, got ${describe(step)}`);
    defaultStep = step;
  },
  getStep(): number | null {
    return defaultStep;
  },
};
