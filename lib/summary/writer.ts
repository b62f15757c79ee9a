// tp.summary.SummaryWriter: torch.utils.tensorboard.SummaryWriter, camelCase. Each add* call
// builds a Summary (values.ts), wraps it in an Event with step and wall time, and queues it on
// the run's event file (record.ts).
import * as os from 'os';
import * as path from 'path';
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { EventFileWriter } from './record';
import { summaryTypes } from './proto';
import { traceGraph } from './graph';
import { hparamsValues, HParamValue } from './hparams';
import { Bins, SummaryValue, checkTag, imageValue, makeHistogram, scalarOf, scalarValue, textValue, toPixels } from './values';

export interface SummaryWriterOptions {
  /** seconds between automatic flushes (default 120, as torch) */
  flushSecs?: number;
  /** appended to the default run directory name (torch's comment) */
  comment?: string;
  /** appended to event file names */
  filenameSuffix?: string;
}

function checkStep(op: string, step: unknown): number {
  if (step === undefined || step === null) return 0;
  if (typeof step !== 'number' || !Number.isSafeInteger(step)) fail(op, `step must be a whole number, got ${describe(step)}`);
  return step;
}

function checkWalltime(op: string, w: unknown): number {
  if (w === undefined || w === null) return Date.now() / 1000;
  if (typeof w !== 'number' || !Number.isFinite(w)) fail(op, `walltime must be seconds since the epoch, got ${describe(w)}`);
  return w;
}

/** torch's default run directory: runs/<Mon><DD>_<HH>-<MM>-<SS>_<host><comment>. */
function defaultLogdir(comment: string): string {
  const d = new Date();
  const mon = d.toLocaleString('en-US', { month: 'short' });
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return path.join('runs', `${mon}${p2(d.getDate())}_${p2(d.getHours())}-${p2(d.getMinutes())}-${p2(d.getSeconds())}_${os.hostname()}${comment}`);
}

export class SummaryWriter {
  readonly logdir: string;
  private readonly file: EventFileWriter;
  private readonly options: SummaryWriterOptions;
  /** addScalars' writers, one per '<logdir>/<mainTag>_<tag>' run */
  private readonly runs = new Map<string, EventFileWriter>();

  constructor(logdir?: string, options: SummaryWriterOptions = {}) {
    if (options === null || typeof options !== 'object') fail('SummaryWriter', `options must be an object, got ${describe(options)}`);
    const comment = options.comment ?? '';
    if (typeof comment !== 'string') fail('SummaryWriter', `comment must be a string, got ${describe(comment)}`);
    this.logdir = logdir === undefined ? defaultLogdir(comment) : logdir;
    this.options = options;
    this.file = new EventFileWriter(this.logdir, options);
  }

  /** The run directory (torch's get_logdir). */
  getLogdir(): string {
    return this.logdir;
  }

  /** @internal queues an Event on a file: a summary of values, or other Event fields. */
  _write(file: EventFileWriter, step: number, walltime: number, what: Record<string, unknown>): void {
    const { Event } = summaryTypes();
    file.add(Event.encode({ wall_time: walltime, step, ...what }).finish());
  }

  /** @internal */
  _summary(op: string, values: SummaryValue[], step: unknown, walltime: unknown, file = this.file): void {
    this._write(file, checkStep(op, step), checkWalltime(op, walltime), { summary: { value: values } });
  }

  /** A scalar (a number or one-element tensor) at a step: the Scalars dashboard. */
  addScalar(tag: string, value: number | Tensor, step?: number, walltime?: number): void {
    const op = 'addScalar';
    this._summary(op, [scalarValue(checkTag(op, tag), scalarOf(op, 'value', value))], step, walltime);
  }

  /**
   * Several scalars in one chart: as torch, each goes to its own run '<logdir>/<mainTag>_<key>'
   * (slashes of mainTag become '_') under the tag mainTag.
   */
  addScalars(mainTag: string, tagScalarDict: Record<string, number | Tensor>, step?: number, walltime?: number): void {
    const op = 'addScalars';
    checkTag(op, mainTag, 'mainTag');
    if (tagScalarDict === null || typeof tagScalarDict !== 'object' || Array.isArray(tagScalarDict))
      fail(op, `tagScalarDict must be a plain object of numbers, got ${describe(tagScalarDict)}`);
    const s = checkStep(op, step);
    const w = checkWalltime(op, walltime);
    const entries = Object.entries(tagScalarDict).map(([k, v]) => [k, scalarOf(op, `tagScalarDict.${k}`, v)] as const);
    for (const [k, v] of entries) {
      if (/[/\\]|^\.\.?$/.test(k)) fail(op, `key ${describe(k)} of tagScalarDict names a run directory and cannot hold a path separator`);
      const dir = path.join(this.logdir, `${mainTag.replace(/\//g, '_')}_${k}`);
      let fw = this.runs.get(dir);
      if (!fw) {
        fw = new EventFileWriter(dir, this.options);
        this.runs.set(dir, fw);
      }
      this._write(fw, s, w, { summary: { value: [scalarValue(mainTag, v)] } });
    }
  }

