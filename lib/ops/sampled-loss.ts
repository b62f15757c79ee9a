// Sampled losses for large output vocabularies: tf.nn.nce_loss and tf.nn.sampled_softmax_loss,
// both through TF's _compute_sampled_logits (python/ops/nn_impl.py):
//   ids      = [labels (flattened), sampled]                  rows of weights / biases looked up
//   true     = <inputs_b, w_label> + b_label - log(trueExpectedCount)         [batch, numTrue]
//   sampled  = inputs @ w_sampled^T + b_sampled - log(sampledExpectedCount)   [batch, numSampled]
//              (with removeAccidentalHits, -FLT_MAX where a sampled class is one of the row's labels)
//   targets  = [1 / numTrue ..., 0 ...]
// NCE sums the sigmoid cross-entropies of a row; sampled softmax takes the softmax
// cross-entropy of the row. Per-example losses [batch]. The rows of weights and biases are
// looked up with `embedding`, so their gradient is row-sparse with { sparse: true } (and a
// single scatter-add otherwise): never proportional to numClasses.
import { fail, describe, fmtShape } from '../core/errors';
import { checkTensor } from '../core/validate';
import { tidy } from '../core/memory';
import { needsGradList } from '../autograd/tape';
import { Tensor } from '../tensor';
import { fromTyped } from './creation';
import { idsTensor, optionsOf } from './embed';
import { logUniformCandidateSampler, CandidateSample } from './candidate-sampler';
import { reshape } from './views';
import { log } from './unary';
import { cast } from './cast';
import { sampledLogits, sigmoidXentRows, softmaxXentRows } from './sampled-logits';

export interface SampledLossOptions {
  /** labels per example (default 1) */
  numTrue?: number;
  /** precomputed { sampledCandidates, trueExpectedCount, sampledExpectedCount } (default: a log-uniform unique sample) */
  sampledValues?: CandidateSample;
  removeAccidentalHits?: boolean;
  /** the weights' and biases' gradients are row-sparse (default false) */
  sparse?: boolean;
  /** seed of the default sampler */
  seed?: number;
}

const FLT_MAX = 3.4028234663852886e38;

interface Sampled {
  logits: Tensor;
  targets: Tensor;
}

