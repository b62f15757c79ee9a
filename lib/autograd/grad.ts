// backward(), grads(), grad(), valueAndGrad(), noGrad(), detach(), requiresGrad_(),
// gradcheck(). sumTo / sumToShape live in sum-to.ts (re-exported here).
//
// Backward: topological order from the output, then reverse replay. Each node's closure
// gets the output's summed gradient; the contributions for each input are added up.
// Without createGraph the replay runs with recording off and frees every intermediate
// gradient and temporary as soon as it is used; the leaves' .grad tensors are the only
// survivors. With createGraph the replay records (gradients of gradients), and nothing
// is freed eagerly (the intermediates are part of the new graph; the GC frees them).
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';
import { scopes, Disposable } from '../core/scope';
import { isFloat } from '../core/dtype';
import { Node, setGradEnabled, record } from './tape';
import { tape } from './state';
import { add } from '../ops/binary';
import { onesLike, zerosLike, tensor } from '../ops/creation';
import { cast } from '../ops/cast';
export { sumTo, sumToShape } from './sum-to';

// ---- the engine ------------------------------------------------------------------------------

export interface BackwardOptions {
  /** keep the graph so backward can run through it again (default: createGraph) */
  retainGraph?: boolean;
  /** record the backward pass itself, for higher-order gradients (default false) */
  createGraph?: boolean;
}

const RELEASED_MSG =
  'the graph was already freed by an earlier backward(); pass { retainGraph: true } to the first call to backward through it again';

function releasedFn(): never {
  return fail('backward', RELEASED_MSG);
}

/** Tensors with a node reachable from root, inputs before the tensors computed from them. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  if (root._node === null) return order;
  const seen = new Set<Tensor>([root]);
  const stack: Tensor[] = [root];
  const next: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const t = stack[top];
    const node = t._node as Node;
    if (node.released) fail('backward', RELEASED_MSG);
    const i = next[top];
    if (i < node.inputs.length) {
      next[top] = i + 1;
      const x = node.inputs[i];
      if (x._node !== null && !seen.has(x)) {
        seen.add(x);
        stack.push(x);
        next.push(0);
      }
    } else {
      stack.pop();
      next.pop();
      order.push(t);
    }
  }
  return order;
}

/** A new Tensor object over the same storage (owned by the caller, disposed independently). */
function alias(t: Tensor): Tensor {
  return t._view(t.shape.slice(), t._strides.slice(), t._offset);
}

/** alias that stays on the tape (an identity node) when recording, as with createGraph. */
function linkedAlias(t: Tensor): Tensor {
  const a = alias(t);
  if (tape.on && (t._rg || t._node !== null)) record(a, 'identity', [t], (g) => [g]);
  return a;
}

/**
 * Runs the reverse pass from root seeded with `seed` (owned by the engine). Returns the
 * gradients of the leaves that require grad (targets === null) or of the targets.
 */
