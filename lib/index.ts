// Public entry point: `const tp = require('tapeflow')` / `import * as tp from 'tapeflow'`.
export { Tensor, isTensor } from './tensor';
export { TapeflowError } from './core/errors';
export type { DType, TypedArray } from './core/dtype';
export { tidy, keep, dispose, memory, emptyCache } from './core/memory';
export type { MemoryInfo } from './core/memory';
export { setNumThreads, getNumThreads, blasInfo } from './core/threads';
export * from './ops/creation';
export * from './ops/binary';
