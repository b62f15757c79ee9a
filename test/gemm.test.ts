// Our own sgemm (native/cpu/gemm) through its test hook native._sgemmTest, against a float64
// reference: every transpose pair, edge sizes around each ISA's register tile and cache blocks,
// padded leading dimensions (padding holds NaN in A/B and sentinels in C), BLAS alpha/beta
// semantics, the packed-operand variants, and bit-identical results at any thread count.
import { rng, tp, gemmIsas } from './helpers';

const { native } = require('../lib/core/native');

// avx512emu: the AVX-512 tile geometry and blocks on pairs of AVX2 vectors (a test-only kernel
// set), so machines without AVX-512 still cover every shape the AVX-512 kernels see
type Isa = 'scalar' | 'avx2' | 'avx512emu' | 'avx512';
// register tile (rows x cols) and K block of each ISA (native/cpu/gemm/isa_*.cc)
const TILE: Record<Isa, { mr: number; nr: number; kc: number }> = {
  scalar: { mr: 4, nr: 4, kc: 256 },
  avx2: { mr: 6, nr: 16, kc: 256 },
  avx512emu: { mr: 14, nr: 32, kc: 192 },
  avx512: { mr: 14, nr: 32, kc: 192 },
};
const { isas: ISAS, initial: initialIsa } = gemmIsas();

afterAll(() => {
  native._gemmIsa(initialIsa);
  tp.setNumThreads(tp.getNumThreads());
});

interface Case {
  ta: boolean;
  tb: boolean;
  M: number;
  N: number;
  K: number;
  alpha?: number;
  beta?: number;
  pad?: number; // extra leading-dimension columns of A, B, C
  mode?: number; // _sgemmTest mode: 0 pool, 1 serial, 2/4 packed A, 3/5 packed B
}

interface Run {
  A: Float32Array;
  B: Float32Array;
  C0: Float32Array;
  lda: number;
  ldb: number;
  ldc: number;
}

/** Random operands; padding columns of A and B hold NaN (never read), of C a sentinel (never written). */
function makeRun(c: Case, seed: number): Run {
  const r = rng(seed);
  const pad = c.pad ?? 0;
  const [ar, ac] = c.ta ? [c.K, c.M] : [c.M, c.K];
  const [br, bc] = c.tb ? [c.N, c.K] : [c.K, c.N];
  const lda = Math.max(1, ac + pad), ldb = Math.max(1, bc + pad), ldc = Math.max(1, c.N + pad);
  const fill = (rows: number, cols: number, ld: number, padValue: number) => {
    const a = new Float32Array(Math.max(1, rows * ld));
    for (let i = 0; i < a.length; i++) a[i] = i % ld < cols ? r() * 2 - 1 : padValue;
    return a;
  };
  const C0 = fill(c.M, c.N, ldc, 12345);
  if ((c.beta ?? 0) === 0) for (let i = 0; i < C0.length; i++) if (i % ldc < c.N) C0[i] = NaN; // beta 0: C never read
  return { A: fill(ar, ac, lda, NaN), B: fill(br, bc, ldb, NaN), C0, lda, ldb, ldc };
}

function callGemm(c: Case, run: Run): Float32Array {
  const C = run.C0.slice();
  const p = Float64Array.from([+c.ta, +c.tb, c.M, c.N, c.K, c.alpha ?? 1, run.lda, run.ldb, c.beta ?? 0, run.ldc, c.mode ?? 0]);
  native._sgemmTest(p, run.A, run.B, C);
  return C;
}

/** Checks C against a float64 reference, within the float32 summation error bound. */
function check(c: Case, run: Run, C: Float32Array, what: string): void {
  const alpha = c.alpha ?? 1, beta = c.beta ?? 0;
  const { A, B, C0, lda, ldb, ldc } = run;
  const eps = 2 ** -23;
  for (let i = 0; i < c.M; i++) {
    for (let j = 0; j < ldc; j++) {
      const got = C[i * ldc + j];
      if (j >= c.N) {
        if (!Object.is(got, 12345)) throw new Error(`${what}: C[${i},${j}] (padding) was written: ${got}`);
        continue;
      }
      let s = 0, mag = 0;
      for (let k = 0; k < c.K; k++) {
        const a = c.ta ? A[k * lda + i] : A[i * lda + k];
        const b = c.tb ? B[j * ldb + k] : B[k * ldb + j];
        s += a * b;
        mag += Math.abs(a * b);
      }
      let want = alpha * s;
      let bound = Math.abs(alpha) * mag * (c.K + 2) * eps;
      if (beta !== 0) {
        want += beta * C0[i * ldc + j];
        bound += Math.abs(beta * C0[i * ldc + j]) * 3 * eps;
      }
      if (!(Math.abs(got - want) <= bound + 1e-30))
        throw new Error(`${what}: C[${i},${j}] = ${got}, want ${want} (bound ${bound})`);
    }
  }
  // rows past M (none in these arrays) and the whole array outside the matrix stay as they were
  for (let i = c.M * ldc; i < C.length; i++) if (!Object.is(C[i], C0[i])) throw new Error(`${what}: C[${i}] written past M`);
}

