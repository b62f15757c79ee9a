// tp.train.CheckpointManager (tf.train.CheckpointManager): numbered checkpoints in a directory,
// the newest maxToKeep kept, and an index file (checkpoint.json, TF's `checkpoint`) naming them.
// Crash safety comes from ordering: the new checkpoint file is written atomically first, then
// the index (atomically) is switched to it, and only then are pruned files deleted. A process
// killed at any moment leaves an index naming complete checkpoints only.
import * as fs from 'fs';
import * as path from 'path';
import { fail, describe } from '../core/errors';
import { writeFileAtomic, ioError, TEMP_MARK } from '../io/atomic';
import { formatError } from '../io/header';
import { CheckpointParts, RestoredCheckpoint, checkParts, readCheckpoint, writeCheckpoint } from './format';

export const INDEX_FILE = 'checkpoint.json';

export interface CheckpointManagerOptions extends CheckpointParts {
  /** how many checkpoints to keep (oldest deleted first); null or Infinity keeps all; default 5 */
  maxToKeep?: number | null;
  /** file names are `<prefix>-<step>.safetensors`; default 'ckpt' */
  prefix?: string;
}

export interface SaveCheckpointOptions {
  /** any JSON value, returned by restore() as `metadata` */
  metadata?: unknown;
}

interface IndexEntry {
  file: string;
  step: number | null;
}

/** Reads a directory's index; null when there is none. */
function readIndex(op: string, dir: string): IndexEntry[] | null {
  const file = path.join(dir, INDEX_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return ioError(op, file, e, false);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return formatError(op, file, 'is not valid JSON');
  }
  const list = (v as { checkpoints?: unknown })?.checkpoints;
  const ok = (e: unknown): e is IndexEntry => {
    const x = e as IndexEntry;
    // names only: an index may not point outside its directory
    return !!x && typeof x.file === 'string' && x.file === path.basename(x.file) && x.file !== '..' && (x.step === null || Number.isSafeInteger(x.step));
  };
  if (!Array.isArray(list) || !list.every(ok)) return formatError(op, file, 'must be { checkpoints: [{ file, step }] }');
  return list as IndexEntry[];
}

/**
 * The path of the newest checkpoint in `dir` (from its checkpoint.json), or null when it has none
 * (tf.train.latest_checkpoint).
 */
export function latestCheckpoint(dir: string): string | null {
  if (typeof dir !== 'string' || dir.length === 0) fail('latestCheckpoint', `dir must be a non-empty string, got ${describe(dir)}`);
  const list = readIndex('latestCheckpoint', dir);
  return list && list.length > 0 ? path.join(dir, list[list.length - 1].file) : null;
}

/** Deletes temporary files of saves that were killed (their process is gone). */
function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const i = n.lastIndexOf(TEMP_MARK);
    if (!n.startsWith('.') || i < 0) continue;
    const pid = Number(n.slice(i + TEMP_MARK.length).split('-')[0]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || pidAlive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, n));
    } catch {
      // another cleaner got it first
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class CheckpointManager {
  readonly directory: string;
  readonly maxToKeep: number;
  readonly prefix: string;
  private readonly _parts: CheckpointParts;
  private _list: IndexEntry[];

  constructor(directory: string, options: CheckpointManagerOptions) {
    const op = 'CheckpointManager';
    if (typeof directory !== 'string' || directory.length === 0) fail(op, `directory must be a non-empty string, got ${describe(directory)}`);
    if (options === null || typeof options !== 'object') fail(op, `options must be an object { model, optimizer, maxToKeep }, got ${describe(options)}`);
    const keep = options.maxToKeep === undefined ? 5 : options.maxToKeep === null ? Infinity : options.maxToKeep;
    if (keep !== Infinity && (typeof keep !== 'number' || !Number.isSafeInteger(keep) || keep < 1))
      fail(op, `maxToKeep must be a positive integer, null or Infinity (keep all), got ${describe(options.maxToKeep)}`);
    const prefix = options.prefix ?? 'ckpt';
    if (typeof prefix !== 'string' || prefix.length === 0 || prefix !== path.basename(prefix) || prefix.startsWith('.'))
      fail(op, `prefix must be a plain file name, got ${describe(options.prefix)}`);
    checkParts(op, options);
    this.directory = directory;
    this.maxToKeep = keep;
    this.prefix = prefix;
    this._parts = { model: options.model, optimizer: options.optimizer, scheduler: options.scheduler, rng: options.rng };
    this._list = readIndex(op, directory) ?? [];
    removeStaleTemps(directory);
  }

  /** Paths of the kept checkpoints, oldest first. */
  get checkpoints(): string[] {
    return this._list.map((e) => path.join(this.directory, e.file));
  }

  /** The newest checkpoint's path, or null. */
  get latestCheckpoint(): string | null {
    const last = this._list[this._list.length - 1];
    return last ? path.join(this.directory, last.file) : null;
  }

  /**
   * Writes `<prefix>-<step>.safetensors` (model, optimizer state, step, RNG state and
   * options.metadata), makes it the latest and deletes the oldest beyond maxToKeep. Without a
   * step, the latest step + 1 (or 0). Returns the path.
   */
  save(step?: number, options?: SaveCheckpointOptions): string {
    const op = 'CheckpointManager.save';
    if (step === undefined) {
      const last = this._list[this._list.length - 1];
      step = last && last.step !== null ? last.step + 1 : 0;
    }
    if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) fail(op, `step must be a non-negative integer, got ${describe(step)}`);
    if (options !== undefined && (options === null || typeof options !== 'object')) fail(op, `options must be an object, got ${describe(options)}`);
    return this._saveAs(op, `${this.prefix}-${step}.safetensors`, step, options?.metadata);
  }

  /** @internal writes one named checkpoint and updates the index (Saver uses it too). */
  _saveAs(op: string, name: string, step: number | null, metadata: unknown): string {
    try {
      fs.mkdirSync(this.directory, { recursive: true });
    } catch (e) {
      ioError(op, this.directory, e, true);
    }
    const file = path.join(this.directory, name);
    writeCheckpoint(op, file, this._parts, step, metadata);
    const list = this._list.filter((e) => e.file !== name);
    list.push({ file: name, step });
    const kept = list.slice(Math.max(0, list.length - this.maxToKeep));
    const index = JSON.stringify({ latest: name, checkpoints: kept }, null, 1) + '\n';
    writeFileAtomic(op, path.join(this.directory, INDEX_FILE), (w) => w.write(Buffer.from(index, 'utf8')));
    const dropped = list.slice(0, list.length - kept.length);
    this._list = kept;
    for (const e of dropped) {
      try {
        fs.unlinkSync(path.join(this.directory, e.file));
      } catch {
        // already gone
      }
    }
    return file;
  }

  /**
   * Loads a checkpoint (the latest by default) into the model, optimizer, scheduler and RNG.
   * Returns its path, step and metadata; null when there is none to restore.
   */
  restore(checkpoint?: string): RestoredCheckpoint | null {
    const file = checkpoint ?? this.latestCheckpoint;
    if (file === null) return null;
    if (typeof file !== 'string') fail('CheckpointManager.restore', `checkpoint must be a path, got ${describe(file)}`);
    return readCheckpoint('CheckpointManager.restore', file, this._parts);
  }
}
