// Binary elementwise ops with numpy broadcasting and PyTorch type promotion:
// add sub mul div pow maximum minimum mod (+ TF/torch aliases). Comparisons and logical
// ops (bool results) live in logical.ts and share binaryOp.
//
// Promotion: bool < int32 < float32 < float64 between tensors. A JS number is a weak
// scalar: it takes the tensor's dtype, except that a fractional (or non-finite) number
// with an int/bool tensor gives float32, and an integer with a bool tensor gives int32
// (as PyTorch). Each op's result dtype comes from its rule in RULE below.
import { native, meta } from '../core/native';
import { DType, DTYPES, DTYPE_CODE, isFloat, promoteTypes } from '../core/dtype';
import { fail, describe } from '../core/errors';
import { broadcastShapes, broadcastStrides, isContiguous, sameShape } from '../core/shape';
import { Tensor } from '../tensor';
import { Binary, BINARY_OP_COUNT } from './opcodes';
import { record } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumTo } from '../autograd/grad';
import { neg, log } from './unary';
import { cast } from './cast';
import { eq, lt, gt } from './logical';

export type TensorLike = Tensor | number | boolean;

// ---- per-op rules -----------------------------------------------------------------------

/** How an op's result dtype follows from the promoted input dtype. */
const enum Rule {
  /** result = compute dtype = promoted dtype */
  Same = 0,
  /** true division: int/bool inputs compute in float32 */
  Float = 1,
  /** comparisons / logical ops: computed in the promoted dtype, result bool */
  Bool = 2,
}

interface OpInfo {
  name: string;
  rule: Rule;
  /** false: undefined on bool operands (PyTorch refuses these too) */
  bool: boolean;
}

const OPS: OpInfo[] = [];
function def(code: Binary, name: string, rule: Rule, bool = true): void {
  OPS[code] = { name, rule, bool };
}
def(Binary.Add, 'add', Rule.Same);
def(Binary.Sub, 'sub', Rule.Same, false);
def(Binary.Mul, 'mul', Rule.Same);
def(Binary.Div, 'div', Rule.Float);
def(Binary.Pow, 'pow', Rule.Same, false);
def(Binary.Maximum, 'maximum', Rule.Same);
def(Binary.Minimum, 'minimum', Rule.Same);
def(Binary.Mod, 'mod', Rule.Same, false);
def(Binary.Eq, 'eq', Rule.Bool);
def(Binary.Ne, 'ne', Rule.Bool);
def(Binary.Lt, 'lt', Rule.Bool);
def(Binary.Le, 'le', Rule.Bool);
def(Binary.Gt, 'gt', Rule.Bool);
def(Binary.Ge, 'ge', Rule.Bool);
def(Binary.LogicalAnd, 'logicalAnd', Rule.Bool);
def(Binary.LogicalOr, 'logicalOr', Rule.Bool);
def(Binary.LogicalXor, 'logicalXor', Rule.Bool);
def(Binary.ReluGrad, 'reluGrad', Rule.Same);
if (OPS.length !== BINARY_OP_COUNT) throw new Error('binary.ts: op table out of step with opcodes.ts');

/**
 * FAST_OUT[code * 4 + dtypeCode]: the output dtype code when both operands already have
 * that dtype and the op runs on it directly (no cast, no error), else -1. One typed-array
 * read decides the fast path.
 */
const FAST_OUT = new Int8Array(BINARY_OP_COUNT * 4).fill(-1);
for (let code = 0; code < BINARY_OP_COUNT; code++) {
  const { rule, bool } = OPS[code];
  for (let dc = 0; dc < 4; dc++) {
    const d = DTYPES[dc];
    if (d === 'bool' && !bool) continue;
    if (rule === Rule.Float && !isFloat(d)) continue;
    FAST_OUT[code * 4 + dc] = rule === Rule.Bool ? DTYPE_CODE.bool : dc;
  }
}

// ---- promotion helpers ------------------------------------------------------------------

function scalarDType(x: number | boolean): DType {
  if (typeof x === 'boolean') return 'bool';
  return Number.isInteger(x) ? 'int32' : 'float32';
}

/** @internal Result dtype of combining a tensor dtype with a weak scalar. */
export function withScalar(t: DType, s: number | boolean): DType {
  if (isFloat(t)) return t;
  const sd = scalarDType(s);
  if (sd === 'float32') return 'float32';
  if (t === 'bool' && sd === 'int32') return 'int32';
  return t;
}

