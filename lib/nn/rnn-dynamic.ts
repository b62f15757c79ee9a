// tf.nn.dynamic_rnn: runs a cell over a sequence. A BasicLSTMCell or an LSTMCell goes through the
// fused LSTM kernel (its weights rearranged into torch's layout by recorded ops, so gradients reach
// the cell's own parameters); any other cell runs step by step through its `step`.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { isFloat } from '../core/dtype';
import { add, sub, mul } from '../ops/binary';
import { cast } from '../ops/cast';
import { lt } from '../ops/logical';
import { reshape, select, slice, transpose } from '../ops/views';
import { cat, stack } from '../ops/join';
import { rnnLayer } from '../ops/rnn-layer';
import { lengthsTensor, plainOptions, rnnScope } from '../ops/rnn-args';
import { BasicLSTMCell, LSTMCell, CellState, RNNCellLike } from './rnn-cells';

export interface DynamicRnnOptions {
  /** the state before the first step (default the cell's zeroState) */
  initialState?: CellState;
  /** the length of each sequence [B]: later outputs are 0 and the state is carried through */
  sequenceLength?: number[] | Int32Array | Tensor;
  /** inputs and outputs as [T, B, ...] (default false: [B, T, ...]) */
  timeMajor?: boolean;
}

const rows = (t: Tensor, j: number, n: number): Tensor => slice(t, [j, 0], [n, t.shape[1]]);

/** The fused path's torch-layout weights of an LSTM cell (i, f, g, o), biases summed into bih. */
function lstmWeights(cell: BasicLSTMCell | LSTMCell, I: number) {
  if (cell instanceof LSTMCell) return { wih: cell.weight_ih, whh: cell.weight_hh, bih: cell.bias_ih, bhh: cell.bias_hh, whr: null };
  cell.build(I);
  const U = cell.numUnits;
  const w = transpose(cell.kernel as Tensor, 0, 1); // [4U, I + U], TF's gate blocks i, j, f, o
  const wt = cat([rows(w, 0, U), rows(w, 2 * U, U), rows(w, U, U), rows(w, 3 * U, U)], 0);
  const b = cell.bias as Tensor;
  const bt = cat([slice(b, [0], [U]), add(slice(b, [2 * U], [U]), cell.forgetBias), slice(b, [U], [U]), slice(b, [3 * U], [U])], 0);
  return { wih: slice(wt, [0, 0], [4 * U, I]), whh: slice(wt, [0, I], [4 * U, U]), bih: bt, bhh: null, whr: null };
}

function mapState(a: CellState, b: CellState, f: (x: Tensor, y: Tensor) => Tensor): CellState {
  if (a instanceof Tensor) return f(a, b as Tensor);
  return a.map((s, k) => mapState(s, (b as CellState[])[k], f));
}

/** tf.nn.dynamic_rnn(cell, inputs, { initialState, sequenceLength, timeMajor }) → [outputs, finalState]. */
export function dynamicRnn(cell: RNNCellLike, inputs: Tensor, options?: DynamicRnnOptions): [Tensor, CellState] {
  const op = 'dynamicRnn';
  if (!cell || typeof cell.step !== 'function' || typeof cell.zeroState !== 'function')
    fail(op, `cell must be a recurrent cell (BasicLSTMCell, LSTMCell, GRUCell, RNNCell, MultiRNNCell), got ${describe(cell)}`);
  if (!(inputs instanceof Tensor)) return fail(op, `inputs must be a Tensor, got ${describe(inputs)}`);
  inputs._live(op);
  if (!isFloat(inputs.dtype)) fail(op, `inputs must be float32 or float64, got ${inputs.dtype}`, 'ERR_DTYPE');
  if (inputs.shape.length !== 3) fail(op, `inputs must be 3-D [batch, time, depth] (or [time, batch, depth] timeMajor), got ${fmtShape(inputs.shape)}`, 'ERR_SHAPE');
  const o = plainOptions<DynamicRnnOptions>(op, options, ['initialState', 'sequenceLength', 'timeMajor']);
  const timeMajor = o.timeMajor ?? false;
  if (typeof timeMajor !== 'boolean') fail(op, `options.timeMajor must be a boolean, got ${describe(timeMajor)}`);
  const x = timeMajor ? inputs : transpose(inputs, 0, 1); // [T, B, I]
  const [T, B, I] = x.shape;
  const run = (): [Tensor, CellState] => {
    const lens = lengthsTensor(op, o.sequenceLength, B, T);
    const state = o.initialState ?? cell.zeroState(B, inputs.dtype);
    let y: Tensor;
    let final: CellState;
    if (cell instanceof BasicLSTMCell || cell instanceof LSTMCell) {
      if (!Array.isArray(state) || state.length !== 2) return fail(op, `an LSTM cell's state must be a pair of tensors, got ${describe(state)}`);
      const U = cell instanceof LSTMCell ? cell.hiddenSize : cell.numUnits;
      if (cell instanceof LSTMCell && I !== cell.inputSize) fail(op, `inputs depth ${I} differs from the cell's inputSize ${cell.inputSize}`, 'ERR_SHAPE');
      if (cell instanceof BasicLSTMCell && cell.inputSize !== null && I !== cell.inputSize)
        fail(op, `inputs depth ${I} differs from the cell's input size ${cell.inputSize}`, 'ERR_SHAPE');
      // TF's LSTMStateTuple is (c, h); torch's cells take (h, c)
      const [h0, c0] = cell instanceof BasicLSTMCell ? [state[1], state[0]] : [state[0], state[1]];
      for (const [n, s] of [['h', h0], ['c', c0]] as const) {
        if (!(s instanceof Tensor)) fail(op, `initialState ${n} must be a Tensor, got ${describe(s)}`);
        if (s.shape.length !== 2 || s.shape[0] !== B || s.shape[1] !== U)
          fail(op, `initialState ${n} has shape ${fmtShape(s.shape)}, expected ${fmtShape([B, U])}`, 'ERR_SHAPE');
        if (s.dtype !== inputs.dtype) fail(op, `initialState ${n} has dtype ${s.dtype}, the inputs ${inputs.dtype}`, 'ERR_DTYPE');
      }
      const w = lstmWeights(cell, I);
      if (w.wih.dtype !== inputs.dtype) fail(op, `the cell's weights are ${w.wih.dtype}, the inputs ${inputs.dtype}`, 'ERR_DTYPE');
      const r = rnnLayer('lstm', x, h0 as Tensor, c0 as Tensor, w, lens, false);
      y = r.y;
      final = cell instanceof BasicLSTMCell ? [r.cN as Tensor, r.hN] : [r.hN, r.cN as Tensor];
    } else {
      if (T === 0) return fail(op, 'inputs have no time steps (T = 0)', 'ERR_SHAPE');
      const ys: Tensor[] = [];
      let s = state;
      for (let t = 0; t < T; t++) {
        const [out, next] = cell.step(select(x, 0, t), s);
        if (lens) {
          const m = reshape(cast(lt(t, lens), out.dtype), [B, 1]);
          ys.push(mul(out, m));
          s = mapState(next, s, (nw, old) => add(mul(nw, m), mul(old, sub(1, m))));
        } else {
          ys.push(out);
          s = next;
        }
      }
      y = stack(ys, 0);
      final = s;
    }
    return [timeMajor ? y : transpose(y, 0, 1), final];
  };
  return rnnScope(run);
}
