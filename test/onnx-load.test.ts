// tp.onnx.load: the module it builds (parameters, inputs/outputs, freeze, named outputs,
// gradients) and its answers to hostile files: every one a TapeflowError with ERR_FORMAT /
// ERR_UNSUPPORTED naming what is wrong — never a crash, a hang or a huge allocation.
import { tp, rng } from './helpers';
import { model, smallCnn, vi, F, INT64, attrInts } from './onnx-build';

const err = (f: () => unknown, code: string, ...parts: (string | RegExp)[]): void => {
  let e: unknown = null;
  try {
    f();
  } catch (x) {
    e = x;
  }
  expect(e).toBeInstanceOf(tp.TapeflowError);
  expect((e as tp.TapeflowError).code).toBe(code);
  for (const p of parts) expect((e as Error).message).toMatch(p);
};

describe('tp.onnx.load: a small CNN', () => {
  const bytes = smallCnn(rng(1));
  test('runs like the same ops written by hand, with the graph names as parameter names', () => {
    const m = tp.onnx.load(bytes);
    expect(m).toBeInstanceOf(tp.nn.Module);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['conv.weight', 'conv.bias', 'fc.weight', 'fc.bias']);
    expect(m.inputs).toEqual([{ name: 'x', dtype: 'float32', onnxType: 'FLOAT', shape: ['N', 3, 5, 5] }]);
    expect(m.outputs.map((o) => o.name)).toEqual(['logits']);
    const p = Object.fromEntries(m.namedParameters());
    const x = tp.randn([2, 3, 5, 5]);
    const y = m.forward(x) as tp.Tensor;
    const h = tp.conv2d(x, p['conv.weight'], { bias: p['conv.bias'], padding: 1 }).relu().mean([2, 3]);
    const want = tp.add(tp.matmul(h, p['fc.weight'].transpose()), p['fc.bias']);
    expect(tp.allclose(y, want, { rtol: 1e-5, atol: 1e-6 })).toBe(true);
    // named inputs, run() by name, the stateDict round trip
    expect(tp.allclose(m.forward({ x }) as tp.Tensor, y)).toBe(true);
    expect(Object.keys(m.run(x))).toEqual(['logits']);
    expect(Object.keys(m.stateDict())).toEqual(['conv.weight', 'conv.bias', 'fc.weight', 'fc.bias']);
    m.dispose();
  });

  test('gradients reach the parameters; freeze / unfreeze switch requiresGrad', () => {
    const m = tp.onnx.load(bytes);
    const x = tp.randn([2, 3, 5, 5]);
    tp.backward(tp.sum(m.forward(x) as tp.Tensor));
    for (const q of m.parameters()) expect(q.grad).not.toBeNull();
    m.freeze();
    expect(m.parameters().every((q) => !q.requiresGrad)).toBe(true);
    m.unfreeze();
    expect(m.parameters().every((q) => q.requiresGrad)).toBe(true);
    m.dispose();
  });

  test('fine-tuning: frozen features, a new head trained with an optimizer, saved and loaded back', () => {
    const dir = require('fs').mkdtempSync(require('path').join(require('os').tmpdir(), 'onnx-'));
    const m = tp.onnx.load(bytes, { outputs: ['features'] }).freeze();
    const head = new tp.nn.Linear(4, 2);
    const opt = new tp.optim.SGD(head.parameters(), { lr: 0.1 });
    const x = tp.randn([4, 3, 5, 5]);
    const labels = tp.tensor([0, 1, 0, 1], { dtype: 'int32' });
    const before = m.parameters().map((p) => p.clone());
    for (let i = 0; i < 3; i++) {
      const loss = tp.nn.functional.crossEntropy(head.forward(m.forward(x) as tp.Tensor), labels);
      opt.zeroGrad();
      tp.backward(loss);
      opt.step();
    }
    m.parameters().forEach((p, i) => { expect(p.grad).toBeNull(); expect(tp.allclose(p, before[i])).toBe(true); });
    // the graph's names survive a safetensors round trip
    const file = require('path').join(dir, 'm.safetensors');
    tp.save(m, file);
    const m2 = tp.onnx.load(bytes, { outputs: ['features'] });
    m2.loadStateDict(tp.load(file));
    expect(tp.allclose(m2.forward(x) as tp.Tensor, m.forward(x) as tp.Tensor)).toBe(true);
  });

  test('outputs: a named intermediate (the pooled features) and only the nodes it needs', () => {
    const m = tp.onnx.load(bytes, { outputs: ['features'] });
    expect(m.namedParameters().map(([n]) => n)).toEqual(['conv.weight', 'conv.bias']);
    expect((m.forward(tp.randn([1, 3, 5, 5])) as tp.Tensor).shape).toEqual([1, 4]);
    err(() => tp.onnx.load(bytes, { outputs: ['nope'] }), 'ERR_ARGUMENT', /nope/);
  });

  test('wrong inputs are clear errors', () => {
    const m = tp.onnx.load(bytes);
    err(() => m.forward(tp.randn([1, 4, 5, 5])), 'ERR_SHAPE', /'x'/, /\[N,3,5,5\]/);
    err(() => m.forward(tp.randn([1, 3, 5, 5], { dtype: 'float64' })), 'ERR_DTYPE', /float32/);
    err(() => m.forward(), 'ERR_ARGUMENT', /1 input/);
    err(() => m.forward({ y: tp.ones([1]) }), 'ERR_ARGUMENT', /no graph input named 'y'/);
  });
});

