'use strict';
// The `peak` row (this machine's FMA peak per core, AVX-512 and AVX2, and STREAM triad bandwidth)
// and the `gemm` rows: our own sgemm (native/cpu/gemm) against cblas_sgemm on the same native
// buffers, timed in alternating rounds in one run. The figure is ours in GFLOP/s; the notes
// (run.js) give cblas's, the ratio ours/cblas and each figure's fraction of the FMA peak.

// [id, M, N, K, transA, transB, what]
const SHAPES = [
  ['sq256', 256, 256, 256, 0, 0, 'N=256'],
  ['sq512', 512, 512, 512, 0, 0, 'N=512'],
  ['sq1024', 1024, 1024, 1024, 0, 0, 'N=1024'],
  // the MLP step (bench/cases.js, 128x784 -> 256 -> 10): Linear computes x W^T
  ['fc1', 128, 256, 784, 0, 1, 'MLP fc1 x·W1ᵀ'],
  ['dx1', 128, 784, 256, 0, 0, 'MLP fc1 dX=g·W1'],
  ['dw1', 256, 784, 128, 1, 0, 'MLP fc1 dW=gᵀ·x'],
  ['fc2', 128, 10, 256, 0, 1, 'MLP fc2 h·W2ᵀ'],
  ['dh2', 128, 256, 10, 0, 0, 'MLP fc2 dH=g·W2'],
  ['dw2', 10, 256, 128, 1, 0, 'MLP fc2 dW=gᵀ·h'],
  // convolution as implicit GEMM: (Cout) x (pixels) x (Cin·kh·kw)
  ['c64', 64, 1024, 288, 0, 0, 'conv-like'],
  ['c32', 32, 784, 800, 0, 0, 'conv-like'],
  ['c128', 128, 784, 576, 0, 0, 'conv-like'],
];

const median = (xs) => xs.slice().sort((x, y) => x - y)[xs.length >> 1];

let peakCache = null;
/** FMA GFLOP/s per core (AVX-512, AVX2; 0 where the CPU lacks it): measured once per run. */
function fmaPeak(native) {
  if (!peakCache) {
    if (typeof native._gemmPeak !== 'function') throw new Error('native._gemmPeak not available');
    peakCache = { avx512: native._gemmPeak('avx512'), avx2: native._gemmPeak('avx2') };
    peakCache.best = Math.max(peakCache.avx512, peakCache.avx2);
  }
  return peakCache;
}

/** Seconds per call (median and best sample) of ours and of cblas_sgemm, in alternating rounds of ~0.1 s samples. */
function timeBoth(native, s, quick) {
  const [, M, N, K, ta, tb] = s;
  const run = (cblas, iters) => native._gemmBench(cblas, ta, tb, M, N, K, iters);
  const one = Math.min(run(0, 1), run(1, 1));
  const iters = Math.max(1, Math.round((quick ? 0.04 : 0.1) / one));
  const ours = [];
  const theirs = [];
  for (let r = 0; r < (quick ? 3 : 6); r++) {
    ours.push(run(0, iters));
    theirs.push(run(1, iters));
  }
  // the best sample too: on a shared machine the minimum is what other jobs' load disturbs least
  return { ours: median(ours), cblas: median(theirs), oursBest: Math.min(...ours), cblasBest: Math.min(...theirs) };
}

const cases = [];

cases.push({
  id: 'peak',
  group: 'peak',
  name: 'peak FMA/core (AVX-512 else AVX2)',
  torch: null,
  unit: 'GFLOP/s',
  higher: true,
  fromSeconds: (v) => v,
  ratioKind: null,
  target: null,
  once(tp, label) {
    const { native } = require('../dist/core/native');
    const p = fmaPeak(native);
    const triad = native._gemmPeak(label === '1' ? 'triad1' : 'triad');
    return { value: p.best, extra: { avx512: p.avx512, avx2: p.avx2, triadGBs: triad, isa: native._gemmIsa().active } };
  },
});

