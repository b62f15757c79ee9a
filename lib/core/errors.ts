// Every error tapeflow throws is a TapeflowError with a stable `code`; messages name
// the op, the argument, and the shapes/dtypes involved.

export class TapeflowError extends Error {
  readonly code: string;
  constructor(message: string, code = 'ERR_ARGUMENT') {
    super(message);
    this.name = 'TapeflowError';
    this.code = code;
  }
}

export function fail(op: string, message: string, code = 'ERR_ARGUMENT'): never {
  throw new TapeflowError(`${op}: ${message}`, code);
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** Short description of any JS value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'bigint') return `${v}n (a BigInt)`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return `array(${v.length})`;
  if (typeof v === 'object') {
    const ctor = (v as object).constructor;
    if (ctor && ctor.name === 'Tensor') {
      const t = v as { shape: number[]; dtype: string };
      return `Tensor(${fmtShape(t.shape)}, ${t.dtype})`;
    }
    return ctor ? ctor.name : 'object';
  }
  return typeof v;
}
