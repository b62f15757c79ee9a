// A Keras model config (TF.js layers format) as a list of layer calls in a runnable order:
// functional models ('Model' / 'Functional', with inbound_nodes in the Keras 2 list form or the
// Keras 3 keras_history form) and Sequential ones.
import { TapeflowError, describe } from '../core/errors';
import { LAYERS } from './registry';
import type { Config, LayerDef } from './registry';

export interface KerasLayer {
  name: string;
  className: string;
  config: Config;
  def: LayerDef<unknown>;
  prepared: unknown;
  /** how many tensors a call of it defines (return_state: several) */
  nOut: number;
}

export interface Call {
  layer: KerasLayer;
  /** the value this call defines (its first output): 'layer:node' */
  output: string;
  /** every value it defines, by tensor index: 'layer:node', 'layer:node#1', … (outputs[0] = output) */
  outputs: string[];
  inputs: string[];
}

export interface Topology {
  layers: KerasLayer[];
  calls: Call[];
  /** [graph input value, its InputLayer name, its shape (null for the batch and unknown dims)] */
  inputs: { name: string; value: string; shape: (number | null)[] | null }[];
  outputs: string[];
}

const bad = (msg: string, code = 'ERR_FORMAT'): never => { throw new TapeflowError(`loadTfjsModel: ${msg}`, code); };
export const valueOf = (layer: string, node: number, tensor = 0): string => `${layer}:${node}${tensor > 0 ? `#${tensor}` : ''}`;
/** 'layer' (node n, output t) for messages */
export const describeValue = (v: string): string => v.replace(/^(.*):(\d+)(?:#(\d+))?$/, (_m, l, n, t) => `'${l}' (node ${n}${t ? `, output ${t}` : ''})`);
/** the values a call of layer l at node k defines */
export const valuesOf = (l: KerasLayer, k: number): string[] => Array.from({ length: l.nOut }, (_, t) => valueOf(l.name, k, t));

export function readTopology(topo: unknown): Topology {
  if (topo === null || typeof topo !== 'object') return bad(`modelTopology must be an object, got ${describe(topo)}`);
  const t = topo as Record<string, unknown>;
  const mc = (t.model_config ?? t) as Record<string, unknown>;
  if (mc === null || typeof mc !== 'object') return bad(`model_config must be an object, got ${describe(mc)}`);
  return readModel(mc.class_name, mc.config, 0);
}

/** Keras classes of a model used as a layer of another (a pre-trained base inside a fine-tuned model). */
const NESTED = new Set(['Sequential', 'Model', 'Functional']);
const MAX_NESTING = 8;

function readModel(cls: unknown, cfg: unknown, depth: number): Topology {
  if (cls === 'Sequential') return sequential(Array.isArray(cfg) ? cfg : (cfg as Record<string, unknown>)?.layers, depth);
  if (cls === 'Model' || cls === 'Functional') return functional(cfg as Record<string, unknown>, depth);
  return bad(`model class ${describe(cls)} is not supported (Sequential, Model / Functional)`, 'ERR_UNSUPPORTED');
}

// A nested model is a layer whose calls are inlined where it is called: its def never applies.
const NESTED_DEF: LayerDef<unknown> = {
  prepare: () => null,
  weights: () => [],
  apply: () => bad('a nested model runs through its own layers'),
};

function readLayer(l: unknown, i: number, seen: Set<string>, depth: number): KerasLayer & { raw: Record<string, unknown> } {
  if (l === null || typeof l !== 'object') return bad(`layers[${i}] must be an object, got ${describe(l)}`);
  const raw = l as Record<string, unknown>;
  const config = (raw.config ?? {}) as Config;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return bad(`layers[${i}].config must be an object`);
  const name = (raw.name ?? config.name) as unknown;
  if (typeof name !== 'string' || name === '' || name.length > 1000) return bad(`layers[${i}] has no valid name (got ${describe(name)})`);
  if (seen.has(name)) bad(`two layers are named '${name}'`);
  seen.add(name);
  const className = raw.class_name;
  if (typeof className !== 'string') return bad(`layer '${name}' has no class_name`);
  if (NESTED.has(className)) {
    if (depth >= MAX_NESTING) bad(`layer '${name}': models nested more than ${MAX_NESTING} deep`, 'ERR_UNSUPPORTED');
    const sub = readModel(className, config, depth + 1);
    if (sub.outputs.length !== 1) bad(`layer '${name}' is a nested model with ${sub.outputs.length} outputs; nested models with one output are supported`, 'ERR_UNSUPPORTED');
    // Keras: a model marked trainable: false freezes every layer in it
    if (config.trainable === false) for (const s of sub.layers) s.config = { ...s.config, trainable: false };
    return { name, className, config, def: NESTED_DEF, prepared: sub, raw, nOut: 1 };
  }
  const def = LAYERS.get(className);
  if (def === undefined) return { name, className, config, def: null as unknown as LayerDef<unknown>, prepared: null, raw, nOut: 1 };
  const prepared = def.prepare(config, name);
  return { name, className, config, def, prepared, raw, nOut: def.outputs?.(prepared) ?? 1 };
}

/**
 * The calls of nested model l called on values ins (its node k): the nested inputs read ins, its
 * output defines the outer value 'l:k', and its other values keep their names at node 0 (so
 * outputs: ['inner_layer'] reaches them) and get an 'l:k/' prefix at later nodes.
 */
function inline(l: KerasLayer, k: number, ins: string[]): Call[] {
  const sub = l.prepared as Topology;
  if (ins.length !== sub.inputs.length) bad(`layer '${l.name}' (a nested model) takes ${sub.inputs.length} input(s); its node ${k} gives ${ins.length}`);
  const rename = new Map<string, string>();
  sub.inputs.forEach((inp, j) => rename.set(inp.value, ins[j]));
  if (rename.has(sub.outputs[0])) bad(`layer '${l.name}' is a nested model that returns its input`, 'ERR_UNSUPPORTED');
  rename.set(sub.outputs[0], valueOf(l.name, k));
  const name = (v: string): string => rename.get(v) ?? (k === 0 ? v : `${l.name}:${k}/${v}`);
  return sub.calls.map((c) => ({ layer: c.layer, output: name(c.output), outputs: c.outputs.map(name), inputs: c.inputs.map(name) }));
}

/** The layers of a model and of the models nested in it (their InputLayers left out); names must not clash. */
function allLayers(layers: KerasLayer[]): KerasLayer[] {
  const out: KerasLayer[] = [];
  const names = new Set<string>();
  const walk = (ls: KerasLayer[], top: boolean): void => {
    for (const l of ls) {
      if (!top && l.className === 'InputLayer') continue;
      if (names.has(l.name)) bad(`two layers are named '${l.name}' (one inside a nested model)`);
      names.add(l.name);
      out.push(l);
      if (l.def === NESTED_DEF) walk((l.prepared as Topology).layers, false);
    }
  };
  walk(layers, true);
  return out;
}

/** Every unsupported layer class at once, as tp.onnx.load names every unsupported op. */
function refuseUnknown(layers: KerasLayer[]): void {
  const missing = new Map<string, string[]>();
  for (const l of layers) if (l.def === null) missing.set(l.className, [...(missing.get(l.className) ?? []), l.name]);
  if (missing.size === 0) return;
  const parts = [...missing].map(([c, ns]) => `${c} (layer${ns.length > 1 ? 's' : ''} ${ns.slice(0, 3).map((s) => `'${s}'`).join(', ')}${ns.length > 3 ? `, … ${ns.length} in all` : ''})`);
  bad(`unsupported layer class${missing.size > 1 ? 'es' : ''}: ${parts.join('; ')}`, 'ERR_UNSUPPORTED');
}

function inputShape(l: KerasLayer): (number | null)[] | null {
  const s = l.config.batch_input_shape ?? l.config.batch_shape;
  if (!Array.isArray(s)) return null;
  return Array.from(s as unknown[], (d) => (Number.isSafeInteger(d) && (d as number) >= 0 ? (d as number) : null));
}

function sequential(list: unknown, depth: number): Topology {
  if (!Array.isArray(list) || list.length === 0) return bad(`a Sequential model needs a non-empty layers array, got ${describe(list)}`);
  const seen = new Set<string>();
  const layers = Array.from(list, (l, i) => readLayer(l, i, seen, depth)); // Array.from: holes are read as undefined, not skipped
  refuseUnknown(layers);
  const first = layers[0];
  const inputName = first.className === 'InputLayer' ? first.name : `${first.name}_input`;
  const shape = inputShape(first);
  let prev = valueOf(inputName, 0);
  const calls: Call[] = [];
  for (const l of layers) {
    if (l.className === 'InputLayer') continue;
    const out = valueOf(l.name, 0);
    // as Keras: a Sequential model's layers have one output each
    if (l.nOut > 1) bad(`layer '${l.name}' (${l.className}) returns ${l.nOut} tensors; a Sequential model's layers have one output (as in Keras: use a functional model)`, 'ERR_UNSUPPORTED');
    if (l.def === NESTED_DEF) calls.push(...inline(l, 0, [prev]));
    else calls.push({ layer: l, output: out, outputs: [out], inputs: [prev] });
    prev = out;
  }
  return { layers: allLayers(layers), calls, inputs: [{ name: inputName, value: valueOf(inputName, 0), shape }], outputs: [prev] };
}

/**
 * [layer, node, tensor] triples of one inbound node, in either Keras spelling: the call's inputs,
 * then the initial_state tensors a recurrent layer was called with. TF.js and Keras 2 list them as
 * further inputs of the node; Keras 2 may keep them in the call kwargs ({ initial_state: [...] }),
 * Keras 3 writes { args, kwargs: { initial_state } }.
 */
function refs(node: unknown, owner: string): [string, number, number][] {
  const out: [string, number, number][] = [];
  const later: unknown[] = [];
  const triple = (v: unknown): boolean => Array.isArray(v) && typeof v[0] === 'string' && Number.isSafeInteger(v[1]) && Number.isSafeInteger(v[2]);
  const kwState = (kw: unknown): void => {
    const s = kw !== null && typeof kw === 'object' ? (kw as Record<string, unknown>).initial_state ?? (kw as Record<string, unknown>).initialState : undefined;
    if (s !== undefined && s !== null) later.push(s);
  };
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (triple(v)) { out.push([(v as string[])[0], (v as number[])[1], (v as number[])[2]]); kwState((v as unknown[])[3]); return; }
    const h = (v as { config?: { keras_history?: unknown } }).config?.keras_history;
    if (triple(h)) { out.push([(h as string[])[0], (h as number[])[1], (h as number[])[2]]); return; }
    if (Array.isArray(v)) for (const e of v) walk(e, depth + 1);
    else if ('args' in (v as object)) { walk((v as { args: unknown }).args, depth + 1); kwState((v as { kwargs?: unknown }).kwargs); }
  };
  walk(node, 0);
  for (let i = 0; i < later.length && i < 64; i++) walk(later[i], 1);
  if (out.length === 0) bad(`layer '${owner}': an inbound node names no input (${describe(node)})`);
  return out;
}

function ioList(v: unknown, what: string): [string, number, number][] {
  if (!Array.isArray(v) || v.length === 0) return bad(`${what} must be a non-empty array of [layer, node, tensor], got ${describe(v)}`);
  // a single output may be written as one triple instead of a list of them
  const list = typeof v[0] === 'string' ? [v] : v;
  return Array.from(list as unknown[], (e) => {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !Number.isSafeInteger(e[1]) || !Number.isSafeInteger(e[2]))
      return bad(`${what}: entry ${describe(e)} is not [layer, node, tensor]`);
    return [e[0], e[1], e[2]] as [string, number, number];
  });
}

