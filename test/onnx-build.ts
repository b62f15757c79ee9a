// Builds small ONNX model files for tests, with the loader's own schema (protobufjs encode).
import { onnxTypes } from '../lib/onnx/schema';

export interface TensorSpec { name: string; dims: number[]; data_type?: number; float_data?: number[]; int64_data?: number[]; raw_data?: Uint8Array; [k: string]: unknown }
export interface NodeSpec { op_type: string; input: string[]; output: string[]; name?: string; attribute?: Record<string, unknown>[]; domain?: string }

export const F = 1, INT64 = 7;

export function vi(name: string, elemType: number, dims: (number | string)[]): Record<string, unknown> {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

export const attrInts = (name: string, ints: number[]) => ({ name, type: 7, ints });
export const attrInt = (name: string, i: number) => ({ name, type: 2, i });
export const attrFloat = (name: string, f: number) => ({ name, type: 1, f });

export function model(o: { nodes: NodeSpec[]; inits?: TensorSpec[]; inputs: Record<string, unknown>[]; outputs: Record<string, unknown>[]; opset?: number }): Buffer {
  const M = onnxTypes().Model;
  const msg = M.fromObject({
    ir_version: 8,
    opset_import: [{ domain: '', version: o.opset ?? 13 }],
    producer_name: 'tapeflow-test',
    graph: {
      name: 'g',
      node: o.nodes.map((n, i) => ({ name: n.name ?? `n${i}`, ...n })),
      initializer: (o.inits ?? []).map((t) => ({ data_type: F, ...t })),
      input: o.inputs,
      output: o.outputs,
    },
  });
  return Buffer.from(M.encode(msg).finish());
}

/** Conv(3→4, 3×3, pad 1) + Relu + GlobalAveragePool + Flatten + Gemm(4→2): a small CNN. */
export function smallCnn(r: () => number): Buffer {
  const rnd = (n: number) => Array.from({ length: n }, () => r() * 2 - 1);
  return model({
    nodes: [
      { op_type: 'Conv', input: ['x', 'conv.weight', 'conv.bias'], output: ['c'], attribute: [attrInts('kernel_shape', [3, 3]), attrInts('pads', [1, 1, 1, 1])], name: 'conv' },
      { op_type: 'Relu', input: ['c'], output: ['r'], name: 'relu' },
      { op_type: 'GlobalAveragePool', input: ['r'], output: ['p'], name: 'pool' },
      { op_type: 'Flatten', input: ['p'], output: ['features'], name: 'flat' },
      { op_type: 'Gemm', input: ['features', 'fc.weight', 'fc.bias'], output: ['logits'], attribute: [attrInt('transB', 1)], name: 'fc' },
    ],
    inits: [
      { name: 'conv.weight', dims: [4, 3, 3, 3], float_data: rnd(108) },
      { name: 'conv.bias', dims: [4], float_data: rnd(4) },
      { name: 'fc.weight', dims: [2, 4], float_data: rnd(8) },
      { name: 'fc.bias', dims: [2], float_data: rnd(2) },
    ],
    inputs: [vi('x', F, ['N', 3, 5, 5])],
    outputs: [vi('logits', F, ['N', 2])],
  });
}
