// Module buffers (torch's register_buffer): tensors that are part of a module's state but are
// not parameters — batch norm's running statistics. A buffer lives as an ordinary property of
// its module (m.running_mean), so reassigning the property replaces it, as in torch; which
// property names are buffers, and whether each is persistent (saved in stateDict), is kept in
// a per-module registry outside the module's own properties, so the property scan that finds
// parameters and children never sees it.
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { keep } from '../core/memory';

export interface BufferOptions {
  /** saved in stateDict and restored by loadStateDict (default true) */
  persistent?: boolean;
}

// module -> buffer name -> persistent
const registry = new WeakMap<object, Map<string, boolean>>();

/** @internal registers a buffer on module m (value null: a registered, empty buffer). */
export function registerBufferOn(m: object, name: string, value: Tensor | null, options?: BufferOptions): Tensor | null {
  const op = 'registerBuffer';
  if (typeof name !== 'string' || name.length === 0 || name.includes('.'))
    fail(op, `name must be a non-empty string without '.', got ${describe(name)}`);
  if (value !== null && !(value instanceof Tensor)) fail(op, `buffer '${name}' must be a Tensor or null, got ${describe(value)}`);
  if (options !== undefined && (options === null || typeof options !== 'object')) fail(op, `options must be an object, got ${describe(options)}`);
  const persistent = options?.persistent ?? true;
  if (typeof persistent !== 'boolean') fail(op, `options.persistent must be a boolean, got ${describe(persistent)}`);
  const self = m as Record<string, unknown>;
  const prev = self[name];
  if (name in self && !isBufferName(m, name) && prev !== undefined && prev !== null)
    fail(op, `'${name}' is already an attribute of ${m.constructor.name} (a parameter, module or other property)`);
  if (value !== null) {
    value._live(op);
    keep(value); // module state outlives the tidy() it was created in, as parameters do
  }
  let names = registry.get(m);
  if (names === undefined) registry.set(m, (names = new Map()));
  names.set(name, persistent);
  self[name] = value;
  return value;
}

export function isBufferName(m: object, name: string): boolean {
  return registry.get(m)?.has(name) ?? false;
}

/** @internal [name, tensor] of m's own buffers in registration order (empty ones left out). */
export function ownBuffers(m: object, persistentOnly: boolean): [string, Tensor][] {
  const names = registry.get(m);
  if (names === undefined) return [];
  const out: [string, Tensor][] = [];
  const self = m as Record<string, unknown>;
  for (const [n, persistent] of names) {
    const v = self[n];
    if (v instanceof Tensor && (persistent || !persistentOnly)) out.push([n, v]);
  }
  return out;
}