/** The number of elements whose bits differ (NaN payloads included). */
function bitDiffs(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let d = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (x[i] !== y[i]) d++;
  return d;
}

const TRANS: Array<[boolean, boolean]> = [[false, false], [false, true], [true, false], [true, true]];
const ODD = [1, 2, 7, 15, 16, 17, 31, 33, 100, 257];

/** Sizes around isa's tile and blocks, plus the odd sizes of the brief, as (M, N, K) triples. */
function shapes(isa: Isa): Array<[number, number, number]> {
  const { mr, nr, kc } = TILE[isa];
  const out: Array<[number, number, number]> = [];
  for (let i = 0; i < ODD.length; i++) out.push([ODD[i], ODD[(i + 3) % ODD.length], ODD[(i + 7) % ODD.length]]);
  for (const M of [mr - 1, mr, mr + 1, 2 * mr + 1]) for (const N of [nr - 1, nr + 1, 2 * nr + 3]) out.push([M, N, 5]);
  out.push([3, 1100, 5], [mr + 2, nr + 5, kc + 1], [2 * mr + 1, 2, 2 * kc + 7], [257, 33, 17]);
  return out;
}

describe.each(ISAS)('sgemm on the %s microkernels', (isa) => {
  beforeAll(() => {
    expect(native._gemmIsa(isa).active).toBe(isa);
  });

  test.each(TRANS)('transA=%s transB=%s: odd and tile-edge sizes, padded ld, alpha 1 beta 0 (NaN in C)', (ta, tb) => {
    let seed = 1;
    for (const [M, N, K] of shapes(isa)) {
      for (const pad of [0, 3]) {
        const c: Case = { ta, tb, M, N, K, pad };
        const run = makeRun(c, seed++);
        check(c, run, callGemm(c, run), `${isa} ${JSON.stringify(c)}`);
      }
    }
  });

  test.each(TRANS)('transA=%s transB=%s: alpha/beta and the packed-operand and serial variants', (ta, tb) => {
    const ab: Array<[number, number]> = [[1, 0], [0.5, 0], [-1.5, 0.25], [1, 1], [2, -1]];
    let seed = 100;
    const sizes = [[17, 33, 31], [TILE[isa].mr * 2 + 3, TILE[isa].nr + 7, 300], [1, 257, 2], [100, 1, 7]];
    sizes.forEach(([M, N, K], i) => {
      ab.forEach(([alpha, beta], j) => {
        // every variant meets every size and every alpha/beta pair across the loop
        for (const mode of new Set([0, (i + j) % 6, (i + j + 3) % 6])) {
          const c: Case = { ta, tb, M, N, K, alpha, beta, pad: 2, mode };
          const run = makeRun(c, seed++);
          check(c, run, callGemm(c, run), `${isa} ${JSON.stringify(c)}`);
        }
      });
    });
  });

  test('K = 0 scales C by beta (zeros for beta 0, even over NaN); alpha = 0 reads neither A nor B', () => {
    for (const mode of [0, 1, 2, 3]) {
      for (const beta of [0, 1, -2]) {
        const c: Case = { ta: false, tb: false, M: 5, N: 9, K: 0, beta, pad: 1, mode };
        const run = makeRun(c, 7);
        const C = callGemm(c, run);
        for (let i = 0; i < 5; i++)
          for (let j = 0; j < 9; j++) expect(C[i * 10 + j]).toBe(beta === 0 ? 0 : Math.fround(beta * run.C0[i * 10 + j]));
        check(c, run, C, 'K=0');
      }
      const c: Case = { ta: true, tb: false, M: 7, N: 20, K: 9, alpha: 0, beta: 0.5, mode };
      const run = makeRun(c, 8);
      run.A.fill(NaN);
      run.B.fill(NaN);
      const C = callGemm(c, run);
      for (let i = 0; i < C.length; i++) expect(C[i]).toBe(Math.fround(0.5 * run.C0[i]));
    }
  });

  test('M = 0 or N = 0 writes nothing', () => {
    for (const [M, N] of [[0, 5], [5, 0], [0, 0]]) {
      const c: Case = { ta: false, tb: true, M, N, K: 4, beta: 0, pad: 2 };
      const run = makeRun(c, 9);
      run.C0.fill(7);
      expect(Array.from(callGemm(c, run))).toEqual(Array.from(run.C0));
    }
  });

  test('results are bit-identical at 1, 2 and 3 threads and across the serial and packed variants', () => {
    const threads = tp.getNumThreads();
    try {
      for (const [M, N, K] of [[130, 300, 64], [150, 100, 257], [40, 1100, 30]]) {
        for (const [ta, tb] of TRANS) {
          const c: Case = { ta, tb, M, N, K, alpha: 0.75, beta: 0.5, pad: 1 };
          const run = makeRun(c, M + N + K);
          tp.setNumThreads(1);
          const ref = callGemm(c, run);
          if (!ta && !tb) check(c, run, ref, `${isa} 1 thread`); // (the JS reference is slow)
          for (const n of [2, 3]) {
            tp.setNumThreads(n);
            for (const mode of [0, 2, 3]) expect(bitDiffs(callGemm({ ...c, mode }, run), ref)).toBe(0);
          }
          for (const mode of [1, 4, 5]) expect(bitDiffs(callGemm({ ...c, mode }, run), ref)).toBe(0);
        }
      }
    } finally {
      tp.setNumThreads(threads);
    }
  });
});

