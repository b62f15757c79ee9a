// Element-wise, activation, comparison and softmax operators.
import { Tensor } from '../tensor';
import * as B from '../ops/binary';
import * as U from '../ops/unary';
import * as L from '../ops/logical';
import * as A from '../ops/activations';
import { cast } from '../ops/cast';
import { fullLike } from '../ops/creation';
import { rand } from '../ops/random';
import { clip } from '../ops/clip';
import { softmax, logSoftmax } from '../ops/softmax';
import { reshape, flatten } from '../ops/views';
import { isFloat } from '../core/dtype';
import { def, need, nodeFail, scalarOf, axisOf } from './registry';
import type { OpContext } from './registry';
import { dtypeOf } from './tensor';
import { native } from '../core/native';
import { emptyTensor } from '../ops/creation';
import { isGradEnabled, tracked } from '../autograd/tape';

type T = Tensor;
const bin = (f: (a: T, b: T) => T) => (x: (T | null)[], c: OpContext): T => f(need(x, 0, c), need(x, 1, c));
const un = (f: (a: T) => T) => (x: (T | null)[], c: OpContext): T => f(need(x, 0, c));

/** ONNX's integer division truncates toward zero (C's /). */
function divide(a: T, b: T): T {
  if (isFloat(a.dtype) || isFloat(b.dtype)) return B.div(a, b);
  const q = B.div(cast(a, 'float64'), cast(b, 'float64'));
  return cast(L.where(L.lt(q, 0), U.ceil(q), U.floor(q)), a.dtype);
}

def('Add', bin(B.add));
def('Sub', bin(B.sub));
def('Mul', bin(B.mul));
def('Div', bin(divide));
// the result has the base's type (an int base with a float exponent stays int)
def('Pow', bin((a, b) => {
  const y = B.pow(isFloat(a.dtype) ? a : cast(a, 'float64'), b);
  return y.dtype === a.dtype ? y : cast(y, a.dtype);
}));
def('Max', (x, c) => x.map((t, i) => need(x, i, c)).reduce((a, b) => B.maximum(a, b)));
def('Min', (x, c) => x.map((t, i) => need(x, i, c)).reduce((a, b) => B.minimum(a, b)));
def('Sum', (x, c) => x.map((t, i) => need(x, i, c)).reduce((a, b) => B.add(a, b)));
def('Mean', (x, c) => B.div(x.map((t, i) => need(x, i, c)).reduce((a, b) => B.add(a, b)), x.length));

def('Sqrt', un(U.sqrt));
def('Exp', un(U.exp));
def('Log', un(U.log));
def('Abs', un(U.abs));
def('Neg', un(U.neg));
def('Reciprocal', un(U.reciprocal));
def('Floor', un(U.floor));
def('Ceil', un(U.ceil));
def('Erf', un(U.erf));
def('Tanh', un(U.tanh));
def('Sigmoid', un(U.sigmoid));
def('Relu', un(U.relu));
def('Softplus', un(U.softplus));
def('Sin', un(U.sin));
def('Cos', un(U.cos));
def('Sign', un(U.sign));
def('LeakyRelu', (x, c) => U.leakyRelu(need(x, 0, c), c.attrs.float('alpha', 0.01)));
def('Elu', (x, c) => {
  const t = need(x, 0, c);
  const alpha = c.attrs.float('alpha', 1);
  return L.where(L.gt(t, 0), t, B.mul(U.expm1(t), alpha));
});
def('PRelu', (x, c) => {
  const t = need(x, 0, c);
  return L.where(L.lt(t, 0), B.mul(t, need(x, 1, c)), t);
});
// max(0, min(1, alpha x + beta)); tapeflow's hardSigmoid is the alpha = 1/6 case only
def('HardSigmoid', (x, c) => clip(B.add(B.mul(need(x, 0, c), c.attrs.float('alpha', 0.2)), c.attrs.float('beta', 0.5)), 0, 1));
def('HardSwish', un(A.hardSwish));
def('Clip', (x, c) => {
  const t = need(x, 0, c);
  if (c.opset < 11) return clip(t, c.attrs.float('min', -Infinity), c.attrs.float('max', Infinity));
  const lo = x[1] instanceof Tensor ? scalarOf(x[1], c, 'min') : undefined;
  const hi = x[2] instanceof Tensor ? scalarOf(x[2], c, 'max') : undefined;
  return lo === undefined && hi === undefined ? t : clip(t, lo, hi);
});

