// One recurrent layer in one direction over a whole sequence (LSTM / GRU / RNN), as a fused native
// op with its own backward kernel (docs/adding-an-op.md, the crossEntropy pattern): the forward
// kernel returns y, hN, cN packed in one tensor (one node; y, hN, cN are views of it) and a
// workspace of gate activations the backward kernel reads. The backward runs native when it is not
// recorded; under createGraph it recomputes the layer from public ops (rnn-composite.ts) and
// differentiates that, so gradients of gradients hold.
import { native } from '../core/native';
import { DTYPE_CODE } from '../core/dtype';
import { Tensor } from '../tensor';
import { record, tracked } from '../autograd/tape';
import { tape } from '../autograd/state';
import { grads, alias } from '../autograd/engine';
import { reshape, slice } from './views';
import { mul } from './binary';
import { sum } from './reduce';
import { rnnLayerComposite } from './rnn-composite';
import { RnnMode, RnnLayerWeights, RNN_GATES } from './rnn-args';

export const RNN_MODE_CODE: Record<RnnMode, number> = { lstm: 0, gru: 1, rnn_tanh: 2, rnn_relu: 3 };
export { RNN_GATES };

export type { RnnMode, RnnLayerWeights } from './rnn-args';

export interface RnnLayerResult {
  y: Tensor; // [T, B, P]
  hN: Tensor; // [B, P]
  cN: Tensor | null; // [B, H] (LSTM)
}

interface Geom {
  mode: RnnMode;
  T: number;
  B: number;
  I: number;
  H: number;
  P: number;
  reverse: boolean;
}

/** The 26 leading arguments of native.rnnForward / rnnBackward over contiguous operands. */
function nativeArgs(g: Geom, ops: (Tensor | null)[], lengths: Tensor | null): unknown[] {
  const dt = DTYPE_CODE[(ops[0] as Tensor).dtype];
  const args: unknown[] = [dt, RNN_MODE_CODE[g.mode], g.T, g.B, g.I, g.H, g.P, g.reverse];
  for (const t of ops) args.push(t ? t._h : null, t ? t._offset : 0);
  args.push(lengths ? lengths._h : null, lengths ? lengths._offset : 0);
  return args;
}

/** Runs fn over contiguous versions of ts, disposing the copies it made. */
function withContiguous<R>(ts: (Tensor | null)[], fn: (cs: (Tensor | null)[]) => R): R {
  const cs = ts.map((t) => (t === null || t.isContiguous() ? t : t._copyAs(t.dtype)));
  try {
    return fn(cs);
  } finally {
    for (let i = 0; i < ts.length; i++) if (cs[i] !== ts[i]) (cs[i] as Tensor).dispose();
  }
}

/**
 * @internal One layer, one direction. x [T, B, I], h0 [B, P] / c0 [B, H] (null: zeros), lengths
 * int32 [B] (null: all T; validated by the caller and re-checked natively). Same dtype throughout.
 */
export function rnnLayer(mode: RnnMode, x: Tensor, h0: Tensor | null, c0: Tensor | null, w: RnnLayerWeights,
  lengths: Tensor | null, reverse: boolean): RnnLayerResult {
  const [T, B, I] = x.shape;
  const G = RNN_GATES[mode];
  const H = w.wih.shape[0] / G;
  const P = w.whr ? w.whr.shape[0] : H;
  const g: Geom = { mode, T, B, I, H, P, reverse };
  const lstm = mode === 'lstm';
  const operands = [x, h0, lstm ? c0 : null, w.wih, w.whh, w.bih, w.bhh, w.whr];
  const [oh, wh] = withContiguous(operands, (cs) =>
    native.rnnForward(...(nativeArgs(g, cs, lengths) as Parameters<typeof native.rnnForward>)));
  const nOut = T * B * P + B * P + (lstm ? B * H : 0);
  const out = Tensor._fromHandle(oh, [nOut], x.dtype);
  const nWs = T * B * G * H + T * B * P + (mode === 'lstm' || mode === 'gru' ? T * B * H : 0);
  const ws = Tensor._fromHandle(wh, [nWs], x.dtype);
  const inputs = operands.filter((t): t is Tensor => t !== null);
  if (tape.on && inputs.some((t) => tracked(t))) {
    record(out, mode, inputs, (gOut, needs) => {
      const full = rnnLayerBackward(g, operands, lengths, ws, gOut, needs);
      // map back onto the non-null operands, in order
      const res: (Tensor | null)[] = [];
      for (let i = 0; i < operands.length; i++) if (operands[i] !== null) res.push(full[i]);
      return res;
    });
  } else ws.dispose();
  const y = reshape(slice(out, [0], [T * B * P]), [T, B, P]);
  const hN = reshape(slice(out, [T * B * P], [B * P]), [B, P]);
  const cN = lstm ? reshape(slice(out, [T * B * P + B * P], [B * H]), [B, H]) : null;
  return { y, hN, cN };
}

