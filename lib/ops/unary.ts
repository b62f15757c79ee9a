// Unary elementwise ops: math, activations, rounding and the isnan/isfinite predicates.
// clip/clamp/clipByValue live in clip.ts (re-exported here); the dispatch in elementwise.ts.
//
// dtypes (as PyTorch): float math on int32/bool input computes in float32 — the kernel reads
// the int/bool input directly, no temporary. neg/abs/sign/square/relu/clip keep int32;
// floor/ceil/round of int32/bool are copies; isnan/isfinite give bool.
import { isFloat } from '../core/dtype';
import { fail, describe } from '../core/errors';
import { Tensor } from '../tensor';
import { checkNumber } from '../core/validate';
import { Unary } from './opcodes';
import { unaryOp } from './elementwise';
import { add, sub, mul, div, reluGrad } from './binary';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { gt, where } from './logical';
import { zerosLike } from './creation';

// the dispatch helpers stay importable from here, where op files have always found them
/** @internal */
export { unaryOp, unaryRaw } from './elementwise';
export { clip, clamp, clipByValue } from './clip';
export type { Bound } from './clip';

/** @internal records a one-input op whose gradient is `fn(g)` (written with public ops). */
function rec1(out: Tensor, name: string, x: Tensor, fn: (g: Tensor) => Tensor): Tensor {
  return record(out, name, [x], (g) => [fn(g)]);
}
/**
 * @internal Records a piecewise-constant op (sign, floor, ceil, round): its gradient is zero
 * everywhere, as torch's (the output still requires grad, so sums of it can backward).
 */
function zeroGrad(out: Tensor, name: string, x: Tensor): Tensor {
  if (tape.on && tracked(x) && isFloat(out.dtype)) rec1(out, name, x, (g) => zerosLike(g));
  return out;
}


// ---- math -------------------------------------------------------------------------------

export function neg(x: Tensor): Tensor {
  const out = unaryOp(Unary.Neg, 'neg', x);
  if (tape.on && tracked(x)) rec1(out, 'neg', x, (g) => neg(g));
  return out;
}
export function abs(x: Tensor): Tensor {
  const out = unaryOp(Unary.Abs, 'abs', x);
  if (tape.on && tracked(x)) rec1(out, 'abs', x, (g) => mul(g, sign(x)));
  return out;
}
/** -1, 0 or 1; NaN stays NaN (as numpy; torch.sign gives 0). */
export function sign(x: Tensor): Tensor {
  return zeroGrad(unaryOp(Unary.Sign, 'sign', x), 'sign', x);
}
export function exp(x: Tensor): Tensor {
  const out = unaryOp(Unary.Exp, 'exp', x);
  if (tape.on && tracked(x)) rec1(out, 'exp', x, (g) => mul(g, out));
  return out;
}
/** e^x - 1, accurate near 0. */
export function expm1(x: Tensor): Tensor {
  const out = unaryOp(Unary.Expm1, 'expm1', x);
  if (tape.on && tracked(x)) rec1(out, 'expm1', x, (g) => mul(g, add(out, 1)));
  return out;
}
export function log(x: Tensor): Tensor {
  const out = unaryOp(Unary.Log, 'log', x);
  if (tape.on && tracked(x)) rec1(out, 'log', x, (g) => div(g, x));
  return out;
}
/** log(1 + x), accurate near 0. */
export function log1p(x: Tensor): Tensor {
  const out = unaryOp(Unary.Log1p, 'log1p', x);
  if (tape.on && tracked(x)) rec1(out, 'log1p', x, (g) => div(g, add(x, 1)));
  return out;
}
export function sqrt(x: Tensor): Tensor {
  const out = unaryOp(Unary.Sqrt, 'sqrt', x);
  if (tape.on && tracked(x)) rec1(out, 'sqrt', x, (g) => div(g, mul(out, 2)));
  return out;
}
/** 1 / sqrt(x). */
export function rsqrt(x: Tensor): Tensor {
  const out = unaryOp(Unary.Rsqrt, 'rsqrt', x);
  if (tape.on && tracked(x)) rec1(out, 'rsqrt', x, (g) => mul(g, mul(pow3(out), -0.5)));
  return out;
}
export function square(x: Tensor): Tensor {
  const out = unaryOp(Unary.Square, 'square', x);
  if (tape.on && tracked(x)) rec1(out, 'square', x, (g) => mul(g, mul(x, 2)));
  return out;
}
/** 1 / x (float32 for int input). */
export function reciprocal(x: Tensor): Tensor {
  const out = unaryOp(Unary.Reciprocal, 'reciprocal', x);
  if (tape.on && tracked(x)) rec1(out, 'reciprocal', x, (g) => neg(mul(g, mul(out, out))));
  return out;
}
export function sin(x: Tensor): Tensor {
  const out = unaryOp(Unary.Sin, 'sin', x);
  if (tape.on && tracked(x)) rec1(out, 'sin', x, (g) => mul(g, cos(x)));
  return out;
}
export function cos(x: Tensor): Tensor {
  const out = unaryOp(Unary.Cos, 'cos', x);
  if (tape.on && tracked(x)) rec1(out, 'cos', x, (g) => neg(mul(g, sin(x))));
  return out;
}
export function tan(x: Tensor): Tensor {
  const out = unaryOp(Unary.Tan, 'tan', x);
  if (tape.on && tracked(x)) rec1(out, 'tan', x, (g) => mul(g, add(mul(out, out), 1)));
  return out;
}
export function tanh(x: Tensor): Tensor {
  const out = unaryOp(Unary.Tanh, 'tanh', x);
  if (tape.on && tracked(x)) rec1(out, 'tanh', x, (g) => mul(g, sub(1, mul(out, out))));
  return out;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** The error function, 2/√π ∫₀ˣ e^(-t²) dt (int32/bool compute in float32). */
export function erf(x: Tensor): Tensor {
  const out = unaryOp(Unary.Erf, 'erf', x);
  // d erf / dx = 2/√π e^(-x²)
  if (tape.on && tracked(x)) rec1(out, 'erf', x, (g) => mul(g, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)));
  return out;
}