function run(op: string, root: Tensor, seed: Tensor, opts: BackwardOptions, targets: Tensor[] | null): Map<Tensor, Tensor> {
  const createGraph = !!opts.createGraph;
  const retain = opts.retainGraph === undefined ? createGraph : !!opts.retainGraph;
  const order = topoOrder(root);
  const targetSet = targets ? new Set(targets) : null;
  const grads = new Map<Tensor, Tensor>(); // gradient so far of each tensor; each value owned here
  const out = new Map<Tensor, Tensor>(); // the results
  const free = (t: Tensor): void => {
    if (!createGraph) t.dispose();
  };
  const accumulate = (x: Tensor, c: Tensor): void => {
    const e = grads.get(x);
    if (e === undefined) grads.set(x, c);
    else {
      grads.set(x, add(e, c));
      free(e);
      free(c);
    }
  };
  const outer: Disposable[] = []; // keeps what the pass creates out of any enclosing tidy()
  scopes.push(outer);
  const prevEnabled = setGradEnabled(createGraph);
  try {
    grads.set(root, seed);
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      const claimed = new Set<Tensor>();
      if (targetSet !== null && targetSet.has(t)) {
        out.set(t, g);
        claimed.add(g);
      }
      const node = t._node as Node;
      const inputs = node.inputs;
      const needs = inputs.map((x) => x._rg || x._node !== null);
      const versions = node.versions;
      if (versions !== undefined)
        for (let i = 0; i < inputs.length; i++) {
          const x = inputs[i];
          if (x && x._st.version !== versions[i])
            fail(op, `one of the tensors needed for gradient computation has been modified by an in-place operation: ${node.name} input ${i}, version saved ${versions[i]}, now ${x._st.version}`, 'ERR_INPLACE');
        }
      const local: Disposable[] = [];
      scopes.push(local);
      let gs: (Tensor | null)[];
      try {
        gs = node.backward(g, needs);
      } finally {
        scopes.pop();
      }
      const made = new Set<unknown>(local);
      // first give every contribution its own tensor object (accumulating may free one)
      const contrib: (Tensor | null)[] = new Array(inputs.length).fill(null);
      for (let i = 0; i < inputs.length; i++) {
        let c = gs[i];
        if (c === null || c === undefined || !needs[i]) continue;
        const x = inputs[i];
        if (claimed.has(c) || (c !== g && !made.has(c))) c = linkedAlias(c);
        claimed.add(c);
        if (c.shape.length !== x.shape.length || c.shape.some((d, j) => d !== x.shape[j]))
          fail(op, `the gradient of ${node.name} for input ${i} has shape ${fmtShape(c.shape)}, expected ${fmtShape(x.shape)}`, 'ERR_SHAPE');
        contrib[i] = c;
      }
      for (let i = 0; i < inputs.length; i++) {
        const c = contrib[i];
        if (c !== null) accumulate(inputs[i], c);
      }
      if (!createGraph) {
        for (const tmp of local) if (!claimed.has(tmp as Tensor)) tmp.dispose();
        if (!claimed.has(g)) g.dispose();
      }
    }
    // what is left in `grads` are the leaves (and the root when it is a leaf)
    for (const [x, g] of grads) {
      const wanted = targetSet !== null ? targetSet.has(x) : x._rg;
      if (wanted) out.set(x, g);
      else free(g);
    }
  } catch (e) {
    for (const g of grads.values()) free(g);
    throw e;
  } finally {
    setGradEnabled(prevEnabled);
    scopes.pop();
  }
  if (!retain) {
    for (const t of order) {
      const node = t._node as Node;
      node.released = true;
      node.inputs = [];
      node.backward = releasedFn;
    }
  }
  return out;
}

function makeSeed(op: string, y: Tensor, gradOutput: Tensor | undefined): Tensor {
  if (gradOutput === undefined || gradOutput === null) {
    if (y.size !== 1)
      fail(op, `a gradient can only be implied for a one-element output; this one has shape ${fmtShape(y.shape)}: pass gradOutput (e.g. tp.onesLike(y))`, 'ERR_SHAPE');
    const prev = scopes.length;
    const s = onesLike(y);
    if (scopes.length === prev && prev > 0) {
      // created in the caller's tidy scope; the engine owns it, take it out again
      const top = scopes[prev - 1];
      if (top[top.length - 1] === s) top.pop();
    }
    return s;
  }
  if (!(gradOutput instanceof Tensor)) fail(op, `gradOutput must be a Tensor, got ${describe(gradOutput)}`);
  gradOutput._live(op);
  if (gradOutput.shape.length !== y.shape.length || gradOutput.shape.some((d, i) => d !== y.shape[i]))
    fail(op, `gradOutput has shape ${fmtShape(gradOutput.shape)}, the output has shape ${fmtShape(y.shape)}`, 'ERR_SHAPE');
  const s = gradOutput.dtype === y.dtype ? alias(gradOutput) : cast(gradOutput, y.dtype);
  const top = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  if (top !== null && top[top.length - 1] === s) top.pop();
  return s;
}

