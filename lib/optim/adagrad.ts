// Adagrad (torch.optim.Adagrad's formulas: lrDecay, weight decay, initial accumulator, eps).
import type { Tensor } from '../tensor';
import { adagradStep_ } from '../ops/optim';
import { Optimizer, ParamGroup, ParamState, checkNumber } from './optimizer';
import type { SparseRows } from '../autograd/sparse';
import { sparseAdagradStep_ } from '../ops/embed-optim';
import { fail } from '../core/errors';

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
}

export class Adagrad extends Optimizer<AdagradOptions> {
  /** torch.optim.Adagrad: lr 1e-2, lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10. */
  constructor(params: Iterable<Tensor> | ParamGroup<AdagradOptions>[], options?: Partial<AdagradOptions>) {
    super('Adagrad', params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 }, options);
  }

  protected _validate(o: AdagradOptions): AdagradOptions {
    checkNumber('Adagrad', 'lr', o.lr);
    checkNumber('Adagrad', 'lrDecay', o.lrDecay);
    checkNumber('Adagrad', 'weightDecay', o.weightDecay);
    checkNumber('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue);
    checkNumber('Adagrad', 'eps', o.eps);
    return o;
  }

  protected _update(p: Tensor, o: AdagradOptions, s: ParamState, work: Tensor, g: Tensor): void {
    if (s.sum === undefined) {
      s.step = 0;
      s.sum = this._zeros(p, o.initialAccumulatorValue);
    }
    const step = (s.step as number) + 1;
    adagradStep_(work, g, s.sum as Tensor, o, step);
    s.step = step;
  }

  /** torch's sparse Adagrad: only g's rows of the parameter and of the sum move; weightDecay is refused as torch does. */
  protected _updateSparse(p: Tensor, o: AdagradOptions, s: ParamState, work: Tensor, g: SparseRows): void {
    if (o.weightDecay !== 0) fail('Adagrad.step', 'weightDecay is not compatible with sparse gradients (as in torch)');
    if (s.sum === undefined) {
      s.step = 0;
      s.sum = this._zeros(p, o.initialAccumulatorValue);
    }
    const step = (s.step as number) + 1;
    const gc = g.coalesce();
    try {
      sparseAdagradStep_(work, gc, s.sum as Tensor, o.lr / (1 + (step - 1) * o.lrDecay), o.eps);
    } finally {
      if (gc !== g) gc.dispose();
    }
    s.step = step;
  }
}
