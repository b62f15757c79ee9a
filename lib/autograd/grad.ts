// The user-facing autograd API in one place: backward() and grads() (engine.ts), grad(),
// valueAndGrad(), noGrad() and enableGrad() (tape.ts), detach(), gradcheck() (gradcheck.ts),
// and the Tensor methods backward / requiresGrad_ / detach / gradFn / isLeaf.
// sumTo / sumToShape (sum-to.ts) are re-exported for the op files that import them from here.
import { Tensor } from '../tensor';
import { checkTensor } from '../core/validate';
import { fail, describe } from '../core/errors';
import { isFloat } from '../core/dtype';
import { Node, record, enableGrad } from './tape';
import { tape } from './state';
import { BackwardOptions, alias, backward, grads, zerosFor } from './engine';

export { backward, grads } from './engine';
export type { BackwardOptions } from './engine';
export { noGrad, enableGrad } from './tape';
export { gradcheck } from './gradcheck';
export type { GradcheckOptions } from './gradcheck';
/** @internal */
export { sumTo, sumToShape } from './sum-to';

// ---- functional transforms -------------------------------------------------------------------

/** A tensor over the same storage that is not part of any graph (no gradient flows back through it). */
export function detach(x: Tensor): Tensor {
  return alias(checkTensor(x, 'detach'));
}

type GradFn = (...args: Tensor[]) => Tensor;

function prepareArgs(op: string, args: Tensor[]): Tensor[] {
  return args.map((a, i) => {
    checkTensor(a, op, `argument ${i}`);
    if (!isFloat(a.dtype)) fail(op, `argument ${i} must be float32 or float64 to be differentiated, got ${a.dtype}`, 'ERR_DTYPE');
    const d = alias(a);
    // an argument already on a tape (grad of grad) stays connected to it through an
    // identity node; a plain one becomes a leaf
    if (tape.on && (a._rg || a._node !== null)) record(d, 'identity', [a], (g) => [g]);
    else d.requiresGrad = true;
    return d;
  });
}

/**
 * valueAndGrad(f)(...xs) = { value: f(...xs), grads: [df/dx for each x] } (tfjs's
 * valueAndGrads). f must return a one-element tensor. The arguments themselves are not
 * modified (their `.grad` stays as it is).
 */
export function valueAndGrad(f: GradFn, options?: { createGraph?: boolean }): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  if (typeof f !== 'function') fail('valueAndGrad', `f must be a function, got ${describe(f)}`);
  return (...xs: Tensor[]) => {
    const op = 'valueAndGrad';
    const args = prepareArgs(op, xs);
    const value = enableGrad(() => f(...args));
    if (!(value instanceof Tensor)) fail(op, `f must return a Tensor, got ${describe(value)}`);
    const createGraph = !!options?.createGraph;
    let gs: Tensor[];
    if (value._node === null && !value._rg) gs = args.map(zerosFor);
    else gs = grads(value, args, undefined, { createGraph });
    // the value and the gradients are plain tensors unless createGraph asked for a graph
    const v = createGraph ? value : detachKeep(value);
    for (const a of args) if (!createGraph) a.dispose();
    return { value: v, grads: gs };
  };
}

function detachKeep(t: Tensor): Tensor {
  const d = alias(t);
  t.dispose();
  return d;
}

/** grad(f)(...xs) = [df/dx for each x]; with one argument, the gradient itself. */
export function grad(f: GradFn, options?: { createGraph?: boolean }): (...xs: Tensor[]) => Tensor | Tensor[] {
  const vg = valueAndGrad(f, options);
  return (...xs: Tensor[]) => {
    const { value, grads: gs } = vg(...xs);
    if (!options?.createGraph) value.dispose();
    return xs.length === 1 ? gs[0] : gs;
  };
}

// ---- Tensor methods --------------------------------------------------------------------------

declare module '../tensor' {
  interface Tensor {
    /** Reverse-mode differentiation from this tensor; see tp.backward. */
    backward(gradOutput?: Tensor, options?: BackwardOptions): void;
    /** backward({ retainGraph, createGraph }) for a one-element output. */
    backward(options: BackwardOptions): void;
    /** Sets requiresGrad (float tensors only); returns this. */
    requiresGrad_(flag?: boolean): Tensor;
    /** A tensor over the same storage outside any graph. */
    detach(): Tensor;
    /** The name of the op that produced this tensor (null for leaves). */
    readonly gradFn: string | null;
    /** True for tensors not produced by a recorded op. */
    readonly isLeaf: boolean;
  }
}
Tensor.prototype.backward = function (gradOutput?: Tensor | BackwardOptions, options?: BackwardOptions) {
  // allow backward({ retainGraph: true }) with no gradOutput
  if (gradOutput !== undefined && gradOutput !== null && !(gradOutput instanceof Tensor) && typeof gradOutput === 'object' && options === undefined)
    return backward(this, undefined, gradOutput as BackwardOptions);
  return backward(this, gradOutput as Tensor | undefined, options);
};
Tensor.prototype.requiresGrad_ = function (flag = true) {
  this.requiresGrad = flag;
  return this;
};
Tensor.prototype.detach = function () { return detach(this); };
Object.defineProperty(Tensor.prototype, 'gradFn', {
  get(this: Tensor) {
    const n = this._node as Node | null;
    return n === null ? null : n.name;
  },
  configurable: true,
  enumerable: false,
});
Object.defineProperty(Tensor.prototype, 'isLeaf', {
  get(this: Tensor) {
    return this._node === null;
  },
  configurable: true,
  enumerable: false,
});
