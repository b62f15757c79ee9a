// tp.io.loadTfjsModel on bad and hostile files: every fault is a TapeflowError naming the weight,
// layer or field (ERR_FORMAT, ERR_UNSUPPORTED, ERR_IO, ERR_SHAPE), never a crash or a huge
// allocation; a fuzz loop of mutated model.json files holds that. Also: float16 decoding.
import { tp, rng, expectThrowsCode, expectNoLeak, expectClose } from './helpers';
import { functional, rand, build } from './tfjs-build';
import type { LayerSpec } from './tfjs-build';
import { half } from '../lib/tfjs/weights';

const ROWS: LayerSpec[] = [
  ['InputLayer', 'x', { batch_input_shape: [null, 4, 4, 2] }, []],
  ['Conv2D', 'c', { filters: 3, kernel_size: 3, padding: 'same', activation: 'relu' }, ['x']],
  ['BatchNormalization', 'bn', { axis: -1 }, ['c']],
  ['GlobalAveragePooling2D', 'g', {}, ['bn']],
  ['Dense', 'd', { units: 2, activation: 'softmax' }, ['g']],
];
const WS = [rand('c/kernel', [3, 3, 2, 3], 1), rand('c/bias', [3], 2), rand('bn/gamma', [3], 3), rand('bn/beta', [3], 4),
  rand('bn/moving_mean', [3], 5), rand('bn/moving_variance', [3], 6, 0.5, 1), rand('d/kernel', [3, 2], 7), rand('d/bias', [2], 8)];
const good = () => build(functional(ROWS, ['x'], ['d']), WS);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const specs = (json: any) => json.weightsManifest[0].weights;
const load = (json: unknown, weights: unknown) => tp.io.loadTfjsModel(json as object, { weights } as any);

describe('loadTfjsModel: bad weight manifests', () => {
  test('truncated, extra and missing bytes name the weight', () => {
    const { json, bytes } = good();
    expectThrowsCode(() => load(json, bytes.subarray(0, bytes.length - 3)), 'ERR_FORMAT', /weight 'd\/bias' \[2\] needs bytes/);
    expectThrowsCode(() => load(json, Buffer.concat([bytes, Buffer.alloc(1)])), 'ERR_FORMAT', /extra bytes/);
    expectThrowsCode(() => load(json, [bytes, bytes]), 'ERR_ARGUMENT', /2 shards, the manifest lists 1/);
    expectThrowsCode(() => load(json, 'bytes'), 'ERR_ARGUMENT', /Uint8Array/);
    expectThrowsCode(() => load(json, () => 42), 'ERR_ARGUMENT', /options.weights\('w.bin'\)/);
    expectThrowsCode(() => tp.io.loadTfjsModel(json), 'ERR_ARGUMENT', /needs options.weights/);
  });

  test('shapes: negative, fractional, overflowing, too many dims', () => {
    const { json, bytes } = good();
    for (const [shape, re] of [[[-1, 3], /non-negative integers/], [[1.5], /non-negative integers/], [[2 ** 20, 2 ** 20, 2 ** 20], /more than 2147483647 elements/],
      [[2 ** 53, 2], /non-negative integers|more than/], [[1, 1, 1, 1, 1, 1, 1, 1, 1], /more than 8 dims/], ['3', /must be an array/]] as [unknown, RegExp][]) {
      const j = clone(json);
      specs(j)[1].shape = shape;
      expectThrowsCode(() => load(j, bytes), 'ERR_FORMAT', new RegExp(`weight 'c/bias': .*` + re.source));
    }
  });

  test('dtypes and quantisation', () => {
    const { json, bytes } = good();
    const cases: [object, string, RegExp][] = [
      [{ dtype: 'complex64' }, 'ERR_UNSUPPORTED', /weight 'c\/bias': dtype "complex64"/],
      [{ dtype: 'float64' }, 'ERR_FORMAT', /weight 'c\/bias': dtype "float64"/],
      [{ dtype: 'string' }, 'ERR_UNSUPPORTED', /dtype "string"/],
      [{ quantization: { dtype: 'int4', scale: 1, min: 0 } }, 'ERR_FORMAT', /quantization dtype "int4"/],
      [{ quantization: { dtype: 'uint8', scale: NaN, min: 0 } }, 'ERR_FORMAT', /finite numbers scale and min/],
      [{ quantization: { dtype: 'uint8', min: 0 } }, 'ERR_FORMAT', /scale undefined/],
      [{ dtype: 'int32' }, 'ERR_FORMAT', /weight 'c\/bias' is int32, not float32/],
      [{ name: 'c/kernel' }, 'ERR_FORMAT', /listed twice/],
    ];
    for (const [patch, code, re] of cases) {
      const j = clone(json);
      Object.assign(specs(j)[1], patch);
      expectThrowsCode(() => load(j, bytes), code, re);
    }
    const j = clone(json);
    j.weightsManifest = { paths: [] };
    expectThrowsCode(() => load(j, bytes), 'ERR_FORMAT', /weightsManifest must be an array/);
  });

  test('float16 and uint16 decoding', () => {
    expect([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x7c00, 0xfc00].map(half)).toEqual([1, -2, 0.5, 65504, 2 ** -24, -0, Infinity, -Infinity]);
    expect(Number.isNaN(half(0x7e00))).toBe(true);
    const codes = [0x3c00, 0xc000, 0x3555, 0x0400];
    const topo = functional([['InputLayer', 'x', { batch_input_shape: [null, 2] }, []], ['Dense', 'd', { units: 2, use_bias: false }, ['x']]], ['x'], ['d']);
    const { json } = build(topo, [{ name: 'd/kernel', shape: [2, 2], data: [], quant: 'float16', codes }]);
    const m = load(json, Buffer.from(new Uint16Array(codes).buffer));
    expectClose(m.parameters()[0].dataSync(), codes.map(half), { atol: 0, rtol: 0 });
    m.dispose();
  });
});

