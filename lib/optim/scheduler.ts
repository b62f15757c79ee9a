// Learning-rate schedules (torch.optim.lr_scheduler semantics, camelCase). A scheduler takes an
// optimizer, remembers each group's base lr (its lr at construction), sets every group's lr for
// epoch 0 at once, and on each step() advances lastEpoch and sets lr = f(baseLr, lastEpoch)
// (torch's closed forms). Call step() once per epoch (or iteration), after optimizer.step().
import { fail, describe } from '../core/errors';

/** Anything with torch-style param groups that carry an `lr`. */
export interface LrOptimizer {
  paramGroups: Array<{ lr: number }>;
}

/** A plain snapshot of a scheduler. */
export interface SchedulerStateDict {
  lastEpoch: number;
  baseLrs: number[];
  lastLr: number[];
  [option: string]: unknown;
}

function num(op: string, name: string, v: unknown, ok: (x: number) => boolean, what: string): number {
  if (typeof v !== 'number' || Number.isNaN(v) || !ok(v)) fail(op, `${name} must be ${what}, got ${describe(v)}`);
  return v;
}

export abstract class LRScheduler {
  readonly optimizer: LrOptimizer;
  /** each group's lr when the scheduler was created */
  baseLrs: number[];
  /** the epoch of the last step(); 0 right after construction */
  lastEpoch = -1;
  protected _lastLr: number[] = [];
  /** @internal name used in error messages */
  protected readonly _name: string;

