// Inference-time merge of sibling 1x1 convolutions: an Inception block feeds its input to three
// 1x1 Conv2D (→ BatchNormalization → ReLU) branches. At batch 1 they run as one convolution over
// their folded kernels stacked (one pass over the input and one packing of it for the GEMM
// instead of three, and a taller GEMM), each branch's output a channel slice of the result: a
// view, contiguous at batch 1. Used where the fusions run (eval mode, nothing recording); with
// several images per batch the slices would not be contiguous, so each branch runs on its own.
import { Tensor } from '../tensor';
import { noGrad } from '../autograd/tape';
import { derived } from '../nn/imported';
import { cat, split } from '../ops/join';
import { zeros } from '../ops/creation';
import { convNchw, toNchw } from './layout';
import { foldedOf, pointwise } from './fuse';
import type { Fusion } from './fuse';
import type { Call } from './topology';

const actOf = (f: Fusion): boolean => f.act !== null || f.convRelu;

/**
 * Groups of two or more fused 1x1 chains reading the same value with the same activation and
 * layout, by the index of the first one's convolution (the group runs there, in plan order).
 */
export function findSiblings(calls: Call[], fusions: Map<number, Fusion>): Map<number, Fusion[]> {
  const byInput = new Map<string, Fusion[]>();
  for (const f of [...fusions.values()].sort((a, b) => a.conv - b.conv)) {
    const c = calls[f.conv];
    if (!pointwise(c) || f.pool !== null) continue;
    const key = `${c.inputs[0]}\u0000${actOf(f)}\u0000${f.first}`;
    byInput.set(key, [...(byInput.get(key) ?? []), f]);
  }
  const found = new Map<number, Fusion[]>();
  for (const g of byInput.values()) if (g.length > 1) found.set(g[0].conv, g);
  return found;
}

/**
 * Runs sibling group g on NCHW (xFirst) or NHWC x: each chain's output, in g's order; null where
 * the group does not apply (more than one image, shapes that do not fit: the chains then run one by one).
 */
export function runSiblings(owner: object, g: Fusion[], calls: Call[], x: Tensor, xFirst: boolean,
  weightsOf: (c: Call) => Record<string, Tensor>): Tensor[] | null {
  if (x.rank !== 4 || x.shape[0] !== 1) return null;
  const C = xFirst ? x.shape[1] : x.shape[3];
  const parts = g.map((f) => foldedOf(owner, f, calls, C, weightsOf));
  if (parts.some((p) => p === null || p.groups !== 1)) return null;
  const ws = parts.map((p) => p!.w);
  const bs = parts.map((p) => p!.b);
  const anyBias = bs.some((b) => b !== null);
  // the stacked kernel and bias, kept (under a key no single chain uses) until a part is folded again
  const [w, b] = derived(owner, -1 - g[0].conv, [...ws, ...bs.filter((t): t is Tensor => t !== null)], () => noGrad(() => {
    const stacked = [cat(ws, 0)];
    if (anyBias) stacked.push(cat(bs.map((t, i) => t ?? zeros([ws[i].shape[0]], { dtype: ws[i].dtype })), 0));
    return stacked;
  }));
  const y = convNchw(xFirst ? x : toNchw(x), w, [1, 1], [1, 1], 'valid', 1, anyBias ? b : null, actOf(g[0]));
  return split(y, ws.map((t) => t.shape[0]), 1);
}
