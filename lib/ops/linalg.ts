// Dense linear algebra through LAPACK (OpenBLAS): inverse, det, solve, each batched over
// leading dims (..., n, n). float32/float64; int32 input computes in float32; bool is refused.
// A singular matrix makes inverse/solve throw a TapeflowError with code ERR_SINGULAR (naming
// the zero pivot and the batch index); det returns 0 for it.
import { native, writeLayout } from '../core/native';
import { writeMatrixOperand } from '../core/meta';
import { checkTensor } from '../core/validate';
import { DType, DTYPE_CODE } from '../core/dtype';
import { fail, fmtShape } from '../core/errors';
import { sameShape } from '../core/shape';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { sumToShape } from '../autograd/sum-to';
import { matmul } from './matmul';
import { transpose, unsqueeze, squeeze } from './views';
import { mul } from './binary';
import { neg } from './unary';

/** the last two dims swapped (a view) */
function mT(x: Tensor): Tensor {
  return transpose(x, -1, -2);
}

function floatDType(op: string, ...ts: Tensor[]): DType {
  let d: DType = 'float32';
  for (const t of ts) {
    if (t.dtype === 'bool') fail(op, `bool tensors are not supported (got ${fmtShape(t.shape)} bool); cast to float32 first`, 'ERR_DTYPE');
    if (t.dtype === 'float64') d = 'float64';
  }
  return d;
}

function checkSquare(op: string, t: Tensor, arg: string): number {
  const s = t.shape;
  if (s.length < 2)
    fail(op, `${arg} must be a (batch of) square matrices (..., n, n), got shape ${fmtShape(s)} (rank ${s.length})`, 'ERR_SHAPE');
  if (s[s.length - 1] !== s[s.length - 2])
    fail(op, `${arg} must be square (..., n, n), got shape ${fmtShape(s)} (${s[s.length - 2]} x ${s[s.length - 1]})`, 'ERR_SHAPE');
  return s[s.length - 1];
}

/** Runs fn on x cast to dtype (a temporary copy when it differs), disposing the copy after. */
function withDType<R>(x: Tensor, dtype: DType, fn: (t: Tensor) => R): R {
  if (x.dtype === dtype) return fn(x);
  const c = x._copyAs(dtype);
  try {
    return fn(c);
  } finally {
    c.dispose();
  }
}

/** Inverse of each square matrix of x (..., n, n) (LAPACK getrf + getri). */
export function inverse(x: Tensor): Tensor {
  const op = 'inverse';
  const t0 = checkTensor(x, op, 'x');
  checkSquare(op, t0, 'x');
  const dtype = floatDType(op, t0);
  return withDType(t0, dtype, (t) => {
    writeLayout(0, t.shape, t._strides);
    const h = native.inverse(DTYPE_CODE[dtype], t._h, t._offset);
    const y = Tensor._fromHandle(h, t.shape.slice(), dtype);
    // d(A⁻¹) = -A⁻¹ dA A⁻¹, so gA = -Yᵀ g Yᵀ
    if (tape.on && tracked(t0)) record(y, op, [t0], (g) => [sumToShape(neg(matmul(mT(y), matmul(g, mT(y)))), t0.shape, t0.dtype)]);
    return y;
  });
}

/** Determinant of each square matrix of x (..., n, n) -> (...) (LU with partial pivoting). */
export function det(x: Tensor): Tensor {
  const op = 'det';
  const t0 = checkTensor(x, op, 'x');
  checkSquare(op, t0, 'x');
  const dtype = floatDType(op, t0);
  return withDType(t0, dtype, (t) => {
    writeLayout(0, t.shape, t._strides);
    const h = native.det(DTYPE_CODE[dtype], t._h, t._offset);
    const d = Tensor._fromHandle(h, t.shape.slice(0, -2), dtype);
    // Jacobi's formula: d det(A) / dA = det(A) A⁻ᵀ (invertible A)
    if (tape.on && tracked(t0)) {
      record(d, op, [t0], (g) => {
        const s = unsqueeze(unsqueeze(mul(g, d), -1), -1);
        return [sumToShape(mul(s, mT(inverse(t0))), t0.shape, t0.dtype)];
      });
    }
    return d;
  });
}

/**
 * Solves a @ x = b for x (LAPACK gesv), as torch.linalg.solve: a is (..., n, n); b is
 * (..., n, k), or (..., n) for a batch of vectors (when b is 1-D or b.shape == a.shape[:-1]).
 * Batch dims broadcast.
 */
