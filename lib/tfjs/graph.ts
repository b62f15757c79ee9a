// A TF.js graph model (format 'graph-model': a TensorFlow GraphDef whose Const values live in the
// weight shards) as a tapeflow module: float Consts are Parameters under their node names, integer
// ones buffers; forward runs the nodes in a topological order with tapeflow ops.
import { Tensor } from '../tensor';
import { TapeflowError, describe, fmtShape } from '../core/errors';
import { Module } from '../nn/module';
import { Parameter } from '../nn/parameter';
import { registerBufferOn } from '../nn/buffers';
import { tensor } from '../ops/creation';
import { tidy } from '../core/memory';
import { isGradEnabled, tracked } from '../autograd/tape';
import { GRAPH_OPS } from './graph-ops';
import type { GraphNode } from './graph-ops';
import type { DecodedWeight } from './weights';
import type { TfjsLoadOptions } from './model';

interface Plan {
  nodes: GraphNode[];
  consts: Map<string, string>;
  outputs: string[];
  frees: string[][];
}
const PLAN = new WeakMap<TfjsGraphModel, Plan>();
const bad = (msg: string, code = 'ERR_FORMAT'): never => { throw new TapeflowError(`loadTfjsModel: ${msg}`, code); };

function readNodes(topo: unknown): GraphNode[] {
  const list = (topo as { node?: unknown }).node;
  if (!Array.isArray(list)) return bad(`a graph model's modelTopology.node must be an array, got ${describe(list)}`);
  const names = new Set<string>();
  return Array.from(list as unknown[], (v, i) => {
    if (v === null || typeof v !== 'object') return bad(`node[${i}] must be an object`);
    const o = v as Record<string, unknown>;
    if (typeof o.name !== 'string' || o.name === '' || typeof o.op !== 'string') return bad(`node[${i}] needs a name and an op`);
    if (names.has(o.name)) bad(`two nodes are named '${o.name}'`);
    names.add(o.name);
    const inputs = o.input === undefined ? [] : Array.isArray(o.input) ? Array.from(o.input as unknown[]) : null;
    if (inputs === null || inputs.some((s) => typeof s !== 'string')) return bad(`node '${o.name}': input must be an array of strings`);
    const attr = (o.attr ?? {}) as GraphNode['attr'];
    if (typeof attr !== 'object' || attr === null || Array.isArray(attr)) return bad(`node '${o.name}': attr must be an object`);
    // '^name' inputs are control dependencies (ordering only); 'name:0' is 'name'
    const data = (inputs as string[]).filter((s) => !s.startsWith('^')).map((s) => {
      const m = /^(.*):(\d+)$/.exec(s);
      if (m && m[2] !== '0') bad(`node '${o.name}' reads output ${m[2]} of '${m[1]}'; only single-output ops are supported`, 'ERR_UNSUPPORTED');
      return m ? m[1] : s;
    });
    return { name: o.name, op: o.op, inputs: data, attr };
  });
}

export class TfjsGraphModel extends Module<unknown[], Tensor | Tensor[]> {
  /** the Placeholder nodes: name and shape (null for unknown dims) */
  declare readonly inputs: { name: string; shape: (number | null)[] | null }[];
  declare readonly outputNames: string[];

