// Thread count for our pool and OpenBLAS together, so the two never oversubscribe.
import { native, maxThreads } from './native';
import { fail, describe } from './errors';

/**
 * Sets the threads of tapeflow's pool and of OpenBLAS (1 to 4 per core, at least 64 allowed).
 * When the system refuses the threads (ERR_OUT_OF_MEMORY), both keep their previous count.
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > maxThreads)
    fail('setNumThreads', `n must be an integer between 1 and ${maxThreads} (4 per core), got ${describe(n)}`);
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** OpenBLAS build facts: the core type whose kernels run (respects OPENBLAS_CORETYPE), its config string, its threads. */
export function blasInfo(): { coreType: string; config: string; numThreads: number } {
  return native.blasInfo();
}
