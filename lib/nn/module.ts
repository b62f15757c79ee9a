// tp.nn.Parameter, tp.variable / tp.nameScope, and the Module base class.
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
  // a result of a recorded op becomes a leaf over the same storage (torch detaches too)
  if (t._node !== null) t = t._view(t.shape.slice(), t._strides.slice(), t._offset);
  if (requiresGrad && !isFloat(t.dtype))
    fail(op, `only float32/float64 tensors can be trainable parameters; this one is ${t.dtype} (pass requiresGrad false)`, 'ERR_DTYPE');
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

// ---- variable / nameScope ----------------------------------------------------------------------

const nameStack: string[] = [];

/** The current name scope ('a/b'), or '' outside any. */
export function currentNameScope(): string {
  return nameStack.join('/');
}

/**
 * Runs fn with `name` pushed on the name scope stack (tf.name_scope / variable_scope):
 * variables created inside are named 'outer/inner/name'. Returns fn's result.
 */
export function nameScope<T>(name: string, fn: () => T): T {
  if (typeof name !== 'string' || name.length === 0) fail('nameScope', `name must be a non-empty string, got ${describe(name)}`);
  if (typeof fn !== 'function') fail('nameScope', `fn must be a function, got ${describe(fn)}`);
  nameStack.push(name);
  try {
    return fn();
  } finally {
    nameStack.pop();
  }
}

export interface VariableOptions extends Omit<TensorOptions, 'requiresGrad'> {
  /** name inside the current name scope (default 'Variable') */
  name?: string;
  /** whether the variable requires grad (default true; float dtypes only) */
  trainable?: boolean;
}

const trainableSet = new WeakSet<Tensor>();

/**
 * tf.Variable: a new leaf tensor holding a copy of `initial` (a Tensor, number or nested
 * array), with requiresGrad = trainable (default true for float dtypes), its `name`
 * prefixed by the enclosing tp.nameScope()s, marked as a parameter and kept through tidy().
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
  const train = trainable === undefined ? isFloat(t.dtype) : !!trainable;
  if (train && !isFloat(t.dtype)) {
    t.dispose();
    fail(op, `a trainable variable must be float32 or float64, got ${t.dtype} (pass trainable: false)`, 'ERR_DTYPE');
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

// ---- Module ------------------------------------------------------------------------------------

export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** fail on missing or unexpected names (default true) */
  strict?: boolean;
}

/**
 * torch.nn.Module. Subclasses assign parameters (tp.nn.Parameter / tp.variable) and child
 * modules as properties; parameters() etc. find them by scanning own enumerable
 * properties in assignment order (as torch's __setattr__ registers them). Override forward;
 * call it as m.forward(x) or m.call(x).
 */
export class Module {
  /** true after train() (the default), false after eval() */
  training = true;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(..._args: any[]): any {
    fail(`${this.constructor.name}.forward`, 'not implemented: subclasses of tp.nn.Module must override forward');
  }

  /** Same as forward (tf.keras's layer.call / calling a torch module). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(...args: any[]): any {
    return this.forward(...args);
  }

  /** Registers (or with null removes) a parameter under `name`; returns it. */
  registerParameter(name: string, value: Tensor | null): Tensor | null {
    checkName('registerParameter', name);
    const self = this as unknown as Record<string, unknown>;
    if (value === null) {
      delete self[name];
      return null;
    }
    const p = isParameter(value) ? value : new Parameter(value);
    self[name] = p;
    return p;
  }

  /** Registers a child module under `name` (torch's add_module); returns it. */
  registerModule<M extends Module>(name: string, module: M): M {
    checkName('registerModule', name);
    if (!(module instanceof Module)) fail('registerModule', `module must be a tp.nn.Module, got ${describe(module)}`);
    (this as unknown as Record<string, unknown>)[name] = module;
    return module;
  }
  addModule<M extends Module>(name: string, module: M): M {
    return this.registerModule(name, module);
  }

