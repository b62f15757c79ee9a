// einsum against torch 1.13 (test/fixtures/torch_ops2.json from gen_ops2.py: values and the
// gradient of every operand for ~40 equations — implicit/explicit output, ellipsis broadcasting,
// diagonals, traces, sums, outer and batched products, 3+ operands, size-1 broadcasting, empty
// and 0-d operands, a tensor used twice), plus gradchecks (second order too), strided operands,
// the matmul route, malformed equations and leaks.
import { tp, rng, seedOf, randArray, expectClose, expectNoLeak, expectThrowsCode, defaultTol } from './helpers';
import { FIX, TRec, build, expectRec } from './ops2-fixtures';

type T = tp.Tensor;
interface EinsumCase {
  eq: string;
  same?: boolean;
  inputs: TRec[];
  y: TRec;
  gy?: TRec;
  grads?: TRec[];
}
const CASES = FIX.einsum as EinsumCase[];

describe('einsum vs torch 1.13: values and gradients', () => {
  const label = (c: EinsumCase): string => `${JSON.stringify(c.eq)} ${c.inputs.map((r) => JSON.stringify(r.shape)).join(' ')} ${c.inputs[0].dtype}${c.same ? ' (one tensor twice)' : ''}`;
  test.each(CASES.map((c) => [label(c), c] as [string, EinsumCase]))('%s', (_n, c) => {
    const float = c.inputs[0].dtype !== 'int32';
    const xs = c.inputs.map((r) => (float ? build(r).requiresGrad_() : build(r)));
    const ops = c.same ? [xs[0], xs[0]] : xs;
    const y = tp.einsum(c.eq, ...ops);
    const tol = undefined; // torch.testing's defaults
    expectRec(y, c.y, 'value', tol);
    expectRec(tp.einsum(c.eq, ops), c.y, 'operands as one array', tol);
    if (float) {
      y.backward(build(c.gy as TRec));
      xs.forEach((x, i) => expectRec(x.grad ?? tp.zerosLike(x), (c.grads as TRec[])[i], `gradient of operand ${i}`, tol));
    }
    tp.dispose([...xs, y]);
  });
});

describe('einsum: layouts, routes, gradcheck', () => {
  const r = rng(seedOf('einsum'));
  const rnd = (shape: number[], dtype: 'float32' | 'float64' = 'float64'): T =>
    tp.tensor(randArray(shape.reduce((a, b) => a * b, 1), r), { shape, dtype });

  test('strided operands (transposed, stepped, flipped, broadcast) give the product of their values', () => {
    const a = rnd([4, 3]);
    const b = rnd([5, 4]);
    const ref = (u: T, v: T): number[] => Array.from(tp.matmul(u.contiguous(), v.contiguous()).dataSync());
    const tol = defaultTol('float64');
    expectClose(tp.einsum('ij,jk->ik', a.T, b.T).dataSync(), ref(a.T, b.T), tol, 'transposed');
    const s = a.stridedSlice([3, 0], [-5, 3], [-2, 1]); // rows 3, 1: flipped and stepped
    expectClose(tp.einsum('ij,kj->ik', s, b.slice([0, 1], [5, 3])).dataSync(), ref(s, b.slice([0, 1], [5, 3]).T), tol, 'stepped');
    const bc = a.slice([1, 0], [1, 3]).broadcastTo([6, 3]);
    expectClose(tp.einsum('ij,jk', bc, b.T.slice([0, 0], [3, 5])).dataSync(), ref(bc, b.T.slice([0, 0], [3, 5])), tol, 'broadcast');
    // the diagonal of a transposed view is the diagonal
    const m = rnd([4, 4]);
    expect(Array.from(tp.einsum('ii->i', m.T).dataSync())).toEqual(Array.from(tp.einsum('ii->i', m).dataSync()));
    tp.dispose([a, b, m]);
  });

  test('contractions run as matmul; diagonals and permutations are views', () => {
    const a = rnd([3, 4]).requiresGrad_();
    const b = rnd([4, 5]).requiresGrad_();
    expect(tp.einsum('ij,jk->ik', a, b).gradFn).toBe('matmul'); // one node: no permute or reshape needed
    expect(tp.einsum('ij,jk->ki', a, b).gradFn).toBe('permute');
    const chain: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    for (let n = (tp.einsum('bij,bjk->bik', rnd([2, 3, 4]), rnd([2, 4, 5]).requiresGrad_()) as any)._node; n; n = n.inputs.find((t: any) => t._node)?._node) chain.push(n.name);
    expect(chain).toContain('matmul');
    expect(chain).not.toContain('mul');
    const m = rnd([3, 3]);
    const d = tp.einsum('ii->i', m);
    d.mul_(0).add_(7); // a view: writes reach m's diagonal, as torch's einsum diagonal
    expect(Array.from(m.dataSync()).filter((v) => v === 7).length).toBe(3);
    const t = tp.einsum('ij->ji', m);
    expect(t.isContiguous()).toBe(false);
    const same = tp.einsum('ij', m);
    expect(same).not.toBe(m); // never the operand itself
    same.dispose();
    expect(m.isDisposed).toBe(false);
    tp.dispose([a, b, m, d, t]);
  });

  const weighted = (y: T): T => y.mul(tp.arange(y.size).reshape(y.shape).cast('float64').add(1)).sum();
  const cases: [string, number[][]][] = [
    ['ij,jk->ik', [[2, 3], [3, 4]]],
    ['bij,bkj->bik', [[2, 2, 3], [2, 4, 3]]],
    ['...ij,...jk->...ik', [[2, 1, 2, 3], [3, 3, 2]]],
    ['ii->i', [[3, 3]]],
    ['ii', [[3, 3]]],
    ['iij->j', [[3, 3, 2]]],
    ['i,j->ij', [[3], [2]]],
    ['ij,jk,kl->il', [[2, 3], [3, 2], [2, 2]]],
    ['ij,jk->ik', [[2, 1], [3, 2]]],
    ['ij->', [[2, 3]]],
  ];
  test.each(cases)('gradcheck %s (first and second order)', (eq, shapes) => {
    const xs = shapes.map((s) => rnd(s));
    expect(tp.gradcheck((...u: T[]) => tp.einsum(eq, ...u), xs)).toBe(true);
    // second order: the gradient of sum(w * einsum(x, x, ...)) with respect to its first operand
    const f2 = (x0: T): T => tp.grad((u: T) => weighted(tp.einsum(eq, u, ...xs.slice(1).map((x) => x.mul(u.sum())))), { createGraph: true })(x0) as T;
    expect(tp.gradcheck(f2, [xs[0]])).toBe(true);
    tp.dispose(xs);
  });

  test('float32, int32 and mixed dtypes promote as matmul', () => {
    const a = tp.tensor([[1, 2], [3, 4]], { dtype: 'int32' });
    const b = tp.tensor([[1, 0], [0, 2]], { dtype: 'float32' });
    const y = tp.einsum('ij,jk->ik', a, b);
    expect(y.dtype).toBe('float32');
    expect(y.toArray()).toEqual([[1, 4], [3, 8]]);
    const z = tp.einsum('ij->j', a);
    expect(z.dtype).toBe('int32');
    expect(z.toArray()).toEqual([4, 6]);
    tp.dispose([a, b, y, z]);
  });

  test('no leaks without a tape (intermediates freed)', () => {
    const a = rnd([2, 3, 4]);
    const b = rnd([2, 4, 5]);
    const m = rnd([3, 3]);
    expectNoLeak(() => tp.einsum('bij,bjk->bik', a, b));
    expectNoLeak(() => tp.einsum('bij,bkj->kib', a, a));
    expectNoLeak(() => tp.einsum('ii', m));
    expectNoLeak(() => tp.einsum('ij,jk,kl->il', m, m.T, m));
    expectNoLeak(() => tp.einsum('...ij,...jk->...ik', a, b.slice([0, 0, 0], [1, 4, 5])));
    tp.dispose([a, b, m]);
  });
});