test('the hook reports the CPU-chosen ISA and refuses bad arguments', () => {
  expect(['scalar', 'avx2', 'avx512']).toContain(native._gemmIsa().best);
  expect(() => native._gemmIsa('sse')).toThrow(/'avx512', 'avx2', 'avx512emu' or 'scalar'/);
  const c: Case = { ta: false, tb: false, M: 4, N: 4, K: 4 };
  const run = makeRun(c, 1);
  const p = (lda: number) => Float64Array.from([0, 0, 4, 4, 4, 1, lda, 4, 0, 4, 0]);
  expect(() => native._sgemmTest(p(3), run.A, run.B, run.C0.slice())).toThrow(/lda 3 < 4|does not fit/);
  expect(() => native._sgemmTest(p(4), run.A.subarray(0, 15), run.B, run.C0.slice())).toThrow(/does not fit/);
  expect(() => native._sgemmTest(p(4), run.A, new Float64Array(16), run.C0.slice())).toThrow(/Float32Array/);
});

describe('tp.matmul on the shapes routed to our sgemm (native/cpu/matmul.cc ownSgemm)', () => {
  // [batch, M, K, N, transposeA]: K <= 128, or A^T B with K <= 256; N >= 48
  const CASES: Array<[number, number, number, number, boolean]> = [
    [1, 37, 10, 50, false],
    [1, 128, 100, 256, false],
    [1, 130, 200, 49, true],
    [1, 10, 128, 256, true],
    [6, 9, 20, 48, false], // batched and small: each product on one pool thread (sgemmSerial)
    [3, 70, 200, 65, true],
  ];
  test.each(CASES)('batch %i: %i x %i @ %i (A transposed view: %s) matches float64 at 1 and 2 threads', (nb, M, K, N, ta) => {
    const threads = tp.getNumThreads();
    const r = rng(M * 1000 + K * 10 + N);
    const base64 = tp.tensor(Float64Array.from({ length: nb * K * M }, () => r() * 2 - 1), { shape: ta ? [nb, K, M] : [nb, M, K] });
    const base32 = base64.to('float32');
    const a64 = ta ? base64.transpose(1, 2) : base64;
    const a32 = ta ? base32.transpose(1, 2) : base32; // a transposed view: BLAS's Trans flag
    const b64 = tp.tensor(Float64Array.from({ length: nb * K * N }, () => r() * 2 - 1), { shape: [nb, K, N] });
    const want = tp.matmul(a64, b64).dataSync();
    const b32 = b64.to('float32');
    try {
      const outs = [1, 2].map((n) => {
        tp.setNumThreads(n);
        const c = tp.matmul(a32, b32);
        expect(c.shape).toEqual([nb, M, N]);
        const d = c.dataSync() as Float32Array;
        c.dispose();
        return d;
      });
      expect(bitDiffs(outs[0], outs[1])).toBe(0);
      for (let i = 0; i < want.length; i++) expect(Math.abs(outs[0][i] - want[i])).toBeLessThan(1e-5 * (K + 2));
      if (nb === 1) {
        // proof of the route: on the scalar microkernels (a*b + c rounded twice, unlike any FMA
        // BLAS) tp.matmul gives exactly what the hook gives
        const active = native._gemmIsa().active;
        native._gemmIsa('scalar');
        try {
          const c = tp.matmul(a32, b32);
          const got = c.dataSync() as Float32Array;
          c.dispose();
          const A = base32.dataSync() as Float32Array;
          const C = new Float32Array(M * N);
          const p = Float64Array.from([+ta, 0, M, N, K, 1, ta ? M : K, N, 0, N, 1]);
          native._sgemmTest(p, A, b32.dataSync() as Float32Array, C);
          expect(bitDiffs(got, C)).toBe(0);
        } finally {
          native._gemmIsa(active);
        }
      }
    } finally {
      tp.setNumThreads(threads);
      tp.dispose([base64, base32, b64, b32]);
    }
  });
});
