// An ONNX graph as a tapeflow module: its float initializers and Constant tensors are
// Parameters, its integer ones buffers, and forward runs the nodes in order with tapeflow ops.
import { Tensor } from '../tensor';
import { TapeflowError, describe, fmtShape } from '../core/errors';
import { Module } from '../nn/module';
import { Parameter } from '../nn/parameter';
import { registerBufferOn } from '../nn/buffers';
import { tensor } from '../ops/creation';
import { tidy } from '../core/memory';
import { isGradEnabled, tracked } from '../autograd/tape';
import { moveTo, propertyName, freeDerived } from '../nn/imported';
import type { DeviceLike } from '../core/device';
import { OPS } from './registry';
import { findFusions, runFusion } from './fuse';
import type { Fusion } from './fuse';
import type { OpContext } from './registry';
import type { ParsedModel, ValueInfo, OnnxNode } from './graph';

export interface OnnxLoadOptions {
  /** where the weights live (default: the CPU) */
  device?: DeviceLike;
  /** graph values to return instead of the graph's outputs (a named intermediate gives its features) */
  outputs?: string[];
}

interface Plan {
  file: string;
  opset: number;
  nodes: OnnxNode[];
  /** value name → the module property holding it */
  constants: Map<string, string>;
  /** for each node, the values whose last reader it is */
  frees: string[][];
  outputNames: string[];
  /** Conv → BatchNormalization (→ Relu) chains run as one convolution in inference (fuse.ts) */
  fusions: Map<number, Fusion>;
}

const PLAN = new WeakMap<OnnxModel, Plan>();

/**
 * A module made by tp.onnx.load. Parameter and buffer names are the graph's own
 * (initializer and Constant output names) — see docs/pretrained.md for how they are made
 * safe as property names.
 */
export class OnnxModel extends Module<unknown[], Tensor | Tensor[]> {
  /** the graph inputs (initializers left out): name, dtype, shape (symbolic dims by name) */
  declare readonly inputs: ValueInfo[];
  /** the values forward returns */
  declare readonly outputs: ValueInfo[];
  declare readonly opset: number;
  declare readonly producer: string;

  constructor(m: ParsedModel, options: OnnxLoadOptions = {}) {
    super();
    const hidden = (k: string, v: unknown): void => { Object.defineProperty(this, k, { value: v, enumerable: false }); };
    const known = new Map<string, ValueInfo>();
    for (const v of [...m.inputs, ...m.outputs]) known.set(v.name, v);
    let outputs = m.outputs;
    if (options.outputs !== undefined) {
      if (!Array.isArray(options.outputs) || options.outputs.length === 0 || options.outputs.some((o) => typeof o !== 'string'))
        throw new TapeflowError(`onnx.load(${m.file}): options.outputs must be a non-empty array of value names, got ${describe(options.outputs)}`);
      const defined = new Set<string>([...m.constants.keys(), ...m.inputs.map((v) => v.name)]);
      for (const n of m.nodes) for (const o of n.outputs) defined.add(o);
      const missing = options.outputs.filter((o) => !defined.has(o));
      if (missing.length > 0) throw new TapeflowError(`onnx.load(${m.file}): options.outputs names values the graph does not define: ${missing.join(', ')}`);
      outputs = options.outputs.map((o) => known.get(o) ?? { name: o, dtype: null, onnxType: 'unknown', shape: null });
    }
    hidden('inputs', m.inputs);
    hidden('outputs', outputs);
    hidden('opset', m.opset);
    hidden('producer', m.producer);

    // only the nodes the wanted outputs depend on
    const need = new Set(outputs.map((o) => o.name));
    const kept: OnnxNode[] = [];
    for (let i = m.nodes.length - 1; i >= 0; i--) {
      const n = m.nodes[i];
      if (!n.outputs.some((o) => need.has(o))) continue;
      kept.push(n);
      for (const v of n.inputs) if (v !== '') need.add(v);
    }
    kept.reverse();

    const constants = new Map<string, string>();
    const taken = new Set<string>();
    for (const [name, h] of m.constants) {
      if (!need.has(name)) continue;
      const t0 = tensor(h.data, { dtype: h.dtype, shape: h.shape });
      const t = options.device !== undefined ? moveTo(t0, options.device) : t0;
      const key = propertyName(this, name, h.dtype === 'float32' || h.dtype === 'float64', taken);
      if (h.dtype === 'float32' || h.dtype === 'float64') {
        Object.defineProperty(this, key, { value: new Parameter(t), enumerable: true, writable: true, configurable: true });
      } else {
        registerBufferOn(this, key, t);
      }
      constants.set(name, key);
    }
    const last = new Map<string, number>();
    kept.forEach((n, i) => { for (const v of n.inputs) if (v !== '') last.set(v, i); });
    const frees: string[][] = kept.map(() => []);
    const keepAlive = new Set(outputs.map((o) => o.name));
    for (const [v, i] of last) if (!constants.has(v) && !keepAlive.has(v) && !m.inputs.some((x) => x.name === v)) frees[i].push(v);
    PLAN.set(this, { file: m.file, opset: m.opset, nodes: kept, constants, frees, outputNames: outputs.map((o) => o.name), fusions: findFusions(kept, constants, outputs.map((o) => o.name)) });
    this.eval();
  }

  /** Frees the weights and the folded convolution weights. */
  dispose(): void {
    freeDerived(this);
    super.dispose();
  }

