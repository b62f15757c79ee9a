// Layers: Linear, Sequential, Dropout, activations, Flatten.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { DType, isFloat } from '../core/dtype';
import { matmul } from '../ops/matmul';
import { add, mul } from '../ops/binary';
import { transpose, flatten, reshape } from '../ops/views';
import { sum } from '../ops/reduce';
import { record, needsGrad, setGradEnabled } from '../autograd/tape';
import { relu, tanh, sigmoid, gelu } from '../ops/unary';
import { cast } from '../ops/cast';
import { dropout } from '../ops/dropout';
import { Module, AnyModule, Parameter } from './module';
import * as init from './init';

function tensorIn(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) fail(op, `input must be a Tensor, got ${describe(x)}`);
  return (x as Tensor)._live(op);
}

/** Checks a layer's options object: an object (or undefined) with only the known keys. */
function layerOptions(op: string, o: unknown, known: readonly string[]): Record<string, unknown> {
  if (o === undefined || o === null) return {};
  if (typeof o !== 'object' || Array.isArray(o) || o instanceof Tensor) fail(op, `options must be an object, got ${describe(o)}`);
  for (const k of Object.keys(o as object))
    if (!known.includes(k)) fail(op, `unknown option '${k}' (options are ${known.join(', ')})`);
  if ((o as { bias?: unknown }).bias !== undefined && typeof (o as { bias?: unknown }).bias !== 'boolean')
    fail(op, `options.bias must be a boolean, got ${describe((o as { bias?: unknown }).bias)}`);
  return o as Record<string, unknown>;
}

/** Disposes t when it is not part of a graph (an eager temporary nobody else can hold). */
function dropTemp(t: Tensor): void {
  if (t._node === null && !t._rg) t.dispose();
}

export interface LinearOptions {
  /** add a learned bias (default true) */
  bias?: boolean;
  /** float32 (default) or float64 */
  dtype?: DType;
  /**
   * initializer of weight [outFeatures, inFeatures]: a function (shape, dtype) => Tensor, the
   * name of one in tp.nn.init ('xavierUniform', 'heNormal', 'zeros', …) or a number;
   * default torch's kaimingUniform with a = √5, i.e. U(-1/√in, 1/√in)
   */
  weightInit?: init.Initializer;
  /** initializer of bias [outFeatures], as weightInit; default U(-1/√in, 1/√in) as torch */
  biasInit?: init.Initializer;
}

