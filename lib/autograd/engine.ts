// The reverse-mode engine: backward() and grads().
//
// Backward: topological order from the output, then reverse replay. Each node's closure
// gets the output's summed gradient; the contributions for each input are added up.
// Without createGraph the replay runs with recording off and frees every intermediate
// gradient and temporary as soon as it is used; the leaves' .grad tensors are the only
// survivors. With createGraph the replay records (gradients of gradients), and nothing
// is freed eagerly (the intermediates are part of the new graph; the GC frees them).
import { Tensor } from '../tensor';
import { checkTensor } from '../core/validate';
import { fail, describe, fmtShape } from '../core/errors';
import { scopes, Disposable } from '../core/scope';
import { Node, setGradEnabled, record } from './tape';
import { tape } from './state';
import { add } from '../ops/binary';
import { onesLike, zerosLike } from '../ops/creation';
import { cast } from '../ops/cast';
import { SparseRows, addGrads, densify } from './sparse';

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

/** @internal A new Tensor object over the same storage (owned by the caller, disposed independently). */
export function alias(t: Tensor): Tensor {
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
      // row-sparse gradients (embedding lookups) concatenate; with a dense side the sum is dense
      grads.set(x, e instanceof SparseRows || c instanceof SparseRows ? addGrads(e, c) : add(e, c));
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
      let g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      if (g instanceof SparseRows) {
        // only leaves keep a row-sparse gradient; a node's backward reads a dense one
        const d = densify(g);
        free(g);
        g = d;
      }
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
        if (!(c instanceof SparseRows) && (claimed.has(c) || (c !== g && !made.has(c)))) c = linkedAlias(c);
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
      // a recorded backward (createGraph) may still read what the node saved: the GC frees it then
      if (node.saved !== undefined && !createGraph) for (const s of node.saved) s.dispose();
      node.saved = undefined;
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
  checkTensor(gradOutput, op, 'gradOutput');
  if (gradOutput.shape.length !== y.shape.length || gradOutput.shape.some((d, i) => d !== y.shape[i]))
    fail(op, `gradOutput has shape ${fmtShape(gradOutput.shape)}, the output has shape ${fmtShape(y.shape)}`, 'ERR_SHAPE');
  const s = gradOutput.dtype === y.dtype ? alias(gradOutput) : cast(gradOutput, y.dtype);
  const top = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  if (top !== null && top[top.length - 1] === s) top.pop();
  return s;
}

function checkRoot(op: string, y: unknown): Tensor {
  const t = checkTensor(y, op, 'the output');
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
        x.grad = prev instanceof SparseRows || g instanceof SparseRows ? addGrads(prev, g) : add(prev, g);
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
  for (let i = 0; i < xs.length; i++) checkTensor(xs[i], op, `xs[${i}]`);
  const seed = makeSeed(op, t, gradOutput);
  const res = run(op, t, seed, options ?? {}, xs);
  const result: Tensor[] = [];
  const used = new Set<Tensor>();
  for (const x of xs) {
    let g = res.get(x);
    if (g instanceof SparseRows) {
      // grads() answers dense tensors (a row-sparse gradient only ever lands in .grad)
      const d = g.toDense();
      g.dispose();
      g = d;
      res.set(x, d);
    }
    if (g === undefined) g = zerosFor(x);
    else if (used.has(g)) g = linkedAlias(g);
    used.add(g);
    result.push(g);
  }
  // the results join the caller's tidy scope, as any op result would
  if (scopes.length > 0) for (const g of result) scopes[scopes.length - 1].push(g);
  return result;
}

/** @internal the gradient of an input the output does not depend on. */
export function zerosFor(x: Tensor): Tensor {
  return zerosLike(x);
}
