// Binary arithmetic ops (add sub mul div pow maximum minimum mod and their aliases) against
// plain-JS references on fresh seeded random inputs: every dtype, broadcasting, strided views,
// empty and 0-d tensors, NaN/Inf, promotion, weak scalars, errors and leaks.
import { tp, rng, seedOf, randArray, randInts, f32, prod, stridesOf, expectTensor, expectNoLeak, expectThrowsCode } from './helpers';
import { DT, DTS, TA, INT_MIN, INT_MAX, gen, mk, store, walk, ViewSpec, viewOf, bmap } from './elementwise-helpers';


// ---- helpers (shared in spirit with the other elementwise test files) -------------------

/** Random values representable in dtype: floats in [lo, hi), ints in [lo, hi], bools 0/1. */
/** Rounds a float64 reference result to what dtype stores. */

/**
 * A strided view with logical content `values` (row-major over shape) and the given layout,
 * built with x._view over a padded storage whose unused slots hold junk.
 */
/** A stride-0 view broadcasting `small` (shape sshape) to shape; returns it and its logical values. */
function bcastView(small: number[], sshape: number[], shape: number[], dtype: DT): [tp.Tensor, number[]] {
  const b = mk(small, sshape, dtype);
  const st = stridesOf(sshape);
  const off = shape.length - sshape.length;
  const strides = shape.map((s, d) => (d < off || sshape[d - off] === 1 ? 0 : st[d - off]));
  const v = b._view(shape.slice(), strides, 0);
  b.dispose();
  return [v, bmap(sshape, shape).map((i) => small[i])];
}
/** Storage positions offset + sum(idx * strides) of every index of shape, in row-major order. */
/** For each flat index of `out`, the flat index into a tensor of `shape` broadcast to it. */
function bshape(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    out.push(da === 1 ? db : da);
  }
  return out;
}
/** Reference of a broadcasting binary op, rounded to the output dtype. */
function refBinary(av: number[], as: number[], bv: number[], bs: number[], f: (x: number, y: number) => number, out: DT): number[] {
  const os = bshape(as, bs);
  const ia = bmap(as, os);
  const ib = bmap(bs, os);
  return ia.map((p, i) => store(f(av[p], bv[ib[i]]), out));
}

// ---- the ops and their references -------------------------------------------------------

type Fn = (a: tp.Tensor | number | boolean, b: tp.Tensor | number | boolean) => tp.Tensor;
interface OpCase {
  name: 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'mod';
  ref: (x: number, y: number, dt: DT) => number; // dt: the compute dtype
  dtypes: DT[]; // compute dtypes the op runs on directly
  genA?: (n: number, dt: DT, r: () => number) => number[];
  genB?: (n: number, dt: DT, r: () => number) => number[];
}

function ipow(x: number, e: number): number {
  let r = 1;
  for (let i = 0; i < e; i++) r = Math.imul(r, x);
  return r;
}
/** C's pow: unlike Math.pow, 1 ** anything and (-1) ** ±Inf are 1. */
function cpow(x: number, y: number): number {
  if (x === 1 || (x === -1 && (y === Infinity || y === -Infinity))) return 1;
  return Math.pow(x, y);
}
function floorMod(x: number, y: number, dt: DT): number {
  if (dt === 'int32') {
    if (y === -1) return 0;
    let m = x % y;
    if (m !== 0 && y < 0 !== m < 0) m += y;
    return m;
  }
  let m = x % y; // fmod, exact
  if (m !== 0 && y < 0 !== m < 0) m = dt === 'float32' ? f32(m + y) : m + y;
  return m;
}
const nanMax = (x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y));
const nanMin = (x: number, y: number) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y));
/** nonzero divisors with magnitude in [0.5, 3] (or 1..4 for ints), random sign */
function divisors(n: number, dt: DT, r: () => number): number[] {
  return gen(n, dt, r, dt === 'int32' ? 1 : 0.5, dt === 'int32' ? 4 : 3).map((v) => (r() < 0.5 ? -v : v));
}

