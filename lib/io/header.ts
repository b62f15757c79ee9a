// Validation of a safetensors file's framing and header, before anything is allocated for the
// tensors it describes: every size the header states is checked against the real file size, so
// a hostile header cannot make us allocate more than the file holds (4× for I8 → int32).
import { fail } from '../core/errors';
import { MAX_DIMS, MAX_NUMEL } from '../core/shape';
import { FILE_DTYPES, FILE_KIND, FileDType, UNSUPPORTED_DTYPES } from './dtypes';
import { BigInteger, JsonError, JsonObject, JsonValue, parseStrictJson } from './json';

/** The reference implementation's limit on the header's length (safetensors MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  name: string;
  /** index in FILE_DTYPES */
  kind: number;
  file: FileDType;
  shape: number[];
  numel: number;
  /** byte range in the data section */
  begin: number;
  end: number;
}

export interface ParsedHeader {
  /** in data order (ascending offsets) */
  entries: TensorEntry[];
  metadata: Record<string, string> | null;
}

/** @internal ERR_FORMAT naming the file (and the tensor, when given). */
export function formatError(op: string, file: string, what: string, tensor?: string): never {
  const where = tensor === undefined ? '' : ` tensor ${JSON.stringify(tensor.length > 80 ? tensor.slice(0, 80) + '…' : tensor)}:`;
  return fail(op, `${file}:${where} ${what}`, 'ERR_FORMAT');
}

/**
 * The header length from the first 8 bytes, checked against the 100 MB limit and the file size.
 * Returns it as a number (≤ 100 MB, so exact).
 */
export function readHeaderLength(op: string, file: string, prefix: Uint8Array, fileSize: number): number {
  if (fileSize < 8) formatError(op, file, `is ${fileSize} bytes long, shorter than the 8-byte header length that starts a safetensors file`);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) formatError(op, file, `header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or a corrupt one)`);
  const len = Number(n);
  if (len < 2) formatError(op, file, `header length ${len} is too short for a JSON object`);
  if (8 + len > fileSize) formatError(op, file, `header length ${len} reaches past the end of the file (${fileSize} bytes; truncated?)`);
  return len;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes and validates the JSON header; dataLength is the size of the data section in bytes. */
export function parseHeader(op: string, file: string, bytes: Uint8Array, dataLength: number): ParsedHeader {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return formatError(op, file, 'the header is not valid UTF-8');
  }
  let root: JsonValue;
  try {
    root = parseStrictJson(text);
  } catch (e) {
    if (e instanceof JsonError) return formatError(op, file, `the header is not valid JSON: ${e.message}`);
    throw e;
  }
  if (!isObject(root)) return formatError(op, file, 'the header must be a JSON object');
  let metadata: Record<string, string> | null = null;
  const entries: TensorEntry[] = [];
  for (const name of Object.keys(root)) {
    const v = root[name];
    if (name === '__metadata__') {
      metadata = checkMetadata(op, file, v);
      continue;
    }
    entries.push(checkEntry(op, file, name, v));
  }
  checkLayout(op, file, entries, dataLength);
  return { entries, metadata };
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof BigInteger);
}

function show(v: JsonValue | undefined): string {
  if (v instanceof BigInteger) return v.text;
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? s.slice(0, 60) + '…' : s;
}

function checkMetadata(op: string, file: string, v: JsonValue): Record<string, string> {
  if (!isObject(v)) return formatError(op, file, `__metadata__ must be an object of strings, got ${show(v)}`);
  const out: Record<string, string> = Object.create(null);
  for (const k of Object.keys(v)) {
    const s = v[k];
    if (typeof s !== 'string') formatError(op, file, `__metadata__ ${JSON.stringify(k)} must be a string, got ${show(s)}`);
    out[k] = s as string;
  }
  return out;
}

/** A non-negative integer ≤ 2^53 − 1 (the checked arithmetic's domain). */
function checkCount(op: string, file: string, name: string, what: string, v: JsonValue | undefined): number {
  if (v instanceof BigInteger) formatError(op, file, `${what} ${v.text} is above 2^53`, name);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) formatError(op, file, `${what} must be a non-negative integer, got ${show(v)}`, name);
  return v as number;
}

function checkEntry(op: string, file: string, name: string, v: JsonValue): TensorEntry {
  if (!isObject(v)) return formatError(op, file, `expected an object { dtype, shape, data_offsets }, got ${show(v)}`, name);
  const dt = v.dtype;
  if (typeof dt !== 'string') return formatError(op, file, `dtype must be a string, got ${show(dt)}`, name);
  const kind = FILE_KIND.get(dt);
  if (kind === undefined) {
    const known = FILE_DTYPES.map((d) => d.name).join(', ');
    if (UNSUPPORTED_DTYPES.has(dt)) return formatError(op, file, `dtype ${dt} is not supported by tapeflow (it reads ${known})`, name);
    return formatError(op, file, `unknown dtype ${show(dt)} (known: ${known})`, name);
  }
  const file_ = FILE_DTYPES[kind];
  const shapeV = v.shape;
  if (!Array.isArray(shapeV)) return formatError(op, file, `shape must be an array of integers, got ${show(shapeV)}`, name);
  if (shapeV.length > MAX_DIMS) formatError(op, file, `shape has ${shapeV.length} dims; tapeflow supports at most ${MAX_DIMS}`, name);
  const shape: number[] = [];
  let numel = 1;
  for (let d = 0; d < shapeV.length; d++) {
    const s = checkCount(op, file, name, `shape[${d}]`, shapeV[d]);
    shape.push(s);
    numel *= s; // both factors are safe integers: a true product above 2^53 - 1 is caught below
    if (numel > Number.MAX_SAFE_INTEGER) formatError(op, file, `shape ${show(shapeV)} has more than 2^53 elements`, name);
  }
  const offs = v.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2) return formatError(op, file, `data_offsets must be [begin, end], got ${show(offs)}`, name);
  const begin = checkCount(op, file, name, 'data_offsets[0]', offs[0]);
  const end = checkCount(op, file, name, 'data_offsets[1]', offs[1]);
  if (end < begin) formatError(op, file, `data_offsets [${begin}, ${end}] end before they begin`, name);
  const bytes = numel * file_.size;
  if (bytes > Number.MAX_SAFE_INTEGER) formatError(op, file, `shape ${show(shapeV)} × ${file_.size} bytes (${dt}) is above 2^53 bytes`, name);
  if (bytes !== end - begin)
    formatError(op, file, `shape ${show(shapeV)} of ${dt} needs ${bytes} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`, name);
  if (numel > MAX_NUMEL) formatError(op, file, `${numel} elements are more than the ${MAX_NUMEL} tapeflow supports`, name);
  return { name, kind, file: file_, shape, numel, begin, end };
}

/** Offsets must tile the data section exactly: from 0, each tensor where the last ended, to its end. */
function checkLayout(op: string, file: string, entries: TensorEntry[], dataLength: number): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of entries) {
    if (e.begin !== pos) {
      const what = e.begin < pos ? 'overlaps the previous tensor' : 'leaves a gap after the previous tensor';
      formatError(op, file, `data_offsets [${e.begin}, ${e.end}] ${what} (expected it to begin at ${pos})`, e.name);
    }
    if (e.end > dataLength) formatError(op, file, `data_offsets [${e.begin}, ${e.end}] reach past the end of the data (${dataLength} bytes; truncated?)`, e.name);
    pos = e.end;
  }
  if (pos !== dataLength) formatError(op, file, `the tensors end at byte ${pos} of the data section, but it is ${dataLength} bytes long`);
}
