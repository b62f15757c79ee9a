// einsum(equation, ...xs): Einstein summation as torch.einsum (1.13) evaluates it.
//
// Subscripts are letters (A-Z sort before a-z), '...' stands for broadcast leading dims, spaces
// are ignored. Implicit output ('ij,jk'): the ellipsis dims, then the letters that occur once,
// sorted. Any dim of size 1 broadcasts against its label's size elsewhere (as torch).
// Evaluation: a repeated letter in one operand takes a strided diagonal view (no copy); letters
// needed nowhere else are summed out early; operands are then contracted left to right, each
// pair as one batched matmul over [batch..., M, K] @ [batch..., K, N] (permute + reshape;
// pairs with no summed letter multiply with broadcasting, as torch's sumproduct_pair).
// Gradients come from the recorded ops (the diagonal view records its own scatter-back).
import { fail, describe, fmtShape } from '../core/errors';
import { tidy } from '../core/memory';
import { Tensor } from '../tensor';
import { record, tracked, needsGradList } from '../autograd/tape';
import { tape } from '../autograd/state';
import { mul } from './binary';
import { eq, logicalAnd } from './logical';
import { sum } from './reduce';
import { matmul } from './matmul';
import { reshape, permute, _viewOf } from './views';
import { arange } from './creation';
import { cast } from './cast';

/** Label ids: 'A'-'Z' -> 0-25, 'a'-'z' -> 26-51 (so sorting ids sorts as torch); ellipsis dim k -> 52 + k. */
const ELL = 52;

interface Term {
  /** letter ids, with -1 where the ellipsis stands */
  labels: number[];
  /** index in the equation where the term starts (for errors) */
  pos: number;
  hasEll: boolean;
}

function labelName(id: number): string {
  if (id >= ELL) return `... (dim ${id - ELL})`;
  return String.fromCharCode(id < 26 ? 65 + id : 97 + id - 26);
}

function bad(eq: string, pos: number, msg: string): never {
  return fail('einsum', `${msg} at position ${pos} of ${JSON.stringify(eq)}`);
}

/** Splits the equation into operand terms and the explicit output term (or null). */
function parse(eq: string): { inputs: Term[]; output: Term | null } {
  const inputs: Term[] = [];
  let output: Term | null = null;
  let cur: Term = { labels: [], pos: 0, hasEll: false };
  for (let i = 0; i < eq.length; i++) {
    const ch = eq[i];
    const c = eq.charCodeAt(i);
    if (ch === ' ') continue;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) {
      cur.labels.push(c <= 90 ? c - 65 : c - 97 + 26);
    } else if (ch === '.') {
      if (eq.slice(i, i + 3) !== '...') bad(eq, i, "'.' that is not part of an ellipsis '...'");
      if (cur.hasEll) bad(eq, i, `a second ellipsis in ${output ? 'the output' : `operand ${inputs.length}`}'s subscripts`);
      cur.hasEll = true;
      cur.labels.push(-1);
      i += 2;
    } else if (ch === ',') {
      if (output) bad(eq, i, "',' in the output subscripts");
      inputs.push(cur);
      cur = { labels: [], pos: i + 1, hasEll: false };
    } else if (ch === '-') {
      if (eq[i + 1] !== '>') bad(eq, i, "'-' not followed by '>'");
      if (output) bad(eq, i, "a second '->'");
      inputs.push(cur);
      output = cur = { labels: [], pos: i + 2, hasEll: false };
      i += 1;
    } else {
      bad(eq, i, `invalid character ${JSON.stringify(ch)} (subscripts are letters a-z, A-Z and '...')`);
    }
  }
  if (!output) inputs.push(cur);
  return { inputs, output };
}

/** An operand with one label id per dim. */
interface Op {
  t: Tensor;
  labels: number[];
}

/**
 * Einstein summation over the operands as the equation says: 'ij,jk->ik' (matmul),
 * 'bij,bjk->bik' (batched), '...ij,...jk->...ik' (broadcast batches), 'ii->i' (diagonal), 'ii'
 * (trace), 'ij->' (sum), 'i,j->ij' (outer), 'ij' (implicit output). Three or more operands are
 * contracted left to right. The operands may also be passed as one array.
 */
export function einsum(equation: string, ...xs: (Tensor | Tensor[])[]): Tensor {
  const op = 'einsum';
  if (typeof equation !== 'string') fail(op, `equation must be a string, got ${describe(equation)}`);
  const list = (xs.length === 1 && Array.isArray(xs[0]) ? xs[0] : xs) as unknown[];
  list.forEach((x, i) => {
    if (!(x instanceof Tensor)) fail(op, `operand ${i} must be a Tensor, got ${describe(x)}`);
    x._live(op);
    if (x.dtype === 'bool') fail(op, `operand ${i} is bool; cast it to int32 or a float dtype first`, 'ERR_DTYPE');
  });
  const tensors = list as Tensor[];
  const { inputs, output } = parse(equation);
  if (inputs.length !== tensors.length)
    fail(op, `${JSON.stringify(equation)} has ${inputs.length} operand subscript${inputs.length === 1 ? '' : 's'} but ${tensors.length} tensor${tensors.length === 1 ? ' was' : 's were'} given`);
  const ops = bindLabels(equation, inputs, tensors);
  const nEll = ops.reduce((m, o) => Math.max(m, o.labels.filter((l) => l >= ELL).length), 0);
  const outLabels = output ? explicitOutput(equation, output, ops, nEll) : implicitOutput(ops, nEll);
  const run = (): Tensor => contractAll(ops, outLabels);
  return needsGradList(tensors) ? run() : tidy(run);
}

