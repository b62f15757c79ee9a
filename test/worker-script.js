// Worker side of test/worker.test.ts. Plain JS: a worker thread cannot run TypeScript through
// ts-jest, so it loads the compiled package (dist/, made by `npm run build:ts`; `npm install`
// runs it as the prepare script). The addon path honours TAPEFLOW_ADDON like the main thread.
'use strict';
const { parentPort, workerData } = require('worker_threads');

let tp;
try {
  tp = require(workerData.dist);
} catch (e) {
  parentPort.postMessage({ type: 'loadError', message: `${e && e.name}: ${e && e.message}` });
  return;
}

const REQUIRED = ['tensor', 'zeros', 'ones', 'add', 'mul', 'exp', 'sum', 'matmul', 'softmax', 'reshape', 'tidy', 'memory', 'dispose'];
const missing = REQUIRED.filter((k) => typeof tp[k] !== 'function');
if (missing.length) {
  parentPort.postMessage({ type: 'stale', missing });
  return;
}

/** Deterministic data both threads can make: exact in float32. */
function det(n, a, m, shift) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * a) % m) / 256 - shift;
  return out;
}

function compute(seed) {
  return tp.tidy(() => {
    const a = tp.tensor(det(64 * 48, 7 + seed, 509, 1), { shape: [64, 48] });
    const b = tp.tensor(det(48 * 32, 13 + seed, 251, 0.5), { shape: [48, 32] });
    const c = tp.matmul(a, b); // [64, 32]
    const big = tp.tensor(det(300000, 31 + seed, 1021, 2), { shape: [600, 500] });
    const e = tp.exp(tp.mul(big, 0.25));
    const s = tp.sum(e, 1); // [600]
    const sm = tp.softmax(tp.reshape(c, [32, 64]), -1);
    return {
      matmul: Array.from(c.dataSync()),
      rowsum: Array.from(s.dataSync()),
      softmax: Array.from(sm.dataSync()),
    };
  });
}

parentPort.on('message', (msg) => {
  if (msg.type === 'compute') {
    try {
      parentPort.postMessage({ type: 'result', result: compute(msg.seed) });
    } catch (e) {
      parentPort.postMessage({ type: 'error', message: `${e.name} [${e.code}]: ${e.message}` });
    }
  } else if (msg.type === 'errors') {
    // a TapeflowError raised inside a worker is still a TapeflowError with a code
    const out = [];
    for (const f of [() => tp.zeros([-1]), () => tp.add(tp.ones([2]), tp.ones([3])), () => tp.matmul(tp.ones([2, 3]), tp.ones([2, 3]))]) {
      try {
        f();
        out.push({ name: 'none' });
      } catch (e) {
        out.push({ name: e.name, code: e.code, isTapeflowError: e instanceof tp.TapeflowError });
      }
    }
    parentPort.postMessage({ type: 'errors', errors: out });
  } else if (msg.type === 'loop') {
    // Large ops in a tight synchronous loop until terminated; `mode` picks how memory is handled.
    const n = msg.size || 512;
    const a = tp.tensor(det(n * n, 3, 1009, 2), { shape: [n, n] });
    const b = tp.tensor(det(n * n, 5, 1013, 2), { shape: [n, n] });
    const x = tp.tensor(det(1e6, 7, 4093, 8), { shape: [1000, 1000] });
    const y = tp.tensor(det(1e6, 11, 4091, 8), { shape: [1000, 1000] });
    let iter = 0;
    parentPort.postMessage({ type: 'started' });
    for (;;) {
      if (msg.mode === 'dispose') {
        const c = tp.matmul(a, b);
        const s = tp.add(x, y);
        const t = tp.exp(tp.mul(s, 0.01));
        c.dispose();
        s.dispose();
        t.dispose();
      } else if (msg.mode === 'tidy') {
        tp.tidy(() => {
          tp.sum(tp.matmul(a, b.T), 0);
          tp.softmax(tp.add(x, y.T), -1);
        });
      } else {
        // leave results to the GC finalizers, which then run during teardown
        tp.matmul(a, b);
        tp.add(x, y);
      }
      iter++;
      if (iter === 1) parentPort.postMessage({ type: 'tick', iter });
    }
  }
});

parentPort.postMessage({ type: 'ready', threads: typeof tp.getNumThreads === 'function' ? tp.getNumThreads() : null });
