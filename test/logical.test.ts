// Comparisons (eq ne lt le gt ge + TF spellings), logical ops and where() against plain-JS
// references on fresh seeded random inputs: every dtype, promotion, weak scalars, broadcasting,
// strided views, empty and 0-d tensors, NaN/Inf, errors and leaks.
import { tp, rng, seedOf, randArray, randInts, f32, prod, stridesOf, expectTensor, expectNoLeak, expectThrowsCode } from './helpers';
import { DT, DTS, TA, mk, store, walk, ViewSpec, viewOf, bmap } from './elementwise-helpers';

const RANK: Record<DT, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

// ---- helpers (shared in spirit with the other elementwise test files) -------------------

/** Small values so that equality happens often; floats are halves, some zeros. */
function gen(n: number, dtype: DT, r: () => number): number[] {
  if (dtype === 'bool') return randInts(n, r, 0, 2);
  const v = randInts(n, r, -3, 4);
  if (dtype === 'int32') return v;
  const halves = v.map((x, i) => (i % 2 ? x / 2 : x));
  return dtype === 'float32' ? halves.map(f32) : halves;
}
function genFrac(n: number, dtype: DT, r: () => number): number[] {
  if (dtype === 'bool' || dtype === 'int32') return gen(n, dtype, r);
  const v = randArray(n, r, -2, 2);
  return dtype === 'float32' ? v.map(f32) : v;
}
function bshape(...shapes: number[][]): number[] {
  const n = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of shapes) {
      const k = i - (n - s.length);
      if (k >= 0 && s[k] !== 1) d = s[k];
    }
    out.push(d);
  }
  return out;
}
function refBinary(av: number[], as: number[], bv: number[], bs: number[], f: (x: number, y: number) => boolean): number[] {
  const os = bshape(as, bs);
  const ia = bmap(as, os);
  const ib = bmap(bs, os);
  return ia.map((p, i) => (f(av[p], bv[ib[i]]) ? 1 : 0));
}

// ---- comparisons and logical binary ops -------------------------------------------------

type Fn = (a: unknown, b: unknown) => tp.Tensor;
const FN = tp as unknown as Record<string, Fn>;
const truthy = (x: number) => x !== 0; // NaN is true
const CMP: [string, string, (x: number, y: number) => boolean][] = [
  ['eq', 'equal', (x, y) => x === y],
  ['ne', 'notEqual', (x, y) => x !== y],
  ['lt', 'less', (x, y) => x < y],
  ['le', 'lessEqual', (x, y) => x <= y],
  ['gt', 'greater', (x, y) => x > y],
  ['ge', 'greaterEqual', (x, y) => x >= y],
  ['logicalAnd', '', (x, y) => truthy(x) && truthy(y)],
  ['logicalOr', '', (x, y) => truthy(x) || truthy(y)],
  ['logicalXor', '', (x, y) => truthy(x) !== truthy(y)],
];

