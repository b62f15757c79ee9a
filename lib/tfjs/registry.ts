// The Keras layer classes tp.io.loadTfjsModel runs. Each reads its config once at load time
// (bad values are ERR_FORMAT errors naming the layer) and applies itself with tapeflow ops on
// channels-last tensors, as Keras does.
import { Tensor } from '../tensor';
import { TapeflowError, describe } from '../core/errors';

export type Config = Record<string, unknown>;

export interface WeightRole {
  role: string;
  /** the expected shape ((null) for a dim the config does not fix); null: any */
  shape: (number | null)[] | null;
  /** moving statistics: a buffer, not a Parameter */
  buffer?: boolean;
}

export interface LayerContext {
  name: string;
  training: boolean;
  /**
   * When nothing records: a derived form of a weight (a transposed kernel), made once and reused
   * until the weight changes; absent when the tape needs the derivation itself.
   */
  cache?: (weight: Tensor, make: () => Tensor) => Tensor;
  /** the Keras mask of the call's first input ([batch, time], 1 = a real step), when it has one (masks.ts) */
  mask?: Tensor | null;
}

export interface LayerDef<P = unknown> {
  /** reads and checks the config */
  prepare(cfg: Config, name: string): P;
  /** the weights the layer owns, in Keras order */
  weights(p: P): WeightRole[];
  /** one Tensor, or one per output when outputs(p) > 1 (return_state) */
  apply(xs: Tensor[], w: Record<string, Tensor>, p: P, ctx: LayerContext): Tensor | Tensor[];
  /** how many tensors a call returns (default 1) */
  outputs?(p: P): number;
}

export const LAYERS = new Map<string, LayerDef<any>>(); // eslint-disable-line @typescript-eslint/no-explicit-any

export function layer<P>(className: string | string[], def: LayerDef<P>): void {
  for (const c of Array.isArray(className) ? className : [className]) LAYERS.set(c, def);
}

export function cfgFail(name: string, msg: string, code = 'ERR_FORMAT'): never {
  throw new TapeflowError(`loadTfjsModel: layer '${name}': ${msg}`, code);
}

/** A positive int, or a list of n of them (Keras accepts either for kernel sizes and strides). */
export function ints(name: string, cfg: Config, key: string, n: number, dflt?: number, min = 1): number[] {
  const v = cfg[key] ?? dflt;
  // Array.from reads holes of a sparse array as undefined (some / every would skip them)
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : Array.isArray(v) ? Array.from(v as unknown[]) : v;
  if (!Array.isArray(list) || list.length !== n || list.some((d) => !Number.isSafeInteger(d) || d < min || d > 2 ** 20))
    return cfgFail(name, `${key} must be an integer ≥ ${min} or ${n} of them, got ${describe(v)}`);
  return list as number[];
}

export function num(name: string, cfg: Config, key: string, dflt: number): number {
  const v = cfg[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) return cfgFail(name, `${key} must be a finite number, got ${describe(v)}`);
  return v;
}

export function bool(name: string, cfg: Config, key: string, dflt: boolean): boolean {
  const v = cfg[key] ?? dflt;
  if (typeof v !== 'boolean') return cfgFail(name, `${key} must be a boolean, got ${describe(v)}`);
  return v;
}

/** Keras' data_format: true for 'channels_first' (NCHW values), false for 'channels_last' (the default). */
export function channelsFirst(name: string, cfg: Config): boolean {
  const f = cfg.data_format ?? 'channels_last';
  if (f !== 'channels_last' && f !== 'channels_first') cfgFail(name, `data_format must be 'channels_last' or 'channels_first', got ${describe(f)}`);
  return f === 'channels_first';
}

export function padding(name: string, cfg: Config): 'same' | 'valid' {
  const p = cfg.padding ?? 'valid';
  if (p !== 'same' && p !== 'valid') return cfgFail(name, `padding must be 'same' or 'valid', got ${describe(p)}`, p === 'causal' ? 'ERR_UNSUPPORTED' : 'ERR_FORMAT');
  return p;
}

/** Runtime shape check with the layer's name. */
export function need(ctx: LayerContext, ok: boolean, msg: string): void {
  if (!ok) throw new TapeflowError(`loadTfjsModel: layer '${ctx.name}': ${msg}`, 'ERR_SHAPE');
}
