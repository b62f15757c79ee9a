// Writers of the layouts that go to native code through `meta`, beside writeLayout
// (core/native.ts), for the shapes of layout that several op files build: a flat run of
// contiguous operands, an elementwise broadcast, reduced dims last, one axis last, and a
// batched matrix operand. Each writes at meta[pos] what native/binding's
// readLayout reads: ndim, the shape, then one stride array per operand.
import { meta } from './native';
import { broadcastStrides, contiguousStrides } from './shape';

/** The parts of a Tensor a layout needs (structural, so this file imports no Tensor). */
interface Strided {
  readonly shape: readonly number[];
  readonly _strides: readonly number[];
}

/**
 * A 1-d layout of n elements at meta[0] for the output and one or two inputs, all stride 1
 * except the last input's, which is lastStride (0 for a weak scalar): the elementwise fast path.
 */
export function writeFlat(n: number, operands: 2 | 3, lastStride = 1): void {
  meta[0] = 1;
  meta[1] = n;
  meta[2] = 1;
  if (operands === 2) {
    meta[3] = lastStride;
  } else {
    meta[3] = 1;
    meta[4] = lastStride;
  }
}

/**
 * An elementwise layout at meta[0] over outShape: the output's strides (0: the kernel sets
 * them, the output is contiguous), then the strides of each operand given, broadcast to
 * outShape (all 0 for null, a scalar operand). Fixed arity: no array per call on this path.
 */
export function writeBroadcast(outShape: readonly number[], a: Strided | null, b?: Strided | null, c?: Strided | null): void {
  const n = outShape.length;
  meta[0] = n;
  for (let d = 0; d < n; d++) {
    meta[1 + d] = outShape[d];
    meta[1 + n + d] = 0;
  }
  writeStrides(1 + 2 * n, a, outShape);
  if (b !== undefined) writeStrides(1 + 3 * n, b, outShape);
  if (c !== undefined) writeStrides(1 + 4 * n, c, outShape);
}

/**
 * The one-input case of writeBroadcast for an operand over the output's own shape, in one
 * loop with no per-operand call: the strided unary path is hot.
 */
export function writeUnaryLayout(shape: readonly number[], strides: readonly number[]): void {
  const n = shape.length;
  meta[0] = n;
  for (let d = 0; d < n; d++) {
    meta[1 + d] = shape[d];
    meta[1 + n + d] = 0;
    meta[1 + 2 * n + d] = strides[d];
  }
}

/** Writes t's strides broadcast to outShape at meta[pos] (zeros for a scalar, null). */
export function writeStrides(pos: number, t: Strided | null, outShape: readonly number[]): void {
  const n = outShape.length;
  if (t === null) {
    for (let d = 0; d < n; d++) meta[pos + d] = 0;
    return;
  }
  const s = t.shape === outShape ? t._strides : broadcastStrides(t.shape, t._strides, outShape);
  for (let d = 0; d < n; d++) meta[pos + d] = s[d];
}

/**
 * A one-operand layout at meta[0] over shape with its dims in `order` (result dim i is dim
 * order[i]), the strides reordered the same way: reductions put the reduced dims last.
 */
export function writePermuted(order: readonly number[], shape: readonly number[], strides: readonly number[]): void {
  const n = order.length;
  meta[0] = n;
  for (let i = 0; i < n; i++) {
    meta[1 + i] = shape[order[i]];
    meta[1 + n + i] = strides[order[i]];
  }
}

const ONE: readonly number[] = [1];

/**
 * The (out, x) layout of a kernel along one axis (scans, softmax) at meta[0]: x's dims with
 * `axis` moved last, out being a contiguous tensor of x's shape. A 0-d x counts as shape [1].
 */
export function writeAxisLast(x: Strided, axis: number): void {
  const zeroD = x.shape.length === 0;
  const shape = zeroD ? ONE : x.shape;
  const xs = zeroD ? ONE : x._strides;
  const os = contiguousStrides(shape);
  const n = shape.length;
  meta[0] = n;
  let k = 0;
  for (let d = 0; d <= n; d++) {
    if (d < n && d === axis) continue;
    const src = d === n ? axis : d;
    meta[1 + k] = shape[src];
    meta[1 + n + k] = os[src];
    meta[1 + 2 * n + k] = xs[src];
    k++;
  }
}

/**
 * Writes a matrix operand's layout at meta[pos] over [...batch, R, C]: its batch strides
 * (t's first rank - nMat dims, trailing-aligned; 0 where t lacks the dim or has size 1
 * there), then the matrix strides rs, cs. Returns the next pos.
 */
export function writeMatrixOperand(pos: number, batch: readonly number[], R: number, C: number, t: Strided, nMat: number, rs: number, cs: number): number {
  const nb = batch.length;
  const nd = nb + 2;
  meta[pos] = nd;
  for (let d = 0; d < nb; d++) meta[pos + 1 + d] = batch[d];
  meta[pos + 1 + nb] = R;
  meta[pos + 2 + nb] = C;
  const base = pos + 1 + nd;
  const shape = t.shape;
  const strides = t._strides;
  const lead = nb - (shape.length - nMat);
  for (let d = 0; d < nb; d++) {
    const td = d - lead;
    meta[base + d] = td < 0 || shape[td] === 1 ? 0 : strides[td];
  }
  meta[base + nb] = rs;
  meta[base + nb + 1] = cs;
  return base + nd;
}
