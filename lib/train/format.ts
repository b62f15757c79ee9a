// One checkpoint = one safetensors file. Tensors: the model's state dict under 'model.<torch
// key>' and the optimizer's state tensors under 'optimizer.state.<param index>.<name>'. The
// header's __metadata__ (strings only) holds the rest as JSON: the step, the optimizer's param
// groups and scalar state (Adam's step count), the scheduler's state, the RNG state and the
// user's metadata. Everything is exact: float state is stored in its own dtype and numbers go
// through JSON, which round-trips every double.
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { getRngState, setRngState } from '../ops/random';
import type { Optimizer, OptimizerStateDict, ParamState } from '../optim/optimizer';
import { saveAs } from '../io/safetensors';
import { load as readFile } from '../io/read';
import { formatError } from '../io/header';

export const FORMAT = 'tapeflow.checkpoint.v1';

/** What a checkpoint holds: any of a model, an optimizer and an LR scheduler. */
export interface CheckpointParts {
  model?: { stateDict(): Record<string, Tensor>; loadStateDict(sd: Map<string, Tensor>): unknown };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  optimizer?: Optimizer<any>;
  scheduler?: { stateDict(): object; loadStateDict(sd: never): void };
  /** save and restore the global RNG state (tp.getRngState), so dropout and shuffles resume exactly; default true */
  rng?: boolean;
}

export interface RestoredCheckpoint {
  path: string;
  step: number | null;
  /** what save() was given as options.metadata (null when none) */
  metadata: unknown;
}

/** @internal checks the parts a manager or saver was given. */
export function checkParts(op: string, o: CheckpointParts): void {
  const has = (x: unknown, ...fns: string[]) => x !== null && typeof x === 'object' && fns.every((f) => typeof (x as Record<string, unknown>)[f] === 'function');
  if (o.model !== undefined && !has(o.model, 'stateDict', 'loadStateDict'))
    fail(op, `model must be an nn.Module (with stateDict and loadStateDict), got ${describe(o.model)}`);
  if (o.optimizer !== undefined && !has(o.optimizer, 'stateDict', 'loadStateDict'))
    fail(op, `optimizer must be a tp.optim optimizer, got ${describe(o.optimizer)}`);
  if (o.scheduler !== undefined && !has(o.scheduler, 'stateDict', 'loadStateDict'))
    fail(op, `scheduler must be a tp.optim LR scheduler, got ${describe(o.scheduler)}`);
  if (o.model === undefined && o.optimizer === undefined) fail(op, 'give a model and/or an optimizer to checkpoint: { model, optimizer }');
  if (o.rng !== undefined && typeof o.rng !== 'boolean') fail(op, `rng must be a boolean, got ${describe(o.rng)}`);
}

function toJson(op: string, what: string, v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch (e) {
    fail(op, `${what} cannot be stored as JSON: ${(e as Error).message}`);
  }
  if (s === undefined) fail(op, `${what} cannot be stored as JSON (got ${describe(v)})`);
  return s as string;
}

/** Writes a checkpoint file atomically. */
export function writeCheckpoint(op: string, file: string, parts: CheckpointParts, step: number | null, user: unknown): void {
  const tensors = new Map<string, Tensor>();
  const meta: Record<string, string> = { format: FORMAT, step: step === null ? '' : String(step) };
  if (user !== undefined) meta.user = toJson(op, 'options.metadata', user);
  if (parts.rng !== false) {
    const r = getRngState();
    meta.rng = JSON.stringify({ seed: r.seed.toString(), offset: r.offset });
  }
  if (parts.scheduler) meta.scheduler = toJson(op, 'the scheduler state', parts.scheduler.stateDict());
  let osd: OptimizerStateDict | null = null;
  try {
    if (parts.model) for (const [k, t] of Object.entries(parts.model.stateDict())) tensors.set(`model.${k}`, t);
    if (parts.optimizer) {
      osd = parts.optimizer.stateDict();
      const scalars: Record<string, Record<string, number>> = {};
      for (const [i, s] of Object.entries(osd.state)) {
        for (const [k, v] of Object.entries(s)) {
          if (v instanceof Tensor) tensors.set(`optimizer.state.${i}.${k}`, v);
          else (scalars[i] ??= {})[k] = v;
        }
      }
      meta.optimizer = toJson(op, 'the optimizer options', { paramGroups: osd.paramGroups, scalars });
    }
    saveAs(op, tensors, file, { metadata: meta });
  } finally {
    // the optimizer's stateDict() tensors are copies owned here
    if (osd) for (const s of Object.values(osd.state)) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
  }
}