for (const s of SHAPES) {
  const [id, M, N, K, ta, tb, what] = s;
  const flops = 2 * M * N * K;
  cases.push({
    id: `gemm_${id}`,
    group: 'gemm',
    name: `sgemm ${M}x${K}·${K}x${N}${ta ? ' Aᵀ' : ''}${tb ? ' Bᵀ' : ''} (${what})`,
    torch: null,
    unit: 'GFLOP/s',
    higher: true,
    fromSeconds: (v) => v,
    ratioKind: 'ours/cblas',
    target: null,
    once(tp, label, quick) {
      const { native } = require('../dist/core/native');
      const threads = label === '1' ? 1 : tp.getNumThreads();
      const peak = fmaPeak(native).best * threads;
      const t = timeBoth(native, s, quick);
      const ours = flops / t.ours / 1e9;
      const cblas = flops / t.cblas / 1e9;
      const bestRatio = t.cblasBest / t.oursBest;
      return { value: ours, extra: { cblas, ratio: ours / cblas, bestRatio, fracPeak: ours / peak, cblasFracPeak: cblas / peak } };
    },
  });
}

/** Note lines for run.js: the peak row's figures, and every GFLOP/s row's fraction of the peak. */
function gemmNotes(rows, fmt, native, defaultThreads) {
  const compute = (r) => r.id.startsWith('matmul_') || r.id.startsWith('conv') || r.id.startsWith('rnn_');
  if (rows.some((r) => compute(r) && r.tapeflow)) fmaPeak(native);
  const out = [];
  const peak = rows.find((r) => r.id === 'peak');
  const pair = (m) => (m ? `${fmt(m['1'])} | ${fmt(m.default)}` : '—');
  if (peak?.extra) {
    const e = peak.extra;
    const g = (v) => (v === 0 ? 'n/a (not on this CPU)' : fmt(v));
    out.push(`note  peak: FMA GFLOP/s per core AVX-512 ${g(e.avx512?.['1'])}, AVX2 ${g(e.avx2?.['1'])}; ` +
      `STREAM triad GB/s (1T | dT) ${pair(e.triadGBs)}; our sgemm runs ${e.isa?.['1']}; ` +
      `OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}`);
  }
  for (const r of rows) {
    if (r.id.startsWith('gemm_') && r.extra) {
      const e = r.extra;
      out.push(`note  ${r.name}: ours ${pair(r.tapeflow)} GFLOP/s = ${pct(e.fracPeak)} of peak; cblas_sgemm ` +
        `${pair(e.cblas)} = ${pct(e.cblasFracPeak)}; ours/cblas ${pair(e.ratio)} (best samples ${pair(e.bestRatio)})`);
    } else if (r.unit === 'GB/s' && peak?.extra?.triadGBs && r.tapeflow) {
      // memory-bound rows (add, pooling, batch norm): fraction of STREAM triad at the same threads
      const t = peak.extra.triadGBs;
      const f = (k) => (typeof r.tapeflow[k] === 'number' && t[k] ? r.tapeflow[k] / t[k] : undefined);
      out.push(`note  ${r.name}: ${pct({ 1: f('1'), default: f('default') })} of STREAM triad (1T | dT)`);
    } else if (compute(r) && peakCache && r.tapeflow) {
      const f = (k, th) => (typeof r.tapeflow[k] === 'number' ? r.tapeflow[k] / (peakCache.best * th) : undefined);
      out.push(`note  ${r.name}: ${pct({ 1: f('1', 1), default: f('default', defaultThreads) })} of the FMA peak ` +
        `(1T | dT, per core x threads)`);
    }
  }
  return out;
}

function pct(m) {
  const p = (v) => (typeof v === 'number' && Number.isFinite(v) ? `${(100 * v).toFixed(0)}%` : '—');
  return m ? `${p(m['1'])} | ${p(m.default)}` : '—';
}

module.exports = { cases, gemmNotes, fmaPeak };
