// nn.ModuleList and nn.ModuleDict: torch's containers that register the modules they hold.
import { fail, describe } from '../core/errors';
import { Module, AnyModule, Slot } from './module';

function checkModule(op: string, m: unknown, arg: string): AnyModule {
  if (!(m instanceof Module)) fail(op, `${arg} must be a tp.nn.Module, got ${describe(m)}`);
  return m as AnyModule;
}

function checkIterable(op: string, v: unknown, arg: string): Iterable<unknown> {
  if (v === null || typeof v !== 'object' || typeof (v as Iterable<unknown>)[Symbol.iterator] !== 'function')
    fail(op, `${arg} must be an array or another iterable of modules, got ${describe(v)}`);
  return v as Iterable<unknown>;
}

/**
 * torch.nn.ModuleList: modules held in order, registered as '0', '1', … (parameters named
 * 'layers.0.weight'). Read them as list[i] or list.at(i) (negative from the end), iterate
 * with for…of; append / extend / insert / pop / set change it. It has no forward: call its
 * modules.
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<[], never> {
  readonly [index: number]: M;

  constructor(modules?: Iterable<M>) {
    super();
    // the count is kept off the enumerable properties that registration scans
    Object.defineProperty(this, '_n', { value: 0, writable: true, enumerable: false });
    if (modules !== undefined) this.extend(modules);
  }

  /** @internal number of modules */
  declare _n: number;

  get length(): number {
    return this._n;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): M {
    return this._get('ModuleList.at', i);
  }

  /** Appends a module; returns this. */
  append(m: M): this {
    const mod = checkModule('ModuleList.append', m, 'module') as M;
    this._put(this._n, mod);
    this._n++;
    return this;
  }

  /** Appends every module of an iterable; returns this. */
  extend(modules: Iterable<M>): this {
    const op = 'ModuleList.extend';
    const ms = [...checkIterable(op, modules, 'modules')].map((m, i) => checkModule(op, m, `modules[${i}]`) as M);
    for (const m of ms) this.append(m);
    return this;
  }

  /** Inserts m before index i (negative counts from the end; i ≥ length appends), as list.insert. */
  insert(i: number, m: M): this {
    const op = 'ModuleList.insert';
    if (typeof i !== 'number' || !Number.isInteger(i)) fail(op, `index must be an integer, got ${describe(i)}`);
    const mod = checkModule(op, m, 'module') as M;
    const n = this._n;
    const at = Math.min(n, Math.max(0, i < 0 ? i + n : i));
    for (let k = n; k > at; k--) this._put(k, this[k - 1]);
    this._put(at, mod);
    this._n = n + 1;
    return this;
  }

  /** Replaces the module at index i (negative counts from the end); returns this. */
  set(i: number, m: M): this {
    const op = 'ModuleList.set';
    const k = this._index(op, i);
    this._put(k, checkModule(op, m, 'module') as M);
    return this;
  }

  /** Removes and returns the module at index i (default the last). */
  pop(i = -1): M {
    const op = 'ModuleList.pop';
    const k = this._index(op, i);
    const out = this[k];
    const n = this._n;
    for (let j = k; j < n - 1; j++) this._put(j, this[j + 1]);
    delete (this as unknown as Record<number, M>)[n - 1];
    this._n = n - 1;
    return out;
  }

  /** A new ModuleList of the modules in [start, end) (Array.prototype.slice's rules). */
  slice(start?: number, end?: number): ModuleList<M> {
    return new ModuleList([...this].slice(start, end));
  }

  *[Symbol.iterator](): IterableIterator<M> {
    for (let i = 0; i < this._n; i++) yield this[i];
  }

  forward(): never {
    return fail('ModuleList.forward', 'a ModuleList is a container and has no forward: call its modules (for (const m of list) x = m.call(x))');
  }

  /** @internal */
  _index(op: string, i: unknown): number {
    const n = this._n;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < -n || i >= n)
      fail(op, `index ${describe(i)} is out of range for a ModuleList of length ${n}`, 'ERR_OUT_OF_BOUNDS');
    return (i as number) < 0 ? (i as number) + n : (i as number);
  }

  /** @internal */
  _get(op: string, i: unknown): M {
    return this[this._index(op, i)];
  }

  /** @internal */
  _put(k: number, m: M): void {
    (this as unknown as Record<number, M>)[k] = m;
  }
}

