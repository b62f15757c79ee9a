// Loads the compiled addon: the CUDA build when a GPU is present, else the CPU build. Tries
// each place a build can put it and, failing all,
// throws one error that says how to fix it (as sharp and better-sqlite3 do).
import * as path from 'path';
import { TapeflowError } from './errors';

import type { NativeAddon } from './addon';
export type { NativeAddon } from './addon';

// The CUDA build (npm run build:cuda) when it loads and sees a GPU; it also runs on the CPU,
// so it stays the fallback when no CPU build is there.
function loadCuda(root: string, errors: string[]): { addon: NativeAddon | null; fallback: NativeAddon | null } {
  const p = path.join(root, 'build-cuda', 'Release', 'tapeflow.node');
  try {
    const addon = require(p) as NativeAddon; // eslint-disable-line @typescript-eslint/no-var-requires
    return addon.cudaInfo().deviceCount > 0 ? { addon, fallback: null } : { addon: null, fallback: addon };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'MODULE_NOT_FOUND') errors.push(`  ${p}: ${err.message}`);
    return { addon: null, fallback: null };
  }
}

function load(): NativeAddon {
  const root = path.join(__dirname, '..', '..');
  const errors: string[] = [];
  const cuda = process.env.TAPEFLOW_ADDON ? { addon: null, fallback: null } : loadCuda(root, errors);
  if (cuda.addon) return cuda.addon;
  const candidates = [
    process.env.TAPEFLOW_ADDON,
    path.join(root, 'build', 'Release', 'tapeflow.node'),
    path.join(root, 'build-cmake', 'Release', 'tapeflow.node'),
    path.join(root, 'build-cmake', 'tapeflow.node'),
    path.join(root, 'build', 'Debug', 'tapeflow.node'),
  ].filter((p): p is string => !!p);
  for (const p of candidates) {
    try {
      return require(p) as NativeAddon; // eslint-disable-line @typescript-eslint/no-var-requires
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'MODULE_NOT_FOUND') errors.push(`  ${p}: ${err.message}`);
    }
  }
  if (cuda.fallback) return cuda.fallback;
  throw new TapeflowError(
    'tapeflow: could not load the native addon (tapeflow.node).\n' +
      (errors.length ? `Load errors:\n${errors.join('\n')}\n` : `Looked in:\n${candidates.map((c) => '  ' + c).join('\n')}\n`) +
      'Possible solutions:\n' +
      '  - Install OpenBLAS, then rebuild: `sudo apt-get install -y libopenblas-dev && npm rebuild tapeflow`\n' +
      '  - In a clone of the repository: `npm install` (or `npm run build:native`)\n' +
      '  - Set TAPEFLOW_ADDON to the path of a built tapeflow.node',
    'ERR_ADDON_LOAD',
  );
}

export const native: NativeAddon = load();

const boot = native.init(TapeflowError);

/**
 * Shapes and strides travel to native code through this buffer instead of JS arrays
 * (see native/binding/common.h). Written immediately before each native call, after every
 * argument has been read and checked, so no user code (a valueOf, a getter) runs between
 * the write and the call. The addon owns it: every copy of this module loaded over the same
 * addon (jest.resetModules(), two packages resolving to one build) shares this one buffer.
 */
export const meta: Float64Array = boot.meta;

/** Threads the addon started with (TAPEFLOW_NUM_THREADS, OPENBLAS_NUM_THREADS, or the core count). */
export const initialThreads: number = boot.threads;

/** The largest thread count setNumThreads accepts (4 per core, at least 64). */
export const maxThreads: number = boot.maxThreads;

/**
 * Writes a strided layout at meta[pos]: ndim, shape, then one stride array per operand.
 * Returns the next free position.
 */
export function writeLayout(pos: number, shape: readonly number[], ...strides: (readonly number[])[]): number {
  const n = shape.length;
  meta[pos] = n;
  for (let d = 0; d < n; d++) meta[pos + 1 + d] = shape[d];
  for (let k = 0; k < strides.length; k++) {
    const s = strides[k];
    const base = pos + 1 + n * (k + 1);
    for (let d = 0; d < n; d++) meta[base + d] = s[d];
  }
  return pos + 1 + n * (strides.length + 1);
}
