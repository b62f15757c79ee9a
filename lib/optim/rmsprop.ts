// RMSprop (torch.optim.RMSprop's formulas: alpha, eps, weight decay, momentum, centered).
import type { Tensor } from '../tensor';
import { rmspropStep_ } from '../ops/optim';
import { Optimizer, ParamGroup, ParamState, checkNumber, checkBool } from './optimizer';

export interface RMSPropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

export class RMSProp extends Optimizer<RMSPropOptions> {
  /** torch.optim.RMSprop: lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false. */
  constructor(params: Iterable<Tensor> | ParamGroup<RMSPropOptions>[], options?: Partial<RMSPropOptions>) {
    super('RMSProp', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false }, options);
  }

  protected _validate(o: RMSPropOptions): RMSPropOptions {
    checkNumber('RMSProp', 'lr', o.lr);
    checkNumber('RMSProp', 'alpha', o.alpha);
    checkNumber('RMSProp', 'eps', o.eps);
    checkNumber('RMSProp', 'weightDecay', o.weightDecay);
    checkNumber('RMSProp', 'momentum', o.momentum);
    checkBool('RMSProp', 'centered', o.centered);
    return o;
  }

  protected _update(p: Tensor, o: RMSPropOptions, s: ParamState, work: Tensor, g: Tensor): void {
    if (s.squareAvg === undefined) {
      s.step = 0;
      s.squareAvg = this._zeros(p);
    }
    if (o.momentum > 0 && s.momentumBuffer === undefined) s.momentumBuffer = this._zeros(p);
    if (o.centered && s.gradAvg === undefined) s.gradAvg = this._zeros(p);
    rmspropStep_(
      work, g, s.squareAvg as Tensor, o.centered ? (s.gradAvg as Tensor) : null,
      o.momentum > 0 ? (s.momentumBuffer as Tensor) : null, o,
    );
    s.step = (s.step as number) + 1;
  }
}

/** torch's spelling. */
export const RMSprop = RMSProp;
export type RMSprop = RMSProp;
