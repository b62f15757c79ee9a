// A hand-made TF.js graph model (format 'graph-model') through every graph op family, against the
// same net written out with tapeflow's channels-first ops. Tolerance: 1e-5 absolute + 1e-4 relative.
import { tp, expectClose, expectThrowsCode } from './helpers';
import { rand } from './tfjs-build';
import type { W } from './tfjs-build';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ints = (v: number[]) => ({ list: { i: v.map(String) } });
const node = (name: string, op: string, input: string[], attr: Record<string, unknown> = {}) => ({ name, op, input, attr });

const K1 = rand('k1', [3, 3, 2, 4], 41), B1 = rand('b1', [4], 42);
const DK = rand('dk', [3, 3, 4, 1], 43), DB = rand('db', [4], 44);
const SC = rand('sc', [4], 45, 0.5, 1.5), OF = rand('of', [4], 46), MU = rand('mu', [4], 47), VA = rand('va', [4], 48, 0.5, 2);
const MW = rand('mw', [3, 8], 49), MB = rand('mb', [3], 50);
const FLOATS: W[] = [K1, B1, DK, DB, SC, OF, MU, VA, MW, MB];
const INTS: [string, number[], number[]][] = [['axes', [2], [1, 2]], ['shape', [2], [-1, 4]], ['cax', [], [1]]];

function model() {
  const nodes = [
    node('x', 'Placeholder', [], { shape: { shape: { dim: [{ size: '-1' }, { size: '7' }, { size: '7' }, { size: '2' }] } } }),
    ...[...FLOATS.map((w) => w.name), ...INTS.map(([n]) => n)].map((n) => node(n, 'Const', ['^x'])),
    node('c1', '_FusedConv2D', ['x', 'k1', 'b1'], { strides: ints([1, 2, 2, 1]), padding: { s: b64('EXPLICIT') }, explicit_paddings: ints([0, 0, 1, 0, 0, 1, 0, 0]), fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } }, data_format: { s: b64('NHWC') } }),
    node('dw', 'FusedDepthwiseConv2dNative', ['c1', 'dk', 'db'], { strides: ints([1, 1, 1, 1]), padding: { s: b64('SAME') }, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu6')] } } }),
    node('bn', 'FusedBatchNormV3', ['dw', 'sc', 'of', 'mu', 'va'], { epsilon: { f: 0.001 } }),
    node('mp', 'MaxPool', ['bn'], { ksize: ints([1, 2, 2, 1]), strides: ints([1, 1, 1, 1]), padding: { s: b64('VALID') } }),
    node('mean', 'Mean', ['mp', 'axes'], { keep_dims: { b: false } }),
    node('r', 'Reshape', ['mean', 'shape']),
    node('sq', 'Mul', ['r', 'r']),
    node('cat', 'ConcatV2', ['r', 'sq', 'cax']),
    node('mm', '_FusedMatMul', ['cat', 'mw', 'mb'], { transpose_b: { b: true }, fused_ops: { list: { s: [b64('BiasAdd')] } } }),
    node('Identity', 'Softmax', ['mm']),
  ];
  const parts: Buffer[] = [];
  const specs: object[] = [];
  for (const w of FLOATS) { const b = Buffer.alloc(4 * w.data.length); w.data.forEach((v, i) => b.writeFloatLE(v, 4 * i)); parts.push(b); specs.push({ name: w.name, shape: w.shape, dtype: 'float32' }); }
  for (const [n, shape, v] of INTS) { const b = Buffer.alloc(4 * v.length); v.forEach((x, i) => b.writeInt32LE(x, 4 * i)); parts.push(b); specs.push({ name: n, shape, dtype: 'int32' }); }
  return { json: { format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: [{ paths: ['w.bin'], weights: specs }] }, bytes: Buffer.concat(parts) };
}

const t = (w: W) => tp.tensor(w.data, { shape: w.shape });
const hwioToOihw = (x: tp.Tensor) => tp.permute(x, [3, 2, 0, 1]);
const chan = (w: W) => tp.reshape(t(w), [1, w.shape[0], 1, 1]);

