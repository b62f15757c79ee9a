// Test-side event file reader: splits the TFRecord framing, checks both masked CRC32Cs
// (computed here with crc-32/crc32c, independently of lib/summary/record.ts), and decodes each
// Event with protobufjs. wireFields() reads raw (field number, wire type) pairs so tests can
// pin TensorBoard's field numbers without trusting lib/summary/proto.ts.
import * as fs from 'fs';
import * as path from 'path';
import * as protobuf from 'protobufjs';
import { summaryTypes } from '../lib/summary/proto';

const crc32c = require('crc-32/crc32c') as { buf(d: Uint8Array): number }; // eslint-disable-line @typescript-eslint/no-var-requires

export function masked(data: Uint8Array): number {
  const c = crc32c.buf(data) >>> 0;
  // rotate right 15 (as a 32-bit value) + 0xa282ead8, all mod 2^32
  const rot = Number((BigInt(c) >> 15n) | ((BigInt(c) << 17n) & 0xffffffffn));
  return (rot + 0xa282ead8) % 2 ** 32;
}

/** The records' payloads; throws on a bad length, CRC or trailing bytes. */
export function readRecords(file: string): Buffer[] {
  const buf = fs.readFileSync(file);
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 12 > buf.length) throw new Error(`${file}: truncated header at ${off}`);
    const len = Number(buf.readBigUInt64LE(off));
    if (buf.readUInt32LE(off + 8) !== masked(buf.subarray(off, off + 8))) throw new Error(`${file}: length CRC at ${off}`);
    if (off + 16 + len > buf.length) throw new Error(`${file}: truncated data at ${off}`);
    const data = buf.subarray(off + 12, off + 12 + len);
    if (buf.readUInt32LE(off + 12 + len) !== masked(data)) throw new Error(`${file}: data CRC at ${off}`);
    out.push(data);
    off += 16 + len;
  }
  return out;
}

export type Decoded = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function decodeEvent(data: Uint8Array): Decoded {
  const { Event } = summaryTypes();
  return Event.toObject(Event.decode(data), { longs: Number, arrays: true }) as Decoded;
}

export function readEvents(file: string): Decoded[] {
  return readRecords(file).map(decodeEvent);
}

/** The event files under dir (recursively), sorted. */
export function eventFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...eventFiles(p));
    else if (e.name.startsWith('events.out.tfevents.')) out.push(p);
  }
  return out.sort();
}

/** [field number, wire type, raw value (number | Buffer)] of one message's top level. */
export function wireFields(buf: Uint8Array): [number, number, number | Buffer][] {
  const r = protobuf.Reader.create(buf);
  const out: [number, number, number | Buffer][] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (wt === 0) {
      const v = r.int64() as unknown as number | { toNumber(): number };
      out.push([field, wt, typeof v === 'number' ? v : v.toNumber()]);
    }
    else if (wt === 1) out.push([field, wt, r.double()]);
    else if (wt === 2) out.push([field, wt, Buffer.from(r.bytes())]);
    else if (wt === 5) out.push([field, wt, r.float()]);
    else throw new Error(`wire type ${wt}`);
  }
  return out;
}
