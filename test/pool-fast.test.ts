// The float32 forward fast paths of the pools (native/cpu/pool_sep.cc: separable max without
// indices and avg at width stride 1 or 2; pool_flat.cc: same-size stride-1 planes and global
// average pooling) against a plain-JS reference with torch's window rules, on many geometries:
// edge plane sizes (1x1, 2x2, odd), one-sided and ceil-mode edge windows, dilation, both
// countIncludePad ways, divisorOverride, ties, -0/+0, NaN and infinities, plane counts that cut
// the 8-wide blocks at task ends; the indices path (training) against the same reference; the
// avg divide rounded as a division; thread-count independence.
import { tp, rng, seedOf, randArray, expectClose } from './helpers';

type T = tp.Tensor;
interface Geom { kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; ceil: boolean }

function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = n + 2 * p - d * (k - 1) - 1;
  let o = Math.floor((ceil ? span + s - 1 : span) / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--; // torch: the last window must start inside the input or left pad
  return o;
}

/** torch's max pool of planes (values and flat indices), in float64 from float32 inputs. */
function refMax(x: Float32Array, planes: number, H: number, W: number, g: Geom): { out: number[]; idx: number[] } {
  const OH = outSize(H, g.kh, g.sh, g.ph, g.dh, g.ceil), OW = outSize(W, g.kw, g.sw, g.pw, g.dw, g.ceil);
  const out: number[] = [], idx: number[] = [];
  for (let p = 0; p < planes; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
        // torch's index of a window with no tap inside: its first tap row and column at or after 0
        const first = (s0: number, d: number) => (s0 < 0 ? s0 + Math.ceil(-s0 / d) * d : s0);
        let m = -Infinity, mi = first(h0, g.dh) * W + first(w0, g.dw);
        for (let i = 0; i < g.kh; i++) {
          const h = h0 + i * g.dh;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < g.kw; j++) {
            const w = w0 + j * g.dw;
            if (w < 0 || w >= W) continue;
            const v = x[p * H * W + h * W + w];
            if (v > m || Number.isNaN(v)) { m = v; mi = h * W + w; }
          }
        }
        out.push(m);
        idx.push(mi);
      }
  return { out, idx };
}

/** torch's average pool of planes: the window sum in float64 over its divisor. */
function refAvg(x: Float32Array, planes: number, H: number, W: number, g: Geom, cip: boolean, div?: number): number[] {
  const OH = outSize(H, g.kh, g.sh, g.ph, 1, g.ceil), OW = outSize(W, g.kw, g.sw, g.pw, 1, g.ceil);
  const out: number[] = [];
  for (let p = 0; p < planes; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
        const ha = Math.max(h0, 0), hb = Math.min(h0 + g.kh, H), wa = Math.max(w0, 0), wb = Math.min(w0 + g.kw, W);
        let s = 0;
        for (let h = ha; h < hb; h++) for (let w = wa; w < wb; w++) s += x[p * H * W + h * W + w];
        const n = (hb - ha) * (wb - wa);
        const padded = (Math.min(h0 + g.kh, H + g.ph) - h0) * (Math.min(w0 + g.kw, W + g.pw) - w0);
        out.push(s / (div ?? (cip ? padded : n)));
      }
  return out;
}

/** Exact equality, NaN equal to NaN and the sign of zero compared. */
function expectSame(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (!Object.is(a[i], b[i])) throw new Error(`${what}: at ${i} got ${Object.is(a[i], -0) ? '-0' : a[i]}, expected ${Object.is(b[i], -0) ? '-0' : b[i]}`);
  }
}

/** Values in [-2, 2) with ties, -0, +0, and (when `special`) NaN and infinities sprinkled in. */
function values(n: number, name: string, special: boolean): Float32Array {
  const r = rng(seedOf(name));
  return Float32Array.from(randArray(n, r), (v, k) => {
    if (special && k % 41 === 5) return NaN;
    if (special && k % 37 === 3) return k % 2 ? Infinity : -Infinity;
    if (k % 23 === 1) return -0;
    if (k % 19 === 2) return 0;
    if (k % 7 === 0) return 1.5; // ties
    return v;
  });
}

const SIZES: [number, number][] = [[1, 1], [2, 2], [1, 9], [9, 1], [3, 5], [7, 7], [8, 8], [9, 17], [17, 17], [6, 23], [35, 35]];

