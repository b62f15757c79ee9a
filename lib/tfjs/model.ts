// A TF.js layers model as a tapeflow module: the Keras weights are Parameters (moving statistics
// buffers) under their Keras names, and forward runs the layer calls in order, channels-last.
import { Tensor } from '../tensor';
import { TapeflowError, describe, fmtShape } from '../core/errors';
import { Module } from '../nn/module';
import { Parameter } from '../nn/parameter';
import { registerBufferOn } from '../nn/buffers';
import { tensor } from '../ops/creation';
import { tidy, keep } from '../core/memory';
import { isGradEnabled, tracked } from '../autograd/tape';
import type { DeviceLike } from '../core/device';
import { moveTo, propertyName, freeDerived } from '../nn/imported';
import { trainableOf } from './layers-core';
import { findFusions, runFusion } from './fuse';
import { findSiblings, runSiblings } from './siblings';
import { planConcats, InPlace } from './concat-inplace';
import type { ConcatPlan } from './concat-inplace';
import type { Fusion } from './fuse';
import type { DecodedWeight } from './weights';
import { valueOf } from './topology';
import { planMasks, outputMasks } from './masks';
import type { MaskPlan } from './masks';
import { NCHW, ELEMENTWISE, ELEMENTWISE_ACTIVATIONS, toNchw, toNhwc } from './layout';
import type { Topology, Call } from './topology';
import type { LayerContext } from './registry';

export interface TfjsLoadOptions {
  /** the weight bytes: the shards concatenated, a list of them in manifest order, or path → bytes */
  weights?: Uint8Array | ArrayBuffer | (Uint8Array | ArrayBuffer)[] | ((path: string) => Uint8Array | ArrayBuffer);
  /** where the weights live (default: the CPU) */
  device?: DeviceLike;
  /** layer names whose outputs forward returns instead of the model's (features of a named layer) */
  outputs?: string[];
}

interface Plan {
  calls: Call[];
  /** layer name → { Keras role → module property } */
  keys: Map<string, Record<string, string>>;
  /** layer name → the property of the module that replaces it */
  replaced: Map<string, string>;
  outputs: string[];
  frees: string[][];
  /** Conv → BatchNormalization → ReLU chains run as one convolution in inference (fuse.ts) */
  fusions: Map<number, Fusion>;
  /** sibling 1x1 chains run as one convolution at batch 1 (siblings.ts), by their first conv */
  siblings: Map<number, Fusion[]>;
  /** concatenations of fused chains written in place at batch 1 (concat-inplace.ts) */
  concats: ConcatPlan;
  /** where Keras masks flow (null: the model has none) */
  masks: MaskPlan | null;
}
/** a layer's [role, property] pairs, made once per keys record (weightsOf runs per call and forward) */
const ROLES = new WeakMap<Record<string, string>, [string, string][]>();
const PLAN = new WeakMap<TfjsModel, Plan>();
/** per model: weight → its derived form (channels-first kernels) and the weight version it was made from */
const CACHE = new WeakMap<TfjsModel, Map<Tensor, { version: number; t: Tensor }>>();

export class TfjsModel extends Module<unknown[], Tensor | Tensor[]> {
  /** the model inputs: InputLayer name and shape (null for the batch and free dims) */
  declare readonly inputs: { name: string; shape: (number | null)[] | null }[];
  /** the layer names forward returns */
  declare readonly outputNames: string[];
  /** every layer name, in config order */
  declare readonly layerNames: string[];

