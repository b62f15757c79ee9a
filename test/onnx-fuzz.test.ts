// Fuzzing tp.onnx.load: mutated valid models (bytes flipped, truncated, extended; decoded and
// re-encoded with hostile dims, element types, names, op types and attribute values). Every
// case must load and run, or throw a TapeflowError — no other error, no crash, no hang, and
// no allocation beyond what the file holds. FUZZ_SEED / FUZZ_CASES explore further.
import { tp, rng, settleGc } from './helpers';
import { onnxTypes } from '../lib/onnx/schema';
import { model, smallCnn, vi, F, INT64, attrInts, attrInt } from './onnx-build';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const CASES = Number(process.env.FUZZ_CASES ?? 3000);

function validModels(): Buffer[] {
  return [
    smallCnn(rng(3)),
    model({
      nodes: [
        { op_type: 'Shape', input: ['x'], output: ['s'] },
        { op_type: 'Slice', input: ['x', 'b', 'e', 'ax'], output: ['y1'] },
        { op_type: 'Reshape', input: ['y1', 'shp'], output: ['y2'] },
        { op_type: 'Transpose', input: ['y2'], output: ['y3'], attribute: [attrInts('perm', [1, 0])] },
        { op_type: 'Concat', input: ['y3', 'y3'], output: ['y4'], attribute: [attrInt('axis', 0)] },
        { op_type: 'Unsqueeze', input: ['y4', 'ax'], output: ['y'] },
        { op_type: 'Cast', input: ['s'], output: ['sf'], attribute: [attrInt('to', 1)] },
      ],
      inits: [
        { name: 'b', dims: [1], data_type: INT64, int64_data: [1] },
        { name: 'e', dims: [1], data_type: INT64, int64_data: [3] },
        { name: 'ax', dims: [1], data_type: INT64, int64_data: [0] },
        { name: 'shp', dims: [2], data_type: INT64, int64_data: [4, -1] },
      ],
      inputs: [vi('x', F, [4, 2, 2])], outputs: [vi('y', F, [1, 4, 4]), vi('sf', F, [3])],
    }),
    model({
      nodes: [
        { op_type: 'Pad', input: ['x', 'pads', 'cv'], output: ['p'], attribute: [{ name: 'mode', type: 3, s: Buffer.from('reflect') }] },
        { op_type: 'MaxPool', input: ['p'], output: ['m'], attribute: [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])] },
        { op_type: 'Softmax', input: ['m'], output: ['y'], attribute: [attrInt('axis', 1)] },
      ],
      inits: [{ name: 'pads', dims: [8], data_type: INT64, int64_data: [0, 0, 1, 1, 0, 0, 1, 1] }, { name: 'cv', dims: [], float_data: [0] }],
      inputs: [vi('x', F, [1, 2, 4, 4])], outputs: [vi('y', F, [1, 2, 3, 3])], opset: 11,
    }),
  ];
}

const INPUTS: number[][] = [[1, 3, 5, 5], [4, 2, 2], [1, 2, 4, 4]];
const HOSTILE = [-1, 0, 1, 2, 7, 255, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 40), 1e9];

type R = () => number;
const pick = <X>(xs: X[], r: R): X => xs[Math.floor(r() * xs.length)];

function structured(b: Buffer, r: R): Buffer {
  const M = onnxTypes().Model;
  const m = M.toObject(M.decode(b), { longs: Number, bytes: Array }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const g = m.graph;
  const inits = g.initializer ?? [];
  const nodes = g.node ?? [];
  switch (Math.floor(r() * 8)) {
    case 0: if (inits.length) { const t = pick(inits, r) as any; t.dims = (t.dims ?? []).map(() => pick(HOSTILE, r)); } break; // eslint-disable-line @typescript-eslint/no-explicit-any
    case 1: if (inits.length) pick(inits, r).data_type = pick([0, 2, 3, 7, 8, 9, 10, 11, 13, 14, 16, 99], r); break;
    case 2: if (nodes.length) { const n = pick(nodes, r); n.input = [...(n.input ?? []), pick(['ghost', 'x', '', 'y'], r)]; } break;
    case 3: if (nodes.length) pick(nodes, r).op_type = pick(['Relu', 'Conv', 'Gemm', 'Resize', 'Loop', '', 'Slice', 'Gather'], r); break;
    case 4: if (nodes.length) { const n = pick(nodes, r); n.attribute = [...(n.attribute ?? []), pick([attrInts('perm', [pick(HOSTILE, r), 0]), attrInt('axis', pick(HOSTILE, r)), attrInts('kernel_shape', [pick(HOSTILE, r), 1]), attrInt('to', pick([0, 8, 14, 99], r))], r)]; } break;
    case 5: if (nodes.length > 1) { const a = pick(nodes, r); const c = pick(nodes, r); a.input = [...(c.output ?? [])]; c.input = [...(a.output ?? [])]; } break;
    case 6: m.opset_import = [{ domain: '', version: pick([0, 1, 6, 7, 13, 17, 18, 2 ** 40], r) }]; break;
    default: if (inits.length) { const t = pick(inits, r); if (t.int64_data) t.int64_data = t.int64_data.map(() => pick(HOSTILE, r)); else t.raw_data = Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 256)); } break;
  }
  return Buffer.from(M.encode(M.fromObject(m)).finish());
}

const mutators: ((b: Buffer, r: R) => Buffer)[] = [
  (b, r) => { const c = Buffer.from(b); for (let k = 1 + Math.floor(r() * 4); k > 0; k--) c[Math.floor(r() * c.length)] ^= 1 + Math.floor(r() * 255); return c; },
  (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  (b, r) => Buffer.concat([b, Buffer.alloc(1 + Math.floor(r() * 16), Math.floor(r() * 256))]),
  structured,
  structured,
];

test(`tp.onnx.load survives ${CASES} mutated models`, () => {
  const valid = validModels();
  const r = rng(SEED);
  settleGc(); // earlier test files' garbage, so a collection mid-fuzz cannot lower the count
  const before = tp.memory().numTensors;
  const inputs = INPUTS.map((s) => tp.randn(s));
  const stats = { loaded: 0, ran: 0, rejected: 0 };
  for (let i = 0; i < CASES; i++) {
    const k = Math.floor(r() * valid.length);
    const b = pick(mutators, r)(valid[k], r);
    let m: ReturnType<typeof tp.onnx.load> | null = null;
    try {
      m = tp.onnx.load(b);
      stats.loaded++;
      const args = m.inputs.map((v, j) => (j === 0 ? inputs[k] : tp.zeros([1])));
      const y = tp.noGrad(() => m!.forward(...args));
      stats.ran++;
      tp.dispose(y);
    } catch (e) {
      if (!(e instanceof tp.TapeflowError)) throw new Error(`case ${i} (seed ${SEED}): ${(e as Error).stack}`);
      stats.rejected++;
    } finally {
      m?.dispose();
    }
  }
  inputs.forEach((t) => t.dispose());
  expect(stats.loaded).toBeGreaterThan(CASES / 10);
  expect(stats.rejected).toBeGreaterThan(CASES / 10);
  // nothing leaks: a failed forward frees what it had made
  expect(tp.memory().numTensors).toBe(before);
});
