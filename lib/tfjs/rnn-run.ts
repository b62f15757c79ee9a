// One Keras recurrent layer (LSTM / GRU / SimpleRNN) over a batch-major [N, T, F] sequence, with
// the weights in Keras' layouts: kernel [F, G·H], recurrent_kernel [H, G·H], bias [G·H] (GRU
// reset_after: [2, 3H], input and recurrent rows). With the default activations (tanh cells,
// sigmoid gates) the layer runs on tapeflow's fused recurrent kernel (ops/rnn-layer.ts, torch's
// layouts: Keras' LSTM gates i, f, c, o are torch's i, f, g, o; its GRU's z, r, h are regrouped
// to torch's r, z, n, and reset_after = true is torch's GRU); any other activation, GRU
// reset_after = false, recurrent dropout and masked sequences run step by step with public ops,
// as TF.js's cells (implementation 2) and rnn() do. The derived layouts are differentiable views,
// cached through ctx.cache when nothing records, so gradients reach the Keras weights.
import { Tensor } from '../tensor';
import { TapeflowError } from '../core/errors';
import { isFloat } from '../core/dtype';
import { matmul } from '../ops/matmul';
import { add, sub, mul } from '../ops/binary';
import { reshape, select, slice, transpose } from '../ops/views';
import { cat, stack, flip } from '../ops/join';
import { zeros, ones } from '../ops/creation';
import { cast } from '../ops/cast';
import { dropout } from '../ops/dropout';
import { rnnLayer } from '../ops/rnn-layer';
import type { RnnMode } from '../ops/rnn-args';
import { need } from './registry';
import type { LayerContext, WeightRole } from './registry';
import type { Activation } from './layers-core';

export type Kind = 'lstm' | 'gru' | 'simple';
export const GATES: Record<Kind, number> = { lstm: 4, gru: 3, simple: 1 };
export const CLASS_OF: Record<Kind, string> = { lstm: 'LSTM', gru: 'GRU', simple: 'SimpleRNN' };

/** A recurrent layer's config, read once (layers-rnn.ts). */
export interface RnnP {
  kind: Kind;
  units: number;
  act: Activation;
  actName: string;
  /** the gate activation (LSTM, GRU) */
  rec: Activation;
  recName: string;
  useBias: boolean;
  seq: boolean;
  /** return_state: the layer also returns its final states */
  state: boolean;
  back: boolean;
  dropout: number;
  recDropout: number;
  resetAfter: boolean;
}

export interface RnnWeights {
  kernel: Tensor;
  recurrent_kernel: Tensor;
  bias?: Tensor;
}

/** The weights of one recurrent layer, Keras names and shapes; `prefix` for a Bidirectional's halves. */
export function rnnWeightRoles(p: RnnP, prefix = ''): WeightRole[] {
  const G = GATES[p.kind] * p.units;
  return [
    { role: `${prefix}kernel`, shape: [null, G] },
    { role: `${prefix}recurrent_kernel`, shape: [p.units, G] },
    ...(p.useBias ? [{ role: `${prefix}bias`, shape: p.resetAfter ? [2, G] : [G] }] : []),
  ];
}

/** The fused kernel's mode for these activations, or null (run step by step). */
function fusedMode(p: RnnP): RnnMode | null {
  if (p.kind === 'simple') return p.actName === 'tanh' ? 'rnn_tanh' : p.actName === 'relu' ? 'rnn_relu' : null;
  if (p.actName !== 'tanh' || p.recName !== 'sigmoid') return null;
  if (p.kind === 'lstm') return 'lstm';
  return p.resetAfter ? 'gru' : null;
}

/** Columns [j·H, (j+1)·H) of t (last axis). */
const gate = (t: Tensor, j: number, H: number): Tensor => slice(t, [...t.shape.slice(0, -1).map(() => 0), j * H], [...t.shape.slice(0, -1), H]);

