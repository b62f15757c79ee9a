// TensorProto → host data: checks the dims and the stored data against each other before
// allocating anything (a hostile file cannot make us allocate more than it holds), and maps
// ONNX's element types onto tapeflow's four dtypes. int64 values are kept as JS numbers here:
// whether one out of int32 range is an error depends on where it is used (see graph.ts).
import { TapeflowError } from '../core/errors';
import type { DType, TypedArray } from '../core/dtype';

/** A tensor read from the file: values in a typed array of its tapeflow dtype, or (int64) numbers. */
export interface HostTensor {
  name: string;
  onnxType: number;
  dtype: DType;
  shape: number[];
  data: TypedArray;
  /** int64 / uint32 / uint64 values that do not fit in int32 (saturated in data) */
  outOfRange: boolean;
}

/** ONNX TensorProto.DataType numbers (onnx.proto) and names for messages. */
export const ONNX_DTYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING',
  9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128', 16: 'BFLOAT16',
};

// element type → [tapeflow dtype, bytes per element in raw_data]
const MAP: Record<number, [DType, number]> = {
  1: ['float32', 4], 2: ['int32', 1], 3: ['int32', 1], 4: ['int32', 2], 5: ['int32', 2], 6: ['int32', 4], 7: ['int32', 8],
  9: ['bool', 1], 10: ['float32', 2], 11: ['float64', 8], 12: ['int32', 4], 13: ['int32', 8], 16: ['float32', 2],
};

/** The tapeflow dtype of an ONNX element type, or an ERR_UNSUPPORTED error from `where`. */
export function dtypeOf(t: number, where: () => string): DType {
  const m = MAP[t];
  if (m === undefined) {
    const name = ONNX_DTYPE_NAMES[t] ?? `unknown (${t})`;
    throw new TapeflowError(`${where()}: element type ${name} is not supported (tapeflow reads FLOAT, DOUBLE, FLOAT16, BFLOAT16, BOOL and the integer types as int32)`, 'ERR_UNSUPPORTED');
  }
  return m[0];
}

/** A protobuf int64 (a Long, or a number when long.js is absent) as a JS number; NaN if not exact. */
export function longToNumber(v: unknown): number {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : NaN;
  if (v !== null && typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned?: boolean };
    const hi = unsigned ? high >>> 0 : high | 0;
    const n = hi * 4294967296 + (low >>> 0);
    return Number.isSafeInteger(n) ? n : hi < 0 && !unsigned ? -Infinity : Infinity;
  }
  return NaN;
}

// at most this many elements in one tensor (4 GiB of float32): above, the file is hostile or beyond us
const MAX_ELEMENTS = 2 ** 30;

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Reads a decoded TensorProto. `where` names the file and the tensor for messages;
 * every problem is a TapeflowError (ERR_FORMAT for a malformed tensor, ERR_UNSUPPORTED for
 * what tapeflow cannot hold).
 */