  /**
   * Runs the graph: forward(x), forward(x1, x2, …) in graph-input order, or forward({ name: x })
   * by name. Returns the one output, or an array of them in order.
   */
  forward(...args: unknown[]): Tensor | Tensor[] {
    const out = this.run(...args);
    const names = PLAN.get(this)!.outputNames;
    return names.length === 1 ? out[names[0]] : names.map((n) => out[n]);
  }

  /** As forward, returning { outputName: tensor }. */
  run(...args: unknown[]): Record<string, Tensor> {
    const plan = PLAN.get(this)!;
    const op = `onnx model (${plan.file})`;
    const env = new Map<string, Tensor>();
    const self = this as unknown as Record<string, Tensor>;
    for (const [name, key] of plan.constants) env.set(name, self[key]);
    const given = args.length === 1 && args[0] !== null && typeof args[0] === 'object' && !(args[0] instanceof Tensor)
      ? (args[0] as Record<string, unknown>) : null;
    if (given !== null) {
      for (const k of Object.keys(given)) if (!this.inputs.some((v) => v.name === k))
        throw new TapeflowError(`${op}: no graph input named '${k}' (inputs: ${this.inputs.map((v) => v.name).join(', ')})`);
    } else if (args.length !== this.inputs.length) {
      throw new TapeflowError(`${op}: forward takes ${this.inputs.length} input(s) (${this.inputs.map((v) => v.name).join(', ')}), got ${args.length}`);
    }
    this.inputs.forEach((v, i) => {
      const t = given !== null ? given[v.name] : args[i];
      if (!(t instanceof Tensor)) throw new TapeflowError(`${op}: input '${v.name}' must be a Tensor, got ${describe(t)}`);
      t._live(op);
      if (v.dtype !== null && t.dtype !== v.dtype)
        throw new TapeflowError(`${op}: input '${v.name}' must be ${v.dtype} (${v.onnxType}), got ${t.dtype}`, 'ERR_DTYPE');
      if (v.shape !== null && (t.rank !== v.shape.length || v.shape.some((d, k) => typeof d === 'number' && d !== 0 && d !== t.shape[k])))
        throw new TapeflowError(`${op}: input '${v.name}' must have shape [${v.shape.map((d) => d ?? '?').join(',')}], got ${fmtShape(t.shape)}`, 'ERR_SHAPE');
      env.set(v.name, t);
    });
    // intermediates are freed after their last reader, unless the tape may still need them
    const recording = isGradEnabled() && ([...env.values()].some(tracked));
    const protectedT = new Set(env.values());
    const ctx = (n: OnnxNode): OpContext => ({ opset: plan.opset, node: n, attrs: n.attrs, file: plan.file });
    /** nodes a fused chain has already run */
    const done = new Set<number>();
    try {
      plan.nodes.forEach((n, i) => {
        if (done.has(i)) {
          if (!recording) for (const v of plan.frees[i]) release(env, v, protectedT);
          return;
        }
        const c = ctx(n);
        const xs = n.inputs.map((v) => (v === '' ? null : env.get(v) ?? null));
        const fz = recording ? undefined : plan.fusions.get(i);
        if (fz !== undefined && xs[0] !== null) {
          let y: Tensor | null;
          try {
            y = tidy(() => runFusion(this, fz, plan.nodes, xs[0]!, (name) => env.get(name), ctx));
          } catch (e) {
            if (e instanceof TapeflowError && !e.message.startsWith('onnx')) throw new TapeflowError(`onnx (${plan.file}): ${n.label}: ${e.message}`, e.code);
            throw e;
          }
          if (y !== null) {
            for (const j of fz.members) done.add(j);
            env.set(plan.nodes[fz.end].outputs[0], y);
            for (const v of plan.frees[i]) release(env, v, protectedT);
            return;
          }
        }
        let ys: Tensor | (Tensor | null)[];
        try {
          const impl = OPS.get(n.opType)!;
          // an op's own temporaries (a cast, a mask) go when it returns, unless the tape needs them
          ys = recording ? impl(xs, c) : tidy(() => impl(xs, c));
        } catch (e) {
          if (e instanceof TapeflowError && !e.message.startsWith('onnx')) throw new TapeflowError(`onnx (${plan.file}): ${n.label}: ${e.message}`, e.code);
          throw e;
        }
        const list = ys instanceof Tensor ? [ys] : ys;
        n.outputs.forEach((o, k) => {
          if (o !== '' && list[k] instanceof Tensor) env.set(o, list[k] as Tensor);
        });
        if (!recording) for (const v of plan.frees[i]) release(env, v, protectedT);
      });
    } catch (e) {
      if (!recording) for (const v of [...env.keys()]) release(env, v, protectedT);
      throw e;
    }
    const result: Record<string, Tensor> = {};
    for (const o of plan.outputNames) {
      const t = env.get(o);
      if (t === undefined) throw new TapeflowError(`${op}: output '${o}' was not computed`, 'ERR_FORMAT');
      result[o] = t;
    }
    return result;
  }
}

/** Disposes env[v] unless another live name, a weight or an input still holds the same tensor. */
function release(env: Map<string, Tensor>, v: string, protectedT: Set<Tensor>): void {
  const t = env.get(v);
  env.delete(v);
  if (t === undefined || protectedT.has(t) || t.isDisposed) return;
  for (const u of env.values()) if (u === t) return;
  t.dispose();
}
