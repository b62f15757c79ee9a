// Recurrent layers: torch.nn.LSTM / GRU / RNN (parameter names, shapes, gate order and init as torch,
// so a torch state dict loads and gives torch's outputs). The computation is one fused native call
// per layer and direction (lib/ops/rnn.ts); the cells and dynamicRnn are in rnn-cells.ts.
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { DType, isFloat } from '../core/dtype';
import { rnnStack, RnnMode, RnnLayerWeights, RNN_GATES } from '../ops/rnn';
import { positiveInt, plainOptions } from '../ops/rnn-args';
import { Module, Parameter } from './module';
import * as init from './init';

export interface RNNBaseOptions {
  /** stacked layers (default 1) */
  numLayers?: number;
  /** learned biases b_ih and b_hh (default true) */
  bias?: boolean;
  /** input and output as [batch, seq, feature] (default false: [seq, batch, feature]) */
  batchFirst?: boolean;
  /** dropout on the outputs of every layer but the last, in training (default 0) */
  dropout?: number;
  /** a second, reversed direction per layer; outputs joined on the feature axis (default false) */
  bidirectional?: boolean;
  /** float32 (default) or float64 */
  dtype?: DType;
}
export interface LSTMOptions extends RNNBaseOptions {
  /** LSTM with projections: h = W_hr (o * tanh(c)), of this size (0 = none; must be < hiddenSize) */
  projSize?: number;
}
export interface RNNOptions extends RNNBaseOptions {
  nonlinearity?: 'tanh' | 'relu';
}
export interface RNNForwardOptions {
  /** the length of each sequence in the batch (any order; 0..T): later steps give 0 and keep the state */
  lengths?: number[] | Int32Array | Tensor;
}

const BASE_KEYS = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'dtype'];

class RNNBase<HX, Out> extends Module<[Tensor, HX?, RNNForwardOptions?], Out> {
  readonly mode: RnnMode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;

  constructor(op: string, mode: RnnMode, inputSize: number, hiddenSize: number, options: unknown, extra: string[]) {
    super();
    const o = plainOptions<LSTMOptions>(op, options, [...BASE_KEYS, ...extra]);
    this.mode = mode;
    this.inputSize = positiveInt(op, 'inputSize', inputSize);
    this.hiddenSize = positiveInt(op, 'hiddenSize', hiddenSize);
    this.numLayers = positiveInt(op, 'options.numLayers', o.numLayers ?? 1);
    this.projSize = positiveInt(op, 'options.projSize', o.projSize ?? 0, 0);
    if (this.projSize >= hiddenSize) fail(op, `options.projSize (${this.projSize}) must be below hiddenSize (${hiddenSize})`);
    for (const k of ['bias', 'batchFirst', 'bidirectional'] as const)
      if (o[k] !== undefined && typeof o[k] !== 'boolean') fail(op, `options.${k} must be a boolean, got ${describe(o[k])}`);
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.bidirectional = o.bidirectional ?? false;
    const p = o.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(op, `options.dropout must be a number in [0, 1], got ${describe(p)}`);
    this.dropout = p;
    const dtype = o.dtype ?? 'float32';
    if (!isFloat(dtype)) fail(op, `options.dtype must be float32 or float64, got ${describe(dtype)}`, 'ERR_DTYPE');
    // torch: every parameter U(-1/sqrt(hidden), 1/sqrt(hidden))
    const k = 1 / Math.sqrt(hiddenSize);
    const u = (shape: number[]) => new Parameter(init.uniform(shape, -k, k, { dtype }));
    const GH = RNN_GATES[mode] * hiddenSize;
    const P = this.projSize || hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++)
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d ? '_reverse' : ''}`;
        this.registerParameter(`weight_ih${sfx}`, u([GH, l === 0 ? inputSize : P * D]));
        this.registerParameter(`weight_hh${sfx}`, u([GH, P]));
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, u([GH]));
          this.registerParameter(`bias_hh${sfx}`, u([GH]));
        }
        if (this.projSize > 0) this.registerParameter(`weight_hr${sfx}`, u([P, hiddenSize]));
      }
  }

  /** @internal the parameters of each layer and direction, read at every call (loadStateDict may replace them). */
  _weights(): RnnLayerWeights[] {
    const self = this as unknown as Record<string, Tensor | undefined>;
    const out: RnnLayerWeights[] = [];
    const D = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++)
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d ? '_reverse' : ''}`;
        const get = (n: string): Tensor => {
          const t = self[n + sfx];
          if (!(t instanceof Tensor)) return fail(`${this.constructor.name}.forward`, `parameter ${n}${sfx} is missing`);
          return t;
        };
        out.push({
          wih: get('weight_ih'), whh: get('weight_hh'),
          bih: this.bias ? get('bias_ih') : null, bhh: this.bias ? get('bias_hh') : null,
          whr: this.projSize > 0 ? get('weight_hr') : null,
        });
      }
    return out;
  }

  /** @internal */
  _run(h0: unknown, c0: unknown, x: Tensor, options: RNNForwardOptions | undefined) {
    const op = `${this.constructor.name}.forward`;
    plainOptions(op, options, ['lengths']);
    return rnnStack(op, {
      mode: this.mode, inputSize: this.inputSize, hiddenSize: this.hiddenSize, projSize: this.projSize,
      numLayers: this.numLayers, bidirectional: this.bidirectional, batchFirst: this.batchFirst,
      dropout: this.dropout, training: this.training,
    }, this._weights(), x, h0, c0, options?.lengths);
  }
}

