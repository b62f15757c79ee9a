// LSTM and GRU on tapeflow's fused recurrent kernels (ops/rnn-layer.ts), one call per direction.
// ONNX stacks the gates in another order than torch (LSTM i,o,f,c vs i,f,g,o; GRU z,r,h vs
// r,z,n), so the weight blocks are gathered into torch's order (differentiable: W, R, B stay
// trainable). The fused GRU is torch's, ONNX linear_before_reset = 1; the ONNX default 0 (the
// reset gate applied before the recurrent product) and LSTM with peephole weights run step by
// step with public ops.
import { Tensor } from '../tensor';
import { isFloat } from '../core/dtype';
import { fmtShape } from '../core/errors';
import { rnnLayer } from '../ops/rnn-layer';
import type { RnnLayerWeights } from '../ops/rnn-args';
import { reshape, select, slice, transpose, permute } from '../ops/views';
import { gather } from '../ops/indexing';
import { stack } from '../ops/join';
import { add, sub, mul } from '../ops/binary';
import { sigmoid, tanh } from '../ops/unary';
import { matmul } from '../ops/matmul';
import { zeros, fromTyped } from '../ops/creation';
import { cast } from '../ops/cast';
import { lt } from '../ops/logical';
import { def, need, nodeFail, intsOf } from './registry';
import type { OpContext } from './registry';

type Kind = 'lstm' | 'gru';
const GATES: Record<Kind, number> = { lstm: 4, gru: 3 };
// torch's gate block k is ONNX's block TO_TORCH[k]
const TO_TORCH: Record<Kind, number[]> = { lstm: [0, 2, 3, 1], gru: [1, 0, 2] };
const DEFAULT_ACTS: Record<Kind, string[]> = { lstm: ['Sigmoid', 'Tanh', 'Tanh'], gru: ['Sigmoid', 'Tanh'] };

/** Rows of t ([G*H, K] or [G*H]) regrouped into torch's gate order. */
function reorder(t: Tensor, kind: Kind): Tensor {
  const G = GATES[kind];
  const H = t.shape[0] / G;
  const g = gather(reshape(t, [G, H, ...t.shape.slice(1)]), Int32Array.from(TO_TORCH[kind]), 0);
  return reshape(g, t.shape);
}

function checkAttrs(kind: Kind, D: number, c: OpContext): void {
  const acts = c.attrs.strings('activations');
  const want = D === 2 ? [...DEFAULT_ACTS[kind], ...DEFAULT_ACTS[kind]] : DEFAULT_ACTS[kind];
  if (acts !== undefined && (acts.length !== want.length || acts.some((a, i) => a !== want[i])))
    nodeFail(c, `activations [${acts.join(', ')}] are not supported (only the defaults [${want.join(', ')}])`);
  if (c.attrs.has('clip')) nodeFail(c, `attribute clip = ${c.attrs.float('clip')} is not supported`);
  if (kind === 'lstm' && c.attrs.int('input_forget', 0) !== 0) nodeFail(c, 'attribute input_forget = 1 is not supported');
}

/** x: [T, B, ...] and shape checks of one input against the expected shape (null: any). */
function expectShape(c: OpContext, name: string, t: Tensor, want: number[], dtype: string): void {
  if (t.rank !== want.length || t.shape.some((d, i) => d !== want[i]))
    nodeFail(c, `input ${name} has shape ${fmtShape(t.shape)}, expected ${fmtShape(want)}`, 'ERR_SHAPE');
  if (t.dtype !== dtype) nodeFail(c, `input ${name} is ${t.dtype}, X is ${dtype}: they must match`, 'ERR_DTYPE');
}

