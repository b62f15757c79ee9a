// tp.save / tp.load: a module's (or any) state dict as a safetensors file with torch's key
// names, so `module.loadStateDict(tp.load(path))` reads what torch's safetensors.torch.save_file
// wrote, and torch reads ours.
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { saveAs } from './safetensors';
import type { SaveSafetensorsOptions } from './write';
import { load as readFile, LoadSafetensorsOptions } from './read';

/** What has a state dict: an nn.Module, or anything with stateDict() returning name → Tensor. */
export interface HasStateDict {
  stateDict(): Record<string, Tensor>;
}

/** The state dict of a module, or the dict itself. */
export function stateDictOf(op: string, x: unknown): Record<string, Tensor> | Map<string, Tensor> {
  if (x instanceof Tensor) fail(op, 'expected a module or a state dict (name → Tensor), got a single Tensor; wrap it: { weight: t }');
  if (x !== null && typeof x === 'object' && typeof (x as HasStateDict).stateDict === 'function') return (x as HasStateDict).stateDict();
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) return x as Record<string, Tensor>;
  return fail(op, `expected a module or a state dict (name → Tensor), got ${describe(x)}`);
}

/** Saves a module's stateDict() (or a state dict) to a safetensors file, atomically. */
export function save(moduleOrStateDict: HasStateDict | Record<string, Tensor> | Map<string, Tensor>, path: string, options?: SaveSafetensorsOptions): void {
  saveAs('save', stateDictOf('save', moduleOrStateDict), path, options);
}

/** Loads a state dict (name → Tensor) saved by tp.save or by torch's safetensors.torch.save_file. */
export function load(path: string, options?: LoadSafetensorsOptions): Record<string, Tensor> {
  return readFile('load', path, options).tensors;
}
