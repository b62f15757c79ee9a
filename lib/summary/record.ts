// One TensorBoard event file: records framed as TFRecord (uint64 length, masked CRC32C of the
// length, data, masked CRC32C of the data), the first event carrying file_version
// "brain.Event:2", named as tensorboard's EventFileWriter names them.
//
// Writes: events are serialized at once into a memory queue, appended to the file with
// fs.writeSync when flushSecs have passed (an unref'd timer), when the queue holds 1 MiB, at
// flush() and close(), and at process exit. Synchronous appends because (1) flush() and close()
// then mean "handed to the OS" when they return, as torch's do, with no promise to await and
// nothing lost at process.exit(); (2) events stay in order without a queue of callbacks; (3)
// what one call writes is small (a scalar event is ~40 bytes, and the queue is flushed at
// 1 MiB), so an append to the page cache blocks the event loop for well under a millisecond.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fail, describe } from '../core/errors';
import { summaryTypes } from './proto';

type Crc = { buf(data: Uint8Array, seed?: number): number };
let crc32c: Crc | null = null;

/** TFRecord's masked CRC: rotate right by 15, add a constant (tensorflow/core/lib/hash/crc32c.h). */
export function maskedCrc32c(data: Uint8Array): number {
  // crc-32's default export is the IEEE polynomial; TFRecord needs Castagnoli (CRC32C). Loaded
  // on first use, as protobufjs and pngjs: require('tapeflow') does not pay for them
  crc32c ??= require('crc-32/crc32c') as Crc; // eslint-disable-line @typescript-eslint/no-var-requires
  const crc = crc32c.buf(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One framed record around `data`. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(data.length + 16);
  out.writeBigUInt64LE(BigInt(data.length), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return out;
}

const FLUSH_BYTES = 1 << 20;
// tensorboard's _global_uid: a process-wide counter in each file name, so two writers opened in
// the same second on the same host never share a name
let globalUid = 0;

const open = new Set<EventFileWriter>();
let exitHooked = false;
function flushAllAtExit(): void {
  for (const w of open) {
    try {
      w.close();
    } catch {
      // nothing can be reported at exit; the file keeps what was written before
    }
  }
}

export interface EventFileOptions {
  /** seconds between automatic flushes (default 120, as torch) */
  flushSecs?: number;
  /** appended to the file name (torch's filename_suffix) */
  filenameSuffix?: string;
}

export class EventFileWriter {
  readonly logdir: string;
  readonly path: string;
  private fd!: number;
  private queue: Buffer[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** an error from a timer flush, thrown at the next call */
  private pending: Error | null = null;

  constructor(logdir: string, options: EventFileOptions = {}) {
    const op = 'SummaryWriter';
    if (typeof logdir !== 'string' || logdir.length === 0) fail(op, `logdir must be a non-empty string, got ${describe(logdir)}`);
    const flushSecs = options.flushSecs ?? 120;
    if (typeof flushSecs !== 'number' || !(flushSecs > 0) || !Number.isFinite(flushSecs))
      fail(op, `flushSecs must be a positive number of seconds, got ${describe(flushSecs)}`);
    const suffix = options.filenameSuffix ?? '';
    if (typeof suffix !== 'string' || /[/\\\0]/.test(suffix)) fail(op, `filenameSuffix must be a string without path separators, got ${describe(suffix)}`);
    this.logdir = logdir;
    try {
      fs.mkdirSync(logdir, { recursive: true });
    } catch (e) {
      fail(op, `cannot create the log directory '${logdir}': ${(e as Error).message}`, 'ERR_IO');
    }
    const secs = Math.floor(Date.now() / 1000);
    const name = `events.out.tfevents.${String(secs).padStart(10, '0')}.${os.hostname()}.${process.pid}.${globalUid++}${suffix}`;
    this.path = path.join(logdir, name);
    try {
      this.fd = fs.openSync(this.path, 'wx');
    } catch (e) {
      return fail(op, `cannot create the event file '${this.path}': ${(e as Error).message}`, 'ERR_IO');
    }
    open.add(this);
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', flushAllAtExit);
    }
    this.timer = setInterval(() => this.flushFromTimer(), flushSecs * 1000);
    this.timer.unref();
    // the first record names the format; written at once so an empty run is still a valid file
    const { Event } = summaryTypes();
    this.add(Event.encode(Event.create({ wall_time: Date.now() / 1000, file_version: 'brain.Event:2' })).finish());
    this.flush();
  }

  /** Queues one serialized Event. */
  add(event: Uint8Array): void {
    this.check('add');
    const rec = frameRecord(event);
    this.queue.push(rec);
    this.queued += rec.length;
    if (this.queued >= FLUSH_BYTES) this.flush();
  }

  /** Appends everything queued to the file. */
  flush(): void {
    this.check('flush');
    this.writeQueued();
  }

  /** Flushes and closes the file; later calls do nothing. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    open.delete(this);
    try {
      if (this.pending === null) this.writeQueued();
    } finally {
      this.closed = true;
      this.queue = [];
      try {
        fs.closeSync(this.fd);
      } catch {
        // already closed by the OS: nothing left to release
      }
    }
    const e = this.pending;
    this.pending = null;
    if (e) throw e;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private check(what: string): void {
    if (this.closed) fail(`SummaryWriter.${what}`, `the writer of '${this.path}' is closed`);
    if (this.pending) {
      const e = this.pending;
      this.pending = null;
      throw e;
    }
  }

  private writeQueued(): void {
    if (this.queued === 0) return;
    const buf = this.queue.length === 1 ? this.queue[0] : Buffer.concat(this.queue, this.queued);
    this.queue = [];
    this.queued = 0;
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
    } catch (e) {
      // the events are dropped, not kept for a retry: on a full disk the queue would only grow
      fail('SummaryWriter.flush', `cannot write to '${this.path}': ${(e as Error).message} (${buf.length} bytes of events dropped)`, 'ERR_IO');
    }
  }

  private flushFromTimer(): void {
    try {
      this.writeQueued();
    } catch (e) {
      // a timer has no caller to throw to: the next call on this writer throws it
      this.pending = e as Error;
    }
  }
}
