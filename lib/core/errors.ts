// Every error tapeflow throws is a TapeflowError with a stable `code`; messages name
// the op, the argument, and the shapes/dtypes involved.

// Marks every TapeflowError, whichever copy of this module made it: two copies of the JS
// layer over one addon (jest.resetModules(), two packages resolving to one build) share the
// addon, and native errors are built from the class the first copy registered.
const BRAND = Symbol.for('tapeflow.TapeflowError');

export class TapeflowError extends Error {
  readonly code: string;
  constructor(message: string, code = 'ERR_ARGUMENT') {
    super(message);
    this.name = 'TapeflowError';
    this.code = code;
  }

  /** `e instanceof TapeflowError` holds for a TapeflowError of any copy of tapeflow. */
  static [Symbol.hasInstance](v: unknown): boolean {
    if (this !== TapeflowError) return Function.prototype[Symbol.hasInstance].call(this, v);
    return typeof v === 'object' && v !== null && (v as { [BRAND]?: unknown })[BRAND] === true;
  }
}
Object.defineProperty(TapeflowError.prototype, BRAND, { value: true });

export function fail(op: string, message: string, code = 'ERR_ARGUMENT'): never {
  throw new TapeflowError(`${op}: ${message}`, code);
}

/** At most this many dims of a shape are written into a message. */
const SHAPE_DIMS_SHOWN = 16;

/**
 * `[2,3]` for error messages. Bounded whatever it is given (a shape set by hand to a huge
 * array, or to something that is not an array at all), and never calls user code.
 */
export function fmtShape(shape: readonly number[]): string {
  if (!Array.isArray(shape)) return `<not a shape: ${describe(shape)}>`;
  const n = shape.length;
  const parts: string[] = [];
  for (let i = 0; i < n && i < SHAPE_DIMS_SHOWN; i++) {
    const d = shape[i];
    parts.push(typeof d === 'number' ? String(d) : describe(d));
  }
  if (n > SHAPE_DIMS_SHOWN) parts.push(`… ${n} dims`);
  return `[${parts.join(',')}]`;
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
