// tp.io: safetensors files (https://github.com/huggingface/safetensors), the format PyTorch,
// JAX and the Hugging Face hub share: 8-byte little-endian header length, a JSON header
// ({ name: { dtype, shape, data_offsets } } plus an optional "__metadata__" of strings),
// then the tensors' bytes in C order. Saving is atomic (lib/io/atomic.ts); loading validates the
// header against the file before allocating anything (lib/io/header.ts).
import type { Tensor } from '../tensor';
import { writeFileAtomic } from './atomic';
import { SaveSafetensorsOptions, encodePlan, plan, writePlan } from './write';
import { LoadSafetensorsOptions, decode, load } from './read';

export type { SaveSafetensorsOptions } from './write';
export type { LoadSafetensorsOptions } from './read';

/**
 * Writes tensors to a .safetensors file, atomically: a reader, or a crash at any moment, sees
 * the previous file or the new one, never a mix. float32 → F32, float64 → F64, int32 → I32,
 * bool → BOOL; `{ dtype: 'float16' | 'bfloat16' }` writes float tensors in that format
 * (round to nearest even). Views are written as contiguous data.
 */
export function saveSafetensors(tensors: Record<string, Tensor> | Map<string, Tensor>, path: string, options?: SaveSafetensorsOptions): void {
  saveAs('saveSafetensors', tensors, path, options);
}

/** @internal saveSafetensors under another name in its errors (tp.save, checkpoints). */
export function saveAs(op: string, tensors: unknown, path: string, options: SaveSafetensorsOptions | undefined): void {
  const p = plan(op, tensors, options);
  writeFileAtomic(op, path, (w) => writePlan(p, w));
}

/**
 * Reads a .safetensors file into name → Tensor. F64 → float64; F32, F16, BF16 → float32;
 * I64, I32, I16, I8, U8 → int32 (an I64 value outside int32 is an error); BOOL → bool.
 * A malformed file is an ERR_FORMAT error naming the file, the tensor and the fault.
 */
export function loadSafetensors(path: string, options?: LoadSafetensorsOptions): Record<string, Tensor> {
  return load('loadSafetensors', path, options).tensors;
}

/** The header's `__metadata__` of a file (null when it has none), with its tensors. */
export function loadSafetensorsWithMetadata(path: string, options?: LoadSafetensorsOptions): { tensors: Record<string, Tensor>; metadata: Record<string, string> | null } {
  return load('loadSafetensorsWithMetadata', path, options);
}

/** The bytes saveSafetensors would write, as one Buffer. */
export function encodeSafetensors(tensors: Record<string, Tensor> | Map<string, Tensor>, options?: SaveSafetensorsOptions): Buffer {
  return encodePlan(plan('encodeSafetensors', tensors, options));
}

/** Decodes safetensors bytes (as loadSafetensors does a file). */
export function decodeSafetensors(bytes: Uint8Array, options?: LoadSafetensorsOptions): Record<string, Tensor> {
  return decode('decodeSafetensors', bytes, options).tensors;
}

/** decodeSafetensors with the header's `__metadata__`. */
export function decodeSafetensorsWithMetadata(bytes: Uint8Array, options?: LoadSafetensorsOptions): { tensors: Record<string, Tensor>; metadata: Record<string, string> | null } {
  return decode('decodeSafetensorsWithMetadata', bytes, options);
}
