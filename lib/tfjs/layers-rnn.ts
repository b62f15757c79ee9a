// Keras sequence layers: Embedding, the recurrent LSTM / GRU / SimpleRNN (rnn-run.ts) and the
// generic RNN over their cells, the Bidirectional wrapper and TimeDistributed. Inputs are
// batch-major [N, T, F] as in Keras. With return_state a layer returns [output, states…]
// (Bidirectional: [output(s), forward states…, backward states…]); further inputs of a call are its
// initial_state; ctx.mask (masks.ts) masks the steps. Stateful layers are refused at load time
// with ERR_UNSUPPORTED naming the layer.
import { Tensor } from '../tensor';
import { describe } from '../core/errors';
import { embedding } from '../ops/embed';
import { cast } from '../ops/cast';
import { reshape } from '../ops/views';
import { flip, concat } from '../ops/join';
import { add, mul } from '../ops/binary';
import { layer, LAYERS, ints, bool, cfgFail, need } from './registry';
import type { Config, LayerDef, LayerContext } from './registry';
import { readActivation } from './layers-core';
import { runRnn, rnnWeightRoles, nStates, CLASS_OF } from './rnn-run';
import { maskFor } from './masks';
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
    state: bool(name, cfg, 'return_state', false),
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

/** ctx.mask as the [N, T] mask of x, or null. */
const maskOf = (ctx: LayerContext, x: Tensor, cls: string): Tensor | null => (ctx.mask ? maskFor(ctx.mask, x, ctx.name, cls) : null);

for (const [cls, kind] of Object.entries(KIND_OF)) {
  layer<RnnP>(cls, {
    prepare: (cfg, name) => readRnn(cfg, name, kind),
    weights: (p) => rnnWeightRoles(p),
    outputs: (p) => (p.state ? 1 + nStates(p) : 1),
    apply: ([x, ...init], w, p, ctx) => {
      const r = runRnn(x, weightsOf(w, ''), p, ctx, init.length > 0 ? init : null, maskOf(ctx, x, cls));
      return p.state ? [r.y, ...r.states] : r.y;
    },
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
interface StackP { cells: { p: RnnP; prefix: string }[]; state: boolean }

// Keras' generic RNN layer over a cell, or over StackedRNNCells (TF.js names their weights
// 'rnn/RNNCell_0/kernel', …). Stacked cells stepping together equal the cells run one after
// the other over whole sequences: the first reads the input (backwards with go_backwards), the
// others its outputs in processing order; only the last may drop the sequence. A masked step
// keeps every cell's state, so each cell may mask its own run. With return_state the states come
// in TF.js's order: the last cell's first.
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
      const own = { stateful: cfg.stateful, return_state: false, time_major: cfg.time_major, return_sequences: i < list.length - 1 || seq, go_backwards: i === 0 && back };
      return { p: readRnn({ ...cc, ...own }, name, kind), prefix: list.length > 1 ? `RNNCell_${i}/` : '' };
    });
    return { cells, state: bool(name, cfg, 'return_state', false) };
  },
  weights: (q) => q.cells.flatMap((c) => rnnWeightRoles(c.p, c.prefix)),
  outputs: (q) => (q.state ? 1 + q.cells.reduce((n, c) => n + nStates(c.p), 0) : 1),
  apply: ([x, ...init], w, q, ctx) => {
    if (init.length > 0 && q.cells.length > 1) cfgFail(ctx.name, 'initial_state for an RNN over StackedRNNCells is not supported', 'ERR_UNSUPPORTED');
    const mask = maskOf(ctx, x, 'RNN');
    const states: Tensor[][] = [];
    let y = x;
    q.cells.forEach((c, i) => {
      // the cells after a backward first one read its outputs in processing order: so the mask
      const m = mask !== null && i > 0 && q.cells[0].p.back ? flip(mask, 1) : mask;
      const r = runRnn(y, weightsOf(w, c.prefix), c.p, ctx, i === 0 && init.length > 0 ? init : null, m);
      y = r.y;
      states.push(r.states);
    });
    return q.state ? [y, ...states.reverse().flat()] : y;
  },
});

type Merge = 'concat' | 'sum' | 'mul' | 'ave' | null;
interface BiP { fwd: RnnP; bwd: RnnP; fwdPrefix: string; bwdPrefix: string; merge: Merge }

