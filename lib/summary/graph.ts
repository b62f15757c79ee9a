// addGraph: one forward pass with recording on, read back from the tape as a TensorFlow
// GraphDef (what TensorBoard's graph view draws). A node per recorded op, named
// '<module path and name scopes>/<op>' ('encoder/hidden/dense1/linear', then 'linear_1', …); parameters
// and buffers as nodes named by their dotted names ('encoder/dense1/weight'); the inputs as
// 'input', 'input_1'; every node with its dtype and output shape ('_output_shapes', as TF's).
//
// Which module made a tensor: each module's forward is wrapped for the pass (an own property,
// removed afterwards) to keep a stack of module paths, and the pass runs inside a tidy-style
// scope whose push() notes, for every tensor created, the innermost module and the current
// tp.nameScope. Everything the pass created is disposed afterwards, except tensors the module
// now holds (a batch-norm buffer replaced during the pass).
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { scopes, Disposable } from '../core/scope';
import { setGradEnabled } from '../autograd/tape';
import type { Node } from '../autograd/tape';
import { detach } from '../autograd/grad';
import { Module, currentNameScope } from '../nn/module';
import { TF_DTYPE } from './proto';

/** Where a tensor was made: the module path with the name scopes opened between modules ('encoder/hidden/dense1'). */
type Origin = string;

/** A module forward running: its name under the caller ('dense1') and the name scope when it was called. */
interface Frame {
  path: string;
  segment: string;
  scope: string;
}

/** scope relative to an enclosing one ('a/b' under 'a' is 'b'); a scope opened elsewhere stays whole. */
function relScope(scope: string, outer: string): string {
  if (outer === '') return scope;
  if (scope === outer) return '';
  return scope.startsWith(outer + '/') ? scope.slice(outer.length + 1) : scope;
}

function originOf(frames: Frame[], scope: string): Origin {
  const parts: string[] = [];
  let outer = '';
  for (const f of frames) {
    parts.push(relScope(f.scope, outer), f.segment);
    outer = f.scope;
  }
  parts.push(relScope(scope, outer));
  return parts
    .filter((p) => p.length > 0)
    .map((p) => p.split('/').map(clean).join('/'))
    .join('/');
}

interface Forwardable {
  forward(...args: unknown[]): unknown;
  parameters?: () => unknown;
}

const DEVICE_RE = /^cuda:(\d+)$/;

function tfDevice(t: Tensor): string {
  try {
    const m = DEVICE_RE.exec(t.device);
    return m ? `/device:GPU:${m[1]}` : '/device:CPU:0';
  } catch {
    return '';
  }
}

/** A valid NodeDef name part ('[A-Za-z0-9.][A-Za-z0-9_>./]*'). */
function clean(s: string): string {
  return s.replace(/[^A-Za-z0-9_>./]/g, '_');
}

function join(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join('/');
}

function outputsOf(x: unknown, out: Tensor[], depth = 0): void {
  if (x instanceof Tensor) out.push(x);
  else if (Array.isArray(x) && depth < 4) for (const v of x) outputsOf(v, out, depth + 1);
  else if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype && depth < 4)
    for (const v of Object.values(x)) outputsOf(v, out, depth + 1);
}

