// Matrix products: matmul (numpy.matmul semantics), its aliases matMul / mm / bmm, dot and outer.
// float32/float64 run on OpenBLAS (gemm, or gemv/dot when a side is a vector); int32 on a plain
// native kernel; bool is refused. Mixed dtypes promote (bool < int32 < float32 < float64).
// Transposed views reach BLAS through its transpose flags, without a copy; other strided
// operands are packed natively. Batch dims broadcast; broadcast batches are never materialised.
import { native } from '../core/native';
import { writeMatrixOperand } from '../core/meta';
import { checkTensor } from '../core/validate';
import { DType, DTYPE_CODE, promoteTypes } from '../core/dtype';
import { fail, fmtShape } from '../core/errors';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumToShape } from '../autograd/sum-to';
import { reshape, transpose } from './views';

function resultDType(op: string, a: Tensor, b: Tensor): DType {
  const dtype = a.dtype === b.dtype ? a.dtype : promoteTypes(a.dtype, b.dtype);
  if (dtype === 'bool')
    fail(op, `bool tensors are not supported (${fmtShape(a.shape)} bool @ ${fmtShape(b.shape)} bool); cast to int32 or float32 first`, 'ERR_DTYPE');
  return dtype;
}

/** numpy.matmul on validated live tensors; `op` names the caller in errors. */
function matmulImpl(op: string, a: Tensor, b: Tensor): Tensor {
  const sa = a.shape;
  const sb = b.shape;
  const na = sa.length;
  const nb = sb.length;
  if (na === 0 || nb === 0)
    fail(op, `0-d tensors cannot be multiplied as matrices (both operands need at least 1 dim): ${fmtShape(sa)} @ ${fmtShape(sb)}`, 'ERR_SHAPE');
  const dtype = resultDType(op, a, b);
  const K = sa[na - 1];
  const Kb = nb === 1 ? sb[0] : sb[nb - 2];
  if (K !== Kb) fail(op, `inner dimensions differ: ${fmtShape(sa)} @ ${fmtShape(sb)} (${K} vs ${Kb})`, 'ERR_SHAPE');
  const M = na === 1 ? 1 : sa[na - 2];
  const N = nb === 1 ? 1 : sb[nb - 1];

  // Broadcast batch dims (all but the last two of each N-D operand).
  const ba = na > 2 ? na - 2 : 0;
  const bb = nb > 2 ? nb - 2 : 0;
  const nbat = ba > bb ? ba : bb;
  const batch = new Array<number>(nbat);
  for (let d = 0; d < nbat; d++) {
    const ia = d - (nbat - ba);
    const ib = d - (nbat - bb);
    const da = ia < 0 ? 1 : sa[ia];
    const db = ib < 0 ? 1 : sb[ib];
    if (da !== db && da !== 1 && db !== 1)
      fail(op, `batch dimensions cannot be broadcast: ${fmtShape(sa)} @ ${fmtShape(sb)} (batch dim ${d}: ${da} vs ${db})`, 'ERR_SHAPE');
    batch[d] = da === 1 ? db : da;
  }

  let ta = a;
  let tb = b;
  let castA: Tensor | null = null;
  let castB: Tensor | null = null;
  if (a.dtype !== dtype) ta = castA = a._copyAs(dtype);
  if (b.dtype !== dtype) tb = castB = b._copyAs(dtype);
  try {
    const st = ta._strides;
    const su = tb._strides;
    // A 1-D a is a 1 x K row (its row stride unused); a 1-D b a K x 1 column.
    const pos = writeMatrixOperand(0, batch, M, K, ta, na === 1 ? 1 : 2, na === 1 ? 0 : st[na - 2], st[na - 1]);
    writeMatrixOperand(pos, batch, K, N, tb, nb === 1 ? 1 : 2, nb === 1 ? su[0] : su[nb - 2], nb === 1 ? 0 : su[nb - 1]);
    const h = native.matmul(DTYPE_CODE[dtype], ta._h, ta._offset, tb._h, tb._offset);
    const outShape = batch;
    if (na > 1) outShape.push(M);
    if (nb > 1) outShape.push(N);
    const out = Tensor._fromHandle(h, outShape, dtype);
    if (tape.on && (tracked(a) || tracked(b))) recMatmul(out, op, a, b, outShape.length - (na > 1 ? 1 : 0) - (nb > 1 ? 1 : 0));
    return out;
  } finally {
    castA?.dispose();
    castB?.dispose();
  }
}

/**
 * Matrix product with numpy.matmul semantics: 1-D @ 1-D is a dot product (0-d result);
 * a 1-D left operand gets a leading 1 (removed after), a 1-D right operand a trailing 1;
 * N-D operands are stacks of matrices over broadcast batch dims ([2,1,3,4] @ [5,4,6] -> [2,5,3,6]).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  return matmulImpl('matmul', checkTensor(a, 'matmul', 'a'), checkTensor(b, 'matmul', 'b'));
}

/** Alias of matmul (TensorFlow.js spelling). */
export function matMul(a: Tensor, b: Tensor): Tensor {
  return matmulImpl('matMul', checkTensor(a, 'matMul', 'a'), checkTensor(b, 'matMul', 'b'));
}

/** 2-D matrix product (torch.mm): both operands must be 2-D. */
export function mm(a: Tensor, b: Tensor): Tensor {
  const ta = checkTensor(a, 'mm', 'a');
  const tb = checkTensor(b, 'mm', 'b');
  if (ta.shape.length !== 2 || tb.shape.length !== 2)
    fail('mm', `expected 2-D tensors, got ${fmtShape(ta.shape)} @ ${fmtShape(tb.shape)}`, 'ERR_SHAPE');
  return matmulImpl('mm', ta, tb);
}