export function solve(a: Tensor, b: Tensor): Tensor {
  const op = 'solve';
  const ta0 = checkTensor(a, op, 'a');
  const tb0 = checkTensor(b, op, 'b');
  const n = checkSquare(op, ta0, 'a');
  const sa = ta0.shape;
  const sb = tb0.shape;
  if (sb.length === 0) fail(op, `b must have at least 1 dim, got shape ${fmtShape(sb)} (a is ${fmtShape(sa)})`, 'ERR_SHAPE');
  const vector = sb.length === 1 || (sb.length === sa.length - 1 && sameShape(sb, sa.slice(0, -1)));
  const rows = vector ? sb[sb.length - 1] : sb[sb.length - 2];
  if (rows !== n)
    fail(op, `b has shape ${fmtShape(sb)} but a is ${fmtShape(sa)}: b needs ${n} rows (b.shape[${vector ? -1 : -2}] = ${rows})`, 'ERR_SHAPE');
  const k = vector ? 1 : sb[sb.length - 1];
  const aBatch = sa.slice(0, -2);
  const bBatch = vector ? sb.slice(0, -1) : sb.slice(0, -2);
  const nbat = Math.max(aBatch.length, bBatch.length);
  const batch = new Array<number>(nbat);
  for (let d = 0; d < nbat; d++) {
    const ia = d - (nbat - aBatch.length);
    const ib = d - (nbat - bBatch.length);
    const da = ia < 0 ? 1 : aBatch[ia];
    const db = ib < 0 ? 1 : bBatch[ib];
    if (da !== db && da !== 1 && db !== 1)
      fail(op, `batch dimensions cannot be broadcast: a ${fmtShape(sa)}, b ${fmtShape(sb)} (batch dim ${d}: ${da} vs ${db})`, 'ERR_SHAPE');
    batch[d] = da === 1 ? db : da;
  }
  const dtype = floatDType(op, ta0, tb0);
  return withDType(ta0, dtype, (ta) =>
    withDType(tb0, dtype, (tb) => {
      const as = ta._strides;
      const bs = tb._strides;
      const pos = writeMatrixOperand(0, batch, n, n, ta, 2, as[as.length - 2], as[as.length - 1]);
      // a vector b is an n x 1 matrix (its column stride unused)
      if (vector) writeMatrixOperand(pos, batch, n, 1, tb, 1, bs[bs.length - 1], 0);
      else writeMatrixOperand(pos, batch, n, k, tb, 2, bs[bs.length - 2], bs[bs.length - 1]);
      const h = native.solve(DTYPE_CODE[dtype], ta._h, ta._offset, tb._h, tb._offset);
      const outShape = vector ? [...batch, n] : [...batch, n, k];
      const x = Tensor._fromHandle(h, outShape, dtype);
      // X = A⁻¹ B: gB = A⁻ᵀ g, gA = -gB Xᵀ (in matrix form; vectors as n x 1)
      if (tape.on && (tracked(ta0) || tracked(tb0))) {
        record(x, op, [ta0, tb0], (g, needs) => {
          const gM = vector ? unsqueeze(g, -1) : g;
          const gBM = solve(mT(ta0), gM);
          const gA = needs[0] ? sumToShape(neg(matmul(gBM, mT(vector ? unsqueeze(x, -1) : x))), ta0.shape, ta0.dtype) : null;
          const gB = needs[1] ? sumToShape(vector ? squeeze(gBM, -1) : gBM, tb0.shape, tb0.dtype) : null;
          return [gA, gB];
        });
      }
      return x;
    }),
  );
}

/** Alias of inverse. */
export function inv(x: Tensor): Tensor {
  return inverse(x);
}
/** Alias of inverse (TensorFlow spelling). */
export function matrixInverse(x: Tensor): Tensor {
  return inverse(x);
}
/** Alias of det (TensorFlow spelling). */
export function matrixDeterminant(x: Tensor): Tensor {
  return det(x);
}
/** Alias of solve (TensorFlow spelling). */
export function matrixSolve(a: Tensor, b: Tensor): Tensor {
  return solve(a, b);
}

declare module '../tensor' {
  interface Tensor {
    inverse(): Tensor;
    inv(): Tensor;
    matrixInverse(): Tensor;
    det(): Tensor;
    matrixDeterminant(): Tensor;
    solve(b: Tensor): Tensor;
    matrixSolve(b: Tensor): Tensor;
  }
}
Tensor.prototype.inverse = function () { return inverse(this); };
Tensor.prototype.inv = function () { return inverse(this); };
Tensor.prototype.matrixInverse = function () { return inverse(this); };
Tensor.prototype.det = function () { return det(this); };
Tensor.prototype.matrixDeterminant = function () { return det(this); };
Tensor.prototype.solve = function (b) { return solve(this, b); };
Tensor.prototype.matrixSolve = function (b) { return solve(this, b); };