const OPS: OpCase[] = [
  { name: 'add', dtypes: DTS, ref: (x, y, dt) => (dt === 'int32' ? (x + y) | 0 : dt === 'bool' ? x | y : x + y) },
  { name: 'sub', dtypes: ['float32', 'float64', 'int32'], ref: (x, y, dt) => (dt === 'int32' ? (x - y) | 0 : x - y) },
  { name: 'mul', dtypes: DTS, ref: (x, y, dt) => (dt === 'int32' ? Math.imul(x, y) : x * y) },
  { name: 'div', dtypes: ['float32', 'float64'], ref: (x, y) => x / y, genB: divisors },
  {
    name: 'pow',
    dtypes: ['float32', 'float64', 'int32'],
    ref: (x, y, dt) => (dt === 'int32' ? ipow(x, y) : cpow(x, y)),
    genA: (n, dt, r) => gen(n, dt, r, dt === 'int32' ? -4 : 0.1, 3),
    genB: (n, dt, r) => gen(n, dt, r, dt === 'int32' ? 0 : -2, dt === 'int32' ? 6 : 3),
  },
  { name: 'maximum', dtypes: DTS, ref: nanMax },
  { name: 'minimum', dtypes: DTS, ref: nanMin },
  { name: 'mod', dtypes: ['float32', 'float64', 'int32'], ref: floorMod, genA: (n, dt, r) => gen(n, dt, r, -9, 9), genB: divisors },
];
const FN = tp as unknown as Record<string, Fn>;

function inputs(c: OpCase, dt: DT, n: number, r: () => number): [number[], number[]] {
  return [(c.genA ?? gen)(n, dt, r), (c.genB ?? gen)(n, dt, r)];
}

// ---- tests ------------------------------------------------------------------------------

