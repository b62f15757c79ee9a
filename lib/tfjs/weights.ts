// TF.js weight manifests: the specs of model.json's weightsManifest, and the decoding of the
// concatenated shard bytes into float32 / int32 arrays (uint8 / uint16 affine quantisation and
// float16 undone here). Everything is validated before anything large is allocated: the file
// is untrusted input.
import { TapeflowError, describe } from '../core/errors';

export interface Quantization {
  dtype: 'uint8' | 'uint16' | 'float16';
  scale: number;
  min: number;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  /** what the weight is once decoded */
  dtype: 'float32' | 'int32' | 'bool';
  quantization: Quantization | null;
  /** byte offset in the concatenated shards, and byte length */
  offset: number;
  bytes: number;
}

export interface DecodedWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  data: Float32Array | Int32Array | Uint8Array;
}

/** a weight's element count is capped (2^31 - 1, as tapeflow's tensors) */
const MAX_ELEMENTS = 2 ** 31 - 1;

/** a short rendering of a JSON value for messages */
const show = (v: unknown): string => { const j = JSON.stringify(v); return j === undefined ? String(v) : j.length > 60 ? `${j.slice(0, 57)}...` : j; };

const formatFail = (op: string, msg: string): never => { throw new TapeflowError(`${op}: ${msg}`, 'ERR_FORMAT'); };

/** The manifest's weight specs in shard order with their byte ranges, and the shard paths. */
export function readManifest(op: string, manifest: unknown): { specs: WeightSpec[]; paths: string[]; totalBytes: number } {
  if (!Array.isArray(manifest)) return formatFail(op, `weightsManifest must be an array of { paths, weights } groups, got ${describe(manifest)}`);
  const specs: WeightSpec[] = [];
  const paths: string[] = [];
  const names = new Set<string>();
  let offset = 0;
  Array.from(manifest as unknown[]).forEach((g: unknown, gi: number) => {
    if (g === null || typeof g !== 'object') formatFail(op, `weightsManifest[${gi}] must be an object, got ${describe(g)}`);
    const group = g as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(group.paths) || Array.from(group.paths as unknown[]).some((p) => typeof p !== 'string'))
      formatFail(op, `weightsManifest[${gi}].paths must be an array of strings, got ${describe(group.paths)}`);
    if (!Array.isArray(group.weights)) formatFail(op, `weightsManifest[${gi}].weights must be an array, got ${describe(group.weights)}`);
    paths.push(...(group.paths as string[]));
    for (const w of Array.from(group.weights as unknown[])) {
      const s = readSpec(op, w, offset);
      if (names.has(s.name)) formatFail(op, `weight '${s.name}' is listed twice in weightsManifest`);
      names.add(s.name);
      specs.push(s);
      offset += s.bytes;
      if (!Number.isSafeInteger(offset)) formatFail(op, `weight '${s.name}': the manifest's byte total overflows`);
    }
  });
  return { specs, paths, totalBytes: offset };
}