  constructor(topo: Topology, weights: Map<string, DecodedWeight>, options: TfjsLoadOptions = {}) {
    super();
    const hidden = (k: string, v: unknown): void => { Object.defineProperty(this, k, { value: v, enumerable: false }); };
    const names = new Set(topo.layers.map((l) => l.name));
    let outputs = topo.outputs;
    if (options.outputs !== undefined) {
      if (!Array.isArray(options.outputs) || options.outputs.length === 0 || options.outputs.some((o) => typeof o !== 'string'))
        throw new TapeflowError(`loadTfjsModel: options.outputs must be a non-empty array of layer names, got ${describe(options.outputs)}`);
      const missing = options.outputs.filter((o) => !names.has(o));
      if (missing.length > 0) throw new TapeflowError(`loadTfjsModel: options.outputs names layers the model does not have: ${missing.join(', ')}`);
      outputs = options.outputs.map((o) => valueOf(o, 0));
    }
    hidden('inputs', topo.inputs.map((i) => ({ name: i.name, shape: i.shape })));
    hidden('outputNames', outputs.map((o) => o.slice(0, o.lastIndexOf(':'))));
    hidden('layerNames', topo.layers.map((l) => l.name));

    // only the calls the outputs need
    const need = new Set(outputs);
    const calls: Call[] = [];
    for (let i = topo.calls.length - 1; i >= 0; i--) {
      const c = topo.calls[i];
      if (!c.outputs.some((o) => need.has(o))) continue;
      calls.push(c);
      for (const v of c.inputs) need.add(v);
    }
    calls.reverse();
    for (const o of outputs) if (!topo.inputs.some((i) => i.value === o) && !calls.some((c) => c.outputs.includes(o)))
      throw new TapeflowError(`loadTfjsModel: output '${o}' is not computed by any layer call`, 'ERR_FORMAT');

    const keys = new Map<string, Record<string, string>>();
    const taken = new Set<string>();
    for (const c of calls) {
      const l = c.layer;
      if (keys.has(l.name)) continue; // a shared layer: one set of weights
      const roles: Record<string, string> = {};
      for (const r of l.def.weights(l.prepared)) {
        const w = findWeight(weights, l.name, r.role);
        if (r.shape !== null && (w.shape.length !== r.shape.length || r.shape.some((d, k) => d !== null && d !== w.shape[k])))
          throw new TapeflowError(`loadTfjsModel: layer '${l.name}' (${l.className}): weight '${w.name}' has shape [${w.shape}], the config needs [${r.shape.map((d) => d ?? '?')}]`, 'ERR_FORMAT');
        if (w.dtype !== 'float32') throw new TapeflowError(`loadTfjsModel: layer '${l.name}': weight '${w.name}' is ${w.dtype}, not float32`, 'ERR_FORMAT');
        const t0 = tensor(w.data as Float32Array, { dtype: 'float32', shape: w.shape });
        const t = options.device !== undefined ? moveTo(t0, options.device) : t0;
        const key = propertyName(this, w.name, !r.buffer, taken);
        if (r.buffer) registerBufferOn(this, key, t);
        else Object.defineProperty(this, key, { value: new Parameter(t, trainableOf(l.config, l.name)), enumerable: true, writable: true, configurable: true });
        roles[r.role] = key;
      }
      keys.set(l.name, roles);
    }
    const last = new Map<string, number>();
    calls.forEach((c, i) => { for (const v of c.inputs) last.set(v, i); });
    const frees: string[][] = calls.map(() => []);
    const inputValues = new Set(topo.inputs.map((i) => i.value));
    for (const [v, i] of last) if (!outputs.includes(v) && !inputValues.has(v)) frees[i].push(v);
    // outputs of a call nothing reads (a state of a return_state layer): freed right after it
    calls.forEach((c, i) => { for (const v of c.outputs) if (!last.has(v) && !outputs.includes(v)) frees[i].push(v); });
    const fusions = findFusions(calls, outputs);
    const siblings = findSiblings(calls, fusions);
    const masks = planMasks(calls);
    // (a model with masks keeps its concatenations: the merge layers' mask rules apply there)
    const concats = masks === null ? planConcats(calls, fusions, siblings, outputs) : { slots: new Map(), writers: new Map() };
    PLAN.set(this, { calls, keys, replaced: new Map(), outputs, frees, fusions, siblings, concats, masks });
    CACHE.set(this, new Map());
    this.eval();
  }

  /**
   * Replaces layer `name` by `module` (its forward gets the layer's inputs): its weights leave the
   * model, the module's join it under the layer's name. Returns this.
   */
  replace(name: string, module: Module<any, any>): this { // eslint-disable-line @typescript-eslint/no-explicit-any
    const plan = PLAN.get(this)!;
    if (typeof name !== 'string' || !plan.calls.some((c) => c.layer.name === name))
      throw new TapeflowError(`TfjsModel.replace: no layer named ${describe(name)} runs in this model (layers: ${this.layerNames.length > 5 ? '…, ' : ''}${this.layerNames.slice(-5).join(', ')})`);
    if (!(module instanceof Module)) throw new TapeflowError(`TfjsModel.replace: module must be a tp.nn.Module, got ${describe(module)}`);
    const self = this as unknown as Record<string, unknown>;
    for (const key of Object.values(plan.keys.get(name) ?? {})) {
      const t = self[key];
      delete self[key];
      const cached = CACHE.get(this)!.get(t as Tensor);
      if (cached !== undefined && !cached.t.isDisposed) cached.t.dispose();
      CACHE.get(this)!.delete(t as Tensor);
      if (t instanceof Tensor && !t.isDisposed) t.dispose();
    }
    plan.keys.set(name, {});
    const prev = plan.replaced.get(name);
    const key = prev ?? propertyName(this, name, true, new Set());
    Object.defineProperty(this, key, { value: module, enumerable: true, writable: true, configurable: true });
    plan.replaced.set(name, key);
    return this;
  }

