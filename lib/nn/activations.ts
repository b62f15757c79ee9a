// Activation modules with torch's names (nn.ReLU6, nn.SiLU, …) over the ops in
// lib/ops/activations.ts and lib/ops/unary.ts. ReLU, Tanh, Sigmoid and GELU live in layers.ts.
import { Tensor } from '../tensor';
import { Module } from './module';
import { fail, describe } from '../core/errors';
import { relu6, hardSigmoid, hardSwish, silu, mish, logSigmoid, softsign } from '../ops/activations';
import { leakyRelu, elu, softplus } from '../ops/unary';
import { softmax, logSoftmax } from '../ops/softmax';

function num(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, `${arg} must be a finite number, got ${describe(v)}`);
  return v as number;
}

export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return relu6(x);
  }
}
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return hardSigmoid(x);
  }
}
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return hardSwish(x);
  }
}
/** x * sigmoid(x) (also known as swish). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return mish(x);
  }
}
export class LogSigmoid extends Module {
  forward(x: Tensor): Tensor {
    return logSigmoid(x);
  }
}
export class Softsign extends Module {
  forward(x: Tensor): Tensor {
    return softsign(x);
  }
}
/** torch.nn.LeakyReLU(negativeSlope = 0.01). */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = num('LeakyReLU', 'negativeSlope', negativeSlope);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}
/** torch.nn.ELU(alpha = 1). */
export class ELU extends Module {
  readonly alpha: number;
  constructor(alpha = 1) {
    super();
    this.alpha = num('ELU', 'alpha', alpha);
  }
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
}
/** torch.nn.Softplus(beta = 1, threshold = 20). */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(beta = 1, threshold = 20) {
    super();
    this.beta = num('Softplus', 'beta', beta);
    this.threshold = num('Softplus', 'threshold', threshold);
  }
  forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }
}
/** torch.nn.Softmax(dim = -1) / LogSoftmax. */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
}
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
}
