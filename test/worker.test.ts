// The addon in worker_threads: it loads in several workers at once, computes there exactly what
// the main thread computes, raises TapeflowErrors there, and survives workers terminated in the
// middle of large ops (matmul 512, elementwise on 1e6 elements) — with results disposed, inside
// tidy, or left to GC finalizers — after which the main thread still computes correctly.
//
// Workers cannot run TypeScript, so test/worker-script.js loads the compiled package from dist/
// (`npm run build:ts`; `npm install` runs it as the prepare script). TAPEFLOW_DIST may point at
// another compiled copy; TAPEFLOW_ADDON is honoured by both threads.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { tp, expectClose } from './helpers';

const DIST = process.env.TAPEFLOW_DIST ?? path.join(__dirname, '..', 'dist');
const SCRIPT = path.join(__dirname, 'worker-script.js');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Msg = any;

function checkDist(): void {
  if (!fs.existsSync(path.join(DIST, 'index.js')))
    throw new Error(
      `The worker tests need the compiled package, but ${path.join(DIST, 'index.js')} does not exist.\n` +
        'Run `npm run build:ts` (tsc -p tsconfig.json; `npm install` runs it as its prepare script), then rerun the tests.',
    );
}

interface Handle {
  w: Worker;
  next(type: string, timeoutMs?: number): Promise<Msg>;
  exited: Promise<number>;
  errors: Error[];
}

