// Argument checks and small helpers shared by the normalisation ops (normalization.ts,
// normalization-rows.ts): option objects, per-channel parameter tensors, the in-place write
// back into running statistics, and the 'paramGrad' split of the native backward's output.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { isFloat } from '../core/dtype';
import { native, writeLayout } from '../core/native';
import { checkTensor } from '../core/validate';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { zerosLike } from './creation';

/** x as a live float tensor (float32 / float64). */
export function floatInput(op: string, x: unknown, arg = 'x'): Tensor {
  const t = checkTensor(x, op, arg);
  if (!isFloat(t.dtype)) fail(op, `${arg} must be float32 or float64, got ${t.dtype} ${fmtShape(t.shape)}`, 'ERR_DTYPE');
  return t;
}

/** The options object (or {}), with only the known keys. */
export function optionsOf<T extends object>(op: string, o: unknown, known: readonly string[]): Partial<T> {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o) || o instanceof Tensor) fail(op, `options must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o as object))
    if (!known.includes(k)) fail(op, `unknown option '${k}' (options are ${known.join(', ')})`);
  return o as Partial<T>;
}

/** eps: a finite number >= 0. */
export function epsOf(op: string, v: unknown, dflt = 1e-5): number {
  const e = v === undefined ? dflt : v;
  if (typeof e !== 'number' || !Number.isFinite(e) || e < 0) fail(op, `eps must be a finite number >= 0, got ${describe(e)}`);
  return e as number;
}

/**
 * An optional tensor of `shape` and x's dtype (weight, bias, running stats), or null. `what`
 * names what its shape must match, for the message.
 */
export function paramOf(op: string, v: unknown, arg: string, shape: number[], x: Tensor, what: string): Tensor | null {
  if (v === undefined || v === null) return null;
  const t = checkTensor(v, op, arg);
  if (t.dtype !== x.dtype) fail(op, `${arg} must have the input's dtype ${x.dtype}, got ${t.dtype}`, 'ERR_DTYPE');
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    fail(op, `${arg} must have shape ${fmtShape(shape)} (${what}), got ${fmtShape(t.shape)} for input ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  return t;
}

/** The product of dims [from, to). */
export function numelOf(shape: readonly number[], from = 0, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i];
  return n;
}

/** Copies src's elements into dst (same shape and dtype), in place. */
export function writeBack(dst: Tensor, src: Tensor): void {
  if (dst.size === 0) return;
  writeLayout(0, dst.shape, dst._strides, src._strides);
  native.copy(dst._h, dst._offset, src._h, src._offset);
  dst._version++;
}

/** Handle and offset of an optional contiguous operand (null, 0 when absent). */
export function hOf(t: Tensor | null): number | null {
  return t === null ? null : t._h;
}
export function offOf(t: Tensor | null): number {
  return t === null ? 0 : t._offset;
}

/** The two halves of a native paramGrad output [2n] (dweight then dbias), as views; the buffer is released by them. */
export function splitHalves(h: number | null, n: number, shape: number[], dtype: Tensor['dtype']): [Tensor | null, Tensor | null] {
  if (h === null) return [null, null];
  const all = Tensor._fromHandle(h, [2 * n], dtype);
  const strides = shape.map((_, i) => numelOf(shape, i + 1));
  const a = all._view(shape.slice(), strides, 0);
  const b = all._view(shape.slice(), strides, n);
  all.dispose();
  return [a, b];
}

/** The 1/(needed) flags of the native backward: 1 dx, 2 dweight, 4 dbias. */
export function gradFlags(dx: boolean, dw: boolean, db: boolean): number {
  return (dx ? 1 : 0) | (dw ? 2 : 0) | (db ? 4 : 0);
}

/**
 * The result of a normalisation of an empty x: an empty output and, when recorded, zero
 * gradients (sums over nothing). Decided in TS so that a zero-size x with huge other dims
 * ([1e9, 2, 0]) never reaches a kernel that would loop over its rows or channels.
 */
export function emptyNorm(op: string, x: Tensor, w: Tensor | null, b: Tensor | null): Tensor {
  const y = zerosLike(x); // on x's device
  if (!(tape.on && (tracked(x) || (w !== null && tracked(w)) || (b !== null && tracked(b))))) return y;
  const inputs = [x];
  if (w !== null) inputs.push(w);
  if (b !== null) inputs.push(b);
  record(y, op, inputs, (_g, needs) => inputs.map((t, i) => (needs[i] ? zerosLike(t) : null)));
  return y;
}
