// tp.onnx: load an ONNX model file as a trainable tapeflow module.
import * as fs from 'fs';
import { TapeflowError, describe } from '../core/errors';
import { parseModel } from './graph';
import { OPS } from './registry';
import { OnnxModel } from './model';
import type { OnnxLoadOptions } from './model';
import './ops-elementwise';
import './ops-shape';
import './ops-conv';
import './ops-linear';
import './ops-resize';
import './ops-rnn';

export { OnnxModel } from './model';
export type { OnnxLoadOptions } from './model';
export type { ValueInfo } from './graph';

/** The operator types tapeflow runs (default ai.onnx domain), sorted. */
export function supportedOps(): string[] {
  return [...OPS.keys(), 'Constant'].sort();
}

/**
 * Loads an ONNX model (a file path, or its bytes) as an nn.Module whose forward runs the graph
 * with tapeflow ops. Opsets 7–17. Every unsupported operator of the graph is named in one
 * ERR_UNSUPPORTED error; a malformed file is an ERR_FORMAT error naming what is wrong.
 */
export function load(pathOrBuffer: string | Uint8Array, options?: OnnxLoadOptions): OnnxModel {
  const op = 'onnx.load';
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw new TapeflowError(`${op}: options must be an object, got ${describe(options)}`);
  let bytes: Uint8Array;
  let file: string;
  if (typeof pathOrBuffer === 'string') {
    file = pathOrBuffer;
    try {
      bytes = fs.readFileSync(pathOrBuffer);
    } catch (e) {
      throw new TapeflowError(`${op}: cannot read '${pathOrBuffer}': ${(e as Error).message}`, 'ERR_IO');
    }
  } else if (pathOrBuffer instanceof Uint8Array) {
    file = '<buffer>';
    bytes = pathOrBuffer;
  } else {
    throw new TapeflowError(`${op}: expected a file path or a Uint8Array / Buffer, got ${describe(pathOrBuffer)}`);
  }
  const m = parseModel(bytes, file);
  const missing = new Map<string, string[]>();
  for (const n of m.nodes) {
    const ok = (n.domain === '' || n.domain === 'ai.onnx') && OPS.has(n.opType);
    if (ok) continue;
    const key = n.domain === '' || n.domain === 'ai.onnx' ? n.opType : `${n.domain}.${n.opType}`;
    const list = missing.get(key) ?? [];
    list.push(n.name);
    missing.set(key, list);
  }
  if (missing.size > 0) {
    const parts = [...missing].map(([t, names]) => `${t} (node${names.length > 1 ? 's' : ''} ${names.slice(0, 3).map((s) => `'${s}'`).join(', ')}${names.length > 3 ? `, … ${names.length} in all` : ''})`);
    throw new TapeflowError(`${op}(${file}): opset ${m.opset}: unsupported operator${missing.size > 1 ? 's' : ''}: ${parts.join('; ')}`, 'ERR_UNSUPPORTED');
  }
  return new OnnxModel(m, options);
}
