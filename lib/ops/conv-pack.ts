// Convolution weights packed ahead for inference (native convPrepack): a float32 forward packs
// or transforms its weights on every call, ~8 % of a batch-1 Inception v3 forward. The model
// importers' inference path (conv2dInfer) keeps one packed copy per weight storage, offset and
// input geometry, made again when the storage is written (its version moves). A weight is packed
// ahead only the second time it is seen unchanged: one made afresh for each call (a graph that
// computes its weights) is never packed, so nothing piles up waiting for the collector.
import { native } from '../core/native';
import { DTYPE_CODE } from '../core/dtype';
import { keep } from '../core/memory';
import { Tensor, StorageRef } from '../tensor';
import { ConvGeom, geomArgs } from './conv-args';

/** packed: undefined until the second sighting, then the copy or null (nothing to pack ahead) */
interface Packed { version: number; packed?: Tensor | null }
const PACKED = new WeakMap<StorageRef, Map<string, Packed>>();

/** The packed copy of contiguous weight w for geometry g, or null (not yet, or nothing to pack ahead). */
export function packedWeights(w: Tensor, g: ConvGeom): Tensor | null {
  // N does not change the layout
  const key = `${w._offset}:${w.dtype}:${geomArgs(g).slice(1).join(',')}`;
  let byKey = PACKED.get(w._st);
  if (byKey === undefined) PACKED.set(w._st, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit === undefined || hit.version !== w._version) {
    if (hit?.packed) hit.packed.dispose();
    byKey.set(key, { version: w._version }); // first sighting at this version: nothing yet
    return null;
  }
  if (hit.packed === null || (hit.packed !== undefined && !hit.packed.isDisposed)) return hit.packed;
  const r = native.convPrepack(DTYPE_CODE[w.dtype], ...geomArgs(g), w._h, w._offset);
  hit.packed = r === -1 ? null : keep(Tensor._fromHandle(r[0], [r[1]], w.dtype));
  return hit.packed;
}

/** Frees the packed copies made from w's storage now (an importer dropping a folded weight). */
export function dropPacked(w: Tensor): void {
  const byKey = PACKED.get(w._st);
  if (byKey === undefined) return;
  for (const p of byKey.values()) p.packed?.dispose();
  PACKED.delete(w._st);
}