/** Gives every dim of every operand its label; checks the counts and the sizes. */
function bindLabels(eq: string, inputs: Term[], tensors: Tensor[]): Op[] {
  const nEll = inputs.reduce((m, term, i) => (term.hasEll ? Math.max(m, tensors[i].shape.length - (term.labels.length - 1)) : m), 0);
  const size = new Map<number, [number, number]>(); // label -> [size, operand] of a non-1 occurrence
  return inputs.map((term, i) => {
    const t = tensors[i];
    const nd = t.shape.length;
    const letters = term.labels.length - (term.hasEll ? 1 : 0);
    if (term.hasEll ? letters > nd : letters !== nd)
      bad(eq, term.pos, `operand ${i} has ${nd} dim${nd === 1 ? '' : 's'} (shape ${fmtShape(t.shape)}) but its subscripts name ${letters}${term.hasEll ? ' besides the ellipsis' : ''}`);
    const cover = nd - letters;
    const labels: number[] = [];
    for (const l of term.labels) {
      if (l >= 0) labels.push(l);
      else for (let k = 0; k < cover; k++) labels.push(ELL + nEll - cover + k);
    }
    labels.forEach((l, d) => {
      const n = t.shape[d];
      const first = labels.indexOf(l);
      if (first !== d && t.shape[first] !== n)
        bad(eq, term.pos, `subscript ${labelName(l)} is repeated in operand ${i} with different sizes (${t.shape[first]} and ${n}, shape ${fmtShape(t.shape)})`);
      if (n === 1) return;
      const seen = size.get(l);
      if (seen && seen[0] !== n)
        bad(eq, term.pos, `subscript ${labelName(l)} has size ${seen[0]} in operand ${seen[1]} but ${n} in operand ${i} (shape ${fmtShape(t.shape)}); sizes must match or be 1`);
      if (!seen) size.set(l, [n, i]);
    });
    return { t, labels };
  });
}

function explicitOutput(eq: string, term: Term, ops: Op[], nEll: number): number[] {
  const present = new Set(ops.flatMap((o) => o.labels));
  const out: number[] = [];
  let p = term.pos;
  for (const l of term.labels) {
    while (eq[p] === ' ') p++;
    if (l < 0) {
      for (let k = 0; k < nEll; k++) out.push(ELL + k);
      p += 3;
      continue;
    }
    if (!present.has(l)) bad(eq, p, `output subscript ${labelName(l)} does not occur in any operand`);
    if (out.includes(l)) bad(eq, p, `output subscript ${labelName(l)} occurs twice`);
    out.push(l);
    p++;
  }
  return out; // ellipsis dims left out of an explicit output are summed (torch)
}

function implicitOutput(ops: Op[], nEll: number): number[] {
  const count = new Map<number, number>();
  for (const o of ops) for (const l of o.labels) if (l < ELL) count.set(l, (count.get(l) ?? 0) + 1);
  const once = [...count].filter(([, c]) => c === 1).map(([l]) => l).sort((a, b) => a - b);
  const out: number[] = [];
  for (let k = 0; k < nEll; k++) out.push(ELL + k);
  return out.concat(once);
}

function contractAll(ops: Op[], out: number[]): Tensor {
  const outSet = new Set(out);
  let acc = diagonal(ops[0]);
  for (let i = 1; i < ops.length; i++) {
    // letters still needed after this pair: the output's and those of later operands
    const keep = new Set(outSet);
    for (let j = i + 1; j < ops.length; j++) for (const l of ops[j].labels) keep.add(l);
    acc = contractPair(acc, diagonal(ops[i]), keep);
  }
  acc = sumOut(acc, (l) => !outSet.has(l));
  const perm = out.map((l) => acc.labels.indexOf(l));
  // an operand itself comes back as a fresh view (the result must not alias the argument object)
  if (perm.every((p, i) => p === i) && !ops.some((o) => o.t === acc.t)) return acc.t;
  return permute(acc.t, perm);
}

/** reshape, skipped when t already has the shape (no node, no view). */
function reshapeTo(t: Tensor, shape: number[]): Tensor {
  return t.shape.length === shape.length && t.shape.every((n, i) => n === shape[i]) ? t : reshape(t, shape);
}

/** Sums the dims whose label satisfies `drop`. */
function sumOut(o: Op, drop: (l: number) => boolean): Op {
  const axes: number[] = [];
  o.labels.forEach((l, d) => drop(l) && axes.push(d));
  if (axes.length === 0) return o;
  return { t: sum(o.t, axes), labels: o.labels.filter((l) => !drop(l)) };
}

