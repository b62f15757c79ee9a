// Inference-time fusion of Conv (→ BatchNormalization) (→ Relu) in ONNX graphs, as lib/tfjs/fuse.ts
// does for Keras models: with constant statistics the batch norm is an affine map per output
// channel and folds into the convolution's weight and bias (W' = W·s, B' = (B − mean)·s + bias,
// s = scale / sqrt(var + eps)), and the relu runs in the convolution's epilogue. Only when
// nothing records; the folded tensors are cached until one of the constants they came from changes.
import { Tensor } from '../tensor';
import { noGrad } from '../autograd/tape';
import { derived } from '../nn/imported';
import { reshape } from '../ops/views';
import { add, sub, mul } from '../ops/binary';
import { rsqrt } from '../ops/unary';
import { convNode } from './ops-conv';
import type { OpContext } from './registry';
import type { OnnxNode } from './graph';

export interface Fusion {
  conv: number;
  bn: number | null;
  act: number | null;
  /** the node whose output the chain defines */
  end: number;
  /** every node of the chain, the Conv first */
  members: number[];
}

/** The Conv (→ BatchNormalization with constant weights) (→ Relu) chains of a plan. */
export function findFusions(nodes: OnnxNode[], constants: Map<string, string>, outputs: string[]): Map<number, Fusion> {
  const readers = new Map<string, number[]>();
  nodes.forEach((n, i) => { for (const v of n.inputs) if (v !== '') readers.set(v, [...(readers.get(v) ?? []), i]); });
  const sole = (v: string): number | null => {
    const r = readers.get(v);
    return r !== undefined && r.length === 1 && !outputs.includes(v) ? r[0] : null;
  };
  const found = new Map<number, Fusion>();
  nodes.forEach((n, i) => {
    if (n.opType !== 'Conv' || n.domain !== '' || n.outputs.length !== 1) return;
    const f: Fusion = { conv: i, bn: null, act: null, end: i, members: [] };
    const b = sole(n.outputs[0]);
    const bn = b !== null ? nodes[b] : null;
    if (bn !== null && bn.opType === 'BatchNormalization' && bn.domain === '' && bn.inputs[0] === n.outputs[0] && bn.inputs.length === 5
      && n.inputs.slice(1).every((v) => v === '' || constants.has(v)) && bn.inputs.slice(1).every((v) => constants.has(v))
      && bn.outputs.filter((o) => o !== '').length === 1 && bn.attrs.int('training_mode', 0) === 0 && bn.attrs.int('spatial', 1) === 1) {
      f.bn = b;
      f.end = b!;
    }
    const a = sole(nodes[f.end].outputs[0]);
    if (a !== null && nodes[a].opType === 'Relu' && nodes[a].domain === '') { f.act = a; f.end = a; }
    f.members = [i, ...(f.bn !== null ? [f.bn] : []), ...(f.act !== null ? [f.act] : [])];
    if (f.end !== i) found.set(i, f);
  });
  return found;
}

/** Runs fusion f: the Conv op on x with the folded weight and bias, its relu in the kernel; null when the shapes do not fit. */
export function runFusion(owner: object, f: Fusion, nodes: OnnxNode[], x: Tensor, constant: (name: string) => Tensor | undefined, ctx: (n: OnnxNode) => OpContext): Tensor | null {
  const conv = nodes[f.conv];
  const inputs = conv.inputs.map((v) => (v === '' ? null : constant(v) ?? null));
  if (f.bn === null) return convNode([x, ...inputs.slice(1)], ctx(conv), f.act !== null);
  const bn = nodes[f.bn];
  const w = inputs[1];
  const bias = inputs[2] ?? null;
  const [scale, beta, m, v] = bn.inputs.slice(1).map((n) => constant(n));
  if (w === null || scale === undefined || beta === undefined || m === undefined || v === undefined) return null;
  const O = w.shape[0];
  if (w.rank < 3 || !w.dtype.startsWith('float') || [scale, beta, m, v, ...(bias ? [bias] : [])].some((t) => t.rank !== 1 || t.size !== O || t.dtype !== w.dtype)) return null;
  const deps = [w, scale, beta, m, v, ...(bias ? [bias] : [])];
  const [fw, fb] = derived(owner, f.conv, deps, () => noGrad(() => {
    const s = mul(rsqrt(add(v, bn.attrs.float('epsilon', 1e-5))), scale);
    const shifted = bias ? sub(bias, m) : mul(m, -1);
    return [mul(w, reshape(s, [O, ...new Array<number>(w.rank - 1).fill(1)])).contiguous(), add(mul(shifted, s), beta)];
  }));
  return convNode([x, fw, fb], ctx(conv), f.act !== null);
}