function checkRoot(op: string, y: unknown): Tensor {
  if (!(y instanceof Tensor)) fail(op, `the output must be a Tensor, got ${describe(y)}`);
  const t = (y as Tensor)._live(op);
  if (t._node === null && !t._rg)
    fail(op, 'the output does not require grad: no input of the computation had requiresGrad set (or it ran inside noGrad)');
  if (t._node !== null && (t._node as Node).released) fail(op, RELEASED_MSG);
  return t;
}

/**
 * Accumulates d(this)/d(leaf) into `.grad` of every leaf tensor that requires grad (added
 * to what is already there). A non-scalar output needs gradOutput. The graph is freed
 * afterwards unless retainGraph. An earlier `.grad` made by backward is disposed when the
 * new sum replaces it.
 */
export function backward(y: Tensor, gradOutput?: Tensor, options?: BackwardOptions): void {
  const op = 'backward';
  const t = checkRoot(op, y);
  const opts = options ?? {};
  const seed = makeSeed(op, t, gradOutput);
  const res = run(op, t, seed, opts, null);
  const createGraph = !!opts.createGraph;
  for (const [x, g0] of res) {
    let g = g0;
    if (!createGraph && !g.isContiguous()) {
      // made outside any caller's tidy(): a leaf's .grad outlives the scope it was computed in
      scopes.push([]);
      try {
        g = g.contiguous();
      } finally {
        scopes.pop();
      }
      g0.dispose();
    }
    const prev = x.grad;
    if (prev === null || prev._disposed) x.grad = g;
    else {
      const prevOn = setGradEnabled(createGraph);
      const top: Disposable[] = [];
      scopes.push(top);
      try {
        x.grad = add(prev, g);
      } finally {
        scopes.pop();
        setGradEnabled(prevOn);
      }
      if (!createGraph) {
        prev.dispose();
        g.dispose();
      }
    }
  }
}

/**
 * Gradients of y with respect to each of xs (torch.autograd.grad, tf.gradients), without
 * touching any `.grad`. An x that y does not depend on gets zeros. Options as backward
 * (retainGraph defaults to createGraph, so by default the graph is freed).
 */
export function grads(y: Tensor, xs: Tensor[], gradOutput?: Tensor, options?: BackwardOptions): Tensor[] {
  const op = 'grads';
  const t = checkRoot(op, y);
  if (!Array.isArray(xs)) fail(op, `xs must be an array of tensors, got ${describe(xs)}`);
  for (let i = 0; i < xs.length; i++) {
    if (!(xs[i] instanceof Tensor)) fail(op, `xs[${i}] must be a Tensor, got ${describe(xs[i])}`);
    xs[i]._live(op);
  }
  const seed = makeSeed(op, t, gradOutput);
  const res = run(op, t, seed, options ?? {}, xs);
  const result: Tensor[] = [];
  const used = new Set<Tensor>();
  for (const x of xs) {
    let g = res.get(x);
    if (g === undefined) g = zerosFor(x);
    else if (used.has(g)) g = linkedAlias(g);
    used.add(g);
    result.push(g);
  }
  // the results join the caller's tidy scope, as any op result would
  if (scopes.length > 0) for (const g of result) scopes[scopes.length - 1].push(g);
  return result;
}

function zerosFor(x: Tensor): Tensor {
  return zerosLike(x);
}

// ---- functional transforms -------------------------------------------------------------------

/** Runs fn with recording off: nothing computed inside is part of a graph. */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') fail('noGrad', `expected a function, got ${describe(fn)}`);
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** Runs fn with recording on (undoes an enclosing noGrad). */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** A tensor over the same storage that is not part of any graph (no gradient flows back through it). */
export function detach(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) fail('detach', `x must be a Tensor, got ${describe(x)}`);
  return alias(x._live('detach'));
}

type GradFn = (...args: Tensor[]) => Tensor;