  /** Frees the weights and the cached channels-first kernels. */
  dispose(): void {
    for (const { t } of CACHE.get(this)!.values()) if (!t.isDisposed) t.dispose();
    CACHE.get(this)!.clear();
    freeDerived(this);
    super.dispose();
  }

  /** forward(x), forward(x1, x2, …) in input order, or forward({ inputName: x }); one output or an array. */
  forward(...args: unknown[]): Tensor | Tensor[] {
    const out = this.run(...args);
    return out.length === 1 ? out[0] : out;
  }

  private run(...args: unknown[]): Tensor[] {
    const plan = PLAN.get(this)!;
    const op = 'tfjs model';
    const self = this as unknown as Record<string, unknown>;
    const given = args.length === 1 && args[0] !== null && typeof args[0] === 'object' && !(args[0] instanceof Tensor) ? (args[0] as Record<string, unknown>) : null;
    if (given === null && args.length !== this.inputs.length)
      throw new TapeflowError(`${op}: forward takes ${this.inputs.length} input(s) (${this.inputs.map((v) => v.name).join(', ')}), got ${args.length}`);
    const env = new Map<string, Tensor>();
    this.inputs.forEach((v, i) => {
      const t = given !== null ? given[v.name] : args[i];
      if (!(t instanceof Tensor)) throw new TapeflowError(`${op}: input '${v.name}' must be a Tensor, got ${describe(t)}`);
      t._live(op);
      if (v.shape !== null && (t.rank !== v.shape.length || v.shape.some((d, k) => d !== null && d !== t.shape[k])))
        throw new TapeflowError(`${op}: input '${v.name}' must have shape [${v.shape.map((d) => d ?? '?')}], got ${fmtShape(t.shape)}`, 'ERR_SHAPE');
      env.set(valueOf(v.name, 0), t);
    });
    const inputsT = new Set(env.values());
    const cache = CACHE.get(this)!;
    const cacheFn = (wt: Tensor, make: () => Tensor): Tensor => {
      const hit = cache.get(wt);
      if (hit !== undefined && hit.version === wt._version && !hit.t.isDisposed) return hit.t;
      if (hit !== undefined && !hit.t.isDisposed) hit.t.dispose();
      const t = keep(make());
      cache.set(wt, { version: wt._version, t });
      return t;
    };
    /** env tensors held channels-first (NCHW) — see layout.ts */
    const first = new Set<Tensor>();
    const recording = isGradEnabled() && ([...inputsT].some(tracked) || this.parameters().some((p) => p.requiresGrad));
    let weightsT: Set<unknown> | null = null; // made once per forward, when first needed
    const drop = (v: string): void => {
      const t = env.get(v);
      env.delete(v);
      if (t === undefined || inputsT.has(t) || t.isDisposed) return;
      for (const u of env.values()) if (u === t) return;
      weightsT ??= new Set(Object.values(self));
      if (weightsT.has(t)) return; // a layer that returned a weight
      t.dispose();
    };
    const weightsOf = (c: Call): Record<string, Tensor> => {
      const w: Record<string, Tensor> = {};
      const rec = plan.keys.get(c.layer.name)!;
      let roles = ROLES.get(rec);
      if (roles === undefined) ROLES.set(rec, (roles = Object.entries(rec)));
      for (const [role, key] of roles) w[role] = self[key] as Tensor;
      return w;
    };
    /** calls a fused chain has already run */
    const done = new Set<number>();
    /** value → its Keras mask ([batch, time]), where one flows */
    const masks = new Map<string, Tensor>();
    const inplace = recording || this.training || plan.concats.slots.size === 0 ? null : new InPlace(plan.concats, plan.calls);
    try {
      plan.calls.forEach((c, i) => {
        if (done.has(i)) {
          if (!recording) for (const v of plan.frees[i]) drop(v);
          return;
        }
        const xs = c.inputs.map((v) => env.get(v)!);
        const sg = recording || this.training ? undefined : plan.siblings.get(i);
        if (sg !== undefined && sg.every((f) => f.members.every((j) => !plan.replaced.has(plan.calls[j].layer.name)))) {
          const x0 = sg[0].first && first.has(xs[0]) ? toNhwc(xs[0]) : xs[0];
          const ys = wrapLayerError(op, c, () => tidy(() => runSiblings(this, sg, plan.calls, x0, sg[0].first || first.has(xs[0]), weightsOf)));
          if (ys !== null) {
            sg.forEach((f, k) => {
              for (const j of f.members) done.add(j);
              env.set(plan.calls[f.end].output, ys[k]);
              if (!f.first) first.add(ys[k]);
            });
            for (const v of plan.frees[i]) drop(v);
            return;
          }
        }
        const fz = recording || this.training ? undefined : plan.fusions.get(i);
        if (fz !== undefined && fz.members.every((j) => !plan.replaced.has(plan.calls[j].layer.name))) {
          // a channels_first chain reads the Keras value (NCHW as it is) and gives one
          const xf = fz.first && first.has(xs[0]) ? toNhwc(xs[0]) : xs[0];
          const xFirst = fz.first || first.has(xs[0]);
          const out = inplace?.outFor(i, fz, xf, xFirst) ?? null;
          const y = wrapLayerError(op, c, () => tidy(() => runFusion(this, fz, plan.calls, xf, xFirst, weightsOf, out)));
          if (y !== null) {
            for (const j of fz.members) done.add(j);
            env.set(plan.calls[fz.end].output, y);
            if (!fz.first) first.add(y);
            for (const v of plan.frees[i]) drop(v);
            return;
          }
        }
        const rep = plan.replaced.get(c.layer.name);
        const joined = inplace !== null && rep === undefined ? inplace.finish(i, xs, (t) => first.has(t), toNchw) : null;
        if (joined !== null) {
          env.set(c.output, joined);
          first.add(joined);
          for (const v of plan.frees[i]) drop(v);
          return;
        }
        const inMask = plan.masks?.inMasked[i] ? masks.get(c.inputs[0]) ?? null : null;
        let outFirst = false;
        const runIt = (): Tensor | Tensor[] => {
          const asLast = () => xs.map((x) => (first.has(x) ? toNhwc(x) : x));
          if (rep !== undefined) return (self[rep] as Module<Tensor[], Tensor | Tensor[]>).forward(...asLast());
          const w = weightsOf(c);
          const ctx: LayerContext = { name: c.layer.name, training: this.training, cache: recording ? undefined : cacheFn, mask: inMask };
          const mode = layoutOf(c);
          if (mode !== 'nhwc' && c.outputs.length === 1 && xs.length > 0 && xs.every((x) => x.rank === 4)) {
            if (mode === 'nchw') {
              const y = NCHW.get(c.layer.className)!(xs.map((x) => (first.has(x) ? x : toNchw(x))), w, c.layer.prepared, ctx);
              if (y !== null) { outFirst = y.rank === 4; return y; }
            } else if (xs.every((x) => first.has(x))) {
              outFirst = true;
              return c.layer.def.apply(xs, w, c.layer.prepared, ctx);
            }
          }
          return c.layer.def.apply(asLast(), w, c.layer.prepared, ctx);
        };
        const runAll = (): { ys: Tensor[]; ms: (Tensor | null)[] } => {
          const r = runIt();
          const ys = Array.isArray(r) ? r : [r];
          if (ys.length !== c.outputs.length || !ys.every((y) => y instanceof Tensor))
            throw new TapeflowError(`${op}: ${rep !== undefined ? 'the module replacing ' : ''}layer '${c.layer.name}' returned ${describe(r)}, not ${c.outputs.length === 1 ? 'a Tensor' : `${c.outputs.length} Tensors`}`);
          // a replacing module's outputs carry no mask
          return { ys, ms: plan.masks?.outMasked[i] && rep === undefined ? outputMasks(c, xs, ys, inMask) : [] };
        };
        let res: { ys: Tensor[]; ms: (Tensor | null)[] };
        try {
          res = recording ? runAll() : tidy(runAll);
        } catch (e) {
          if (e instanceof TapeflowError && !e.message.startsWith('loadTfjsModel') && !e.message.startsWith(op)) throw new TapeflowError(`${op}: layer '${c.layer.name}' (${c.layer.className}): ${e.message}`, e.code);
          throw e;
        }
        res.ys.forEach((y, k) => env.set(c.outputs[k], y));
        res.ms.forEach((m, k) => { if (m !== null) masks.set(c.outputs[k], m); });
        if (outFirst) first.add(res.ys[0]);
        if (!recording) for (const v of plan.frees[i]) drop(v);
      });
    } catch (e) {
      if (!recording) for (const v of [...env.keys()]) drop(v);
      throw e;
    } finally {
      inplace?.dispose();
      // without the tape the masks go with the forward; with it they stay, as the values do (backward reads them)
      if (!recording) for (const m of new Set(masks.values())) if (!m.isDisposed) m.dispose();
    }
    // channels-first values go back to Keras' NHWC (a copy when nothing records, so the
    // channels-first storage can go)
    return plan.outputs.map((o) => {
      const y = env.get(o)!;
      if (!first.has(y)) return y;
      if (recording) return toNhwc(y);
      const z = tidy(() => toNhwc(y).contiguous());
      if (!inputsT.has(y) && !plan.outputs.some((u) => u !== o && env.get(u) === y)) y.dispose();
      return z;
    });
  }
}

