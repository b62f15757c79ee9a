// Writing safetensors: the header (tensors ordered as the reference orders them: widest
// elements first, then by name, so every tensor's data is aligned to its element size), padded
// with spaces to a multiple of 8 bytes, then each tensor's elements in C order, little-endian.
// Strided views are written as contiguous data; device tensors come through the cpu.
import * as os from 'os';
import { Tensor } from '../tensor';
import { native } from '../core/native';
import { fail, describe } from '../core/errors';
import { CPU } from '../core/device';
import { FILE_DTYPES, FILE_KIND, SaveFloatDType, fileDTypeFor, isSaveFloatDType } from './dtypes';
import type { ChunkWriter } from './atomic';

export interface SaveSafetensorsOptions {
  /** string → string pairs stored in the header's `__metadata__` */
  metadata?: Record<string, string>;
  /** write float tensors in this format ('float16' and 'bfloat16' round to nearest even) */
  dtype?: SaveFloatDType;
}

interface Item {
  name: string;
  t: Tensor;
  kind: number;
  bytes: number;
}

export interface Plan {
  header: Uint8Array;
  items: Item[];
  dataLength: number;
}

/** Bytes converted per native call while streaming to a file. */
const CHUNK_BYTES = 4 << 20;

/** @internal little-endian hosts only: the format's byte order is what our buffers hold. */
export function checkEndianness(op: string): void {
  if (os.endianness() !== 'LE') fail(op, 'safetensors I/O needs a little-endian host', 'ERR_IO');
}

/** @internal name → tensor pairs of a Record or Map, checked. */
export function tensorEntries(op: string, tensors: unknown): [string, Tensor][] {
  if (tensors === null || typeof tensors !== 'object' || tensors instanceof Tensor || Array.isArray(tensors))
    fail(op, `tensors must be an object (or Map) of name → Tensor, got ${describe(tensors)}`);
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as object);
  for (const [k, v] of entries) {
    if (typeof k !== 'string') fail(op, `tensor names must be strings, got ${describe(k)}`);
    if (k === '__metadata__') fail(op, "'__metadata__' is reserved by the format and cannot name a tensor");
    if (!(v instanceof Tensor)) fail(op, `'${k}' must be a Tensor, got ${describe(v)}`);
    v._live(op);
  }
  return entries as [string, Tensor][];
}

function checkMetadata(op: string, m: unknown): Record<string, string> | undefined {
  if (m === undefined) return undefined;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) fail(op, `options.metadata must be an object of strings, got ${describe(m)}`);
  for (const [k, v] of Object.entries(m as object))
    if (typeof v !== 'string') fail(op, `options.metadata['${k}'] must be a string (the format stores strings only), got ${describe(v)}`);
  return m as Record<string, string>;
}

/** Checks everything and lays out the header; no tensor data is touched yet. */
export function plan(op: string, tensors: unknown, options: SaveSafetensorsOptions | undefined): Plan {
  checkEndianness(op);
  if (options !== undefined && (options === null || typeof options !== 'object')) fail(op, `options must be an object, got ${describe(options)}`);
  const metadata = checkMetadata(op, options?.metadata);
  const floatAs = options?.dtype;
  if (floatAs !== undefined && !isSaveFloatDType(floatAs))
    fail(op, `options.dtype must be 'float16', 'bfloat16', 'float32' or 'float64', got ${describe(floatAs)}`, 'ERR_DTYPE');
  const items: Item[] = tensorEntries(op, tensors).map(([name, t]) => {
    const kind = FILE_KIND.get(fileDTypeFor(t.dtype, floatAs)) as number;
    return { name, t, kind, bytes: t.size * FILE_DTYPES[kind].size };
  });
  items.sort((a, b) => FILE_DTYPES[b.kind].size - FILE_DTYPES[a.kind].size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = { ...metadata };
  let pos = 0;
  for (const it of items) {
    // defineProperty: a tensor named '__proto__' must be a key, not the object's prototype
    const entry = { dtype: FILE_DTYPES[it.kind].name, shape: it.t.shape.slice(), data_offsets: [pos, pos + it.bytes] };
    Object.defineProperty(header, it.name, { value: entry, enumerable: true, writable: true, configurable: true });
    pos += it.bytes;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil((8 + json.length) / 8) * 8;
  const out = Buffer.alloc(padded, 0x20);
  out.writeBigUInt64LE(BigInt(padded - 8), 0);
  json.copy(out, 8);
  return { header: out, items, dataLength: pos };
}

/** The tensor's elements as a contiguous cpu tensor (itself when it already is one). */
function hostContiguous(t: Tensor): Tensor {
  if (t._deviceCode() !== CPU) return t.cpu().contiguous();
  return t.contiguous();
}

/** Runs fn over a contiguous cpu copy of it.t (freed afterwards when it is a copy). */
function withHost(it: Item, fn: (c: Tensor) => void): void {
  const c = hostContiguous(it.t);
  try {
    fn(c);
  } finally {
    if (c !== it.t) c.dispose();
  }
}

/** Streams the plan to a writer, CHUNK_BYTES at a time. */
export function writePlan(p: Plan, w: ChunkWriter): void {
  w.write(p.header);
  let chunk: Buffer | null = null;
  for (const it of p.items) {
    if (it.bytes === 0) continue;
    const size = FILE_DTYPES[it.kind].size;
    withHost(it, (c) => {
      const per = Math.floor(CHUNK_BYTES / size);
      if (!chunk) chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes(p)));
      for (let start = 0; start < c.size; start += per) {
        const n = Math.min(per, c.size - start);
        native.ioEncode(c._h, c._offset + start, n, chunk, 0, it.kind);
        w.write(chunk.subarray(0, n * size));
      }
    });
  }
}

function maxBytes(p: Plan): number {
  let m = 0;
  for (const it of p.items) m = Math.max(m, it.bytes);
  return m;
}

/** The whole file in one Buffer. */
export function encodePlan(p: Plan): Buffer {
  const out = Buffer.allocUnsafe(p.header.length + p.dataLength);
  out.set(p.header, 0);
  let pos = p.header.length;
  for (const it of p.items) {
    if (it.bytes === 0) continue;
    withHost(it, (c) => native.ioEncode(c._h, c._offset, c.size, out, pos, it.kind));
    pos += it.bytes;
  }
  return out;
}
