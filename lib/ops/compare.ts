// clone (a fresh contiguous copy that passes gradients) and the closeness tests isclose /
// allclose (torch.isclose semantics).
import { DType, isFloat, promoteTypes } from '../core/dtype';
import { fail, describe } from '../core/errors';
import { tidy } from '../core/memory';
import { broadcastShapes } from '../core/shape';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sub, mul, add } from './binary';
import { abs, isnan, isfinite } from './unary';
import { eq, le, logicalAnd, logicalOr } from './logical';
import { all } from './reduce';
import { cast } from './cast';

function tensorArg(x: unknown, op: string, arg: string): Tensor {
  if (!(x instanceof Tensor)) fail(op, `${arg} must be a Tensor, got ${describe(x)}`);
  return x._live(op);
}

/**
 * A new contiguous tensor with x's values, dtype and shape, owning its own buffer (views,
 * broadcast and flipped layouts included). On the tape the gradient passes through.
 */
export function clone(x: Tensor): Tensor {
  const t = tensorArg(x, 'clone', 'x');
  const out = t._copyAs(t.dtype);
  if (tape.on && tracked(t)) record(out, 'clone', [t], (g) => [g]);
  return out;
}

export interface IsCloseOptions {
  /** relative tolerance (default 1e-5) */
  rtol?: number;
  /** absolute tolerance (default 1e-8) */
  atol?: number;
  /** NaN equals NaN (default false) */
  equalNan?: boolean;
}

const OPTION_KEYS = new Set(['rtol', 'atol', 'equalNan']);

function readOptions(op: string, options: unknown): { rtol: number; atol: number; equalNan: boolean } {
  if (options === undefined) return { rtol: 1e-5, atol: 1e-8, equalNan: false };
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    fail(op, `options must be an object { rtol, atol, equalNan }, got ${describe(options)}`);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!OPTION_KEYS.has(k)) fail(op, `unknown option '${k}' (expected rtol, atol, equalNan)`);
  const num = (k: string, d: number): number => {
    const v = o[k] === undefined ? d : o[k];
    if (typeof v !== 'number' || !(v >= 0)) fail(op, `${k} must be a number >= 0, got ${describe(v)}`);
    return v as number;
  };
  const equalNan = o.equalNan === undefined ? false : o.equalNan;
  if (typeof equalNan !== 'boolean') fail(op, `equalNan must be a boolean, got ${describe(equalNan)}`);
  return { rtol: num('rtol', 1e-5), atol: num('atol', 1e-8), equalNan };
}

/** Validates the operands; returns them with the dtype the error is computed in. */
function operands(op: string, a: unknown, b: unknown): [Tensor | number, Tensor | number, DType] {
  const isNum = (v: unknown): v is number => typeof v === 'number';
  if (!(a instanceof Tensor) && !isNum(a)) fail(op, `a must be a Tensor or a number, got ${describe(a)}`);
  if (!(b instanceof Tensor) && !isNum(b)) fail(op, `b must be a Tensor or a number, got ${describe(b)}`);
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) fail(op, 'at least one of a and b must be a Tensor');
  if (a instanceof Tensor) a._live(op);
  if (b instanceof Tensor) b._live(op);
  if (a instanceof Tensor && b instanceof Tensor) broadcastShapes(a.shape, b.shape, op);
  // float operands keep their (promoted) float dtype, as torch computes the error in it;
  // int32/bool compute in float64, where every int32 and every difference of two is exact
  let dt: DType | null = null;
  for (const v of [a, b]) if (v instanceof Tensor) dt = dt === null ? v.dtype : promoteTypes(dt, v.dtype);
  return [a as Tensor | number, b as Tensor | number, isFloat(dt as DType) ? (dt as DType) : 'float64'];
}

/**
 * Elementwise |a - b| <= atol + rtol * |b| (a bool tensor of the broadcast shape), as
 * torch.isclose: equal values (infinities of one sign included) are close; an infinity is
 * close to nothing else; NaN is close to NaN only with equalNan. Not symmetric (b scales
 * rtol). Either operand may be a number; mixed dtypes promote.
 */
export function isclose(a: Tensor | number, b: Tensor | number, options?: IsCloseOptions): Tensor {
  const op = 'isclose';
  const [ta, tb, dt] = operands(op, a, b);
  const { rtol, atol, equalNan } = readOptions(op, options);
  return iscloseImpl(ta, tb, dt, rtol, atol, equalNan);
}

function iscloseImpl(a: Tensor | number, b: Tensor | number, dt: DType, rtol: number, atol: number, equalNan: boolean): Tensor {
  const on = tape.on;
  tape.on = false; // a bool result: nothing to differentiate, no nodes for the intermediates
  try {
    return tidy(() => {
      const fa = a instanceof Tensor && a.dtype !== dt ? cast(a, dt) : a;
      const fb = b instanceof Tensor && b.dtype !== dt ? cast(b, dt) : b;
      let close = eq(fa, fb);
      if (equalNan) {
        if (fa instanceof Tensor && fb instanceof Tensor) close = logicalOr(close, logicalAnd(isnan(fa), isnan(fb)));
        else if (Number.isNaN(fa instanceof Tensor ? fb : fa)) close = logicalOr(close, isnan(fa instanceof Tensor ? fa : (fb as Tensor)));
      }
      if (rtol === 0 && atol === 0) return close;
      // torch's order: allowed = atol + |rtol * b|, actual = |a - b|, finite actual only
      const allowed = fb instanceof Tensor ? add(abs(mul(fb, rtol)), atol) : atol + Math.abs(rtol * fb);
      const actual = abs(sub(fa, fb));
      return logicalOr(close, logicalAnd(isfinite(actual), le(actual, allowed)));
    });
  } finally {
    tape.on = on;
  }
}

/** True when every element of isclose(a, b, options) is (true for empty tensors). */
export function allclose(a: Tensor | number, b: Tensor | number, options?: IsCloseOptions): boolean {
  const op = 'allclose';
  const [ta, tb, dt] = operands(op, a, b);
  const { rtol, atol, equalNan } = readOptions(op, options);
  const close = iscloseImpl(ta, tb, dt, rtol, atol, equalNan);
  try {
    const r = all(close);
    try {
      return r.item() !== 0;
    } finally {
      r.dispose();
    }
  } finally {
    close.dispose();
  }
}

declare module '../tensor' {
  interface Tensor {
    clone(): Tensor;
    isclose(b: Tensor | number, options?: IsCloseOptions): Tensor;
    allclose(b: Tensor | number, options?: IsCloseOptions): boolean;
  }
}
Tensor.prototype.clone = function () { return clone(this); };
Tensor.prototype.isclose = function (b, options) { return isclose(this, b, options); };
Tensor.prototype.allclose = function (b, options) { return allclose(this, b, options); };