describe('loadTfjsModel: graph models', () => {
  test('every op family against hand-written tapeflow ops', () => {
    const { json, bytes } = model();
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsGraphModel;
    expect(m.inputs).toEqual([{ name: 'x', shape: [null, 7, 7, 2] }]);
    expect(m.outputNames).toEqual(['Identity']);
    expect(m.namedParameters().map(([n]) => n).sort()).toEqual(FLOATS.map((w) => w.name).sort());
    const x = tp.tensor(Array.from({ length: 2 * 49 * 2 }, (_, i) => Math.sin(i * 0.41) * 2), { shape: [2, 7, 7, 2] });
    const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    const want = tp.noGrad(() => tp.tidy(() => {
      const xn = tp.pad(tp.permute(x, [0, 3, 1, 2]), [[0, 0], [0, 0], [1, 0], [0, 1]]);
      const c1 = tp.relu(tp.conv2d(xn, hwioToOihw(t(K1)), { stride: 2, bias: t(B1) })); // 8 → 3 … (8-3)/2+1 = 3
      // depthwise [3,3,4,1] as grouped OIHW [4,1,3,3]; SAME on 3×3, stride 1: one each side
      const dw = tp.clamp(tp.conv2d(c1, tp.permute(t(DK), [2, 3, 0, 1]), { groups: 4, padding: 1, bias: t(DB) }), 0, 6);
      const bn = tp.add(tp.mul(tp.div(tp.sub(dw, chan(MU)), tp.sqrt(tp.add(chan(VA), 1e-3))), chan(SC)), chan(OF));
      const mp = tp.maxPool2d(bn, 2, { stride: 1 });
      const r = tp.mean(mp, [2, 3]);
      const cat = tp.cat([r, tp.mul(r, r)], 1);
      return tp.softmax(tp.add(tp.matmul(cat, tp.permute(t(MW), [1, 0])), t(MB)), -1);
    }));
    expect(y.shape).toEqual([2, 3]);
    expectClose(y.dataSync(), want.dataSync(), { atol: 1e-5, rtol: 1e-4 });
    tp.dispose([x, y, want]);
    m.dispose();
  });

  test('bad graphs: undefined input, cycle, missing Const weight, multi-output read', () => {
    const { json, bytes } = model();
    const withNodes = (f: (n: any[]) => void) => { const j = JSON.parse(JSON.stringify(json)); f(j.modelTopology.node); return j; };
    expectThrowsCode(() => tp.io.loadTfjsModel(withNodes((n) => { n[n.length - 1].input = ['nope']; }), { weights: bytes }), 'ERR_FORMAT', /reads 'nope', which no node defines/);
    expectThrowsCode(() => tp.io.loadTfjsModel(withNodes((n) => { n.find((v) => v.name === 'c1').input[0] = 'bn'; }), { weights: bytes }), 'ERR_FORMAT', /cycle/);
    expectThrowsCode(() => tp.io.loadTfjsModel(withNodes((n) => { n.push(node('zz', 'Const', [])); n[n.length - 2].input = ['mm', 'zz']; }), { weights: bytes }), 'ERR_FORMAT', /Const node 'zz' has no entry/);
    expectThrowsCode(() => tp.io.loadTfjsModel(withNodes((n) => { n[n.length - 1].input = ['mm:1']; }), { weights: bytes }), 'ERR_UNSUPPORTED', /output 1 of 'mm'/);
    const m = tp.io.loadTfjsModel(json, { weights: bytes }) as tp.io.TfjsGraphModel;
    expectThrowsCode(() => m.forward(tp.zeros([1, 7, 7, 3])), 'ERR_SHAPE', /input 'x' must have shape/);
    m.dispose();
  });
});

describe('loadTfjsModel: graph fuzz', () => {
  test('800 mutated graph models load and run or fail with a TapeflowError', () => {
    const { json, bytes } = model();
    const { rng } = require('./helpers');
    const r = rng(99);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
    const values = [null, -1, 0, 3, 1e9, 'SAME', 'x', 'mm:1', '^x', [], ['x'], {}, { s: 'AAAA' }, { list: { i: ['-5', '1e40'] } }, { b: true }, true];
    let ok = 0;
    for (let i = 0; i < 800; i++) {
      const j = JSON.parse(JSON.stringify(json));
      const nodes: [any, string][] = [];
      const walk = (v: any) => { if (v && typeof v === 'object') for (const k of Object.keys(v)) { nodes.push([v, k]); walk(v[k]); } };
      walk(j);
      for (let n = 1 + Math.floor(r() * 2); n > 0; n--) {
        const [o, k] = pick(nodes);
        if (r() < 0.2) delete o[k];
        else o[k] = pick(values);
      }
      try {
        const m = tp.io.loadTfjsModel(j, { weights: bytes });
        tp.noGrad(() => tp.tidy(() => { try { m.forward(tp.ones([2, 7, 7, 2])); } catch (e) { if (!(e instanceof tp.TapeflowError)) throw e; } }));
        m.dispose();
        ok++;
      } catch (e) {
        if (!(e instanceof tp.TapeflowError)) throw new Error(`mutation ${i}: ${(e as Error).stack}`);
      }
    }
    expect(ok).toBeGreaterThan(10);
  });
});
