// Binary elementwise ops with numpy broadcasting and PyTorch type promotion:
// add sub mul div pow maximum minimum mod (+ TF/torch aliases), each with its gradient.
// Comparisons and logical ops (bool results) live in logical.ts; the dispatch both use
// (promotion, dtype rules, the native call) is in elementwise.ts.
import { Tensor } from '../tensor';
import { Binary } from './opcodes';
import { record } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumTo } from '../autograd/sum-to';
import { cast } from './cast';
import { eq, lt, gt } from './logical';
import { TensorLike, binaryOp } from './elementwise';

// the dispatch helpers stay importable from here, where op files have always found them
/** @internal */
export { withScalar, resultDType, checkOperand, asTensor, checkScalarFor, binaryOp } from './elementwise';
/** @internal */
export { writeStrides } from '../core/meta';
export type { TensorLike } from './elementwise';

// ---- the ops ----------------------------------------------------------------------------

// Each op records its gradient when an operand is tracked (tape.on is false in programs
// that never ask for gradients, so inference pays one property read). The backward
// closures use public ops; sumTo reduces a broadcast gradient to the operand's shape.
// neg, log and round are called as Tensor methods: unary.ts is built on this file, and
// importing it here would close an import cycle (test/structure.test.ts forbids cycles).

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
  if (tape.on && recording(a, b)) rec(out, op, a, b, (g) => g, (g) => g.neg());
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
  if (tape.on && recording(a, b)) rec(out, op, a, b, (g) => div(g, b), (g) => div(mul(g, a), mul(b, b)).neg());
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
  return a instanceof Tensor ? a.log() : Math.log(Number(a));
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
  if (tape.on && recording(a, b)) rec(out, op, a, b, (g) => g, (g) => mul(g, sub(a, out).div(b).round()).neg());
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
