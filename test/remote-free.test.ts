// Storages released off the JS thread (as kernels run on other threads will) are queued and
// freed by the owning thread: counts stay exact, nothing is freed twice, JS can still dispose.
import { tp } from './helpers';

const { native } = require('../lib/core/native');

function handles(ts: import('../lib').Tensor[]): Float64Array {
  return Float64Array.from(ts.map((t) => t._h));
}

test('storages freed on other threads reach the allocator at the next memory query', () => {
  const before = tp.memory().numTensors;
  const ts = Array.from({ length: 2000 }, (_, i) => tp.full([i % 7 + 1], i));
  expect(tp.memory().numTensors).toBe(before + 2000);
  expect(native._freeOnThreads(handles(ts.slice(0, 1500)), 8)).toBe(1500);
  // queued, not freed: the table and the cache are touched only by the owning thread
  expect(native.isFreed(ts[0]._h)).toBe(false);
  expect(tp.memory().numTensors).toBe(before + 500);
  for (const t of ts.slice(0, 1500)) expect(native.isFreed(t._h)).toBe(true);
  // the survivors are intact, and disposing the freed ones is a no-op, not a double free
  for (let i = 1500; i < 2000; i++) expect(ts[i].dataSync()[0]).toBe(i);
  for (const t of ts) t.dispose();
  expect(tp.memory().numTensors).toBe(before);
});

test('an allocation drains the queue; a handle disposed meanwhile is skipped', () => {
  const before = tp.memory().numTensors;
  const a = tp.ones([3]);
  const b = tp.ones([3]);
  const h = a._h;
  native._freeOnThreads(Float64Array.from([h, b._h]), 2);
  b.dispose(); // JS disposes one of the queued storages before the owner thread drains
  const c = tp.zeros([3]); // drains: frees a, skips b (its generation moved on)
  expect(native.isFreed(h)).toBe(true);
  expect(Array.from(c.dataSync())).toEqual([0, 0, 0]);
  a.dispose();
  c.dispose();
  expect(tp.memory().numTensors).toBe(before);
});

test('the hook validates its arguments', () => {
  expect(() => native._freeOnThreads([1, 2], 1)).toThrow(/Float64Array/);
  expect(() => native._freeOnThreads(new Float64Array(0), 0)).toThrow(/threads/);
  expect(native._freeOnThreads(Float64Array.from([-1, NaN, 2 ** 60, 12345]), 1)).toBe(0);
});