describe.each(OPS)('$name', (c) => {
  test.each(c.dtypes)('%s: same shape, function and method', (dt) => {
    const r = rng(seedOf(`${c.name}/${dt}/same`));
    const shape = [3, 4, 5];
    const [av, bv] = inputs(c, dt, 60, r);
    const a = mk(av, shape, dt);
    const b = mk(bv, shape, dt);
    const want = refBinary(av, shape, bv, shape, (x, y) => c.ref(x, y, dt), dt);
    expectTensor(FN[c.name](a, b), shape, dt, want);
    const m = (a as unknown as Record<string, (b: tp.Tensor) => tp.Tensor>)[c.name].call(a, b);
    expectTensor(m, shape, dt, want);
    tp.dispose([a, b, m]);
  });

  test.each(c.dtypes)('%s: broadcasting (one side, both sides, 0-d, size-0 dims)', (dt) => {
    const r = rng(seedOf(`${c.name}/${dt}/bcast`));
    const pairs: [number[], number[]][] = [
      [[4, 1, 5], [3, 1]], // both broadcast -> [4,3,5]
      [[3, 1], [1, 4]],
      [[2, 3, 4], [4]],
      [[5], [2, 1, 1]],
      [[], [2, 3]],
      [[2, 3], []],
      [[0, 3], [3]],
      [[0, 1], [1, 4]],
      [[2, 0], [2, 1]],
    ];
    for (const [as, bs] of pairs) {
      const [av] = inputs(c, dt, prod(as), r);
      const [, bv] = inputs(c, dt, prod(bs), r);
      const a = mk(av, as, dt);
      const b = mk(bv, bs, dt);
      const out = FN[c.name](a, b);
      expectTensor(out, bshape(as, bs), dt, refBinary(av, as, bv, bs, (x, y) => c.ref(x, y, dt), dt), undefined, `${as} op ${bs}`);
      tp.dispose([a, b, out]);
    }
  });

  test.each(c.dtypes)('%s: strided views (transposed, stride 2, negative, stride 0)', (dt) => {
    const r = rng(seedOf(`${c.name}/${dt}/views`));
    const shape = [4, 6];
    const [av, bv] = inputs(c, dt, 24, r);
    const f = (x: number, y: number) => c.ref(x, y, dt);
    const want = refBinary(av, shape, bv, shape, f, dt);
    const specs: ViewSpec[] = [{ perm: [1, 0] }, { step: 2 }, { flip: [true, true] }, { perm: [1, 0], flip: [false, true], step: 2 }];
    for (const sa of specs) {
      for (const sb of [{}, ...specs]) {
        const a = viewOf(av, shape, dt, sa);
        const b = viewOf(bv, shape, dt, sb);
        expectTensor(FN[c.name](a, b), shape, dt, want, undefined, `${JSON.stringify(sa)} op ${JSON.stringify(sb)}`);
        tp.dispose([a, b]);
      }
    }
    // a stride-0 view (expanded row) against a transposed view
    const [rowA, rowB] = inputs(c, dt, 6, r);
    const [bcA, bcAVals] = bcastView(rowA, [6], shape, dt);
    const [bcB, bcBVals] = bcastView(rowB, [6], shape, dt);
    const tA = viewOf(av, shape, dt, { perm: [1, 0] });
    const tB = viewOf(bv, shape, dt, { perm: [1, 0] });
    expectTensor(FN[c.name](bcA, tB), shape, dt, refBinary(bcAVals, shape, bv, shape, f, dt));
    expectTensor(FN[c.name](tA, bcB), shape, dt, refBinary(av, shape, bcBVals, shape, f, dt));
    tp.dispose([bcA, bcB, tA, tB]);
  });

  // above 2 x the grain (65536 elements) the kernels split across threads; one cheap and two
  // costly-grain ops cover both grains (every op shares the same loop template)
  if (['add', 'pow', 'mod'].includes(c.name)) test('large operands take the threaded path and stay correct', () => {
    const dt: DT = 'float32';
    const r = rng(seedOf(`${c.name}/large`));
    const as = [260, 257];
    const bs = [257];
    const [av] = inputs(c, dt, prod(as), r);
    const [, bv] = inputs(c, dt, 257, r);
    const a = mk(av, as, dt);
    const b = mk(bv, bs, dt);
    const f = (x: number, y: number) => c.ref(x, y, dt);
    expectTensor(FN[c.name](a, b), as, dt, refBinary(av, as, bv, bs, f, dt));
    // transposed large view: the strided inner loop, split across threads
    const at = viewOf(av, as, dt, { perm: [1, 0] });
    expectTensor(FN[c.name](at, b), as, dt, refBinary(av, as, bv, bs, f, dt));
    tp.dispose([a, b, at]);
  });
});

describe('outputs past the streaming-store threshold (8 MB)', () => {
  test('add with a broadcast row of odd length: unaligned row starts, both threads', () => {
    const rows = 2101;
    const cols = 1001; // 2.1M float32 = 8.4 MB out; rows start at odd multiples of 4 bytes
    const av = new Float32Array(rows * cols);
    for (let i = 0; i < av.length; i++) av[i] = ((i * 7919) % 10007) / 2501.75 - 2; // varied, in [-2, 2)
    const bv = new Float32Array(cols);
    for (let i = 0; i < cols; i++) bv[i] = ((i * 104729) % 1009) / 252.25 - 2;
    const a = tp.tensor(av, { shape: [rows, cols] });
    const b = tp.tensor(bv);
    const out = tp.add(a, b);
    const got = out.dataSync();
    const want = new Float32Array(av.length);
    for (let i = 0; i < av.length; i++) want[i] = av[i] + bv[i % cols];
    expect(out.shape).toEqual([rows, cols]);
    expect(Buffer.compare(Buffer.from(got.buffer), Buffer.from(want.buffer))).toBe(0);
    // float64 mul, contiguous both sides (16.8 MB out)
    const d = tp.tensor(Float64Array.from(av), { shape: [rows, cols] });
    const m = tp.mul(d, d);
    const gm = m.dataSync();
    let bad = -1;
    for (let i = 0; i < av.length && bad < 0; i++) if (gm[i] !== av[i] * av[i]) bad = i;
    expect(bad).toBe(-1);
    tp.dispose([a, b, out, d, m]);
  });
});

