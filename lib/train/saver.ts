// tp.train.Saver (tf.train.Saver): save(path, { globalStep }) writes `<path>-<step>.safetensors`,
// keeps the newest maxToKeep in that directory's checkpoint.json, restore(path) loads one back.
// A thin front over CheckpointManager, which does the atomic writing and pruning.
import * as path from 'path';
import { fail, describe } from '../core/errors';
import { CheckpointParts, RestoredCheckpoint, checkParts, readCheckpoint } from './format';
import { CheckpointManager } from './manager';

export interface SaverOptions extends CheckpointParts {
  /** default 5; null or Infinity keeps all */
  maxToKeep?: number | null;
}

export interface SaverSaveOptions {
  /** appended to the file name (`model-1000.safetensors`) and stored as the step */
  globalStep?: number;
  /** any JSON value, returned by restore() */
  metadata?: unknown;
}

export class Saver {
  private readonly _options: SaverOptions;
  private readonly _managers = new Map<string, CheckpointManager>();

  constructor(options: SaverOptions) {
    if (options === null || typeof options !== 'object') fail('Saver', `options must be an object { model, optimizer, maxToKeep }, got ${describe(options)}`);
    checkParts('Saver', options);
    this._options = { ...options };
  }

  /** Writes a checkpoint at `savePath` (a path prefix: `runs/model`), returns the file written. */
  save(savePath: string, options?: SaverSaveOptions): string {
    const op = 'Saver.save';
    if (typeof savePath !== 'string' || savePath.length === 0) fail(op, `savePath must be a non-empty string, got ${describe(savePath)}`);
    if (options !== undefined && (options === null || typeof options !== 'object')) fail(op, `options must be an object, got ${describe(options)}`);
    const step = options?.globalStep;
    if (step !== undefined && (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0))
      fail(op, `globalStep must be a non-negative integer, got ${describe(step)}`);
    const dir = path.dirname(savePath);
    const base = path.basename(savePath).replace(/\.safetensors$/, '');
    if (base.length === 0 || base.startsWith('.')) fail(op, `savePath must end in a file name, got ${JSON.stringify(savePath)}`);
    const key = `${dir}\0${base}`;
    let m = this._managers.get(key);
    if (!m) {
      m = new CheckpointManager(dir, { ...this._options, prefix: base });
      this._managers.set(key, m);
    }
    const name = step === undefined ? `${base}.safetensors` : `${base}-${step}.safetensors`;
    return m._saveAs(op, name, step ?? null, options?.metadata);
  }

  /** Loads a checkpoint written by save() (or a CheckpointManager) into the model and optimizer. */
  restore(savePath: string): RestoredCheckpoint {
    if (typeof savePath !== 'string' || savePath.length === 0) fail('Saver.restore', `savePath must be a non-empty string, got ${describe(savePath)}`);
    return readCheckpoint('Saver.restore', savePath, this._options);
  }
}