  constructor(topo: unknown, weights: Map<string, DecodedWeight>, options: TfjsLoadOptions = {}) {
    super();
    const all = readNodes(topo);
    const missing = new Map<string, string[]>();
    for (const n of all) if (n.op !== 'Placeholder' && n.op !== 'Const' && n.op !== 'NoOp' && !GRAPH_OPS.has(n.op)) missing.set(n.op, [...(missing.get(n.op) ?? []), n.name]);
    if (missing.size > 0) bad(`unsupported graph op${missing.size > 1 ? 's' : ''}: ${[...missing].map(([o, ns]) => `${o} (node '${ns[0]}'${ns.length > 1 ? `, … ${ns.length} in all` : ''})`).join('; ')}`, 'ERR_UNSUPPORTED');
    const byName = new Map(all.map((n) => [n.name, n]));
    for (const n of all) for (const i of n.inputs) if (!byName.has(i)) bad(`node '${n.name}' reads '${i}', which no node defines`);
    const read = new Set(all.flatMap((n) => n.inputs));
    let outputs = all.filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp').map((n) => n.name);
    if (options.outputs !== undefined) {
      if (!Array.isArray(options.outputs) || options.outputs.length === 0 || options.outputs.some((o) => typeof o !== 'string' || !byName.has(o)))
        throw new TapeflowError(`loadTfjsModel: options.outputs must name nodes of the graph, got ${describe(options.outputs)}`);
      outputs = options.outputs;
    }
    // depth-first topological order of what the outputs need, with cycle detection
    const order: GraphNode[] = [];
    const state = new Map<string, number>();
    const visit = (root: string): void => {
      const stack: [string, number][] = [[root, 0]];
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        const n = byName.get(top[0])!;
        if (top[1] === 0) {
          if (state.get(n.name) === 2) { stack.pop(); continue; }
          if (state.get(n.name) === 1) bad(`the graph has a cycle through node '${n.name}'`);
          state.set(n.name, 1);
        }
        if (top[1] < n.inputs.length) {
          const next = n.inputs[top[1]++];
          if (state.get(next) === 1) bad(`the graph has a cycle through node '${next}'`);
          if (state.get(next) !== 2) stack.push([next, 0]);
        } else {
          state.set(n.name, 2);
          order.push(n);
          stack.pop();
        }
      }
    };
    for (const o of outputs) visit(o);
    const hidden = (k: string, v: unknown): void => { Object.defineProperty(this, k, { value: v, enumerable: false }); };
    const placeholders = order.filter((n) => n.op === 'Placeholder');
    hidden('inputs', placeholders.map((n) => {
      const sh = n.attr.shape;
      const dims = sh !== null && typeof sh === 'object' ? (sh.shape as { dim?: unknown } | null)?.dim : undefined;
      // unknown (-1) or unreadable dims are free
      return { name: n.name, shape: Array.isArray(dims) ? Array.from(dims as unknown[], (d) => { const s = Number((d as { size?: unknown } | null)?.size ?? -1); return Number.isSafeInteger(s) && s >= 0 ? s : null; }) : null };
    }));
    hidden('outputNames', outputs);
    const consts = new Map<string, string>();
    for (const n of order) {
      if (n.op !== 'Const') continue;
      const w = weights.get(n.name);
      if (w === undefined) bad(`Const node '${n.name}' has no entry in weightsManifest`);
      const t = tensor(w!.data, { dtype: w!.dtype, shape: w!.shape });
      let key = w!.dtype === 'float32' ? n.name : n.name.replace(/\./g, '_');
      while (key in this || key === '__proto__') key += '_';
      if (w!.dtype === 'float32') Object.defineProperty(this, key, { value: new Parameter(t), enumerable: true, writable: true, configurable: true });
      else registerBufferOn(this, key, t);
      consts.set(n.name, key);
    }
    const nodes = order.filter((n) => n.op !== 'Const' && n.op !== 'Placeholder' && n.op !== 'NoOp');
    const last = new Map<string, number>();
    nodes.forEach((n, i) => { for (const v of n.inputs) last.set(v, i); });
    const frees: string[][] = nodes.map(() => []);
    for (const [v, i] of last) if (!consts.has(v) && !outputs.includes(v) && !placeholders.some((p) => p.name === v)) frees[i].push(v);
    PLAN.set(this, { nodes, consts, outputs, frees });
    this.eval();
  }

  /** forward(x, …) in Placeholder order, or forward({ name: x }); one output or an array. */
  forward(...args: unknown[]): Tensor | Tensor[] {
    const plan = PLAN.get(this)!;
    const op = 'tfjs graph model';
    const self = this as unknown as Record<string, Tensor>;
    const given = args.length === 1 && args[0] !== null && typeof args[0] === 'object' && !(args[0] instanceof Tensor) ? (args[0] as Record<string, unknown>) : null;
    if (given === null && args.length !== this.inputs.length)
      throw new TapeflowError(`${op}: forward takes ${this.inputs.length} input(s) (${this.inputs.map((v) => v.name).join(', ')}), got ${args.length}`);
    const env = new Map<string, Tensor>();
    for (const [name, key] of plan.consts) env.set(name, self[key]);
    this.inputs.forEach((v, i) => {
      const t = given !== null ? given[v.name] : args[i];
      if (!(t instanceof Tensor)) throw new TapeflowError(`${op}: input '${v.name}' must be a Tensor, got ${describe(t)}`);
      t._live(op);
      if (v.shape !== null && (t.rank !== v.shape.length || v.shape.some((d, k) => d !== null && d !== t.shape[k])))
        throw new TapeflowError(`${op}: input '${v.name}' must have shape [${v.shape.map((d) => d ?? '?')}], got ${fmtShape(t.shape)}`, 'ERR_SHAPE');
      env.set(v.name, t);
    });
    const kept = new Set(env.values());
    const recording = isGradEnabled() && [...kept].some(tracked);
    const drop = (v: string): void => {
      const t = env.get(v);
      env.delete(v);
      if (t !== undefined && !kept.has(t) && !t.isDisposed && ![...env.values()].includes(t)) t.dispose();
    };
    try {
      plan.nodes.forEach((n, i) => {
        const xs = n.inputs.map((v) => env.get(v)!);
        const f = GRAPH_OPS.get(n.op)!;
        let y: Tensor;
        try {
          y = recording ? f(xs, n) : tidy(() => f(xs, n));
        } catch (e) {
          if (e instanceof TapeflowError && !e.message.startsWith('loadTfjsModel')) throw new TapeflowError(`${op}: node '${n.name}' (${n.op}): ${e.message}`, e.code);
          throw e;
        }
        env.set(n.name, y);
        if (!recording) for (const v of plan.frees[i]) drop(v);
      });
    } catch (e) {
      if (!recording) for (const v of [...env.keys()]) drop(v);
      throw e;
    }
    const out = plan.outputs.map((o) => env.get(o)!);
    return out.length === 1 ? out[0] : out;
  }
}
