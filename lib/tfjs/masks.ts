// Keras masks in a TF.js layers model: Embedding(mask_zero) and Masking mark the padded steps of
// a sequence ([batch, time], 1 = a real step); the mask follows the values through the layers
// that keep it, and the recurrent layers read it (a masked step keeps the previous state and
// output, as TF.js's rnn() does). What each layer class does with a mask is TF.js's
// supportsMasking / computeMask: 'pass' keeps it, 'drop' ends it, 'consume' is a recurrent layer,
// 'make' starts one. Where TF.js and Keras disagree, or TF.js's own rule is broken (the merge
// layers), a mask reaching the layer is refused at load time with ERR_UNSUPPORTED naming it.
import { Tensor } from '../tensor';
import { TapeflowError } from '../core/errors';
import { notEqual } from '../ops/logical';
import { any } from '../ops/reduce';
import { cast } from '../ops/cast';
import { mul } from '../ops/binary';
import { layer, num } from './registry';
import type { Call } from './topology';

type Rule = 'pass' | 'drop' | 'consume' | 'make';

const RULES: Record<string, Rule> = {
  // TF.js supportsMasking = true with the default computeMask: the mask passes
  Dropout: 'pass', SpatialDropout1D: 'pass', SpatialDropout2D: 'pass', SpatialDropout3D: 'pass',
  GaussianNoise: 'pass', GaussianDropout: 'pass', AlphaDropout: 'pass',
  Dense: 'pass', Activation: 'pass', ReLU: 'pass', BatchNormalization: 'pass', TimeDistributed: 'pass',
  // supportsMasking = false in TF.js and Keras: the mask ends here
  Flatten: 'drop', Reshape: 'drop', Permute: 'drop', Conv2D: 'drop', DepthwiseConv2D: 'drop', SeparableConv2D: 'drop',
  MaxPooling2D: 'drop', AveragePooling2D: 'drop', GlobalAveragePooling2D: 'drop', GlobalMaxPooling2D: 'drop', ZeroPadding2D: 'drop',
  Cropping2D: 'drop', UpSampling2D: 'drop',
  LSTM: 'consume', GRU: 'consume', SimpleRNN: 'consume', RNN: 'consume', Bidirectional: 'consume',
  Masking: 'make',
};

/** Why a layer class cannot take a mask here (the ones RULES does not list). */
const WHY: Record<string, string> = {
  LeakyReLU: 'TF.js drops the mask there, Keras keeps it',
  ELU: 'TF.js drops the mask there, Keras keeps it',
  Softmax: 'Keras applies the mask in the softmax, TF.js drops it',
};
for (const m of ['Concatenate', 'Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum'])
  WHY[m] = "TF.js's merge of masks is broken (it returns a mask of the wrong shape), so there is no reference to follow";

/** The layer's rule: Embedding makes a mask only with mask_zero, else ends one. */
function ruleOf(c: Call): Rule | undefined {
  if (c.layer.className === 'Embedding') return (c.layer.prepared as { maskZero: boolean }).maskZero ? 'make' : 'drop';
  return RULES[c.layer.className];
}

/** For each call, whether its first input carries a mask and whether it defines masked values. */
export interface MaskPlan {
  inMasked: boolean[];
  outMasked: boolean[];
}

