// Data types, their native codes (native/core/dtype.h), typed arrays and promotion.
import { fail, describe } from './errors';

export type DType = 'float32' | 'float64' | 'int32' | 'bool';
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];
export const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };
export const DTYPE_BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
export const TYPED_ARRAY: Record<DType, { new (n: number | ArrayLike<number>): TypedArray }> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

export function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/** PyTorch's promotion lattice restricted to our types: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

export function checkDType(d: unknown, op: string, arg = 'dtype'): DType {
  if (d === 'float32' || d === 'float64' || d === 'int32' || d === 'bool') return d;
  return fail(op, `${arg} must be one of float32, float64, int32, bool; got ${describe(d)}`, 'ERR_DTYPE');
}

export function dtypeOfTypedArray(a: unknown): DType | null {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return null;
}