/** GRU blocks z, r, h (last axis) regrouped as torch's r, z, n. */
const toTorchGru = (t: Tensor, H: number): Tensor => cat([gate(t, 1, H), gate(t, 0, H), gate(t, 2, H)], -1);

/** The number of state tensors of a layer (LSTM: h and c). */
export const nStates = (p: RnnP): number => (p.kind === 'lstm' ? 2 : 1);

/**
 * Runs the layer on x [N, T, F] from the initial states init (null: zeros), masked by mask
 * ([N, T] 0 / 1, null: none): y is [N, T, H] with return_sequences (in processing order, as
 * Keras), else [N, H]; states the final [h] or [h, c].
 */
export function runRnn(x: Tensor, w: RnnWeights, p: RnnP, ctx: LayerContext, init: Tensor[] | null = null, mask: Tensor | null = null): { y: Tensor; states: Tensor[] } {
  const cls = CLASS_OF[p.kind];
  need(ctx, x.rank === 3, `${cls} takes a 3-D [batch, time, features] input, got [${x.shape}]`);
  need(ctx, x.shape[2] === w.kernel.shape[0], `kernel [${w.kernel.shape}] does not fit an input of shape [${x.shape}] (features last)`);
  if (x.dtype !== w.kernel.dtype) {
    if (!isFloat(x.dtype)) throw new TapeflowError(`loadTfjsModel: layer '${ctx.name}': ${cls} takes a float input, got ${x.dtype} [${x.shape}]`, 'ERR_DTYPE');
    x = cast(x, w.kernel.dtype); // Keras casts float inputs to the layer's dtype
  }
  const [N, T, F] = x.shape;
  const H = p.units;
  need(ctx, T > 0, `${cls} needs at least one time step, got an input of shape [${x.shape}]`);
  if (init !== null) {
    need(ctx, init.length === nStates(p), `${cls} takes ${nStates(p)} initial state tensor(s) ([batch, ${H}]), got ${init.length}`);
    init = init.map((s, i) => {
      need(ctx, s.rank === 2 && s.shape[0] === N && s.shape[1] === H, `initial state ${i} must be [${N}, ${H}] ([batch, units]), got [${s.shape}]`);
      return s.dtype === x.dtype ? s : cast(s, x.dtype);
    });
  }
  if (N === 0) return { y: zeros(p.seq ? [0, T, H] : [0, H], { dtype: x.dtype }), states: Array.from({ length: nStates(p) }, () => zeros([0, H], { dtype: x.dtype })) };
  const dt = x.dtype;
  // one input mask and one state mask per call, the same at every step (TF.js's cells, Gal & Ghahramani)
  if (ctx.training && p.dropout > 0 && p.dropout < 1) x = mul(x, reshape(dropout(ones([N, F], { dtype: dt }), { p: p.dropout }), [N, 1, F]));
  const recMask = ctx.training && p.recDropout > 0 && p.recDropout < 1 ? dropout(ones([N, H], { dtype: dt }), { p: p.recDropout }) : null;
  const mode = recMask === null && mask === null ? fusedMode(p) : null;
  return mode !== null ? fused(mode, x, w, p, ctx, init) : steps(x, w, p, recMask, init, mask);
}

function fused(mode: RnnMode, x: Tensor, w: RnnWeights, p: RnnP, ctx: LayerContext, init: Tensor[] | null): { y: Tensor; states: Tensor[] } {
  const H = p.units;
  const gru = p.kind === 'gru';
  const derived = (t: Tensor, make: () => Tensor): Tensor => (ctx.cache ? ctx.cache(t, () => make().contiguous()) : make());
  const torchRows = (t: Tensor) => (gru ? toTorchGru(t, H) : t);
  const wih = derived(w.kernel, () => transpose(torchRows(w.kernel), 0, 1));
  const whh = derived(w.recurrent_kernel, () => transpose(torchRows(w.recurrent_kernel), 0, 1));
  let bih: Tensor | null = null, bhh: Tensor | null = null;
  if (w.bias) {
    const b = gru ? derived(w.bias, () => toTorchGru(w.bias as Tensor, H)) : w.bias;
    if (gru) { bih = select(b, 0, 0); bhh = select(b, 0, 1); } else bih = b;
  }
  const r = rnnLayer(mode, transpose(x, 0, 1), init?.[0] ?? null, init?.[1] ?? null, { wih, whh, bih, bhh, whr: null }, null, p.back);
  const states = r.cN ? [r.hN, r.cN] : [r.hN];
  if (!p.seq) return { y: r.hN, states };
  // the reverse pass gives y[t] for input step t; Keras lists the outputs in processing order
  return { y: transpose(p.back ? flip(r.y, 0) : r.y, 0, 1), states };
}

