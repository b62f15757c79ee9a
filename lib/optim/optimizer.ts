// The Optimizer base: parameter groups, lazily allocated per-parameter state, zeroGrad,
// step, TF-style minimize, and stateDict / loadStateDict. Subclasses supply the defaults,
// option validation, and the fused native update of one parameter (native/binding/optim.cc).
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { keep, tidy } from '../core/memory';
import { filled } from '../ops/creation';
import { copyInto_ } from '../ops/optim';
import { SparseRows } from '../autograd/sparse';

/** A parameter group: its tensors plus any options overriding the optimizer's defaults. */
export type ParamGroup<O> = Partial<O> & { params: Tensor[] | Iterable<Tensor> };

/** Per-parameter optimizer state: tensors (momentum buffers, moments…) and the step count. */
export type ParamState = Record<string, Tensor | number>;

/** A plain snapshot of an optimizer (state tensors are copies owned by the caller). */
export interface OptimizerStateDict {
  /** state per parameter, keyed by its index across all groups in order */
  state: Record<number, ParamState>;
  /** each group's options, with `params` the indices of its parameters */
  paramGroups: Array<Record<string, unknown> & { params: number[] }>;
}

/** @internal every option must be a finite number >= 0 (or in a range); names the optimizer. */
export function checkNumber(op: string, name: string, v: unknown, min = 0, maxExclusive = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(op, `${name} must be a finite number, got ${describe(v)}`);
  if (v < min || v >= maxExclusive) {
    const range = maxExclusive === Infinity ? `>= ${min}` : `in [${min}, ${maxExclusive})`;
    fail(op, `invalid ${name}: ${v} (must be ${range})`);
  }
  return v;
}

export function checkBool(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(op, `${name} must be a boolean, got ${describe(v)}`);
  return v;
}

/** @internal constructs an optimizer with no parameters yet (the TF-style factories). */
export const NO_PARAMS: unknown = Symbol('tapeflow.optim.noParams');

export abstract class Optimizer<O extends object> {
  /** The groups; each holds its params and its full set of options. */
  readonly paramGroups: Array<O & { params: Tensor[] }> = [];
  /** Per-parameter state, allocated on the parameter's first step. */
  readonly state = new Map<Tensor, ParamState>();
  readonly defaults: O;
  /** @internal name used in error messages */
  protected readonly _name: string;

  constructor(name: string, params: unknown, defaults: O, options: Partial<O> | undefined) {
    // `new optim.Optimizer(...)` (abstract in TS, callable from JS) or a subclass missing the hooks
    if (typeof this._validate !== 'function' || typeof this._update !== 'function')
      fail('Optimizer', `is a base class: use tp.optim.SGD, Adam, RMSprop, Adagrad (or a subclass that implements _validate and _update)`);
    this._name = name;
    if (options !== undefined && (options === null || typeof options !== 'object'))
      fail(name, `options must be an object, got ${describe(options)}`);
    this.defaults = this._validate({ ...defaults, ...stripUndefined(options ?? {}) } as O);
    if (params === NO_PARAMS) return; // TF style: parameters arrive with minimize(lossFn, params)
    const groups = toGroups(name, params);
    const seen = new Set<Tensor>();
    for (const g of groups) this.addParamGroup(g, seen);
  }

  /** Checks every option of one group; returns it. */
  protected abstract _validate(o: O): O;

  /** Updates one parameter in place from its gradient (contiguous operands; see _apply). */
  /**
   * Updates p's state and writes the new values into `work` (p itself, or a contiguous copy of a
   * strided p that is written back afterwards), from `g` (contiguous, p's dtype).
   */
  protected abstract _update(p: Tensor, group: O, state: ParamState, work: Tensor, g: Tensor): void;

