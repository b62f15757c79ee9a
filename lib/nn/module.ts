// The Module base class (torch.nn.Module): children and parameters are found by scanning a
// module's own properties, including arrays, Maps and plain objects of them.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { Parameter, isParameter, copyInto } from './parameter';
import { registerBufferOn, ownBuffers } from './buffers';
import type { BufferOptions } from './buffers';

export { Parameter, isParameter, variable, nameScope, currentNameScope, isTrainable } from './parameter';
export type { ParameterConstructor, VariableOptions } from './parameter';
export type { BufferOptions } from './buffers';

// ---- what a module holds -----------------------------------------------------------------------

/**
 * @internal a named place in a module that holds a child module or a parameter: a property,
 * or an entry of an array / Map / plain object kept in one (name 'layers.0')
 */
export interface Slot {
  name: string;
  value: unknown;
  /** the object or Map the value sits in, and its key there (to replace a parameter) */
  owner: object;
  key: unknown;
}

// containers inside containers are followed this deep ([[m]] is 'blocks.0.1')
const MAX_NESTING = 8;

function isContainer(v: unknown): v is unknown[] | Map<unknown, unknown> | Record<string, unknown> {
  if (Array.isArray(v) || v instanceof Map) return true;
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Adds to out the modules and parameters in v (itself one, or a container of them). */
function collect(owner: object, key: unknown, name: string, v: unknown, out: Slot[], depth: number, seen: Set<object>): void {
  if (v === null || typeof v !== 'object') return;
  if (v instanceof Module || isParameter(v)) {
    out.push({ name, value: v, owner, key });
    return;
  }
  if (depth >= MAX_NESTING || !isContainer(v) || seen.has(v)) return;
  seen.add(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) collect(v, i, `${name}.${i}`, v[i], out, depth + 1, seen);
  } else if (v instanceof Map) {
    for (const [k, e] of v) collect(v, k, `${name}.${String(k)}`, e, out, depth + 1, seen);
  } else {
    for (const k of Object.keys(v)) collect(v, k, `${name}.${k}`, v[k], out, depth + 1, seen);
  }
}

/** Puts value where a slot is. */
function setSlot(slot: Slot, value: unknown): void {
  if (slot.owner instanceof Map) slot.owner.set(slot.key, value);
  else (slot.owner as Record<string | number, unknown>)[slot.key as string | number] = value;
}

// ---- Module ------------------------------------------------------------------------------------

export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** fail on missing or unexpected names (default true) */
  strict?: boolean;
}

/** A module of any forward signature: what containers hold and children() lists. */
export type AnyModule = Module<unknown[], unknown>;

/**
 * torch.nn.Module. Subclasses assign parameters (tp.nn.Parameter / tp.variable) and child
 * modules as properties, directly or inside arrays, Maps and plain objects (named
 * 'layers.0', 'heads.q'); parameters() etc. find them by scanning own enumerable properties
 * in assignment order (as torch's __setattr__ registers them). nn.ModuleList and
 * nn.ModuleDict are the explicit containers.
 *
 * Override forward; call it as m.forward(x) or m.call(x). The type parameters are forward's
 * arguments and result: a plain `extends Module` is Tensor → Tensor, and a subclass with
 * another signature names it: `class Attention extends Module<[Tensor, Tensor], Tensor>`.
 */