/** ONNX's GRU with linear_before_reset = 0, one direction, gates in ONNX order z, r, h; returns y [T, B, H], hN. */
function gruResetFirst(x: Tensor, h0: Tensor | null, W: Tensor, R: Tensor, Wb: Tensor | null, Rb: Tensor | null,
  lens: Tensor | null, reverse: boolean): [Tensor, Tensor] {
  const [T, B, I] = x.shape;
  const H = R.shape[1];
  const cols = (t: Tensor, j: number, n: number): Tensor => slice(t, [0, j], [t.shape[0], n]);
  let xp = matmul(reshape(x, [T * B, I]), transpose(W, 0, 1));
  if (Wb) xp = add(xp, Wb);
  const Rzr = slice(R, [0, 0], [2 * H, H]), Rh = slice(R, [2 * H, 0], [H, H]);
  let h = h0 ?? zeros([B, H], { dtype: x.dtype });
  const ys: Tensor[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const xt = slice(xp, [t * B, 0], [B, 3 * H]);
    let hzr = matmul(h, transpose(Rzr, 0, 1));
    if (Rb) hzr = add(hzr, slice(Rb, [0], [2 * H]));
    const z = sigmoid(add(cols(xt, 0, H), cols(hzr, 0, H)));
    const r = sigmoid(add(cols(xt, H, H), cols(hzr, H, H)));
    let hr = matmul(mul(r, h), transpose(Rh, 0, 1)); // (r ⊙ h) Rhᵀ: the reset gate before the product
    if (Rb) hr = add(hr, slice(Rb, [2 * H], [H]));
    const n = tanh(add(cols(xt, 2 * H, H), hr));
    const hNew = add(mul(sub(1, z), n), mul(z, h)); // (1 - z) n + z h
    if (lens) {
      // rows past their length give 0 and keep their state
      const m = reshape(cast(lt(t, lens), x.dtype), [B, 1]);
      ys[t] = mul(hNew, m);
      h = add(ys[t], mul(h, sub(1, m)));
    } else h = ys[t] = hNew;
  }
  return [stack(ys, 0), h];
}

/** ONNX's LSTM with peephole weights P [3H] (i, o, f), one direction, gates in ONNX order i, o, f, c. */
function lstmPeephole(x: Tensor, h0: Tensor | null, c0: Tensor | null, W: Tensor, R: Tensor, Wb: Tensor | null,
  Rb: Tensor | null, P: Tensor, lens: Tensor | null, reverse: boolean): [Tensor, Tensor, Tensor] {
  const [T, B, I] = x.shape;
  const H = R.shape[1];
  const cols = (t: Tensor, j: number): Tensor => slice(t, [0, j * H], [t.shape[0], H]);
  const [pi, po, pf] = [0, 1, 2].map((k) => slice(P, [k * H], [H]));
  let xp = matmul(reshape(x, [T * B, I]), transpose(W, 0, 1));
  if (Wb) xp = add(xp, Wb);
  if (Rb) xp = add(xp, Rb);
  let h = h0 ?? zeros([B, H], { dtype: x.dtype });
  let cs = c0 ?? zeros([B, H], { dtype: x.dtype });
  const ys: Tensor[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const pre = add(slice(xp, [t * B, 0], [B, 4 * H]), matmul(h, transpose(R, 0, 1)));
    const i = sigmoid(add(cols(pre, 0), mul(pi, cs)));
    const f = sigmoid(add(cols(pre, 2), mul(pf, cs)));
    const cNew = add(mul(f, cs), mul(i, tanh(cols(pre, 3))));
    const o = sigmoid(add(cols(pre, 1), mul(po, cNew))); // the output gate peeks at the new cell
    const hNew = mul(o, tanh(cNew));
    if (lens) {
      const m = reshape(cast(lt(t, lens), x.dtype), [B, 1]);
      const keep = sub(1, m);
      ys[t] = mul(hNew, m);
      h = add(ys[t], mul(h, keep));
      cs = add(mul(cNew, m), mul(cs, keep));
    } else {
      h = ys[t] = hNew;
      cs = cNew;
    }
  }
  return [stack(ys, 0), h, cs];
}