describe.each(CMP)('%s', (name, alias, f) => {
  const names = alias ? [name, alias] : [name];
  test.each(DTS)('%s: same shape and broadcast shapes, function, alias and method -> bool', (dt) => {
    const r = rng(seedOf(`${name}/${dt}`));
    const pairs: [number[], number[]][] = [[[3, 4], [3, 4]], [[4, 1, 5], [3, 1]], [[3, 1], [1, 4]], [[], [2, 3]], [[2, 3], []], [[0, 3], [3]], [[0, 1], [1, 4]]];
    for (const [as, bs] of pairs) {
      const av = gen(prod(as), dt, r);
      const bv = gen(prod(bs), dt, r);
      const a = mk(av, as, dt);
      const b = mk(bv, bs, dt);
      const want = refBinary(av, as, bv, bs, f);
      for (const n of names) {
        expectTensor(FN[n](a, b), bshape(as, bs), 'bool', want, undefined, `${n} ${as} ${bs}`);
        const m = (a as unknown as Record<string, (b: tp.Tensor) => tp.Tensor>)[n].call(a, b);
        expectTensor(m, bshape(as, bs), 'bool', want);
      }
      tp.dispose([a, b]);
    }
  });

  test('mixed dtypes compare in the promoted dtype', () => {
    const r = rng(seedOf(`${name}/mixed`));
    for (const da of DTS) {
      for (const db of DTS) {
        if (da === db) continue;
        const av = genFrac(6, da, r);
        const bv = genFrac(3, db, r);
        const a = mk(av, [2, 3], da);
        const b = mk(bv, [3], db);
        const p: DT = RANK[da] >= RANK[db] ? da : db;
        // the values are first converted to the promoted dtype (float32 rounding of a float64 does not apply: p is wider)
        const want = refBinary(av.map((v) => store(v, p)), [2, 3], bv.map((v) => store(v, p)), [3], f);
        expectTensor(FN[name](a, b), [2, 3], 'bool', want, undefined, `${da} vs ${db}`);
        tp.dispose([a, b]);
      }
    }
  });

  test('weak scalars on either side', () => {
    const r = rng(seedOf(`${name}/scalars`));
    for (const dt of DTS) {
      const v = gen(8, dt, r);
      const x = mk(v, [8], dt);
      for (const s of [0, 1, -1.5, 0.5, true, false, NaN, Infinity]) {
        const sv = Number(s);
        expectTensor(FN[name](x, s), [8], 'bool', v.map((a) => (f(a, sv) ? 1 : 0)), undefined, `${dt} ${name} ${s}`);
        expectTensor(FN[name](s, x), [8], 'bool', v.map((a) => (f(sv, a) ? 1 : 0)), undefined, `${s} ${name} ${dt}`);
      }
      x.dispose();
    }
    expectTensor(FN[name](2, 3), [], 'bool', [f(2, 3) ? 1 : 0]);
  });

  test('strided views and a stride-0 operand', () => {
    const r = rng(seedOf(`${name}/views`));
    const shape = [4, 6];
    for (const dt of ['float32', 'int32', 'bool'] as DT[]) {
      const av = gen(24, dt, r);
      const bv = gen(24, dt, r);
      const want = refBinary(av, shape, bv, shape, f);
      for (const [sa, sb] of [[{ perm: [1, 0] }, { step: 2 }], [{ flip: [true, false] }, { perm: [1, 0], flip: [false, true] }], [{}, { perm: [1, 0], step: 2 }]] as ViewSpec[][]) {
        const a = viewOf(av, shape, dt, sa);
        const b = viewOf(bv, shape, dt, sb);
        expectTensor(FN[name](a, b), shape, 'bool', want, undefined, `${dt} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
        tp.dispose([a, b]);
      }
      const rowT = mk(bv.slice(0, 6), [6], dt);
      const row = rowT._view(shape, [0, 1], 0);
      rowT.dispose();
      const a = viewOf(av, shape, dt, { perm: [1, 0] });
      expectTensor(FN[name](a, row), shape, 'bool', refBinary(av, shape, bv.slice(0, 6), [6], f));
      tp.dispose([a, row]);
    }
  });

  test('NaN and ±Inf', () => {
    const S = [NaN, Infinity, -Infinity, 0, -0, 1.5, -2];
    const pa: number[] = [];
    const pb: number[] = [];
    for (const x of S) for (const y of S) (pa.push(x), pb.push(y));
    for (const dt of ['float32', 'float64'] as DT[]) {
      const a = mk(pa, [pa.length], dt);
      const b = mk(pb, [pb.length], dt);
      expectTensor(FN[name](a, b), [pa.length], 'bool', pa.map((x, i) => (f(x, pb[i]) ? 1 : 0)));
      tp.dispose([a, b]);
    }
  });

  test('large operands (threaded path)', () => {
    const r = rng(seedOf(`${name}/large`));
    const av = gen(70000, 'float32', r);
    const bv = gen(70000, 'float32', r);
    const a = mk(av, [70000], 'float32');
    const b = mk(bv, [70000], 'float32');
    expectTensor(FN[name](a, b), [70000], 'bool', av.map((x, i) => (f(x, bv[i]) ? 1 : 0)));
    tp.dispose([a, b]);
  });

  test('bad input and no leaks', () => {
    const x = tp.ones([2, 3]);
    const y = tp.ones([4]);
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => FN[name]('a', x), 'ERR_ARGUMENT', new RegExp(`${name}: a must be a Tensor, a number or a boolean, got "a"`));
    expectThrowsCode(() => FN[name](x, null), 'ERR_ARGUMENT', new RegExp(`${name}: b must be`));
    expectThrowsCode(() => FN[name](x, y), 'ERR_SHAPE', new RegExp(`${name}: shapes \\[2,3\\] and \\[4\\] cannot be broadcast`));
    expectThrowsCode(() => FN[name](d, x), 'ERR_DISPOSED');
    const i = mk([1, 2, 3], [3], 'int32');
    const v = viewOf([1, 0, 2, 0, 3, 0], [2, 3], 'float64', { perm: [1, 0] });
    expectNoLeak(() => FN[name](i, x));
    expectNoLeak(() => FN[name](v, 2.5));
    expectNoLeak(() => FN[name](true, i));
    tp.dispose([x, y, i, v]);
  });
});

describe('outputs past the streaming-store threshold (8 MB)', () => {
  test('lt to bool (8.4 MB) and where on float64 (9.6 MB)', () => {
    const n = 8400017;
    const av = new Float32Array(n);
    for (let i = 0; i < n; i++) av[i] = (i % 7) - 3;
    const a = tp.tensor(av);
    const lt = tp.lt(a, 0);
    const got = lt.dataSync();
    let bad = -1;
    for (let i = 0; i < n && bad < 0; i++) if (got[i] !== (av[i] < 0 ? 1 : 0)) bad = i;
    expect(bad).toBe(-1);
    const m = 1200001;
    const c = tp.tensor(Uint8Array.from({ length: m }, (_, i) => (i % 3 === 0 ? 1 : 0)), { dtype: 'bool' });
    const x = tp.tensor(Float64Array.from({ length: m }, (_, i) => i * 0.5));
    const w = tp.where(c, x, -1);
    const gw = w.dataSync();
    bad = -1;
    for (let i = 0; i < m && bad < 0; i++) if (gw[i] !== (i % 3 === 0 ? i * 0.5 : -1)) bad = i;
    expect(bad).toBe(-1);
    tp.dispose([a, lt, c, x, w]);
  });
});

describe('logicalNot', () => {
  test('every dtype; NaN counts as true', () => {
    const cases: [DT, number[], number[]][] = [
      ['float32', [0, -0, 1.5, NaN, -Infinity], [1, 1, 0, 0, 0]],
      ['float64', [0, 2, NaN], [1, 0, 0]],
      ['int32', [0, 7, -1], [1, 0, 0]],
      ['bool', [0, 1], [1, 0]],
    ];
    for (const [dt, v, want] of cases) {
      const x = mk(v, [v.length], dt);
      expectTensor(tp.logicalNot(x), [v.length], 'bool', want);
      expectTensor(x.logicalNot(), [v.length], 'bool', want);
      const t = viewOf(v, [v.length], dt, { flip: [true] });
      expectTensor(t.logicalNot(), [v.length], 'bool', want.slice());
      tp.dispose([x, t]);
    }
  });
});

// ---- where ------------------------------------------------------------------------------

describe('where', () => {
  function refWhere(cv: number[], cs: number[], av: number[], as: number[], bv: number[], bs: number[], out: DT): number[] {
    const os = bshape(cs, as, bs);
    const ic = bmap(cs, os);
    const ia = bmap(as, os);
    const ib = bmap(bs, os);
    return ic.map((p, i) => store(cv[p] !== 0 ? av[ia[i]] : bv[ib[i]], out));
  }

  test.each(DTS)('%s values, broadcasting all three operands', (dt) => {
    const r = rng(seedOf(`where/${dt}`));
    const triples: [number[], number[], number[]][] = [
      [[3, 4], [3, 4], [3, 4]],
      [[3, 1], [1, 4], []],
      [[4], [2, 1, 4], [3, 1]],
      [[], [2, 3], [2, 1]],
      [[0, 3], [0, 3], [3]],
      [[2, 1], [0], [1]],
    ];
    for (const [cs, as, bs] of triples) {
      const cv = gen(prod(cs), 'bool', r);
      const av = genFrac(prod(as), dt, r);
      const bv = genFrac(prod(bs), dt, r);
      const c = mk(cv, cs, 'bool');
      const a = mk(av, as, dt);
      const b = mk(bv, bs, dt);
      expectTensor(tp.where(c, a, b), bshape(cs, as, bs), dt, refWhere(cv, cs, av, as, bv, bs, dt), undefined, `${cs} ${as} ${bs}`);
      // torch's method form: a.where(cond, b)
      expectTensor(a.where(c, b), bshape(cs, as, bs), dt, refWhere(cv, cs, av, as, bv, bs, dt));
      tp.dispose([c, a, b]);
    }
  });

  test('a non-bool condition is read as nonzero (NaN = true)', () => {
    const r = rng(seedOf('where/cond'));
    for (const cd of ['float32', 'float64', 'int32'] as DT[]) {
      const cv = cd === 'int32' ? [0, 3, -1, 0] : [0, NaN, -0.5, -0];
      const c = mk(cv, [4], cd);
      const av = genFrac(4, 'float32', r);
      const a = mk(av, [4], 'float32');
      expectTensor(tp.where(c, a, -9), [4], 'float32', cv.map((x, i) => (x !== 0 ? av[i] : -9)));
      tp.dispose([c, a]);
    }
  });

  test('promotion of the value operands, weak scalars on either side', () => {
    const c = mk([1, 0, 1], [3], 'bool');
    const i = mk([1, 2, 3], [3], 'int32');
    const f = mk([0.5, 1.5, 2.5], [3], 'float32');
    const d = mk([-1, -2, -3], [3], 'float64');
    const b = mk([0, 1, 1], [3], 'bool');
    expectTensor(tp.where(c, i, f), [3], 'float32', [1, 1.5, 3]);
    expectTensor(tp.where(c, f, d), [3], 'float64', [0.5, -2, 2.5]);
    expectTensor(tp.where(c, b, i), [3], 'int32', [0, 2, 1]);
    expectTensor(tp.where(c, i, 2.5), [3], 'float32', [1, 2.5, 3]);
    expectTensor(tp.where(c, i, 7), [3], 'int32', [1, 7, 3]);
    expectTensor(tp.where(c, -1, i), [3], 'int32', [-1, 2, -1]);
    expectTensor(tp.where(c, b, 2), [3], 'int32', [0, 2, 1]);
    expectTensor(tp.where(c, b, false), [3], 'bool', [0, 0, 1]);
    expectTensor(tp.where(c, f, NaN), [3], 'float32', [0.5, NaN, 2.5]);
    expectTensor(tp.where(c, d, Infinity), [3], 'float64', [-1, Infinity, -3]);
    expectTensor(tp.where(c, 1, 2), [3], 'float32', [1, 2, 1]); // numbers alone: float32, as tp.tensor(1)
    expectTensor(tp.where(c, 1, 2.5), [3], 'float32', [1, 2.5, 1]);
    expectTensor(tp.where(c, true, false), [3], 'bool', [1, 0, 1]);
    expectTensor(i.where(c, 0), [3], 'int32', [1, 0, 3]);
    tp.dispose([c, i, f, d, b]);
  });

  test('strided views of every operand, large and threaded', () => {
    const r = rng(seedOf('where/views'));
    const shape = [4, 6];
    const cv = gen(24, 'bool', r);
    const av = genFrac(24, 'float32', r);
    const bv = genFrac(24, 'float32', r);
    const want = refWhere(cv, shape, av, shape, bv, shape, 'float32');
    const specs: ViewSpec[] = [{}, { perm: [1, 0] }, { step: 2 }, { flip: [true, true] }];
    for (const sc of specs) {
      for (const sa of specs) {
        const c = viewOf(cv, shape, 'bool', sc);
        const a = viewOf(av, shape, 'float32', sa);
        const b = viewOf(bv, shape, 'float32', { perm: [1, 0], flip: [false, true] });
        expectTensor(tp.where(c, a, b), shape, 'float32', want, undefined, `${JSON.stringify(sc)} ${JSON.stringify(sa)}`);
        tp.dispose([c, a, b]);
      }
    }
    const n = 70000;
    const cl = gen(n, 'bool', r);
    const al = genFrac(n, 'float64', r);
    const c = mk(cl, [n], 'bool');
    const a = mk(al, [n], 'float64');
    expectTensor(tp.where(c, a, 0), [n], 'float64', cl.map((x, i) => (x ? al[i] : 0)));
    const at = viewOf(al, [350, 200], 'float64', { perm: [1, 0] });
    const c2 = mk(cl, [350, 200], 'bool');
    expectTensor(tp.where(c2, at, -1), [350, 200], 'float64', cl.map((x, i) => (x ? al[i] : -1)));
    tp.dispose([c, a, at, c2]);
  });

  test('0-d and empty', () => {
    const c = tp.tensor(true);
    const a = tp.tensor(1.5);
    expectTensor(tp.where(c, a, 2), [], 'float32', [1.5]);
    expectTensor(tp.where(tp.tensor(false), a, 2), [], 'float32', [2]);
    const e = tp.zeros([0, 2], { dtype: 'bool' });
    expectTensor(tp.where(e, 1, 2), [0, 2], 'float32', []);
    tp.dispose([c, a, e]);
  });

  test('bad input and no leaks', () => {
    const c = mk([1, 0], [2], 'bool');
    const x = tp.ones([2]);
    const y = tp.ones([3]);
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => tp.where([1, 0] as never, x, 0), 'ERR_ARGUMENT', /where: condition must be a Tensor, got array\(2\)/);
    expectThrowsCode(() => tp.where(c, 'a' as never, 0), 'ERR_ARGUMENT', /where: a must be a Tensor, a number or a boolean/);
    expectThrowsCode(() => tp.where(c, x, undefined as never), 'ERR_ARGUMENT', /where: b must be/);
    expectThrowsCode(() => tp.where(c, x, y), 'ERR_SHAPE', /where: shapes \[2\] and \[3\] cannot be broadcast/);
    expectThrowsCode(() => tp.where(d, x, 0), 'ERR_DISPOSED', /where/);
    expectThrowsCode(() => tp.where(c, d, 0), 'ERR_DISPOSED', /where/);
    const fc = mk([1, 0], [2], 'float32');
    const i = mk([1, 2], [2], 'int32');
    expectThrowsCode(() => tp.where(c, i, 2 ** 40), 'ERR_ARGUMENT', /where: b = 1099511627776 does not fit/);
    expectNoLeak(() => tp.where(fc, i, 0.5)); // casts of cond and a freed
    expectNoLeak(() => tp.where(c, 1, 2));
    tp.dispose([c, x, y, fc, i]);
  });
});
