// tp.customGrad(f) (tf.customGradient): f computes a value and says how to map the
// output's gradient to its inputs' gradients. f's own ops are not recorded; the result
// carries one node whose backward is the user's grad function (run with recording on
// under createGraph, so a grad written with tapeflow ops is itself differentiable).
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { record, needsGradList, setGradEnabled } from './tape';

export interface CustomGradResult {
  value: Tensor;
  grad: (dy: Tensor) => Tensor | (Tensor | null)[];
}

export function customGrad(f: (...xs: Tensor[]) => CustomGradResult): (...xs: Tensor[]) => Tensor {
  const op = 'customGrad';
  if (typeof f !== 'function') fail(op, `expected a function, got ${describe(f)}`);
  return (...xs: Tensor[]): Tensor => {
    for (let i = 0; i < xs.length; i++)
      if (!(xs[i] instanceof Tensor)) fail(op, `argument ${i} must be a Tensor, got ${describe(xs[i])}`);
    const rec = needsGradList(xs);
    const prev = setGradEnabled(false);
    let r: CustomGradResult;
    try {
      r = f(...xs);
    } finally {
      setGradEnabled(prev);
    }
    if (r === null || typeof r !== 'object' || !(r.value instanceof Tensor) || typeof r.grad !== 'function')
      fail(op, `f must return { value: Tensor, grad: (dy) => Tensor | Tensor[] }, got ${describe(r)}`);
    let value = r.value;
    if (!rec) return value;
    // never overwrite the node of an input (or of a tensor f did not make)
    if (value._node !== null || value._rg || xs.includes(value)) value = value._view(value.shape.slice(), value._strides.slice(), value._offset);
    const userGrad = r.grad;
    const n = xs.length;
    return record(value, op, xs.slice(), (dy) => {
      const g = userGrad(dy);
      const arr = Array.isArray(g) ? g : [g];
      if (arr.length !== n) fail('backward', `the grad function of customGrad returned ${arr.length} gradients for ${n} inputs`);
      return arr.map((t) => (t === undefined ? null : t));
    });
  };
}
