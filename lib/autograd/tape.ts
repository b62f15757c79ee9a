// The tape: while any input of an op requires grad, the op stores a Node on its output
// (`out._node`): the inputs and a backward closure that maps the output's gradient to one
// gradient per input (null where an input gets none). The closures are written beside
// each op's forward (ops/*.ts) with public tapeflow ops, so a backward pass run with
// recording on (createGraph) records its own graph and gradients of gradients work.
//
// This file has no op imports (every op file imports it); backward() and grads() live in
// engine.ts, the rest of the user-facing API in grad.ts.
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { tape, refreshTape } from './state';
export { tape };

/**
 * Maps the output gradient to one gradient per input (same order as `inputs`), or null
 * for an input that gets none. `needs[i]` says whether input i wants a gradient at all,
 * so a closure can skip work (e.g. the weight-side product of a matmul).
 */
export type BackwardFn = (gradOut: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

export interface Node {
  inputs: Tensor[];
  backward: BackwardFn;
  name: string;
  /** set when a backward() without retainGraph has freed this node */
  released: boolean;
  /** storage version of each input when recorded (in-place modification check) */
  versions?: number[];
  /** tensors only this node's backward uses (saved indices, masks): freed with the graph */
  saved?: Tensor[];
}

/** Whether ops currently record (false inside noGrad). */
export function isGradEnabled(): boolean {
  return tape.enabled;
}

/** Turns recording on or off; returns the previous setting. */
export function setGradEnabled(on: boolean): boolean {
  // setGradEnabled() or setGradEnabled('no') would otherwise switch recording off silently
  if (typeof on !== 'boolean') fail('setGradEnabled', `expected true or false, got ${describe(on)}`);
  const prev = tape.enabled;
  tape.enabled = !!on;
  refreshTape();
  return prev;
}

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
  if (typeof fn !== 'function') fail('enableGrad', `expected a function, got ${describe(fn)}`);
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** @internal whether x is part of a graph (a leaf that requires grad, or a recorded result). */
export function tracked(x: unknown): boolean {
  return x instanceof Tensor && (x._rg || x._node !== null);
}

/**
 * True when an op on these inputs must record: recording is on and some input requires
 * grad or was produced by a recorded op. False at once when recording is off.
 */
export function needsGrad(a: unknown, b?: unknown, c?: unknown): boolean {
  if (!tape.on) return false;
  return tracked(a) || tracked(b) || tracked(c);
}

/** True when any tensor of the list is tracked (recording on). */
export function needsGradList(xs: readonly unknown[]): boolean {
  if (!tape.on) return false;
  for (const x of xs) if (tracked(x)) return true;
  return false;
}

/** Stores a node on `output`. Returns output. */
export function record(output: Tensor, name: string, inputs: Tensor[], backward: BackwardFn): Tensor {
  const versions = new Array<number>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    versions[i] = x ? x._st.version : 0;
  }
  output._node = { inputs, backward, name, released: false, versions } as Node;
  return output;
}

/**
 * @internal Hands t to the graph node of `output` (which must have one): t is an internal
 * tensor only that node's backward reads, so backward() frees it with the graph instead of
 * leaving it to the garbage collector (a training loop then reuses its memory at once).
 */
export function saveFor(output: Tensor, t: Tensor): void {
  const node = output._node as Node;
  (node.saved ??= []).push(t);
}
