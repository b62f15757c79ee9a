// Convolution weights packed ahead for inference (native convPrepack): a float32 forward packs
// or transforms its weights on every call, ~8 % of a batch-1 Inception v3 forward. The model
// importers' inference path (conv2dInfer) keeps one packed copy per weight storage, offset and
// input geometry, made again when the storage is written (its version moves). A weight is packed
// ahead only the second time it is seen unchanged: one made afresh for each call (a graph that
// computes its weights) is never packed, so nothing piles up waiting for the collector; the
// copies are freed with the weight's buffer (dispose) or with the weight (the collector).
import { native } from '../core/native';
import { DTYPE_CODE } from '../core/dtype';
import { keep } from '../core/memory';
import { Tensor, StorageRef } from '../tensor';
import { ConvGeom, geomArgs } from './conv-args';

/** packed: undefined until the second sighting, then the copy or null (nothing to pack ahead) */
interface Packed { key: number[]; version: number; packed?: Tensor | null }
const PACKED = new WeakMap<StorageRef, Packed[]>();
/** input geometries per weight buffer that keep a copy (OCR recognises crops of a few widths) */
const MAX_GEOMETRIES = 4;

// what the copy depends on: the weight's offset and dtype code, and the geometry but N (numbers
// compared in place: this runs once per convolution call)
function keyOf(w: Tensor, g: ConvGeom): number[] {
  return [w._offset, DTYPE_CODE[w.dtype], g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.G];
}
const sameKey = (a: number[], b: number[]) => a.every((v, i) => v === b[i]);

/** The packed copy of contiguous weight w for geometry g, or null (not yet, or nothing to pack ahead). */
export function packedWeights(w: Tensor, g: ConvGeom): Tensor | null {
  const key = keyOf(w, g);
  let list = PACKED.get(w._st);
  if (list === undefined) {
    PACKED.set(w._st, (list = []));
    const st = w._st;
    st.onFree = () => dropStorage(st); // the copies go when the weight's buffer does
  }
  const at = list.findIndex((p) => sameKey(p.key, key));
  const hit = at < 0 ? undefined : list.splice(at, 1)[0];
  if (hit === undefined || hit.version !== w._version) {
    hit?.packed?.dispose();
    // first sighting at this version: nothing yet; the least recently used entry goes when the
    // list is full (a model fed many input sizes: one copy per size would pile up)
    if (list.length === MAX_GEOMETRIES) list.shift()!.packed?.dispose();
    list.push({ key, version: w._version });
    return null;
  }
  list.push(hit); // most recently used last
  if (hit.packed === null || (hit.packed !== undefined && !hit.packed.isDisposed)) return hit.packed;
  const r = native.convPrepack(DTYPE_CODE[w.dtype], ...geomArgs(g), w._h, w._offset);
  hit.packed = r === -1 ? null : keep(Tensor._fromHandle(r[0], [r[1]], w.dtype));
  return hit.packed;
}

/** Frees the packed copies made from w's storage now. */
export function dropPacked(w: Tensor): void {
  dropStorage(w._st);
}

function dropStorage(st: StorageRef): void {
  const list = PACKED.get(st);
  if (list === undefined) return;
  for (const p of list) p.packed?.dispose();
  PACKED.delete(st);
  st.onFree = null;
}