  /** A histogram of the tensor's values: bins 'tensorflow' (default: TF's exponential buckets), a count, or edges. */
  addHistogram(tag: string, values: Tensor, step?: number, options: { bins?: Bins; walltime?: number } = {}): void {
    const op = 'addHistogram';
    checkTag(op, tag);
    this._summary(op, [{ tag, histo: makeHistogram(op, values, options.bins ?? 'tensorflow') }], step, options.walltime);
  }

  /** One image (PNG): floats in [0, 1] (× 255, as torch), int32 in 0..255; dataFormats 'CHW' (default), 'HWC', 'HW'. */
  addImage(tag: string, img: Tensor, step?: number, options: { dataFormats?: string; walltime?: number } = {}): void {
    const op = 'addImage';
    checkTag(op, tag);
    this._summary(op, [imageValue(tag, toPixels(op, img, options.dataFormats ?? 'CHW'))], step, options.walltime);
  }

  /** A batch of images as one grid, 8 per row (torch's make_grid); dataFormats 'NCHW' (default) or 'NHWC'. */
  addImages(tag: string, imgs: Tensor, step?: number, options: { dataFormats?: string; walltime?: number } = {}): void {
    const op = 'addImages';
    checkTag(op, tag);
    const fmt = options.dataFormats ?? 'NCHW';
    if (typeof fmt !== 'string' || fmt.length !== 4) fail(op, `dataFormats must be 'NCHW' or 'NHWC', got ${describe(fmt)}`);
    this._summary(op, [imageValue(tag, toPixels(op, imgs, fmt))], step, options.walltime);
  }

  /** Text (markdown in TensorBoard's Text dashboard), under the tag '<tag>/text_summary' as torch's. */
  addText(tag: string, text: string, step?: number, walltime?: number): void {
    const op = 'addText';
    checkTag(op, tag);
    this._summary(op, [textValue(`${tag}/text_summary`, text, op)], step, walltime);
  }

  /** The graph of one forward pass of model on inputToModel (see graph.ts): the Graphs dashboard. */
  addGraph(model: unknown, inputToModel: Tensor | Tensor[]): void {
    const { GraphDef } = summaryTypes();
    const bytes = GraphDef.encode(traceGraph(model, inputToModel)).finish();
    this._write(this.file, 0, Date.now() / 1000, { graph_def: bytes });
  }

  /**
   * Hyperparameters and their final metrics for the HParams dashboard: as torch, written to
   * a run '<logdir>/<runName>' (default: the time in seconds) with each metric as a scalar.
   */
  addHparams(
    hparamDict: Record<string, HParamValue>,
    metricDict: Record<string, number | Tensor>,
    options: { hparamDomainDiscrete?: Record<string, unknown[]>; runName?: string } = {},
  ): void {
    const op = 'addHparams';
    const values = hparamsValues(hparamDict, metricDict, options.hparamDomainDiscrete);
    const metrics = Object.entries(metricDict).map(([k, v]) => [k, scalarOf(op, `metricDict.${k}`, v)] as const);
    const runName = options.runName ?? String(Date.now() / 1000);
    if (typeof runName !== 'string' || runName.length === 0 || /(^|[/\\])\.\.([/\\]|$)/.test(runName))
      fail(op, `runName must be a non-empty relative name, got ${describe(runName)}`);
    const w = new SummaryWriter(path.join(this.logdir, runName), this.options);
    try {
      for (const v of values) w._summary(op, [v], 0, undefined);
      for (const [k, v] of metrics) w.addScalar(k, v);
    } finally {
      w.close();
    }
  }

  /** Writes everything queued to disk. */
  flush(): void {
    this.file.flush();
    for (const fw of this.runs.values()) fw.flush();
  }

  /** Flushes and closes the event files. */
  close(): void {
    let err: unknown = null;
    for (const fw of [this.file, ...this.runs.values()]) {
      try {
        fw.close();
      } catch (e) {
        err ??= e;
      }
    }
    if (err) throw err;
  }

  /** `using w = new tp.summary.SummaryWriter(dir)` closes it at scope end. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal the main event file (tests, tf-style writers) */
  get _file(): EventFileWriter {
    return this.file;
  }
}