function parseJson(op: string, file: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return formatError(op, file, `__metadata__ '${key}' is not valid JSON`);
  }
}

/** Loads a checkpoint file into the parts (each validated before any is changed where possible). */
export function readCheckpoint(op: string, file: string, parts: CheckpointParts): RestoredCheckpoint {
  const { tensors, metadata } = readFile(op, file, undefined);
  try {
    if (!metadata || metadata.format !== FORMAT) formatError(op, file, `is not a tapeflow checkpoint (its __metadata__ format is not '${FORMAT}')`);
    const m = metadata as Record<string, string>;
    const model = new Map<string, Tensor>(); // a Map: a key from the file never reaches a prototype
    const optState: Record<number, ParamState> = {};
    for (const [name, t] of Object.entries(tensors)) {
      if (name.startsWith('model.')) model.set(name.slice(6), t);
      else {
        const g = /^optimizer\.state\.(\d{1,9})\.(.+)$/.exec(name);
        if (!g || g[2] === '__proto__') formatError(op, file, 'is not a name a checkpoint holds', name);
        (optState[Number(g![1])] ??= {})[g![2]] = t;
      }
    }
    let osd: OptimizerStateDict | null = null;
    if (parts.optimizer) {
      if (m.optimizer === undefined) fail(op, `${file} holds no optimizer state`);
      const o = parseJson(op, file, 'optimizer', m.optimizer) as { paramGroups?: unknown; scalars?: Record<string, Record<string, number>> };
      if (!o || !Array.isArray(o.paramGroups) || o.scalars === null || typeof o.scalars !== 'object')
        formatError(op, file, "__metadata__ 'optimizer' must hold { paramGroups, scalars }");
      // the file is not trusted: indices are integers, scalar state is numbers, no key reaches a prototype
      const isIndex = (x: unknown) => typeof x === 'string' && /^\d{1,9}$/.test(x);
      for (const g of o.paramGroups as { params?: unknown }[])
        if (!g || typeof g !== 'object' || !Array.isArray(g.params) || !g.params.every((x) => Number.isSafeInteger(x) && (x as number) >= 0))
          formatError(op, file, "__metadata__ 'optimizer': each param group needs params: [indices]");
      for (const [i, s] of Object.entries(o.scalars as object)) {
        if (!isIndex(i) || s === null || typeof s !== 'object') formatError(op, file, `__metadata__ 'optimizer': bad scalar state for parameter ${JSON.stringify(i)}`);
        for (const [k, v] of Object.entries(s as object)) {
          if (k === '__proto__' || typeof v !== 'number') formatError(op, file, `__metadata__ 'optimizer': state ${JSON.stringify(k)} of parameter ${i} must be a number`);
          (optState[Number(i)] ??= {})[k] = v;
        }
      }
      osd = { state: optState, paramGroups: o.paramGroups as OptimizerStateDict['paramGroups'] };
    }
    // everything parsed and checked before the first part changes
    const step = m.step === '' || m.step === undefined ? null : Number(m.step);
    if (step !== null && !Number.isSafeInteger(step)) formatError(op, file, `__metadata__ step ${JSON.stringify(m.step)} is not an integer`);
    const user = m.user === undefined ? null : parseJson(op, file, 'user', m.user);
    const sched = parts.scheduler && m.scheduler !== undefined ? parseJson(op, file, 'scheduler', m.scheduler) : undefined;
    let rng: { seed: bigint; offset: number } | undefined;
    if (parts.rng !== false && m.rng !== undefined) {
      const r = parseJson(op, file, 'rng', m.rng) as { seed?: unknown; offset?: unknown } | null;
      if (!r || typeof r.seed !== 'string' || !/^\d+$/.test(r.seed) || !Number.isSafeInteger(r.offset) || (r.offset as number) < 0)
        formatError(op, file, "__metadata__ 'rng' must hold { seed, offset }");
      rng = { seed: BigInt(r!.seed as string), offset: r!.offset as number };
    }
    // the optimizer and the model check their whole dict before changing anything
    if (osd) (parts.optimizer as Optimizer<object>).loadStateDict(osd);
    if (parts.model) parts.model.loadStateDict(model);
    if (sched !== undefined) parts.scheduler!.loadStateDict(sched as never);
    if (rng) setRngState(rng);
    return { path: file, step, metadata: user };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
