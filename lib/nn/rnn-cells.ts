// One-step recurrent cells: torch's LSTMCell / GRUCell / RNNCell, TensorFlow's BasicLSTMCell and
// MultiRNNCell. A cell is one step, written with public ops (so every order of gradient works);
// dynamicRnn (rnn-dynamic.ts) walks a sequence with any cell through `step` and `zeroState`.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { DType, isFloat } from '../core/dtype';
import { add, sub, mul } from '../ops/binary';
import { sigmoid, tanh, relu } from '../ops/unary';
import { matmul } from '../ops/matmul';
import { slice, transpose, unsqueeze, squeeze } from '../ops/views';
import { cat } from '../ops/join';
import { zeros } from '../ops/creation';
import { positiveInt, rnnScope } from '../ops/rnn-args';
import { Module, Parameter } from './module';
import * as init from './init';

/** A cell state: one tensor, a tuple of them, or (MultiRNNCell) a list of states. */
export type CellState = Tensor | CellState[];

/** What dynamicRnn needs of a cell: one step and the all-zero initial state. */
export interface RNNCellLike {
  step(x: Tensor, state: CellState): [Tensor, CellState];
  zeroState(batchSize: number, dtype?: DType): CellState;
  readonly outputSize: number;
}

const cols = (t: Tensor, j: number, n: number): Tensor => slice(t, [0, j], [t.shape[0], n]);

function cellInput(op: string, x: unknown, inputSize: number | null): Tensor {
  if (!(x instanceof Tensor)) return fail(op, `input must be a Tensor, got ${describe(x)}`);
  x._live(op);
  if (!isFloat(x.dtype)) fail(op, `input must be float32 or float64, got ${x.dtype}`, 'ERR_DTYPE');
  if (x.shape.length !== 1 && x.shape.length !== 2) fail(op, `input must be 1-D or 2-D [batch, features], got ${fmtShape(x.shape)}`, 'ERR_SHAPE');
  const I = x.shape[x.shape.length - 1];
  if (inputSize !== null && I !== inputSize)
    fail(op, `input.shape[-1] must equal inputSize: expected ${inputSize}, got ${I} (input ${fmtShape(x.shape)})`, 'ERR_SHAPE');
  return x;
}

function stateOf(op: string, name: string, s: unknown, shape: number[], x: Tensor): Tensor {
  if (!(s instanceof Tensor)) return fail(op, `${name} must be a Tensor, got ${describe(s)}`);
  s._live(op);
  if (s.shape.length !== shape.length || s.shape.some((d, i) => d !== shape[i]))
    fail(op, `${name} has shape ${fmtShape(s.shape)}, expected ${fmtShape(shape)}`, 'ERR_SHAPE');
  if (s.dtype !== x.dtype) fail(op, `${name} has dtype ${s.dtype}, the input ${x.dtype}: they must match`, 'ERR_DTYPE');
  return s;
}

/** x W^T (+ b) over a 2-D x. */
function lin(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const y = matmul(x, transpose(w, 0, 1));
  return b ? add(y, b) : y;
}

/** torch's cells: weight_ih [G*H, I], weight_hh [G*H, H], bias_ih, bias_hh, U(±1/√H) init. */
abstract class TorchCell<HX, Out> extends Module<[Tensor, HX?], Out> implements RNNCellLike {
  readonly inputSize: number;
  readonly hiddenSize: number;
  weight_ih: Tensor;
  weight_hh: Tensor;
  bias_ih: Tensor | null;
  bias_hh: Tensor | null;

