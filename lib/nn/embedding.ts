// nn.Embedding (torch.nn.Embedding): a [numEmbeddings, embeddingDim] table looked up by int32
// ids, with torch's options and initialisation (N(0, 1), the padding row zeroed). With
// `sparse: true` the weight's gradient is row-sparse (optim.SGD, Adagrad, SparseAdam update
// only the touched rows).
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { DType, isFloat } from '../core/dtype';
import { embedding, EmbeddingOptions } from '../ops/embed';
import { randn } from '../ops/random';
import { copyInto_ } from '../ops/optim';
import { zeros } from '../ops/creation';
import { select } from '../ops/views';
import { Module, Parameter } from './module';

export interface EmbeddingModuleOptions extends EmbeddingOptions {
  dtype?: DType;
  /** an initial table ([numEmbeddings, embeddingDim], copied) instead of N(0, 1) */
  weight?: Tensor;
}

const KNOWN = ['paddingIdx', 'maxNorm', 'normType', 'scaleGradByFreq', 'sparse', 'dtype', 'weight'];

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  readonly sparse: boolean;
  weight: Tensor;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingModuleOptions = {}) {
    super();
    const op = 'Embedding';
    for (const [n, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const)
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(op, `${n} must be a non-negative integer, got ${describe(v)}`);
    if (options === null || typeof options !== 'object') fail(op, `options must be an object, got ${describe(options)}`);
    for (const k of Object.keys(options)) if (!KNOWN.includes(k)) fail(op, `unknown option '${k}' (known: ${KNOWN.join(', ')})`);
    const dtype = options.dtype ?? options.weight?.dtype ?? 'float32';
    if (!isFloat(dtype)) fail(op, `dtype must be float32 or float64, got ${describe(dtype)}`, 'ERR_DTYPE');
    let pad: number | null = null;
    if (options.paddingIdx !== undefined && options.paddingIdx !== null) {
      const p = options.paddingIdx;
      if (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings)
        fail(op, `paddingIdx must be an integer in [${-numEmbeddings}, ${numEmbeddings}), got ${describe(p)}`);
      pad = p < 0 ? p + numEmbeddings : p;
    }
    if (options.maxNorm !== undefined && options.maxNorm !== null && (typeof options.maxNorm !== 'number' || !(options.maxNorm >= 0)))
      fail(op, `maxNorm must be a number >= 0, got ${describe(options.maxNorm)}`);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = pad;
    this.maxNorm = options.maxNorm ?? null;
    this.normType = options.normType ?? 2;
    if (typeof this.normType !== 'number' || !(this.normType > 0)) fail(op, `normType must be a number > 0, got ${describe(this.normType)}`);
    this.scaleGradByFreq = !!options.scaleGradByFreq;
    this.sparse = !!options.sparse;
    let w: Tensor;
    if (options.weight !== undefined) {
      const src = options.weight;
      if (!(src instanceof Tensor)) fail(op, `options.weight must be a Tensor, got ${describe(src)}`);
      src._live(op);
      if (src.rank !== 2 || src.shape[0] !== numEmbeddings || src.shape[1] !== embeddingDim)
        fail(op, `options.weight must have shape [${numEmbeddings}, ${embeddingDim}], got ${fmtShape(src.shape)}`, 'ERR_SHAPE');
      w = src._copyAs(dtype);
    } else {
      w = randn([numEmbeddings, embeddingDim], { dtype });
      if (pad !== null) {
        // torch's reset_parameters zeroes the padding row
        const z = zeros([embeddingDim], { dtype });
        const row = select(w, 0, pad);
        copyInto_(row, z);
        row.dispose();
        z.dispose();
      }
    }
    this.weight = new Parameter(w);
  }

  /** A module over a copy of `embeddings` ([V, D]); frozen (requiresGrad false) unless freeze is false. */
  static fromPretrained(embeddings: Tensor, options: EmbeddingModuleOptions & { freeze?: boolean } = {}): Embedding {
    const op = 'Embedding.fromPretrained';
    if (!(embeddings instanceof Tensor)) fail(op, `embeddings must be a Tensor, got ${describe(embeddings)}`);
    embeddings._live(op);
    if (embeddings.rank !== 2) fail(op, `embeddings must be 2-D [numEmbeddings, embeddingDim], got ${fmtShape(embeddings.shape)}`, 'ERR_SHAPE');
    const { freeze = true, ...rest } = options;
    if (typeof freeze !== 'boolean') fail(op, `freeze must be a boolean, got ${describe(freeze)}`);
    const m = new Embedding(embeddings.shape[0], embeddings.shape[1], { ...rest, weight: embeddings });
    m.weight.requiresGrad = !freeze;
    return m;
  }

  forward(ids: Tensor): Tensor {
    return embedding(ids, this.weight, {
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType,
      scaleGradByFreq: this.scaleGradByFreq,
      sparse: this.sparse,
    });
  }

  toString(): string {
    const extra = [
      this.paddingIdx !== null ? `paddingIdx=${this.paddingIdx}` : '',
      this.maxNorm !== null ? `maxNorm=${this.maxNorm}` : '',
      this.sparse ? 'sparse=true' : '',
    ].filter((s) => s !== '');
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim}${extra.length ? ', ' + extra.join(', ') : ''})`;
  }
}