// An operand read transposed goes through 32x32 tiles (native/cpu/elementwise.cc
// binaryTiled; 4-byte types through register transposes): shapes off the tile and block
// sizes, outer dims, both operands transposed, a broadcast partner, bool outputs, float64
// (the scalar tile loop) — each against the element-by-element definition.
describe('transposed operands (tiled path)', () => {
  const cases: [string, tp.DType, number[], (a: tp.Tensor, b: tp.Tensor) => tp.Tensor, (x: number, y: number) => number][] = [
    ['add f32', 'float32', [37, 45], tp.add, (x, y) => Math.fround(x + y)],
    ['sub f32 batch', 'float32', [3, 33, 40], tp.sub, (x, y) => Math.fround(x - y)],
    ['mul i32', 'int32', [50, 17], tp.mul, (x, y) => Math.imul(x, y)],
    ['maximum f64', 'float64', [20, 36], tp.maximum, (x, y) => Math.max(x, y)],
    ['gt f32 (bool out)', 'float32', [40, 24], tp.gt, (x, y) => (x > y ? 1 : 0)],
  ];
  test.each(cases)('%s', (_n, dtype, shape, op, ref) => {
    const r = rng(seedOf(`tt${_n}`));
    const n = shape.reduce((p, q) => p * q, 1);
    const rank = shape.length;
    const tshape = shape.slice();
    [tshape[rank - 2], tshape[rank - 1]] = [shape[rank - 1], shape[rank - 2]];
    const mkT = (s: number[]): tp.Tensor =>
      tp.tensor(dtype === 'int32' ? randInts(n, r, -50, 50) : randArray(n, r, -3, 3), { shape: s, dtype });
    const base = mkT(tshape); // its transpose has `shape`
    const at = tp.transpose(base, rank - 2, rank - 1);
    const b = mkT(shape);
    const bt = tp.transpose(mkT(tshape), rank - 2, rank - 1);
    const row = tp.tensor(dtype === 'int32' ? randInts(shape[rank - 1], r, -5, 5) : randArray(shape[rank - 1], r), { dtype });
    for (const [x, y] of [[at, b], [b, at], [at, bt], [at, row], [row, at]] as [tp.Tensor, tp.Tensor][]) {
      const out = op(x, y);
      expect(out.shape).toEqual(shape);
      const X = tp.contiguous(tp.broadcastTo(x, shape)).dataSync();
      const Y = tp.contiguous(tp.broadcastTo(y, shape)).dataSync();
      const O = out.dataSync();
      let bad = -1;
      for (let i = 0; i < n && bad < 0; i++) {
        const want = ref(X[i], Y[i]);
        if (!(O[i] === want || (Number.isNaN(O[i]) && Number.isNaN(want)))) bad = i;
      }
      expect(bad).toBe(-1);
    }
  });
});

