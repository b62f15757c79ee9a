// Public entry point: `const tp = require('tapeflow')` / `import * as tp from 'tapeflow'`.
// Every ops file attaches its Tensor methods when imported, so all are imported here.
export { Tensor, isTensor } from './tensor';
export { TapeflowError } from './core/errors';
export type { DType, TypedArray } from './core/dtype';
export { tidy, keep, dispose, memory, emptyCache } from './core/memory';
export type { MemoryInfo } from './core/memory';
export { setNumThreads, getNumThreads, blasInfo } from './core/threads';
export * from './ops/creation';
export * from './ops/binary';
export * from './ops/unary';
export * from './ops/logical';
export * from './ops/cast';
export * from './ops/reduce';
export * from './ops/softmax';
export * from './ops/matmul';
export * from './ops/linalg';
export * from './ops/views';
export * from './ops/join';
export * from './ops/indexing';
export * from './ops/random';
export * from './format';