function prepareArgs(op: string, args: Tensor[]): Tensor[] {
  return args.map((a, i) => {
    if (!(a instanceof Tensor)) return fail(op, `argument ${i} must be a Tensor, got ${describe(a)}`);
    a._live(op);
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

// ---- gradcheck -------------------------------------------------------------------------------

export interface GradcheckOptions {
  /** finite-difference step (default 1e-6) */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** throw on a mismatch (default true); false returns false instead */
  raiseException?: boolean;
}

/**
 * Compares the backward gradients of f at `inputs` with central differences in float64
 * (torch.autograd.gradcheck): for every input element, (f(x + eps) - f(x - eps)) / 2eps,
 * dotted with a fixed random gradOutput, must match within atol + rtol * |numeric|.
 * Inputs must be float64. Returns true, or throws naming the input and element.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options?: GradcheckOptions): boolean {
  const op = 'gradcheck';
  const eps = options?.eps ?? 1e-6;
  const atol = options?.atol ?? 1e-5;
  const rtol = options?.rtol ?? 1e-3;
  const raise = options?.raiseException ?? true;
  if (typeof f !== 'function') fail(op, `f must be a function, got ${describe(f)}`);
  if (!Array.isArray(inputs)) fail(op, `inputs must be an array of tensors, got ${describe(inputs)}`);
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) fail(op, `inputs[${i}] must be a Tensor, got ${describe(x)}`);
    x._live(op);
    if (x.dtype !== 'float64') fail(op, `inputs[${i}] must be float64 for finite differences, got ${x.dtype}`, 'ERR_DTYPE');
  });
  // private contiguous copies that can be perturbed element by element
  const data = inputs.map((x) => Float64Array.from(x.dataSync() as Float64Array));
  const build = (): Tensor[] => data.map((d, i) => tensor(d, { shape: inputs[i].shape.slice(), dtype: 'float64' }));
  const evalF = (xs: Tensor[]): Tensor => {
    const y = f(...xs);
    if (!(y instanceof Tensor)) fail(op, `f must return a Tensor, got ${describe(y)}`);
    return y;
  };
  // analytic: vector-Jacobian product with a fixed pseudo-random v
  const xs = build();
  for (const x of xs) x.requiresGrad = true;
  const y = enableGrad(() => evalF(xs));
  const ny = y.size;
  const v = new Float64Array(ny);
  let s = 12345;
  for (let i = 0; i < ny; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    v[i] = 0.5 + (s / 4294967296); // in [0.5, 1.5): never zero
  }
  const vt = tensor(v, { shape: y.shape.slice(), dtype: y.dtype });
  const analytic = y._node === null && !y._rg ? xs.map((x) => new Float64Array(x.size)) : [];
  if (analytic.length === 0) {
    const gs = grads(y, xs, vt);
    for (const g of gs) {
      analytic.push(Float64Array.from(g.dataSync() as ArrayLike<number>));
      g.dispose();
    }
  }
  y.dispose();
  for (const x of xs) x.dispose();
  const vOf = (yt: Tensor): number => {
    const d = yt.dataSync();
    let acc = 0;
    for (let i = 0; i < ny; i++) acc += v[i] * d[i];
    return acc;
  };
  try {
    for (let i = 0; i < data.length; i++) {
      const d = data[i];
      for (let j = 0; j < d.length; j++) {
        const orig = d[j];
        const fAt = (val: number): number => {
          d[j] = val;
          const ts = build();
          try {
            const r = noGrad(() => evalF(ts));
            const out = vOf(r);
            r.dispose();
            return out;
          } finally {
            for (const t of ts) t.dispose();
          }
        };
        const numeric = (fAt(orig + eps) - fAt(orig - eps)) / (2 * eps);
        d[j] = orig;
        const a = analytic[i][j];
        if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
          if (!raise) return false;
          fail(op, `gradient mismatch for inputs[${i}] (shape ${fmtShape(inputs[i].shape)}) at flat element ${j}: backward gave ${a}, finite differences ${numeric} (atol ${atol}, rtol ${rtol})`);
        }
      }
    }
  } finally {
    vt.dispose();
  }
  return true;
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
