// One recurrent layer and direction written with public ops, step by step: the same function as
// the fused kernel (rnn-layer.ts) and its packed result [y | hN | cN]. Used where gradients must be
// recorded (a createGraph backward) — each op records its own node, so any order of gradient works.
import { Tensor } from '../tensor';
import { add, sub, mul } from './binary';
import { sigmoid, tanh, relu } from './unary';
import { matmul } from './matmul';
import { reshape, slice, transpose } from './views';
import { cat, stack } from './join';
import { zeros } from './creation';
import { cast } from './cast';
import { lt } from './logical';
import type { RnnMode, RnnLayerWeights } from './rnn-args';

const cols = (t: Tensor, j: number, n: number): Tensor => slice(t, [0, j], [t.shape[0], n]);

/** @internal [y.flat | hN.flat | cN.flat] of one layer and direction over x [T, B, I]. */
export function rnnLayerComposite(mode: RnnMode, x: Tensor, h0: Tensor | null, c0: Tensor | null, w: RnnLayerWeights,
  lengths: Tensor | null, reverse: boolean): Tensor {
  const [T, B, I] = x.shape;
  const G = mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1;
  const H = w.wih.shape[0] / G;
  const P = w.whr ? w.whr.shape[0] : H;
  const dt = x.dtype;
  let xp = matmul(reshape(x, [T * B, I]), transpose(w.wih, 0, 1));
  if (w.bih) xp = add(xp, w.bih);
  if (w.bhh && mode !== 'gru') xp = add(xp, w.bhh);
  let h = h0 ?? zeros([B, P], { dtype: dt });
  let c = mode === 'lstm' ? c0 ?? zeros([B, H], { dtype: dt }) : null;
  const ys: Tensor[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const xt = slice(xp, [t * B, 0], [B, G * H]);
    let hh = matmul(h, transpose(w.whh, 0, 1));
    let hNew: Tensor;
    let cNew: Tensor | null = null;
    if (mode === 'lstm') {
      const pre = add(xt, hh);
      const i = sigmoid(cols(pre, 0, H)), f = sigmoid(cols(pre, H, H));
      const gg = tanh(cols(pre, 2 * H, H)), o = sigmoid(cols(pre, 3 * H, H));
      cNew = add(mul(f, c as Tensor), mul(i, gg));
      hNew = mul(o, tanh(cNew));
      if (w.whr) hNew = matmul(hNew, transpose(w.whr, 0, 1));
    } else if (mode === 'gru') {
      if (w.bhh) hh = add(hh, w.bhh);
      const r = sigmoid(add(cols(xt, 0, H), cols(hh, 0, H)));
      const z = sigmoid(add(cols(xt, H, H), cols(hh, H, H)));
      const n = tanh(add(cols(xt, 2 * H, H), mul(r, cols(hh, 2 * H, H))));
      hNew = add(mul(sub(1, z), n), mul(z, h)); // (1 - z) n + z h
    } else {
      const pre = add(xt, hh);
      hNew = mode === 'rnn_relu' ? relu(pre) : tanh(pre);
    }
    if (lengths) {
      // m = 1 on rows still inside their sequence: state = m new + (1 - m) old, output m new
      const m = reshape(cast(lt(t, lengths), dt), [B, 1]);
      const keep = sub(1, m);
      ys[t] = mul(hNew, m);
      h = add(ys[t], mul(h, keep));
      if (cNew) c = add(mul(cNew, m), mul(c as Tensor, keep));
    } else {
      ys[t] = hNew;
      h = hNew;
      if (cNew) c = cNew;
    }
  }
  const parts = [T > 0 ? reshape(stack(ys, 0), [T * B * P]) : zeros([0], { dtype: dt }), reshape(h, [B * P])];
  if (c) parts.push(reshape(c, [B * H]));
  return cat(parts, 0);
}
