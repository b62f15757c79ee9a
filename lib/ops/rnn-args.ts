// Argument checks of the recurrent layers (rnn.ts): every message names the op, the argument and
// the shapes / dtypes involved (a hidden state of the wrong shape names both shapes, as torch does).
import { fail, describe, fmtShape } from '../core/errors';
import { isFloat } from '../core/dtype';
import { checkTensor } from '../core/validate';
import { Tensor } from '../tensor';
import { fromTyped } from './creation';
import { tidy } from '../core/memory';
import { scopes, Disposable } from '../core/scope';
import { tape } from '../autograd/state';

// The recurrent modes and one layer's parameters (shared by rnn-layer.ts and rnn-composite.ts).
export type RnnMode = 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu';
export const RNN_GATES: Record<RnnMode, number> = { lstm: 4, gru: 3, rnn_tanh: 1, rnn_relu: 1 };

/** The parameters of one layer and direction, torch's shapes; biases and whr may be null. */
export interface RnnLayerWeights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor | null;
  bhh: Tensor | null;
  whr: Tensor | null;
}

/** x: a float tensor [T, B, I] (or [B, T, I] batchFirst), or [T, I] unbatched, with I = inputSize. */
export function checkRnnInput(op: string, x: unknown, inputSize: number): Tensor {
  const t = checkTensor(x, op, 'input');
  if (!isFloat(t.dtype)) fail(op, `input must be float32 or float64, got ${t.dtype} ${fmtShape(t.shape)}`, 'ERR_DTYPE');
  if (t.shape.length !== 2 && t.shape.length !== 3)
    fail(op, `input must be 2-D (unbatched [T, ${inputSize}]) or 3-D, got shape ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  const I = t.shape[t.shape.length - 1];
  if (I !== inputSize)
    fail(op, `input.shape[-1] must equal inputSize: expected ${inputSize}, got ${I} (input ${fmtShape(t.shape)})`, 'ERR_SHAPE');
  return t;
}

/** A hidden / cell state of exactly `shape` and the input's dtype and device. */
export function checkState(op: string, name: string, s: unknown, shape: number[], x: Tensor): Tensor {
  const t = checkTensor(s, op, name);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    fail(op, `${name} has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`, 'ERR_SHAPE');
  if (t.dtype !== x.dtype) fail(op, `${name} has dtype ${t.dtype}, the input ${x.dtype}: they must match`, 'ERR_DTYPE');
  if (t.device !== x.device) fail(op, `${name} is on ${t.device}, the input on ${x.device}`, 'ERR_DEVICE');
  return t;
}

/** A parameter of the input's dtype (torch refuses a mix as well). */
export function checkParam(op: string, name: string, p: Tensor, x: Tensor): void {
  p._live(op);
  if (p.dtype !== x.dtype)
    fail(op, `${name} has dtype ${p.dtype}, the input ${x.dtype}: they must match (cast the module or the input)`, 'ERR_DTYPE');
}

/**
 * lengths (number[], Int32Array or an integer tensor [B]) as an int32 tensor. Each must lie in
 * [0, T]; unlike torch's pack_padded_sequence they need not be sorted, and 0 is allowed (that row
 * gives zeros and keeps its initial state).
 */
export function lengthsTensor(op: string, lengths: unknown, B: number, T: number): Tensor | null {
  if (lengths === undefined || lengths === null) return null;
  let vals: ArrayLike<number>;
  if (lengths instanceof Tensor) {
    lengths._live(op);
    if (lengths.dtype !== 'int32' && !isFloat(lengths.dtype))
      fail(op, `lengths must be an integer tensor or an array of integers, got a ${lengths.dtype} tensor`, 'ERR_DTYPE');
    if (lengths.shape.length !== 1) fail(op, `lengths must be 1-D [${B}], got shape ${fmtShape(lengths.shape)}`, 'ERR_SHAPE');
    vals = lengths.dataSync() as ArrayLike<number>;
  } else if (Array.isArray(lengths) || lengths instanceof Int32Array) {
    vals = lengths as ArrayLike<number>;
  } else return fail(op, `lengths must be an array of integers or a tensor, got ${describe(lengths)}`);
  if (vals.length !== B) fail(op, `lengths has ${vals.length} entries, the batch has ${B}`, 'ERR_SHAPE');
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const v = vals[b];
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(op, `lengths[${b}] must be an integer, got ${describe(v)}`);
    if (v < 0 || v > T) fail(op, `lengths[${b}] = ${v} is outside [0, ${T}] (the sequence length)`, 'ERR_OUT_OF_BOUNDS');
    out[b] = v;
  }
  return fromTyped(out, [B], 'int32');
}

/** A positive integer option. */
export function positiveInt(op: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(op, `${name} must be an integer >= ${min}, got ${describe(v)}`);
  return v as number;
}

/**
 * Runs fn so that nothing it makes outlives a failure: without recording as tidy (temporaries go,
 * the result stays); with recording every tensor made is kept (the graph holds them) unless fn
 * throws, when they are all disposed.
 */
export function rnnScope<T>(fn: () => T): T {
  if (!tape.on) return tidy(fn);
  const scope: Disposable[] = [];
  scopes.push(scope);
  let r: T;
  try {
    r = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (scopes.length > 0) scopes[scopes.length - 1].push(...scope);
  return r;
}

/** An options argument: undefined / null or a plain object with only the known keys. */
export function plainOptions<T extends object>(op: string, o: unknown, known: readonly string[]): Partial<T> {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o) || o instanceof Tensor) return fail(op, `options must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o as object))
    if (!known.includes(k)) fail(op, `unknown option '${k}' (options are ${known.join(', ')})`);
  return o as Partial<T>;
}
