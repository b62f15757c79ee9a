// Keras sequence layers: Embedding, the recurrent LSTM / GRU / SimpleRNN (rnn-run.ts) and the
// generic RNN over their cells, the Bidirectional wrapper and TimeDistributed. Inputs are batch-major [N, T, F] as in Keras. What
// the single-output layer model here cannot express is refused at load time with ERR_UNSUPPORTED
// naming the layer: stateful layers, return_state, masks (mask_zero), merge_mode null.
import { Tensor } from '../tensor';
import { describe } from '../core/errors';
import { embedding } from '../ops/embed';
import { cast } from '../ops/cast';
import { reshape } from '../ops/views';
import { flip, concat } from '../ops/join';
import { add, mul } from '../ops/binary';
import { layer, LAYERS, ints, bool, cfgFail, need } from './registry';
import type { Config, LayerDef } from './registry';
import { readActivation } from './layers-core';
import { runRnn, rnnWeightRoles, CLASS_OF } from './rnn-run';
import type { Kind, RnnP, RnnWeights } from './rnn-run';

/** The name of an activation as Keras writes it ('tanh', or Keras 3's { config: { name } }). */
function activationName(v: unknown): string {
  if (typeof v === 'string') return v;
  const n = (v as { config?: { name?: unknown } } | null)?.config?.name;
  return typeof n === 'string' ? n : '';
}

/** A dropout rate in [0, 1] (TF.js applies it only strictly between 0 and 1). */
function rate(name: string, cfg: Config, key: string): number {
  const v = cfg[key] ?? 0;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return cfgFail(name, `${key} must be a number in [0, 1], got ${describe(v)}`);
  return v;
}

function readRnn(cfg: Config, name: string, kind: Kind): RnnP {
  const cls = CLASS_OF[kind];
  if (cfg.stateful === true) cfgFail(name, `${cls} with stateful: true is not supported (its state would carry over between forward calls); save the model with stateful: false`, 'ERR_UNSUPPORTED');
  if (cfg.return_state === true) cfgFail(name, `${cls} with return_state: true is not supported (layers here have one output)`, 'ERR_UNSUPPORTED');
  if (cfg.time_major === true) cfgFail(name, `${cls} with time_major: true is not supported (inputs are [batch, time, features])`, 'ERR_UNSUPPORTED');
  // null / absent activations take the TF.js defaults (tanh, hard_sigmoid), as TF.js reads them
  const actV = cfg.activation ?? 'tanh';
  const recV = kind === 'simple' ? 'sigmoid' : cfg.recurrent_activation ?? 'hard_sigmoid';
  const p: RnnP = {
    kind,
    units: ints(name, cfg, 'units', 1)[0],
    act: readActivation(name, actV),
    actName: activationName(actV),
    rec: readActivation(name, recV),
    recName: activationName(recV),
    useBias: bool(name, cfg, 'use_bias', true),
    seq: bool(name, cfg, 'return_sequences', false),
    back: bool(name, cfg, 'go_backwards', false),
    dropout: rate(name, cfg, 'dropout'),
    recDropout: rate(name, cfg, 'recurrent_dropout'),
    resetAfter: kind === 'gru' ? bool(name, cfg, 'reset_after', false) : false,
  };
  if (kind !== 'gru' && cfg.reset_after !== undefined && cfg.reset_after !== null && cfg.reset_after !== false) cfgFail(name, `reset_after is a GRU option, ${cls} has it set to ${describe(cfg.reset_after)}`);
  return p;
}

const KIND_OF: Record<string, Kind> = { LSTM: 'lstm', GRU: 'gru', SimpleRNN: 'simple' };

const weightsOf = (w: Record<string, Tensor>, prefix: string): RnnWeights =>
  ({ kernel: w[`${prefix}kernel`], recurrent_kernel: w[`${prefix}recurrent_kernel`], bias: w[`${prefix}bias`] });

for (const [cls, kind] of Object.entries(KIND_OF)) {
  layer<RnnP>(cls, {
    prepare: (cfg, name) => readRnn(cfg, name, kind),
    weights: (p) => rnnWeightRoles(p),
    apply: ([x], w, p, ctx) => runRnn(x, weightsOf(w, ''), p, ctx),
  });
}