/** What a ModuleDict is built or updated from: an object, a Map, another ModuleDict, or [key, module] pairs. */
export type ModuleDictInit<M extends AnyModule> = Record<string, M> | Map<string, M> | ModuleDict<M> | Iterable<[string, M]>;

/**
 * torch.nn.ModuleDict: modules by string key, in insertion order, registered under their
 * keys (parameters named 'heads.q.weight'). Keys are non-empty strings without '.'.
 * get / set / has / delete / pop / clear / update; keys(), values(), items() (entries());
 * iteration gives the keys, as torch's. It has no forward.
 */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<[], never> {
  constructor(modules?: ModuleDictInit<M>) {
    super();
    Object.defineProperty(this, '_map', { value: new Map<string, M>(), enumerable: false });
    if (modules !== undefined) this.update(modules);
  }

  /** @internal */
  declare _map: Map<string, M>;

  get size(): number {
    return this._map.size;
  }
  get length(): number {
    return this._map.size;
  }

  /** The module under key (an error when there is none). */
  get(key: string): M {
    const m = this._map.get(key);
    if (m === undefined) fail('ModuleDict.get', `no module under key ${describe(key)} (keys: ${[...this._map.keys()].join(', ') || 'none'})`);
    return m as M;
  }

  /** Puts a module under key (replacing one already there, in its place); returns this. */
  set(key: string, m: M): this {
    const op = 'ModuleDict.set';
    if (typeof key !== 'string' || key.length === 0 || key.includes('.'))
      fail(op, `key must be a non-empty string without '.', got ${describe(key)}`);
    this._map.set(key, checkModule(op, m, `module '${key}'`) as M);
    return this;
  }

  has(key: string): boolean {
    return this._map.has(key);
  }

  /** Removes key; returns whether it was there. */
  delete(key: string): boolean {
    return this._map.delete(key);
  }

  /** Removes and returns the module under key. */
  pop(key: string): M {
    const m = this.get(key);
    this._map.delete(key);
    return m;
  }

  clear(): void {
    this._map.clear();
  }

  /** Adds every [key, module] of an object, Map, ModuleDict or iterable of pairs; returns this. */
  update(modules: ModuleDictInit<M>): this {
    const op = 'ModuleDict.update';
    if (modules === null || typeof modules !== 'object') fail(op, `expected an object, Map or iterable of [key, module] pairs, got ${describe(modules)}`);
    let pairs: unknown[];
    if (modules instanceof ModuleDict) pairs = modules.items();
    else if (modules instanceof Map || typeof (modules as Iterable<unknown>)[Symbol.iterator] === 'function') pairs = [...(modules as Iterable<unknown>)];
    else pairs = Object.entries(modules);
    for (const p of pairs)
      if (!Array.isArray(p) || p.length !== 2) fail(op, `expected [key, module] pairs, got ${describe(p)}`);
    // check every pair before changing anything
    const checked = (pairs as [unknown, unknown][]).map(([k, m]) => {
      if (typeof k !== 'string' || k.length === 0 || k.includes('.')) fail(op, `key must be a non-empty string without '.', got ${describe(k)}`);
      return [k, checkModule(op, m, `module '${k}'`) as M] as [string, M];
    });
    for (const [k, m] of checked) this._map.set(k, m);
    return this;
  }

  keys(): string[] {
    return [...this._map.keys()];
  }
  values(): M[] {
    return [...this._map.values()];
  }
  items(): [string, M][] {
    return [...this._map.entries()];
  }
  entries(): [string, M][] {
    return this.items();
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this._map.keys();
  }

  forward(): never {
    return fail('ModuleDict.forward', "a ModuleDict is a container and has no forward: call its modules (dict.get('name').call(x))");
  }

  /** @internal the held modules, named by their keys */
  _slots(): Slot[] {
    const out: Slot[] = [];
    for (const [k, m] of this._map) out.push({ name: k, value: m, owner: this._map, key: k });
    return out;
  }
}