function computeSampledLogits(op: string, weights: Tensor, biases: Tensor, labels: unknown, inputs: Tensor, numSampled: number, numClasses: number, o: SampledLossOptions, removeHits: boolean): Sampled {
  checkTensor(weights, op, 'weights');
  checkTensor(biases, op, 'biases');
  checkTensor(inputs, op, 'inputs');
  const nt = o.numTrue ?? 1;
  if (!Number.isInteger(nt) || nt < 1) fail(op, `numTrue must be an integer >= 1, got ${describe(nt)}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) fail(op, `numClasses must be an integer >= 1, got ${describe(numClasses)}`);
  if (!Number.isInteger(numSampled) || numSampled < 1) fail(op, `numSampled must be an integer >= 1, got ${describe(numSampled)}`);
  if (weights.rank !== 2 || inputs.rank !== 2 || weights.shape[1] !== inputs.shape[1])
    fail(op, `weights must be [numClasses, dim] and inputs [batch, dim]; got weights ${fmtShape(weights.shape)}, inputs ${fmtShape(inputs.shape)}`, 'ERR_SHAPE');
  if (weights.shape[0] < numClasses) fail(op, `weights has ${weights.shape[0]} rows, fewer than numClasses = ${numClasses}`, 'ERR_SHAPE');
  if (biases.rank !== 1 || biases.shape[0] !== weights.shape[0])
    fail(op, `biases must be [${weights.shape[0]}] (one per row of weights), got ${fmtShape(biases.shape)}`, 'ERR_SHAPE');
  if (inputs.dtype !== weights.dtype || biases.dtype !== weights.dtype)
    fail(op, `weights, biases and inputs must share a float dtype; got ${weights.dtype}, ${biases.dtype}, ${inputs.dtype}`, 'ERR_DTYPE');
  const B = inputs.shape[0];
  const dtype = weights.dtype;
  // labels: [batch, numTrue] (or [batch] when numTrue is 1), read into JS once
  const lab = idsTensor(labels, op, 'labels');
  let labV: Int32Array;
  try {
    const shape = lab.rank === 1 && nt === 1 ? [lab.size, 1] : lab.shape;
    if (shape.length !== 2 || shape[0] !== B || shape[1] !== nt)
      fail(op, `labels must have shape [${B}, ${nt}] (batch, numTrue), got ${fmtShape(lab.shape)}`, 'ERR_SHAPE');
    labV = lab.dataSync() as Int32Array;
  } finally {
    lab.dispose();
  }
  for (let k = 0; k < labV.length; k++)
    if (labV[k] < 0 || labV[k] >= numClasses) fail(op, `labels[${Math.floor(k / nt)}, ${k % nt}] = ${labV[k]} is out of range [0, ${numClasses})`, 'ERR_OUT_OF_BOUNDS');
  const trueIds = fromTyped(labV, [B * nt], 'int32');
  const own: Tensor[] = [trueIds]; // freed here unless the graph keeps them (saveFor in sampledLogits)
  let keepOwn = false;
  try {
    const sv = o.sampledValues ?? tidy(() => logUniformCandidateSampler(reshape(trueIds, [B, nt]), nt, numSampled, true, numClasses, { seed: o.seed }));
    if (o.sampledValues === undefined) own.push(sv.sampledCandidates, sv.trueExpectedCount, sv.sampledExpectedCount);
    if (sv === null || typeof sv !== 'object') fail(op, `sampledValues must be { sampledCandidates, trueExpectedCount, sampledExpectedCount }, got ${describe(sv)}`);
    const sc = idsTensor(sv.sampledCandidates, op, 'sampledValues.sampledCandidates');
    own.push(sc);
    checkTensor(sv.trueExpectedCount, op, 'sampledValues.trueExpectedCount');
    checkTensor(sv.sampledExpectedCount, op, 'sampledValues.sampledExpectedCount');
    if (sc.rank !== 1 || sc.size !== numSampled) fail(op, `sampledValues.sampledCandidates must have shape [${numSampled}], got ${fmtShape(sc.shape)}`, 'ERR_SHAPE');
    const te = sv.trueExpectedCount;
    const se = sv.sampledExpectedCount;
    if (te.rank !== 2 || te.shape[0] !== B || te.shape[1] !== nt) fail(op, `sampledValues.trueExpectedCount must have shape [${B}, ${nt}], got ${fmtShape(te.shape)}`, 'ERR_SHAPE');
    if (se.rank !== 1 || se.size !== numSampled) fail(op, `sampledValues.sampledExpectedCount must have shape [${numSampled}], got ${fmtShape(se.shape)}`, 'ERR_SHAPE');
    const sampV = sc.dataSync() as Int32Array;
    for (let k = 0; k < sampV.length; k++)
      if (sampV[k] < 0 || sampV[k] >= numClasses) fail(op, `sampledCandidates[${k}] = ${sampV[k]} is out of range [0, ${numClasses})`, 'ERR_OUT_OF_BOUNDS');
    let hits: Tensor | null = null;
    if (removeHits) {
      // TF's compute_accidental_hits: each sampled class maps to its last position; a row whose
      // label equals it gets -FLT_MAX there (set once, as sparse_to_dense does)
      const pos = new Map<number, number>();
      for (let j = 0; j < numSampled; j++) pos.set(sampV[j], j);
      const mask = dtype === 'float32' ? new Float32Array(B * numSampled) : new Float64Array(B * numSampled);
      let n = 0;
      for (let i = 0; i < B; i++)
        for (let j = 0; j < nt; j++) {
          const p = pos.get(labV[i * nt + j]);
          if (p !== undefined) {
            mask[i * numSampled + p] = -FLT_MAX;
            n++;
          }
        }
      if (n > 0) own.push((hits = fromTyped(mask, [B, numSampled], dtype)));
    }
    const logTrue = tidy(() => log(cast(te, dtype)));
    const logSamp = tidy(() => log(cast(se, dtype)));
    own.push(logTrue, logSamp); // read by the forward only
    const logits = sampledLogits(inputs, weights, biases, { B, nt, S: numSampled, sparse: !!o.sparse, hits, trueIds, sampIds: sc, logTrue, logSamp });
    keepOwn = logits._node !== null;
    if (keepOwn) for (const t of [logTrue, logSamp]) t.dispose();
    const t = dtype === 'float32' ? new Float32Array(B * (nt + numSampled)) : new Float64Array(B * (nt + numSampled));
    for (let i = 0; i < B; i++) for (let j = 0; j < nt; j++) t[i * (nt + numSampled) + j] = 1 / nt;
    return { logits, targets: fromTyped(t, [B, nt + numSampled], dtype) };
  } finally {
    // recorded: trueIds, sampIds and hits belong to the graph (sampledLogits saved them)
    if (!keepOwn) for (const t of own) t.dispose();
    else if (o.sampledValues === undefined) for (const t of own.slice(1, 4)) t.dispose();
  }
}

function run(op: string, args: [Tensor, Tensor, unknown, Tensor, number, number, SampledLossOptions | undefined], removeDefault: boolean, loss: (s: Sampled) => Tensor): Tensor {
  const [weights, biases, labels, inputs, numSampled, numClasses, options] = args;
  const o = optionsOf<SampledLossOptions>(op, options, ['numTrue', 'sampledValues', 'removeAccidentalHits', 'sparse', 'seed']);
  const removeHits = o.removeAccidentalHits ?? removeDefault;
  if (typeof removeHits !== 'boolean') fail(op, `removeAccidentalHits must be a boolean, got ${describe(removeHits)}`);
  const body = (): Tensor => loss(computeSampledLogits(op, weights, biases, labels, inputs, numSampled, numClasses, o, removeHits));
  const tensors = [weights, biases, inputs].filter((x) => x instanceof Tensor);
  return needsGradList(tensors) ? body() : tidy(body);
}

/**
 * tf.nn.nce_loss: per-example noise-contrastive estimation loss [batch]. weights [numClasses, dim],
 * biases [numClasses], labels int32 [batch, numTrue], inputs [batch, dim]. Default sampler:
 * log-uniform, unique (tf's default); removeAccidentalHits default false.
 */
export function nceLoss(weights: Tensor, biases: Tensor, labels: Tensor | number[] | number[][], inputs: Tensor, numSampled: number, numClasses: number, options?: SampledLossOptions): Tensor {
  return run('nceLoss', [weights, biases, labels, inputs, numSampled, numClasses, options], false, ({ logits: x, targets: t }) =>
    // sigmoid cross-entropy, stable form: max(x, 0) - x t + log1p(exp(-|x|)), summed per row
    sigmoidXentRows(x, t),
  );
}

/**
 * tf.nn.sampled_softmax_loss: per-example softmax cross-entropy over the true and sampled
 * classes [batch]. Arguments as nceLoss; removeAccidentalHits default true.
 */
export function sampledSoftmaxLoss(weights: Tensor, biases: Tensor, labels: Tensor | number[] | number[][], inputs: Tensor, numSampled: number, numClasses: number, options?: SampledLossOptions): Tensor {
  return run('sampledSoftmaxLoss', [weights, biases, labels, inputs, numSampled, numClasses, options], true, ({ logits: x, targets: t }) =>
    softmaxXentRows(x, t),
  );
}