  constructor(name: string, optimizer: LrOptimizer) {
    this._name = name;
    if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray((optimizer as LrOptimizer).paramGroups))
      fail(name, `expected an optimizer (with paramGroups), got ${describe(optimizer)}`);
    this.optimizer = optimizer;
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
  }

  /** The lr for epoch `epoch` of a group whose base lr is `base` (torch's closed form). */
  protected abstract _lrAt(base: number, epoch: number): number;

  /** Names of the options saved by stateDict(). */
  protected abstract _optionNames(): string[];

  /** @internal subclasses call this at the end of their constructor (torch's initial step). */
  protected _init(): void {
    this.step();
  }

  /** Advances one epoch and sets every param group's lr. */
  step(): void {
    this.lastEpoch++;
    const groups = this.optimizer.paramGroups;
    if (groups.length !== this.baseLrs.length)
      fail(`${this._name}.step`, `the optimizer has ${groups.length} param groups, the scheduler was made for ${this.baseLrs.length}`);
    this._lastLr = groups.map((g, i) => {
      const lr = this._lrAt(this.baseLrs[i], this.lastEpoch);
      g.lr = lr;
      return lr;
    });
  }

  /** The lr of each param group as last set by the scheduler. */
  getLastLr(): number[] {
    return this._lastLr.slice();
  }

  stateDict(): SchedulerStateDict {
    const sd: SchedulerStateDict = { lastEpoch: this.lastEpoch, baseLrs: this.baseLrs.slice(), lastLr: this._lastLr.slice() };
    for (const k of this._optionNames()) sd[k] = (this as unknown as Record<string, unknown>)[k];
    return sd;
  }

  /** Restores a stateDict() snapshot (the optimizer's lrs are not touched, as in torch). */
  loadStateDict(sd: SchedulerStateDict): void {
    const op = `${this._name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || typeof sd.lastEpoch !== 'number' || !Array.isArray(sd.baseLrs) || !Array.isArray(sd.lastLr))
      fail(op, 'expected an object { lastEpoch, baseLrs, lastLr, ... } from stateDict()');
    if (sd.baseLrs.length !== this.baseLrs.length)
      fail(op, `the state dict has ${sd.baseLrs.length} base lrs, the scheduler has ${this.baseLrs.length} param groups`);
    const self = this as unknown as Record<string, unknown>;
    for (const k of this._optionNames()) if (k in sd) self[k] = sd[k];
    this.lastEpoch = sd.lastEpoch;
    this.baseLrs = sd.baseLrs.slice();
    this._lastLr = sd.lastLr.slice();
  }
}

/** torch StepLR: lr = base · gamma^floor(epoch / stepSize). */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: LrOptimizer, options: { stepSize: number; gamma?: number }) {
    super('StepLR', optimizer);
    const o = options ?? ({} as { stepSize: number });
    this.stepSize = num('StepLR', 'stepSize', o.stepSize, (x) => Number.isInteger(x) && x > 0, 'a positive integer');
    this.gamma = num('StepLR', 'gamma', o.gamma ?? 0.1, Number.isFinite, 'a finite number');
    this._init();
  }
  protected _lrAt(base: number, epoch: number): number {
    return base * this.gamma ** Math.floor(epoch / this.stepSize);
  }
  protected _optionNames(): string[] {
    return ['stepSize', 'gamma'];
  }
}

/** torch ExponentialLR: lr = base · gamma^epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: LrOptimizer, options: { gamma: number }) {
    super('ExponentialLR', optimizer);
    this.gamma = num('ExponentialLR', 'gamma', options?.gamma, Number.isFinite, 'a finite number');
    this._init();
  }
  protected _lrAt(base: number, epoch: number): number {
    return base * this.gamma ** epoch;
  }
  protected _optionNames(): string[] {
    return ['gamma'];
  }
}

/** torch CosineAnnealingLR: lr = etaMin + (base − etaMin)(1 + cos(π·epoch/tMax))/2 (closed form, periodic beyond tMax). */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: LrOptimizer, options: { tMax: number; etaMin?: number }) {
    super('CosineAnnealingLR', optimizer);
    this.tMax = num('CosineAnnealingLR', 'tMax', options?.tMax, (x) => Number.isFinite(x) && x > 0, 'a number > 0');
    this.etaMin = num('CosineAnnealingLR', 'etaMin', options?.etaMin ?? 0, Number.isFinite, 'a finite number');
    this._init();
  }
  protected _lrAt(base: number, epoch: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
  protected _optionNames(): string[] {
    return ['tMax', 'etaMin'];
  }
}

export interface LinearLROptions {
  /** factor at epoch 0, in (0, 1] (default 1/3) */
  startFactor?: number;
  /** factor from totalIters on, in [0, 1] (default 1) */
  endFactor?: number;
  /** epochs over which the factor moves linearly (default 5) */
  totalIters?: number;
}

/** torch LinearLR: lr = base · (start + (end − start) · min(epoch, totalIters) / totalIters). */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: LrOptimizer, options?: LinearLROptions) {
    super('LinearLR', optimizer);
    const o = options ?? {};
    this.startFactor = num('LinearLR', 'startFactor', o.startFactor ?? 1 / 3, (x) => x > 0 && x <= 1, 'in (0, 1]');
    this.endFactor = num('LinearLR', 'endFactor', o.endFactor ?? 1, (x) => x >= 0 && x <= 1, 'in [0, 1]');
    this.totalIters = num('LinearLR', 'totalIters', o.totalIters ?? 5, (x) => Number.isInteger(x) && x > 0, 'a positive integer');
    this._init();
  }
  protected _lrAt(base: number, epoch: number): number {
    const f = this.startFactor + ((this.endFactor - this.startFactor) * Math.min(epoch, this.totalIters)) / this.totalIters;
    return base * f;
  }
  protected _optionNames(): string[] {
    return ['startFactor', 'endFactor', 'totalIters'];
  }
}

/**
 * Linear warmup: a LinearLR from `startFactor` (default 1 / warmupIters) of each base lr up to
 * the base lr over `warmupIters` steps, then constant.
 */
export function linearWarmup(optimizer: LrOptimizer, options: { warmupIters: number; startFactor?: number }): LinearLR {
  const w = num('linearWarmup', 'warmupIters', options?.warmupIters, (x) => Number.isInteger(x) && x > 0, 'a positive integer');
  return new LinearLR(optimizer, { startFactor: options.startFactor ?? 1 / w, endFactor: 1, totalIters: w });
}
/** Alias of linearWarmup. */
export const LinearWarmup = linearWarmup;
