// tp.nn.Parameter, tp.variable / tp.nameScope, and the in-place copy modules and
// initializers write parameters with.
//
// A Parameter is not a separate class of tensor: `new tp.nn.Parameter(t)` (or
// `tp.nn.Parameter(t)`) returns a Tensor (t itself when it is a leaf, else a detached alias
// over the same storage) with requiresGrad set, marked as a parameter (tp.nn.isParameter,
// `x instanceof tp.nn.Parameter`) and kept alive through enclosing tidy() scopes, as
// tfjs variables are. Module.dispose() frees a module's parameters.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { keep } from '../core/memory';
import { native, writeLayout } from '../core/native';
import { isFloat } from '../core/dtype';
import { tensor } from '../ops/creation';
import type { TensorOptions } from '../ops/creation';

// ---- Parameter -------------------------------------------------------------------------------

const paramSet = new WeakSet<Tensor>();

/** True when t was made by tp.nn.Parameter (or tp.variable). */
export function isParameter(t: unknown): t is Tensor {
  return t instanceof Tensor && paramSet.has(t);
}

function makeParameter(op: string, data: unknown, requiresGrad = true): Tensor {
  if (!(data instanceof Tensor)) fail(op, `data must be a Tensor, got ${describe(data)}`);
  (data as Tensor)._live(op);
  let t = data as Tensor;
  if (requiresGrad && !isFloat(t.dtype))
    fail(op, `only float32/float64 tensors can be trainable parameters; this one is ${t.dtype} ${fmtShape(t.shape)} (cast it, e.g. t.float(), or pass requiresGrad false)`, 'ERR_DTYPE');
  // a result of a recorded op becomes a leaf over the same storage (torch detaches too)
  if (t._node !== null) t = t._view(t.shape.slice(), t._strides.slice(), t._offset);
  t.requiresGrad = !!requiresGrad;
  paramSet.add(t);
  keep(t);
  return t;
}

export interface ParameterConstructor {
  /** Marks `data` as a parameter (requiresGrad true unless false is passed); returns the tensor. */
  new (data: Tensor, requiresGrad?: boolean): Tensor;
  (data: Tensor, requiresGrad?: boolean): Tensor;
}

/**
 * torch.nn.Parameter: `new tp.nn.Parameter(t)` returns a Tensor with requiresGrad true,
 * registered by Module when assigned as a property. See the file comment.
 */
export const Parameter = function Parameter(data: Tensor, requiresGrad = true): Tensor {
  return makeParameter('Parameter', data, requiresGrad);
} as unknown as ParameterConstructor;
Object.defineProperty(Parameter, Symbol.hasInstance, { value: (x: unknown) => isParameter(x) });

// ---- nameScope ----------------------------------------------------------------------------------

const nameStack: string[] = [];
// Scope paths handed out so far (lower-cased) and how often each was asked for: TF's
// Graph._names_in_use, kept for the process as TF keeps it for the default graph.
const namesInUse = new Map<string, number>();

/** The current name scope ('a/b'), or '' outside any. */
export function currentNameScope(): string {
  return nameStack.length === 0 ? '' : nameStack[nameStack.length - 1];
}

/** 'relu' the first time under a parent scope, then 'relu_1', 'relu_2', … (tf's Graph.unique_name). */
function uniqueScope(name: string): string {
  const parent = currentNameScope();
  const full = parent ? `${parent}/${name}` : name;
  const key = full.toLowerCase();
  let i = namesInUse.get(key) ?? 0;
  namesInUse.set(key, i + 1);
  if (i === 0) return full;
  // skip names taken another way, e.g. an explicit nameScope('relu_1')
  while (namesInUse.has(`${key}_${i}`)) i++;
  namesInUse.set(`${key}_${i}`, 1);
  return `${full}_${i}`;
}

/**
 * Runs fn inside a name scope (tf.name_scope): variables created inside are named
 * 'outer/inner/name'. Each use of a name under the same parent opens a new scope, as TF
 * does: nameScope('relu', …) twice gives 'relu/…' then 'relu_1/…'. Returns fn's result.
 */
export function nameScope<T>(name: string, fn: () => T): T {
  if (typeof name !== 'string' || name.length === 0) fail('nameScope', `name must be a non-empty string, got ${describe(name)}`);
  if (typeof fn !== 'function') fail('nameScope', `fn must be a function, got ${describe(fn)}`);
  nameStack.push(uniqueScope(name));
  try {
    return fn();
  } finally {
    nameStack.pop();
  }
}

// ---- variable -----------------------------------------------------------------------------------

export interface VariableOptions extends Omit<TensorOptions, 'requiresGrad'> {
  /** name inside the current name scope (default 'Variable') */
  name?: string;
  /** whether the variable requires grad (default true; int32/bool variables need false) */
  trainable?: boolean;
}

const trainableSet = new WeakSet<Tensor>();

/**
 * tf.Variable: a new leaf tensor holding a copy of `initial` (a Tensor, number or nested
 * array; JS numbers give float32), with requiresGrad = trainable (default true), its
 * `name` prefixed by the enclosing tp.nameScope()s, marked as a parameter and kept through
 * tidy(). An int32 or bool variable must say trainable: false (a step counter, a mask).
 */
export function variable(initial: unknown, options?: VariableOptions): Tensor {
  const op = 'variable';
  const o = options ?? {};
  if (typeof o !== 'object' || Array.isArray(o) || o instanceof Tensor) fail(op, `options must be an object, got ${describe(o)}`);
  const { name, trainable, ...rest } = o;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) fail(op, `options.name must be a non-empty string, got ${describe(name)}`);
  let t: Tensor;
  if (initial instanceof Tensor) {
    initial._live(op);
    t = initial._copyAs(rest.dtype ?? initial.dtype);
  } else {
    t = tensor(initial, rest);
  }
  const train = trainable === undefined ? true : !!trainable;
  if (train && !isFloat(t.dtype)) {
    t.dispose();
    fail(op, `a trainable variable must be float32 or float64, got ${t.dtype} ${fmtShape(t.shape)} (pass trainable: false for an ${t.dtype} variable)`, 'ERR_DTYPE');
  }
  const scope = currentNameScope();
  const base = name ?? 'Variable';
  t.name = scope ? `${scope}/${base}` : base;
  const v = makeParameter(op, t, train);
  if (train) trainableSet.add(v);
  return v;
}

/** Whether a tensor made by tp.variable is trainable. */
export function isTrainable(t: Tensor): boolean {
  return trainableSet.has(t) || (isParameter(t) && t.requiresGrad);
}

// ---- in-place copy -------------------------------------------------------------------------------

/** @internal copies src's values into dst (same shape; dtype converted), in place. */
export function copyInto(op: string, dst: Tensor, src: Tensor): void {
  dst._live(op);
  src._live(op);
  if (dst.shape.length !== src.shape.length || dst.shape.some((d, i) => d !== src.shape[i]))
    fail(op, `cannot copy a tensor of shape ${fmtShape(src.shape)} into one of shape ${fmtShape(dst.shape)}`, 'ERR_SHAPE');
  if (dst.size === 0) return;
  writeLayout(0, dst.shape, dst._strides, src._strides);
  native.copy(dst._h, dst._offset, src._h, src._offset);
  dst._version++;
}