  /** [name, child] for each direct child module. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const k of Object.keys(this)) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v instanceof Module) out.push([k, v]);
    }
    return out;
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** [dotted name, module] for this module ('' or prefix) and every descendant, each once. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [k, c] of m.namedChildren()) walk(c, p ? `${p}.${k}` : k);
    };
    walk(this, prefix);
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** [name, parameter] for own parameters (in property order), then each child's, dotted ('encoder.dense1.weight'); a shared parameter is listed once. */
  namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [p, m] of mods) {
      for (const k of Object.keys(m)) {
        const v = (m as unknown as Record<string, unknown>)[k];
        if (isParameter(v) && !seen.has(v)) {
          seen.add(v);
          out.push([p ? `${p}.${k}` : k, v]);
        }
      }
    }
    return out;
  }
  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, t]) => t);
  }

  /**
   * Replaces the parameter at a dotted name with `value` (marked as a Parameter); returns
   * the previous tensor (not disposed). For updates written by hand: m.setParameter(n, newP).
   */
  setParameter(name: string, value: Tensor): Tensor {
    const op = 'setParameter';
    if (typeof name !== 'string') fail(op, `name must be a string, got ${describe(name)}`);
    if (!(value instanceof Tensor)) fail(op, `value must be a Tensor, got ${describe(value)}`);
    const parts = name.split('.');
    let m: Module = this;
    for (let i = 0; i < parts.length - 1; i++) {
      const c = (m as unknown as Record<string, unknown>)[parts[i]];
      if (!(c instanceof Module)) fail(op, `no submodule '${parts.slice(0, i + 1).join('.')}' in ${this.constructor.name}`);
      m = c;
    }
    const key = parts[parts.length - 1];
    const old = (m as unknown as Record<string, unknown>)[key];
    if (!isParameter(old)) fail(op, `no parameter named '${name}' in ${this.constructor.name}`);
    (m as unknown as Record<string, unknown>)[key] = isParameter(value) ? value : new Parameter(value, old.requiresGrad);
    return old;
  }

  /** Sets training mode on this module and every descendant; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = !!mode;
    return this;
  }
  /** train(false). */
  eval(): this {
    return this.train(false);
  }

  /** name → parameter tensor (the parameters themselves, not copies: clone to snapshot). */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [n, p] of this.namedParameters()) out[n] = p;
    return out;
  }

  /**
   * Copies the values of `dict` (an object or Map of name → Tensor) into the parameters in
   * place, converting dtype. Names must match (unless strict is false) and shapes must match.
   */
  loadStateDict(dict: StateDict | Map<string, Tensor>, options?: LoadStateDictOptions): this {
    const op = 'loadStateDict';
    const strict = options?.strict ?? true;
    if (dict === null || typeof dict !== 'object') fail(op, `expected an object of name → Tensor, got ${describe(dict)}`);
    const entries = dict instanceof Map ? [...dict.entries()] : Object.entries(dict);
    const given = new Map<string, Tensor>();
    for (const [k, v] of entries) {
      if (!(v instanceof Tensor)) fail(op, `'${k}' must be a Tensor, got ${describe(v)}`);
      given.set(k, v);
    }
    const own = this.namedParameters();
    const names = new Set(own.map(([n]) => n));
    if (strict) {
      const missing = own.filter(([n]) => !given.has(n)).map(([n]) => n);
      const unexpected = [...given.keys()].filter((n) => !names.has(n));
      if (missing.length > 0 || unexpected.length > 0) {
        const parts: string[] = [];
        if (missing.length > 0) parts.push(`missing keys: ${missing.join(', ')}`);
        if (unexpected.length > 0) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
        fail(op, `state dict does not match ${this.constructor.name}: ${parts.join('; ')}`);
      }
    }
    // check every shape before copying anything
    for (const [n, p] of own) {
      const v = given.get(n);
      if (v === undefined) continue;
      v._live(op);
      if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i]))
        fail(op, `size mismatch for '${n}': the state dict has shape ${fmtShape(v.shape)}, the parameter has shape ${fmtShape(p.shape)}`, 'ERR_SHAPE');
    }
    for (const [n, p] of own) {
      const v = given.get(n);
      if (v !== undefined && v !== p) copyInto(op, p, v);
    }
    return this;
  }

  /** Drops (and disposes) every parameter's .grad (torch's zero_grad with set_to_none). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      const g = p.grad;
      p.grad = null;
      if (g !== null) g.dispose();
    }
  }

  /** Disposes every parameter (and its gradient). The module cannot be used afterwards. */
  dispose(): void {
    this.zeroGrad();
    for (const p of this.parameters()) p.dispose();
  }
}

function checkName(op: string, name: unknown): void {
  if (typeof name !== 'string' || name.length === 0 || name.includes('.'))
    fail(op, `name must be a non-empty string without '.', got ${describe(name)}`);
}
