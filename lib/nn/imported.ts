// Helpers shared by the model importers (lib/onnx, lib/tfjs): where a loaded weight goes and the
// module property it is kept under.
import { Tensor } from '../tensor';
import { to } from '../ops/device';
import type { DeviceLike } from '../core/device';

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
