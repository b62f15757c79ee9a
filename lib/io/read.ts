// Reading safetensors: the header is validated in full (lib/io/header.ts) before any tensor is
// allocated; then each tensor is allocated and filled. From a file, the data section is read in
// bounded chunks straight into each tensor's native buffer (native/binding/io.cc converts on the
// way), so a load holds the tensors plus one chunk, never the file a second time.
import * as fs from 'fs';
import { Tensor } from '../tensor';
import { native } from '../core/native';
import { fail, describe } from '../core/errors';
import { DeviceLike } from '../core/device';
import { emptyTensor, checkDevice, onDevice } from '../ops/creation';
import { ParsedHeader, TensorEntry, formatError, parseHeader, readHeaderLength } from './header';
import { ioError, fsHooks } from './atomic';
import { checkEndianness } from './write';

export interface LoadSafetensorsOptions {
  /** where the tensors go: 'cpu' (default), 'cuda', 'cuda:N' */
  device?: DeviceLike;
}

export interface DecodedSafetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string> | null;
}

const CHUNK_BYTES = 4 << 20;

function checkLoadOptions(op: string, options: unknown): DeviceLike | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') fail(op, `options must be an object, got ${describe(options)}`);
  const device = (options as LoadSafetensorsOptions).device;
  if (device !== undefined) checkDevice(device, op);
  return device;
}

/** Defines the key as an own property, so a tensor named '__proto__' is data like any other. */
function put(out: Record<string, Tensor>, name: string, t: Tensor): void {
  Object.defineProperty(out, name, { value: t, enumerable: true, writable: true, configurable: true });
}

function disposeAll(tensors: Record<string, Tensor>): void {
  for (const t of Object.values(tensors)) t.dispose();
}

/** The int64 that int32 cannot hold, as an error naming the tensor and the element. */
function rangeError(op: string, file: string, e: TensorEntry, index: number, bytes: Uint8Array, at: number): never {
  const v = new DataView(bytes.buffer, bytes.byteOffset + at, 8).getBigInt64(0, true);
  return formatError(op, file, `I64 element ${index} is ${v}, outside int32 (tapeflow stores integers as int32)`, e.name);
}

/**
 * Allocates every tensor in header order and fills it with fill(entry, tensor); on any error the
 * tensors made so far are freed. Then moves them to the device.
 */
function build(op: string, h: ParsedHeader, device: DeviceLike | undefined, fill: (e: TensorEntry, t: Tensor) => void): DecodedSafetensors {
  const tensors: Record<string, Tensor> = {};
  try {
    for (const e of h.entries) {
      const t = emptyTensor(e.shape, e.file.dtype);
      put(tensors, e.name, t);
      if (e.numel > 0) fill(e, t);
    }
    if (device !== undefined) for (const e of h.entries) put(tensors, e.name, onDevice(tensors[e.name], device));
  } catch (err) {
    disposeAll(tensors);
    throw err;
  }
  return { tensors, metadata: h.metadata };
}

/** Decodes a whole safetensors file held in memory; `name` is what errors call it. */
export function decode(op: string, bytes: unknown, options: unknown, name = '<buffer>'): DecodedSafetensors {
  checkEndianness(op);
  if (!(bytes instanceof Uint8Array)) fail(op, `expected a Buffer or Uint8Array, got ${describe(bytes)}`);
  const device = checkLoadOptions(op, options);
  const buf = bytes as Uint8Array;
  const hlen = readHeaderLength(op, name, buf, buf.length);
  const base = 8 + hlen;
  const h = parseHeader(op, name, buf.subarray(8, base), buf.length - base);
  return build(op, h, device, (e, t) => {
    const bad = native.ioDecode(t._h, 0, e.numel, buf, base + e.begin, e.kind);
    if (bad >= 0) rangeError(op, name, e, bad, buf, base + e.begin + bad * 8);
  });
}

/** Reads exactly len bytes at pos into buf[0..len), or fails as a truncated file. */
function readFull(op: string, file: string, fd: number, buf: Uint8Array, len: number, pos: number): void {
  let got = 0;
  while (got < len) {
    let n: number;
    try {
      n = fsHooks.readSync(fd, buf, got, len - got, pos + got);
    } catch (e) {
      return ioError(op, file, e, false);
    }
    if (n === 0) formatError(op, file, `the file ended at byte ${pos + got}, before the ${len} bytes expected at ${pos} (truncated while being read?)`);
    got += n;
  }
}

/** Loads a safetensors file; see decode. */
export function load(op: string, file: unknown, options: unknown): DecodedSafetensors {
  checkEndianness(op);
  if (typeof file !== 'string' || file.length === 0) fail(op, `path must be a non-empty string, got ${describe(file)}`);
  const device = checkLoadOptions(op, options);
  // O_NONBLOCK: opening a FIFO must not block until a writer appears (fstat then refuses it);
  // it changes nothing for a regular file
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    return ioError(op, file, e, false);
  }
  try {
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
    } catch (e) {
      return ioError(op, file, e, false);
    }
    if (st.isDirectory()) ioError(op, file, Object.assign(new Error('is a directory'), { code: 'EISDIR' }), false);
    if (!st.isFile()) formatError(op, file, 'is not a regular file');
    const size = st.size;
    const prefix = Buffer.alloc(8);
    if (size >= 8) readFull(op, file, fd, prefix, 8, 0);
    const hlen = readHeaderLength(op, file, prefix, size);
    const hbytes = Buffer.allocUnsafe(hlen);
    readFull(op, file, fd, hbytes, hlen, 8);
    const base = 8 + hlen;
    const h = parseHeader(op, file, hbytes, size - base);
    let chunk: Buffer | null = null;
    return build(op, h, device, (e, t) => {
      const esz = e.file.size;
      const per = Math.floor(CHUNK_BYTES / esz);
      if (!chunk) chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes(h)));
      for (let start = 0; start < e.numel; start += per) {
        const n = Math.min(per, e.numel - start);
        const at = base + e.begin + start * esz;
        readFull(op, file, fd, chunk, n * esz, at);
        const bad = native.ioDecode(t._h, start, n, chunk, 0, e.kind);
        if (bad >= 0) rangeError(op, file, e, start + bad, chunk, bad * 8);
      }
    });
  } finally {
    fs.closeSync(fd);
  }
}

function maxBytes(h: ParsedHeader): number {
  let m = 0;
  for (const e of h.entries) m = Math.max(m, e.end - e.begin);
  return m;
}