/** The GraphDef (a plain object for protobufjs) of one forward pass of model on inputs. */
export function traceGraph(model: unknown, input: unknown): Record<string, unknown> {
  const op = 'addGraph';
  const m = model as Forwardable;
  if (m === null || typeof m !== 'object' || typeof m.forward !== 'function') fail(op, `model must be a tp.nn.Module or an object with forward(), got ${describe(model)}`);
  const inputs: Tensor[] = input instanceof Tensor ? [input] : Array.isArray(input) ? input : [];
  if (inputs.length === 0) fail(op, `inputToModel must be a Tensor or a non-empty array of Tensors, got ${describe(input)}`);
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) fail(op, `inputToModel[${i}] must be a Tensor, got ${describe(x)}`);
    x._live(op);
  });

  // names of what the model holds
  const leafName = new Map<Tensor, [string, string]>(); // tensor → [node name, op]
  const modules: [string, Module<unknown[], unknown>][] = m instanceof Module ? (m.namedModules() as [string, Module<unknown[], unknown>][]) : [];
  const held = (): Tensor[] => {
    if (m instanceof Module) return [...m.parameters(), ...m.buffers()];
    const p = typeof m.parameters === 'function' ? m.parameters() : [];
    return Array.isArray(p) ? p.filter((t): t is Tensor => t instanceof Tensor) : [];
  };
  if (m instanceof Module) {
    for (const [n, t] of m.namedParameters()) leafName.set(t, [n, 'Parameter']);
    for (const [n, t] of m.namedBuffers()) leafName.set(t, [n, 'Buffer']);
  } else for (const t of held()) if (t.name) leafName.set(t, [t.name, 'Parameter']);

  // the pass: forwards wrapped, every new tensor noted with its module and name scope
  const frames: Frame[] = [];
  const origin = new Map<Tensor, Origin>();
  const rec: Disposable[] = [];
  rec.push = function (...xs: Disposable[]): number {
    for (const x of xs) if (x instanceof Tensor && !origin.has(x)) origin.set(x, originOf(frames, currentNameScope()));
    return Array.prototype.push.apply(this, xs);
  };
  const restore: (() => void)[] = [];
  for (const [p, mod] of modules) {
    const own = Object.getOwnPropertyDescriptor(mod, 'forward');
    const orig = mod.forward;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      // the name under the calling module ('0' inside 'head'), the whole path when called from elsewhere
      const caller = frames.length ? frames[frames.length - 1].path : '';
      const segment = caller === '' ? p : p.startsWith(caller + '.') ? p.slice(caller.length + 1) : p;
      frames.push({ path: p, segment: segment.split('.').join('/'), scope: currentNameScope() });
      try {
        return orig.apply(this, args);
      } finally {
        frames.pop();
      }
    };
    Object.defineProperty(mod, 'forward', { value: wrapped, configurable: true, writable: true, enumerable: false });
    restore.push(() => (own ? Object.defineProperty(mod, 'forward', own) : delete (mod as { forward?: unknown }).forward));
  }
  const feeds = inputs.map((x) => {
    const d = detach(x);
    if (x.dtype === 'float32' || x.dtype === 'float64') d.requiresGrad = true; // so every op on the input records
    return d;
  });
  feeds.forEach((d, i) => leafName.set(d, [i === 0 ? 'input' : `input_${i}`, 'Placeholder']));
  let outputs: Tensor[] = [];
  try {
    scopes.push(rec);
    const prevGrad = setGradEnabled(true);
    try {
      outputsOf(m.forward(...feeds), outputs);
    } finally {
      setGradEnabled(prevGrad);
      scopes.pop();
      for (const r of restore) r();
    }
    if (outputs.length === 0) fail(op, 'the forward pass returned no tensor');
    return toGraphDef(feeds, outputs, leafName, origin);
  } finally {
    // whether the pass succeeded or threw: free what it made, except what the model now holds
    const keep = new Set<Tensor>(held());
    for (const t of rec) if (!keep.has(t as Tensor)) t.dispose();
    for (const d of feeds) d.dispose();
    outputs = [];
  }
}

function toGraphDef(feeds: Tensor[], outputs: Tensor[], leafName: Map<Tensor, [string, string]>, origin: Map<Tensor, Origin>): Record<string, unknown> {
  const names = new Map<Tensor, string>();
  const used = new Map<string, number>();
  const nodes: Record<string, unknown>[] = [];
  const unique = (base: string): string => {
    const key = base.length ? base : 'node';
    const k = used.get(key) ?? 0;
    used.set(key, k + 1);
    let name = k === 0 ? key : `${key}_${k}`;
    while (k > 0 && used.has(name)) name = `${name}_`;
    if (k > 0) used.set(name, 1);
    return /^[A-Za-z0-9.]/.test(name) ? name : `n${name}`;
  };
  // iterative post-order walk (a deep network must not overflow the JS stack)
  const visit = (root: Tensor, fallback: Origin): void => {
    const todo: [Tensor, boolean, Origin][] = [[root, false, fallback]];
    while (todo.length) {
      const [t, expanded, from] = todo.pop() as [Tensor, boolean, Origin];
      if (names.has(t)) continue;
      const node = t._node as Node | null;
      const here = origin.get(t) ?? from;
      if (node && !expanded) {
        todo.push([t, true, from]);
        for (let i = node.inputs.length - 1; i >= 0; i--) if (node.inputs[i] instanceof Tensor) todo.push([node.inputs[i], false, here]);
        continue;
      }
      let name: string;
      let opName: string;
      const input: string[] = [];
      if (node) {
        opName = node.name || 'op';
        name = unique(join(here, clean(opName)));
        for (const x of node.inputs) if (x instanceof Tensor && names.has(x)) input.push(names.get(x) as string);
      } else {
        const leaf = leafName.get(t);
        if (leaf) [name, opName] = [unique(leaf[0].split(/[./]/).map(clean).join('/')), leaf[1]];
        else [name, opName] = [unique(join(here, t.name ? clean(t.name) : 'Const')), 'Const'];
      }
      names.set(t, name);
      const shape = { dim: t.shape.map((size) => ({ size })) };
      nodes.push({
        name,
        op: opName,
        input,
        device: tfDevice(t),
        attr: { dtype: { type: TF_DTYPE[t.dtype] ?? 0 }, _output_shapes: { list: { shape: [shape] } } },
      });
    }
  };
  // the inputs first and always: an integer input (indices) reaches ops the tape records
  // without it (only differentiable inputs are a node's inputs), and still is the graph's input
  for (const f of feeds) visit(f, '');
  for (const o of outputs) visit(o, origin.get(o) ?? '');
  return { node: nodes, versions: { producer: 22 } };
}
