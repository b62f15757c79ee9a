// Buffers of tensors that are never disposed are freed by the garbage collector, even
// inside a synchronous loop that never yields to the event loop.
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
