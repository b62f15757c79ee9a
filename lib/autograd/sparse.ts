// Row-sparse gradients (torch's sparse COO gradient of nn.Embedding(sparse=True), restricted
// to whole rows): `indices` (int32 [nnz]) name rows of a dense tensor of `shape`, `values`
// ([nnz, ...shape.slice(1)], contiguous) hold them. Repeated indices are allowed and mean a
// sum; coalesce() sorts and merges them (the optimizers that need distinct rows call it).
//
// A SparseRows is a Tensor (so `p.grad` keeps its type) whose storage is that of its values,
// with the dense shape: dataSync()/toArray() give the dense data, but any op that would read
// it as a dense tensor is refused (via _live) with a message pointing at toDense(). The
// engine accumulates these (concatenating) into a leaf's .grad; dense + sparse gives dense.
import { Tensor } from '../tensor';
import { native } from '../core/native';
import { fail, fmtShape } from '../core/errors';
import { contiguousStrides } from '../core/shape';
import { scopes } from '../core/scope';
import { cast } from '../ops/cast';
import { concat } from '../ops/join';
import { zeros } from '../ops/creation';
import { add } from '../ops/binary';

/** Takes t out of the open tidy scopes: it now belongs to a SparseRows. */
function adopt(t: Tensor): void {
  for (let s = scopes.length - 1; s >= 0; s--) {
    const i = scopes[s].lastIndexOf(t);
    if (i >= 0) {
      scopes[s].splice(i, 1);
      return;
    }
  }
}

export class SparseRows extends Tensor {
  /** int32 [nnz]: the row of each entry of values */
  readonly indices: Tensor;
  /** [nnz, ...shape.slice(1)]: the rows (contiguous) */
  readonly values: Tensor;
  /** true when indices are sorted and distinct */
  readonly coalesced: boolean;

  /** Takes ownership of indices and values (they leave any tidy scope; dispose() frees them). */
  constructor(indices: Tensor, values: Tensor, shape: number[], coalesced = false) {
    super(values._st, shape.slice(), contiguousStrides(shape), 0, values.dtype);
    if (indices.dtype !== 'int32' || indices.rank !== 1 || !values.isContiguous() || values.shape[0] !== indices.shape[0] || values.rank !== shape.length)
      fail('SparseRows', `indices ${fmtShape(indices.shape)} ${indices.dtype} and values ${fmtShape(values.shape)} do not describe rows of ${fmtShape(shape)}`, 'ERR_SHAPE');
    for (let d = 1; d < shape.length; d++)
      if (values.shape[d] !== shape[d]) fail('SparseRows', `values ${fmtShape(values.shape)} do not match rows of ${fmtShape(shape)}`, 'ERR_SHAPE');
    // no native handle: an op that bypasses _live (the elementwise fast paths) is refused by
    // native code ("not a tensor storage") instead of reading the rows as a dense table
    this._h = -1;
    adopt(indices);
    adopt(values);
    this.indices = indices;
    this.values = values;
    this.coalesced = coalesced;
  }

  override get isSparse(): boolean {
    return true;
  }

  /** Number of stored rows (with repeats until coalesced). */
  get nnz(): number {
    return this.indices.size;
  }

  /** @internal elements per row */
  get _rowLen(): number {
    return this.shape.length === 0 ? 1 : this.size / this.shape[0];
  }

  /** @internal any op reading this as a dense tensor lands here (checkTensor, views, contiguous). */
  override _live(op: string): this {
    super._live(op);
    return fail(op, `got a row-sparse gradient (${this.nnz} rows of a ${fmtShape(this.shape)} ${this.dtype} tensor); call .toDense() first`, 'ERR_ARGUMENT');
  }

  /** The dense tensor (rows summed into zeros), a new tensor owned by the caller. */
  toDense(): Tensor {
    super._live('toDense');
    const out = zeros(this.shape, { dtype: this.dtype });
    addRowsInto_(out, this, 1);
    return out;
  }

  /** This gradient with sorted, distinct indices (a new SparseRows, or this one when already coalesced). */
  coalesce(): SparseRows {
    super._live('coalesce');
    if (this.coalesced) return this;
    const n = this.nnz;
    const [hi, hv] = native.embedCoalesce(this.indices._h, this.indices._offset, this.values._h, this.values._offset, n, this._rowLen);
    const m = native.toTypedArray(hi, n, 1)[0];
    const idx = Tensor._fromHandle(hi, [m], 'int32');
    const vals = Tensor._fromHandle(hv, [m, ...this.shape.slice(1)], this.dtype);
    return new SparseRows(idx, vals, this.shape, true);
  }

  override dataSync(): ReturnType<Tensor['dataSync']> {
    const d = this.toDense();
    try {
      return d.dataSync();
    } finally {
      d.dispose();
    }
  }

  override toArray(): unknown {
    const d = this.toDense();
    try {
      return d.toArray();
    } finally {
      d.dispose();
    }
  }

  override dispose(): void {
    if (this._disposed) return;
    super.dispose();
    this.indices.dispose();
    this.values.dispose();
  }

  override toString(): string {
    return `SparseRows(shape=${fmtShape(this.shape)}, nnz=${this._disposed ? '?' : this.nnz}, dtype=${this.dtype}${this._disposed ? ', disposed' : ''})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

export function isSparse(t: unknown): t is SparseRows {
  return t instanceof SparseRows;
}

/** @internal dst (contiguous, the dense shape) += alpha * s, in place (one native scatter-add). */
export function addRowsInto_(dst: Tensor, s: SparseRows, alpha: number): void {
  if (s.nnz === 0 || s._rowLen === 0) return;
  const V = s.shape.length === 0 ? 1 : s.shape[0];
  native.embedRowsAdd(dst._h, dst._offset, V, s._rowLen, s.indices._h, s.indices._offset, s.nnz, s.values._h, s.values._offset, alpha, -1, 0);
}

/**
 * The sum of two gradients of one tensor: sparse + sparse concatenates (coalesced lazily),
 * anything with a dense side gives a dense tensor. New, owned by the caller; a and b untouched.
 */
export function addGrads(a: Tensor, b: Tensor): Tensor {
  const sa = isSparse(a);
  const sb = isSparse(b);
  if (!sa && !sb) return add(a, b);
  if (sa && sb) {
    const vb = b.values.dtype === a.dtype ? b.values : cast(b.values, a.dtype);
    const idx = concat([a.indices, b.indices], 0);
    const vals = concat([a.values, vb], 0);
    if (vb !== b.values) vb.dispose();
    return new SparseRows(idx, vals, a.shape, false);
  }
  const d = sa ? b : a;
  const s = (sa ? a : b) as SparseRows;
  let out = d._copyAs(d.dtype);
  if (s.dtype !== out.dtype) {
    const dense = s.toDense();
    const sum = add(out, dense);
    dense.dispose();
    out.dispose();
    out = sum;
  } else addRowsInto_(out, s, 1);
  return out;
}

/** @internal a dense copy of a possibly sparse gradient when it is sparse (else g itself). */
export function densify(g: Tensor): Tensor {
  return isSparse(g) ? g.toDense() : g;
}