function spawn(): Handle {
  const w = new Worker(SCRIPT, { workerData: { dist: path.resolve(DIST) }, env: { ...process.env } });
  const queue: Msg[] = [];
  const waiters: { type: string; resolve: (m: Msg) => void; reject: (e: Error) => void }[] = [];
  const errors: Error[] = [];
  const deliver = (m: Msg): void => {
    if (m.type === 'loadError') {
      for (const wt of waiters.splice(0)) wt.reject(new Error(`the worker could not load ${DIST}: ${m.message}\nRun \`npm run build:ts\` and check that the addon is built.`));
      return;
    }
    if (m.type === 'stale') {
      for (const wt of waiters.splice(0))
        wt.reject(new Error(`dist/ is stale: it lacks ${m.missing.map((k: string) => `tp.${k}`).join(', ')}. Run \`npm run build:ts\` and rerun the tests.`));
      return;
    }
    const i = waiters.findIndex((wt) => wt.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(m);
    else queue.push(m);
  };
  w.on('message', deliver);
  w.on('error', (e) => {
    errors.push(e);
    for (const wt of waiters.splice(0)) wt.reject(e);
  });
  const exited = new Promise<number>((res) => w.on('exit', res));
  const next = (type: string, timeoutMs = 30000): Promise<Msg> => {
    const i = queue.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for '${type}' from a worker`)), timeoutMs);
      waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  };
  return { w, next, exited, errors };
}

/** The same computation as compute() in worker-script.js, on the main thread (through ts-jest). */
function det(n: number, a: number, m: number, shift: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * a) % m) / 256 - shift;
  return out;
}
function computeHere(seed: number): { matmul: number[]; rowsum: number[]; softmax: number[] } {
  return tp.tidy(() => {
    const a = tp.tensor(det(64 * 48, 7 + seed, 509, 1), { shape: [64, 48] });
    const b = tp.tensor(det(48 * 32, 13 + seed, 251, 0.5), { shape: [48, 32] });
    const c = tp.matmul(a, b);
    const big = tp.tensor(det(300000, 31 + seed, 1021, 2), { shape: [600, 500] });
    const e = tp.exp(tp.mul(big, 0.25));
    const s = tp.sum(e, 1);
    const sm = tp.softmax(tp.reshape(c, [32, 64]), -1);
    return { matmul: Array.from(c.dataSync()), rowsum: Array.from(s.dataSync()), softmax: Array.from(sm.dataSync()) };
  });
}

/** Plain-JS check of a matmul result (so main and worker cannot agree on a wrong answer). */
function refMatmul(seed: number): number[] {
  const a = det(64 * 48, 7 + seed, 509, 1);
  const b = det(48 * 32, 13 + seed, 251, 0.5);
  const out = new Array<number>(64 * 32).fill(0);
  for (let i = 0; i < 64; i++) for (let j = 0; j < 32; j++) {
    let s = 0;
    for (let k = 0; k < 48; k++) s += a[i * 48 + k] * b[k * 32 + j];
    out[i * 32 + j] = s;
  }
  return out;
}

jest.setTimeout(60000);

describe('worker_threads', () => {
  beforeAll(() => checkDist());

  test('the addon loads in several workers at once and computes what the main thread computes', async () => {
    const seeds = [0, 1, 2, 3];
    const hs = seeds.map(() => spawn());
    try {
      await Promise.all(hs.map((h) => h.next('ready')));
      hs.forEach((h, i) => h.w.postMessage({ type: 'compute', seed: seeds[i] }));
      const results = await Promise.all(hs.map((h) => h.next('result')));
      for (let i = 0; i < seeds.length; i++) {
        const here = computeHere(seeds[i]);
        const there = results[i].result;
        // same library, same addon, same inputs: the same numbers (tolerance only for BLAS thread splits)
        expectClose(there.matmul, here.matmul, { rtol: 1e-6, atol: 1e-6 }, `matmul seed ${seeds[i]}`);
        expectClose(there.rowsum, here.rowsum, { rtol: 1e-6, atol: 1e-6 }, `rowsum seed ${seeds[i]}`);
        expectClose(there.softmax, here.softmax, { rtol: 1e-6, atol: 1e-7 }, `softmax seed ${seeds[i]}`);
        expectClose(there.matmul, refMatmul(seeds[i]), { rtol: 1e-5, atol: 1e-4 }, `matmul vs JS seed ${seeds[i]}`);
      }
    } finally {
      await Promise.all(hs.map((h) => h.w.terminate()));
    }
    for (const h of hs) expect(h.errors).toEqual([]);
  });

  test('TapeflowError (with its code) is thrown inside a worker', async () => {
    const h = spawn();
    try {
      await h.next('ready');
      h.w.postMessage({ type: 'errors' });
      const m = await h.next('errors');
      expect(m.errors).toEqual([
        { name: 'TapeflowError', code: 'ERR_SHAPE', isTapeflowError: true },
        { name: 'TapeflowError', code: 'ERR_SHAPE', isTapeflowError: true },
        { name: 'TapeflowError', code: 'ERR_SHAPE', isTapeflowError: true },
      ]);
    } finally {
      await h.w.terminate();
    }
  });

  test('workers terminated in the middle of large ops do not crash the process; the main thread still computes correctly', async () => {
    const before = computeHere(5);
    const modes = ['dispose', 'tidy', 'gc', 'dispose', 'gc', 'tidy'];
    for (let round = 0; round < 2; round++) {
      const hs = modes.slice(round * 3, round * 3 + 3).map(() => spawn());
      await Promise.all(hs.map((h) => h.next('ready')));
      hs.forEach((h, i) => h.w.postMessage({ type: 'loop', mode: modes[round * 3 + i], size: 512 }));
      await Promise.all(hs.map((h) => h.next('tick', 60000)));
      // let the loops run on, with the main thread busy at the same time, then cut them off mid-op
      const t0 = Date.now();
      while (Date.now() - t0 < 150 + 50 * round) tp.tidy(() => tp.sum(tp.matmul(tp.ones([256, 256]), tp.ones([256, 256]))));
      const codes = await Promise.all(hs.map((h, i) => new Promise<number>((res) => setTimeout(() => h.w.terminate().then(res), 7 * i))));
      for (const c of codes) expect(c).toBe(1); // terminate() exit code
      for (const h of hs) expect(h.errors).toEqual([]);
    }
    // the main thread's results are unchanged, and a fresh worker still loads the addon
    const after = computeHere(5);
    expect(after.matmul).toEqual(before.matmul);
    expectClose(after.rowsum, before.rowsum, { rtol: 0, atol: 0 }, 'rowsum');
    expectClose(after.matmul, refMatmul(5), { rtol: 1e-5, atol: 1e-4 }, 'matmul vs JS');
    const big = tp.tidy(() => tp.sum(tp.add(tp.ones([1000, 1000]), tp.ones([1000, 1000]))).item());
    expect(big).toBe(2e6);
    const h = spawn();
    try {
      await h.next('ready');
      h.w.postMessage({ type: 'compute', seed: 5 });
      const m = await h.next('result');
      expectClose(m.result.matmul, before.matmul, { rtol: 1e-6, atol: 1e-6 }, 'fresh worker');
    } finally {
      await h.w.terminate();
    }
  });

  test('a worker that exits on its own with live tensors tears down cleanly', async () => {
    const code = `
      const { parentPort, workerData } = require('worker_threads');
      const tp = require(workerData.dist);
      const keep = [];
      for (let i = 0; i < 50; i++) keep.push(tp.ones([1000, 100]).add(i));
      const v = keep[3].reshape([100, 1000]).T;
      parentPort.postMessage({ type: 'done', s: tp.sum(v).item() });
    `;
    const w = new Worker(code, { eval: true, workerData: { dist: path.resolve(DIST) }, env: { ...process.env } });
    const msg = await new Promise<Msg>((res, rej) => {
      w.on('message', res);
      w.on('error', rej);
    });
    expect(msg.s).toBe(4 * 1e5);
    const exit = await new Promise<number>((res) => w.on('exit', res));
    expect(exit).toBe(0);
  });
});
