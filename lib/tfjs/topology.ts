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
}

export interface Call {
  layer: KerasLayer;
  /** the value this call defines: 'layer:node' */
  output: string;
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
export const valueOf = (layer: string, node: number): string => `${layer}:${node}`;

export function readTopology(topo: unknown): Topology {
  if (topo === null || typeof topo !== 'object') return bad(`modelTopology must be an object, got ${describe(topo)}`);
  const t = topo as Record<string, unknown>;
  const mc = (t.model_config ?? t) as Record<string, unknown>;
  if (mc === null || typeof mc !== 'object') return bad(`model_config must be an object, got ${describe(mc)}`);
  const cls = mc.class_name;
  const cfg = mc.config as Record<string, unknown> | unknown[];
  if (cls === 'Sequential') return sequential(Array.isArray(cfg) ? cfg : (cfg as Record<string, unknown>)?.layers);
  if (cls === 'Model' || cls === 'Functional') return functional(cfg as Record<string, unknown>);
  return bad(`model class ${describe(cls)} is not supported (Sequential, Model / Functional)`, 'ERR_UNSUPPORTED');
}

function readLayer(l: unknown, i: number, seen: Set<string>): KerasLayer & { raw: Record<string, unknown> } {
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
  const def = LAYERS.get(className);
  if (def === undefined) return { name, className, config, def: null as unknown as LayerDef<unknown>, prepared: null, raw };
  return { name, className, config, def, prepared: def.prepare(config, name), raw };
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

function sequential(list: unknown): Topology {
  if (!Array.isArray(list) || list.length === 0) return bad(`a Sequential model needs a non-empty layers array, got ${describe(list)}`);
  const seen = new Set<string>();
  const layers = Array.from(list, (l, i) => readLayer(l, i, seen)); // Array.from: holes are read as undefined, not skipped
  refuseUnknown(layers);
  const first = layers[0];
  const inputName = first.className === 'InputLayer' ? first.name : `${first.name}_input`;
  const shape = inputShape(first);
  let prev = valueOf(inputName, 0);
  const calls: Call[] = [];
  for (const l of layers) {
    if (l.className === 'InputLayer') continue;
    const out = valueOf(l.name, 0);
    calls.push({ layer: l, output: out, inputs: [prev] });
    prev = out;
  }
  return { layers, calls, inputs: [{ name: inputName, value: valueOf(inputName, 0), shape }], outputs: [prev] };
}

/** [layer, node, tensor] triples of one inbound node, in either Keras spelling. */
function refs(node: unknown, owner: string): [string, number, number][] {
  const out: [string, number, number][] = [];
  const triple = (v: unknown): boolean => Array.isArray(v) && typeof v[0] === 'string' && Number.isSafeInteger(v[1]) && Number.isSafeInteger(v[2]);
  const walk = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    if (triple(v)) { out.push([(v as string[])[0], (v as number[])[1], (v as number[])[2]]); return; }
    const h = (v as { config?: { keras_history?: unknown } }).config?.keras_history;
    if (triple(h)) { out.push([(h as string[])[0], (h as number[])[1], (h as number[])[2]]); return; }
    if (Array.isArray(v)) for (const e of v) walk(e, depth + 1);
    else if ('args' in (v as object)) walk((v as { args: unknown }).args, depth + 1);
  };
  walk(node, 0);
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

function functional(cfg: Record<string, unknown>): Topology {
  if (cfg === null || typeof cfg !== 'object' || !Array.isArray(cfg.layers)) return bad(`a functional model config needs a layers array, got ${describe(cfg?.layers)}`);
  const seen = new Set<string>();
  const layers = Array.from(cfg.layers as unknown[], (l, i) => readLayer(l, i, seen));
  refuseUnknown(layers);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const ref = (r: [string, number, number], who: string): string => {
    const l = byName.get(r[0]);
    if (l === undefined) bad(`${who} reads layer '${r[0]}', which the model does not define`);
    if (r[2] !== 0) bad(`${who} reads output ${r[2]} of layer '${r[0]}'; layers here have one output`, 'ERR_UNSUPPORTED');
    return valueOf(r[0], r[1]);
  };
  const pending: Call[] = [];
  const inputs: Topology['inputs'] = [];
  for (const l of layers) {
    const nodes = l.raw.inbound_nodes ?? [];
    if (!Array.isArray(nodes)) bad(`layer '${l.name}': inbound_nodes must be an array`);
    if (l.className === 'InputLayer') continue;
    (nodes as unknown[]).forEach((n, k) => pending.push({ layer: l, output: valueOf(l.name, k), inputs: refs(n, l.name).map((r) => ref(r, `layer '${l.name}'`)) }));
  }
  for (const r of ioList(cfg.input_layers, 'input_layers')) {
    const l = byName.get(r[0]);
    if (l === undefined || l.className !== 'InputLayer') bad(`input_layers names '${r[0]}', which is not an InputLayer of the model`);
    inputs.push({ name: r[0], value: valueOf(r[0], r[1]), shape: inputShape(l!) });
  }
  const outputs = ioList(cfg.output_layers, 'output_layers').map((r) => ref(r, 'output_layers'));
  // Kahn's order: a call runs once every value it reads is defined
  const defined = new Set(inputs.map((i) => i.value));
  const producers = new Set(pending.map((c) => c.output));
  for (const c of pending) for (const v of c.inputs)
    if (!producers.has(v) && !defined.has(v)) bad(`layer '${c.layer.name}' reads '${v.replace(/:(\d+)$/, "' (node $1)")}, which nothing defines`);
  const calls: Call[] = [];
  let rest = pending;
  while (rest.length > 0) {
    const ready = rest.filter((c) => c.inputs.every((v) => defined.has(v)));
    if (ready.length === 0) bad(`the layer graph has a cycle through ${rest.slice(0, 3).map((c) => `'${c.layer.name}'`).join(', ')}`);
    for (const c of ready) { calls.push(c); defined.add(c.output); }
    rest = rest.filter((c) => !defined.has(c.output));
  }
  for (const o of outputs) if (!defined.has(o)) bad(`output '${o}' is never computed`);
  return { layers, calls, inputs, outputs };
}