export class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** true after train() (the default), false after eval() */
  training = true;

  forward(...args: In): Out;
  forward(): Out {
    return fail(`${this.constructor.name}.forward`, 'not implemented: subclasses of tp.nn.Module must override forward');
  }

  /** Same as forward (tf.keras's layer.call / calling a torch module). */
  call(...args: In): Out {
    return this.forward(...args);
  }

  /** @internal the child modules and parameters this module holds directly, in order */
  _slots(): Slot[] {
    const out: Slot[] = [];
    const seen = new Set<object>();
    const self = this as unknown as Record<string, unknown>;
    for (const k of Object.keys(this)) collect(this, k, k, self[k], out, 0, seen);
    return out;
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

  /**
   * Registers a buffer (torch's register_buffer): module state that is not a parameter, such as
   * batch norm's running statistics. It is kept as the property `name` (reassigning the property
   * replaces it) and, unless persistent is false, saved by stateDict and restored by
   * loadStateDict; null registers an empty buffer. Returns the tensor.
   */
  registerBuffer(name: string, tensor: Tensor | null, options?: BufferOptions): Tensor | null {
    return registerBufferOn(this, name, tensor, options);
  }

  /** [dotted name, buffer] for own buffers, then each descendant's (as namedParameters); a shared buffer is listed once. */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, AnyModule][] = recurse ? this.namedModules(prefix) : [[prefix, this as unknown as AnyModule]];
    for (const [p, m] of mods) {
      for (const [n, t] of ownBuffers(m, false)) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([p ? `${p}.${n}` : n, t]);
      }
    }
    return out;
  }
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, t]) => t);
  }

  /** Registers a child module under `name` (torch's add_module); returns it. */
  registerModule<M extends AnyModule>(name: string, module: M): M {
    checkName('registerModule', name);
    if (!(module instanceof Module)) fail('registerModule', `module must be a tp.nn.Module, got ${describe(module)}`);
    (this as unknown as Record<string, unknown>)[name] = module;
    return module;
  }
  addModule<M extends AnyModule>(name: string, module: M): M {
    return this.registerModule(name, module);
  }

  /** [name, child] for each direct child module ('layers.0' for one kept in an array). */
  namedChildren(): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    for (const s of this._slots()) if (s.value instanceof Module) out.push([s.name, s.value]);
    return out;
  }
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** [dotted name, module] for this module ('' or prefix) and every descendant, each once. */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const walk = (m: AnyModule, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      for (const [k, c] of m.namedChildren()) walk(c, p ? `${p}.${k}` : k);
    };
    walk(this as unknown as AnyModule, prefix);
    return out;
  }
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** [name, parameter] for own parameters (in property order), then each child's, dotted ('encoder.dense1.weight'); a shared parameter is listed once. */
  namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, AnyModule][] = recurse ? this.namedModules(prefix) : [[prefix, this as unknown as AnyModule]];
    for (const [p, m] of mods) {
      for (const s of m._slots()) {
        const v = s.value;
        if (isParameter(v) && !seen.has(v)) {
          seen.add(v);
          out.push([p ? `${p}.${s.name}` : s.name, v]);
        }
      }
    }
    return out;
  }
  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, t]) => t);
  }

  /**
   * Replaces the parameter at a dotted name (as namedParameters gives it) with `value`
   * (marked as a Parameter); returns the previous tensor (not disposed). For updates
   * written by hand: m.setParameter(n, newP).
   */
  setParameter(name: string, value: Tensor): Tensor {
    const op = 'setParameter';
    if (typeof name !== 'string') fail(op, `name must be a string, got ${describe(name)}`);
    if (!(value instanceof Tensor)) fail(op, `value must be a Tensor, got ${describe(value)}`);
    for (const [p, m] of this.namedModules()) {
      for (const s of m._slots()) {
        if ((p ? `${p}.${s.name}` : s.name) !== name || !isParameter(s.value)) continue;
        const old = s.value;
        setSlot(s, isParameter(value) ? value : new Parameter(value, old.requiresGrad));
        return old;
      }
    }
    return fail(op, `no parameter named '${name}' in ${this.constructor.name}`);
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

  /**
   * name → tensor: the parameters and persistent buffers, module by module (own parameters, own
   * buffers, then the children's), with torch's key names ('bn.running_mean'). The tensors
   * themselves, not copies: clone to snapshot.
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    const seen = new Set<Tensor>();
    for (const [p, m] of this.namedModules()) {
      const name = (n: string): string => (p ? `${p}.${n}` : n);
      for (const s of m._slots()) {
        if (!isParameter(s.value) || seen.has(s.value)) continue;
        seen.add(s.value);
        out[name(s.name)] = s.value;
      }
      for (const [n, t] of ownBuffers(m, true)) out[name(n)] = t;
    }
    return out;
  }

  /**
   * Copies the values of `dict` (an object or Map of name → Tensor) into the parameters and
   * persistent buffers in place, converting dtype (a torch int64 num_batches_tracked saved as
   * any dtype loads into the int32 buffer). Names must match (unless strict is false) and
   * shapes must match.
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
    const own = Object.entries(this.stateDict());
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
        fail(op, `size mismatch for '${n}': the state dict has shape ${fmtShape(v.shape)}, the module's has shape ${fmtShape(p.shape)}`, 'ERR_SHAPE');
    }
    for (const [n, p] of own) {
      const v = given.get(n);
      if (v !== undefined && v !== p) copyInto(op, p, v);
    }
    return this;
  }

  // issue 12: fine-tuning a loaded model
  /** requiresGrad off for every parameter (keras's trainable = false): the weights stay fixed while a new head trains; returns this. */
  freeze(): this {
    for (const p of this.parameters()) p.requiresGrad = false;
    return this;
  }
  /** requiresGrad on for every parameter; returns this. */
  unfreeze(): this {
    for (const p of this.parameters()) p.requiresGrad = true;
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

  /** Disposes every parameter (and its gradient) and buffer. The module cannot be used afterwards. */
  dispose(): void {
    this.zeroGrad();
    for (const p of this.parameters()) p.dispose();
    for (const b of this.buffers()) b.dispose();
  }
}

function checkName(op: string, name: unknown): void {
  if (typeof name !== 'string' || name.length === 0 || name.includes('.'))
    fail(op, `name must be a non-empty string without '.', got ${describe(name)}`);
}