/**
 * The cells step by step (TF.js's LSTMCell / GRUCell / SimpleRNNCell call, implementation 2). A
 * masked step (TF.js's rnn()) keeps the previous states, and its output is the previous h.
 */
function steps(x: Tensor, w: RnnWeights, p: RnnP, recMask: Tensor | null, init: Tensor[] | null, mask: Tensor | null): { y: Tensor; states: Tensor[] } {
  const [N, T] = x.shape;
  const H = p.units;
  const U = w.recurrent_kernel;
  const rb = p.resetAfter && w.bias ? select(w.bias, 0, 1) : null;
  let xp = matmul(x, w.kernel); // [N, T, G·H]: every step's input projection at once
  if (w.bias) xp = add(xp, p.resetAfter ? select(w.bias, 0, 0) : w.bias);
  const gru1 = p.kind === 'gru' && !p.resetAfter;
  const Uzr = gru1 ? gate(U, 0, 2 * H) : null, Uh = gru1 ? gate(U, 2, H) : null;
  let h = init ? init[0] : zeros([N, H], { dtype: x.dtype });
  let c = p.kind === 'lstm' ? (init ? init[1] : zeros([N, H], { dtype: x.dtype })) : null;
  const ys: Tensor[] = [];
  for (let s = 0; s < T; s++) {
    const t = p.back ? T - 1 - s : s;
    const xt = select(xp, 1, t);
    const hPrev = h, cPrev = c;
    const hIn = recMask ? mul(h, recMask) : h; // TF.js masks the previous state as the step reads it
    if (p.kind === 'lstm') {
      const z = add(xt, matmul(hIn, U));
      const i = p.rec(gate(z, 0, H)), f = p.rec(gate(z, 1, H)), o = p.rec(gate(z, 3, H));
      c = add(mul(f, c as Tensor), mul(i, p.act(gate(z, 2, H)))); // c' = f c + i act(z_c)
      h = mul(o, p.act(c)); // h' = o act(c')
    } else if (p.kind === 'gru') {
      let inner = matmul(hIn, gru1 ? (Uzr as Tensor) : U);
      if (rb) inner = add(inner, rb);
      const z = p.rec(add(gate(xt, 0, H), gate(inner, 0, H)));
      const r = p.rec(add(gate(xt, 1, H), gate(inner, 1, H)));
      // reset_after: r scales h·U_h (torch's GRU); else it scales h before the product (TF 1 style)
      const hr = gru1 ? matmul(mul(r, hIn), Uh as Tensor) : mul(r, gate(inner, 2, H));
      const hh = p.act(add(gate(xt, 2, H), hr));
      h = add(mul(z, hIn), mul(sub(1, z), hh)); // h' = z h + (1 - z) hh
    } else {
      h = p.act(add(xt, matmul(hIn, U)));
    }
    if (mask !== null) {
      // m·new + (1 − m)·previous, as TF.js writes it (a where would also do, but not bit for bit)
      const m = reshape(select(mask, 1, t), [N, 1]);
      const keep = sub(1, m);
      h = add(mul(h, m), mul(hPrev, keep));
      if (c !== null) c = add(mul(c, m), mul(cPrev as Tensor, keep));
    }
    if (p.seq) ys.push(h);
  }
  return { y: p.seq ? stack(ys, 1) : h, states: c ? [h, c] : [h] };
}