export function readTensor(p: Record<string, unknown>, where: string): HostTensor {
  const bad = (msg: string, code = 'ERR_FORMAT'): never => {
    throw new TapeflowError(`${where}: ${msg}`, code);
  };
  const name = typeof p.name === 'string' ? p.name : '';
  if ((p.data_location as number) === 1 || ((p.external_data as unknown[]) ?? []).length > 0)
    bad('the tensor is stored as external data (a separate file); tapeflow reads only self-contained models — re-save it with onnx.save_model(model, path, save_as_external_data=False)', 'ERR_UNSUPPORTED');
  const onnxType = p.data_type as number;
  const dtype = dtypeOf(onnxType, () => where);
  const [, bytes] = MAP[onnxType];
  const dims = (p.dims as unknown[]) ?? [];
  if (dims.length > 32) bad(`${dims.length} dims (at most 32)`);
  const shape: number[] = [];
  let n = 1;
  for (const d of dims) {
    const v = longToNumber(d);
    if (!(v >= 0) || !Number.isFinite(v)) bad(`dims [${dims.map(String).join(',')}] hold ${String(d)}: dims must be integers ≥ 0`);
    shape.push(v);
    n *= v;
  }
  if (n > MAX_ELEMENTS) bad(`dims [${shape.join(',')}] give ${n} elements, more than tapeflow holds in one tensor (${MAX_ELEMENTS})`);
  const raw = p.raw_data as Uint8Array | undefined;
  const data = new (dtype === 'float32' ? Float32Array : dtype === 'float64' ? Float64Array : dtype === 'bool' ? Uint8Array : Int32Array)(0);
  let out: TypedArray = data;
  let outOfRange = false;
  const clampInt = (v: number): number => {
    if (v > 2147483647 || v < -2147483648 || Number.isNaN(v)) {
      outOfRange = true;
      return Number.isNaN(v) ? 0 : v > 0 ? 2147483647 : -2147483648;
    }
    return v;
  };
  if (raw !== undefined && raw.length > 0) {
    if (raw.length !== n * bytes)
      bad(`raw_data holds ${raw.length} bytes; dims [${shape.join(',')}] of ${ONNX_DTYPE_NAMES[onnxType]} need ${n * bytes}`);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    out = allocate(dtype, n);
    for (let i = 0; i < n; i++) {
      switch (onnxType) {
        case 1: out[i] = dv.getFloat32(i * 4, true); break;
        case 11: out[i] = dv.getFloat64(i * 8, true); break;
        case 2: out[i] = dv.getUint8(i); break;
        case 3: out[i] = dv.getInt8(i); break;
        case 4: out[i] = dv.getUint16(i * 2, true); break;
        case 5: out[i] = dv.getInt16(i * 2, true); break;
        case 6: out[i] = dv.getInt32(i * 4, true); break;
        case 12: out[i] = clampInt(dv.getUint32(i * 4, true)); break;
        case 7: out[i] = clampInt(Number(dv.getBigInt64(i * 8, true))); break;
        case 13: out[i] = clampInt(Number(dv.getBigUint64(i * 8, true))); break;
        case 9: out[i] = dv.getUint8(i) ? 1 : 0; break;
        case 10: out[i] = half(dv.getUint16(i * 2, true)); break;
        case 16: out[i] = new Float32Array(new Uint32Array([dv.getUint16(i * 2, true) << 16]).buffer)[0]; break;
      }
    }
  } else {
    // typed fields: float_data (FLOAT), double_data, int64_data, uint64_data, int32_data (everything else)
    const field = onnxType === 1 ? 'float_data' : onnxType === 11 ? 'double_data' : onnxType === 7 ? 'int64_data'
      : onnxType === 13 || onnxType === 12 ? (((p.uint64_data as unknown[]) ?? []).length > 0 ? 'uint64_data' : 'int32_data') : 'int32_data';
    const src = ((p[field] as unknown[]) ?? []) as unknown[];
    if (src.length !== n) bad(`${field} holds ${src.length} values; dims [${shape.join(',')}] need ${n}`);
    out = allocate(dtype, n);
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (onnxType === 10 || onnxType === 16) {
        const h = Number(v) & 0xffff;
        out[i] = onnxType === 10 ? half(h) : new Float32Array(new Uint32Array([h << 16]).buffer)[0];
      } else if (dtype === 'int32') out[i] = clampInt(typeof v === 'number' ? v : longToNumber(v));
      else if (dtype === 'bool') out[i] = Number(v) ? 1 : 0;
      else out[i] = Number(v);
    }
  }
  return { name, onnxType, dtype, shape, data: out, outOfRange };
}

function allocate(dtype: DType, n: number): TypedArray {
  if (dtype === 'float32') return new Float32Array(n);
  if (dtype === 'float64') return new Float64Array(n);
  if (dtype === 'bool') return new Uint8Array(n);
  return new Int32Array(n);
}
