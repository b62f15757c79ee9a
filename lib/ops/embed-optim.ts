// Row-sparse optimizer updates (native/cpu/embed.cc): lib/optim calls these for a parameter
// whose .grad is a SparseRows. The parameter (and every state buffer) is a contiguous table;
// rows are the first dim. Adagrad and SparseAdam need a coalesced gradient (distinct rows).
import { native } from '../core/native';
import { Tensor } from '../tensor';
import { SparseRows, addRowsInto_ } from '../autograd/sparse';

function dims(p: Tensor): [number, number] {
  const V = p.rank === 0 ? 1 : p.shape[0];
  return [V, V === 0 ? 0 : p.size / V];
}

/** @internal p += alpha * g (repeated rows summed): torch's param.add_(sparse, alpha). */
export function sparseAxpy_(p: Tensor, g: SparseRows, alpha: number): void {
  addRowsInto_(p, g, alpha);
}

/** @internal torch's sparse Adagrad on coalesced g: sum += g^2; p -= clr * g / (sqrt(sum) + eps). */
export function sparseAdagradStep_(p: Tensor, g: SparseRows, sum: Tensor, clr: number, eps: number): void {
  const [V, D] = dims(p);
  native.sparseAdagradStep(p._h, p._offset, V, D, sum._h, g.indices._h, g.indices._offset, g.values._h, g.values._offset, g.nnz, clr, eps);
}

/** @internal torch's SparseAdam on coalesced g (only g's rows of the moments move); `step` is 1-based. */
export function sparseAdamStep_(p: Tensor, g: SparseRows, expAvg: Tensor, expAvgSq: Tensor, o: { lr: number; betas: [number, number]; eps: number }, step: number): void {
  const [V, D] = dims(p);
  native.sparseAdamStep(p._h, p._offset, V, D, expAvg._h, expAvgSq._h, g.indices._h, g.indices._offset, g.values._h, g.values._offset, g.nnz, o.lr, o.betas[0], o.betas[1], o.eps, step);
}
