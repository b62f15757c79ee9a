// tp.io.loadTfjsModel: a TensorFlow.js layers model (model.json + weight shards) as a trainable
// tapeflow module.
import * as fs from 'fs';
import * as path from 'path';
import { TapeflowError, describe } from '../core/errors';
import { readManifest, decodeWeights } from './weights';
import type { DecodedWeight } from './weights';
import { readTopology } from './topology';
import { TfjsModel } from './model';
import type { TfjsLoadOptions } from './model';
import { LAYERS } from './registry';
import { TfjsGraphModel } from './graph';
import { GRAPH_OPS } from './graph-ops';
import './layers-core';
import './layers-conv';
import './layers-rnn';

export { TfjsModel } from './model';
export { TfjsGraphModel } from './graph';
export type { TfjsLoadOptions } from './model';

/** model.json files are capped (a topology is text; 256 MB is far beyond any real one). */
const MAX_JSON_BYTES = 256 * 2 ** 20;

/** The Keras layer classes loadTfjsModel runs, sorted. */
export function supportedLayers(): string[] {
  return [...LAYERS.keys()].sort();
}

/** The TensorFlow ops of graph models loadTfjsModel runs (with Placeholder and Const), sorted. */
export function supportedGraphOps(): string[] {
  return [...GRAPH_OPS.keys(), 'Placeholder', 'Const', 'NoOp'].sort();
}

const asBytes = (b: unknown, what: string): Uint8Array => {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  throw new TapeflowError(`loadTfjsModel: ${what} must be a Uint8Array / Buffer or an ArrayBuffer, got ${describe(b)}`);
};

function readFile(p: string, what: string): Buffer {
  try {
    return fs.readFileSync(p);
  } catch (e) {
    throw new TapeflowError(`loadTfjsModel: cannot read ${what} '${p}': ${(e as Error).message}`, 'ERR_IO');
  }
}

/**
 * Loads a TF.js layers model: `modelJsonOrPath` is a path to model.json or its parsed object;
 * `options.weights` the weight bytes (the shards concatenated in manifest order, a list of
 * shards, or a function from a manifest path to its bytes); by default the shards are read from
 * beside model.json. Quantised weights (uint8, uint16: w = q·scale + min; float16) are
 * dequantised to float32. Returns a TfjsModel (layers models) or a TfjsGraphModel (graph models),
 * tp.nn.Modules in eval mode.
 */
export function loadTfjsModel(modelJsonOrPath: string | object, options: TfjsLoadOptions = {}): TfjsModel | TfjsGraphModel {
  const op = 'loadTfjsModel';
  if (options === null || typeof options !== 'object') throw new TapeflowError(`${op}: options must be an object, got ${describe(options)}`);
  let json: unknown;
  let dir: string | null = null;
  if (typeof modelJsonOrPath === 'string') {
    dir = path.dirname(modelJsonOrPath);
    const text = readFile(modelJsonOrPath, 'model.json');
    if (text.byteLength > MAX_JSON_BYTES) throw new TapeflowError(`${op}: '${modelJsonOrPath}' is ${text.byteLength} bytes, over the ${MAX_JSON_BYTES}-byte cap for model.json`, 'ERR_FORMAT');
    try {
      json = JSON.parse(text.toString('utf8'));
    } catch (e) {
      throw new TapeflowError(`${op}: '${modelJsonOrPath}' is not JSON: ${(e as Error).message}`, 'ERR_FORMAT');
    }
  } else if (modelJsonOrPath !== null && typeof modelJsonOrPath === 'object') {
    json = modelJsonOrPath;
  } else {
    throw new TapeflowError(`${op}: expected a path to model.json or its parsed object, got ${describe(modelJsonOrPath)}`);
  }
  const m = json as Record<string, unknown>;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new TapeflowError(`${op}: model.json must hold an object, got ${describe(m)}`, 'ERR_FORMAT');
  if (m.modelTopology === undefined || m.modelTopology === null) throw new TapeflowError(`${op}: model.json has no modelTopology`, 'ERR_FORMAT');
  const graph = m.format === 'graph-model' || (m.modelTopology as { node?: unknown }).node !== undefined;
  const topo = graph ? null : readTopology(m.modelTopology);
  const { specs, paths, totalBytes } = readManifest(op, m.weightsManifest ?? []);

  let bytes: Uint8Array;
  const w = options.weights;
  if (w === undefined) {
    if (dir === null && specs.length > 0) throw new TapeflowError(`${op}: a model.json object needs options.weights (there is no directory to read the shards from)`);
    bytes = concat(paths.map((p) => readFile(safeJoin(dir ?? '.', p), 'weight shard')));
  } else if (typeof w === 'function') {
    bytes = concat(paths.map((p) => asBytes(w(p), `options.weights('${p}')`)));
  } else if (Array.isArray(w)) {
    if (w.length !== paths.length) throw new TapeflowError(`${op}: options.weights has ${w.length} shards, the manifest lists ${paths.length} (${paths.join(', ')})`);
    bytes = concat(w.map((b, i) => asBytes(b, `options.weights[${i}]`)));
  } else {
    bytes = asBytes(w, 'options.weights');
  }
  const decoded = decodeWeights(op, specs, totalBytes, bytes);
  const byName = new Map<string, DecodedWeight>();
  for (const d of decoded) byName.set(d.name.replace(/:0$/, ''), d);
  return graph ? new TfjsGraphModel(m.modelTopology, byName, options) : new TfjsModel(topo!, byName, options);
}

/** A manifest path resolved inside the model's folder (no absolute paths, no '..' out of it). */
function safeJoin(dir: string, p: string): string {
  const full = path.resolve(dir, p);
  const root = path.resolve(dir);
  if (path.isAbsolute(p) || (full !== root && !full.startsWith(root + path.sep)))
    throw new TapeflowError(`loadTfjsModel: weight path '${p}' leaves the model's folder`, 'ERR_FORMAT');
  return full;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}