/** @internal promoted dtype of any mix of tensors and weak scalars (tensors take precedence). */
export function resultDType(xs: readonly TensorLike[]): DType {
  let t: DType | null = null;
  let s: DType | null = null;
  for (const x of xs) {
    if (x instanceof Tensor) t = t === null ? x.dtype : promoteTypes(t, x.dtype);
    else {
      const d = scalarDType(x);
      s = s === null ? d : promoteTypes(s, d);
    }
  }
  if (t === null) return s ?? 'float32';
  if (s === null) return t;
  // a scalar only lifts the category (bool -> int -> float), never the width within it
  if (isFloat(t)) return t;
  if (s === 'float32') return 'float32';
  if (s === 'int32' && t === 'bool') return 'int32';
  return t;
}

/** @internal validates an operand: a live Tensor, a number or a boolean. */
export function checkOperand(x: unknown, op: string, arg: string): TensorLike {
  if (x instanceof Tensor) return x._live(op);
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  return fail(op, `${arg} must be a Tensor, a number or a boolean, got ${describe(x)}`);
}

/** @internal */
export function asTensor(x: unknown, op: string, arg: string): Tensor {
  if (x instanceof Tensor) return x._live(op);
  return fail(op, `${arg} must be a Tensor, got ${describe(x)}`);
}

/** @internal checks a scalar can be held exactly enough by dtype (int32 range). */
export function checkScalarFor(x: number | boolean, dtype: DType, op: string, arg: string): void {
  if (dtype === 'int32' && typeof x === 'number' && (x > 2147483647 || x < -2147483648))
    fail(op, `${arg} = ${x} does not fit the int32 computation; use a float tensor`);
}

// ---- the op runner ----------------------------------------------------------------------

/**
 * Runs binary op `code` on two operands (tensors or weak scalars), broadcasting and
 * promoting. The output dtype follows the op's rule (bool for comparisons/logical ops).
 */
export function binaryOp(code: Binary, op: string, a: TensorLike, b: TensorLike): Tensor {
  // Fast paths: the common cases in a training loop, decided with a handful of reads.
  if (a instanceof Tensor && !a._disposed) {
    const dc = DTYPE_CODE[a.dtype];
    const o = FAST_OUT[code * 4 + dc];
    if (o >= 0 && isContiguous(a.shape, a._strides)) {
      if (b instanceof Tensor) {
        if (b.dtype === a.dtype && !b._disposed && sameShape(a.shape, b.shape) && isContiguous(b.shape, b._strides)) {
          meta[0] = 1;
          meta[1] = a.size;
          meta[2] = 1;
          meta[3] = 1;
          meta[4] = 1;
          const h = native.binary(code, dc, a._h, a._offset, b._h, b._offset);
          return Tensor._fromHandle(h, a.shape.slice(), DTYPES[o]);
        }
      } else if (typeof b === 'number' && dc <= 1) {
        // float tensor op number: the number takes the tensor's dtype
        meta[0] = 1;
        meta[1] = a.size;
        meta[2] = 1;
        meta[3] = 1;
        meta[4] = 0;
        const h = native.binary(code, dc, a._h, a._offset, b, -1);
        return Tensor._fromHandle(h, a.shape.slice(), DTYPES[o]);
      }
    }
  }
  return binarySlow(code, op, a, b);
}

function binarySlow(code: Binary, op: string, a: TensorLike, b: TensorLike): Tensor {
  checkOperand(a, op, 'a');
  checkOperand(b, op, 'b');
  const info = OPS[code];
  const promoted = resultDType([a, b]);
  let dtype = promoted;
  if (info.rule === Rule.Float && !isFloat(dtype)) dtype = 'float32';
  if (dtype === 'bool' && !info.bool) {
    const hint = code === Binary.Sub ? '; use logicalXor for bool tensors' : '; cast to int32 or float32 first';
    fail(op, `not defined for bool operands${hint}`, 'ERR_DTYPE');
  }
  const aIsT = a instanceof Tensor;
  const bIsT = b instanceof Tensor;
  if (!aIsT) checkScalarFor(a, dtype, op, 'a');
  if (!bIsT) checkScalarFor(b, dtype, op, 'b');
  if (code === Binary.Pow && dtype === 'int32' && !bIsT && (b as number) < 0)
    fail(op, `integers to negative integer powers are not allowed (exponent ${b}); cast to float first`);

  let ta: Tensor | null = aIsT ? (a as Tensor) : null;
  let tb: Tensor | null = bIsT ? (b as Tensor) : null;
  // shapes first: a mismatch fails before any cast is allocated
  const outShape = ta && tb ? broadcastShapes(ta.shape, tb.shape, op) : ta ? ta.shape : tb ? tb.shape : [];
  let castA: Tensor | null = null;
  let castB: Tensor | null = null;
  try {
    if (ta && ta.dtype !== dtype) ta = castA = ta._copyAs(dtype);
    if (tb && tb.dtype !== dtype) tb = castB = tb._copyAs(dtype);
    const n = outShape.length;
    meta[0] = n;
    for (let d = 0; d < n; d++) {
      meta[1 + d] = outShape[d];
      meta[1 + n + d] = 0; // out strides: set natively (always contiguous)
    }
    writeStrides(1 + 2 * n, ta, outShape);
    writeStrides(1 + 3 * n, tb, outShape);
    const h = native.binary(
      code,
      DTYPE_CODE[dtype],
      ta ? ta._h : Number(a),
      ta ? ta._offset : -1,
      tb ? tb._h : Number(b),
      tb ? tb._offset : -1,
    );
    return Tensor._fromHandle(h, outShape.slice(), info.rule === Rule.Bool ? 'bool' : dtype);
  } finally {
    castA?.dispose();
    castB?.dispose();
  }
}

