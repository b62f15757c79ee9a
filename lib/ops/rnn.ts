// Multi-layer, bidirectional recurrent networks (torch.nn.LSTM / GRU / RNN's computation): one
// fused native call per layer and direction (rnn-layer.ts), dropout between layers in training,
// the directions' outputs joined on the feature axis. Validation in rnn-args.ts.
import { Tensor } from '../tensor';
import { fmtShape, fail } from '../core/errors';
import { select, transpose, unsqueeze, squeeze } from './views';
import { cat, stack } from './join';
import { dropout } from './dropout';
import { rnnLayer, RnnMode, RnnLayerWeights } from './rnn-layer';
import { checkRnnInput, checkState, checkParam, lengthsTensor, rnnScope } from './rnn-args';

export { RNN_GATES } from './rnn-layer';
export type { RnnMode, RnnLayerWeights, RnnLayerResult } from './rnn-layer';

export interface RnnStackConfig {
  mode: RnnMode;
  inputSize: number;
  hiddenSize: number;
  projSize: number; // 0: none
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  dropout: number;
  training: boolean;
}

export interface RnnStackResult {
  output: Tensor;
  hN: Tensor;
  cN: Tensor | null;
}

/**
 * @internal The whole stack. weights[layer * D + dir]; x [T, B, I] ([B, T, I] batchFirst, [T, I]
 * unbatched); h0 [L*D, B, P] / c0 [L*D, B, H] ([L*D, P] / [L*D, H] unbatched) or null.
 */
export function rnnStack(op: string, cfg: RnnStackConfig, weights: RnnLayerWeights[], x: unknown, h0: unknown, c0: unknown,
  lengths: unknown): RnnStackResult {
  // without recording, the temporaries (packed outputs, joined directions, lengths) go at once
  return rnnScope(() => stackBody(op, cfg, weights, x, h0, c0, lengths));
}

function stackBody(op: string, cfg: RnnStackConfig, weights: RnnLayerWeights[], x: unknown, h0: unknown, c0: unknown,
  lengths: unknown): RnnStackResult {
  const xin = checkRnnInput(op, x, cfg.inputSize);
  const unbatched = xin.shape.length === 2;
  const D = cfg.bidirectional ? 2 : 1;
  const LD = cfg.numLayers * D;
  const H = cfg.hiddenSize;
  const P = cfg.projSize > 0 ? cfg.projSize : H;
  let xs = unbatched ? unsqueeze(xin, 1) : cfg.batchFirst ? transpose(xin, 0, 1) : xin;
  const [T, B] = xs.shape;
  const stateShape = (n: number) => (unbatched ? [LD, n] : [LD, B, n]);
  let h = h0 === undefined || h0 === null ? null : checkState(op, 'h0', h0, stateShape(P), xin);
  let c = c0 === undefined || c0 === null ? null : checkState(op, 'c0', c0, stateShape(H), xin);
  if (unbatched) {
    if (h) h = unsqueeze(h, 1);
    if (c) c = unsqueeze(c, 1);
  }
  if (lengths !== undefined && lengths !== null && unbatched) fail(op, 'lengths needs a batched input (3-D)');
  const lens = lengthsTensor(op, lengths, B, T);
  weights.forEach((w, k) => {
    const sfx = `_l${Math.floor(k / D)}${k % D ? '_reverse' : ''}`;
    checkParam(op, `weight_ih${sfx}`, w.wih, xin);
    checkParam(op, `weight_hh${sfx}`, w.whh, xin);
    if (w.bih) checkParam(op, `bias_ih${sfx}`, w.bih, xin);
    if (w.bhh) checkParam(op, `bias_hh${sfx}`, w.bhh, xin);
    if (w.whr) checkParam(op, `weight_hr${sfx}`, w.whr, xin);
    const inSize = k < D ? cfg.inputSize : P * D;
    if (w.wih.shape[1] !== inSize)
      fail(op, `weight_ih${sfx} has shape ${fmtShape(w.wih.shape)}, expected [${w.wih.shape[0]}, ${inSize}]`, 'ERR_SHAPE');
  });
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  for (let l = 0; l < cfg.numLayers; l++) {
    const ys: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      const k = l * D + d;
      const r = rnnLayer(cfg.mode, xs, h ? select(h, 0, k) : null, c ? select(c, 0, k) : null, weights[k], lens, d === 1);
      ys.push(r.y);
      hs.push(r.hN);
      if (r.cN) cs.push(r.cN);
    }
    xs = D === 1 ? ys[0] : cat(ys, 2);
    if (cfg.dropout > 0 && cfg.training && l < cfg.numLayers - 1) xs = dropout(xs, { p: cfg.dropout, training: true });
  }
  let hN = stack(hs, 0);
  let cN = cs.length > 0 ? stack(cs, 0) : null;
  let output = xs;
  if (unbatched) {
    output = squeeze(output, 1);
    hN = squeeze(hN, 1);
    if (cN) cN = squeeze(cN, 1);
  } else if (cfg.batchFirst) output = transpose(output, 0, 1);
  return { output, hN, cN };
}