function geoms(H: number, W: number, dilation: boolean): Geom[] {
  const out: Geom[] = [];
  // the big plane: the 3x3 windows only (the rest is the same code as on the smaller ones)
  const kernels = H * W > 600 ? [[3, 3]] : [[1, 1], [2, 2], [3, 3], [2, 3], [3, 1], [5, 5]];
  for (const [kh, kw] of kernels)
    for (const [sh, sw] of [[1, 1], [2, 2], [1, 2], [2, 1], [3, 3]])
      for (const [ph, pw] of [[0, 0], [1, 1], [0, 1], [1, 0], [2, 2]])
        for (const ceil of [false, true])
          for (const d of dilation ? [1, 2] : [1]) {
            if (ph > Math.floor(kh / 2) || pw > Math.floor(kw / 2)) continue;
            if (H + 2 * ph < d * (kh - 1) + 1 || W + 2 * pw < d * (kw - 1) + 1) continue;
            out.push({ kh, kw, sh, sw, ph, pw, dh: d, dw: d, ceil });
          }
  return out;
}

describe('float32 pool fast paths against a plain-JS reference', () => {
  for (const [H, W] of SIZES) {
    test(`maxPool2d on ${H}x${W} planes: values (no indices) and values + indices`, () => {
      const planes = 3;
      const xv = values(planes * H * W, `max${H}x${W}`, true);
      const x = tp.tensor(Array.from(xv), { shape: [1, planes, H, W], dtype: 'float32' });
      for (const g of geoms(H, W, true)) {
        const o = { stride: [g.sh, g.sw], padding: [g.ph, g.pw], dilation: [g.dh, g.dw], ceilMode: g.ceil };
        const what = `${H}x${W} ${JSON.stringify({ k: [g.kh, g.kw], ...o })}`;
        const ref = refMax(xv, planes, H, W, g);
        const v = tp.maxPool2d(x, [g.kh, g.kw], o);
        expectSame(v.dataSync(), ref.out, what);
        const [vi, ii] = tp.maxPool2d(x, [g.kh, g.kw], { ...o, returnIndices: true });
        expectSame(vi.dataSync(), ref.out, `${what} with indices`);
        expect(Array.from(ii.dataSync())).toEqual(ref.idx);
        tp.dispose([v, vi, ii]);
      }
      x.dispose();
    });

    test(`avgPool2d on ${H}x${W} planes: countIncludePad both ways, divisorOverride`, () => {
      const planes = 3;
      const xv = values(planes * H * W, `avg${H}x${W}`, false);
      const x = tp.tensor(Array.from(xv), { shape: [1, planes, H, W], dtype: 'float32' });
      for (const g of geoms(H, W, false))
        for (const [cip, div] of [[false, undefined], [true, undefined], [false, 3]] as [boolean, number | undefined][]) {
          const o = { stride: [g.sh, g.sw], padding: [g.ph, g.pw], ceilMode: g.ceil, countIncludePad: cip, divisorOverride: div };
          const v = tp.avgPool2d(x, [g.kh, g.kw], o);
          // float32 sums of up to 25 values in [-2, 2) in another order than float64's
          expectClose(v.dataSync(), refAvg(xv, planes, H, W, g, cip, div), { rtol: 1e-5, atol: 2e-6 }, `${H}x${W} ${JSON.stringify({ k: [g.kh, g.kw], ...o })}`);
          v.dispose();
        }
      x.dispose();
    });
  }

  test('NaN and infinities through the avg paths (same-size, separable, global)', () => {
    const H = 9, W = 11;
    const xv = values(2 * H * W, 'avgspecial', true);
    const x = tp.tensor(Array.from(xv), { shape: [1, 2, H, W], dtype: 'float32' });
    const cases: [Geom, boolean][] = [
      [{ kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, ceil: false }, false],
      [{ kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, dh: 1, dw: 1, ceil: true }, true],
      [{ kh: 2, kw: 3, sh: 1, sw: 2, ph: 0, pw: 1, dh: 1, dw: 1, ceil: false }, false],
      [{ kh: H, kw: W, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, ceil: false }, false],
    ];
    for (const [g, cip] of cases) {
      const v = tp.avgPool2d(x, [g.kh, g.kw], { stride: [g.sh, g.sw], padding: [g.ph, g.pw], ceilMode: g.ceil, countIncludePad: cip });
      const ref = refAvg(xv, 2, H, W, g, cip);
      expect(ref.some((r) => !Number.isFinite(r))).toBe(true);
      expectClose(v.dataSync(), ref, { rtol: 1e-5, atol: 2e-6 }, JSON.stringify(g));
      v.dispose();
    }
    x.dispose();
  });

  test('planes past the flat path (over 16384 positions, or kernels over 16 wide) on the row-wise path', () => {
    const H = 131, W = 133;
    const xv = values(2 * H * W, 'bigplane', true);
    const x = tp.tensor(Array.from(xv), { shape: [2, 1, H, W], dtype: 'float32' });
    const g3: Geom = { kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, ceil: false };
    const g5: Geom = { kh: 5, kw: 5, sh: 2, sw: 2, ph: 2, pw: 2, dh: 1, dw: 1, ceil: true };
    const a = tp.maxPool2d(x, 3, { stride: 1, padding: 1 }), b = tp.maxPool2d(x, 5, { stride: 2, padding: 2, ceilMode: true });
    expectSame(a.dataSync(), refMax(xv, 2, H, W, g3).out, 'max 3x3 s1');
    expectSame(b.dataSync(), refMax(xv, 2, H, W, g5).out, 'max 5x5 s2');
    const yv = values(2 * H * W, 'bigplaneavg', false);
    const y = tp.tensor(Array.from(yv), { shape: [2, 1, H, W], dtype: 'float32' });
    const c = tp.avgPool2d(y, 3, { stride: 1, padding: 1, countIncludePad: false });
    expectClose(c.dataSync(), refAvg(yv, 2, H, W, g3, false), { rtol: 1e-5, atol: 2e-6 }, 'avg 3x3 s1');
    const wv = values(3 * 2 * 41, 'widekernel', false);
    const w = tp.tensor(Array.from(wv), { shape: [3, 1, 2, 41], dtype: 'float32' });
    const gw: Geom = { kh: 1, kw: 17, sh: 1, sw: 1, ph: 0, pw: 8, dh: 1, dw: 1, ceil: false };
    const d = tp.avgPool2d(w, [1, 17], { stride: 1, padding: [0, 8] }), e = tp.maxPool2d(w, [1, 17], { stride: 1, padding: [0, 8] });
    expectClose(d.dataSync(), refAvg(wv, 3, 2, 41, gw, true), { rtol: 1e-5, atol: 2e-6 }, 'avg 1x17');
    expectSame(e.dataSync(), refMax(wv, 3, 2, 41, gw).out, 'max 1x17');
    tp.dispose([x, a, b, y, c, w, d, e]);
  });

  test('global average pooling (kernel = plane, adaptive to 1x1, divisorOverride) on plane sizes around the 8 and 16 steps', () => {
    for (const [H, W] of [[1, 1], [1, 7], [2, 4], [3, 5], [4, 4], [5, 5], [8, 8], [17, 17], [1, 33]]) {
      const planes = 5;
      const xv = values(planes * H * W, `gap${H}x${W}`, false);
      const x = tp.tensor(Array.from(xv), { shape: [1, planes, H, W], dtype: 'float32' });
      const g: Geom = { kh: H, kw: W, sh: 1, sw: 1, ph: 0, pw: 0, dh: 1, dw: 1, ceil: false };
      const ref = refAvg(xv, planes, H, W, g, false), ref7 = refAvg(xv, planes, H, W, g, false, 7);
      const a = tp.avgPool2d(x, [H, W]), b = tp.adaptiveAvgPool2d(x, 1), c = tp.avgPool2d(x, [H, W], { divisorOverride: 7 });
      expectClose(a.dataSync(), ref, { rtol: 1e-5, atol: 2e-6 }, `${H}x${W}`);
      expectSame(b.dataSync(), a.dataSync(), `${H}x${W} adaptive`);
      expectClose(c.dataSync(), ref7, { rtol: 1e-5, atol: 2e-6 }, `${H}x${W} /7`);
      tp.dispose([x, a, b, c]);
    }
  });

  test('an avg of exactly summable values is the correctly rounded quotient (the reciprocal step)', () => {
    // small integers: every window sum is exact in any order, so out = fround(sum / divisor)
    const r = rng(seedOf('exactdiv'));
    for (const [H, W, k, s, p] of [[17, 17, 3, 1, 1], [8, 8, 3, 1, 1], [12, 13, 5, 1, 2], [15, 15, 3, 2, 1], [9, 10, 7, 1, 3], [6, 6, 6, 1, 0]]) {
      const xv = Float32Array.from({ length: 4 * H * W }, () => Math.floor(r() * 2001) - 1000);
      const x = tp.tensor(Array.from(xv), { shape: [4, 1, H, W], dtype: 'float32' });
      for (const cip of [false, true])
        for (const div of [undefined, 3, 7, 49]) {
          const g: Geom = { kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1, ceil: false };
          const v = tp.avgPool2d(x, k, { stride: s, padding: p, countIncludePad: cip, divisorOverride: div });
          expectSame(v.dataSync(), refAvg(xv, 4, H, W, g, cip, div).map((q) => Math.fround(q) + 0), `${H}x${W} k${k} s${s} p${p} cip ${cip} div ${div}`);
          v.dispose();
        }
      x.dispose();
    }
  });

  test('many small planes (task ends inside a block), 1 and 3 threads give the same bits', () => {
    const prev = tp.getNumThreads();
    const x = tp.tensor(Array.from(values(1001 * 5 * 3, 'manyplanes', true)), { shape: [7, 143, 5, 3], dtype: 'float32' });
    const y = tp.tensor(Array.from(values(300 * 17 * 17, 'manyplanes17', false)), { shape: [1, 300, 17, 17], dtype: 'float32' });
    const run = (): Float32Array[] => [
      tp.avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false }),
      tp.maxPool2d(x, 3, { stride: 1, padding: 1 }),
      tp.maxPool2d(x, 2, { stride: 2, ceilMode: true }),
      tp.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }),
      tp.avgPool2d(y, 3, { stride: 1, padding: 1, countIncludePad: false }),
      tp.maxPool2d(y, 3, { stride: 2 }),
      tp.adaptiveAvgPool2d(y, 1),
    ].map((t: T) => { const d = t.dataSync() as Float32Array; t.dispose(); return d; });
    try {
      tp.setNumThreads(1);
      const one = run();
      tp.setNumThreads(3);
      const three = run();
      for (let k = 0; k < one.length; k++) expectSame(three[k], one[k], `result ${k}`);
      // and the first two against the reference
      const xv = x.dataSync() as Float32Array;
      const g: Geom = { kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, ceil: false };
      expectClose(one[0], refAvg(xv, 1001, 5, 3, g, false), { rtol: 1e-5, atol: 2e-6 });
      expectSame(one[1], refMax(xv, 1001, 5, 3, g).out, 'max 3x3 s1 p1');
    } finally {
      tp.setNumThreads(prev);
      tp.dispose([x, y]);
    }
  });

  test('the fast paths serve views: NHWC (TF) pools and a transposed input', () => {
    const xv = values(2 * 17 * 17 * 3, 'nhwc', true);
    const x = tp.tensor(Array.from(xv), { shape: [2, 17, 17, 3], dtype: 'float32' });
    const nchw = x.permute([0, 3, 1, 2]).contiguous();
    const a = tp.avgPool(x, 3, 1, 'SAME'), b = tp.avgPool2d(nchw, 3, { stride: 1, padding: 1, countIncludePad: false });
    expectSame(a.permute([0, 3, 1, 2]).contiguous().dataSync(), b.dataSync(), 'avgPool SAME');
    const m = tp.maxPool(x, 3, 2, 'VALID'), n = tp.maxPool2d(nchw, 3, { stride: 2 });
    expectSame(m.permute([0, 3, 1, 2]).contiguous().dataSync(), n.dataSync(), 'maxPool VALID');
    const t = tp.maxPool2d(nchw.transpose(2, 3), 3, { stride: 2 });
    expectSame(t.dataSync(), refMax(nchw.transpose(2, 3).contiguous().dataSync() as Float32Array, 6, 17, 17,
      { kh: 3, kw: 3, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, ceil: false }).out, 'transposed');
    tp.dispose([x, nchw, a, b, m, n, t]);
  });
});