/** @internal writes t's strides broadcast to outShape at meta[pos] (zeros for a scalar). */
export function writeStrides(pos: number, t: Tensor | null, outShape: readonly number[]): void {
  const n = outShape.length;
  if (t === null) {
    for (let d = 0; d < n; d++) meta[pos + d] = 0;
    return;
  }
  const s = broadcastStrides(t.shape, t._strides, outShape);
  for (let d = 0; d < n; d++) meta[pos + d] = s[d];
}

// ---- the ops ----------------------------------------------------------------------------

// Each op records its gradient when an operand is tracked (tape.on is false in programs
// that never ask for gradients, so inference pays one property read). The backward
// closures use public ops; sumTo reduces a broadcast gradient to the operand's shape.

/** @internal records a binary op: inputs are the tensor operands (numbers get no gradient). */
function rec(out: Tensor, name: string, a: TensorLike, b: TensorLike, ga: (g: Tensor) => Tensor, gb: (g: Tensor) => Tensor): Tensor {
  const aT = a instanceof Tensor;
  const bT = b instanceof Tensor;
  const inputs: Tensor[] = [];
  if (aT) inputs.push(a);
  if (bT) inputs.push(b);
  return record(out, name, inputs, (g, needs) => {
    const r: (Tensor | null)[] = [];
    let k = 0;
    if (aT) r.push(needs[k++] ? sumTo(ga(g), a) : null);
    if (bT) r.push(needs[k++] ? sumTo(gb(g), b) : null);
    return r;
  });
}

/**
 * @internal whether an op on these operands records (tape on and one of them is tracked).
 * Operands were validated by binaryOp, so an object is a Tensor; typeof is cheaper than
 * instanceof here, which matters in a training program for ops on untracked tensors.
 */
function recording(a: TensorLike, b: TensorLike): boolean {
  return (
    tape.on &&
    ((typeof a === 'object' && (a._rg || a._node !== null)) || (typeof b === 'object' && (b._rg || b._node !== null)))
  );
}

/** @internal a float 0/1 mask of the same dtype as like (a constant: no gradient flows through it). */
function maskOf(m: Tensor, like: Tensor): Tensor {
  return cast(m, like.dtype);
}

export function add(a: TensorLike, b: TensorLike): Tensor {
  const out = binaryOp(Binary.Add, 'add', a, b);
  if (tape.on && recording(a, b)) rec(out, 'add', a, b, (g) => g, (g) => g);
  return out;
}
/** a - b. Not defined for two bool operands (use logicalXor), as in PyTorch. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return subImpl('sub', a, b);
}
function subImpl(op: string, a: TensorLike, b: TensorLike): Tensor {
  const out = binaryOp(Binary.Sub, op, a, b);
  if (tape.on && recording(a, b)) rec(out, op, a, b, (g) => g, (g) => neg(g));
  return out;
}
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return mulImpl('mul', a, b);
}
function mulImpl(op: string, a: TensorLike, b: TensorLike): Tensor {
  const out = binaryOp(Binary.Mul, op, a, b);
  // d(ab)/da = b, d(ab)/db = a
  if (tape.on && recording(a, b)) rec(out, op, a, b, (g) => mul(g, b), (g) => mul(g, a));
  return out;
}
/** True division: integer inputs give float32, as in PyTorch. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return divImpl('div', a, b);
}
function divImpl(op: string, a: TensorLike, b: TensorLike): Tensor {
  const out = binaryOp(Binary.Div, op, a, b);
  // d(a/b)/da = 1/b, d(a/b)/db = -a/b²
  if (tape.on && recording(a, b)) rec(out, op, a, b, (g) => div(g, b), (g) => neg(div(mul(g, a), mul(b, b))));
  return out;
}
/**
 * a ** b. int32 ** int32 stays int32 (wrapping); a negative integer exponent with integer
 * operands throws, as PyTorch does for a scalar exponent.
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const out = binaryOp(Binary.Pow, 'pow', a, b);
  // d(a^b)/da = b a^(b-1), d(a^b)/db = a^b ln a
  if (tape.on && recording(a, b)) rec(out, 'pow', a, b, (g) => mul(g, mul(b, powMinus1(a, b))), (g) => mul(g, mul(pow(a, b), logOf(a))));
  return out;
}
function powMinus1(a: TensorLike, b: TensorLike): Tensor {
  return pow(a, typeof b === 'number' ? b - 1 : sub(b, 1));
}
function logOf(a: TensorLike): Tensor | number {
  return a instanceof Tensor ? log(a) : Math.log(Number(a));
}
/**
 * @internal the share of maximum/minimum's gradient for one operand: 0 where `loses(a, b)`
 * says the other operand won, 1/2 on ties, 1 otherwise — torch 1.13's formula, which also
 * gives both operands the full gradient where a NaN makes every comparison false.
 */