/**
 * torch.nn.Linear: y = x @ weight^T + bias, weight [outFeatures, inFeatures], bias
 * [outFeatures]. Init as torch unless options.weightInit / biasInit say otherwise: weight
 * kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)); bias U(-1/sqrt(in),
 * 1/sqrt(in)). x: [..., inFeatures].
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Tensor;
  bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options?: LinearOptions) {
    super();
    const op = 'Linear';
    for (const [n, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const)
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(op, `${n} must be a non-negative integer, got ${describe(v)}`);
    const o = layerOptions(op, options, ['bias', 'dtype', 'weightInit', 'biasInit']) as LinearOptions;
    const dtype = o.dtype ?? 'float32';
    if (!isFloat(dtype)) fail(op, `dtype must be float32 or float64, got ${describe(dtype)}`, 'ERR_DTYPE');
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    const weightInit = o.weightInit ?? ((s: number[], dt: DType) => init.kaimingUniform(s, { a: Math.sqrt(5), dtype: dt }));
    const biasInit = o.biasInit ?? ((s: number[], dt: DType) => init.uniform(s, -bound, bound, { dtype: dt }));
    init.initializerOf(op, 'options.biasInit', biasInit); // checked even without a bias: a typo still shows
    this.weight = new Parameter(init.initialize(op, 'options.weightInit', weightInit, [outFeatures, inFeatures], dtype));
    try {
      this.bias = o.bias === false ? null : new Parameter(init.initialize(op, 'options.biasInit', biasInit, [outFeatures], dtype));
    } catch (e) {
      this.weight.dispose();
      throw e;
    }
  }

  forward(x: Tensor): Tensor {
    const op = 'Linear.forward';
    tensorIn(op, x);
    const last = x.rank === 0 ? -1 : x.shape[x.rank - 1];
    if (last !== this.inFeatures)
      fail(op, `expected input with last dim ${this.inFeatures}, got shape ${fmtShape(x.shape)}`, 'ERR_SHAPE');
    const W = this.weight;
    const b = this.bias;
    const rec = needsGrad(x, W, b ?? undefined);
    // the forward itself runs unrecorded; when something requires grad one 'linear' node is
    // recorded whose weight gradient g^T @ x is a fresh contiguous tensor (not a transposed
    // view), written with public ops so gradients of gradients work
    const prev = rec ? setGradEnabled(false) : true;
    let out: Tensor;
    try {
      const wt = transpose(W);
      const y = matmul(x, wt);
      wt.dispose();
      if (b === null) out = y;
      else {
        out = add(y, b);
        y.dispose();
      }
    } finally {
      if (rec) setGradEnabled(prev);
    }
    if (!rec) return out;
    const inF = this.inFeatures;
    const outF = this.outFeatures;
    const inputs = b === null ? [x, W] : [x, W, b];
    const as = (t: Tensor, like: Tensor): Tensor => (t.dtype === like.dtype ? t : cast(t, like.dtype));
    record(out, 'linear', inputs, (g, needs) => {
      const gx = needs[0] ? as(matmul(g, W), x) : null;
      let gW: Tensor | null = null;
      let gb: Tensor | null = null;
      const g2 = x.rank === 1 ? reshape(g, [1, outF]) : reshape(g, [-1, outF]);
      if (needs[1]) {
        const x2 = x.rank === 1 ? reshape(x, [1, inF]) : reshape(x, [-1, inF]);
        gW = as(matmul(transpose(g2), x2), W);
      }
      if (b !== null && needs[2]) gb = as(sum(g2, 0), b);
      return b === null ? [gx, gW] : [gx, gW, gb];
    });
    return out;
  }
}

/** torch.nn.Sequential: children named "0", "1", …, applied in order (each one's output is the next one's input). */
export class Sequential extends Module {
  constructor(...modules: AnyModule[]) {
    super();
    modules.forEach((m, i) => {
      if (!(m instanceof Module)) fail('Sequential', `argument ${i} must be a tp.nn.Module, got ${describe(m)}`);
      this.registerModule(String(i), m);
    });
  }
  /** Appends a module (named by its position); returns this. */
  add(m: AnyModule): this {
    if (!(m instanceof Module)) fail('Sequential.add', `module must be a tp.nn.Module, got ${describe(m)}`);
    this.registerModule(String(this.length), m);
    return this;
  }
  get length(): number {
    return this.children().length;
  }
  at(i: number): AnyModule {
    const m = (this as unknown as Record<string, unknown>)[String(i)];
    if (!(m instanceof Module)) fail('Sequential.at', `no module at index ${describe(i)} (length ${this.length})`);
    return m as AnyModule;
  }
  forward(x: Tensor): Tensor {
    let h: unknown = x;
    for (const m of this.children()) h = m.call(h);
    return h as Tensor;
  }
}

/**
 * torch.nn.Dropout: in training mode zeroes each element with probability p and scales
 * the rest by 1 / (1 - p) (inverted dropout; masks from tp.rand); in eval mode (or p = 0)
 * returns the input itself.
 */
export class Dropout extends Module {
  readonly p: number;
  constructor(p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail('Dropout', `p must be a probability in [0, 1], got ${describe(p)}`);
    this.p = p;
  }
  forward(x: Tensor): Tensor {
    return dropout(tensorIn('Dropout.forward', x), { p: this.p, training: this.training });
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return gelu(x);
  }
}

/** torch.nn.Flatten: flattens dims startDim..endDim (default 1..-1, keeping the batch dim). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) fail('Flatten', `startDim and endDim must be integers, got ${describe(startDim)}, ${describe(endDim)}`);
    this.startDim = startDim;
    this.endDim = endDim;
  }
  forward(x: Tensor): Tensor {
    return flatten(tensorIn('Flatten.forward', x), this.startDim, this.endDim);
  }
}
