// In-place updates (assign/assignAdd/assignSub, add_/sub_/mul_/div_/zero_/fill_): written
// through strides into the existing storage, not recorded, version bumped (shared with views),
// refused on leaves that require grad (and views of them) while recording; backward detects
// modified saved inputs.
import { tp, expectClose, expectNoLeak, expectThrowsCode } from './helpers';

describe('in-place updates', () => {
  test('assign a tensor, a broadcast row, a number; cast to the dtype', () => {
    const t = tp.zeros([2, 3]);
    const v0 = t._version;
    expect(t.assign(tp.tensor([[1, 2, 3], [4, 5, 6]]))).toBe(t);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    t.assign(tp.tensor([7, 8, 9], { dtype: 'float64' }));
    expect(t.toArray()).toEqual([[7, 8, 9], [7, 8, 9]]);
    t.assign(2.5);
    expect(t.toArray()).toEqual([[2.5, 2.5, 2.5], [2.5, 2.5, 2.5]]);
    expect(t._version).toBe(v0 + 3);
    const i = tp.zeros([3], { dtype: 'int32' });
    i.assign(tp.tensor([1.7, -2.2, 3], { dtype: 'float32' }));
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([1, -2, 3]);
  });

  test('assign refuses a value that does not broadcast to the shape', () => {
    const t = tp.zeros([2, 3]);
    expectThrowsCode(() => t.assign(tp.zeros([2, 2])), 'ERR_SHAPE');
    expectThrowsCode(() => t.assign(tp.zeros([4, 2, 3])), 'ERR_SHAPE');
  });

  test('writes through a strided view into the base storage; views share the version', () => {
    const base = tp.zeros([3, 4]);
    const col = tp.select(base, 1, 2); // column 2, strided
    const tr = tp.transpose(base, [1, 0]);
    const v0 = base._version;
    col.assign(tp.tensor([1, 2, 3], { dtype: 'float32' }));
    expect(base.toArray()).toEqual([[0, 0, 1, 0], [0, 0, 2, 0], [0, 0, 3, 0]]);
    expect(base._version).toBe(v0 + 1);
    expect(tr._version).toBe(v0 + 1);
    tr.add_(1);
    expect(base.toArray()).toEqual([[1, 1, 2, 1], [1, 1, 3, 1], [1, 1, 4, 1]]);
    expect(col._version).toBe(v0 + 2);
    const row = tp.slice(base, [1, 1], [1, 2]);
    row.zero_();
    expect(base.toArray()).toEqual([[1, 1, 2, 1], [1, 0, 0, 1], [1, 1, 4, 1]]);
  });

  test('add_, sub_, mul_, div_, assignAdd, assignSub, zero_, fill_', () => {
    const t = tp.tensor([1, 2, 3, 4], { dtype: 'float32' });
    expect(t.add_(tp.tensor([1, 1, 1, 1], { dtype: 'float32' }))).toBe(t);
    expect(Array.from(t.dataSync())).toEqual([2, 3, 4, 5]);
    t.sub_(1);
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4]);
    t.mul_(tp.tensor([2, 3, 4, 5], { dtype: 'float32' }));
    expect(Array.from(t.dataSync())).toEqual([2, 6, 12, 20]);
    t.div_(2);
    expect(Array.from(t.dataSync())).toEqual([1, 3, 6, 10]);
    t.assignAdd(tp.tensor([1, 1, 1, 1], { dtype: 'float32' }));
    t.assignSub(0.5);
    expectClose(t.dataSync(), [1.5, 3.5, 6.5, 10.5]);
    t.fill_(7);
    expect(Array.from(t.dataSync())).toEqual([7, 7, 7, 7]);
    t.zero_();
    expect(Array.from(t.dataSync())).toEqual([0, 0, 0, 0]);
    const i = tp.tensor([5, 7], { dtype: 'int32' });
    i.div_(2);
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([2, 3]);
    const s = tp.tensor(3, { dtype: 'float32' });
    s.mul_(2);
    expect(s.item()).toBe(6);
  });

  test('assigning an overlapping view of itself copies the source first', () => {
    const t = tp.tensor([[1, 2], [3, 4]], { dtype: 'float32' });
    t.assign(tp.transpose(t, [1, 0]));
    expect(t.toArray()).toEqual([[1, 3], [2, 4]]);
    const r = tp.tensor([1, 2, 3, 4], { dtype: 'float32' });
    r.assign(tp.flip(r, [0]));
    expect(Array.from(r.dataSync())).toEqual([4, 3, 2, 1]);
  });

  test('a result that would need a bigger shape is refused', () => {
    const t = tp.zeros([3]);
    expectThrowsCode(() => t.add_(tp.zeros([2, 3])), 'ERR_SHAPE');
  });

  test('in-place ops do not leak temporaries', () => {
    const t = tp.ones([4, 4]);
    const v = tp.ones([4]);
    expectNoLeak(() => {
      t.add_(v).mul_(2).sub_(v).div_(3).assignAdd(v).assignSub(1).assign(v).fill_(1).zero_();
    });
    tp.dispose([t, v]);
  });

  test('not recorded: the result of an in-place op on a tracked tensor keeps its node', () => {
    const x = tp.tensor([1, 2], { dtype: 'float32' });
    x.requiresGrad = true;
    const y = tp.mul(x, 2);
    const node = y.gradFn;
    y.add_(1);
    expect(y.gradFn).toBe(node);
    expect(Array.from(y.dataSync())).toEqual([3, 5]);
  });

  test('a leaf that requires grad cannot be modified in place while recording, but can inside noGrad', () => {
    const w = tp.tensor([1, 2, 3], { dtype: 'float32' });
    w.requiresGrad = true;
    for (const f of [
      () => w.add_(1), () => w.sub_(1), () => w.mul_(2), () => w.div_(2), () => w.assign(0),
      () => w.assignAdd(1), () => w.assignSub(1), () => w.zero_(), () => w.fill_(1),
    ])
      expectThrowsCode(f, 'ERR_INPLACE', /a leaf Variable that requires grad is being used in an in-place operation/);
    expect(Array.from(w.dataSync())).toEqual([1, 2, 3]);
    tp.noGrad(() => w.sub_(1));
    expect(Array.from(w.dataSync())).toEqual([0, 1, 2]);
    expect(w.requiresGrad).toBe(true);
  });

  test('a view of such a leaf is refused too (torch), through any view op and views of views', () => {
    const w = tp.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
    w.requiresGrad = true;
    const views: [string, () => tp.Tensor][] = [
      ['select', () => tp.select(w, 0, 1)],
      ['slice', () => tp.slice(w, [0, 1], [2, 2])],
      ['stridedSlice', () => w.stridedSlice([1, 2], [0, 0], [-1, -2], { endMask: 3 })],
      ['transpose', () => w.T],
      ['reshape', () => w.reshape([3, 2])],
      ['squeeze/unsqueeze', () => w.unsqueeze(0).squeeze(0)],
      ['broadcastTo', () => w.broadcastTo([2, 2, 3])],
      ['split', () => tp.split(w, 1, 1)[2]],
      ['a view of a view', () => w.T.select(0, 2).slice([1], [1])],
    ];
    for (const [name, mk] of views) {
      const v = mk();
      for (const f of [
        () => v.add_(1), () => v.sub_(1), () => v.mul_(2), () => v.div_(2), () => v.assign(0),
        () => v.assignAdd(1), () => v.assignSub(1), () => v.zero_(), () => v.fill_(1),
      ]) {
        try {
          f();
          throw new Error(`${name}: not refused`);
        } catch (e) {
          expect((e as Error).message).toMatch(/a view of a leaf Variable that requires grad is being used in an in-place operation/);
          expect((e as { code?: string }).code).toBe('ERR_INPLACE');
        }
      }
    }
    expect(w.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(w._version).toBe(0);
    // a view made under noGrad is refused once recording is back on (torch refuses it as well)
    const nv = tp.noGrad(() => tp.select(w, 1, 0));
    expectThrowsCode(() => nv.zero_(), 'ERR_INPLACE', /view of a leaf/);
    // and so is a view made before its leaf started to require grad
    const a = tp.zeros([3]);
    const early = a.slice([0], [2]);
    early.add_(1); // allowed: a does not require grad yet
    a.requiresGrad_();
    expectThrowsCode(() => early.add_(1), 'ERR_INPLACE', /view of a leaf/);
    expect(Array.from(a.dataSync() as Float32Array)).toEqual([1, 1, 0]);
  });

  test('inside noGrad a view of the leaf can be written, and writes through', () => {
    const w = tp.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' });
    w.requiresGrad = true;
    const col = tp.select(w, 1, 2);
    const rows = w.stridedSlice([1], [0], [-1], { endMask: 1 });
    tp.noGrad(() => {
      col.zero_();
      rows.mul_(2);
      tp.slice(w, [0, 0], [1, 1]).fill_(9);
    });
    expect(w.toArray()).toEqual([[9, 4, 0], [8, 10, 0]]);
    expect(w._version).toBe(3);
    expect(w.requiresGrad).toBe(true);
  });

  test('views of tensors that are not such leaves stay writable: computed, detached, no requiresGrad', () => {
    const w = tp.tensor([1, 2, 3, 4], { dtype: 'float32' });
    w.requiresGrad = true;
    const h = tp.mul(w, 2); // computed: torch allows it (here: not recorded, the version check guards backward)
    tp.slice(h, [1], [2]).add_(1);
    expect(Array.from(h.dataSync())).toEqual([2, 5, 7, 8]);
    const d = w.detach(); // shares w's storage, like torch's detach
    tp.slice(d, [0], [1]).fill_(-1);
    expect(Array.from(w.dataSync())).toEqual([-1, 2, 3, 4]);
    const plain = tp.zeros([2, 2]);
    plain.T.select(0, 1).fill_(3);
    expect(plain.toArray()).toEqual([[0, 3], [0, 3]]);
  });

  test('a disposed tensor cannot be updated', () => {
    const t = tp.zeros([2]);
    t.dispose();
    expectThrowsCode(() => t.add_(1), 'ERR_DISPOSED');
  });
});