/** How a layer call may run on channels-first values: its NCHW form, elementwise as is, or only NHWC. */
function layoutOf(c: Call): 'nchw' | 'same' | 'nhwc' {
  const cfg = c.layer.config;
  // channels_first layers read and write NCHW Keras values as they are
  if (cfg.data_format === 'channels_first') return 'nhwc';
  const act = cfg.activation ?? 'linear';
  const actName = typeof act === 'string' ? act : (act as { config?: { name?: unknown } } | null)?.config?.name;
  const elementwiseAct = typeof actName === 'string' && ELEMENTWISE_ACTIVATIONS.has(actName);
  if (NCHW.has(c.layer.className)) return elementwiseAct ? 'nchw' : 'nhwc';
  if (ELEMENTWISE.has(c.layer.className) || (c.layer.className === 'Activation' && elementwiseAct)) {
    // merges must not broadcast: equal shapes only (checked by the caller's rank test and here)
    return 'same';
  }
  return 'nhwc';
}

function findWeight(weights: Map<string, DecodedWeight>, layer: string, role: string): DecodedWeight {
  const exact = weights.get(`${layer}/${role}`);
  if (exact !== undefined) return exact;
  // Keras nests scopes ('model/conv2d_1/kernel'); take the one name that ends with layer/role
  const tail = `/${layer}/${role}`;
  let hits = [...weights].filter(([k]) => k.endsWith(tail)).map(([, w]) => w);
  if (hits.length === 1) return hits[0];
  if (hits.length === 0) {
    // Keras in Python (TF >= 2.2) names a recurrent layer's weights after its cell
    // ('lstm/lstm_cell/kernel'): as tfjs, read them without the second-to-last name part
    const cut = (k: string): string => { const t = k.split('/'); return t.length >= 3 ? [...t.slice(0, -2), t[t.length - 1]].join('/') : k; };
    hits = [...weights].filter(([k]) => { const c = cut(k); return c === `${layer}/${role}` || c.endsWith(tail); }).map(([, w]) => w);
    if (hits.length === 1) return hits[0];
  }
  throw new TapeflowError(hits.length === 0
    ? `loadTfjsModel: layer '${layer}' needs weight '${layer}/${role}', which weightsManifest does not list`
    : `loadTfjsModel: layer '${layer}': several weights end with '${layer}/${role}': ${hits.map((w) => w.name).join(', ')}`, 'ERR_FORMAT');
}

/** fn(), its TapeflowError naming the layer (as the layer-by-layer path does). */
function wrapLayerError<T>(op: string, c: Call, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TapeflowError && !e.message.startsWith('loadTfjsModel')) throw new TapeflowError(`${op}: layer '${c.layer.name}' (${c.layer.className}): ${e.message}`, e.code);
    throw e;
  }
}
