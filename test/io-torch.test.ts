// Interop with PyTorch: files torch wrote (test/fixtures/gen_safetensors.py) load with the right
// dtypes and values, F16/BF16 convert bit-exactly as torch does both ways, and a torch model's
// state dict loaded with module.loadStateDict(tp.load(path)) gives torch's outputs.
// With SAFETENSORS_OUT=<dir>, the files we write for scripts/check_safetensors_torch.py (torch
// reading our files) are left in <dir> with an expected.json; otherwise they go to a temp dir.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tp, expectClose } from './helpers';

type T = tp.Tensor;
const FIX = path.join(__dirname, 'fixtures');
const ST = path.join(FIX, 'safetensors');
const fixtures = JSON.parse(fs.readFileSync(path.join(FIX, 'safetensors.json'), 'utf8'));

interface Expected {
  shape: number[];
  dtype: tp.DType;
  data: (number | string)[];
}
const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const arr = (t: T): number[] => Array.from(t.dataSync());
const disposeAll = (d: Record<string, T>): void => Object.values(d).forEach((t) => t.dispose());
const fromExpected = (e: Expected): T => tp.tensor(e.data.map(num), { shape: e.shape, dtype: e.dtype });

/** The raw data bytes of one tensor of a safetensors file, read with plain JSON.parse (independent of lib/io). */
function rawBytes(file: Buffer, name: string): Buffer {
  const n = Number(file.readBigUInt64LE(0));
  const h = JSON.parse(file.subarray(8, 8 + n).toString('utf8'));
  const [b, e] = h[name].data_offsets;
  return file.subarray(8 + n + b, 8 + n + e);
}

describe('files torch wrote', () => {
  test('every dtype loads as documented (F64 float64; F32/F16/BF16 float32; I64..U8 int32; BOOL bool), 0-d and empty included', () => {
    const got = tp.io.loadSafetensorsWithMetadata(path.join(ST, 'dtypes.safetensors'));
    expect(got.metadata).toEqual({ source: `torch ${fixtures.torch}` });
    const want = fixtures.dtypes as Record<string, Expected>;
    expect(Object.keys(got.tensors).sort()).toEqual(Object.keys(want).sort());
    for (const [k, e] of Object.entries(want)) {
      const t = got.tensors[k];
      expect([k, t.shape, t.dtype]).toEqual([k, e.shape, e.dtype]);
      expect(arr(t)).toEqual(e.data.map(num)); // exact: every conversion here is exact
    }
    disposeAll(got.tensors);
  });

  test('all 65536 F16 and BF16 bit patterns read as torch reads them (bit-exact, NaN payloads included)', () => {
    const t = tp.io.loadSafetensors(path.join(ST, 'halves.safetensors'));
    for (const [h, f] of [['f16', 'f16_as_f32'], ['bf16', 'bf16_as_f32']]) {
      expect(t[h].dtype).toBe('float32');
      const a = new Uint32Array((t[h].dataSync() as Float32Array).buffer);
      const b = new Uint32Array((t[f].dataSync() as Float32Array).buffer);
      expect(a.length).toBe(65536);
      let mismatches = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) mismatches++;
      expect([h, mismatches]).toEqual([h, 0]);
    }
    disposeAll(t);
  });

  test('writing F16 / BF16 rounds exactly as torch does (round to nearest even, overflow, subnormals, NaN)', () => {
    const file = fs.readFileSync(path.join(ST, 'rounding.safetensors'));
    const { x } = tp.io.decodeSafetensors(file);
    expect(x.size).toBe(fixtures.rounding_count);
    for (const [dtype, name] of [['float16', 'x_f16'], ['bfloat16', 'x_bf16']] as const) {
      const ours = tp.io.encodeSafetensors({ x }, { dtype });
      const a = rawBytes(ours, 'x'), b = rawBytes(file, name);
      const bad: string[] = [];
      const xs = x.dataSync();
      for (let i = 0; i < x.size; i++) {
        const u = a.readUInt16LE(2 * i), v = b.readUInt16LE(2 * i);
        // NaN: any quiet NaN of the same sign is the same value (payload bits are not specified by torch)
        const isNaN16 = (w: number) => (dtype === 'float16' ? (w & 0x7c00) === 0x7c00 && (w & 0x3ff) !== 0 : (w & 0x7f80) === 0x7f80 && (w & 0x7f) !== 0);
        if (u !== v && !(isNaN16(u) && isNaN16(v))) bad.push(`${xs[i]}: ours ${u.toString(16)} torch ${v.toString(16)}`);
      }
      expect([dtype, bad.slice(0, 5), bad.length]).toEqual([dtype, [], 0]);
    }
    x.dispose();
  });
});

/** The tapeflow twin of each torch model in gen_safetensors.py's MODELS (same key names). */
class Cnn extends tp.nn.Module<[T], T> {
  conv = new tp.nn.Conv2d(3, 4, 3, { padding: 1 });
  bn = new tp.nn.BatchNorm2d(4);
  ln = new tp.nn.LayerNorm(4 * 5 * 5);
  fc = new tp.nn.Linear(4 * 5 * 5, 3);
  forward(x: T): T {
    return this.fc.call(this.ln.call(this.bn.call(this.conv.call(x)).relu().flatten(1)));
  }
}
const BUILDERS: Record<string, () => tp.nn.Module<[T], T>> = {
  mlp: () => new tp.nn.Sequential(new tp.nn.Linear(6, 8), new tp.nn.ReLU(), new tp.nn.Linear(8, 3)) as unknown as tp.nn.Module<[T], T>,
  cnn: () => new Cnn(),
  seq: () => new Seq(),
};