describe('dtype promotion', () => {
  const r = rng(seedOf('promotion'));
  test('tensor x tensor follows bool < int32 < float32 < float64', () => {
    const rank: Record<DT, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
    for (const da of DTS) {
      for (const db of DTS) {
        const av = gen(6, da, r);
        const bv = gen(3, db, r);
        const a = mk(av, [2, 3], da);
        const b = mk(bv, [3], db);
        const want: DT = rank[da] >= rank[db] ? da : db;
        const add = tp.add(a, b);
        expectTensor(add, [2, 3], want, refBinary(av, [2, 3], bv, [3], (x, y) => (want === 'bool' ? x | y : x + y), want));
        const mul = tp.mul(a, b);
        expectTensor(mul, [2, 3], want, refBinary(av, [2, 3], bv, [3], (x, y) => x * y, want));
        const div = tp.div(a, b); // int/int and bool/* -> float32
        const divT: DT = want === 'float64' ? 'float64' : 'float32';
        expectTensor(div, [2, 3], divT, refBinary(av, [2, 3], bv, [3], (x, y) => x / y, divT));
        tp.dispose([a, b, add, mul, div]);
      }
    }
  });
  test('weak JS scalars take the tensor dtype; fractional scalars lift ints to float32', () => {
    const cases: [DT, number | boolean, DT][] = [
      ['float32', 2, 'float32'],
      ['float32', 2.5, 'float32'],
      ['float64', 2.5, 'float64'],
      ['int32', 2, 'int32'],
      ['int32', 2.5, 'float32'],
      ['int32', true, 'int32'],
      ['int32', NaN, 'float32'],
      ['int32', Infinity, 'float32'],
      ['bool', 2, 'int32'],
      ['bool', true, 'bool'],
      ['bool', 0.5, 'float32'],
    ];
    for (const [dt, s, want] of cases) {
      const v = gen(5, dt, r);
      const x = mk(v, [5], dt);
      const sv = Number(s);
      const addRef = (p: number, q: number) => (want === 'bool' ? p | q : want === 'int32' ? (p + q) | 0 : p + q);
      const right = tp.add(x, s);
      expectTensor(right, [5], want, v.map((p) => store(addRef(p, sv), want)), undefined, `${dt} + ${s}`);
      const left = tp.add(s, x);
      expectTensor(left, [5], want, v.map((p) => store(addRef(sv, p), want)), undefined, `${s} + ${dt}`);
      tp.dispose([x, right, left]);
    }
  });
  test('scalars on both sides of sub/div/pow/mod', () => tp.tidy(() => {
    const x = mk([1, 2, -3, 4], [4], 'int32');
    expectTensor(tp.sub(10, x), [4], 'int32', [9, 8, 13, 6]);
    expectTensor(tp.sub(x, 10), [4], 'int32', [-9, -8, -13, -6]);
    expectTensor(tp.div(1, x), [4], 'float32', [1, 0.5, -1 / 3, 0.25].map(f32));
    expectTensor(tp.div(x, 2), [4], 'float32', [0.5, 1, -1.5, 2]);
    expectTensor(tp.pow(2, x.abs()), [4], 'int32', [2, 4, 8, 16]);
    expectTensor(tp.pow(x, 2), [4], 'int32', [1, 4, 9, 16]);
    expectTensor(tp.pow(x, 0.5), [4], 'float32', [1, Math.SQRT2, NaN, 2].map(f32));
    expectTensor(tp.mod(7, x), [4], 'int32', [0, 1, -2, 3]);
    expectTensor(tp.mod(x, -3), [4], 'int32', [-2, -1, 0, -2]);
    expectTensor(tp.sub(2.5, x), [4], 'float32', [1.5, 0.5, 5.5, -1.5]);
    const f = mk([1.5, -2.25], [2], 'float64');
    expectTensor(tp.mul(3, f), [2], 'float64', [4.5, -6.75]);
    expectTensor(tp.pow(f, 2), [2], 'float64', [2.25, 5.0625]);
  }));
  test('two scalars give a 0-d tensor: float32 for numbers (as tp.tensor(2)), bool for booleans', () => {
    expectTensor(tp.add(2, 3), [], 'float32', [5]);
    expectTensor(tp.add(true, 3), [], 'float32', [4]);
    expectTensor(tp.eq(2, 2), [], 'bool', [1]);
    expectTensor(tp.mul(2, 1.5), [], 'float32', [3]);
    expectTensor(tp.add(true, true), [], 'bool', [1]);
    expectTensor(tp.div(1, 4), [], 'float32', [0.25]);
  });
  test('a 0-d tensor broadcasts against any shape', () => {
    const s = mk([2.5], [], 'float32');
    const x = mk([1, 2, 3, 4, 5, 6], [2, 3], 'float32');
    expectTensor(tp.mul(s, x), [2, 3], 'float32', [2.5, 5, 7.5, 10, 12.5, 15]);
    expectTensor(tp.sub(x, s), [2, 3], 'float32', [-1.5, -0.5, 0.5, 1.5, 2.5, 3.5]);
    expectTensor(tp.add(s, s), [], 'float32', [5]);
    tp.dispose([s, x]);
  });
});