function recurrent(kind: Kind, x: (Tensor | null)[], c: OpContext): (Tensor | null)[] {
  const G = GATES[kind];
  const dir = c.attrs.string('direction', 'forward');
  if (dir !== 'forward' && dir !== 'reverse' && dir !== 'bidirectional')
    nodeFail(c, `direction '${dir}' is not one of forward, reverse, bidirectional`, 'ERR_FORMAT');
  const D = dir === 'bidirectional' ? 2 : 1;
  checkAttrs(kind, D, c);
  const layout = c.opset >= 14 ? c.attrs.int('layout', 0) : 0;
  if (layout !== 0 && layout !== 1) nodeFail(c, `layout ${layout} is not 0 or 1`, 'ERR_FORMAT');
  const lbr = kind === 'gru' ? c.attrs.int('linear_before_reset', 0) : 1;
  if (lbr !== 0 && lbr !== 1) nodeFail(c, `linear_before_reset ${lbr} is not 0 or 1`, 'ERR_FORMAT');
  let X = need(x, 0, c);
  const W = need(x, 1, c), R = need(x, 2, c);
  const bias = x[3] ?? null, seqLens = x[4] ?? null;
  let h0 = x[5] ?? null;
  let c0 = kind === 'lstm' ? x[6] ?? null : null;
  const peep = kind === 'lstm' ? x[7] ?? null : null;
  if (!isFloat(X.dtype)) nodeFail(c, `X must be float32 or float64, got ${X.dtype}`, 'ERR_DTYPE');
  if (X.rank !== 3) nodeFail(c, `X must be 3-D, got shape ${fmtShape(X.shape)}`, 'ERR_SHAPE');
  if (layout === 1) X = transpose(X, 0, 1);
  const [T, B, I] = X.shape;
  if (R.rank !== 3) nodeFail(c, `R must be 3-D [${D}, ${G}*hidden, hidden], got shape ${fmtShape(R.shape)}`, 'ERR_SHAPE');
  const H = R.shape[2];
  const hs = c.attrs.int('hidden_size', H);
  if (hs !== H) nodeFail(c, `hidden_size ${hs} does not match R of shape ${fmtShape(R.shape)}`, 'ERR_SHAPE');
  if (T === 0 || B === 0 || H === 0) nodeFail(c, `empty sequence, batch or hidden size (X ${fmtShape(X.shape)}, R ${fmtShape(R.shape)})`, 'ERR_SHAPE');
  expectShape(c, 'W', W, [D, G * H, I], X.dtype);
  expectShape(c, 'R', R, [D, G * H, H], X.dtype);
  if (bias) expectShape(c, 'B', bias, [D, 2 * G * H], X.dtype);
  const stateShape = layout === 1 ? [B, D, H] : [D, B, H];
  if (h0) { expectShape(c, 'initial_h', h0, stateShape, X.dtype); if (layout === 1) h0 = transpose(h0, 0, 1); }
  if (c0) { expectShape(c, 'initial_c', c0, stateShape, X.dtype); if (layout === 1) c0 = transpose(c0, 0, 1); }
  if (peep) expectShape(c, 'P', peep, [D, 3 * H], X.dtype);
  let lens: Tensor | null = null;
  if (seqLens) {
    const v = intsOf(seqLens, c, 'sequence_lens');
    if (v.length !== B) nodeFail(c, `sequence_lens has ${v.length} values for a batch of ${B}`, 'ERR_SHAPE');
    const bad = v.findIndex((n) => n < 0 || n > T);
    if (bad >= 0) nodeFail(c, `sequence_lens[${bad}] = ${v[bad]} is outside [0, ${T}]`, 'ERR_FORMAT');
    if (v.some((n) => n !== T)) lens = fromTyped(Int32Array.from(v), [B], 'int32');
  }
  const ys: Tensor[] = [], hN: Tensor[] = [], cN: Tensor[] = [];
  for (let d = 0; d < D; d++) {
    const reverse = dir === 'reverse' || d === 1;
    const Wd = select(W, 0, d), Rd = select(R, 0, d);
    const Bd = bias ? select(bias, 0, d) : null;
    const Wb = Bd ? slice(Bd, [0], [G * H]) : null, Rb = Bd ? slice(Bd, [G * H], [G * H]) : null;
    const hd = h0 ? select(h0, 0, d) : null;
    if (peep) {
      const [y, h, cc] = lstmPeephole(X, hd, c0 ? select(c0, 0, d) : null, Wd, Rd, Wb, Rb, select(peep, 0, d), lens, reverse);
      ys.push(y);
      hN.push(h);
      cN.push(cc);
      continue;
    }
    if (kind === 'gru' && lbr === 0) {
      const [y, h] = gruResetFirst(X, hd, Wd, Rd, Wb, Rb, lens, reverse);
      ys.push(y);
      hN.push(h);
      continue;
    }
    const w: RnnLayerWeights = { wih: reorder(Wd, kind), whh: reorder(Rd, kind), bih: Wb && reorder(Wb, kind), bhh: Rb && reorder(Rb, kind), whr: null };
    const r = rnnLayer(kind, X, hd, c0 ? select(c0, 0, d) : null, w, lens, reverse);
    ys.push(r.y);
    hN.push(r.hN);
    if (r.cN) cN.push(r.cN);
  }
  let Y = stack(ys, 1); // [T, D, B, H]
  let Yh = stack(hN, 0); // [D, B, H]
  let Yc = kind === 'lstm' ? stack(cN, 0) : null;
  if (layout === 1) {
    Y = permute(Y, [2, 0, 1, 3]);
    Yh = transpose(Yh, 0, 1);
    if (Yc) Yc = transpose(Yc, 0, 1);
  }
  // outputs the node does not name are left to the op's scope to free
  const outs = [Y, Yh, Yc];
  return outs.map((t, k) => (c.node.outputs[k] ? t : null));
}

def('LSTM', (x, c) => recurrent('lstm', x, c));
def('GRU', (x, c) => recurrent('gru', x, c));
