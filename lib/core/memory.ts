// Deterministic memory management: tidy / keep / dispose / memory.
import { native } from './native';
import { scopes, Disposable } from './scope';
import { fail, describe } from './errors';
import type { Tensor } from '../tensor';

const kept = new WeakSet<object>();

/** Marks a tensor to survive the enclosing tidy(). */
export function keep<T extends Tensor>(t: T): T {
  // the same test tidy uses for what it disposes (memory.ts cannot import Tensor: a cycle)
  if (t === null || typeof t !== 'object' || typeof (t as Disposable).dispose !== 'function' || !('shape' in t))
    fail('keep', `expected a Tensor, got ${describe(t)}`);
  kept.add(t);
  return t;
}

function collectResult(x: unknown, out: Set<unknown>, depth = 0): void {
  if (x === null || typeof x !== 'object' || depth > 8) return;
  if (typeof (x as Disposable).dispose === 'function' && 'shape' in (x as object)) {
    out.add(x);
    return;
  }
  if (Array.isArray(x)) for (const v of x) collectResult(v, out, depth + 1);
  else if (Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) collectResult(v, out, depth + 1);
}

/**
 * Runs fn and disposes every tensor created inside it, except those it returns
 * (alone, in an array, or in a plain object) and those passed to keep().
 * Returned tensors move to the enclosing scope.
 */
export function tidy<T>(fn: () => T): T;
export function tidy<T>(name: string, fn: () => T): T;
export function tidy<T>(a: string | (() => T), b?: () => T): T {
  const fn = typeof a === 'function' ? a : b;
  if (typeof fn !== 'function') fail('tidy', 'expected a function');
  const scope: Disposable[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!kept.has(t)) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) fail('tidy', 'fn must be synchronous: tensors created after an await cannot be tracked');
  const keepSet = new Set<unknown>();
  collectResult(result, keepSet);
  const parent = scopes.length ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (keepSet.has(t)) parent?.push(t);
    else if (!kept.has(t)) t.dispose();
  }
  return result;
}

/** Disposes a tensor, or every tensor in an array / plain object. */
export function dispose(x: unknown): void {
  const set = new Set<unknown>();
  collectResult(x, set);
  for (const t of set) (t as Disposable).dispose();
}

export interface MemoryInfo {
  /** Live native buffers (a tensor and its views share one). Collected-but-unfinalized ones still count. */
  numTensors: number;
  /** Bytes held by live buffers. */
  numBytes: number;
  /** Bytes held in the allocator's free lists for reuse. */
  cachedBytes: number;
  cachedBlocks: number;
  cacheHits: number;
  cacheMisses: number;
}

export function memory(): MemoryInfo {
  const m = native.memory();
  return {
    numTensors: m.liveStorages,
    numBytes: m.liveBytes,
    cachedBytes: m.cachedBytes,
    cachedBlocks: m.cachedBlocks,
    cacheHits: m.cacheHits,
    cacheMisses: m.cacheMisses,
  };
}

/** Returns cached free blocks to the system. */
export function emptyCache(): void {
  native.emptyCache();
}