describe('aliases', () => {
  test('subtract multiply divide floorMod remainder match the canonical ops', () => {
    const r = rng(seedOf('aliases'));
    const av = gen(12, 'float32', r, -5, 5);
    const bv = divisors(12, 'float32', r);
    const a = mk(av, [3, 4], 'float32');
    const b = mk(bv, [3, 4], 'float32');
    const pairs: [string, string][] = [['subtract', 'sub'], ['multiply', 'mul'], ['divide', 'div'], ['floorMod', 'mod'], ['remainder', 'mod']];
    for (const [alias, canon] of pairs) {
      const want = Array.from(FN[canon](a, b).dataSync());
      expectTensor(FN[alias](a, b), [3, 4], 'float32', want);
      const m = (a as unknown as Record<string, (b: tp.Tensor) => tp.Tensor>)[alias].call(a, b);
      expectTensor(m, [3, 4], 'float32', want);
    }
    tp.dispose([a, b]);
  });
});

describe('special values', () => {
  const S = [NaN, Infinity, -Infinity, 0, -0, 1.5, -2.25, 1e-30, -7];
  const pa: number[] = [];
  const pb: number[] = [];
  for (const x of S) for (const y of S) (pa.push(x), pb.push(y));
  test.each(['float32', 'float64'] as DT[])('%s: every pair of NaN, ±Inf, ±0 and finite values', (dt) => {
    const a = mk(pa, [pa.length], dt);
    const b = mk(pb, [pb.length], dt);
    const va = Array.from(a.dataSync());
    const vb = Array.from(b.dataSync());
    for (const c of OPS) {
      const out = FN[c.name](a, b);
      expectTensor(out, [pa.length], dt, va.map((x, i) => store(c.ref(x, vb[i], dt), dt)), undefined, c.name);
      out.dispose();
    }
    tp.dispose([a, b]);
  });
  test('NaN propagates through maximum/minimum from either side', () => {
    const a = mk([NaN, 1, NaN, -Infinity], [4], 'float32');
    const b = mk([1, NaN, NaN, NaN], [4], 'float32');
    expectTensor(tp.maximum(a, b), [4], 'float32', [NaN, NaN, NaN, NaN]);
    expectTensor(tp.minimum(b, a), [4], 'float32', [NaN, NaN, NaN, NaN]);
    expectTensor(tp.maximum(a, 0), [4], 'float32', [NaN, 1, NaN, 0]);
    tp.dispose([a, b]);
  });
  test('float mod follows torch.remainder: sign of the divisor, inf divisor, zero divisor', () => {
    const a = mk([-3, 3, -3, 3, 5, -0, Infinity, 2], [8], 'float32');
    const b = mk([2, -2, Infinity, -Infinity, 0, 2, 2, NaN], [8], 'float32');
    expectTensor(tp.mod(a, b), [8], 'float32', [1, -1, Infinity, -Infinity, NaN, -0, NaN, NaN]);
    tp.dispose([a, b]);
  });
  test('division by zero in floats and of ints (float32 result)', () => {
    const i = mk([1, -1, 0, 3], [4], 'int32');
    const z = mk([0, 0, 0, 2], [4], 'int32');
    expectTensor(tp.div(i, z), [4], 'float32', [Infinity, -Infinity, NaN, 1.5]);
    tp.dispose([i, z]);
  });
});

