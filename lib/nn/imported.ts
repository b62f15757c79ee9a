// Helpers shared by the model importers (lib/onnx, lib/tfjs): where a loaded weight goes and the
// module property it is kept under.
import { Tensor } from '../tensor';
import { to } from '../ops/device';
import type { DeviceLike } from '../core/device';
import { keep } from '../core/memory';
import { dropPacked } from '../ops/conv-pack';

/** t on device; t itself is freed when a copy was made. */
export function moveTo(t: Tensor, device: DeviceLike): Tensor {
  const m = to(t, device);
  if (m !== t) t.dispose();
  return m;
}

/**
 * The property a loaded tensor is kept under. Parameters keep the file's name as is (dots
 * included: the module scan reads own property names, so namedParameters() gives
 * 'conv1.weight'); buffers, whose registry forbids '.', get '_' for '.'; a name that
 * is already a member of the module ('forward', 'training', …) gets a trailing '_'.
 */
export function propertyName(m: object, name: string, param: boolean, taken: Set<string>): string {
  let k = param ? name : name.replace(/\./g, '_');
  if (k === '') k = '_';
  while (k in m || taken.has(k) || k === '__proto__') k += '_';
  taken.add(k);
  return k;
}

interface Derived { deps: [Tensor, number][]; out: Tensor[] }
const DERIVED = new WeakMap<object, Map<number, Derived>>();

/**
 * Tensors an importer derives from a model's weights for inference (a batch norm folded into a
 * convolution), kept per owner and key and made again by make() when any of deps has been
 * replaced or written since (its _version moved). Kept tensors survive tidy(); freeDerived frees them.
 */
export function derived(owner: object, key: number, deps: Tensor[], make: () => Tensor[]): Tensor[] {
  let cache = DERIVED.get(owner);
  if (cache === undefined) DERIVED.set(owner, (cache = new Map()));
  const hit = cache.get(key);
  if (hit !== undefined && hit.deps.length === deps.length && hit.deps.every(([t, v], i) => t === deps[i] && v === t._version)) return hit.out;
  if (hit !== undefined) for (const t of hit.out) free(t);
  const out = make().map((t) => keep(t));
  cache.set(key, { deps: deps.map((t) => [t, t._version]), out });
  return out;
}

/** t and the packed copies made from it. */
function free(t: Tensor): void {
  dropPacked(t);
  t.dispose();
}

/** Frees what derived() keeps for owner. */
export function freeDerived(owner: object): void {
  const cache = DERIVED.get(owner);
  if (cache === undefined) return;
  for (const { out } of cache.values()) for (const t of out) free(t);
  cache.clear();
}
