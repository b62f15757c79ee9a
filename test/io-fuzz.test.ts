// Fuzzing the safetensors reader: 10,000 mutations of valid files (bytes flipped, truncated,
// extended, the length prefix rewritten, header text edited, header fields set to hostile
// values and re-framed). Every case must either load or throw a TapeflowError with ERR_FORMAT —
// no other error, no crash, no hang, and no allocation beyond what the bytes themselves hold.
// Set FUZZ_SEED to explore other cases; FUZZ_CASES to run more.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tp, rng } from './helpers';

const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const CASES = Number(process.env.FUZZ_CASES ?? 10000);

function validFiles(): Buffer[] {
  const t = (v: number[], shape: number[], dtype: tp.DType) => tp.tensor(v, { shape, dtype });
  const sets: Record<string, tp.Tensor>[] = [
    { w: t([1, 2, 3, 4, 5, 6], [2, 3], 'float32'), b: t([0.5, -1], [2], 'float64'), n: t([3], [], 'int32') },
    { m: t([1, 0, 1], [3], 'bool'), e: t([], [0, 4], 'float32'), i: t([-7, 8, 9, 10], [2, 2], 'int32') },
    { 'layer.0.weight': t(Array.from({ length: 24 }, (_, i) => i / 3), [2, 3, 4], 'float32') },
  ];
  const out = sets.map((s, i) => tp.io.encodeSafetensors(s, i === 0 ? { metadata: { format: 'pt', k: 'v' } } : undefined));
  out.push(tp.io.encodeSafetensors(sets[0], { dtype: 'float16' }));
  out.push(tp.io.encodeSafetensors(sets[2], { dtype: 'bfloat16' }));
  sets.forEach((s) => Object.values(s).forEach((x) => x.dispose()));
  // a file torch wrote, with I64 and every other source dtype
  out.push(fs.readFileSync(path.join(__dirname, 'fixtures', 'safetensors', 'dtypes.safetensors')));
  return out;
}

type Mutator = (b: Buffer, r: () => number) => Buffer;
const pick = <X>(xs: X[], r: () => number): X => xs[Math.floor(r() * xs.length)];
const headerLen = (b: Buffer): number => Number(b.readBigUInt64LE(0));
const HOSTILE = [-1, 0, 1, 3, 7, 255, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e300, 0.5, '9007199254740993', '18446744073709551616', 'null', '"x"', '[]', '{}'];

