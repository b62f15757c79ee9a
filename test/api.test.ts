// The core API a newcomer meets first (issue 8 §7): dtype inference of JS data, requiresGrad on
// integer tensors, JS conversions of a Tensor (toPrimitive, toJSON), modules kept in arrays /
// Maps / objects and nn.ModuleList / nn.ModuleDict, unique nameScope names, and the
// weightInit / biasInit options of the layers with weights.
import { tp, rng, seedOf, randArray, expectClose, expectTensor, expectNoLeak, expectThrowsCode } from './helpers';

type T = tp.Tensor;
const nn = tp.nn;
const arr = (t: T): number[] => Array.from(t.dataSync() as ArrayLike<number>);

describe('dtype of JS data', () => {
  test('JS numbers give float32 whether or not they are whole; booleans give bool', () => {
    expectTensor(tp.tensor([1.0, 2.0]), [2], 'float32', [1, 2]);
    expectTensor(tp.tensor(2.0), [], 'float32', [2]);
    expectTensor(tp.tensor([[1, -2], [3, 4]]), [2, 2], 'float32', [1, -2, 3, 4]);
    expectTensor(tp.tensor([true, false]), [2], 'bool', [1, 0]);
    expectTensor(tp.tensor(true), [], 'bool', [1]);
    expectTensor(tp.tensor([true, 2]), [2], 'float32', [1, 2]); // a mix is numbers
    expectTensor(tp.tensor([]), [0], 'float32', []);
    expectTensor(tp.tensor([[], []]), [2, 0], 'float32', []);
    expectTensor(tp.tensor([NaN, -Infinity, 0.1]), [3], 'float32', [NaN, -Infinity, Math.fround(0.1)]);
    // float32 holds whole numbers exactly up to 2^24; float64 / int32 on request
    expectTensor(tp.tensor([2 ** 24 + 1]), [1], 'float32', [2 ** 24]);
    expectTensor(tp.tensor([2 ** 24 + 1], { dtype: 'float64' }), [1], 'float64', [2 ** 24 + 1]);
    expectTensor(tp.tensor([2 ** 24 + 1, -7], { dtype: 'int32' }), [2], 'int32', [2 ** 24 + 1, -7]);
    expectTensor(tp.tensor(3, { dtype: 'int32' }), [], 'int32', [3]);
    expectTensor(tp.tensor([1, 0, 2], { dtype: 'bool' }), [3], 'bool', [1, 0, 1]);
    expectTensor(tp.tensor([1, 2, 3, 4], { shape: [2, 2] }), [2, 2], 'float32', [1, 2, 3, 4]);
  });

  test('a TypedArray keeps its type', () => {
    expectTensor(tp.tensor(new Int32Array([1, -2])), [2], 'int32', [1, -2]);
    expectTensor(tp.tensor(new Float64Array([0.1, 2])), [2], 'float64', [0.1, 2]);
    expectTensor(tp.tensor(new Float32Array([0.5, 2])), [2], 'float32', [0.5, 2]);
    expectTensor(tp.tensor(new Int16Array([-3, 4])), [2], 'int32', [-3, 4]);
    expectTensor(tp.tensor(new Uint8Array([0, 3])), [2], 'bool', [0, 1]);
    expectTensor(tp.tensor(new Int32Array([1, 2]), { dtype: 'float64' }), [2], 'float64', [1, 2]);
  });

  test('variable, factories and indices', () => {
    const v = tp.variable(2);
    expect(v.dtype).toBe('float32');
    expect(v.requiresGrad).toBe(true);
    tp.mul(v, v).backward();
    expect(v.grad!.item()).toBe(4);
    expect(tp.variable([1, 2]).dtype).toBe('float32');
    expect(tp.zeros([2]).dtype).toBe('float32');
    expect(tp.full([2], 3).dtype).toBe('float32');
    expect(tp.full([2], true).dtype).toBe('bool');
    expect(tp.fullLike(tp.tensor(new Int32Array([1])), 2.5).dtype).toBe('int32');
    // arange follows torch.arange: whole-number arguments count in int32
    expectTensor(tp.arange(4), [4], 'int32', [0, 1, 2, 3]);
    expectTensor(tp.arange(0, 1, 0.5), [2], 'float32', [0, 0.5]);
    expectTensor(tp.arange(3, { dtype: 'float32' }), [3], 'float32', [0, 1, 2]);
    expect(tp.linspace(0, 1, 3).dtype).toBe('float32');
    expect(tp.eye(2).dtype).toBe('float32');
    // index arguments given as JS numbers are read as integers
    const x = tp.tensor([[10, 20], [30, 40]]);
    expectTensor(tp.gather(x, [1, 0]), [2, 2], 'float32', [30, 40, 10, 20]);
    expectTensor(tp.gather(x, 1), [2], 'float32', [30, 40]);
    expectTensor(tp.gather(x, new Int32Array([1])), [1, 2], 'float32', [30, 40]);
    expectTensor(tp.oneHot([1, 0], 2), [2, 2], 'float32', [0, 1, 1, 0]);
    expectThrowsCode(() => tp.gather(x, [0.5]), 'ERR_DTYPE', /gather: indices must be integers.*0\.5/);
    expectThrowsCode(() => tp.gather(x, [2 ** 31]), 'ERR_DTYPE', /2147483648/);
    expectThrowsCode(() => tp.gather(x, [true]), 'ERR_DTYPE', /booleans/);
    expectThrowsCode(() => tp.gather(x, tp.tensor([0])), 'ERR_DTYPE', /int32 tensor, got float32/);
  });

  test('holes, sparse arrays and huge nested arrays fail cleanly before anything is built', () => {
    const t0 = Date.now();
    expectThrowsCode(() => tp.tensor(new Array(2 ** 27)), 'ERR_ARGUMENT', /tensor: data\[0\] is a hole \(sparse array\)/);
    // eslint-disable-next-line no-sparse-arrays
    expectThrowsCode(() => tp.tensor([1, , 3]), 'ERR_ARGUMENT', /data\[1\] is a hole/);
    const sparse = new Array(2 ** 27);
    sparse[0] = 1;
    expectThrowsCode(() => tp.tensor(sparse), 'ERR_ARGUMENT', /data\[1\] is a hole/);
    expectThrowsCode(() => tp.tensor([[1, 2], new Array(2)]), 'ERR_ARGUMENT', /data\[1\]\[0\] is a hole/);
    // shared rows make a dense nested array of 2^32 values out of 2^16 + 2^16 slots
    const row = new Array(2 ** 16).fill(0);
    expectThrowsCode(() => tp.tensor(new Array(2 ** 16).fill(row)), 'ERR_SHAPE', /more than 2147483647 values; pass a TypedArray/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expectThrowsCode(() => tp.tensor([[1, 2], [3]]), 'ERR_SHAPE', /ragged nested array: data\[1\] has 1 elements, expected 2/);
    expectThrowsCode(() => tp.tensor([[1, 2], 3]), 'ERR_SHAPE', /ragged/);
    expectThrowsCode(() => tp.tensor([1, [2]]), 'ERR_SHAPE', /data\[1\] is an array where a value was expected/);
    expectThrowsCode(() => tp.tensor([1, 'a']), 'ERR_ARGUMENT', /data\[1\] is "a"; expected a number or boolean/);
    expectThrowsCode(() => tp.tensor([[1, null]]), 'ERR_ARGUMENT', /data\[0\]\[1\] is null/);
    expectThrowsCode(() => tp.tensor([1n]), 'ERR_ARGUMENT', /BigInt/);
    expectThrowsCode(() => tp.tensor('1'), 'ERR_ARGUMENT', /data must be/);
    expectNoLeak(() => {
      for (const bad of [[1, , 2], [[1], [2, 3]], ['x']]) expect(() => tp.tensor(bad)).toThrow(tp.TapeflowError); // eslint-disable-line no-sparse-arrays
      expect(() => tp.tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(tp.TapeflowError);
    });
  });
});

describe('requiresGrad needs a float dtype', () => {
  test('int32 and bool tensors refuse it with ERR_DTYPE naming the dtype', () => {
    const i = tp.tensor([1, 2], { dtype: 'int32' });
    const b = tp.tensor([true]);
    expectThrowsCode(() => { i.requiresGrad = true; }, 'ERR_DTYPE', /int32/);
    expectThrowsCode(() => b.requiresGrad_(), 'ERR_DTYPE', /bool/);
    expect(i.requiresGrad).toBe(false);
    i.requiresGrad = false; // always allowed
    expectThrowsCode(() => tp.tensor([1], { dtype: 'int32', requiresGrad: true }), 'ERR_DTYPE', /int32/);
    expectThrowsCode(() => tp.variable([1, 2], { dtype: 'int32' }), 'ERR_DTYPE', /variable: a trainable variable must be float32 or float64, got int32 \[2\].*trainable: false/);
    expectThrowsCode(() => tp.variable(true), 'ERR_DTYPE', /got bool/);
    expectThrowsCode(() => tp.variable(i), 'ERR_DTYPE', /int32/);
    expectThrowsCode(() => new nn.Parameter(i), 'ERR_DTYPE', /Parameter: .*this one is int32 \[2\]/);
    const step = tp.variable(0, { dtype: 'int32', trainable: false });
    expect(step.dtype).toBe('int32');
    expect(step.requiresGrad).toBe(false);
    expect(new nn.Parameter(b, false).requiresGrad).toBe(false);
    expectNoLeak(() => {
      expect(() => tp.variable([1], { dtype: 'bool' })).toThrow(tp.TapeflowError);
      expect(() => tp.tensor([[1]], { dtype: 'bool', requiresGrad: true })).toThrow(tp.TapeflowError);
    });
  });
});

describe('JS conversions of a Tensor', () => {
  test('numeric and default conversion throw; string conversion prints', () => {
    const t = tp.tensor([1.5, 2]);
    const one = tp.tensor(3);
    const add = t as unknown as number;
    expectThrowsCode(() => add + 1, 'ERR_ARGUMENT', /Tensor: cannot convert a float32 tensor of shape \[2\] to a primitive: .*tp\.add\(t, 1\).*t\.item\(\)/);
    expectThrowsCode(() => +one, 'ERR_ARGUMENT', /to a number/);
    expectThrowsCode(() => (one as unknown as number) * 2, 'ERR_ARGUMENT', /to a number/);
    expectThrowsCode(() => (one as unknown as number) < 2, 'ERR_ARGUMENT', /to a number/);
    expectThrowsCode(() => 'x' + (t as unknown as string), 'ERR_ARGUMENT', /primitive/);
    const printed = tp.formatTensor(t);
    expect(`${t}`).toBe(printed);
    expect(String(t)).toBe(printed);
    expect([t].join()).toBe(printed);
    expect(one.item()).toBe(3);
  });

  test('toJSON gives { dtype, shape, data } with flat row-major data; tp.tensor rebuilds it', () => {
    const r = rng(seedOf('toJSON'));
    const v = randArray(6, r);
    const x = tp.tensor(v, { shape: [2, 3], dtype: 'float64' });
    expect(JSON.parse(JSON.stringify(x))).toEqual({ dtype: 'float64', shape: [2, 3], data: v });
    // a transposed view: data in its own (logical) row-major order
    const xt = x.T;
    const j = JSON.parse(JSON.stringify({ w: xt })).w;
    expect(j.shape).toEqual([3, 2]);
    expect(j.data).toEqual([v[0], v[3], v[1], v[4], v[2], v[5]]);
    const back = tp.tensor(j.data, { shape: j.shape, dtype: j.dtype });
    expectTensor(back, [3, 2], 'float64', j.data);
    expect(tp.tensor([true, false]).toJSON()).toEqual({ dtype: 'bool', shape: [2], data: [true, false] });
    expect(tp.tensor(7, { dtype: 'int32' }).toJSON()).toEqual({ dtype: 'int32', shape: [], data: [7] });
    expect(tp.zeros([0, 3]).toJSON()).toEqual({ dtype: 'float32', shape: [0, 3], data: [] });
    expect(JSON.stringify(tp.tensor([NaN, 1]))).toBe('{"dtype":"float32","shape":[2],"data":[null,1]}');
    const d = tp.ones([1]);
    d.dispose();
    expectThrowsCode(() => JSON.stringify(d), 'ERR_DISPOSED');
    expectNoLeak(() => {
      JSON.stringify(xt);
    });
  });
});

describe('nameScope', () => {
  test('a name used again under the same parent gets _1, _2 (as TF)', () => {
    const w = (): string => tp.variable(0, { name: 'w' }).name!;
    expect(tp.nameScope('relu', w)).toBe('relu/w');
    expect(tp.nameScope('relu', w)).toBe('relu_1/w');
    expect(tp.nameScope('relu', () => tp.nameScope('relu', w))).toBe('relu_2/relu/w');
    expect(tp.nameScope('relu_4', w)).toBe('relu_4/w');
    expect(tp.nameScope('relu', w)).toBe('relu_3/w');
    expect(tp.nameScope('relu', w)).toBe('relu_5/w'); // relu_4 was taken
    expect(tp.nameScope('Dense', w)).toBe('Dense/w');
    expect(tp.nameScope('dense', w)).toBe('dense_1/w'); // case-insensitive, as TF
    const inner = tp.nameScope('block', () => [tp.nameScope('conv', w), tp.nameScope('conv', w)]);
    expect(inner).toEqual(['block/conv/w', 'block/conv_1/w']);
    expect(tp.nameScope('block', () => tp.nameScope('conv', w))).toBe('block_1/conv/w');
    expect(tp.nameScope('block', () => nn.currentNameScope())).toBe('block_2');
    expect(nn.currentNameScope()).toBe('');
  });
});

class ArrayNet extends tp.nn.Module {
  scale = new nn.Parameter(tp.ones([1]));
  layers = [new nn.Linear(2, 3), new nn.Linear(3, 1)];
  heads = new Map<string, tp.nn.Linear>([['q', new nn.Linear(1, 2)], ['k', new nn.Linear(1, 2, { bias: false })]]);
  blocks = { enc: new nn.Linear(2, 2, { bias: false }), extra: [new nn.Parameter(tp.zeros([2]))] };
  grid = [[new nn.ReLU(), new nn.Linear(1, 1, { bias: false })]];
  note = { text: 'plain data is skipped', sizes: [1, 2, 3], self: null as unknown };
  forward(x: T): T {
    let h = x;
    for (const l of this.layers) h = l.call(h);
    return tp.mul(h, this.scale);
  }
}

describe('modules in arrays, Maps and plain objects', () => {
  test('are registered with torch-like dotted names', () => {
    const net = new ArrayNet();
    net.note.self = net.note; // a cycle through plain data must not hang the scan
    const names = net.namedParameters().map(([n]) => n);
    expect(names).toEqual([
      'scale', 'blocks.extra.0',
      'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias',
      'heads.q.weight', 'heads.q.bias', 'heads.k.weight', 'blocks.enc.weight', 'grid.0.1.weight',
    ]);
    expect(Object.keys(net.stateDict())).toEqual(names);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['layers.0', 'layers.1', 'heads.q', 'heads.k', 'blocks.enc', 'grid.0.0', 'grid.0.1']);
    expect(net.parameters()[2]).toBe(net.layers[0].weight);
    net.eval();
    expect(net.layers[1].training).toBe(false);
    expect(net.grid[0][0].training).toBe(false);
    // setParameter / loadStateDict reach into the containers
    const old = net.setParameter('heads.k.weight', tp.full([2, 1], 5));
    expect(old.isDisposed).toBe(false);
    expect(arr(net.heads.get('k')!.weight)).toEqual([5, 5]);
    expect(tp.nn.isParameter(net.heads.get('k')!.weight)).toBe(true);
    net.setParameter('blocks.extra.0', tp.full([2], 3));
    expect(arr(net.blocks.extra[0])).toEqual([3, 3]);
    const copy = new ArrayNet();
    copy.loadStateDict(net.stateDict());
    expect(arr(copy.layers[1].weight)).toEqual(arr(net.layers[1].weight));
    expect(arr((copy.grid[0][1] as tp.nn.Linear).weight)).toEqual(arr((net.grid[0][1] as tp.nn.Linear).weight));
    expectThrowsCode(() => net.setParameter('layers.2.weight', tp.ones([1])), 'ERR_ARGUMENT', /no parameter named 'layers\.2\.weight'/);
    // an optimizer trains what sits in the array
    const opt = new tp.optim.SGD(net.parameters(), { lr: 0.1 });
    const before = arr(net.layers[0].weight);
    tp.sum(net.call(tp.ones([4, 2]))).backward();
    opt.step();
    expect(arr(net.layers[0].weight)).not.toEqual(before);
    net.dispose();
    copy.dispose();
  });
});

describe('ModuleList', () => {
  test('append, extend, insert, set, pop, slice, index access and iteration', () => {
    const [a, b, c, d] = [1, 2, 3, 4].map((n) => new nn.Linear(n, 1));
    const list = new nn.ModuleList([a, b]);
    expect(list.length).toBe(2);
    expect(list[0]).toBe(a);
    expect(list.at(-1)).toBe(b);
    list.append(c).extend([d]);
    expect([...list]).toEqual([a, b, c, d]);
    list.insert(1, d); // a d b c d
    list.insert(-1, c); // a d b c c d
    list.insert(99, a); // … a
    expect([...list]).toEqual([a, d, b, c, c, d, a]);
    expect(list.pop()).toBe(a);
    expect(list.pop(1)).toBe(d);
    list.set(-1, b);
    expect([...list]).toEqual([a, b, c, c, b]);
    expect([...list.slice(1, 3)]).toEqual([b, c]);
    const m = new nn.Module();
    m.registerModule('layers', list);
    // shared modules are listed once, under their first name
    expect(m.namedParameters().map(([n]) => n)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'layers.2.weight', 'layers.2.bias']);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'layers', 'layers.0', 'layers.1', 'layers.2']);
    let h: T = tp.ones([1]);
    for (const l of new nn.ModuleList([new nn.Linear(1, 2), new nn.Linear(2, 1)])) h = l.call(h);
    expect(h.shape).toEqual([1]);
    expectThrowsCode(() => list.at(5), 'ERR_OUT_OF_BOUNDS', /index 5 is out of range for a ModuleList of length 5/);
    expectThrowsCode(() => list.set(-6, a), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => list.append({} as tp.nn.Linear), 'ERR_ARGUMENT', /ModuleList\.append: module must be a tp\.nn\.Module, got Object/);
    expectThrowsCode(() => list.extend([a, 3 as unknown as tp.nn.Linear]), 'ERR_ARGUMENT', /modules\[1\]/);
    expect(list.length).toBe(5); // the failed extend added nothing
    expectThrowsCode(() => list.extend(7 as unknown as tp.nn.Linear[]), 'ERR_ARGUMENT', /iterable/);
    expectThrowsCode(() => list.insert(0.5, a), 'ERR_ARGUMENT');
    expectThrowsCode(() => (list as unknown as tp.nn.Module).call(tp.ones([1])), 'ERR_ARGUMENT', /ModuleList is a container and has no forward/);
    expect(new nn.ModuleList().length).toBe(0);
    m.dispose();
  });
});