describe('tp.onnx.load: a Gelu-style graph (erf form), float64', () => {
  // y = x * 0.5 * (1 + erf(x / sqrt 2)) * w, as exporters write Gelu before opset 20
  const D = 11;
  const b = model({
    nodes: [
      { op_type: 'Div', input: ['x', 'sqrt2'], output: ['a'] },
      { op_type: 'Erf', input: ['a'], output: ['e'] },
      { op_type: 'Add', input: ['e', 'one'], output: ['f'] },
      { op_type: 'Mul', input: ['x', 'f'], output: ['g'] },
      { op_type: 'Mul', input: ['g', 'half'], output: ['h'] },
      { op_type: 'Mul', input: ['h', 'w'], output: ['y'] },
    ],
    inits: [
      { name: 'sqrt2', dims: [], data_type: D, double_data: [Math.SQRT2] },
      { name: 'one', dims: [], data_type: D, double_data: [1] },
      { name: 'half', dims: [], data_type: D, double_data: [0.5] },
      { name: 'w', dims: [3], data_type: D, double_data: [0.5, -1, 2] },
    ],
    inputs: [vi('x', D, [2, 3])], outputs: [vi('y', D, [2, 3])],
  });
  test('matches tp.gelu and passes gradcheck through the loaded graph', () => {
    const m = tp.onnx.load(b);
    const x = tp.randn([2, 3], { dtype: 'float64' });
    const w = tp.tensor([0.5, -1, 2], { dtype: 'float64' });
    expect(tp.allclose(m.forward(x) as tp.Tensor, tp.mul(tp.gelu(x), w), { rtol: 1e-12, atol: 1e-12 })).toBe(true);
    expect(tp.gradcheck((t: tp.Tensor) => m.forward(t) as tp.Tensor, [tp.tensor(x, { requiresGrad: true })])).toBe(true);
    // and with respect to the graph's own weight
    const [, wp] = m.namedParameters().find(([n]) => n === 'w')!;
    expect(tp.gradcheck((ww: tp.Tensor) => { const old = m.setParameter('w', ww); const y = m.forward(x) as tp.Tensor; m.setParameter('w', old); return y; }, [wp])).toBe(true);
  });
});