function readSpec(op: string, w: unknown, offset: number): WeightSpec {
  if (w === null || typeof w !== 'object') return formatFail(op, `a weightsManifest entry must be an object, got ${describe(w)}`);
  const e = w as Record<string, unknown>;
  if (typeof e.name !== 'string' || e.name === '') return formatFail(op, `a weightsManifest entry has no name (got ${describe(e.name)})`);
  const name = e.name;
  const where = `weight '${name}'`;
  if (!Array.isArray(e.shape) || Array.from(e.shape as unknown[]).some((d) => !Number.isSafeInteger(d) || (d as number) < 0))
    formatFail(op, `${where}: shape must be an array of non-negative integers, got ${show(e.shape)}`);
  const shape = Array.from(e.shape as number[]);
  if (shape.length > 8) formatFail(op, `${where}: shape [${shape}] has more than 8 dims`);
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > MAX_ELEMENTS) formatFail(op, `${where}: shape [${shape}] has more than ${MAX_ELEMENTS} elements`);
  }
  const dtype = e.dtype;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool')
    throw new TapeflowError(`${op}: ${where}: dtype ${describe(dtype)} is not supported (float32, int32, bool)`, dtype === 'string' || dtype === 'complex64' ? 'ERR_UNSUPPORTED' : 'ERR_FORMAT');
  let quantization: Quantization | null = null;
  let width = dtype === 'bool' ? 1 : 4;
  if (e.quantization !== undefined && e.quantization !== null) {
    const q = e.quantization as Record<string, unknown>;
    if (typeof q !== 'object') formatFail(op, `${where}: quantization must be an object, got ${describe(q)}`);
    if (q.dtype === 'uint8' || q.dtype === 'uint16') {
      if (typeof q.scale !== 'number' || !Number.isFinite(q.scale) || typeof q.min !== 'number' || !Number.isFinite(q.min))
        formatFail(op, `${where}: ${q.dtype} quantization needs finite numbers scale and min, got scale ${describe(q.scale)}, min ${describe(q.min)}`);
      quantization = { dtype: q.dtype, scale: q.scale as number, min: q.min as number };
      width = q.dtype === 'uint8' ? 1 : 2;
    } else if (q.dtype === 'float16') {
      if (dtype !== 'float32') formatFail(op, `${where}: float16 quantization of a ${dtype} weight`);
      quantization = { dtype: 'float16', scale: 1, min: 0 };
      width = 2;
    } else {
      formatFail(op, `${where}: quantization dtype ${describe(q.dtype)} is not one of uint8, uint16, float16`);
    }
  }
  return { name, shape, dtype, quantization, offset, bytes: n * width };
}

/** Decodes every weight from the concatenated shard bytes (whose length must match the manifest). */
export function decodeWeights(op: string, specs: WeightSpec[], totalBytes: number, buf: Uint8Array): DecodedWeight[] {
  if (buf.byteLength !== totalBytes) {
    // name the first weight that does not fit, the usual symptom of a missing or truncated shard
    const cut = specs.find((s) => s.offset + s.bytes > buf.byteLength);
    formatFail(op, `the weight data is ${buf.byteLength} bytes but the manifest needs ${totalBytes}` +
      (cut ? ` (weight '${cut.name}' [${cut.shape}] needs bytes ${cut.offset}..${cut.offset + cut.bytes})` : ' (extra bytes after the last weight)'));
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return specs.map((s) => {
    const n = s.bytes / (s.quantization ? (s.quantization.dtype === 'uint8' ? 1 : 2) : s.dtype === 'bool' ? 1 : 4);
    const at = s.offset;
    let data: Float32Array | Int32Array | Uint8Array;
    const q = s.quantization;
    if (q !== null && q.dtype !== 'float16') {
      const f = s.dtype === 'int32' ? new Int32Array(n) : s.dtype === 'bool' ? new Uint8Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const v = q.dtype === 'uint8' ? buf[at + i] : view.getUint16(at + 2 * i, true);
        const w = v * q.scale + q.min;
        f[i] = s.dtype === 'float32' ? w : s.dtype === 'int32' ? Math.round(w) : (w !== 0 ? 1 : 0);
      }
      data = f;
    } else if (q !== null) {
      const f = new Float32Array(n);
      for (let i = 0; i < n; i++) f[i] = half(view.getUint16(at + 2 * i, true));
      data = f;
    } else if (s.dtype === 'float32') {
      const f = new Float32Array(n);
      for (let i = 0; i < n; i++) f[i] = view.getFloat32(at + 4 * i, true);
      data = f;
    } else if (s.dtype === 'int32') {
      const f = new Int32Array(n);
      for (let i = 0; i < n; i++) f[i] = view.getInt32(at + 4 * i, true);
      data = f;
    } else {
      data = buf.slice(at, at + n).map((v) => (v !== 0 ? 1 : 0));
    }
    return { name: s.name, shape: s.shape, dtype: s.dtype, data };
  });
}

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
export function half(h: number): number {
  const sgn = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sgn * m * 2 ** -24;
  if (e === 31) return m === 0 ? sgn * Infinity : NaN;
  return sgn * (1 + m / 1024) * 2 ** (e - 15);
}