/**
 * The diagonal of the dims sharing a label, as a strided view (strides add up); its gradient
 * puts g back on that diagonal (g times an identity mask, so it differentiates again).
 */
function diagonal(o: Op): Op {
  const { t, labels } = o;
  const uniq = labels.filter((l, d) => labels.indexOf(l) === d);
  if (uniq.length === labels.length) return o;
  const shape = uniq.map((l) => t.shape[labels.indexOf(l)]);
  const strides = uniq.map(() => 0);
  labels.forEach((l, d) => (strides[uniq.indexOf(l)] += t._strides[d]));
  const v = _viewOf(t, shape, strides, t._offset);
  if (tape.on && tracked(t)) {
    const xShape = t.shape.slice();
    // g with a size-1 dim wherever x repeats a label, times the mask of equal indices
    const gShape = labels.map((l, d) => (labels.indexOf(l) === d ? xShape[d] : 1));
    record(v, 'einsum diagonal', [t], (g) => [mul(reshape(g, gShape), cast(diagonalMask(labels, xShape), g.dtype))]);
  }
  return { t: v, labels: uniq };
}

/** bool mask over x's repeated dims: true where all dims of each label have one index. */
function diagonalMask(labels: number[], shape: number[]): Tensor {
  const iota = (dim: number): Tensor => reshape(arange(0, shape[dim], 1, { dtype: 'int32' }), shape.map((n, k) => (k === dim ? n : 1)));
  let m: Tensor | null = null;
  for (let d = 0; d < labels.length; d++) {
    const f = labels.indexOf(labels[d]);
    if (f === d) continue;
    const e = eq(iota(f), iota(d));
    m = m === null ? e : logicalAnd(m, e);
  }
  return m as Tensor; // at least one label repeats (diagonal() checked)
}

/** Contracts two operands, keeping the labels in `keep` (and any other label of just one side). */
function contractPair(a0: Op, b0: Op, keep: Set<number>): Op {
  // letters of one side that neither the other side nor anything later needs: sum them now
  let a = sumOut(a0, (l) => !keep.has(l) && !b0.labels.includes(l));
  let b = sumOut(b0, (l) => !keep.has(l) && !a.labels.includes(l));
  const batch: number[] = [];
  const red: number[] = [];
  for (const l of a.labels) if (b.labels.includes(l)) (keep.has(l) ? batch : red).push(l);
  // a summed letter of size 1 on one side only: sum the other side over it first (a broadcast)
  for (const l of red) {
    const na = a.t.shape[a.labels.indexOf(l)];
    const nb = b.t.shape[b.labels.indexOf(l)];
    if (na === 1 && nb !== 1) b = { t: sum(b.t, [b.labels.indexOf(l)], true), labels: b.labels };
    else if (nb === 1 && na !== 1) a = { t: sum(a.t, [a.labels.indexOf(l)], true), labels: a.labels };
  }
  const ma = a.labels.filter((l) => !b.labels.includes(l));
  const nb = b.labels.filter((l) => !a.labels.includes(l));
  const sizeA = (l: number): number => a.t.shape[a.labels.indexOf(l)];
  const sizeB = (l: number): number => b.t.shape[b.labels.indexOf(l)];
  const prod = (ls: number[], f: (l: number) => number): number => ls.reduce((p, l) => p * f(l), 1);
  const bShapeA = batch.map(sizeA);
  const bShapeB = batch.map(sizeB);
  const labels = [...batch, ...ma, ...nb];
  if (red.length === 0) {
    // nothing summed: an elementwise product of the two aligned (broadcast) layouts
    const ta = reshapeTo(arrange(a, [...batch, ...ma]), [...bShapeA, ...ma.map(sizeA), ...nb.map(() => 1)]);
    const tb = reshapeTo(arrange(b, [...batch, ...nb]), [...bShapeB, ...ma.map(() => 1), ...nb.map(sizeB)]);
    return { t: mul(ta, tb), labels };
  }
  const M = prod(ma, sizeA);
  const N = prod(nb, sizeB);
  const K = prod(red, sizeA);
  const ta = reshapeTo(arrange(a, [...batch, ...ma, ...red]), [...bShapeA, M, K]);
  const tb = reshapeTo(arrange(b, [...batch, ...red, ...nb]), [...bShapeB, K, N]);
  const r = matmul(ta, tb); // batch dims of size 1 broadcast inside matmul, without copies
  const outBatch = batch.map((l) => (sizeA(l) === 1 ? sizeB(l) : sizeA(l)));
  return { t: reshapeTo(r, [...outBatch, ...ma.map(sizeA), ...nb.map(sizeB)]), labels };
}

/** o's tensor permuted to the given label order (no node when already in it). */
function arrange(o: Op, order: number[]): Tensor {
  const perm = order.map((l) => o.labels.indexOf(l));
  return perm.every((p, i) => p === i) ? o.t : permute(o.t, perm);
}