describe('loadTfjsModel: bad topologies', () => {
  const { json, bytes } = good();
  const withRows = (rows: LayerSpec[], ins = ['x'], outs = ['d']) => ({ ...json, modelTopology: { model_config: functional(rows, ins, outs) } });
  test('unknown layers are listed at once; graph models are refused', () => {
    const rows = clone(ROWS);
    rows[2][0] = 'LayerNormalization';
    rows[3][0] = 'Lambda';
    expectThrowsCode(() => load(withRows(rows), bytes), 'ERR_UNSUPPORTED', /unsupported layer classes: LayerNormalization \(layer 'bn'\); Lambda \(layer 'g'\)/);
    expectThrowsCode(() => load({ format: 'graph-model', modelTopology: { node: [{ name: 'a', op: 'Placeholder' }, { name: 'b', op: 'Cumprod', input: ['a'] }, { name: 'c', op: 'Where', input: ['b'] }] } }, Buffer.alloc(0)), 'ERR_UNSUPPORTED', /unsupported graph ops: Cumprod \(node 'b'\); Where \(node 'c'\)/);
    expectThrowsCode(() => load({ modelTopology: { class_name: 'Widget', config: {} } }, bytes), 'ERR_UNSUPPORTED', /model class "Widget"/);
  });
  test('cycles, undefined inputs, duplicate names, missing and misshapen weights, bad configs', () => {
    const cyc = clone(ROWS);
    cyc[1][3] = ['d'];
    expectThrowsCode(() => load(withRows(cyc), bytes), 'ERR_FORMAT', /cycle/);
    const undef = clone(ROWS);
    undef[2][3] = ['nope'];
    expectThrowsCode(() => load(withRows(undef), bytes), 'ERR_FORMAT', /reads layer 'nope'/);
    const dup = clone(ROWS);
    dup[3][1] = 'c';
    expectThrowsCode(() => load(withRows(dup), bytes), 'ERR_FORMAT', /two layers are named 'c'/);
    const j = clone(json);
    specs(j)[6].name = 'dd/kernel';
    expectThrowsCode(() => load(j, bytes), 'ERR_FORMAT', /layer 'd' needs weight 'd\/kernel'/);
    const k5 = clone(ROWS);
    k5[1][2] = { ...k5[1][2], kernel_size: 5 };
    expectThrowsCode(() => load(withRows(k5), bytes), 'ERR_FORMAT', /weight 'c\/kernel' has shape \[3,3,2,3\], the config needs \[5,5,\?,3\]/);
    for (const [patch, re] of [[{ kernel_size: -1 }, /kernel_size must be/], [{ padding: 'full' }, /padding must be 'same' or 'valid'/], [{ activation: 'zap' }, /activation "zap" is not supported/], [{ strides: [1e9, 1] }, /strides must be/]] as [object, RegExp][]) {
      const r = clone(ROWS);
      r[1][2] = { ...r[1][2], ...patch };
      expect(() => load(withRows(r), bytes)).toThrow(re);
    }
    expectThrowsCode(() => load(withRows(ROWS, ['c']), bytes), 'ERR_FORMAT', /input_layers names 'c', which is not an InputLayer/);
    expectThrowsCode(() => tp.io.loadTfjsModel(json, { weights: bytes, outputs: ['zz'] }), 'ERR_ARGUMENT', /does not have: zz/);
  });
  test('files: missing, not JSON, weight paths outside the folder', () => {
    const fs = require('fs'), os = require('os'), path = require('path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-bad-'));
    expectThrowsCode(() => tp.io.loadTfjsModel(path.join(dir, 'none.json')), 'ERR_IO', /cannot read model.json/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"modelTopology": ');
    expectThrowsCode(() => tp.io.loadTfjsModel(path.join(dir, 'bad.json')), 'ERR_FORMAT', /is not JSON/);
    const j = clone(json);
    (j as any).weightsManifest[0].paths = ['../../etc/passwd'];
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(j));
    expectThrowsCode(() => tp.io.loadTfjsModel(path.join(dir, 'model.json')), 'ERR_FORMAT', /leaves the model's folder/);
    fs.rmSync(dir, { recursive: true });
  });
  test('forward: wrong input shape, count, type; no leak on the error path', () => {
    const m = load(json, bytes);
    const bad = tp.zeros([1, 4, 4, 3]);
    const x = tp.ones([2, 4, 4, 2]);
    // the first forward in each mode caches the channels-first kernels (eval: with the batch norm
    // folded in), the second packs them ahead (lib/ops/conv-pack.ts)
    tp.noGrad(() => m.forward(x) as tp.Tensor).dispose();
    tp.noGrad(() => m.forward(x) as tp.Tensor).dispose();
    m.train();
    tp.noGrad(() => m.forward(x) as tp.Tensor).dispose();
    tp.noGrad(() => m.forward(x) as tp.Tensor).dispose();
    m.eval();
    expectNoLeak(() => {
      expectThrowsCode(() => m.forward(bad), 'ERR_SHAPE', /input 'x' must have shape \[\?,4,4,2\], got \[1,4,4,3\]/);
      expectThrowsCode(() => m.forward(), 'ERR_ARGUMENT', /forward takes 1 input/);
      expectThrowsCode(() => m.forward([1, 2]), 'ERR_ARGUMENT', /must be a Tensor/);
    });
    expectNoLeak(() => tp.noGrad(() => m.forward(x)));
    m.train();
    expectNoLeak(() => tp.noGrad(() => m.forward(x)));
    tp.dispose([bad, x]);
    m.dispose();
  });
});