/** The gradient of every operand slot (x, h0, c0, wih, whh, bih, bhh, whr); null where not needed. */
function rnnLayerBackward(g: Geom, operands: (Tensor | null)[], lengths: Tensor | null, ws: Tensor,
  gOut: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const want: boolean[] = [];
  let k = 0;
  for (const t of operands) want.push(t !== null && needs[k++]);
  if (tape.on) return compositeBackward(g, operands, lengths, gOut, want);
  const { T, B, I, H, P } = g;
  const GH = RNN_GATES[g.mode] * H;
  const lstm = g.mode === 'lstm';
  const h = withContiguous([...operands, gOut] as (Tensor | null)[], (cs) => {
    const args = nativeArgs(g, cs.slice(0, 8), lengths);
    const gc = cs[8] as Tensor;
    args.push(ws._h, ws._offset, gc._h, gc._offset);
    return native.rnnBackward(...(args as Parameters<typeof native.rnnBackward>));
  });
  const shapes: number[][] = [[T, B, I], [B, P], [B, H], [GH, I], [GH, P], [GH], [GH], [P, H]];
  const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  if (!lstm) sizes[2] = 0;
  if (!operands[7]) sizes[7] = 0;
  const total = sizes.reduce((a, b) => a + b, 0);
  const packed = Tensor._fromHandle(h, [total], gOut.dtype);
  const res: (Tensor | null)[] = [];
  let off = 0;
  for (let i = 0; i < 8; i++) {
    res.push(want[i] ? reshape(slice(packed, [off], [sizes[i]]), shapes[i]) : null);
    off += sizes[i];
  }
  packed.dispose(); // the views keep the storage
  return res;
}

/**
 * createGraph: the vector-Jacobian product of the composite layer, recorded. The nested pass runs
 * over stand-in leaves (aliases of the operands and of gOut), so it never walks back into the graph
 * that produced them (gOut's history contains this very node); afterwards each stand-in is linked
 * to what it stands for by an identity node, so the recorded result depends on the real tensors.
 */
function compositeBackward(g: Geom, operands: (Tensor | null)[], lengths: Tensor | null, gOut: Tensor,
  want: boolean[]): (Tensor | null)[] {
  const leaf = (t: Tensor | null): Tensor | null => {
    if (t === null) return null;
    const a = alias(t);
    a._rg = true;
    return a;
  };
  const ls = operands.map(leaf);
  const gl = leaf(gOut) as Tensor;
  const [x, h0, c0, wih, whh, bih, bhh, whr] = ls;
  const packed = rnnLayerComposite(g.mode, x as Tensor, h0, c0, { wih: wih as Tensor, whh: whh as Tensor, bih, bhh, whr },
    lengths, g.reverse);
  const targets: Tensor[] = [];
  const slots: number[] = [];
  for (let i = 0; i < 8; i++)
    if (want[i]) {
      targets.push(ls[i] as Tensor);
      slots.push(i);
    }
  const gs = grads(sum(mul(packed, gl)), targets, undefined, { createGraph: true });
  [...ls, gl].forEach((a, i) => {
    if (a === null) return;
    a._rg = false;
    const real = i < 8 ? (operands[i] as Tensor) : gOut;
    record(a, 'identity', [real], (u) => [u]);
  });
  const res: (Tensor | null)[] = new Array(8).fill(null);
  slots.forEach((s, j) => (res[s] = gs[j]));
  return res;
}