function extremeShare(a: TensorLike, b: TensorLike, loses: (a: TensorLike, b: TensorLike) => Tensor, like: Tensor): Tensor {
  return sub(sub(1, maskOf(loses(a, b), like)), mul(maskOf(eq(a, b), like), 0.5));
}
/** Elementwise max; NaN if either side is NaN (torch.maximum). Ties split the gradient evenly. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  const out = binaryOp(Binary.Maximum, 'maximum', a, b);
  if (tape.on && recording(a, b)) rec(out, 'maximum', a, b, (g) => mul(g, extremeShare(a, b, lt, g)), (g) => mul(g, extremeShare(a, b, gt, g)));
  return out;
}
/** Elementwise min; NaN if either side is NaN (torch.minimum). Ties split the gradient evenly. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const out = binaryOp(Binary.Minimum, 'minimum', a, b);
  if (tape.on && recording(a, b)) rec(out, 'minimum', a, b, (g) => mul(g, extremeShare(a, b, gt, g)), (g) => mul(g, extremeShare(a, b, lt, g)));
  return out;
}
/**
 * @internal relu's backward in one pass: 0 where x <= 0, else g (torch's threshold_backward, so
 * a NaN input passes its gradient).
 * Its own gradient (createGraph) is the same mask applied to the incoming gradient; x gets none.
 */
export function reluGrad(g: Tensor, x: Tensor): Tensor {
  const out = binaryOp(Binary.ReluGrad, 'reluGrad', g, x);
  if (tape.on && recording(g, x)) record(out, 'reluGrad', [g, x], (gg, needs) => [needs[0] ? reluGrad(gg, x) : null, null]);
  return out;
}
/**
 * Floor modulo: the result has the sign of the divisor (torch.remainder, python %, tf.math.floormod).
 * Integer mod by zero throws.
 */
export function mod(a: TensorLike, b: TensorLike): Tensor {
  return modImpl('mod', a, b);
}
function modImpl(op: string, a: TensorLike, b: TensorLike): Tensor {
  const out = binaryOp(Binary.Mod, op, a, b);
  // a mod b = a - floor(a/b) b: d/da = 1, d/db = -floor(a/b)
  if (tape.on && recording(a, b)) rec(out, op, a, b, (g) => g, (g) => neg(mul(g, sub(a, out).div(b).round())));
  return out;
}

// TF / torch spellings
export function subtract(a: TensorLike, b: TensorLike): Tensor {
  return subImpl('subtract', a, b);
}
export function multiply(a: TensorLike, b: TensorLike): Tensor {
  return mulImpl('multiply', a, b);
}
export function divide(a: TensorLike, b: TensorLike): Tensor {
  return divImpl('divide', a, b);
}
export function floorMod(a: TensorLike, b: TensorLike): Tensor {
  return modImpl('floorMod', a, b);
}
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  return modImpl('remainder', a, b);
}

declare module '../tensor' {
  interface Tensor {
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    maximum(b: TensorLike): Tensor;
    minimum(b: TensorLike): Tensor;
    mod(b: TensorLike): Tensor;
    subtract(b: TensorLike): Tensor;
    multiply(b: TensorLike): Tensor;
    divide(b: TensorLike): Tensor;
    floorMod(b: TensorLike): Tensor;
    remainder(b: TensorLike): Tensor;
  }
}
Tensor.prototype.add = function (b) { return add(this, b); };
Tensor.prototype.sub = function (b) { return sub(this, b); };
Tensor.prototype.mul = function (b) { return mul(this, b); };
Tensor.prototype.div = function (b) { return div(this, b); };
Tensor.prototype.pow = function (b) { return pow(this, b); };
Tensor.prototype.maximum = function (b) { return maximum(this, b); };
Tensor.prototype.minimum = function (b) { return minimum(this, b); };
Tensor.prototype.mod = function (b) { return mod(this, b); };
Tensor.prototype.subtract = function (b) { return subtract(this, b); };
Tensor.prototype.multiply = function (b) { return multiply(this, b); };
Tensor.prototype.divide = function (b) { return divide(this, b); };
Tensor.prototype.floorMod = function (b) { return floorMod(this, b); };
Tensor.prototype.remainder = function (b) { return remainder(this, b); };
