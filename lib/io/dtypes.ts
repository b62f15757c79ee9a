// The safetensors dtypes tapeflow reads and writes, and which tapeflow dtype each becomes.
// The index of an entry is its code in native/binding/io.cc (FileKind).
import type { DType } from '../core/dtype';

export interface FileDType {
  /** the safetensors spelling */
  name: string;
  /** bytes per element */
  size: number;
  /** what a tensor of this file dtype loads as */
  dtype: DType;
}

/**
 * Reading: F64 → float64; F32, F16, BF16 → float32 (exact: float32 holds every half and
 * bfloat16 value); I64, I32, I16, I8, U8 → int32 (an I64 value outside int32 is an error
 * naming the tensor); BOOL → bool.
 */
export const FILE_DTYPES: readonly FileDType[] = [
  { name: 'F64', size: 8, dtype: 'float64' },
  { name: 'F32', size: 4, dtype: 'float32' },
  { name: 'F16', size: 2, dtype: 'float32' },
  { name: 'BF16', size: 2, dtype: 'float32' },
  { name: 'I64', size: 8, dtype: 'int32' },
  { name: 'I32', size: 4, dtype: 'int32' },
  { name: 'I16', size: 2, dtype: 'int32' },
  { name: 'I8', size: 1, dtype: 'int32' },
  { name: 'U8', size: 1, dtype: 'int32' },
  { name: 'BOOL', size: 1, dtype: 'bool' },
];

/** file dtype name → its code (index in FILE_DTYPES) */
export const FILE_KIND: ReadonlyMap<string, number> = new Map(FILE_DTYPES.map((d, i) => [d.name, i]));

/** Spellings of the safetensors format that tapeflow does not read (named in the error). */
export const UNSUPPORTED_DTYPES: ReadonlySet<string> = new Set(['U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** How float tensors are written: their own dtype unless `{ dtype }` asks for another float format. */
export type SaveFloatDType = 'float16' | 'bfloat16' | 'float32' | 'float64';

const FLOAT_NAME: Record<SaveFloatDType, string> = { float16: 'F16', bfloat16: 'BF16', float32: 'F32', float64: 'F64' };

/** Writing: float32 → F32, float64 → F64 (or the requested float format), int32 → I32, bool → BOOL. */
export function fileDTypeFor(dtype: DType, floatAs: SaveFloatDType | undefined): string {
  if (dtype === 'int32') return 'I32';
  if (dtype === 'bool') return 'BOOL';
  if (floatAs !== undefined) return FLOAT_NAME[floatAs];
  return dtype === 'float64' ? 'F64' : 'F32';
}

export function isSaveFloatDType(v: unknown): v is SaveFloatDType {
  return v === 'float16' || v === 'bfloat16' || v === 'float32' || v === 'float64';
}