  constructor(op: string, G: number, inputSize: number, hiddenSize: number, options: { bias?: boolean; dtype?: DType } | undefined) {
    super();
    this.inputSize = positiveInt(op, 'inputSize', inputSize);
    this.hiddenSize = positiveInt(op, 'hiddenSize', hiddenSize);
    const dtype = options?.dtype ?? 'float32';
    if (!isFloat(dtype)) fail(op, `options.dtype must be float32 or float64, got ${describe(dtype)}`, 'ERR_DTYPE');
    const k = 1 / Math.sqrt(hiddenSize);
    const u = (s: number[]) => new Parameter(init.uniform(s, -k, k, { dtype }));
    this.weight_ih = u([G * hiddenSize, inputSize]);
    this.weight_hh = u([G * hiddenSize, hiddenSize]);
    const bias = options?.bias ?? true;
    if (typeof bias !== 'boolean') fail(op, `options.bias must be a boolean, got ${describe(bias)}`);
    this.bias_ih = bias ? u([G * hiddenSize]) : null;
    this.bias_hh = bias ? u([G * hiddenSize]) : null;
  }
  get outputSize(): number {
    return this.hiddenSize;
  }
  abstract step(x: Tensor, state: CellState): [Tensor, CellState];
  abstract zeroState(batchSize: number, dtype?: DType): CellState;
  /** the batched view of x / a state, and how to undo it */
  protected batched(op: string, x: Tensor): [Tensor, (t: Tensor) => Tensor] {
    cellInput(op, x, this.inputSize);
    if (x.dtype !== this.weight_ih.dtype)
      fail(op, `input has dtype ${x.dtype}, weight_ih ${this.weight_ih.dtype}: they must match`, 'ERR_DTYPE');
    return x.shape.length === 1 ? [unsqueeze(x, 0), (t) => squeeze(t, 0)] : [x, (t) => t];
  }
}

/** torch.nn.LSTMCell: forward(x, [h, c]?) → [h', c'] (gates i, f, g, o). */
export class LSTMCell extends TorchCell<[Tensor, Tensor] | null, [Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options?: { bias?: boolean; dtype?: DType }) {
    super('LSTMCell', 4, inputSize, hiddenSize, options);
  }
  forward(x: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    return rnnScope(() => this._step(x, hx));
  }
  private _step(x: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    const op = 'LSTMCell.forward';
    const [xb, unb] = this.batched(op, x);
    const B = xb.shape[0], H = this.hiddenSize;
    const shp = x.shape.length === 1 ? [H] : [B, H];
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) fail(op, `hx must be [h, c], got ${describe(hx)}`);
    const h = hx ? stateOf(op, 'h', hx[0], shp, x) : zeros([B, H], { dtype: x.dtype });
    const c = hx ? stateOf(op, 'c', hx[1], shp, x) : zeros([B, H], { dtype: x.dtype });
    const hb = h.shape.length === 1 ? unsqueeze(h, 0) : h, cb = c.shape.length === 1 ? unsqueeze(c, 0) : c;
    const g = add(lin(xb, this.weight_ih, this.bias_ih), lin(hb, this.weight_hh, this.bias_hh));
    const i = sigmoid(cols(g, 0, H)), f = sigmoid(cols(g, H, H)), gg = tanh(cols(g, 2 * H, H)), o = sigmoid(cols(g, 3 * H, H));
    const c2 = add(mul(f, cb), mul(i, gg));
    return [unb(mul(o, tanh(c2))), unb(c2)];
  }
  step(x: Tensor, state: CellState): [Tensor, CellState] {
    const [h, c] = this.forward(x, state as [Tensor, Tensor]);
    return [h, [h, c]];
  }
  zeroState(batchSize: number, dtype: DType = this.weight_ih.dtype): CellState {
    return [zeros([batchSize, this.hiddenSize], { dtype }), zeros([batchSize, this.hiddenSize], { dtype })];
  }
}

/** torch.nn.GRUCell: forward(x, h?) → h' (r, z, n; n = tanh(W_in x + b_in + r (W_hn h + b_hn))). */
export class GRUCell extends TorchCell<Tensor | null, Tensor> {
  constructor(inputSize: number, hiddenSize: number, options?: { bias?: boolean; dtype?: DType }) {
    super('GRUCell', 3, inputSize, hiddenSize, options);
  }
  forward(x: Tensor, hx?: Tensor | null): Tensor {
    return rnnScope(() => this._step(x, hx));
  }
  private _step(x: Tensor, hx?: Tensor | null): Tensor {
    const op = 'GRUCell.forward';
    const [xb, unb] = this.batched(op, x);
    const B = xb.shape[0], H = this.hiddenSize;
    const h = hx === undefined || hx === null ? zeros([B, H], { dtype: x.dtype }) : stateOf(op, 'hx', hx, x.shape.length === 1 ? [H] : [B, H], x);
    const hb = h.shape.length === 1 ? unsqueeze(h, 0) : h;
    const gi = lin(xb, this.weight_ih, this.bias_ih), gh = lin(hb, this.weight_hh, this.bias_hh);
    const r = sigmoid(add(cols(gi, 0, H), cols(gh, 0, H)));
    const z = sigmoid(add(cols(gi, H, H), cols(gh, H, H)));
    const n = tanh(add(cols(gi, 2 * H, H), mul(r, cols(gh, 2 * H, H))));
    return unb(add(mul(sub(1, z), n), mul(z, hb)));
  }
  step(x: Tensor, state: CellState): [Tensor, CellState] {
    const h = this.forward(x, state as Tensor);
    return [h, h];
  }
  zeroState(batchSize: number, dtype: DType = this.weight_ih.dtype): CellState {
    return zeros([batchSize, this.hiddenSize], { dtype });
  }
}

