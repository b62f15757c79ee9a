// The two nodes of the sampled losses (lib/ops/sampled-loss.ts), each recorded once with its
// gradient written beside it (public ops, so createGraph works):
//   sampledLogits: [true | sampled] logits of TF's _compute_sampled_logits from inputs, the
//     weights and the biases; the tables' gradients are the looked-up rows only (SparseRows,
//     or one native scatter-add into a dense table), never a product over the vocabulary.
//   sigmoidXentRows / softmaxXentRows: per-row sigmoid / softmax cross-entropy against
//     constant targets.
// One node each instead of the ~20 of the composite keeps a skip-gram step at its batch cost.
import { Tensor } from '../tensor';
import { tidy } from '../core/memory';
import { record, saveFor, tracked, noGrad } from '../autograd/tape';
import { tape } from '../autograd/state';
import { SparseRows } from '../autograd/sparse';
import { embedding, gatherRows } from './embed';
import { reshape, slice, transpose, broadcastTo } from './views';
import { add, sub, mul } from './binary';
import { neg, sigmoid, softplus } from './unary';
import { sum } from './reduce';
import { matmul } from './matmul';
import { concat } from './join';
import { logSoftmax, softmax } from './softmax';
import { zeros } from './creation';
import { scatterAdd } from './indexing';

export interface LogitsSpec {
  B: number;
  nt: number;
  S: number;
  /** int32 [B * nt]: the labels, row-major */
  trueIds: Tensor;
  /** int32 [S] */
  sampIds: Tensor;
  /** [B, nt] and [S]: log of the expected counts (constants) */
  logTrue: Tensor;
  logSamp: Tensor;
  /** [B, S] constant added to the sampled logits (accidental hits), or null */
  hits: Tensor | null;
  sparse: boolean;
}

/** Row-wise dots of x [B, D] with t [B * nt, D] -> [B, nt]. */
function rowDots(x: Tensor, t: Tensor, B: number, nt: number, D: number): Tensor {
  if (nt === 1) return sum(mul(x, t), 1, true);
  return sum(mul(reshape(x, [B, 1, D]), reshape(t, [B, nt, D])), 2);
}

/** The table gradient: rows at ids (int32 [n]) of `rows`; sparse, dense (one scatter-add), or recorded. */
function tableGrad(shape: number[], ids: Tensor, rows: Tensor, sparse: boolean): Tensor {
  const n = ids.size;
  if (tape.on) {
    const colShape = [n, ...shape.slice(1).map(() => 1)];
    return scatterAdd(zeros(shape, { dtype: rows.dtype }), 0, broadcastTo(reshape(ids, colShape), rows.shape), rows);
  }
  const sr = new SparseRows(ids._copyAs('int32'), rows.contiguous(), shape, false);
  if (sparse) return sr;
  const d = sr.toDense();
  sr.dispose();
  return d;
}

/** @internal the logits of TF's _compute_sampled_logits, [B, nt + S]; one node over [x, W, b]. */
export function sampledLogits(x: Tensor, W: Tensor, b: Tensor, s: LogitsSpec): Tensor {
  const { B, nt, S } = s;
  const D = x.shape[1];
  const ids = concat([s.trueIds, s.sampIds], 0);
  const rec = tape.on && (tracked(x) || tracked(W) || tracked(b));
  const n = B * nt;
  // one lookup of every row (true then sampled), kept for the backward when recording
  const allW = gatherRows(W, ids);
  const out = noGrad(() =>
    tidy(() => {
      const allB = gatherRows(b, ids);
      const tw = slice(allW, [0, 0], [n, D]);
      const sw = slice(allW, [n, 0], [S, D]);
      const trueL = sub(add(rowDots(x, tw, B, nt, D), reshape(slice(allB, [0], [n]), [B, nt])), s.logTrue);
      let sampL = add(matmul(x, transpose(sw)), slice(allB, [n], [S]));
      if (s.hits !== null) sampL = add(sampL, s.hits);
      sampL = sub(sampL, s.logSamp);
      return concat([trueL, sampL], 1);
    }),
  );
  if (!rec) {
    ids.dispose();
    allW.dispose();
    return out;
  }
  const wShape = W.shape.slice();
  const bShape = b.shape.slice();
  record(out, 'sampledLogits', [x, W, b], (g, needs) => {
    // under createGraph the rows are looked up again on the tape (second order in W)
    const rows = tape.on ? embedding(ids, W) : allW;
    const tw = slice(rows, [0, 0], [n, D]);
    const sw = slice(rows, [n, 0], [S, D]);
    const gT = slice(g, [0, 0], [B, nt]);
    const gS = slice(g, [0, nt], [B, S]);
    let dx: Tensor | null = null;
    let dW: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      // d true_bj / d x_b = w_label(bj); d sampled_bs / d x_b = w_s
      const dT = nt === 1 ? mul(gT, tw) : sum(mul(reshape(gT, [B, nt, 1]), reshape(tw, [B, nt, D])), 1);
      dx = add(dT, matmul(gS, sw));
    }
    if (needs[1]) {
      // rows: g_bj * x_b for each label, gS^T @ x for the sampled classes
      const rT = nt === 1 ? mul(gT, x) : reshape(mul(reshape(gT, [B, nt, 1]), reshape(x, [B, 1, D])), [B * nt, D]);
      dW = tableGrad(wShape, ids, concat([rT, matmul(transpose(gS), x)], 0), s.sparse);
    }
    if (needs[2]) db = tableGrad(bShape, ids, concat([reshape(gT, [B * nt]), sum(gS, 0)], 0), s.sparse);
    return [dx, dW, db];
  });
  // what only this backward reads is freed with the graph
  for (const t of new Set([ids, allW, s.trueIds, s.sampIds, ...(s.hits ? [s.hits] : [])])) saveFor(out, t);
  return out;
}

/** @internal per-row sum of sigmoid cross-entropies max(x, 0) - x t + log1p(exp(-|x|)) [B]; t constant. */
export function sigmoidXentRows(x: Tensor, t: Tensor): Tensor {
  // softplus with no linear threshold is exactly max(x, 0) + log1p(exp(-|x|)), in one native pass
  const out = noGrad(() => tidy(() => sum(sub(softplus(x, 1, Infinity), mul(x, t)), 1)));
  if (tape.on && tracked(x)) {
    record(out, 'sigmoidXent', [x], (g) => [mul(sub(sigmoid(x), t), reshape(g, [g.size, 1]))]);
    saveFor(out, t);
  }
  return out;
}

/** @internal per-row softmax cross-entropy -sum(t log softmax(x)) [B]; t constant. */
export function softmaxXentRows(x: Tensor, t: Tensor): Tensor {
  const out = noGrad(() => tidy(() => neg(sum(mul(t, logSoftmax(x, 1)), 1))));
  // d/dx = softmax(x) * sum(t) - t per row
  if (tape.on && tracked(x)) {
    record(out, 'softmaxXent', [x], (g) => [mul(sub(mul(softmax(x, 1), sum(t, 1, true)), t), reshape(g, [g.size, 1]))]);
    saveFor(out, t);
  }
  return out;
}