  /** Adds a group of parameters with its own options (the defaults fill the rest). */
  addParamGroup(group: ParamGroup<O>, seen?: Set<Tensor>): void {
    const name = this._name;
    if (group === null || typeof group !== 'object') fail(name, `a parameter group must be an object, got ${describe(group)}`);
    const rawParams = (group as { params: unknown }).params;
    const params = toTensorList(name, rawParams);
    const used = seen ?? new Set(this.paramGroups.flatMap((g) => g.params));
    for (const p of params) {
      if (used.has(p)) fail(name, 'some parameters appear in more than one parameter group (or twice in one)');
      used.add(p);
    }
    const opts = { ...stripUndefined(group as object) } as Record<string, unknown>;
    delete opts.params;
    const merged = this._validate({ ...this.defaults, ...opts } as O);
    this.paramGroups.push({ ...merged, params });
  }

  /** Sets every parameter's .grad to null, disposing it (torch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) clearGrad(p);
  }

  /** One update of every parameter that has a gradient (those whose .grad is null are skipped). */
  step(): void {
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (p.grad === null || p.grad === undefined) continue;
        this._apply(p, group);
      }
    }
  }

  /**
   * TF style: clears the gradients, computes lossFn() (a one-element tensor), runs backward,
   * steps, and returns the loss value. Intermediates and the loss are disposed. With
   * `params` (TF's var_list), only those are updated (they get requiresGrad if they lacked
   * it; ones the optimizer did not have yet join a new group with the default options);
   * otherwise every parameter of the optimizer.
   */
  minimize(lossFn: () => Tensor, params?: Tensor[]): number {
    const name = `${this._name}.minimize`;
    if (typeof lossFn !== 'function') fail(name, `lossFn must be a function returning a tensor, got ${describe(lossFn)}`);
    const all = this.paramGroups.flatMap((g) => g.params);
    let targets = all;
    if (params !== undefined) {
      targets = toTensorList(name, params);
      const known = new Set(all);
      // TF style: variables not seen before join a new group with the default options
      const fresh = targets.filter((p, i) => !known.has(p) && targets.indexOf(p) === i);
      if (fresh.length > 0) this.addParamGroup({ params: fresh } as ParamGroup<O>);
    } else if (all.length === 0) {
      fail(name, 'this optimizer has no parameters yet: pass them, minimize(lossFn, [w, b])');
    }
    for (const p of targets) {
      p._live(name);
      if (!p.requiresGrad) p.requiresGrad = true;
      clearGrad(p);
    }
    const value = tidy(() => {
      const loss = lossFn();
      if (!(loss instanceof Tensor)) fail(name, `lossFn must return a Tensor, got ${describe(loss)}`);
      loss._live(name);
      if (loss.size !== 1) fail(name, `the loss must have one element; it has shape ${fmtShape(loss.shape)}`, 'ERR_SHAPE');
      loss.backward();
      return loss.item();
    });
    if (params === undefined) this.step();
    else {
      const set = new Set(targets);
      for (const group of this.paramGroups) for (const p of group.params) if (set.has(p) && p.grad) this._apply(p, group);
    }
    return value;
  }

  /** A snapshot: state tensors copied (the caller owns them), group options, param indices. */
  stateDict(): OptimizerStateDict {
    const state: Record<number, ParamState> = {};
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let idx = 0;
    for (const group of this.paramGroups) {
      const indices: number[] = [];
      for (const p of group.params) {
        const s = this.state.get(p);
        if (s) {
          const copy: ParamState = {};
          for (const [k, v] of Object.entries(s)) copy[k] = v instanceof Tensor ? v._copyAs(v.dtype) : v;
          state[idx] = copy;
        }
        indices.push(idx++);
      }
      const opts = { ...group } as Record<string, unknown>;
      delete opts.params;
      paramGroups.push({ ...cloneOptions(opts), params: indices });
    }
    return { state, paramGroups };
  }

  /** Restores a snapshot from stateDict() (tensors are copied; the dict stays the caller's). */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = `${this._name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || sd.state === null || typeof sd.state !== 'object')
      fail(name, 'expected an object { state, paramGroups } from stateDict()');
    if (sd.paramGroups.length !== this.paramGroups.length)
      fail(name, `the state dict has ${sd.paramGroups.length} parameter groups, this optimizer has ${this.paramGroups.length}`);
    const params: Tensor[] = [];
    const newOpts: O[] = [];
    for (let i = 0; i < this.paramGroups.length; i++) {
      const sg = sd.paramGroups[i];
      const g = this.paramGroups[i];
      if (!sg || !Array.isArray(sg.params) || sg.params.length !== g.params.length)
        fail(name, `parameter group ${i} has ${g.params.length} parameters, the state dict's has ${sg && Array.isArray(sg.params) ? sg.params.length : 'none'}`);
      const opts = { ...sg } as Record<string, unknown>;
      delete opts.params;
      newOpts.push(this._validate({ ...this.defaults, ...cloneOptions(opts) } as O));
      for (let j = 0; j < g.params.length; j++) params[sg.params[j]] = g.params[j];
    }
    // build the new state fully before replacing anything, so a bad dict changes nothing
    const newState = new Map<Tensor, ParamState>();
    try {
      for (const [key, s] of Object.entries(sd.state)) {
        const p = params[Number(key)];
        if (!p) fail(name, `state for parameter index ${key}, which no group lists`);
        const ps: ParamState = {};
        newState.set(p, ps);
        for (const [k, v] of Object.entries(s as ParamState)) {
          if (v instanceof Tensor) {
            v._live(name);
            if (v.shape.length !== p.shape.length || v.shape.some((d, i) => d !== p.shape[i]))
              fail(name, `state '${k}' of parameter ${key} has shape ${fmtShape(v.shape)}, the parameter has ${fmtShape(p.shape)}`, 'ERR_SHAPE');
            ps[k] = keep(v._copyAs(p.dtype));
          } else if (typeof v === 'number') ps[k] = v;
          else fail(name, `state '${k}' of parameter ${key} must be a tensor or a number, got ${describe(v)}`);
        }
      }
    } catch (e) {
      disposeState(newState);
      throw e;
    }
    disposeState(this.state);
    this.state.clear();
    for (const [p, s] of newState) this.state.set(p, s);
    for (let i = 0; i < this.paramGroups.length; i++) Object.assign(this.paramGroups[i], newOpts[i]);
  }

  /** Frees the state tensors (the optimizer starts afresh on its next step). */
  dispose(): void {
    disposeState(this.state);
    this.state.clear();
  }

  /** @internal zero-filled state tensor shaped like p, surviving any enclosing tidy(). */
  protected _zeros(p: Tensor, value = 0): Tensor {
    return keep(filled(p.shape.slice(), value, p.dtype));
  }

  /**
   * Updates p from a row-sparse gradient (SGD, Adagrad and SparseAdam override this); `work`
   * is p or its contiguous copy. torch's dense-only optimizers refuse sparse gradients too.
   */
  protected _updateSparse(p: Tensor, group: O, state: ParamState, work: Tensor, g: SparseRows): void {
    void p, group, state, work, g;
    fail(`${this._name}.step`, `${this._name} does not support sparse gradients (as in torch); use optim.SparseAdam, SGD or Adagrad, or densify with p.grad.toDense()`);
  }

  /** Runs _update for p with contiguous operands of p's dtype, writing back if p is a strided view. */
  private _apply(p: Tensor, group: O): void {
    const name = `${this._name}.step`;
    p._live(name);
    if (p.grad instanceof SparseRows) return this._applySparse(p, group, p.grad);
    const g0 = (p.grad as Tensor)._live(name);
    if (g0.shape.length !== p.shape.length || g0.shape.some((d, i) => d !== p.shape[i]))
      fail(name, `a gradient of shape ${fmtShape(g0.shape)} does not match its parameter's shape ${fmtShape(p.shape)}`, 'ERR_SHAPE');
    if (g0.dtype !== 'float32' && g0.dtype !== 'float64') fail(name, `gradients must be float32 or float64, got ${g0.dtype}`, 'ERR_DTYPE');
    let state = this.state.get(p);
    if (!state) {
      state = {};
      this.state.set(p, state);
    }
    const g = g0.dtype === p.dtype && g0.isContiguous() ? g0 : g0._copyAs(p.dtype);
    const contiguous = p.isContiguous();
    const work = contiguous ? p : p._copyAs(p.dtype);
    try {
      this._update(p, group, state, work, g);
      if (!contiguous) copyInto_(p, work);
    } finally {
      if (g !== g0) g.dispose();
      if (work !== p) work.dispose();
    }
    p._version++;
  }

  private _applySparse(p: Tensor, group: O, g: SparseRows): void {
    const name = `${this._name}.step`;
    if (g.shape.length !== p.shape.length || g.shape.some((d, i) => d !== p.shape[i]))
      fail(name, `a gradient of shape ${fmtShape(g.shape)} does not match its parameter's shape ${fmtShape(p.shape)}`, 'ERR_SHAPE');
    if (g.dtype !== p.dtype) fail(name, `a sparse gradient of dtype ${g.dtype} does not match its parameter's ${p.dtype}`, 'ERR_DTYPE');
    let state = this.state.get(p);
    if (!state) {
      state = {};
      this.state.set(p, state);
    }
    const contiguous = p.isContiguous();
    const work = contiguous ? p : p._copyAs(p.dtype);
    try {
      this._updateSparse(p, group, state, work, g);
      if (!contiguous) copyInto_(p, work);
    } finally {
      if (work !== p) work.dispose();
    }
    p._version++;
  }
}

