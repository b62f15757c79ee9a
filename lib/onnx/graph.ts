// Bytes → a checked graph: the model decoded, the default-domain opset read, Constant nodes
// turned into tensors, every node input traced to a producer, and the nodes put in an order
// where each runs after its inputs exist (Kahn's algorithm: a cycle is what is left over).
import { TapeflowError } from '../core/errors';
import { onnxTypes } from './schema';
import { Attrs } from './attrs';
import { readTensor, dtypeOf, longToNumber, ONNX_DTYPE_NAMES } from './tensor';
import type { HostTensor } from './tensor';
import type { DType } from '../core/dtype';

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  /** '' for an absent optional input */
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
  /** "node 'conv_1' (Conv)" for messages */
  label: string;
}

export interface ValueInfo {
  name: string;
  /** null when the file does not say */
  dtype: DType | null;
  onnxType: string;
  /** a dim the file leaves symbolic is its name ('batch') or null */
  shape: (number | string | null)[] | null;
}

export interface ParsedModel {
  file: string;
  opset: number;
  irVersion: number;
  producer: string;
  nodes: OnnxNode[];
  /** initializers and Constant outputs, by name */
  constants: Map<string, HostTensor>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export const MIN_OPSET = 7;
export const MAX_OPSET = 17;

type Raw = Record<string, unknown>;

function err(file: string, msg: string, code = 'ERR_FORMAT'): never {
  throw new TapeflowError(`onnx.load(${file}): ${msg}`, code);
}

function valueInfo(file: string, v: Raw): ValueInfo {
  const name = typeof v.name === 'string' ? v.name : '';
  const tt = ((v.type as Raw | undefined)?.tensor_type as Raw | undefined) ?? null;
  if (tt === null) return { name, dtype: null, onnxType: 'unknown', shape: null };
  const et = (tt.elem_type as number) ?? 0;
  const dtype = et === 0 ? null : dtypeOf(et, () => `onnx.load(${file}): graph value '${name}'`);
  const sh = tt.shape as Raw | undefined;
  const shape = sh === undefined || sh === null ? null : ((sh.dim as Raw[]) ?? []).map((d) => {
    if (Object.prototype.hasOwnProperty.call(d, 'dim_value')) {
      const n = longToNumber(d.dim_value);
      return Number.isSafeInteger(n) && n >= 0 ? n : null;
    }
    return typeof d.dim_param === 'string' && d.dim_param !== '' ? d.dim_param : null;
  });
  return { name, dtype, onnxType: ONNX_DTYPE_NAMES[et] ?? String(et), shape };
}

/** The tensor a Constant node makes (value, value_float(s), value_int(s); sparse and string values are refused). */
function constantValue(n: OnnxNode): HostTensor {
  const a = n.attrs;
  const names = a.names();
  if (names.length !== 1) a.fail(`Constant needs exactly one value attribute, got [${names.join(', ')}]`);
  const k = names[0];
  const name = n.outputs[0] ?? '';
  const mk = (dtype: DType, onnxType: number, shape: number[], data: number[]): HostTensor => ({
    name, onnxType, dtype, shape, outOfRange: data.some((v) => v > 2147483647 || v < -2147483648),
    data: dtype === 'float32' ? new Float32Array(data) : new Int32Array(data.map((v) => Math.max(-2147483648, Math.min(2147483647, v)))),
  });
  switch (k) {
    case 'value': return { ...a.tensor('value')!, name };
    case 'value_float': return mk('float32', 1, [], [a.float(k)!]);
    case 'value_floats': return mk('float32', 1, [a.floats(k)!.length], a.floats(k)!);
    case 'value_int': return mk('int32', 7, [], [a.int(k)!]);
    case 'value_ints': return mk('int32', 7, [a.ints(k)!.length], a.ints(k)!);
    default: return a.fail(`Constant attribute '${k}' is not supported`, 'ERR_UNSUPPORTED');
  }
}

/** Decodes and checks a model file; every problem is an ERR_FORMAT / ERR_UNSUPPORTED TapeflowError naming `file`. */
export function parseModel(bytes: Uint8Array, file: string): ParsedModel {
  let m: Raw;
  try {
    m = onnxTypes().Model.decode(bytes) as unknown as Raw;
  } catch (e) {
    return err(file, `not a valid ONNX model: the protobuf does not decode (${(e as Error).message})`);
  }
  const g = m.graph as Raw | undefined;
  if (g === undefined || g === null) return err(file, 'not an ONNX model: it has no graph');
  let opset = -1;
  for (const o of (m.opset_import as Raw[]) ?? []) {
    const d = typeof o.domain === 'string' ? o.domain : '';
    if (d === '' || d === 'ai.onnx') opset = longToNumber(o.version);
  }
  const irVersion = longToNumber(m.ir_version);
  if (opset === -1) {
    // IR version 1 and 2 files may leave opset_import out; they mean opset 1, which we do not read
    err(file, 'the model imports no opset of the default (ai.onnx) domain', 'ERR_UNSUPPORTED');
  }
  if (!(opset >= MIN_OPSET && opset <= MAX_OPSET))
    err(file, `opset ${opset} is outside the opsets tapeflow reads (${MIN_OPSET}–${MAX_OPSET}); convert it with onnx.version_converter`, 'ERR_UNSUPPORTED');

  const constants = new Map<string, HostTensor>();
  for (const t of (g.initializer as Raw[]) ?? []) {
    const name = typeof t.name === 'string' ? t.name : '';
    if (name === '') err(file, 'an initializer has no name');
    if (constants.has(name)) err(file, `two initializers are named '${name}'`);
    constants.set(name, readTensor(t, `onnx.load(${file}): initializer '${name}'`));
  }
  const inputs = ((g.input as Raw[]) ?? []).map((v) => valueInfo(file, v)).filter((v) => !constants.has(v.name));
  const outputs = ((g.output as Raw[]) ?? []).map((v) => valueInfo(file, v));
  if (outputs.length === 0) err(file, 'the graph has no outputs');

  const produced = new Map<string, number>(); // value name -> node index
  const all: OnnxNode[] = [];
  const rawNodes = (g.node as Raw[]) ?? [];
  for (let i = 0; i < rawNodes.length; i++) {
    const r = rawNodes[i];
    const opType = typeof r.op_type === 'string' ? r.op_type : '';
    const name = typeof r.name === 'string' && r.name !== '' ? r.name : `#${i}`;
    const label = `node '${name}' (${opType || '?'})`;
    if (opType === '') err(file, `${label} has no op_type`);
    const node: OnnxNode = {
      name, opType, domain: typeof r.domain === 'string' ? r.domain : '', label,
      inputs: ((r.input as string[]) ?? []).slice(), outputs: ((r.output as string[]) ?? []).slice(),
      attrs: new Attrs((r.attribute as Raw[]) ?? [], `onnx.load(${file}): ${label}`),
    };
    for (const o of node.outputs) {
      if (o === '') continue;
      if (produced.has(o) || constants.has(o) || inputs.some((v) => v.name === o))
        err(file, `${label} writes '${o}', which another node, initializer or graph input already defines`);
      produced.set(o, all.length);
    }
    all.push(node);
  }

  // in-degree counting over the edges node(producer) -> node(consumer)
  const users: number[][] = all.map(() => []);
  const pending = all.map(() => 0);
  const known = (v: string): boolean => v === '' || constants.has(v) || inputs.some((x) => x.name === v);
  const inputNames = new Set(inputs.map((v) => v.name));
  for (let i = 0; i < all.length; i++) {
    for (const v of all[i].inputs) {
      const p = produced.get(v);
      if (p !== undefined) {
        users[p].push(i);
        pending[i]++;
      } else if (!(v === '' || constants.has(v) || inputNames.has(v))) {
        err(file, `${all[i].label} reads '${v}', which no node, initializer or graph input defines`);
      }
    }
  }
  const order: OnnxNode[] = [];
  const ready: number[] = [];
  for (let i = all.length - 1; i >= 0; i--) if (pending[i] === 0) ready.push(i);
  while (ready.length > 0) {
    const i = ready.pop()!;
    order.push(all[i]);
    for (const u of users[i]) if (--pending[u] === 0) ready.push(u);
  }
  if (order.length !== all.length) {
    const stuck = all.filter((_, i) => pending[i] > 0).slice(0, 5).map((n) => n.label);
    err(file, `the graph has a cycle through ${stuck.join(', ')}${all.length - order.length > 5 ? ', …' : ''}`);
  }
  for (const o of outputs) if (!produced.has(o.name) && !known(o.name)) err(file, `graph output '${o.name}' is not defined by any node`);

  // Constant nodes become tensors now: they are the weights of many exported models
  const nodes: OnnxNode[] = [];
  for (const n of order) {
    if (n.opType === 'Constant' && (n.domain === '' || n.domain === 'ai.onnx')) {
      if (n.outputs.length !== 1 || n.outputs[0] === '') err(file, `${n.label} must have one output`);
      constants.set(n.outputs[0], constantValue(n));
    } else nodes.push(n);
  }
  // int64 values beyond int32 are clamped on reading: only a Slice's starts / ends may hold them (INT64_MAX = "to the end")
  for (const n of nodes) {
    n.inputs.forEach((v, k) => {
      const c = constants.get(v);
      if (c !== undefined && c.outOfRange && !(n.opType === 'Slice' && (k === 1 || k === 2)))
        err(file, `tensor '${v}' (read by ${n.label}) holds ${ONNX_DTYPE_NAMES[c.onnxType]} values outside int32's range, which tapeflow cannot hold`, 'ERR_UNSUPPORTED');
    });
  }
  return { file, opset, irVersion, producer: typeof m.producer_name === 'string' ? m.producer_name : '', nodes, constants, inputs, outputs };
}