/** torch.nn.RNNCell: h' = tanh or relu(W_ih x + b_ih + W_hh h + b_hh). */
export class RNNCell extends TorchCell<Tensor | null, Tensor> {
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, options?: { bias?: boolean; nonlinearity?: 'tanh' | 'relu'; dtype?: DType }) {
    const nl = options?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') fail('RNNCell', `options.nonlinearity must be 'tanh' or 'relu', got ${describe(nl)}`);
    super('RNNCell', 1, inputSize, hiddenSize, options);
    this.nonlinearity = nl;
  }
  forward(x: Tensor, hx?: Tensor | null): Tensor {
    return rnnScope(() => this._step(x, hx));
  }
  private _step(x: Tensor, hx?: Tensor | null): Tensor {
    const op = 'RNNCell.forward';
    const [xb, unb] = this.batched(op, x);
    const B = xb.shape[0], H = this.hiddenSize;
    const h = hx === undefined || hx === null ? zeros([B, H], { dtype: x.dtype }) : stateOf(op, 'hx', hx, x.shape.length === 1 ? [H] : [B, H], x);
    const hb = h.shape.length === 1 ? unsqueeze(h, 0) : h;
    const pre = add(lin(xb, this.weight_ih, this.bias_ih), lin(hb, this.weight_hh, this.bias_hh));
    return unb(this.nonlinearity === 'relu' ? relu(pre) : tanh(pre));
  }
  step(x: Tensor, state: CellState): [Tensor, CellState] {
    const h = this.forward(x, state as Tensor);
    return [h, h];
  }
  zeroState(batchSize: number, dtype: DType = this.weight_ih.dtype): CellState {
    return zeros([batchSize, this.hiddenSize], { dtype });
  }
}

export interface BasicLSTMCellOptions {
  /** added to the forget gate's pre-activation (default 1.0, as TensorFlow) */
  forgetBias?: number;
  /** the input depth; without it the kernel is made at the first call (TF's build) */
  inputSize?: number;
  dtype?: DType;
}

/**
 * tf.nn.rnn_cell.BasicLSTMCell: one kernel [input + units, 4 units] (glorot uniform) and a bias
 * [4 units] (zeros), gates i, j, f, o: c' = c σ(f + forgetBias) + σ(i) tanh(j), h' = tanh(c') σ(o).
 * The state is [c, h] (TF's LSTMStateTuple). forward(x, [c, h]) → [h', [c', h']].
 */
export class BasicLSTMCell extends Module<[Tensor, [Tensor, Tensor]], [Tensor, [Tensor, Tensor]]> implements RNNCellLike {
  readonly numUnits: number;
  readonly forgetBias: number;
  inputSize: number | null;
  kernel: Tensor | null = null;
  bias: Tensor | null = null;
  private readonly dtype: DType;