describe('ModuleDict', () => {
  test('keys, values, items, get/set/has/delete/pop/update; registered under its keys', () => {
    const q = new nn.Linear(2, 2);
    const k = new nn.Linear(2, 2, { bias: false });
    const heads = new nn.ModuleDict({ q, k });
    expect(heads.keys()).toEqual(['q', 'k']);
    expect(heads.values()).toEqual([q, k]);
    expect(heads.items()).toEqual([['q', q], ['k', k]]);
    expect([...heads]).toEqual(['q', 'k']);
    expect(heads.get('q')).toBe(q);
    expect(heads.size).toBe(2);
    const v = new nn.Linear(2, 1);
    heads.set('train', v); // keys live apart from the methods
    expect(heads.get('train')).toBe(v);
    expect(typeof heads.train).toBe('function');
    class Attn extends tp.nn.Module {
      heads = heads;
      forward(x: T): T {
        return tp.add(this.heads.get('q').call(x), this.heads.get('k').call(x));
      }
    }
    const m = new Attn();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['heads.q.weight', 'heads.q.bias', 'heads.k.weight', 'heads.train.weight', 'heads.train.bias']);
    m.setParameter('heads.k.weight', tp.zeros([2, 2]));
    expect(arr(heads.get('k').weight)).toEqual([0, 0, 0, 0]);
    expect(m.call(tp.ones([2])).shape).toEqual([2]);
    expect(heads.pop('train')).toBe(v);
    expect(heads.has('train')).toBe(false);
    expect(heads.delete('k')).toBe(true);
    heads.update(new Map([['k2', k]])).update([['v', v]]).update(new nn.ModuleDict({ w: q }));
    expect(heads.keys()).toEqual(['q', 'k2', 'v', 'w']);
    expect(new nn.ModuleDict(heads.items()).keys()).toEqual(heads.keys());
    expectThrowsCode(() => heads.get('nope'), 'ERR_ARGUMENT', /no module under key "nope" \(keys: q, k2, v, w\)/);
    expectThrowsCode(() => heads.set('a.b', q), 'ERR_ARGUMENT', /without '\.'/);
    expectThrowsCode(() => heads.set('', q), 'ERR_ARGUMENT');
    expectThrowsCode(() => heads.update({ x: q, y: 2 as unknown as tp.nn.Linear }), 'ERR_ARGUMENT', /module 'y' must be a tp\.nn\.Module/);
    expect(heads.has('x')).toBe(false); // a failed update changes nothing
    expectThrowsCode(() => heads.update([['x']] as unknown as [string, tp.nn.Linear][]), 'ERR_ARGUMENT', /pairs/);
    expectThrowsCode(() => (heads as unknown as tp.nn.Module).call(tp.ones([1])), 'ERR_ARGUMENT', /ModuleDict is a container/);
    heads.clear();
    expect(m.parameters().length).toBe(0);
    tp.dispose([q.weight, q.bias!, k.weight, v.weight, v.bias!]);
  });
});

