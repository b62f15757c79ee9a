// Fused softmax cross-entropy over [C] or [N, C] logits: the worked example of an op with
// its own backward kernel (docs/adding-an-op.md). Three pieces, side by side:
//   - the forward kernel (native xent: per-row loss, logsumexp and the kept-row count),
//   - the backward op `xentBackward` (native: (softmax - onehot) * g in one pass), which
//     records ITSELF when the tape is on, so createGraph / gradients of gradients work,
//   - its gradient, written with public ops.
// lib/nn/functional.ts builds crossEntropy's reductions on top; it never calls the addon.
import { native } from '../core/native';
import { DTYPE_CODE } from '../core/dtype';
import { fail, fmtShape } from '../core/errors';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { softmax } from './softmax';
import { oneHot } from './indexing';
import { reshape } from './views';
import { sub, mul } from './binary';
import { sum } from './reduce';
import { ne, where } from './logical';

export interface XentResult {
  /** per-example losses: [] for [C] logits, [N] for [N, C]; 0 where the label is ignored */
  perExample: Tensor;
  /** 0-d: how many rows were not ignored (the divisor of a 'mean') */
  kept: Tensor;
}

/**
 * @internal Softmax cross-entropy of [C] / [N, C] float logits against int32 class indices
 * ([] / [N]), rows whose label equals `ignore` skipped. Records one node on perExample.
 */
export function softmaxCrossEntropyRows(op: string, x: Tensor, l: Tensor, ignore: number): XentResult {
  if (l.dtype !== 'int32') fail(op, `labels must be an int32 tensor of class indices, got ${l.dtype}`, 'ERR_DTYPE');
  const rows = x.rank === 1 ? 1 : x.shape[0];
  const C = x.shape[x.rank - 1];
  const expected = x.rank === 1 ? [] : [rows];
  if (l.rank !== expected.length || (l.rank === 1 && l.shape[0] !== rows))
    fail(op, `labels must have shape ${fmtShape(expected)} for input ${fmtShape(x.shape)} (class dim ${x.rank - 1}), got ${fmtShape(l.shape)}`, 'ERR_SHAPE');
  if (C === 0 && rows > 0) fail(op, `input ${fmtShape(x.shape)} has no classes`, 'ERR_SHAPE');
  const xc = x.contiguous();
  const lStride = l.rank === 1 ? l._strides[0] : 0;
  const h = native.xent(DTYPE_CODE[x.dtype], rows, Math.max(C, 1), xc._h, xc._offset, l._h, l._offset, lStride, ignore);
  const all = Tensor._fromHandle(h, [2 * rows + 1], x.dtype);
  const loss = all._view(expected, x.rank === 1 ? [] : [1], 0);
  const lse = all._view([rows], [1], rows);
  const kept = all._view([], [], 2 * rows);
  all.dispose(); // the views keep the buffer
  if (xc !== x) xc.dispose();
  if (!(tape.on && tracked(x))) {
    lse.dispose();
    return { perExample: loss, kept };
  }
  record(loss, 'crossEntropy', [x], (g) => [xentBackward(x, l, lse, g, ignore)]);
  return { perExample: loss, kept };
}

/**
 * @internal d loss / d logits = (softmax(x) - onehot(labels)) * g per row (0 on ignored rows),
 * one native pass. g: the per-example gradient ([] or [N], any strides). Differentiable in x
 * and g: with U the incoming gradient and p = softmax(x) per row,
 *   dg = sum_c U (p - onehot),   dx = g p (U - sum_c U p).
 */
export function xentBackward(x: Tensor, l: Tensor, lse: Tensor, g: Tensor, ignore: number): Tensor {
  const rows = x.rank === 1 ? 1 : x.shape[0];
  const C = x.shape[x.rank - 1];
  const xs = x.contiguous();
  const gs = g.rank === 1 ? g._strides[0] : 0;
  const lStride = l.rank === 1 ? l._strides[0] : 0;
  const gh = native.xentBackward(DTYPE_CODE[x.dtype], rows, Math.max(C, 1), xs._h, xs._offset, l._h, l._offset, lStride, ignore, lse._h, lse._offset, g._h, g._offset, gs, 1);
  if (xs !== x) xs.dispose();
  const dx = Tensor._fromHandle(gh, x.shape.slice(), x.dtype);
  if (tape.on && (tracked(x) || tracked(g))) {
    record(dx, 'crossEntropyBackward', [x, g], (u) => {
      const x2 = x.rank === 1 ? reshape(x, [1, C]) : x;
      const u2 = x.rank === 1 ? reshape(u, [1, C]) : u;
      const l2 = x.rank === 1 ? reshape(l, [1]) : l;
      const keep = reshape(ne(l2, ignore), [rows, 1]);
      const p = softmax(x2, -1);
      // ignored rows contribute nothing (where: even a NaN row), their label -> 0 for oneHot
      const y = oneHot(where(ne(l2, ignore), l2, 0), C, { dtype: x.dtype });
      const dg = sum(where(keep, mul(u2, sub(p, y)), 0), -1);
      const up = sum(mul(u2, p), -1, true);
      const dxx = where(keep, mul(mul(reshape(g, [rows, 1]), p), sub(u2, up)), 0);
      return [x.rank === 1 ? reshape(dxx, [C]) : dxx, x.rank === 1 ? reshape(dg, []) : dg];
    });
  }
  return dx;
}