/** Batched matrix product (torch.bmm): [B, M, K] @ [B, K, N] -> [B, M, N], no broadcasting. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  const ta = checkTensor(a, 'bmm', 'a');
  const tb = checkTensor(b, 'bmm', 'b');
  if (ta.shape.length !== 3 || tb.shape.length !== 3)
    fail('bmm', `expected 3-D tensors, got ${fmtShape(ta.shape)} @ ${fmtShape(tb.shape)}`, 'ERR_SHAPE');
  if (ta.shape[0] !== tb.shape[0])
    fail('bmm', `batch sizes differ: ${fmtShape(ta.shape)} @ ${fmtShape(tb.shape)} (${ta.shape[0]} vs ${tb.shape[0]})`, 'ERR_SHAPE');
  return matmulImpl('bmm', ta, tb);
}

/** Inner product of two 1-D tensors of equal length; a 0-d result. */
export function dot(a: Tensor, b: Tensor): Tensor {
  const ta = checkTensor(a, 'dot', 'a');
  const tb = checkTensor(b, 'dot', 'b');
  if (ta.shape.length !== 1 || tb.shape.length !== 1)
    fail('dot', `expected two 1-D tensors, got ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`, 'ERR_SHAPE');
  return matmulImpl('dot', ta, tb);
}

/** Outer product of two 1-D tensors: [n] ⊗ [m] -> [n, m], out[i, j] = a[i] * b[j]. */
export function outer(a: Tensor, b: Tensor): Tensor {
  const op = 'outer';
  const ta0 = checkTensor(a, op, 'a');
  const tb0 = checkTensor(b, op, 'b');
  if (ta0.shape.length !== 1 || tb0.shape.length !== 1)
    fail(op, `expected two 1-D tensors, got ${fmtShape(ta0.shape)} and ${fmtShape(tb0.shape)}`, 'ERR_SHAPE');
  const dtype = resultDType(op, ta0, tb0);
  const n = ta0.shape[0];
  const m = tb0.shape[0];
  let ta = ta0;
  let tb = tb0;
  let castA: Tensor | null = null;
  let castB: Tensor | null = null;
  if (ta.dtype !== dtype) ta = castA = ta._copyAs(dtype);
  if (tb.dtype !== dtype) tb = castB = tb._copyAs(dtype);
  try {
    // a as an n x 1 column, b as a 1 x m row: a K = 1 product.
    const pos = writeMatrixOperand(0, [], n, 1, ta, 1, ta._strides[0], 0);
    writeMatrixOperand(pos, [], 1, m, tb, 1, 0, tb._strides[0]);
    const h = native.matmul(DTYPE_CODE[dtype], ta._h, ta._offset, tb._h, tb._offset);
    const out = Tensor._fromHandle(h, [n, m], dtype);
    // d/da = g @ b, d/db = gᵀ @ a
    if (tape.on && (tracked(ta0) || tracked(tb0)))
      record(out, op, [ta0, tb0], (g, needs) => [
        needs[0] ? sumToShape(matmul(g, tb0), ta0.shape, ta0.dtype) : null,
        needs[1] ? sumToShape(matmul(transpose(g), ta0), tb0.shape, tb0.dtype) : null,
      ]);
    return out;
  } finally {
    castA?.dispose();
    castB?.dispose();
  }
}

/**
 * matmul's gradient: 1-D operands are read as [1, K] / [K, 1] matrices, then
 * gA = g @ Bᵀ and gB = Aᵀ @ g (transposed views, no copies), summed over broadcast
 * batch dims and reshaped back.
 */
function recMatmul(out: Tensor, op: string, a: Tensor, b: Tensor, nbat: number): void {
  const na = a.shape.length;
  const nb = b.shape.length;
  const K = a.shape[na - 1];
  const a2Shape = na === 1 ? [1, K] : a.shape;
  const b2Shape = nb === 1 ? [K, 1] : b.shape;
  const g2Shape = out.shape.slice(0, nbat);
  g2Shape.push(a2Shape[a2Shape.length - 2], b2Shape[b2Shape.length - 1]);
  record(out, op, [a, b], (g, needs) => {
    const g2 = reshape(g, g2Shape);
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (needs[0]) {
      const b2 = nb === 1 ? reshape(b, b2Shape) : b;
      ga = reshape(sumToShape(matmul(g2, transpose(b2, -1, -2)), a2Shape, a.dtype), a.shape);
    }
    if (needs[1]) {
      const a2 = na === 1 ? reshape(a, a2Shape) : a;
      gb = reshape(sumToShape(matmul(transpose(a2, -1, -2), g2), b2Shape, b.dtype), b.shape);
    }
    return [ga, gb];
  });
}

declare module '../tensor' {
  interface Tensor {
    matmul(b: Tensor): Tensor;
    matMul(b: Tensor): Tensor;
    mm(b: Tensor): Tensor;
    bmm(b: Tensor): Tensor;
    dot(b: Tensor): Tensor;
    outer(b: Tensor): Tensor;
  }
}
Tensor.prototype.matmul = function (b) { return matmul(this, b); };
Tensor.prototype.matMul = function (b) { return matMul(this, b); };
Tensor.prototype.mm = function (b) { return mm(this, b); };
Tensor.prototype.bmm = function (b) { return bmm(this, b); };
Tensor.prototype.dot = function (b) { return dot(this, b); };
Tensor.prototype.outer = function (b) { return outer(this, b); };
