// Matrix products, normalisation and reductions.
import { Tensor } from '../tensor';
import { matmul } from '../ops/matmul';
import { add, mul, sub, div } from '../ops/binary';
import { sqrt } from '../ops/unary';
import { transpose, reshape } from '../ops/views';
import { sum, mean, max, min, prod } from '../ops/reduce';
import { batchNorm } from '../ops/normalization';
import { def, need, nodeFail, axisOf, axesArg } from './registry';
import type { OpContext } from './registry';

def('MatMul', (x, c) => matmul(need(x, 0, c), need(x, 1, c)));

// alpha A' B' + beta C
def('Gemm', (x, c) => {
  let a = need(x, 0, c);
  let b = need(x, 1, c);
  if (a.rank !== 2 || b.rank !== 2) nodeFail(c, `A and B must be 2-D, got [${a.shape}] and [${b.shape}]`, 'ERR_SHAPE');
  if (c.attrs.int('transA', 0)) a = transpose(a);
  if (c.attrs.int('transB', 0)) b = transpose(b);
  const alpha = c.attrs.float('alpha', 1);
  const beta = c.attrs.float('beta', 1);
  let y = matmul(a, b);
  if (alpha !== 1) y = mul(y, alpha);
  const cc = x[2];
  if (cc instanceof Tensor) y = add(y, beta === 1 ? cc : mul(cc, beta));
  return y;
});

def('BatchNormalization', (x, c) => {
  const t = need(x, 0, c);
  const eps = c.attrs.float('epsilon', 1e-5);
  // opsets 7-8: spatial = 0 keeps statistics per element of [C, D1, …], which tapeflow does not run
  if (c.attrs.int('spatial', 1) === 0) nodeFail(c, 'spatial = 0 is not supported');
  const [scale, bias, m, v] = [1, 2, 3, 4].map((k) => need(x, k, c));
  if (c.attrs.int('training_mode', 0) === 1) {
    // opset 14+: normalise with the batch's statistics (population variance) and return the
    // updated running ones: running = running * momentum + batch * (1 - momentum)
    if (c.opset < 14) nodeFail(c, 'training mode before opset 14 (spatial / is_test attributes) is not supported');
    const momentum = c.attrs.float('momentum', 0.9);
    const axes = t.shape.map((_, i) => i).filter((i) => i !== 1);
    const shape = t.shape.map((d, i) => (i === 1 ? d : 1));
    const mu = mean(t, axes, true);
    const d = sub(t, mu);
    const vr = mean(mul(d, d), axes, true);
    const y = add(mul(div(d, sqrt(add(vr, eps))), reshape(scale, shape)), reshape(bias, shape));
    const flat = (u: Tensor): Tensor => reshape(u, [t.shape[1]]);
    return [y, add(mul(m, momentum), mul(flat(mu), 1 - momentum)), add(mul(v, momentum), mul(flat(vr), 1 - momentum))];
  }
  if (c.node.outputs.filter((o) => o !== '').length > 1) nodeFail(c, 'running-statistics outputs need training_mode = 1', 'ERR_FORMAT');
  if (t.rank >= 2 && t.rank <= 5) return batchNorm(t, m, v, { weight: scale, bias, eps, training: false });
  // other ranks: the formula with public ops, over channel dim 1
  const shape = t.shape.map((d, i) => (i === 1 ? d : 1));
  const r = (u: Tensor): Tensor => reshape(u, shape);
  return add(mul(div(sub(t, r(m)), sqrt(add(r(v), eps))), r(scale)), r(bias));
});

def('LayerNormalization', (x, c) => {
  const t = need(x, 0, c);
  const a = axisOf(c.attrs.int('axis', -1), t.rank, c);
  const eps = c.attrs.float('epsilon', 1e-5);
  const axes = t.shape.slice(a).map((_, i) => a + i);
  const mu = mean(t, axes, true);
  const d = sub(t, mu);
  const invStd = div(1, sqrt(add(mean(mul(d, d), axes, true), eps)));
  const s = mul(mul(d, invStd), need(x, 1, c));
  // the optional Mean and InvStdDev outputs keep the reduced dims as 1
  return [x[2] instanceof Tensor ? add(s, x[2]) : s, mu, invStd];
});

/** ReduceX: axes an attribute, or from opset 13 (ReduceSum) / 18 (the others) an input. */
function reduceOp(f: (t: Tensor, axes: number[] | undefined, keep: boolean) => Tensor, axesInputSince: number) {
  return (x: (Tensor | null)[], c: OpContext): Tensor => {
    const t = need(x, 0, c);
    const keep = c.attrs.int('keepdims', 1) === 1;
    const axes = axesArg(x, 1, axesInputSince, c);
    if (axes === undefined || axes.length === 0) {
      if (c.attrs.int('noop_with_empty_axes', 0) === 1) return t;
      if (t.rank === 0) return t;
      return f(t, t.shape.map((_, i) => i), keep);
    }
    return f(t, axes.map((a) => axisOf(a, t.rank, c)), keep);
  };
}
def('ReduceSum', reduceOp((t, a, k) => sum(t, a, k), 13));
def('ReduceMean', reduceOp((t, a, k) => mean(t, a, k), 18));
def('ReduceMax', reduceOp((t, a, k) => max(t, a, k), 18));
def('ReduceMin', reduceOp((t, a, k) => min(t, a, k), 18));
def('ReduceProd', reduceOp((t, a, k) => prod(t, a, k), 18));
def('ReduceSumSquare', reduceOp((t, a, k) => sum(mul(t, t), a, k), 18));
