// Adadelta (torch.optim.Adadelta's formulas: rho, eps, weight decay, maximize), written with
// tensor ops and in-place writes instead of a fused kernel:
//   g ← -g if maximize;  g ← g + weightDecay·p
//   squareAvg ← rho·squareAvg + (1 - rho)·g²
//   delta ← sqrt(accDelta + eps) / sqrt(squareAvg + eps) · g
//   accDelta ← rho·accDelta + (1 - rho)·delta²
//   p ← p - lr·delta
// State per parameter: step, squareAvg, accDelta (torch's square_avg, acc_delta).
import type { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { tidy } from '../core/memory';
import { setGradEnabled } from '../autograd/tape';
import { add, sub, mul, div } from '../ops/binary';
import { neg, sqrt } from '../ops/unary';
import { cast } from '../ops/cast';
import { assignInPlace } from '../ops/inplace';
import { Optimizer, ParamGroup, ParamState, checkNumber, checkBool } from './optimizer';

export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

export class Adadelta extends Optimizer<AdadeltaOptions> {
  /** Updates queued by _update, applied once the base class has finished with the parameter. */
  private _queued: [Tensor, AdadeltaOptions, ParamState][] | null = null;

  /** torch.optim.Adadelta: lr 1.0, rho 0.9, eps 1e-6, weightDecay 0, maximize false. */
  constructor(params: Iterable<Tensor> | ParamGroup<AdadeltaOptions>[], options?: Partial<AdadeltaOptions>) {
    super('Adadelta', params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }, options);
  }

  protected _validate(o: AdadeltaOptions): AdadeltaOptions {
    checkNumber('Adadelta', 'lr', o.lr);
    checkNumber('Adadelta', 'rho', o.rho);
    if (o.rho > 1) fail('Adadelta', `invalid rho: ${describe(o.rho)} (must be in [0, 1])`);
    checkNumber('Adadelta', 'eps', o.eps);
    checkNumber('Adadelta', 'weightDecay', o.weightDecay);
    checkBool('Adadelta', 'maximize', o.maximize);
    return o;
  }

  step(): void {
    this._withQueue(() => super.step());
  }

  minimize(lossFn: () => Tensor, params?: Tensor[]): number {
    return this._withQueue(() => super.minimize(lossFn, params));
  }

  /**
   * The base class hands _update a contiguous working copy of a strided parameter and copies
   * it back afterwards; this update is made of tensor ops on the parameter itself, so it runs
   * after the base class is done (its checks of the gradient have passed by then).
   */
  private _withQueue<T>(fn: () => T): T {
    const outer = this._queued === null;
    if (outer) this._queued = [];
    try {
      const r = fn();
      if (outer) for (const [p, o, s] of this._queued as [Tensor, AdadeltaOptions, ParamState][]) this._apply1(p, o, s);
      return r;
    } finally {
      if (outer) this._queued = null;
    }
  }

  protected _update(p: Tensor, o: AdadeltaOptions, s: ParamState): void {
    if (this._queued === null) this._apply1(p, o, s); // not reached through step/minimize
    else this._queued.push([p, o, s]);
  }

  private _apply1(p: Tensor, o: AdadeltaOptions, s: ParamState): void {
    if (s.squareAvg === undefined) {
      s.step = 0;
      s.squareAvg = this._zeros(p);
      s.accDelta = this._zeros(p);
    }
    const sq = s.squareAvg as Tensor;
    const acc = s.accDelta as Tensor;
    const { lr, rho, eps, weightDecay } = o;
    const prev = setGradEnabled(false); // in-place writes to a leaf that requires grad
    try {
      tidy(() => {
        const g0 = p.grad as Tensor;
        let g = g0.dtype === p.dtype ? g0 : cast(g0, p.dtype);
        if (o.maximize) g = neg(g);
        if (weightDecay !== 0) g = add(g, mul(p, weightDecay));
        // torch's order of operations: mul_(rho).addcmul_(g, g, value=1-rho)
        assignInPlace(sq, add(mul(sq, rho), mul(mul(g, 1 - rho), g)));
        const delta = mul(div(sqrt(add(acc, eps)), sqrt(add(sq, eps))), g);
        assignInPlace(acc, add(mul(acc, rho), mul(mul(delta, 1 - rho), delta)));
        assignInPlace(p, sub(p, mul(delta, lr)));
      });
    } finally {
      setGradEnabled(prev);
    }
    s.step = (s.step as number) + 1;
  }
}