/** Follows the masks through the calls (in run order); refuses a mask a layer here cannot take. */
export function planMasks(calls: Call[]): MaskPlan | null {
  const masked = new Set<string>();
  const inMasked: boolean[] = [], outMasked: boolean[] = [];
  for (const c of calls) {
    const rule = ruleOf(c);
    const inM = c.inputs.length > 0 && masked.has(c.inputs[0]);
    const anyM = c.inputs.some((v) => masked.has(v));
    inMasked.push(inM);
    let out = false;
    if (rule === 'make') out = true;
    else if (anyM) {
      const l = c.layer;
      const refuse = (why: string): never => { throw new TapeflowError(`loadTfjsModel: layer '${l.name}' (${l.className}): a Keras mask (from Embedding mask_zero or Masking) reaches it, and ${why}`, 'ERR_UNSUPPORTED'); };
      if (rule === undefined) refuse(WHY[l.className] ?? `masks through ${l.className} are not supported`);
      if (!inM && rule !== 'drop') refuse('only its first input is masked (Keras reads the first input\'s mask)');
      if (l.className === 'TimeDistributed') {
        const inner = (l.prepared as { cls: string }).cls;
        if (RULES[inner] === 'consume' || RULES[inner] === 'make' || inner === 'Embedding') refuse(`masks through TimeDistributed(${inner}) are not supported`);
      }
      if (rule === 'consume') {
        const p = l.prepared as { cells?: unknown[] };
        if (l.className === 'RNN' && (p.cells?.length ?? 1) > 1 && c.inputs.length > 1) refuse('masks with StackedRNNCells and initial_state are not supported');
        out = seqOf(c);
      } else out = rule === 'pass';
    }
    outMasked.push(out);
    if (out) for (const v of c.outputs) masked.add(v);
  }
  return outMasked.some((o) => o) ? { inMasked, outMasked } : null;
}

/** A recurrent layer's return_sequences (its output keeps the mask). */
function seqOf(c: Call): boolean {
  const p = c.layer.prepared as { seq?: boolean; fwd?: { seq: boolean }; cells?: { p: { seq: boolean } }[] };
  if (p.fwd) return p.fwd.seq;
  if (p.cells) return p.cells[p.cells.length - 1].p.seq;
  return p.seq === true;
}

/**
 * The masks of a call's outputs (null: none), given its inputs, outputs and the first input's
 * mask. As TF.js: a recurrent layer's sequence output keeps the input mask (go_backwards too), its
 * states and last-step outputs have none.
 */
export function outputMasks(c: Call, xs: Tensor[], ys: Tensor[], inMask: Tensor | null): (Tensor | null)[] {
  const rule = ruleOf(c);
  if (rule === 'make') {
    const x = xs[0];
    // Embedding: the ids that are not 0 (TF.js compares the raw input); Masking: any feature ≠ mask_value
    const m = c.layer.className === 'Embedding' ? notEqual(x, 0) : any(notEqual(x, c.layer.prepared as number), -1);
    return [cast(m, 'float32'), ...ys.slice(1).map(() => null)];
  }
  if (inMask === null || rule === 'drop' || rule === undefined) return ys.map(() => null);
  if (rule === 'pass') return ys.map(() => inMask);
  const seq = seqOf(c);
  // Bidirectional merge_mode null: both sequence outputs keep it; then the states
  const nSeq = c.layer.className === 'Bidirectional' && (c.layer.prepared as { merge: unknown }).merge === null ? 2 : 1;
  return ys.map((_, i) => (seq && i < nSeq ? inMask : null));
}

/** The mask as a [N, T] 0 / 1 tensor of x's dtype, checked against x [N, T, …]. */
export function maskFor(mask: Tensor, x: Tensor, name: string, cls: string): Tensor {
  if (mask.rank !== 2 || mask.shape[0] !== x.shape[0] || mask.shape[1] !== x.shape[1])
    throw new TapeflowError(`loadTfjsModel: layer '${name}': ${cls} got a mask of shape [${mask.shape}] for an input of shape [${x.shape}] (a mask is [batch, time])`, 'ERR_SHAPE');
  return mask.dtype === x.dtype ? mask : cast(mask, x.dtype);
}

// Keras Masking: steps whose features all equal mask_value are zeroed and masked
layer<number>('Masking', {
  prepare: (cfg, name) => num(name, cfg, 'mask_value', 0),
  weights: () => [],
  apply: ([x], _w, v) => mul(x, cast(any(notEqual(x, v), -1, true), x.dtype)),
});