describe('tp.onnx.load: unsupported and hostile files', () => {
  const relu = (extra: Partial<Parameters<typeof model>[0]> = {}) =>
    model({ nodes: [{ op_type: 'Relu', input: ['x'], output: ['y'] }], inputs: [vi('x', F, [2])], outputs: [vi('y', F, [2])], ...extra });

  test('every unsupported operator is named in one error, with node names and the opset', () => {
    const b = model({
      nodes: [
        { op_type: 'Relu', input: ['x'], output: ['a'] },
        { op_type: 'Frobnicate', input: ['a'], output: ['b'], name: 'f1' },
        { op_type: 'Frobnicate', input: ['b'], output: ['c'], name: 'f2' },
        { op_type: 'Mystery', input: ['c'], output: ['y'], name: 'm1', domain: 'com.example' },
      ],
      inputs: [vi('x', F, [2])], outputs: [vi('y', F, [2])], opset: 12,
    });
    err(() => tp.onnx.load(b), 'ERR_UNSUPPORTED', /opset 12/, /Frobnicate \(nodes 'f1', 'f2'\)/, /com\.example\.Mystery \(node 'm1'\)/);
  });

  test('not a model, truncated, unreadable', () => {
    err(() => tp.onnx.load(Buffer.from('hello, this is not protobuf at all \xff\xff\xff')), 'ERR_FORMAT', /<buffer>/);
    const good = relu();
    err(() => tp.onnx.load(good.subarray(0, good.length - 5)), 'ERR_FORMAT');
    err(() => tp.onnx.load('/nonexistent/model.onnx'), 'ERR_IO', /nonexistent/);
    err(() => tp.onnx.load(42 as unknown as string), 'ERR_ARGUMENT');
  });

  test('opsets outside 7–17', () => {
    err(() => tp.onnx.load(relu({ opset: 6 })), 'ERR_UNSUPPORTED', /opset 6/, /7–17/);
    err(() => tp.onnx.load(relu({ opset: 18 })), 'ERR_UNSUPPORTED', /opset 18/);
  });

  const withInit = (t: Record<string, unknown>) =>
    model({ nodes: [{ op_type: 'Add', input: ['x', 'w'], output: ['y'] }], inits: [{ name: 'w', dims: [2], ...t }], inputs: [vi('x', F, [2])], outputs: [vi('y', F, [2])] });

  test('tensors: negative or overflowing dims, short / long raw_data, external data, unknown dtypes', () => {
    err(() => tp.onnx.load(withInit({ dims: [-1], float_data: [] })), 'ERR_FORMAT', /initializer 'w'/, /dims/);
    err(() => tp.onnx.load(withInit({ dims: [1 << 30, 1 << 30, 1 << 30], float_data: [] })), 'ERR_FORMAT', /initializer 'w'/, /elements/);
    err(() => tp.onnx.load(withInit({ dims: [4], raw_data: new Uint8Array(12) })), 'ERR_FORMAT', /raw_data holds 12 bytes/, /need 16/);
    err(() => tp.onnx.load(withInit({ dims: [2], raw_data: new Uint8Array(9) })), 'ERR_FORMAT', /raw_data holds 9 bytes/);
    err(() => tp.onnx.load(withInit({ dims: [3], float_data: [1, 2] })), 'ERR_FORMAT', /float_data holds 2 values/);
    err(() => tp.onnx.load(withInit({ dims: [2], data_location: 1, external_data: [{ key: 'location', value: 'w.bin' }] })), 'ERR_UNSUPPORTED', /external data/);
    err(() => tp.onnx.load(withInit({ dims: [2], data_type: 8, string_data: [] })), 'ERR_UNSUPPORTED', /STRING/);
    err(() => tp.onnx.load(withInit({ dims: [2], data_type: 99, float_data: [1, 2] })), 'ERR_UNSUPPORTED', /unknown \(99\)/);
  });

  test('int64 values beyond int32: an error naming the tensor, except as Slice bounds', () => {
    const big = model({
      nodes: [{ op_type: 'Reshape', input: ['x', 's'], output: ['y'], name: 'rs' }],
      inits: [{ name: 's', dims: [1], data_type: INT64, int64_data: [2 ** 40] }],
      inputs: [vi('x', F, [2])], outputs: [vi('y', F, [2])],
    });
    err(() => tp.onnx.load(big), 'ERR_UNSUPPORTED', /tensor 's'/, /node 'rs'/, /int32/);
    const slice = model({
      nodes: [{ op_type: 'Slice', input: ['x', 'b', 'e'], output: ['y'] }],
      inits: [{ name: 'b', dims: [1], data_type: INT64, int64_data: [1] }, { name: 'e', dims: [1], data_type: INT64, int64_data: ['9223372036854775807'] as unknown as number[] }],
      inputs: [vi('x', F, [4])], outputs: [vi('y', F, [3])],
    });
    const m = tp.onnx.load(slice);
    expect((m.forward(tp.tensor([1, 2, 3, 4])) as tp.Tensor).toArray()).toEqual([2, 3, 4]);
  });

  test('graphs: a cycle, an undefined input, an output nobody writes, two writers of one value', () => {
    const cyc = model({
      nodes: [{ op_type: 'Add', input: ['x', 'b'], output: ['a'], name: 'p' }, { op_type: 'Relu', input: ['a'], output: ['b'], name: 'q' }],
      inputs: [vi('x', F, [2])], outputs: [vi('b', F, [2])],
    });
    err(() => tp.onnx.load(cyc), 'ERR_FORMAT', /cycle/, /node 'p'/);
    const undef = model({ nodes: [{ op_type: 'Add', input: ['x', 'ghost'], output: ['y'], name: 'add1' }], inputs: [vi('x', F, [2])], outputs: [vi('y', F, [2])] });
    err(() => tp.onnx.load(undef), 'ERR_FORMAT', /node 'add1'/, /'ghost'/);
    const noOut = model({ nodes: [{ op_type: 'Relu', input: ['x'], output: ['y'] }], inputs: [vi('x', F, [2])], outputs: [vi('z', F, [2])] });
    err(() => tp.onnx.load(noOut), 'ERR_FORMAT', /output 'z'/);
    const twice = model({ nodes: [{ op_type: 'Relu', input: ['x'], output: ['y'] }, { op_type: 'Neg', input: ['x'], output: ['y'], name: 'n2' }], inputs: [vi('x', F, [2])], outputs: [vi('y', F, [2])] });
    err(() => tp.onnx.load(twice), 'ERR_FORMAT', /node 'n2'/, /'y'/);
  });

  test('a bad attribute is an error naming the node at run time', () => {
    const b = model({ nodes: [{ op_type: 'Transpose', input: ['x'], output: ['y'], name: 'tr', attribute: [attrInts('perm', [0, 0])] }], inputs: [vi('x', F, [2, 2])], outputs: [vi('y', F, [2, 2])] });
    const m = tp.onnx.load(b);
    err(() => m.forward(tp.ones([2, 2])), 'ERR_AXIS', /node 'tr' \(Transpose\)/);
  });
});
