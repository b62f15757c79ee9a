// SparseAdam (torch.optim.SparseAdam): Adam for row-sparse gradients, lazy as torch's — only
// the rows a step's gradient touches have their moments and values updated; the bias
// correction uses the parameter's step count. Dense gradients are refused, as torch does.
import type { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import type { SparseRows } from '../autograd/sparse';
import { sparseAdamStep_ } from '../ops/embed-optim';
import { Optimizer, ParamGroup, ParamState, checkNumber } from './optimizer';

export interface SparseAdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
}

export class SparseAdam extends Optimizer<SparseAdamOptions> {
  /** torch.optim.SparseAdam: lr 1e-3, betas [0.9, 0.999], eps 1e-8. */
  constructor(params: Iterable<Tensor> | ParamGroup<SparseAdamOptions>[], options?: Partial<SparseAdamOptions>) {
    super('SparseAdam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8 }, options);
  }

  protected _validate(o: SparseAdamOptions): SparseAdamOptions {
    if (typeof o.lr !== 'number' || !(o.lr > 0) || !Number.isFinite(o.lr)) fail('SparseAdam', `invalid lr: ${describe(o.lr)} (must be > 0)`);
    checkNumber('SparseAdam', 'eps', o.eps);
    const b = o.betas as unknown;
    if (!Array.isArray(b) || b.length !== 2) fail('SparseAdam', `betas must be a pair [beta1, beta2], got ${describe(b)}`);
    checkNumber('SparseAdam', 'beta1 (betas[0])', b[0], 0, 1);
    checkNumber('SparseAdam', 'beta2 (betas[1])', b[1], 0, 1);
    o.betas = [b[0], b[1]];
    return o;
  }

  protected _update(): void {
    fail('SparseAdam.step', 'SparseAdam does not support dense gradients, please consider Adam instead (as torch says); use nn.Embedding(…, { sparse: true })');
  }

  protected _updateSparse(p: Tensor, o: SparseAdamOptions, s: ParamState, work: Tensor, g: SparseRows): void {
    if (s.expAvg === undefined) {
      s.step = 0;
      s.expAvg = this._zeros(p);
      s.expAvgSq = this._zeros(p);
    }
    const step = (s.step as number) + 1;
    const gc = g.coalesce();
    try {
      sparseAdamStep_(work, gc, s.expAvg as Tensor, s.expAvgSq as Tensor, o, step);
    } finally {
      if (gc !== g) gc.dispose();
    }
    s.step = step;
  }
}