describe('torch models: module.loadStateDict(tp.load(path)) gives torch outputs', () => {
  const models = fixtures.models as Record<string, { keys: string[]; input: Expected; output: Expected }>;
  test('every model in the fixtures has a builder here', () => expect(Object.keys(BUILDERS).sort()).toEqual(Object.keys(models).sort()));

  test.each(Object.keys(models))('%s', (name) => {
    const spec = models[name];
    const m = BUILDERS[name]();
    expect(Object.keys(m.stateDict())).toEqual(spec.keys); // torch's names, torch's order
    const sd = tp.load(path.join(ST, `${name}.safetensors`));
    m.loadStateDict(sd);
    disposeAll(sd);
    m.eval();
    const x = fromExpected(spec.input);
    const y = tp.noGrad(() => m.call(x));
    expect(y.shape).toEqual(spec.output.shape);
    // float32 through different summation orders (conv, matmul, norms)
    expectClose(arr(y), spec.output.data.map(num), { rtol: 1e-5, atol: 1e-5 });
    // and back: what we save holds the same values under the same names
    const out = outDir();
    tp.save(m, path.join(out, `${name}.safetensors`));
    const again = tp.load(path.join(out, `${name}.safetensors`));
    for (const [k, t] of Object.entries(m.stateDict())) expect([k, arr(again[k])]).toEqual([k, arr(t)]);
    disposeAll(again);
    expected.models[name] = { input: spec.input, output: { shape: y.shape, data: arr(y) } };
    x.dispose();
    y.dispose();
    m.dispose();
  });
});

// ---- files for scripts/check_safetensors_torch.py ----
let dir: string | null = null;
const expected: { models: Record<string, unknown>; files: Record<string, unknown> } = { models: {}, files: {} };
function outDir(): string {
  if (dir === null) {
    dir = process.env.SAFETENSORS_OUT ? path.resolve(process.env.SAFETENSORS_OUT) : fs.mkdtempSync(path.join(os.tmpdir(), 'tapeflow-st-'));
    fs.mkdirSync(dir, { recursive: true });
  }
  return dir;
}

test('files for the torch check script: every written dtype, 0-d, empty, a strided view, F16/BF16 on request', () => {
  const base = tp.tensor([[1.5, -2.25, 3], [4, 5.125, -6]]);
  const tensors: Record<string, T> = {
    f32: base,
    f32_transposed: base.transpose(0, 1),
    f64: tp.tensor([0.1, -1e300, 5e-324], { dtype: 'float64' }),
    i32: tp.tensor([-(2 ** 31), 2 ** 31 - 1, 7], { dtype: 'int32' }),
    bool: tp.tensor([true, false, true]),
    scalar: tp.tensor(3.25),
    empty: tp.zeros([0, 3]),
  };
  const dirOut = outDir();
  tp.io.saveSafetensors(tensors, path.join(dirOut, 'ours.safetensors'), { metadata: { writer: 'tapeflow' } });
  tp.io.saveSafetensors({ a: base }, path.join(dirOut, 'ours_f16.safetensors'), { dtype: 'float16' });
  tp.io.saveSafetensors({ a: base }, path.join(dirOut, 'ours_bf16.safetensors'), { dtype: 'bfloat16' });
  const describeT = (t: T) => ({ shape: t.shape, dtype: t.dtype, data: arr(t) });
  expected.files['ours.safetensors'] = { metadata: { writer: 'tapeflow' }, tensors: Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, describeT(t)])) };
  expected.files['ours_f16.safetensors'] = { tensors: { a: { ...describeT(base), dtype: 'float16' } } };
  expected.files['ours_bf16.safetensors'] = { tensors: { a: { ...describeT(base), dtype: 'bfloat16' } } };
  const back = tp.io.loadSafetensors(path.join(dirOut, 'ours.safetensors'));
  for (const [k, t] of Object.entries(tensors)) expect([k, arr(back[k])]).toEqual([k, arr(t)]);
  disposeAll(back);
  disposeAll(tensors);
});

afterAll(() => {
  if (dir === null) return;
  if (process.env.SAFETENSORS_OUT) fs.writeFileSync(path.join(dir, 'expected.json'), JSON.stringify(expected, null, 1));
  else fs.rmSync(dir, { recursive: true, force: true });
});

class Seq extends tp.nn.Module<[T], T> {
  emb = new tp.nn.Embedding(20, 6, { paddingIdx: 0 });
  lstm = new tp.nn.LSTM(6, 8, { numLayers: 2, bidirectional: true, batchFirst: true });
  fc = new tp.nn.Linear(16, 3);
  forward(ids: T): T {
    const [y] = this.lstm.call(this.emb.call(ids));
    return this.fc.call(tp.select(y, 1, -1));
  }
}