/** A wrapped layer's { class_name, config }. */
function inner(name: string, v: unknown, key: string): { cls: string; cfg: Config } {
  const o = v as { class_name?: unknown; config?: unknown } | null;
  if (o === null || typeof o !== 'object' || typeof o.class_name !== 'string' || o.config === null || typeof o.config !== 'object' || Array.isArray(o.config))
    return cfgFail(name, `${key} must be { class_name, config } of a layer, got ${describe(v)}`);
  return { cls: o.class_name, cfg: o.config as Config };
}

const CELL_KIND: Record<string, Kind> = { LSTMCell: 'lstm', GRUCell: 'gru', SimpleRNNCell: 'simple' };
const MAX_CELLS = 64;
interface StackP { cells: { p: RnnP; prefix: string }[] }

// Keras' generic RNN layer over a cell, or over StackedRNNCells (TF.js names their weights
// 'rnn/RNNCell_0/kernel', …). Stacked cells stepping together equal the cells run one after
// the other over whole sequences: the first reads the input (backwards with go_backwards), the
// others its outputs in processing order; only the last may drop the sequence.
layer<StackP>('RNN', {
  prepare: (cfg, name) => {
    const c = inner(name, cfg.cell, 'cell');
    let list = [c];
    if (c.cls === 'StackedRNNCells') {
      const cs = c.cfg.cells;
      if (!Array.isArray(cs) || cs.length === 0 || cs.length > MAX_CELLS) cfgFail(name, `StackedRNNCells needs 1 to ${MAX_CELLS} cells, got ${describe(cs)}`);
      list = Array.from(cs as unknown[], (v, i) => inner(name, v, `cell.config.cells[${i}]`));
    }
    const seq = bool(name, cfg, 'return_sequences', false);
    const back = bool(name, cfg, 'go_backwards', false);
    const cells = list.map(({ cls, cfg: cc }, i) => {
      const kind = CELL_KIND[cls];
      if (kind === undefined) return cfgFail(name, `an RNN over a ${describe(cls)} cell is not supported (LSTMCell, GRUCell, SimpleRNNCell, StackedRNNCells of them)`, 'ERR_UNSUPPORTED');
      const own = { stateful: cfg.stateful, return_state: cfg.return_state, time_major: cfg.time_major, return_sequences: i < list.length - 1 || seq, go_backwards: i === 0 && back };
      return { p: readRnn({ ...cc, ...own }, name, kind), prefix: list.length > 1 ? `RNNCell_${i}/` : '' };
    });
    return { cells };
  },
  weights: (q) => q.cells.flatMap((c) => rnnWeightRoles(c.p, c.prefix)),
  apply: ([x], w, q, ctx) => q.cells.reduce((y, c) => runRnn(y, weightsOf(w, c.prefix), c.p, ctx), x),
});

type Merge = 'concat' | 'sum' | 'mul' | 'ave';
interface BiP { fwd: RnnP; bwd: RnnP; fwdPrefix: string; bwdPrefix: string; merge: Merge }