  constructor(numUnits: number, options?: BasicLSTMCellOptions) {
    super();
    const op = 'BasicLSTMCell';
    this.numUnits = positiveInt(op, 'numUnits', numUnits);
    const fb = options?.forgetBias ?? 1.0;
    if (typeof fb !== 'number' || !Number.isFinite(fb)) fail(op, `options.forgetBias must be a finite number, got ${describe(fb)}`);
    this.forgetBias = fb;
    this.dtype = options?.dtype ?? 'float32';
    if (!isFloat(this.dtype)) fail(op, `options.dtype must be float32 or float64, got ${describe(this.dtype)}`, 'ERR_DTYPE');
    this.inputSize = options?.inputSize === undefined ? null : positiveInt(op, 'options.inputSize', options.inputSize);
    if (this.inputSize !== null) this.build(this.inputSize);
  }
  get outputSize(): number {
    return this.numUnits;
  }
  /** Makes the kernel for this input depth (once). */
  build(inputSize: number): void {
    if (this.kernel) return;
    const U = this.numUnits;
    this.inputSize = inputSize;
    this.kernel = new Parameter(init.glorotUniform([inputSize + U, 4 * U], { dtype: this.dtype }));
    this.bias = new Parameter(zeros([4 * U], { dtype: this.dtype }));
  }
  forward(x: Tensor, state: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    return rnnScope(() => this._step(x, state));
  }
  private _step(x: Tensor, state: [Tensor, Tensor]): [Tensor, [Tensor, Tensor]] {
    const op = 'BasicLSTMCell.forward';
    cellInput(op, x, this.inputSize);
    if (x.shape.length !== 2) fail(op, `input must be 2-D [batch, features], got ${fmtShape(x.shape)}`, 'ERR_SHAPE');
    this.build(x.shape[1]);
    if (x.dtype !== (this.kernel as Tensor).dtype)
      fail(op, `input has dtype ${x.dtype}, the kernel ${(this.kernel as Tensor).dtype}: they must match`, 'ERR_DTYPE');
    const U = this.numUnits, B = x.shape[0];
    if (!Array.isArray(state) || state.length !== 2) fail(op, `state must be [c, h] (LSTMStateTuple), got ${describe(state)}`);
    const c = stateOf(op, 'state c', state[0], [B, U], x), h = stateOf(op, 'state h', state[1], [B, U], x);
    const z = add(matmul(cat([x, h], 1), this.kernel as Tensor), this.bias as Tensor);
    const i = cols(z, 0, U), j = cols(z, U, U), f = cols(z, 2 * U, U), o = cols(z, 3 * U, U);
    const c2 = add(mul(c, sigmoid(add(f, this.forgetBias))), mul(sigmoid(i), tanh(j)));
    const h2 = mul(tanh(c2), sigmoid(o));
    return [h2, [c2, h2]];
  }
  step(x: Tensor, state: CellState): [Tensor, CellState] {
    return this.forward(x, state as [Tensor, Tensor]);
  }
  zeroState(batchSize: number, dtype: DType = this.dtype): CellState {
    return [zeros([batchSize, this.numUnits], { dtype }), zeros([batchSize, this.numUnits], { dtype })];
  }
}

/** tf.nn.rnn_cell.MultiRNNCell: cells stacked; the state is the list of the cells' states. */
export class MultiRNNCell extends Module<[Tensor, CellState[]], [Tensor, CellState[]]> implements RNNCellLike {
  declare readonly cells: (Module<never[], unknown> & RNNCellLike)[];
  constructor(cells: RNNCellLike[]) {
    super();
    if (!Array.isArray(cells) || cells.length === 0) fail('MultiRNNCell', `cells must be a non-empty array of cells, got ${describe(cells)}`);
    cells.forEach((c, k) => {
      if (!c || typeof (c as RNNCellLike).step !== 'function' || typeof (c as RNNCellLike).zeroState !== 'function')
        fail('MultiRNNCell', `cells[${k}] is not a recurrent cell (it needs step and zeroState), got ${describe(c)}`);
    });
    // not enumerable: the parameters are listed once, under cell_k (TF's names)
    Object.defineProperty(this, 'cells', { value: cells.slice(), enumerable: false });
    cells.forEach((c, k) => this.registerModule(`cell_${k}`, c as unknown as Module<never[], unknown>));
  }
  get outputSize(): number {
    return this.cells[this.cells.length - 1].outputSize;
  }
  forward(x: Tensor, state: CellState[]): [Tensor, CellState[]] {
    if (!Array.isArray(state) || state.length !== this.cells.length)
      fail('MultiRNNCell.forward', `state must be a list of ${this.cells.length} cell states, got ${describe(state)}`);
    const next: CellState[] = [];
    let y = x;
    this.cells.forEach((c, k) => {
      const [o, s] = c.step(y, state[k]);
      y = o;
      next.push(s);
    });
    return [y, next];
  }
  step(x: Tensor, state: CellState): [Tensor, CellState] {
    return this.forward(x, state as CellState[]);
  }
  zeroState(batchSize: number, dtype?: DType): CellState {
    return this.cells.map((c) => c.zeroState(batchSize, dtype));
  }
}