describe('Module typing', () => {
  test('forward / call are typed by the generic base', () => {
    class Two extends nn.Module<[T, T], T> {
      forward(a: T, b: T): T {
        return tp.add(a, b);
      }
    }
    const two = new Two();
    const y: T = two.call(tp.ones([2]), tp.ones([2]));
    expect(arr(y)).toEqual([2, 2]);
    const list: tp.nn.ModuleList<Two> = new nn.ModuleList([two]);
    const z: T = list[0].call(y, y);
    expect(arr(z)).toEqual([4, 4]);
    const any: tp.nn.AnyModule = two;
    expect(any.children()).toEqual([]);
    expectThrowsCode(() => new nn.Module().call(tp.ones([1])), 'ERR_ARGUMENT', /Module\.forward: not implemented/);
  });
});

describe('weightInit / biasInit', () => {
  test('names, numbers and functions give the weights asked for', () => {
    const z = new nn.Linear(3, 2, { weightInit: 'zeros', biasInit: 'ones' });
    expectTensor(z.weight, [2, 3], 'float32', [0, 0, 0, 0, 0, 0]);
    expectTensor(z.bias!, [2], 'float32', [1, 1]);
    const c = new nn.Linear(2, 2, { weightInit: 0.5, biasInit: -1, dtype: 'float64' });
    expectTensor(c.weight, [2, 2], 'float64', [0.5, 0.5, 0.5, 0.5]);
    expectTensor(c.bias!, [2], 'float64', [-1, -1]);
    const calls: [number[], string][] = [];
    const f = new nn.Linear(2, 3, {
      dtype: 'float64',
      weightInit: (shape, dtype) => {
        calls.push([shape, dtype]);
        return tp.arange(6, { dtype }).reshape(shape);
      },
      bias: false,
    });
    expect(calls).toEqual([[[3, 2], 'float64']]);
    expectTensor(f.weight, [3, 2], 'float64', [0, 1, 2, 3, 4, 5]);
    expect(f.weight.requiresGrad).toBe(true);
    expect(f.bias).toBeNull();
    // variance-scaling names use the weight's fans: bounds and spread match
    const inF = 300;
    const outF = 200;
    const x = new nn.Linear(inF, outF, { weightInit: 'xavierUniform', biasInit: 'zeros' });
    const bound = Math.sqrt(6 / (inF + outF));
    const xv = arr(x.weight);
    expect(Math.max(...xv.map(Math.abs))).toBeLessThanOrEqual(bound);
    expectClose([xv.reduce((s, v) => s + v * v, 0) / xv.length], [(bound * bound) / 3], { rtol: 0.03, atol: 0 });
    expect(arr(x.bias!).every((v) => v === 0)).toBe(true);
    const h = arr(new nn.Linear(inF, outF, { weightInit: 'he_normal' }).weight); // Keras' snake_case
    expectClose([Math.sqrt(h.reduce((s, v) => s + v * v, 0) / h.length)], [Math.sqrt(2 / inF)], { rtol: 0.03, atol: 0 });
    // seeded like every other draw
    tp.manualSeed(7);
    const a1 = arr(new nn.Linear(4, 4, { weightInit: 'kaimingUniform' }).weight);
    tp.manualSeed(7);
    expect(arr(new nn.Linear(4, 4, { weightInit: 'kaimingUniform' }).weight)).toEqual(a1);
    // zero-element weights skip the initializer, as torch
    expect(new nn.Linear(0, 3, { weightInit: 'xavierUniform' }).weight.shape).toEqual([3, 0]);
    // the defaults are still torch's: U(-1/sqrt(in), 1/sqrt(in))
    const dflt = new nn.Linear(16, 8);
    expect(Math.max(...arr(dflt.weight).map(Math.abs), ...arr(dflt.bias!).map(Math.abs))).toBeLessThanOrEqual(0.25);
  });

  test('a bad option is a clear error and leaks nothing', () => {
    expectThrowsCode(() => new nn.Linear(2, 2, { weightInit: 'xavier' as never }), 'ERR_ARGUMENT',
      /Linear: options\.weightInit must be a function \(shape, dtype\) => Tensor, a number, or one of zeros, ones, .*xavierUniform.*; got "xavier"/);
    expectThrowsCode(() => new nn.Linear(2, 2, { biasInit: {} as never }), 'ERR_ARGUMENT', /options\.biasInit must be/);
    expectThrowsCode(() => new nn.Linear(2, 2, { biasInit: 'nope' as never, bias: false }), 'ERR_ARGUMENT', /options\.biasInit/);
    expectThrowsCode(() => new nn.Linear(2, 2, { weightInit: NaN }), 'ERR_ARGUMENT', /options\.weightInit must be a finite number/);
    expectThrowsCode(() => new nn.Linear(2, 2, { weightInitializer: 'zeros' } as never), 'ERR_ARGUMENT', /unknown option 'weightInitializer' \(options are bias, dtype, weightInit, biasInit\)/);
    expectThrowsCode(() => new nn.Linear(2, 2, { bias: 'yes' as never }), 'ERR_ARGUMENT', /options\.bias must be a boolean/);
    // what the initializer returned stays the caller's (it may hold it elsewhere): not disposed
    const made: T[] = [];
    const keepMade = (t: T): T => (made.push(t), t);
    expectThrowsCode(() => new nn.Linear(2, 3, { weightInit: (s) => keepMade(tp.zeros([s[1], s[0]])) }), 'ERR_SHAPE', /options\.weightInit returned a tensor of shape \[2,3\]; expected \[3,2\]/);
    expectThrowsCode(() => new nn.Linear(2, 3, { weightInit: (s) => keepMade(tp.zeros(s, { dtype: 'float64' })) }), 'ERR_DTYPE', /returned a float64 tensor; expected float32/);
    expect(made.map((t) => t.isDisposed)).toEqual([false, false]);
    tp.dispose(made);
    // the weight made before a failing bias init is freed
    expectNoLeak(() => {
      expectThrowsCode(() => new nn.Linear(2, 3, { biasInit: () => [1, 2, 3] as unknown as T }), 'ERR_ARGUMENT', /options\.biasInit returned array\(3\); expected a Tensor of shape \[3\] and dtype float32/);
      expect(() => new nn.Linear(2, 3, { biasInit: () => { throw new Error('boom'); } })).toThrow('boom');
      return null;
    });
  });
});