def('Equal', bin(L.eq));
def('Less', bin(L.lt));
def('LessOrEqual', bin(L.le));
def('Greater', bin(L.gt));
def('GreaterOrEqual', bin(L.ge));
def('Not', un(L.logicalNot));
def('And', bin(L.logicalAnd));
def('Or', bin(L.logicalOr));
def('Xor', bin(L.logicalXor));
def('Where', (x, c) => L.where(need(x, 0, c), need(x, 1, c), need(x, 2, c)));
def('IsNaN', un(U.isnan));

def('Cast', (x, c) => {
  const to = c.attrs.int('to');
  if (to === undefined) nodeFail(c, "attribute 'to' is required", 'ERR_FORMAT');
  const t = need(x, 0, c);
  const d = dtypeOf(to, () => `onnx (${c.file}): ${c.node.label}`);
  if ((to === FLOAT16 || to === BFLOAT16) && isFloat(t.dtype)) return toHalfPrecision(t, to === FLOAT16 ? IO_F16 : IO_BF16, c);
  // float → int truncates toward zero in ONNX
  if (isFloat(t.dtype) && d === 'int32') return cast(L.where(L.lt(t, 0), U.ceil(t), U.floor(t)), d);
  return t.dtype === d ? t : cast(t, d);
});
const FLOAT16 = 10, BFLOAT16 = 16;
// file-dtype codes of native ioEncode / ioDecode (native/binding/io.cc)
const IO_F16 = 2, IO_BF16 = 3;
/**
 * FLOAT16 / BFLOAT16 values are held as float32 (as the loader reads them): a cast to either
 * rounds to that precision (to nearest even, as onnxruntime and numpy do), through the
 * checkpoint writer's own half-precision encoder. The gradient passes straight through.
 */
function toHalfPrecision(t: T, kind: number, c: OpContext): T {
  if (t.device !== 'cpu') nodeFail(c, `a cast to ${kind === IO_F16 ? 'FLOAT16' : 'BFLOAT16'} runs on the cpu; the input is on ${t.device}`, 'ERR_DEVICE');
  const x = t.dtype === 'float32' ? t.contiguous() : cast(t, 'float32');
  const bytes = new Uint8Array(2 * x.size);
  native.ioEncode(x._h, x._offset, x.size, bytes, 0, kind);
  const r = emptyTensor(x.shape, 'float32');
  native.ioDecode(r._h, r._offset, r.size, bytes, 0, kind);
  if (!isGradEnabled() || !tracked(x)) return r;
  return B.add(x, B.sub(r, x).detach());
}
def('Identity', (x, c) => need(x, 0, c));
// inference: the identity and a mask of all true; training mode (opset 12+: its third input
// true) drops with tapeflow's generator, so its draws differ from other runtimes'
def('Dropout', (x, c) => {
  const t = need(x, 0, c);
  const training = x[2] instanceof Tensor ? scalarOf(x[2], c, 'training_mode') !== 0 : false;
  const ratio = c.opset >= 12 ? (x[1] instanceof Tensor ? scalarOf(x[1], c, 'ratio') : 0.5) : c.attrs.float('ratio', 0.5);
  const wantMask = c.node.outputs.length > 1 && c.node.outputs[1] !== '';
  if (!training || ratio === 0) return wantMask ? [t, fullLike(t, true, { dtype: 'bool' })] : t;
  if (!(ratio > 0 && ratio < 1)) nodeFail(c, `ratio ${ratio} must be in [0, 1)`, 'ERR_FORMAT');
  const mask = L.ge(rand(t.shape), ratio);
  const y = L.where(mask, B.mul(t, 1 / (1 - ratio)), 0);
  return wantMask ? [y, mask] : y;
});

/** Softmax / LogSoftmax: before opset 13 over the flattened dims from axis (default 1), from 13 over one axis (default -1). */
function softmaxOp(log: boolean) {
  return (x: (T | null)[], c: OpContext): T => {
    const t = need(x, 0, c);
    const f = log ? logSoftmax : softmax;
    if (c.opset >= 13) return f(t, axisOf(c.attrs.int('axis', -1), Math.max(t.rank, 1), c));
    const a = axisOf(c.attrs.int('axis', 1), Math.max(t.rank, 1), c);
    if (a === t.rank - 1) return f(t, -1);
    const y = f(flatten(t, a, -1), -1);
    return reshape(y, t.shape);
  };
}
def('Softmax', softmaxOp(false));
def('LogSoftmax', softmaxOp(true));
