// The addon's entry points, typed. Each is documented beside its C++ in native/binding/<x>.cc
// (argument order, the meta layout it reads); this is the TypeScript side of that contract.
// Shapes and strides travel in `meta` (lib/core/native.ts), written just before the call.

/** A native storage handle: a plain number (see native/core/context.h). */
export type Handle = number;
/** A dtype code (lib/core/dtype.ts DTYPE_CODE) and a device code (0 = cpu, 1 + N = cuda:N). */
type DT = number;
type Dev = number;

export interface NativeMemory {
  liveStorages: number;
  liveBytes: number;
  cachedBytes: number;
  cachedBlocks: number;
  maxCachedBytes: number;
  cacheHits: number;
  cacheMisses: number;
}

export interface NativeAddon {
  // storage.cc: lifecycle, transfers, memory, threads
  /** Registers the error class (first call) and returns the addon-owned meta buffer (every call: one per environment). */
  init(errorClass: new (message: string, code: string) => Error): { meta: Float64Array; threads: number; maxThreads: number };
  empty(numel: number, dtype: DT, device?: Dev): Handle;
  fromTypedArray(data: ArrayBufferView, dtype: DT): Handle;
  toTypedArray(h: Handle, offset: number, numel: number): Float32Array | Float64Array | Int32Array | Uint8Array;
  free(h: Handle): void;
  isFreed(h: Handle): boolean;
  /** test hook: releases the storages from `threads` other threads (native/binding/storage.cc) */
  _freeOnThreads(handles: Float64Array, threads: number): number;
  track(owner: object, h: Handle): void;
  /** frees handles[0..n) when `token` is collected (native/binding/track.cc); returns the batches still watched */
  trackBatch(token: object[], handles: Float64Array, n: number): number;
  memory(): NativeMemory;
  emptyCache(): void;
  setMaxCachedBytes(bytes: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  blasInfo(): { coreType: string; config: string; numThreads: number };
  // device.cc
  cudaInfo(): { built: boolean; deviceCount: number };
  storageDevice(h: Handle): Dev;
  toDevice(h: Handle, offset: number, numel: number, device: Dev): Handle;
  // copy.cc
  copy(dst: Handle, dstOff: number, src: Handle, srcOff: number): void;
  fill(dst: Handle, dstOff: number, value: number): void;
  // elementwise.cc (offset -1: the handle slot holds a scalar value)
  binary(op: number, dtype: DT, a: Handle | number, aOff: number, b: Handle | number, bOff: number): Handle;
  unary(op: number, dtype: DT, a: Handle, aOff: number, alpha: number, beta: number): Handle;
  where(dtype: DT, cond: Handle, cOff: number, a: Handle | number, aOff: number, b: Handle | number, bOff: number): Handle;
  // reduce.cc
  reduce(op: number, dtype: DT, outDtype: DT, x: Handle, xOff: number, nKept: number): Handle;
  scan(op: number, dtype: DT, outDtype: DT, x: Handle, xOff: number): Handle;
  softmax(log: number, dtype: DT, x: Handle, xOff: number): Handle;
  // index.cc
  gather(x: Handle, xOff: number, idx: Handle, idxOff: number, axisDim: number, axisStride: number, axis: number, opName?: string): Handle;
  scatterAdd(out: Handle, outOff: number, idx: Handle, idxOff: number, src: Handle, srcOff: number, axisDim: number, axisStride: number, axis: number, opName?: string): void;
  oneHot(idx: Handle, idxOff: number, depth: number, dtype: DT, onValue: number, offValue: number): Handle;
  // matmul.cc, linalg.cc
  matmul(dtype: DT, a: Handle, aOff: number, b: Handle, bOff: number): Handle;
  benchSgemm(n: number, iters: number): number;
  inverse(dtype: DT, x: Handle, xOff: number): Handle;
  det(dtype: DT, x: Handle, xOff: number): Handle;
  solve(dtype: DT, a: Handle, aOff: number, b: Handle, bOff: number): Handle;
  // loss.cc
  xent(dtype: DT, N: number, C: number, x: Handle, xOff: number, labels: Handle, labelsOff: number, labelStride: number, ignoreIndex: number): Handle;
  xentBackward(dtype: DT, N: number, C: number, x: Handle, xOff: number, labels: Handle, labelsOff: number, labelStride: number, ignoreIndex: number, lse: Handle, lseOff: number, g: Handle, gOff: number, gStride: number, scale: number): Handle;
  // pool.cc (issue 9, pooling and resampling): contiguous planes; kind 0 max, 1 max + indices, 2 avg; flags 1 adaptive, 2 countIncludePad
  poolForward(kind: number, dtype: DT, x: Handle, xOff: number, planes: number, H: number, W: number, OH: number, OW: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, flags: number, divisor: number): Handle[];
  poolBackward(kind: number, dtype: DT, g: Handle, gOff: number, idx: Handle, idxOff: number, planes: number, H: number, W: number, OH: number, OW: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, flags: number, divisor: number): Handle;
  resample(backward: number, dtype: DT, x: Handle, xOff: number, planes: number, H: number, W: number, OH: number, OW: number, mode: number, alignCorners: number, scaleH: number, scaleW: number): Handle;
  // optim.cc (state buffers at offset 0; null for an absent optional buffer)
  sgdStep(n: number, p: Handle, pOff: number, g: Handle, gOff: number, buf: Handle | null, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: number, firstStep: number): void;
  adamStep(n: number, p: Handle, pOff: number, g: Handle, gOff: number, expAvg: Handle, expAvgSq: Handle, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: number, step: number): void;
  rmspropStep(n: number, p: Handle, pOff: number, g: Handle, gOff: number, squareAvg: Handle, gradAvg: Handle | null, buf: Handle | null, lr: number, alpha: number, eps: number, weightDecay: number, momentum: number): void;
  adagradStep(n: number, p: Handle, pOff: number, g: Handle, gOff: number, stateSum: Handle, lr: number, lrDecay: number, weightDecay: number, eps: number, step: number): void;
  // sort.cc: flags 1 descending, 2 values wanted, 4 sorted -> [values, indices] or [indices]
  sort(x: Handle, xOff: number, len: number, xStep: number, k: number, outStep: number, flags: number): Handle[];
  nonzero(x: Handle, xOff: number, flat: number): [Handle, number];
  maskedSelect(x: Handle, xOff: number, mask: Handle, maskOff: number): [Handle, number];
  // random.cc (each returns the counters it used)
  randomFill(dst: Handle, n: number, kind: number, seedLo: number, seedHi: number, offset: number, a: number, b: number): number;
  bernoulliFill(dst: Handle, n: number, p: Handle, pOff: number, seedLo: number, seedHi: number, offset: number): number;
  randperm(dst: Handle, n: number, seedLo: number, seedHi: number, offset: number): number;
  philox4x32(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): number[];
}
