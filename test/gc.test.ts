// Buffers of tensors that are never disposed are freed by the garbage collector, even
// inside a synchronous loop that never yields to the event loop.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { tp } from './helpers';

test('a synchronous loop without dispose keeps live buffers bounded', () => {
  const x = tp.ones([64]);
  const start = tp.memory().numTensors;
  let peak = 0;
  for (let i = 0; i < 300000; i++) {
    x.add(1);
    if (i % 10000 === 0) peak = Math.max(peak, tp.memory().numTensors - start);
  }
  // Without GC-driven frees this would be 300000.
  expect(peak).toBeLessThan(150000);
  x.dispose();
});

test('large buffers are reported to V8 so the GC runs before memory balloons', () => {
  const start = tp.memory().numBytes;
  let peak = 0;
  for (let i = 0; i < 400; i++) {
    tp.zeros([1 << 20]); // 4 MB each, 1.6 GB if never freed
    peak = Math.max(peak, tp.memory().numBytes - start);
  }
  expect(peak).toBeLessThan(800 * 2 ** 20);
});

test('a forged or stale handle is an error, not a crash', () => {
  const t = tp.ones([4]);
  const h = t._h as number;
  t.dispose();
  const { native } = require('../lib/core/native');
  expect(() => native.toTypedArray(h, 0, 4)).toThrow(/disposed/);
  expect(() => native.toTypedArray(123456789, 0, 4)).toThrow(/does not belong to this thread/); // forged: never issued here
  expect(() => native.toTypedArray(-1, 0, 4)).toThrow(/not a tensor storage/);
  expect(() => native.toTypedArray({}, 0, 4)).toThrow(/not a tensor storage/);
});

test('tensors that stay reachable survive batched tracking and collections', () => {
  const kept: import('../lib').Tensor[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = tp.full([3], i);
    if (i % 3 === 0) t.dispose(); // disposed before its batch is flushed: must not be tracked or freed twice
    else kept.push(t);
    tp.ones([8]); // garbage in between
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
  for (let i = 0; i < 200000; i++) tp.ones([4]); // more collections
  kept.forEach((t) => {
    const v = t.dataSync();
    expect(v[0]).toBe(v[2]);
  });
  expect(kept[kept.length - 1].dataSync()[1]).toBe(1999);
  kept.forEach((t) => t.dispose());
});

// Small storages are tied to the GC in batches (native/binding/track.cc): one weak reference
// per batch of 256, split into per-storage references once a batch outlives a collection.
const gc = (globalThis as { gc?: () => void }).gc;

test('tensors kept alive in a loop do not pin the dead tensors tracked with them', () => {
  const x = tp.ones([64]);
  const start = tp.memory().numTensors;
  const kept: import('../lib').Tensor[] = [];
  let peakDead = 0;
  const N = 300000;
  for (let i = 0; i < N; i++) {
    const y = x.add(i % 7); // `losses.push(loss)`: every 50th result stays reachable
    if (i % 50 === 0) kept.push(i % 100 === 0 ? y : y.reshape([8, 8]).T); // views keep the storage too
    if (i % 5000 === 0) peakDead = Math.max(peakDead, tp.memory().numTensors - start - kept.length);
  }
  // If one kept member pinned its batch, nearly all N results would still be alive here.
  expect(peakDead).toBeLessThan(N / 3);
  if (gc) {
    gc();
    for (let i = 0; i < 600; i++) x.add(1); // flushes a batch: splits the ones that survived
    gc();
    expect(tp.memory().numTensors - start - kept.length).toBeLessThan(2000);
  }
  kept.forEach((t, j) => {
    const v = t.dataSync();
    expect(v.length).toBe(64);
    expect(v[63]).toBe(1 + ((j * 50) % 7));
  });
  kept.forEach((t, j) => {
    if (j % 2) t.dispose(); // disposing a storage already handed to the GC: no double free
  });
  if (gc) gc();
  for (let i = 0; i < 100000; i++) x.add(1);
  kept.forEach((t, j) => {
    if (j % 2 === 0) expect(t.dataSync()[0]).toBe(1 + ((j * 50) % 7));
  });
  kept.forEach((t) => t.dispose());
  x.dispose();
});

test('a batch mixing disposed, kept and dropped tensors frees each buffer once', () => {
  const start = tp.memory().numTensors;
  const kept: import('../lib').Tensor[] = [];
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 256; i++) {
      const t = tp.full([5], round * 1000 + i);
      if (i % 3 === 0) t.dispose();
      else if (i % 3 === 1 && round % 4 === 0) kept.push(t);
    }
    if (gc && round % 5 === 0) gc(); // some batches outlive a collection and get split
  }
  if (gc) gc();
  for (let i = 0; i < 1000; i++) tp.ones([2]);
  if (gc) gc();
  for (const t of kept) {
    const v = t.dataSync();
    expect(v[0]).toBe(v[4]);
  }
  kept.forEach((t) => t.dispose());
  if (gc) {
    gc();
    expect(tp.memory().numTensors - start).toBeLessThan(600);
  }
});