layer<BiP>('Bidirectional', {
  prepare: (cfg, name) => {
    const f = inner(name, cfg.layer, 'layer');
    const kind = KIND_OF[f.cls];
    if (kind === undefined) cfgFail(name, `Bidirectional wraps LSTM, GRU or SimpleRNN here, not ${describe(f.cls)}`, 'ERR_UNSUPPORTED');
    const merge = cfg.merge_mode === undefined ? 'concat' : cfg.merge_mode;
    if (merge !== null && merge !== 'concat' && merge !== 'sum' && merge !== 'mul' && merge !== 'ave') cfgFail(name, `merge_mode must be 'concat', 'sum', 'mul' or 'ave', got ${describe(merge)}`);
    const fwd = readRnn(f.cfg, name, kind);
    // Keras' backward half: the same layer going the other way, or a backward_layer of its own
    const b = cfg.backward_layer === undefined || cfg.backward_layer === null ? { cls: f.cls, cfg: { ...f.cfg, go_backwards: !fwd.back } } : inner(name, cfg.backward_layer, 'backward_layer');
    if (b.cls !== f.cls) cfgFail(name, `backward_layer is a ${describe(b.cls)}, the forward layer a ${f.cls}`, 'ERR_UNSUPPORTED');
    const bwd = readRnn(b.cfg, name, kind);
    if (bwd.seq !== fwd.seq) cfgFail(name, 'the forward and backward layers disagree on return_sequences');
    if (bwd.state !== fwd.state) cfgFail(name, 'the forward and backward layers disagree on return_state');
    const nameOf = (c: Config, what: string): string => {
      if (typeof c.name !== 'string' || c.name === '') return cfgFail(name, `the ${what} layer's config has no name (its weights are named after it)`);
      return c.name;
    };
    return { fwd, bwd, fwdPrefix: `forward_${nameOf(f.cfg, 'wrapped')}/`, bwdPrefix: `backward_${nameOf(b.cfg, 'backward')}/`, merge: merge as Merge };
  },
  weights: (p) => [...rnnWeightRoles(p.fwd, p.fwdPrefix), ...rnnWeightRoles(p.bwd, p.bwdPrefix)],
  outputs: (p) => (p.merge === null ? 2 : 1) + (p.fwd.state ? 2 * nStates(p.fwd) : 0),
  apply: ([x, ...init], w, p, ctx) => {
    // initial_state: the forward layer's states, then the backward one's
    const k = nStates(p.fwd);
    need(ctx, init.length === 0 || init.length === 2 * k, `Bidirectional(${CLASS_OF[p.fwd.kind]}) takes ${2 * k} initial state tensors (forward, then backward), got ${init.length}`);
    const mask = maskOf(ctx, x, 'Bidirectional');
    const f = runRnn(x, weightsOf(w, p.fwdPrefix), p.fwd, ctx, init.length > 0 ? init.slice(0, k) : null, mask);
    const b = runRnn(x, weightsOf(w, p.bwdPrefix), p.bwd, ctx, init.length > 0 ? init.slice(k) : null, mask);
    const y = f.y;
    const yb = p.fwd.seq ? flip(b.y, 1) : b.y; // the backward outputs, back in input order
    const merged = p.merge === null ? [y, yb] : [p.merge === 'concat' ? concat([y, yb], -1) : p.merge === 'sum' ? add(y, yb) : p.merge === 'mul' ? mul(y, yb) : mul(add(y, yb), 0.5)];
    const out = p.fwd.state ? [...merged, ...f.states, ...b.states] : merged;
    return out.length === 1 ? out[0] : out;
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
      const p = def.prepare(c, name);
      if ((def.outputs?.(p) ?? 1) > 1) cfgFail(name, `TimeDistributed of a layer with several outputs (${cls} with return_state) is not supported`, 'ERR_UNSUPPORTED');
      return { cls, def, p };
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
    // the wrapped layer reads no mask (TimeDistributed passes the mask on, masks.ts)
    const y = q.def.apply([reshape(x, [N * T, ...x.shape.slice(2)])], w, q.p, { ...ctx, mask: null }) as Tensor;
    return reshape(y, [N, T, ...y.shape.slice(1)]);
  },
});

interface EmbP { inputDim: number; outputDim: number; maskZero: boolean }
const posInt = (name: string, cfg: Config, key: string): number => {
  const v = cfg[key];
  if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > 2 ** 31 - 1) return cfgFail(name, `${key} must be a positive integer, got ${describe(v)}`);
  return v as number;
};

layer<EmbP>('Embedding', {
  // mask_zero: id 0 is padding, and the output is masked there (masks.ts)
  prepare: (cfg, name) => ({ inputDim: posInt(name, cfg, 'input_dim'), outputDim: posInt(name, cfg, 'output_dim'), maskZero: bool(name, cfg, 'mask_zero', false) }),
  weights: (p) => [{ role: 'embeddings', shape: [p.inputDim, p.outputDim] }],
  // Keras casts float ids to int32 (truncating); an id outside [0, input_dim) is ERR_OUT_OF_BOUNDS
  apply: ([x], w) => embedding(x.dtype === 'int32' ? x : cast(x, 'int32'), w.embeddings),
});
