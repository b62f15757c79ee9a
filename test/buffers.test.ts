// Module buffers: registerBuffer / namedBuffers / buffers, buffers in stateDict with torch's key
// names (a torch BatchNorm2d + LayerNorm + GroupNorm state dict from test/fixtures/norm.json loads
// one-to-one and gives torch's eval output), non-persistent buffers, strict loading, train()/eval().
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectClose, expectThrowsCode, defaultTol } from './helpers';

type T = tp.Tensor;
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'norm.json'), 'utf8'));
const arr = (t: T): number[] => Array.from(t.dataSync());

class Net extends tp.nn.Module {
  bn = new tp.nn.BatchNorm2d(3);
  ln = new tp.nn.LayerNorm([4, 4]);
  gn = new tp.nn.GroupNorm(1, 3);
  forward(x: T): T {
    return this.gn.forward(this.ln.forward(this.bn.forward(x)));
  }
}

class WithBuffers extends tp.nn.Module {
  lin = new tp.nn.Linear(2, 2);
  constructor() {
    super();
    this.registerBuffer('steps', tp.zeros([1]));
    this.registerBuffer('cache', tp.ones([2]), { persistent: false });
    this.registerBuffer('empty', null);
  }
}

describe('buffers', () => {
  test('registerBuffer, namedBuffers (recursive, dotted), buffers, persistent', () => {
    const m = new WithBuffers();
    const outer = new tp.nn.Sequential(m, new tp.nn.BatchNorm1d(2));
    expect(outer.namedBuffers().map(([n]) => n)).toEqual(['0.steps', '0.cache', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(outer.namedBuffers('', false)).toEqual([]);
    expect(outer.buffers()[0]).toBe((m as unknown as { steps: T }).steps);
    expect(outer.namedBuffers('net').map(([n]) => n)[0]).toBe('net.0.steps');
    expect(Object.keys(outer.stateDict())).toEqual([
      '0.steps', '0.lin.weight', '0.lin.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked',
    ]);
    expect(outer.parameters().length).toBe(4); // buffers are not parameters
    // reassigning the property replaces the buffer, as torch's __setattr__
    (m as unknown as { steps: T }).steps = tp.full([1], 4);
    expect(arr(outer.stateDict()['0.steps'])).toEqual([4]);
    expectThrowsCode(() => m.registerBuffer('a.b', tp.ones([1])), 'ERR_ARGUMENT', /registerBuffer: name must be a non-empty string without '\.'/);
    expectThrowsCode(() => m.registerBuffer('x', [1] as never), 'ERR_ARGUMENT', /must be a Tensor or null/);
    expectThrowsCode(() => m.registerBuffer('lin', tp.ones([1])), 'ERR_ARGUMENT', /already an attribute/);
    expectThrowsCode(() => m.registerBuffer('y', tp.ones([1]), { persistent: 1 as never }), 'ERR_ARGUMENT', /persistent must be a boolean/);
    outer.dispose();
    expect((m as unknown as { steps: T }).steps.isDisposed).toBe(true);
  });

  test('buffers survive the tidy() they were made in', () => {
    const m = tp.tidy(() => new tp.nn.BatchNorm2d(2));
    expect(m.running_mean!.isDisposed).toBe(false);
    expect(arr(m.running_var!)).toEqual([1, 1]);
    m.dispose();
  });

  test('loadStateDict: strict names, shapes, non-persistent buffers left out, dtype converted', () => {
    const a = new tp.nn.BatchNorm2d(3);
    const sd = a.stateDict();
    expect(Object.keys(sd)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    const b = new tp.nn.BatchNorm2d(3);
    const { running_var: _rv, ...missing } = sd;
    void _rv;
    expectThrowsCode(() => b.loadStateDict(missing), 'ERR_ARGUMENT', /missing keys: running_var/);
    expectThrowsCode(() => b.loadStateDict({ ...sd, extra: tp.ones([1]) }), 'ERR_ARGUMENT', /unexpected keys: extra/);
    expectThrowsCode(() => b.loadStateDict({ ...sd, running_mean: tp.ones([4]) }), 'ERR_SHAPE', /size mismatch for 'running_mean'.*\[4\].*\[3\]/);
    b.loadStateDict({ ...sd, num_batches_tracked: tp.tensor(7, { dtype: 'float64' }), running_mean: tp.full([3], 2) });
    expect(b.num_batches_tracked!.item()).toBe(7);
    expect(b.num_batches_tracked!.dtype).toBe('int32');
    expect(arr(b.running_mean!)).toEqual([2, 2, 2]);
    const w = new WithBuffers();
    expect(Object.keys(w.stateDict())).not.toContain('cache');
    expectThrowsCode(() => w.loadStateDict({ ...w.stateDict(), cache: tp.ones([2]) }), 'ERR_ARGUMENT', /unexpected keys: cache/);
    tp.dispose([a, b, w].flatMap((m) => [...m.parameters(), ...m.buffers()]));
  });

  test("a torch state dict (BatchNorm2d, LayerNorm, GroupNorm after training) maps one-to-one and gives torch's eval output", () => {
    const S = FIX.stateDict as { keys: string[]; state: Record<string, { shape: number[]; data: number[] }>; x: number[]; y: number[] };
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual(S.keys);
    const dict: Record<string, T> = {};
    for (const k of S.keys) dict[k] = tp.tensor(S.state[k].data, { shape: S.state[k].shape, dtype: 'float64' });
    net.loadStateDict(dict);
    expect(net.bn.num_batches_tracked!.item()).toBe(3);
    net.eval();
    expect(net.bn.training).toBe(false);
    const y = net.forward(tp.tensor(S.x, { shape: [2, 3, 4, 4] }));
    expectClose(y.dataSync(), S.y, { rtol: 1e-5, atol: 1e-5 });
    // train() switches batch norm back to batch statistics (and updates the running ones)
    net.train();
    const rm = arr(net.bn.running_mean!);
    const y2 = net.forward(tp.tensor(S.x, { shape: [2, 3, 4, 4] }));
    expect(arr(net.bn.running_mean!)).not.toEqual(rm);
    expect(net.bn.num_batches_tracked!.item()).toBe(4);
    expect(arr(y2)).not.toEqual(arr(y));
    void defaultTol;
    net.dispose();
  });

  test('eval() also switches Dropout; modules keep working after a round trip of stateDict', () => {
    const seq = new tp.nn.Sequential(new tp.nn.Linear(3, 3), new tp.nn.Dropout(0.5), new tp.nn.BatchNorm1d(3));
    const x = tp.randn([4, 3]);
    seq.eval();
    const a = seq.forward(x);
    const b = seq.forward(x);
    expect(arr(a)).toEqual(arr(b));
    const copy = new tp.nn.Sequential(new tp.nn.Linear(3, 3), new tp.nn.Dropout(0.5), new tp.nn.BatchNorm1d(3));
    copy.loadStateDict(seq.stateDict());
    copy.eval();
    expect(arr(copy.forward(x))).toEqual(arr(a));
    seq.dispose();
    copy.dispose();
  });
});
