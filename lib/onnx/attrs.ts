// A node's attributes, read by name with a default, each checked against the type the op expects.
import { TapeflowError } from '../core/errors';
import { longToNumber, readTensor } from './tensor';
import type { HostTensor } from './tensor';

// AttributeProto.AttributeType
const FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, FLOATS = 6, INTS = 7, STRINGS = 8;
const TYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'INT', 3: 'STRING', 4: 'TENSOR', 5: 'GRAPH', 6: 'FLOATS', 7: 'INTS', 8: 'STRINGS',
  9: 'TENSORS', 10: 'GRAPHS', 11: 'SPARSE_TENSOR', 12: 'SPARSE_TENSORS', 13: 'TYPE_PROTO', 14: 'TYPE_PROTOS',
};

type Raw = Record<string, unknown>;

/** The type of an attribute: its `type` field, or (files older than IR 3 leave it 0) the field that is set. */
function typeOf(a: Raw): number {
  const t = (a.type as number) ?? 0;
  if (t !== 0) return t;
  const len = (k: string): number => ((a[k] as unknown[]) ?? []).length;
  if (len('floats')) return FLOATS;
  if (len('ints')) return INTS;
  if (len('strings')) return STRINGS;
  if (Object.prototype.hasOwnProperty.call(a, 't')) return TENSOR;
  if (Object.prototype.hasOwnProperty.call(a, 's')) return STRING;
  if (Object.prototype.hasOwnProperty.call(a, 'f')) return FLOAT;
  if (Object.prototype.hasOwnProperty.call(a, 'i')) return INT;
  return 0;
}

export class Attrs {
  private readonly map = new Map<string, Raw>();
  constructor(list: Raw[], private readonly where: string) {
    for (const a of list) {
      const name = typeof a.name === 'string' ? a.name : '';
      if (typeof a.ref_attr_name === 'string' && a.ref_attr_name !== '')
        this.fail(`attribute '${name}' refers to a function attribute; only graphs without local functions are supported`, 'ERR_UNSUPPORTED');
      this.map.set(name, a);
    }
  }

  fail(msg: string, code = 'ERR_FORMAT'): never {
    throw new TapeflowError(`${this.where}: ${msg}`, code);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  names(): string[] {
    return [...this.map.keys()];
  }

  private get(name: string, type: number): Raw | undefined {
    const a = this.map.get(name);
    if (a === undefined) return undefined;
    const t = typeOf(a);
    if (t !== type) this.fail(`attribute '${name}' is ${TYPE_NAMES[t] ?? t}, expected ${TYPE_NAMES[type]}`);
    return a;
  }

  int(name: string, dflt: number): number;
  int(name: string, dflt?: number): number | undefined;
  int(name: string, dflt?: number): number | undefined {
    const a = this.get(name, INT);
    if (a === undefined) return dflt;
    return this.checkInt(name, longToNumber(a.i));
  }

  ints(name: string, dflt: number[]): number[];
  ints(name: string, dflt?: number[]): number[] | undefined;
  ints(name: string, dflt?: number[]): number[] | undefined {
    const a = this.get(name, INTS);
    if (a === undefined) return dflt;
    return ((a.ints as unknown[]) ?? []).map((v) => this.checkInt(name, longToNumber(v)));
  }

  float(name: string, dflt: number): number;
  float(name: string, dflt?: number): number | undefined;
  float(name: string, dflt?: number): number | undefined {
    const a = this.get(name, FLOAT);
    return a === undefined ? dflt : Number(a.f);
  }

  floats(name: string, dflt?: number[]): number[] | undefined {
    const a = this.get(name, FLOATS);
    return a === undefined ? dflt : ((a.floats as number[]) ?? []).map(Number);
  }

  string(name: string, dflt: string): string;
  string(name: string, dflt?: string): string | undefined;
  string(name: string, dflt?: string): string | undefined {
    const a = this.get(name, STRING);
    if (a === undefined) return dflt;
    return Buffer.from((a.s as Uint8Array) ?? new Uint8Array(0)).toString('utf8');
  }

  strings(name: string, dflt?: string[]): string[] | undefined {
    const a = this.get(name, STRINGS);
    if (a === undefined) return dflt;
    return ((a.strings as Uint8Array[]) ?? []).map((b) => Buffer.from(b).toString('utf8'));
  }

  tensor(name: string): HostTensor | undefined {
    const a = this.get(name, TENSOR);
    return a === undefined ? undefined : readTensor((a.t as Raw) ?? {}, `${this.where}: attribute '${name}'`);
  }

  /** Integers beyond int32 are clamped: as attributes they are bounds (Slice ends = INT64_MAX) or errors later. */
  private checkInt(name: string, v: number): number {
    if (Number.isNaN(v)) this.fail(`attribute '${name}' holds an integer that is not exact in a double`);
    return Math.max(-(2 ** 53), Math.min(2 ** 53, v));
  }
}