test('dead tensors tracked with a kept one are freed even when all later work runs in tidy', () => {
  if (!gc) return; // needs --expose-gc (npm test passes it)
  const x = tp.ones([4]);
  const start = tp.memory().numTensors;
  const kept: import('../lib').Tensor[] = [];
  for (let i = 0; i < 1000; i++) {
    const t = x.add(i);
    if (i % 250 === 7) kept.push(t); // e.g. parameters made among temporaries
  }
  gc(); // the kept ones' batches outlive a collection
  for (let i = 0; i < 2000; i++) tp.tidy(() => {
    x.add(1);
  }); // nothing new survives: no batch is tracked
  gc();
  expect(tp.memory().numTensors - start - kept.length).toBeLessThan(300);
  expect(kept.map((t) => t.dataSync()[0])).toEqual([8, 258, 508, 758]);
  kept.forEach((t) => t.dispose());
  x.dispose();
});

test('workers that leave small tensors to the GC exit and terminate cleanly', async () => {
  // Workers run the compiled package (see test/worker.test.ts): `npm run build:ts` makes dist/.
  const dist = path.resolve(process.env.TAPEFLOW_DIST ?? path.join(__dirname, '..', 'dist'));
  if (!fs.existsSync(path.join(dist, 'index.js')))
    throw new Error(`${dist}/index.js is missing: run \`npm run build:ts\` first`);
  const code = `
    const { parentPort, workerData } = require('worker_threads');
    const tp = require(workerData.dist);
    const x = tp.ones([16]);
    const kept = [];
    for (let i = 0; i < 200000; i++) {
      const y = x.add(i % 5);
      if (i % 100 === 0) kept.push(y);
    }
    const dead = tp.memory().numTensors - 1 - kept.length;
    parentPort.postMessage({ dead, v: kept[7].dataSync()[3] });
    if (workerData.spin) for (;;) x.add(1); // cut off by terminate(), batches still open
  `;
  const run = async (spin: boolean): Promise<{ msg: { dead: number; v: number }; code: number }> => {
    const w = new Worker(code, { eval: true, workerData: { dist, spin }, env: { ...process.env } });
    const msg = await new Promise<{ dead: number; v: number }>((res, rej) => {
      w.on('message', res);
      w.on('error', rej);
    });
    const exited = new Promise<number>((res) => w.on('exit', res));
    if (spin) setTimeout(() => w.terminate(), 50);
    return { msg, code: await exited };
  };
  const [own, cut] = await Promise.all([run(false), run(true)]);
  for (const r of [own, cut]) {
    expect(r.msg.v).toBe(1 + ((7 * 100) % 5));
    expect(r.msg.dead).toBeLessThan(100000);
  }
  expect(own.code).toBe(0);
  expect(cut.code).toBe(1);
  expect(Array.from(tp.add(tp.ones([3]), 1).dataSync())).toEqual([2, 2, 2]);
}, 60000);