function functional(cfg: Record<string, unknown>, depth: number): Topology {
  if (cfg === null || typeof cfg !== 'object' || !Array.isArray(cfg.layers)) return bad(`a functional model config needs a layers array, got ${describe(cfg?.layers)}`);
  const seen = new Set<string>();
  const layers = Array.from(cfg.layers as unknown[], (l, i) => readLayer(l, i, seen, depth));
  refuseUnknown(layers);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const ref = (r: [string, number, number], who: string): string => {
    const l = byName.get(r[0]);
    if (l === undefined) return bad(`${who} reads layer '${r[0]}', which the model does not define`);
    if (r[2] < 0 || r[2] >= l.nOut)
      bad(`${who} reads output ${r[2]} of layer '${r[0]}' (${l.className}), which has ${l.nOut} output${l.nOut > 1 ? 's' : ''}${l.nOut === 1 && /^(LSTM|GRU|SimpleRNN|RNN|Bidirectional)$/.test(l.className) ? ' (return_state is off)' : ''}`);
    return valueOf(r[0], r[1], r[2]);
  };
  const pending: Call[] = [];
  const inputs: Topology['inputs'] = [];
  for (const l of layers) {
    const nodes = l.raw.inbound_nodes ?? [];
    if (!Array.isArray(nodes)) bad(`layer '${l.name}': inbound_nodes must be an array`);
    if (l.className === 'InputLayer') continue;
    (nodes as unknown[]).forEach((n, k) => {
      const ins = refs(n, l.name).map((r) => ref(r, `layer '${l.name}'`));
      if (l.def === NESTED_DEF) pending.push(...inline(l, k, ins));
      else pending.push({ layer: l, output: valueOf(l.name, k), outputs: valuesOf(l, k), inputs: ins });
    });
  }
  for (const r of ioList(cfg.input_layers, 'input_layers')) {
    const l = byName.get(r[0]);
    if (l === undefined || l.className !== 'InputLayer') bad(`input_layers names '${r[0]}', which is not an InputLayer of the model`);
    inputs.push({ name: r[0], value: valueOf(r[0], r[1]), shape: inputShape(l!) });
  }
  const outputs = ioList(cfg.output_layers, 'output_layers').map((r) => ref(r, 'output_layers'));
  // Kahn's order: a call runs once every value it reads is defined
  const defined = new Set(inputs.map((i) => i.value));
  const producers = new Set(pending.flatMap((c) => c.outputs));
  for (const c of pending) for (const v of c.inputs)
    if (!producers.has(v) && !defined.has(v)) bad(`layer '${c.layer.name}' reads ${describeValue(v)}, which nothing defines`);
  const calls: Call[] = [];
  let rest = pending;
  while (rest.length > 0) {
    const ready = rest.filter((c) => c.inputs.every((v) => defined.has(v)));
    if (ready.length === 0) bad(`the layer graph has a cycle through ${rest.slice(0, 3).map((c) => `'${c.layer.name}'`).join(', ')}`);
    for (const c of ready) { calls.push(c); for (const o of c.outputs) defined.add(o); }
    rest = rest.filter((c) => !defined.has(c.output));
  }
  for (const o of outputs) if (!defined.has(o)) bad(`output '${o}' is never computed`);
  return { layers: allLayers(layers), calls, inputs, outputs };
}
