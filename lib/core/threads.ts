// Thread count for our pool and OpenBLAS together, so the two never oversubscribe.
import { native } from './native';
import { fail, describe } from './errors';

export function setNumThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024)
    fail('setNumThreads', `n must be an integer between 1 and 1024, got ${describe(n)}`);
  native.setNumThreads(n);
}

export function getNumThreads(): number {
  return native.getNumThreads();
}

/** OpenBLAS build facts: the core type whose kernels run (respects OPENBLAS_CORETYPE), its config string, its threads. */
export function blasInfo(): { coreType: string; config: string; numThreads: number } {
  return native.blasInfo();
}