describe('loadTfjsModel: fuzz', () => {
  test('1500 mutated model.json files load or fail with a TapeflowError', () => {
    const { json, bytes } = good();
    const r = rng(1234);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
    const values = [null, -1, 0, 1, 2.5, 1e9, 2 ** 40, NaN, '', 'same', 'relu', [], [null], [1, 2], [-3, 4], {}, { a: 1 }, true, [[1, 0], [0, 1]]];
    let ok = 0;
    for (let i = 0; i < 1500; i++) {
      const j = clone(json);
      const nodes: [any, string][] = [];
      const walk = (v: any) => { if (v && typeof v === 'object') for (const k of Object.keys(v)) { nodes.push([v, k]); walk(v[k]); } };
      walk(j);
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
        const [o, k] = pick(nodes);
        if (r() < 0.2) delete o[k];
        else o[k] = pick(values);
      }
      try {
        const m = load(j, r() < 0.9 ? bytes : bytes.subarray(0, Math.floor(r() * bytes.length)));
        tp.noGrad(() => tp.tidy(() => { try { m.forward(tp.ones([2, 4, 4, 2])); } catch (e) { if (!(e instanceof tp.TapeflowError)) throw e; } }));
        m.dispose();
        ok++;
      } catch (e) {
        if (!(e instanceof tp.TapeflowError)) throw new Error(`mutation ${i}: ${(e as Error).stack}`);
      }
    }
    expect(ok).toBeGreaterThan(10);
  });
});
