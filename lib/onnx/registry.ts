// The operator table: op type → a function from the node's input tensors (null for an absent
// optional input) to its outputs. Each ops-*.ts file adds its group; the loader checks every
// node's op type against this table before running anything.
import { Tensor } from '../tensor';
import { TapeflowError } from '../core/errors';
import type { Attrs } from './attrs';
import type { OnnxNode } from './graph';

export interface OpContext {
  opset: number;
  node: OnnxNode;
  attrs: Attrs;
  /** the model's file name, for messages */
  file: string;
}

export type OpImpl = (x: (Tensor | null)[], c: OpContext) => Tensor | (Tensor | null)[];

export const OPS = new Map<string, OpImpl>();

export function def(names: string | string[], fn: OpImpl): void {
  for (const n of typeof names === 'string' ? [names] : names) OPS.set(n, fn);
}

/** An ERR_UNSUPPORTED / ERR_FORMAT error naming the node. */
export function nodeFail(c: OpContext, msg: string, code = 'ERR_UNSUPPORTED'): never {
  throw new TapeflowError(`onnx (${c.file}): ${c.node.label}, opset ${c.opset}: ${msg}`, code);
}

/** Input k, which the op needs. */
export function need(x: (Tensor | null)[], k: number, c: OpContext): Tensor {
  const t = x[k];
  if (!(t instanceof Tensor)) nodeFail(c, `input ${k} is required`, 'ERR_FORMAT');
  return t;
}

/** The values of a small integer tensor (shapes, axes, pads) as numbers. */
export function intsOf(t: Tensor, c: OpContext, what: string): number[] {
  if (t.rank > 1) nodeFail(c, `${what} must be a 1-D tensor, got shape [${t.shape.join(',')}]`, 'ERR_FORMAT');
  if (t.size > 1 << 20) nodeFail(c, `${what} has ${t.size} values`, 'ERR_FORMAT');
  const d = t.dataSync();
  const out = new Array<number>(d.length);
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!Number.isInteger(v)) nodeFail(c, `${what} holds ${v}, not an integer`, 'ERR_FORMAT');
    out[i] = v;
  }
  return out;
}

/** A one-element tensor's value. */
export function scalarOf(t: Tensor, c: OpContext, what: string): number {
  if (t.size !== 1) nodeFail(c, `${what} must hold one value, got shape [${t.shape.join(',')}]`, 'ERR_FORMAT');
  return t.dataSync()[0];
}

/** An axis in [-rank, rank) made non-negative. */
export function axisOf(a: number, rank: number, c: OpContext, what = 'axis'): number {
  if (!Number.isInteger(a) || a < -rank || a >= rank) nodeFail(c, `${what} ${a} is out of range for rank ${rank}`, 'ERR_FORMAT');
  return a < 0 ? a + rank : a;
}

/** Axes given as an attribute (older opsets) or as input k (from opset `since`); undefined if neither. */
export function axesArg(x: (Tensor | null)[], k: number, since: number, c: OpContext): number[] | undefined {
  if (c.opset >= since) {
    const t = x[k];
    return t instanceof Tensor ? intsOf(t, c, 'axes') : undefined;
  }
  return c.attrs.ints('axes');
}
