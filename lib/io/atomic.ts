// Crash-safe file replacement: the new contents go to a temporary file in the same directory,
// which is fsync'ed and renamed over the target, then the directory is fsync'ed so the rename
// itself is durable. rename(2) is atomic within a file system, so a reader (or a process killed
// at any moment of the save, SIGKILL included) sees either the old file or the new one, whole.
import * as fs from 'fs';
import * as path from 'path';
import { fail } from '../core/errors';

/**
 * @internal the fs calls saves and loads go through. Tests replace entries to simulate a failing
 * device (ENOSPC on the nth write) where mounting a tiny tmpfs is not possible, and to watch
 * the sizes a load reads.
 */
export const fsHooks = {
  readSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number): number => fs.readSync(fd, buf, off, len, pos),
  openSync: (file: string, flags: string, mode: number): number => fs.openSync(file, flags, mode),
  writeSync: (fd: number, buf: Uint8Array, off: number, len: number): number => fs.writeSync(fd, buf, off, len),
  fsyncSync: (fd: number): void => fs.fsyncSync(fd),
};

/** Writes chunks in order; what a save callback receives. */
export interface ChunkWriter {
  write(bytes: Uint8Array): void;
}

/** The prefix of every temporary file (so a CheckpointManager can clean up after a crash). */
export const TEMP_MARK = '.tmp-';

/** @internal an OS error as ERR_IO, saying what it means for this file. */
export function ioError(op: string, file: string, e: unknown, writing: boolean): never {
  const err = e as NodeJS.ErrnoException;
  const code = err && typeof err.code === 'string' ? err.code : '';
  const dir = path.dirname(file);
  let what: string;
  switch (code) {
    case 'ENOENT':
      what = writing ? `the directory ${dir} does not exist` : 'no such file';
      break;
    case 'ENOTDIR':
      what = `a part of the path is not a directory`;
      break;
    case 'EISDIR':
      what = 'is a directory, not a file';
      break;
    case 'EACCES':
    case 'EPERM':
      what = writing ? `permission denied (cannot create a file in ${dir})` : 'permission denied';
      break;
    case 'ENOSPC':
    case 'EDQUOT':
      what = 'no space left on the device';
      break;
    case 'EROFS':
      what = 'the file system is read-only';
      break;
    default:
      what = err && err.message ? err.message : String(e);
  }
  const keep = writing ? '; the previous file, if any, is untouched' : '';
  return fail(op, `${file}: ${what}${code ? ` (${code})` : ''}${keep}`, 'ERR_IO');
}

/**
 * Replaces `file` atomically with what `produce` writes. On any error (or exception from
 * produce) the temporary file is removed, `file` is left as it was, and the error is rethrown
 * (OS errors as ERR_IO naming the file).
 */
export function writeFileAtomic(op: string, file: string, produce: (w: ChunkWriter) => void): void {
  if (typeof file !== 'string' || file.length === 0) fail(op, `path must be a non-empty string, got ${JSON.stringify(file)}`);
  const target = path.resolve(file);
  const dir = path.dirname(target);
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') ioError(op, file, e, true);
  }
  if (st && st.isDirectory()) ioError(op, file, Object.assign(new Error('is a directory'), { code: 'EISDIR' }), true);
  const tmp = path.join(dir, `.${path.basename(target)}${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  let fd = -1;
  try {
    try {
      fd = fsHooks.openSync(tmp, 'wx', st ? st.mode & 0o777 : 0o644);
    } catch (e) {
      ioError(op, file, e, true);
    }
    const w: ChunkWriter = {
      write(bytes: Uint8Array): void {
        let off = 0;
        while (off < bytes.length) {
          let n: number;
          try {
            n = fsHooks.writeSync(fd, bytes, off, bytes.length - off);
          } catch (e) {
            return ioError(op, file, e, true);
          }
          if (!(n > 0)) ioError(op, file, new Error('write made no progress'), true);
          off += n;
        }
      },
    };
    produce(w);
    try {
      fsHooks.fsyncSync(fd);
      fs.closeSync(fd);
      fd = -1;
      fs.renameSync(tmp, target);
    } catch (e) {
      ioError(op, file, e, true);
    }
  } catch (e) {
    if (fd >= 0) closeQuietly(fd);
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw e;
  }
  syncDir(dir);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // the fd is gone either way
  }
}

/** fsync of the directory makes the rename durable; file systems that refuse it lose nothing else. */
function syncDir(dir: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // e.g. EINVAL on some network file systems: the file itself is already synced
  } finally {
    if (fd >= 0) closeQuietly(fd);
  }
}
