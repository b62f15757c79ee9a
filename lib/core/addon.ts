// The addon's entry points, typed. Each is documented beside its C++ in native/binding/<x>.cc
// (argument order, the meta layout it reads); this is the TypeScript side of that contract.
// Shapes and strides travel in `meta` (lib/core/native.ts), written just before the call.

/** A native storage handle: a plain number (see native/core/context.h). */
export type Handle = number;

/** Bits added to the dtype code of binary/where: that operand is a JS number (native/binding/elementwise.cc). */
export const SCALAR_A = 0x100;
export const SCALAR_B = 0x200;
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
  /** dtype may carry SCALAR_A / SCALAR_B: that operand is a JS number in its handle slot */
  binary(op: number, dtype: number, a: Handle | number, aOff: number, b: Handle | number, bOff: number): Handle;
  unary(op: number, dtype: DT, a: Handle, aOff: number, alpha: number, beta: number): Handle;
  where(dtype: number, cond: Handle, cOff: number, a: Handle | number, aOff: number, b: Handle | number, bOff: number): Handle;
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
  // conv.cc (issue 9, convolution): geometry = N, C, H, W, O, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, G; contiguous operands
  convForward(dtype: DT, ...args: number[]): Handle;
  /** geometry (16 numbers), w, wOff → [handle, numel] of w packed ahead for inference forwards, or -1 */
  convPrepack(dtype: DT, ...args: number[]): [Handle, number] | -1;
  convBackwardInput(dtype: DT, ...args: number[]): Handle;
  convBackwardWeight(dtype: DT, ...args: number[]): Handle;
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
  // norm.cc: batch norm and the row kernel of layer / group norm (contiguous operands; null = absent)
  batchNorm(dtype: DT, N: number, C: number, HW: number, x: Handle, xOff: number, w: Handle | null, wOff: number, b: Handle | null, bOff: number, runMean: Handle | null, rmOff: number, runVar: Handle | null, rvOff: number, training: boolean, eps: number, momentum: number): [Handle, Handle];
  batchNormBackward(dtype: DT, N: number, C: number, HW: number, x: Handle, xOff: number, dy: Handle, dyOff: number, stats: Handle, statsOff: number, w: Handle | null, wOff: number, training: boolean, flags: number): [Handle | null, Handle | null];
  rowNorm(dtype: DT, R: number, G: number, cpg: number, HW: number, x: Handle, xOff: number, w: Handle | null, wOff: number, b: Handle | null, bOff: number, eps: number): [Handle, Handle];
  rowNormBackward(dtype: DT, R: number, G: number, cpg: number, HW: number, x: Handle, xOff: number, dy: Handle, dyOff: number, stats: Handle, statsOff: number, w: Handle | null, wOff: number, flags: number): [Handle | null, Handle | null];
  // embed.cc (issue 10, embeddings): tables of V rows of D (contiguous rows), int32 indices
  embedFindBadId(ids: Handle, idsOff: number, n: number, V: number): number;
  embedLookup(w: Handle, wOff: number, V: number, D: number, rowStride: number, ids: Handle, idsOff: number, n: number): Handle;
  embedRowsAdd(dst: Handle, dstOff: number, V: number, D: number, idx: Handle, idxOff: number, n: number, src: Handle, srcOff: number, alpha: number, skip: number, scaleByFreq: number): void;
  /** [indices (n + 1 int32, the count at slot n), rows (n x D)] */
  embedCoalesce(idx: Handle, idxOff: number, vals: Handle, valsOff: number, n: number, D: number): [Handle, Handle];
  embedRenorm(w: Handle, wOff: number, V: number, D: number, rowStride: number, ids: Handle, idsOff: number, n: number, maxNorm: number, normType: number): void;
  sparseAdagradStep(p: Handle, pOff: number, V: number, D: number, sum: Handle, idx: Handle, idxOff: number, vals: Handle, valsOff: number, m: number, clr: number, eps: number): void;
  sparseAdamStep(p: Handle, pOff: number, V: number, D: number, expAvg: Handle, expAvgSq: Handle, idx: Handle, idxOff: number, vals: Handle, valsOff: number, m: number, lr: number, beta1: number, beta2: number, eps: number, step: number): void;
  // gemm.cc: test and bench hooks of our own sgemm (native/cpu/gemm)
  /** params [transA, transB, M, N, K, alpha, lda, ldb, beta, ldc, mode]; C updated in place */
  _sgemmTest(params: Float64Array, A: Float32Array, B: Float32Array, C: Float32Array): void;
  /** sets the active microkernels (capped by the CPU) and whether matmul may use them, when given */
  _gemmIsa(name?: 'avx512' | 'avx2' | 'avx512emu' | 'scalar', route?: boolean): { active: string; best: string; route: boolean };
  /** conv.cc test hook: the fewest output pixels a conv needs to take Winograd (when given); returns the old value */
  _convWinogradMinPixels(n?: number): number;
  /** 'avx512' | 'avx2': FMA GFLOP/s of one core; 'triad1' | 'triad': STREAM triad GB/s at 1 | the pool's threads */
  _gemmPeak(kind: 'avx512' | 'avx2' | 'triad1' | 'triad'): number;
  /** seconds per call of ours (cblas 0) or cblas_sgemm (cblas 1) on native random M x K, K x N */
  _gemmBench(cblas: number, transA: number, transB: number, M: number, N: number, K: number, iters: number): number;
  // io.cc (issue 11): a contiguous element run of a cpu storage <-> little-endian bytes of a file dtype
  // (kind: lib/io/dtypes.ts FILE_DTYPES index); ioDecode returns -1 or the first int64 int32 cannot hold
  ioDecode(h: Handle, elemOffset: number, count: number, bytes: Uint8Array, byteOffset: number, kind: number): number;
  ioEncode(h: Handle, elemOffset: number, count: number, bytes: Uint8Array, byteOffset: number, kind: number): void;
  // rnn.cc (issue 10): one layer and direction; 26 leading arguments: dtype, mode (0 LSTM, 1 GRU, 2 tanh, 3 relu),
  // T, B, I, H, P, reverse, then (handle | null, offset) of x, h0, c0, wih, whh, bih, bhh, whr, lengths (int32)
  /** -> [out = y | hN | cN, workspace] */
  rnnForward(dtype: DT, mode: number, T: number, B: number, I: number, H: number, P: number, reverse: boolean, ...operands: (Handle | number | null)[]): [Handle, Handle];
  /** the 26 forward arguments, workspace, wsOff, dOut, dOutOff -> dx | dh0 | dc0 | dwih | dwhh | dbih | dbhh | dwhr */
  rnnBackward(dtype: DT, mode: number, T: number, B: number, I: number, H: number, P: number, reverse: boolean, ...operands: (Handle | number | null)[]): Handle;
}