describe('einsum: malformed equations and bad operands', () => {
  const a = tp.ones([2, 3]);
  const b = tp.ones([3, 4]);
  const bad = (fn: () => unknown, re: RegExp, code = 'ERR_ARGUMENT'): void => expectThrowsCode(fn, code, re);
  test('each error names the equation and the position', () => {
    bad(() => tp.einsum('ij,j1->i', a, b), /einsum: invalid character "1" .* at position 4 of "ij,j1->i"/);
    bad(() => tp.einsum('ij,jk->ik,', a, b), /',' in the output subscripts at position 9/);
    bad(() => tp.einsum('ij,jk-ik', a, b), /'-' not followed by '>' at position 5/);
    bad(() => tp.einsum('ij->i->j', a), /a second '->' at position 5/);
    bad(() => tp.einsum('i..j,jk', a, b), /'\.' that is not part of an ellipsis '...' at position 1/);
    bad(() => tp.einsum('...i...,jk', a, b), /a second ellipsis in operand 0's subscripts at position 4/);
    bad(() => tp.einsum('ijk,jk->i', a, b), /operand 0 has 2 dims \(shape \[2,3\]\) but its subscripts name 3 at position 0/);
    bad(() => tp.einsum('ij,j->i', a, b), /operand 1 has 2 dims .* name 1 at position 3/);
    bad(() => tp.einsum('...ijk,jk', a, b), /name 3 besides the ellipsis/);
    bad(() => tp.einsum('ij,kj->ik', a, b), /subscript j has size 3 in operand 0 but 4 in operand 1 .* at position 3 of "ij,kj->ik"/);
    bad(() => tp.einsum('ii->i', a), /subscript i is repeated in operand 0 with different sizes \(2 and 3/);
    bad(() => tp.einsum('ij,jk->iz', a, b), /output subscript z does not occur in any operand at position 8/);
    bad(() => tp.einsum('ij,jk->ii', a, b), /output subscript i occurs twice at position 8/);
    bad(() => tp.einsum('ij,jk->ik', a), /"ij,jk->ik" has 2 operand subscripts but 1 tensor was given/);
    bad(() => tp.einsum('ij', a, b), /1 operand subscript but 2 tensors were given/);
    bad(() => tp.einsum(5 as never, a), /einsum: equation must be a string, got 5/);
    bad(() => tp.einsum('ij', 'x' as never), /operand 0 must be a Tensor, got "x"/);
    bad(() => tp.einsum('ij', tp.ones([2, 2], { dtype: 'bool' })), /operand 0 is bool/, 'ERR_DTYPE');
    bad(() => tp.einsum('...ij,...jk', tp.ones([2, 2, 3]), tp.ones([3, 3, 4])), /subscript \.\.\. \(dim 0\) has size 2 in operand 0 but 3 in operand 1/);
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => tp.einsum('i', d), 'ERR_DISPOSED', /einsum/);
  });
  afterAll(() => tp.dispose([a, b]));
});