describe('integer edge cases never trap', () => {
  test('int32 add/sub/mul wrap as two\'s complement', () => {
    const a = tp.tensor(new Int32Array([INT_MAX, INT_MIN, INT_MIN, 65536]));
    const b = tp.tensor(new Int32Array([1, -1, -1, 65536]));
    expectTensor(tp.add(a, b), [4], 'int32', [INT_MIN, INT_MAX, INT_MAX, 131072]);
    expectTensor(tp.sub(a, b), [4], 'int32', [INT_MAX - 1, INT_MIN + 1, INT_MIN + 1, 0]);
    expectTensor(tp.mul(a, b), [4], 'int32', [INT_MAX, INT_MIN, INT_MIN, 0]);
    tp.dispose([a, b]);
  });
  test('mod of INT_MIN by -1 is 0; floor mod signs for ints', () => {
    const a = tp.tensor(new Int32Array([INT_MIN, INT_MAX, -7, 7, -7, 7, 0]));
    const b = tp.tensor(new Int32Array([-1, -1, 3, -3, -3, 3, -5]));
    expectTensor(tp.mod(a, b), [7], 'int32', [0, 0, 2, -2, -1, 1, 0]);
    expectTensor(tp.mod(a, -1), [7], 'int32', [0, 0, 0, 0, 0, 0, 0]);
    tp.dispose([a, b]);
  });
  test('integer mod by zero throws a clear error and frees its output', () => {
    const a = tp.tensor(new Int32Array([1, 2, 3]));
    const z = tp.tensor(new Int32Array([1, 0, 1]));
    const before = tp.memory();
    expectThrowsCode(() => tp.mod(a, z), 'ERR_ARGUMENT', /mod: integer division by zero/);
    expectThrowsCode(() => tp.mod(a, 0), 'ERR_ARGUMENT', /division by zero/);
    expectThrowsCode(() => tp.remainder(5, z), 'ERR_ARGUMENT', /division by zero/);
    expect(tp.memory().numTensors).toBe(before.numTensors);
    expect(tp.memory().numBytes).toBe(before.numBytes);
    // large: the error comes from a worker thread
    const big = tp.ones([200000], { dtype: 'int32' });
    const bigZ = tp.zeros([200000], { dtype: 'int32' });
    expectThrowsCode(() => tp.mod(big, bigZ), 'ERR_ARGUMENT', /division by zero/);
    tp.dispose([a, z, big, bigZ]);
  });
  test('int32 pow with a negative exponent throws (tensor or scalar exponent)', () => tp.tidy(() => {
    const a = tp.tensor(new Int32Array([2, 3]));
    const e = tp.tensor(new Int32Array([1, -1]));
    expectThrowsCode(() => tp.pow(a, -1), 'ERR_ARGUMENT', /pow: integers to negative integer powers/);
    expectThrowsCode(() => tp.pow(a, e), 'ERR_ARGUMENT', /negative integer powers/);
    expectThrowsCode(() => tp.pow(2, e), 'ERR_ARGUMENT', /negative integer powers/);
    // a float exponent or base is fine
    expectTensor(tp.pow(a, -1.5), [2], 'float32', [2 ** -1.5, 3 ** -1.5].map(f32));
    expectTensor(tp.pow(a.float(), e), [2], 'float32', [2, 1 / 3].map(f32));
    expectTensor(tp.pow(a, 0), [2], 'int32', [1, 1]);
  }));
  test('an integer scalar beyond int32 is refused for int32 computations', () => {
    const a = tp.tensor(new Int32Array([1, 2]));
    expectThrowsCode(() => tp.add(a, 2 ** 31), 'ERR_ARGUMENT', /add: b = 2147483648 does not fit/);
    expectThrowsCode(() => tp.mul(-1e10, a), 'ERR_ARGUMENT', /does not fit/);
    expectTensor(tp.add(a, 2 ** 31 + 0.5), [2], 'float32', [2 ** 31 + 1, 2 ** 31 + 2].map(f32)); // float32 path
    a.dispose();
  });
});

describe('bool operands', () => {
  test('add/mul/maximum/minimum on bool are or/and and stay bool', () => tp.tidy(() => {
    const a = mk([0, 0, 1, 1], [4], 'bool');
    const b = mk([0, 1, 0, 1], [4], 'bool');
    expectTensor(tp.add(a, b), [4], 'bool', [0, 1, 1, 1]);
    expectTensor(tp.mul(a, b), [4], 'bool', [0, 0, 0, 1]);
    expectTensor(tp.maximum(a, b), [4], 'bool', [0, 1, 1, 1]);
    expectTensor(tp.minimum(a, b), [4], 'bool', [0, 0, 0, 1]);
    expectTensor(tp.div(a, b), [4], 'float32', [NaN, 0, Infinity, 1]);
    expectTensor(tp.sub(a, mk([1, 2, 3, 4], [4], 'int32')), [4], 'int32', [-1, -2, -2, -3]);
  }));
  test('sub/pow/mod of two bool operands are refused, as PyTorch', () => {
    const a = mk([0, 1], [2], 'bool');
    expectThrowsCode(() => tp.sub(a, a), 'ERR_DTYPE', /sub: not defined for bool operands; use logicalXor/);
    expectThrowsCode(() => a.sub(true), 'ERR_DTYPE', /sub/);
    expectThrowsCode(() => tp.pow(a, a), 'ERR_DTYPE', /pow/);
    expectThrowsCode(() => tp.mod(a, a), 'ERR_DTYPE', /mod/);
    a.dispose();
  });
});