function clearGrad(p: Tensor): void {
  const g = p.grad;
  if (g) {
    p.grad = null;
    g.dispose();
  }
}

function disposeState(state: Map<Tensor, ParamState>): void {
  for (const s of state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
}

function stripUndefined<T extends object>(o: T): T {
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

function cloneOptions(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = Array.isArray(v) ? v.slice() : v;
  return out;
}

function toTensorList(op: string, v: unknown): Tensor[] {
  if (v instanceof Tensor) fail(op, 'params must be an array (or iterable) of tensors, not a single tensor; wrap it: [t]');
  if (v === null || typeof v !== 'object' || typeof (v as Iterable<unknown>)[Symbol.iterator] !== 'function')
    fail(op, `params must be an array of tensors or of parameter groups, got ${describe(v)}`);
  const out: Tensor[] = [];
  let i = 0;
  for (const t of v as Iterable<unknown>) {
    if (!(t instanceof Tensor)) fail(op, `params[${i}] is not a Tensor (got ${describe(t)})`);
    t._live(op);
    if (t.dtype !== 'float32' && t.dtype !== 'float64')
      fail(op, `params[${i}] has dtype ${t.dtype}; only float32/float64 tensors can be optimized`, 'ERR_DTYPE');
    out.push(t);
    i++;
  }
  return out;
}

function toGroups<O>(op: string, params: unknown): ParamGroup<O>[] {
  if (params instanceof Tensor) fail(op, 'params must be an array (or iterable) of tensors, not a single tensor; wrap it: [t]');
  if (params === null || typeof params !== 'object' || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function')
    fail(op, `params must be an array of tensors or of parameter groups, got ${describe(params)}`);
  const items = Array.from(params as Iterable<unknown>);
  if (items.length === 0) fail(op, 'got an empty parameter list');
  const isGroup = (x: unknown) => x !== null && typeof x === 'object' && !(x instanceof Tensor) && 'params' in (x as object);
  if (items.every(isGroup)) return items as ParamGroup<O>[];
  if (items.some(isGroup)) fail(op, 'params mixes tensors and parameter groups');
  return [{ params: items as Tensor[] } as ParamGroup<O>];
}