/** Re-frames a new header text over the old data section. */
function reframe(b: Buffer, header: string): Buffer {
  const data = b.subarray(8 + headerLen(b));
  const h = Buffer.from(header, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

const mutators: Mutator[] = [
  // flip 1-4 random bytes anywhere
  (b, r) => {
    const c = Buffer.from(b);
    for (let k = 1 + Math.floor(r() * 4); k > 0; k--) c[Math.floor(r() * c.length)] ^= 1 + Math.floor(r() * 255);
    return c;
  },
  // flip a byte inside the header
  (b, r) => {
    const c = Buffer.from(b);
    c[8 + Math.floor(r() * headerLen(b))] = Math.floor(r() * 256);
    return c;
  },
  // truncate
  (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  // append bytes
  (b, r) => Buffer.concat([b, Buffer.alloc(1 + Math.floor(r() * 16), Math.floor(r() * 256))]),
  // rewrite the length prefix
  (b, r) => {
    const c = Buffer.from(b);
    const h = headerLen(b);
    const v = pick([0n, 1n, 7n, BigInt(h - 1), BigInt(h + 1), BigInt(h + 8), BigInt(c.length), 100_000_000n, 100_000_001n, 2n ** 63n, 2n ** 64n - 1n], r);
    c.writeBigUInt64LE(v, 0);
    return c;
  },
  // edit the header text: delete, duplicate or insert characters
  (b, r) => {
    let h = b.subarray(8, 8 + headerLen(b)).toString('utf8');
    const i = Math.floor(r() * h.length);
    const op = Math.floor(r() * 3);
    if (op === 0) h = h.slice(0, i) + h.slice(i + 1 + Math.floor(r() * 4));
    else if (op === 1) h = h.slice(0, i) + h.slice(i, i + 1 + Math.floor(r() * 20)) + h.slice(i);
    else h = h.slice(0, i) + pick(['[', ']', '{', '}', '"', ',', ':', '\\', '\u00e9', '\ud800', '1e999', '-', '99999999999999999999'], r) + h.slice(i);
    return reframe(b, h);
  },
  // set one field of one entry to a hostile value and re-frame
  (b, r) => {
    const h = JSON.parse(b.subarray(8, 8 + headerLen(b)).toString('utf8'));
    const names = Object.keys(h).filter((k) => k !== '__metadata__');
    const e = h[pick(names, r)];
    const v = pick(HOSTILE, r);
    const field = pick(['shape', 'offset0', 'offset1', 'dtype', 'whole', 'rank', 'metadata', 'dup'], r);
    let text: string;
    const raw = (x: unknown) => (typeof x === 'string' && /^[\d"[{n]/.test(x) ? x : JSON.stringify(x));
    if (field === 'shape' && e.shape.length) e.shape[Math.floor(r() * e.shape.length)] = `@@${raw(v)}@@`;
    else if (field === 'offset0') e.data_offsets[0] = `@@${raw(v)}@@`;
    else if (field === 'offset1') e.data_offsets[1] = `@@${raw(v)}@@`;
    else if (field === 'dtype') e.dtype = pick(['F32', 'F64', 'F16', 'BF16', 'I64', 'I8', 'U8', 'BOOL', 'U64', 'F8_E4M3', 'f32', ''], r);
    else if (field === 'whole') h[pick(names, r)] = `@@${raw(v)}@@`;
    else if (field === 'rank') e.shape = Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 3));
    else if (field === 'metadata') h.__metadata__ = pick([{ a: 1 }, 'x', { a: 'b' }, null, []], r);
    text = JSON.stringify(h).replace(/"@@(.*?)@@"/g, (_m, s) => JSON.parse(`"${s}"`));
    if (field === 'dup') text = text.replace(/^\{/, `{${JSON.stringify(names[0])}:${JSON.stringify(h[names[0]])},`);
    return reframe(b, text);
  },
];

test(`fuzz: ${CASES} mutated files load or fail with ERR_FORMAT`, () => {
  const r = rng(SEED);
  const bases = validFiles();
  const before = tp.memory();
  const outcomes: Record<string, number> = {};
  const wrong: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapeflow-fuzz-'));
  const file = path.join(dir, 'f.safetensors');
  const t0 = Date.now();
  try {
    for (let i = 0; i < CASES; i++) {
      const m = Math.floor(r() * mutators.length);
      const bytes = mutators[m](pick(bases, r), r);
      // one case in 20 goes through the file reader (chunked reads) instead of the Buffer one
      const viaFile = i % 20 === 0;
      if (viaFile) fs.writeFileSync(file, bytes);
      try {
        const out = viaFile ? tp.io.loadSafetensors(file) : tp.io.decodeSafetensors(bytes);
        let held = 0;
        for (const t of Object.values(out)) {
          held += t.size * ({ float32: 4, float64: 8, int32: 4, bool: 1 } as const)[t.dtype];
          t.dispose();
        }
        // I8/U8 → int32 is the widest conversion: 4× the bytes
        if (held > 4 * bytes.length) wrong.push(`case ${i}: ${held} bytes allocated from a ${bytes.length}-byte file`);
        outcomes.loaded = (outcomes.loaded ?? 0) + 1;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (!(e instanceof tp.TapeflowError) || code !== 'ERR_FORMAT') wrong.push(`case ${i} (mutator ${m}): ${(e as Error).name} ${code}: ${(e as Error).message}`);
        else {
          const what = (e as Error).message.replace(/^.*?: .*?: (tensor ".*?": )?/, '').replace(/[\d"].*$/, '').trim();
          outcomes[what] = (outcomes[what] ?? 0) + 1;
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ms = Date.now() - t0;
  const top = Object.entries(outcomes).sort((a, b) => b[1] - a[1]).slice(0, 12);
  console.log(`fuzz seed ${SEED}: ${CASES} cases in ${ms} ms; loaded ${outcomes.loaded ?? 0}; most frequent rejections:\n` + top.map(([k, v]) => `  ${v}  ${k}`).join('\n'));
  expect(wrong.slice(0, 10)).toEqual([]);
  expect(tp.memory().numTensors).toBe(before.numTensors);
  expect(Object.keys(outcomes).length).toBeGreaterThan(15); // the mutations reach many distinct checks
});
