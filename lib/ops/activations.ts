// Activations composed from existing ops: relu6, hardSigmoid, hardSwish, silu (swish), mish,
// logSigmoid, softsign.
//
// Each forward is the formula of torch 1.13's CPU kernel, evaluated with recording off (so
// the intermediates leave no nodes and are freed at once); the op then records ONE node whose
// gradient is torch's backward formula written with public ops — the same values at the kinks
// (relu6 at 0 and 6, hardSigmoid/hardSwish at ±3) and, being made of ops, differentiable again.
// int32/bool input computes in float32, as tapeflow's float ops (sigmoid, exp…) do (torch
// refuses ints for most of these); relu6 keeps int32 and refuses bool, as torch's hardtanh.
import { isFloat } from '../core/dtype';
import { fail, describe } from '../core/errors';
import { tidy } from '../core/memory';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { add, sub, mul, div, minimum } from './binary';
import { abs, clip, exp, log1p, neg, sigmoid, sign, tanh } from './unary';
import { gt, lt, le, ge, logicalAnd, logicalOr, where } from './logical';
import { cast } from './cast';

/**
 * @internal Runs fwd on x (cast to float32 when x is int32/bool) with recording off, frees its
 * intermediates, and records one node with gradient grad(g, x) while x is tracked.
 */
function composite(op: string, x: unknown, fwd: (x: Tensor) => Tensor, grad: (g: Tensor, x: Tensor) => Tensor, keepInt = false): Tensor {
  if (!(x instanceof Tensor)) fail(op, `x must be a Tensor, got ${describe(x)}`);
  x._live(op);
  const on = tape.on;
  tape.on = false;
  let out: Tensor;
  try {
    out = tidy(() => fwd(isFloat(x.dtype) || keepInt ? x : cast(x, 'float32')));
  } finally {
    tape.on = on;
  }
  if (on && tracked(x)) record(out, op, [x], (g) => [grad(g, x)]);
  return out;
}

/** min(max(x, 0), 6) (torch.nn.functional.relu6, tf.nn.relu6); NaN stays NaN; int32 stays int32. */
export function relu6(x: Tensor): Tensor {
  if (x instanceof Tensor && x.dtype === 'bool') fail('relu6', 'bool tensors are not supported (as torch); cast to int32 or float32 first', 'ERR_DTYPE');
  // torch's hardtanh_backward: 0 where x <= 0 or x >= 6 (so 0 at both kinks; NaN passes g), else g
  return composite('relu6', x, (t) => clip(t, 0, 6), (g, t) => where(logicalOr(le(t, 0), ge(t, 6)), 0, g), true);
}

/** relu6(x + 3) / 6 (torch.nn.functional.hardsigmoid; not Keras' 0.2x + 0.5). */
export function hardSigmoid(x: Tensor): Tensor {
  // torch's hardsigmoid_backward: g / 6 where -3 < x < 3 (ends excluded), else 0
  return composite('hardSigmoid', x, (t) => div(clip(add(t, 3), 0, 6), 6),
    (g, t) => where(logicalAnd(gt(t, -3), lt(t, 3)), mul(g, 1 / 6), 0));
}

/** x * relu6(x + 3) / 6 (torch.nn.functional.hardswish). */
export function hardSwish(x: Tensor): Tensor {
  return composite('hardSwish', x, (t) => div(mul(t, clip(add(t, 3), 0, 6)), 6), hardSwishGrad);
}
/** torch's hardswish_backward: 0 for x < -3, g (x/3 + 1/2) for x <= 3, g above (and for NaN). */
function hardSwishGrad(g: Tensor, x: Tensor): Tensor {
  return where(lt(x, -3), 0, where(le(x, 3), mul(g, add(div(x, 3), 0.5)), g));
}

/** x * sigmoid(x), computed as torch's kernel does: x / (1 + e^-x). */
export function silu(x: Tensor): Tensor {
  return composite('silu', x, (t) => div(t, add(exp(neg(t)), 1)), siluGrad);
}
/** d silu / dx = s (1 + x (1 - s)) with s = sigmoid(x) (torch's silu_backward). */
function siluGrad(g: Tensor, x: Tensor): Tensor {
  const s = sigmoid(x);
  return mul(mul(g, s), add(mul(x, sub(1, s)), 1));
}
/** TensorFlow's name for silu (tf.nn.swish). */
export function swish(x: Tensor): Tensor {
  return composite('swish', x, (t) => div(t, add(exp(neg(t)), 1)), siluGrad);
}

/** x * tanh(softplus(x)) (torch.nn.functional.mish), as torch: x tanh(log1p(e^x)). */
export function mish(x: Tensor): Tensor {
  return composite('mish', x, (t) => mul(t, tanh(log1p(exp(t)))), mishGrad);
}
/** d mish / dx = tsp + x s (1 - tsp²), tsp = tanh(softplus(x)), s = sigmoid(x) (torch's mish_backward). */
function mishGrad(g: Tensor, x: Tensor): Tensor {
  const tsp = tanh(log1p(exp(x)));
  return mul(g, add(tsp, mul(mul(x, sigmoid(x)), sub(1, mul(tsp, tsp)))));
}

/** log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|): no overflow or log(0) for any x (torch's kernel). */
export function logSigmoid(x: Tensor): Tensor {
  // d/dx = 1 - sigmoid(x) = sigmoid(-x) (torch's log_sigmoid_backward, 1/2 at 0)
  return composite('logSigmoid', x, (t) => sub(minimum(t, 0), log1p(exp(neg(abs(t))))), (g, t) => mul(g, sigmoid(neg(t))));
}

/** x / (1 + |x|) (torch.nn.functional.softsign, tf.nn.softsign). */
export function softsign(x: Tensor): Tensor {
  return composite('softsign', x, (t) => div(t, add(abs(t), 1)), softsignGrad);
}
/**
 * d/dx x/d = 1/d - x sign(x)/d² with d = 1 + |x| (= 1/d², written as torch's autograd of its
 * composite evaluates it, so ±inf gives NaN as there and 0 gives exactly 1).
 */
function softsignGrad(g: Tensor, x: Tensor): Tensor {
  const d = add(abs(x), 1);
  return add(div(g, d), mul(div(mul(neg(g), x), mul(d, d)), sign(x)));
}

declare module '../tensor' {
  interface Tensor {
    relu6(): Tensor;
    hardSigmoid(): Tensor;
    hardSwish(): Tensor;
    silu(): Tensor;
    swish(): Tensor;
    mish(): Tensor;
    logSigmoid(): Tensor;
    softsign(): Tensor;
  }
}
Tensor.prototype.relu6 = function () { return relu6(this); };
Tensor.prototype.hardSigmoid = function () { return hardSigmoid(this); };
Tensor.prototype.hardSwish = function () { return hardSwish(this); };
Tensor.prototype.silu = function () { return silu(this); };
Tensor.prototype.swish = function () { return swish(this); };
Tensor.prototype.mish = function () { return mish(this); };
Tensor.prototype.logSigmoid = function () { return logSigmoid(this); };
Tensor.prototype.softsign = function () { return softsign(this); };