/**
 * torch.nn.LSTM: forward(x, [h0, c0]?, { lengths }?) → [output, [hN, cN]]. x [T, B, I] ([B, T, I]
 * batchFirst; [T, I] unbatched), h0 [L*D, B, P], c0 [L*D, B, H]; output [T, B, D*P].
 */
export class LSTM extends RNNBase<[Tensor, Tensor] | null, [Tensor, [Tensor, Tensor]]> {
  constructor(inputSize: number, hiddenSize: number, options?: LSTMOptions) {
    super('LSTM', 'lstm', inputSize, hiddenSize, options, ['projSize']);
  }
  forward(x: Tensor, hx?: [Tensor, Tensor] | null, options?: RNNForwardOptions): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2))
      fail('LSTM.forward', `hx must be [h0, c0], got ${describe(hx)}`);
    const r = this._run(hx ? hx[0] : null, hx ? hx[1] : null, x, options);
    return [r.output, [r.hN, r.cN as Tensor]];
  }
}

/** torch.nn.GRU (gates r, z, n): forward(x, h0?, { lengths }?) → [output, hN]. */
export class GRU extends RNNBase<Tensor | null, [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options?: RNNBaseOptions) {
    super('GRU', 'gru', inputSize, hiddenSize, options, []);
  }
  forward(x: Tensor, h0?: Tensor | null, options?: RNNForwardOptions): [Tensor, Tensor] {
    const r = this._run(h0, null, x, options);
    return [r.output, r.hN];
  }
}

/** torch.nn.RNN (Elman): h' = tanh or relu(W_ih x + b_ih + W_hh h + b_hh); forward as GRU. */
export class RNN extends RNNBase<Tensor | null, [Tensor, Tensor]> {
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, options?: RNNOptions) {
    const nl = options?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') fail('RNN', `options.nonlinearity must be 'tanh' or 'relu', got ${describe(nl)}`);
    super('RNN', nl === 'relu' ? 'rnn_relu' : 'rnn_tanh', inputSize, hiddenSize, options, ['nonlinearity']);
    this.nonlinearity = nl;
  }
  forward(x: Tensor, h0?: Tensor | null, options?: RNNForwardOptions): [Tensor, Tensor] {
    const r = this._run(h0, null, x, options);
    return [r.output, r.hN];
  }
}
