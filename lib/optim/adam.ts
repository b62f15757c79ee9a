// Adam and AdamW (torch.optim.Adam / AdamW formulas, bias correction included).
import type { Tensor } from '../tensor';
import { adamStep_ } from '../ops/optim';
import { fail, describe } from '../core/errors';
import { Optimizer, ParamGroup, ParamState, checkNumber, NO_PARAMS } from './optimizer';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

function validateAdam(op: string, o: AdamOptions): AdamOptions {
  checkNumber(op, 'lr', o.lr);
  checkNumber(op, 'eps', o.eps);
  checkNumber(op, 'weightDecay', o.weightDecay);
  const b = o.betas as unknown;
  if (!Array.isArray(b) || b.length !== 2) fail(op, `betas must be a pair [beta1, beta2], got ${describe(b)}`);
  checkNumber(op, 'beta1 (betas[0])', b[0], 0, 1);
  checkNumber(op, 'beta2 (betas[1])', b[1], 0, 1);
  return o;
}

/** Adam and AdamW share the kernel; AdamW decays the weights directly. */
export abstract class AdamBase extends Optimizer<AdamOptions> {
  private readonly _decoupled: boolean;

  protected constructor(name: string, decoupled: boolean, params: unknown, defaults: AdamOptions, options: Partial<AdamOptions> | undefined) {
    super(name, params, defaults, options);
    this._decoupled = decoupled;
  }

  protected _validate(o: AdamOptions): AdamOptions {
    o.betas = Array.isArray(o.betas) ? ([...o.betas] as [number, number]) : o.betas;
    return validateAdam(this._name, o);
  }

  protected _update(p: Tensor, o: AdamOptions, s: ParamState, work: Tensor, g: Tensor): void {
    if (s.expAvg === undefined) {
      s.step = 0;
      s.expAvg = this._zeros(p);
      s.expAvgSq = this._zeros(p);
    }
    const step = (s.step as number) + 1;
    adamStep_(work, g, s.expAvg as Tensor, s.expAvgSq as Tensor, o, this._decoupled, step);
    s.step = step;
  }
}

export class Adam extends AdamBase {
  /** torch.optim.Adam: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0 (added to the gradient). */
  constructor(params: Iterable<Tensor> | ParamGroup<AdamOptions>[], options?: Partial<AdamOptions>) {
    super('Adam', false, params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }, options);
  }
}

/** torch.optim.AdamW: Adam with decoupled weight decay (p *= 1 - lr * weightDecay); weightDecay 1e-2. */
export class AdamW extends AdamBase {
  constructor(params: Iterable<Tensor> | ParamGroup<AdamOptions>[], options?: Partial<AdamOptions>) {
    super('AdamW', true, params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2 }, options);
  }
}

/**
 * TF's tf.train.AdamOptimizer(learningRate = 0.001): beta1 0.9, beta2 0.999, epsilon 1e-8.
 * It starts with no parameters; pass them to minimize(lossFn, [w, b]).
 */
export function AdamOptimizer(lr = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8): Adam {
  return new Adam(NO_PARAMS as Tensor[], { lr, betas: [beta1, beta2], eps: epsilon });
}