layer<BiP>('Bidirectional', {
  prepare: (cfg, name) => {
    const f = inner(name, cfg.layer, 'layer');
    const kind = KIND_OF[f.cls];
    if (kind === undefined) cfgFail(name, `Bidirectional wraps LSTM, GRU or SimpleRNN here, not ${describe(f.cls)}`, 'ERR_UNSUPPORTED');
    const merge = cfg.merge_mode === undefined ? 'concat' : cfg.merge_mode;
    if (merge === null) cfgFail(name, 'merge_mode null (the two directions as two outputs) is not supported (layers here have one output)', 'ERR_UNSUPPORTED');
    if (merge !== 'concat' && merge !== 'sum' && merge !== 'mul' && merge !== 'ave') cfgFail(name, `merge_mode must be 'concat', 'sum', 'mul' or 'ave', got ${describe(merge)}`);
    const fwd = readRnn(f.cfg, name, kind);
    // Keras' backward half: the same layer going the other way, or a backward_layer of its own
    const b = cfg.backward_layer === undefined || cfg.backward_layer === null ? { cls: f.cls, cfg: { ...f.cfg, go_backwards: !fwd.back } } : inner(name, cfg.backward_layer, 'backward_layer');
    if (b.cls !== f.cls) cfgFail(name, `backward_layer is a ${describe(b.cls)}, the forward layer a ${f.cls}`, 'ERR_UNSUPPORTED');
    const bwd = readRnn(b.cfg, name, kind);
    if (bwd.seq !== fwd.seq) cfgFail(name, 'the forward and backward layers disagree on return_sequences');
    const nameOf = (c: Config, what: string): string => {
      if (typeof c.name !== 'string' || c.name === '') return cfgFail(name, `the ${what} layer's config has no name (its weights are named after it)`);
      return c.name;
    };
    return { fwd, bwd, fwdPrefix: `forward_${nameOf(f.cfg, 'wrapped')}/`, bwdPrefix: `backward_${nameOf(b.cfg, 'backward')}/`, merge: merge as Merge };
  },
  weights: (p) => [...rnnWeightRoles(p.fwd, p.fwdPrefix), ...rnnWeightRoles(p.bwd, p.bwdPrefix)],
  apply: ([x], w, p, ctx) => {
    const y = runRnn(x, weightsOf(w, p.fwdPrefix), p.fwd, ctx);
    let yb = runRnn(x, weightsOf(w, p.bwdPrefix), p.bwd, ctx);
    if (p.fwd.seq) yb = flip(yb, 1); // the backward outputs, back in input order
    if (p.merge === 'concat') return concat([y, yb], -1);
    if (p.merge === 'sum') return add(y, yb);
    if (p.merge === 'mul') return mul(y, yb);
    return mul(add(y, yb), 0.5);
  },
});

interface TdP { cls: string; def: LayerDef<unknown>; p: unknown }
const NOT_PER_STEP = new Set(['Sequential', 'Model', 'Functional', 'InputLayer']);
const MAX_TD_DEPTH = 8;
let tdDepth = 0;

layer<TdP>('TimeDistributed', {
  prepare: (cfg, name) => {
    const { cls, cfg: c } = inner(name, cfg.layer, 'layer');
    const def = LAYERS.get(cls);
    if (def === undefined || NOT_PER_STEP.has(cls)) return cfgFail(name, `TimeDistributed of ${describe(cls)} is not supported`, 'ERR_UNSUPPORTED');
    // TimeDistributed(TimeDistributed(…)) is legal; a hostile config must not nest it without end
    if (tdDepth >= MAX_TD_DEPTH) return cfgFail(name, `TimeDistributed nested more than ${MAX_TD_DEPTH} deep`, 'ERR_UNSUPPORTED');
    tdDepth++;
    try {
      return { cls, def, p: def.prepare(c, name) };
    } finally {
      tdDepth--;
    }
  },
  // Keras names the wrapped layer's weights after the wrapper ('time_distributed/kernel')
  weights: (q) => q.def.weights(q.p),
  apply: ([x], w, q, ctx) => {
    need(ctx, x.rank >= 3, `TimeDistributed takes an input [batch, time, ...] of rank ≥ 3, got [${x.shape}]`);
    const [N, T] = x.shape;
    // the wrapped layer sees [N·T, ...] (Keras does the same), so its config reads the per-step shape
    const y = q.def.apply([reshape(x, [N * T, ...x.shape.slice(2)])], w, q.p, ctx);
    return reshape(y, [N, T, ...y.shape.slice(1)]);
  },
});

interface EmbP { inputDim: number; outputDim: number }
const posInt = (name: string, cfg: Config, key: string): number => {
  const v = cfg[key];
  if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > 2 ** 31 - 1) return cfgFail(name, `${key} must be a positive integer, got ${describe(v)}`);
  return v as number;
};

layer<EmbP>('Embedding', {
  prepare: (cfg, name) => {
    if (cfg.mask_zero === true) cfgFail(name, 'Embedding with mask_zero: true is not supported (Keras masks do not pass between layers here); save the model with mask_zero: false', 'ERR_UNSUPPORTED');
    return { inputDim: posInt(name, cfg, 'input_dim'), outputDim: posInt(name, cfg, 'output_dim') };
  },
  weights: (p) => [{ role: 'embeddings', shape: [p.inputDim, p.outputDim] }],
  // Keras casts float ids to int32 (truncating); an id outside [0, input_dim) is ERR_OUT_OF_BOUNDS
  apply: ([x], w) => embedding(x.dtype === 'int32' ? x : cast(x, 'int32'), w.embeddings),
});