// ---- activations ------------------------------------------------------------------------

/** 1 / (1 + e^-x), computed without overflow for any x. */
export function sigmoid(x: Tensor): Tensor {
  const out = unaryOp(Unary.Sigmoid, 'sigmoid', x);
  if (tape.on && tracked(x)) rec1(out, 'sigmoid', x, (g) => mul(g, mul(out, sub(1, out))));
  return out;
}
/** max(x, 0); NaN stays NaN; int32 stays int32. */
export function relu(x: Tensor): Tensor {
  const out = unaryOp(Unary.Relu, 'relu', x);
  if (tape.on && tracked(x)) rec1(out, 'relu', x, (g) => reluGrad(g, x));
  return out;
}
/** x for x > 0, else alpha * x. */
export function leakyRelu(x: Tensor, alpha = 0.01): Tensor {
  const out = unaryOp(Unary.LeakyRelu, 'leakyRelu', x, checkNumber(alpha, 'leakyRelu', 'alpha'));
  // d/dx = 1 for x > 0, else alpha
  if (tape.on && tracked(x)) rec1(out, 'leakyRelu', x, (g) => where(gt(x, 0), g, mul(g, alpha)));
  return out;
}
/** x for x > 0, else alpha * (e^x - 1). */
export function elu(x: Tensor, alpha = 1): Tensor {
  const out = unaryOp(Unary.Elu, 'elu', x, checkNumber(alpha, 'elu', 'alpha'));
  // d/dx = 1 for x > 0, else alpha e^x = out + alpha
  if (tape.on && tracked(x)) rec1(out, 'elu', x, (g) => where(gt(x, 0), g, mul(g, add(out, alpha))));
  return out;
}
/** Exact GELU: x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)) (torch's approximate='none'). */
export function gelu(x: Tensor): Tensor {
  const out = unaryOp(Unary.Gelu, 'gelu', x);
  if (tape.on && tracked(x)) rec1(out, 'gelu', x, (g) => mul(g, geluGrad(x)));
  return out;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** d gelu / dx = Φ(x) + x φ(x) = (1 + erf(x/√2)) / 2 + x e^(-x²/2) / √(2π). */
function geluGrad(x: Tensor): Tensor {
  const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
  const pdf = mul(exp(mul(mul(x, x), -0.5)), INV_SQRT_2PI);
  return add(cdf, mul(x, pdf));
}
/**
 * log(1 + e^(beta x)) / beta, and x itself where beta * x > threshold (torch's softplus).
 * Numerically stable for any beta, threshold.
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  const b = checkNumber(beta, 'softplus', 'beta');
  if (b === 0 || !Number.isFinite(b)) fail('softplus', `beta must be a finite nonzero number, got ${describe(beta)}`);
  const out = unaryOp(Unary.Softplus, 'softplus', x, b, checkNumber(threshold, 'softplus', 'threshold'));
  // d/dx = sigmoid(beta x), and 1 where beta x > threshold (the linear region)
  if (tape.on && tracked(x)) {
    rec1(out, 'softplus', x, (g) => {
      const bx = mul(x, b);
      return where(gt(bx, threshold), g, mul(g, sigmoid(bx)));
    });
  }
  return out;
}

// ---- rounding ---------------------------------------------------------------------------

export function floor(x: Tensor): Tensor {
  return zeroGrad(unaryOp(Unary.Floor, 'floor', x), 'floor', x);
}
export function ceil(x: Tensor): Tensor {
  return zeroGrad(unaryOp(Unary.Ceil, 'ceil', x), 'ceil', x);
}
/** Rounds half to even (torch.round, np.round): round(0.5) = 0, round(1.5) = 2. */
export function round(x: Tensor): Tensor {
  return zeroGrad(unaryOp(Unary.Round, 'round', x), 'round', x);
}

/** x³ written with mul (for rsqrt's gradient). */
function pow3(t: Tensor): Tensor {
  return mul(t, mul(t, t));
}

// ---- predicates -------------------------------------------------------------------------

/** True where x is NaN (never for int32/bool). */
export function isnan(x: Tensor): Tensor {
  return unaryOp(Unary.IsNan, 'isnan', x);
}
/** True where x is neither infinite nor NaN (always for int32/bool). */
export function isfinite(x: Tensor): Tensor {
  return unaryOp(Unary.IsFinite, 'isfinite', x);
}

declare module '../tensor' {
  interface Tensor {
    neg(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    exp(): Tensor;
    expm1(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tan(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    leakyRelu(alpha?: number): Tensor;
    elu(alpha?: number): Tensor;
    gelu(): Tensor;
    erf(): Tensor;
    softplus(beta?: number, threshold?: number): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    isnan(): Tensor;
    isfinite(): Tensor;
  }
}
Tensor.prototype.neg = function () { return neg(this); };
Tensor.prototype.abs = function () { return abs(this); };
Tensor.prototype.sign = function () { return sign(this); };
Tensor.prototype.exp = function () { return exp(this); };
Tensor.prototype.expm1 = function () { return expm1(this); };
Tensor.prototype.log = function () { return log(this); };
Tensor.prototype.log1p = function () { return log1p(this); };
Tensor.prototype.sqrt = function () { return sqrt(this); };
Tensor.prototype.rsqrt = function () { return rsqrt(this); };
Tensor.prototype.square = function () { return square(this); };
Tensor.prototype.reciprocal = function () { return reciprocal(this); };
Tensor.prototype.sin = function () { return sin(this); };
Tensor.prototype.cos = function () { return cos(this); };
Tensor.prototype.tan = function () { return tan(this); };
Tensor.prototype.tanh = function () { return tanh(this); };
Tensor.prototype.sigmoid = function () { return sigmoid(this); };
Tensor.prototype.relu = function () { return relu(this); };
Tensor.prototype.leakyRelu = function (alpha?: number) { return leakyRelu(this, alpha); };
Tensor.prototype.elu = function (alpha?: number) { return elu(this, alpha); };
Tensor.prototype.gelu = function () { return gelu(this); };
Tensor.prototype.erf = function () { return erf(this); };
Tensor.prototype.softplus = function (beta?: number, threshold?: number) { return softplus(this, beta, threshold); };
Tensor.prototype.floor = function () { return floor(this); };
Tensor.prototype.ceil = function () { return ceil(this); };
Tensor.prototype.round = function () { return round(this); };
Tensor.prototype.isnan = function () { return isnan(this); };
Tensor.prototype.isfinite = function () { return isfinite(this); };