describe('bad input', () => {
  test('wrong argument types name the op and the argument', () => {
    const x = tp.ones([2]);
    expectThrowsCode(() => tp.add('a' as never, x), 'ERR_ARGUMENT', /add: a must be a Tensor, a number or a boolean, got "a"/);
    expectThrowsCode(() => tp.mul(x, {} as never), 'ERR_ARGUMENT', /mul: b must be/);
    expectThrowsCode(() => tp.pow(x, null as never), 'ERR_ARGUMENT', /pow: b must be .* got null/);
    expectThrowsCode(() => tp.div(undefined as never, 2), 'ERR_ARGUMENT', /div: a must be/);
    expectThrowsCode(() => x.sub([1, 2] as never), 'ERR_ARGUMENT', /sub: b must be .* array/);
    expectThrowsCode(() => tp.maximum(x, 1n as never), 'ERR_ARGUMENT', /maximum: b must be/);
    x.dispose();
  });
  test('shapes that do not broadcast name both shapes', () => {
    const a = tp.ones([2, 3]);
    const b = tp.ones([4]);
    expectThrowsCode(() => tp.add(a, b), 'ERR_SHAPE', /add: shapes \[2,3\] and \[4\] cannot be broadcast/);
    expectThrowsCode(() => tp.remainder(b, a), 'ERR_SHAPE', /remainder: shapes \[4\] and \[2,3\]/);
    const v = viewOf([1, 2, 3, 4, 5, 6], [3, 2], 'float32', { perm: [1, 0] });
    expectThrowsCode(() => tp.mul(v, a), 'ERR_SHAPE', /\[3,2\] and \[2,3\]/);
    tp.dispose([a, b, v]);
  });
  test('disposed tensors', () => {
    const a = tp.ones([2]);
    const d = tp.ones([2]);
    d.dispose();
    expectThrowsCode(() => tp.add(a, d), 'ERR_DISPOSED', /add: tensor \[2\] float32 was disposed/);
    expectThrowsCode(() => d.mul(a), 'ERR_DISPOSED', /mul/);
    expectThrowsCode(() => tp.pow(d, 2), 'ERR_DISPOSED', /pow/);
    a.dispose();
  });
});

describe('no leaks', () => {
  test('casts, scalars on both sides, views and broadcasting free their temporaries', () => {
    const r = rng(seedOf('leaks'));
    const i = mk(gen(6, 'int32', r, 1, 3), [2, 3], 'int32'); // positive: valid divisors and exponents
    const f = mk(gen(3, 'float32', r), [3], 'float32');
    const d = mk(gen(6, 'float64', r), [3, 2], 'float64');
    const v = viewOf(gen(6, 'float32', r), [2, 3], 'float32', { perm: [1, 0], flip: [true, false] });
    for (const name of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod']) {
      expectNoLeak(() => FN[name](i, f));
      expectNoLeak(() => FN[name](3, i));
      expectNoLeak(() => FN[name](i, 2.5));
      expectNoLeak(() => FN[name](v, f));
      expectNoLeak(() => FN[name](d, true));
      expectNoLeak(() => FN[name](2, 3));
    }
    expectNoLeak(() => tp.div(i, i));
    // a failing call leaves nothing behind either
    const four = tp.ones([4]);
    expectNoLeak(() => {
      try {
        tp.add(i, four);
      } catch {
        /* expected */
      }
      return null;
    });
    tp.dispose([i, f, d, v, four]);
  });
});