describe('version check in backward', () => {
  test('modifying a saved input (non-leaf) after use makes backward throw, naming the op', () => {
    const x = tp.tensor([1, 2, 3], { dtype: 'float32' });
    x.requiresGrad = true;
    const w0 = tp.tensor([4, 5, 6], { dtype: 'float32' });
    w0.requiresGrad = true;
    const w = tp.mul(w0, 1); // a non-leaf copy
    const y = tp.sum(tp.mul(x, w));
    w.add_(1);
    expectThrowsCode(() => y.backward(), 'ERR_INPLACE', /modified by an in-place operation: mul input 1, version saved 0, now 1/);
  });

  test('a view modified in place is caught through the shared storage', () => {
    const x = tp.tensor([1, 2, 3], { dtype: 'float32' });
    x.requiresGrad = true;
    const h = tp.mul(x, 1);
    const y = tp.sum(tp.mul(h, h));
    const v = tp.slice(h, [0], [1]);
    v.fill_(10);
    expectThrowsCode(() => y.backward(), 'ERR_INPLACE', /in-place operation: mul input 0/);
  });

  test('modifying a leaf inside noGrad after the forward is caught too', () => {
    const w = tp.tensor([1, 2], { dtype: 'float32' });
    w.requiresGrad = true;
    const y = tp.sum(tp.mul(w, w));
    tp.noGrad(() => w.mul_(2));
    expectThrowsCode(() => y.backward(), 'ERR_INPLACE');
  });

  test('updates before the forward (an optimizer step) are fine', () => {
    const w = tp.tensor([1, 2], { dtype: 'float32' });
    w.requiresGrad = true;
    tp.noGrad(() => w.sub_(0.5));
    const y = tp.sum(tp.mul(w, w));
    y.backward();
    expectClose(w.grad!.dataSync(), [1, 3]);
  });
});
