// SGD with momentum / dampening / nesterov / weight decay (torch.optim.SGD's formulas).
import type { Tensor } from '../tensor';
import { sgdStep_ } from '../ops/optim';
import { fail } from '../core/errors';
import { Optimizer, ParamGroup, ParamState, checkNumber, checkBool, NO_PARAMS } from './optimizer';
import type { SparseRows } from '../autograd/sparse';
import { sparseAxpy_ } from '../ops/embed-optim';
import { keep } from '../core/memory';
import { mul } from '../ops/binary';
import { noGrad } from '../autograd/tape';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
}

export class SGD extends Optimizer<SGDOptions> {
  /** torch.optim.SGD: `lr` is required; momentum 0, dampening 0, nesterov false, weightDecay 0. */
  constructor(params: Iterable<Tensor> | ParamGroup<SGDOptions>[], options: Partial<SGDOptions> & { lr: number }) {
    if (options === undefined || options === null || typeof options !== 'object' || options.lr === undefined)
      fail('SGD', 'options.lr is required (e.g. new tp.optim.SGD(params, { lr: 0.01 }))');
    super('SGD', params, { lr: options.lr, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 }, options);
  }

  protected _validate(o: SGDOptions): SGDOptions {
    checkNumber('SGD', 'lr', o.lr);
    checkNumber('SGD', 'momentum', o.momentum);
    checkNumber('SGD', 'dampening', o.dampening);
    checkNumber('SGD', 'weightDecay', o.weightDecay);
    checkBool('SGD', 'nesterov', o.nesterov);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) fail('SGD', 'nesterov momentum requires a momentum > 0 and zero dampening');
    return o;
  }

  protected _update(p: Tensor, o: SGDOptions, s: ParamState, work: Tensor, g: Tensor): void {
    let buf: Tensor | null = null;
    let first = false;
    if (o.momentum !== 0) {
      buf = (s.momentumBuffer as Tensor | undefined) ?? null;
      if (buf === null) {
        buf = this._zeros(p);
        s.momentumBuffer = buf;
        first = true;
      }
    }
    sgdStep_(work, g, buf, o, first);
  }

  /**
   * A row-sparse gradient, as torch: without momentum only g's rows move (p[i] -= lr * g_i);
   * with momentum torch's buffer is a sparse tensor that comes to cover every row ever touched,
   * numerically a dense buffer, which is what is kept here (so a step with momentum costs
   * O(table), as in torch). weightDecay is refused, as torch does (add(sparse, dense)).
   */
  protected _updateSparse(p: Tensor, o: SGDOptions, s: ParamState, work: Tensor, g: SparseRows): void {
    if (o.weightDecay !== 0) fail('SGD.step', 'weightDecay is not supported with sparse gradients (torch refuses it too); use weightDecay 0');
    if (o.momentum === 0) {
      sparseAxpy_(work, g, -o.lr);
      return;
    }
    noGrad(() => {
      const old = s.momentumBuffer as Tensor | undefined;
      let buf: Tensor;
      if (old === undefined) {
        // first step: buf = g (torch clones the gradient, no dampening)
        buf = keep(this._zeros(p));
        sparseAxpy_(buf, g, 1);
      } else {
        buf = keep(mul(old, o.momentum));
        sparseAxpy_(buf, g, 1 - o.dampening);
        old.dispose();
      }
      s.momentumBuffer = buf;
      // p -= lr * (nesterov ? g + momentum * buf : buf)
      const plain = { lr: o.nesterov ? o.lr * o.momentum : o.lr, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false };
      sgdStep_(work, buf, null, plain, false);
      if (o.nesterov) sparseAxpy_(work, g, -o.lr);
    });
  }
}

/**
 * TF's tf.train.GradientDescentOptimizer(learningRate): SGD without momentum. It starts with
 * no parameters; pass them to minimize(lossFn, [w, b]).
 */
export function GradientDescentOptimizer(lr: number): SGD {
  checkNumber('GradientDescentOptimizer', 'lr', lr);
  return new SGD(NO_PARAMS as Tensor[], { lr });
}
