// tp.io safetensors: round trips of every dtype and shape (0-d, empty, strided views), the
// F16/BF16 conversions, the byte layout of the format, and every header fault the reader must
// refuse with ERR_FORMAT (naming the file, the tensor and the fault).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tp, rng, seedOf, randArray, expectNoLeak, expectThrowsCode } from './helpers';
import { fsHooks } from '../lib/io/atomic';
import { native } from '../lib/core/native';

const T = tp.Tensor;
type T = tp.Tensor;
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapeflow-io-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const arr = (t: T): number[] => Array.from(t.dataSync());
const disposeAll = (d: Record<string, T>): void => Object.values(d).forEach((t) => t.dispose());

/** A file built by hand: header object → bytes (space-padded to 8 like the reference), then data. */
function rawFile(header: object | string, data: Uint8Array = new Uint8Array(0), pad = true): Buffer {
  let json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  if (pad) {
    const n = Math.ceil((8 + json.length) / 8) * 8 - 8;
    json = Buffer.concat([json, Buffer.alloc(n - json.length, 0x20)]);
  }
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.from(data)]);
}

describe('round trips', () => {
  const shapes: number[][] = [[], [0], [3], [2, 3], [2, 0, 4], [2, 3, 4], [1, 1, 1, 5]];
  const dtypes: tp.DType[] = ['float32', 'float64', 'int32', 'bool'];

  test('every dtype and shape, through a file and through a Buffer', () => {
    const r = rng(seedOf('roundtrip'));
    const src: Record<string, T> = {};
    for (const dt of dtypes)
      for (const s of shapes) {
        const n = s.reduce((a, b) => a * b, 1);
        const vals = dt === 'bool' ? randArray(n, r).map((v) => (v > 0 ? 1 : 0)) : dt === 'int32' ? randArray(n, r, -1e6, 1e6).map(Math.round) : randArray(n, r);
        src[`${dt}/${JSON.stringify(s)}`] = tp.tensor(vals, { shape: s, dtype: dt });
      }
    const file = path.join(dir, 'all.safetensors');
    expectNoLeak(() => {
      tp.io.saveSafetensors(src, file);
      const back = tp.io.loadSafetensors(file);
      const back2 = tp.io.decodeSafetensors(tp.io.encodeSafetensors(src));
      expect(Object.keys(back).sort()).toEqual(Object.keys(src).sort());
      for (const [k, t] of Object.entries(src)) {
        for (const b of [back[k], back2[k]]) {
          expect(b.shape).toEqual(t.shape);
          expect(b.dtype).toBe(t.dtype);
          expect(arr(b)).toEqual(arr(t));
        }
      }
      disposeAll(back);
      disposeAll(back2);
    });
    // the file is exactly what encode gives
    expect(fs.readFileSync(file).equals(tp.io.encodeSafetensors(src))).toBe(true);
    disposeAll(src);
  });

  test('strided views (transposed, sliced, flipped, broadcast) are written as contiguous C-order data', () => {
    const base = tp.tensor(randArray(24, rng(seedOf('views'))), { shape: [4, 6] });
    const views: Record<string, T> = {
      t: base.transpose(0, 1),
      s: base.slice([1, 2], [2, 4]),
      f: base.flip([1]),
      b: tp.tensor([1, 2, 3]).broadcastTo([4, 3]),
      sel: base.select(1, 2),
      row: base.select(0, 1), // contiguous, at an offset into its storage
    };
    const back = tp.io.decodeSafetensors(tp.io.encodeSafetensors(views));
    for (const [k, v] of Object.entries(views)) {
      expect(back[k].shape).toEqual(v.shape);
      expect(back[k].isContiguous()).toBe(true);
      expect(arr(back[k])).toEqual(arr(v));
    }
    disposeAll(back);
    disposeAll(views);
    base.dispose();
  });

  test('the byte layout: header length, aligned header, offsets, little-endian data, metadata', () => {
    const a = tp.tensor([1.5, -2], { dtype: 'float64' });
    const b = tp.tensor([7, -8, 9], { dtype: 'int32' });
    const c = tp.tensor([true, false]);
    const buf = tp.io.encodeSafetensors({ b, c, a }, { metadata: { format: 'pt', note: 'é' } });
    const hlen = Number(buf.readBigUInt64LE(0));
    expect((8 + hlen) % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + hlen).toString('utf8'));
    expect(header.__metadata__).toEqual({ format: 'pt', note: 'é' });
    // widest dtype first (alignment), then by name: a (F64), b (I32), c (BOOL)
    expect(header.a).toEqual({ dtype: 'F64', shape: [2], data_offsets: [0, 16] });
    expect(header.b).toEqual({ dtype: 'I32', shape: [3], data_offsets: [16, 28] });
    expect(header.c).toEqual({ dtype: 'BOOL', shape: [2], data_offsets: [28, 30] });
    const data = buf.subarray(8 + hlen);
    expect(data.length).toBe(30);
    expect(data.readDoubleLE(0)).toBe(1.5);
    expect(data.readInt32LE(20)).toBe(-8);
    expect([...data.subarray(28)]).toEqual([1, 0]);
    const meta = tp.io.decodeSafetensorsWithMetadata(buf);
    expect(meta.metadata).toEqual({ format: 'pt', note: 'é' });
    disposeAll(meta.tensors);
    [a, b, c].forEach((t) => t.dispose());
  });

  test('float16 / bfloat16 on request: round to nearest even, exact back to float32', () => {
    // 1 + 2^-11 is halfway between two halves (1 and 1 + 2^-10): ties to even → 1;
    // 1 + 3·2^-11 ties to 1 + 2^-9 (even); 65520 overflows to inf; 2^-25 ties to 0, 3·2^-25 → 2^-23
    const vals = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65519, 65520, -1e6, 2 ** -25, 3 * 2 ** -25, 2 ** -24, NaN, -0, 0.1];
    const x = tp.tensor(vals);
    const h = tp.io.decodeSafetensors(tp.io.encodeSafetensors({ x }, { dtype: 'float16' }));
    expect(h.x.dtype).toBe('float32');
    const got = arr(h.x);
    expect(got.slice(0, 9)).toEqual([1, 1 + 2 ** -9, 65504, 65504, Infinity, -Infinity, 0, 2 ** -23, 2 ** -24]);
    expect(Number.isNaN(got[9])).toBe(true);
    expect(Object.is(got[10], -0)).toBe(true);
    expect(got[11]).toBe(0.0999755859375);
    // bfloat16 keeps 8 mantissa bits: 1 + 2^-8 ties to 1, 1 + 3·2^-8 to 1 + 2^-6
    const y = tp.tensor([1 + 2 ** -8, 1 + 3 * 2 ** -8, -0.1, 3.4e38]);
    const b = tp.io.decodeSafetensors(tp.io.encodeSafetensors({ y }, { dtype: 'bfloat16' }));
    expect(arr(b.y)).toEqual([1, 1 + 2 ** -6, -0.10009765625, Infinity]);
    // float64 saved as float32 on request
    const z = tp.tensor([0.1], { dtype: 'float64' });
    const zb = tp.io.decodeSafetensors(tp.io.encodeSafetensors({ z }, { dtype: 'float32' }));
    expect(zb.z.dtype).toBe('float32');
    expect(arr(zb.z)).toEqual([Math.fround(0.1)]);
    [h, b, zb].forEach(disposeAll);
    [x, y, z].forEach((t) => t.dispose());
  });

  test('a tensor named __proto__ or with any unicode name is data like any other', () => {
    const t = tp.tensor([1, 2]);
    const src = Object.defineProperty({ 'ünï.cödé': t }, '__proto__', { value: t, enumerable: true });
    const back = tp.io.decodeSafetensors(tp.io.encodeSafetensors(src));
    expect(Object.keys(back).sort()).toEqual(['__proto__', 'ünï.cödé']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    disposeAll(back);
    t.dispose();
  });

  test('a Map of tensors and an empty dict are fine', () => {
    const t = tp.tensor([3]);
    const back = tp.io.decodeSafetensors(tp.io.encodeSafetensors(new Map([['w', t]])));
    expect(arr(back.w)).toEqual([3]);
    disposeAll(back);
    expect(Object.keys(tp.io.decodeSafetensors(tp.io.encodeSafetensors({})))).toEqual([]);
    t.dispose();
  });
});

describe('reading every source dtype', () => {
  test('F16, BF16, I8, U8, I16, I64 (in range) and BOOL convert to the tapeflow dtypes', () => {
    const parts: [string, number[], Buffer, string, number[]][] = [];
    const f16 = Buffer.alloc(6);
    [0x3c00, 0xc000, 0x0001].forEach((v, i) => f16.writeUInt16LE(v, 2 * i)); // 1, -2, 2^-24
    parts.push(['F16', [3], f16, 'float32', [1, -2, 2 ** -24]]);
    const bf = Buffer.alloc(4);
    [0x3f80, 0xc040].forEach((v, i) => bf.writeUInt16LE(v, 2 * i)); // 1, -3
    parts.push(['BF16', [2], bf, 'float32', [1, -3]]);
    parts.push(['I8', [3], Buffer.from([0x80, 0x7f, 0xff]), 'int32', [-128, 127, -1]]);
    parts.push(['U8', [3], Buffer.from([0x80, 0x7f, 0xff]), 'int32', [128, 127, 255]]);
    const i16 = Buffer.alloc(4);
    i16.writeInt16LE(-32768, 0);
    i16.writeInt16LE(1234, 2);
    parts.push(['I16', [2], i16, 'int32', [-32768, 1234]]);
    const i64 = Buffer.alloc(16);
    i64.writeBigInt64LE(-(2n ** 31n), 0);
    i64.writeBigInt64LE(2n ** 31n - 1n, 8);
    parts.push(['I64', [2, 1], i64, 'int32', [-(2 ** 31), 2 ** 31 - 1]]);
    parts.push(['BOOL', [3], Buffer.from([0, 1, 7]), 'bool', [0, 1, 1]]);
    const header: Record<string, unknown> = {};
    let pos = 0;
    for (const [dt, shape, data] of parts) {
      header[dt] = { dtype: dt, shape, data_offsets: [pos, pos + data.length] };
      pos += data.length;
    }
    const file = rawFile(header, Buffer.concat(parts.map((p) => p[2])));
    const back = tp.io.decodeSafetensors(file);
    for (const [dt, shape, , tdt, vals] of parts) {
      expect(back[dt].dtype).toBe(tdt);
      expect(back[dt].shape).toEqual(shape);
      expect(arr(back[dt])).toEqual(vals);
    }
    disposeAll(back);
    fs.writeFileSync(path.join(dir, 'kinds.safetensors'), file);
    const fromFile = tp.io.loadSafetensors(path.join(dir, 'kinds.safetensors'));
    for (const [dt, , , , vals] of parts) expect(arr(fromFile[dt])).toEqual(vals);
    disposeAll(fromFile);
  });

  test('an I64 value outside int32 is an error naming the tensor and the element', () => {
    const d = Buffer.alloc(24);
    d.writeBigInt64LE(5n, 0);
    d.writeBigInt64LE(1n << 40n, 8);
    const file = rawFile({ ok: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, steps: { dtype: 'I64', shape: [3], data_offsets: [0, 24] } }, d);
    const before = tp.memory().numTensors;
    expectThrowsCode(() => tp.io.decodeSafetensors(file), 'ERR_FORMAT', /<buffer>: tensor "steps": I64 element 1 is 1099511627776, outside int32/);
    const p = path.join(dir, 'i64.safetensors');
    fs.writeFileSync(p, file);
    expectThrowsCode(() => tp.io.loadSafetensors(p), 'ERR_FORMAT', /i64\.safetensors: tensor "steps": I64 element 1 is 1099511627776/);
    expect(tp.memory().numTensors).toBe(before); // what was allocated is freed again
  });

  test('device option: cpu works, an unknown device is refused before reading', () => {
    const t = tp.tensor([1, 2]);
    const buf = tp.io.encodeSafetensors({ t });
    const back = tp.io.decodeSafetensors(buf, { device: 'cpu' });
    expect(back.t.device).toBe('cpu');
    disposeAll(back);
    expectThrowsCode(() => tp.io.decodeSafetensors(buf, { device: 'tpu' }), /ERR_DEVICE|ERR_ARGUMENT/);
    t.dispose();
  });
});

describe('bad arguments to save', () => {
  test('clear errors', () => {
    const t = tp.tensor([1]);
    const f = path.join(dir, 'x.safetensors');
    expectThrowsCode(() => tp.io.saveSafetensors(null as never, f), 'ERR_ARGUMENT', /saveSafetensors: tensors must be an object/);
    expectThrowsCode(() => tp.io.saveSafetensors(t as never, f), 'ERR_ARGUMENT', /tensors must be an object/);
    expectThrowsCode(() => tp.io.saveSafetensors({ a: [1, 2] } as never, f), 'ERR_ARGUMENT', /'a' must be a Tensor, got array\(2\)/);
    expectThrowsCode(() => tp.io.saveSafetensors({ __metadata__: t } as never, f), 'ERR_ARGUMENT', /reserved/);
    expectThrowsCode(() => tp.io.saveSafetensors({ t }, f, { metadata: { n: 3 } } as never), 'ERR_ARGUMENT', /metadata\['n'\] must be a string/);
    expectThrowsCode(() => tp.io.saveSafetensors({ t }, f, { dtype: 'int8' } as never), 'ERR_DTYPE', /options.dtype must be/);
    expectThrowsCode(() => tp.io.saveSafetensors({ t }, '' as never), 'ERR_ARGUMENT', /path must be a non-empty string/);
    const d = tp.tensor([2]);
    d.dispose();
    expectThrowsCode(() => tp.io.saveSafetensors({ d }, f), 'ERR_DISPOSED');
    expect(fs.existsSync(f)).toBe(false);
    expectThrowsCode(() => tp.io.decodeSafetensors('abc' as never), 'ERR_ARGUMENT', /expected a Buffer or Uint8Array/);
    t.dispose();
  });
});

describe('hostile and broken headers: ERR_FORMAT naming the file, the tensor and the fault', () => {
  const f32 = (n: number) => Buffer.alloc(4 * n);
  const cases: [string, () => Buffer, RegExp][] = [
    ['shorter than 8 bytes', () => Buffer.from([1, 2, 3]), /is 3 bytes long, shorter than the 8-byte header length/],
    ['header length over 100 MB', () => { const b = Buffer.alloc(16); b.writeBigUInt64LE(100_000_001n); return b; }, /header length 100000001 is over the 100000000-byte limit/],
    ['header length 2^64 - 1', () => { const b = Buffer.alloc(16); b.writeBigUInt64LE(2n ** 64n - 1n); return b; }, /header length 18446744073709551615 is over/],
    ['header length past the end', () => { const b = Buffer.alloc(16); b.writeBigUInt64LE(100n); return b; }, /header length 100 reaches past the end of the file \(16 bytes/],
    ['not UTF-8', () => rawFile(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1')).fill(0xff, 9, 11), /not valid UTF-8/],
    ['not JSON', () => rawFile('{"a": '), /not valid JSON: unexpected end/],
    ['not an object', () => rawFile('[1, 2]'), /the header must be a JSON object/],
    ['duplicate names', () => rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32(2)), /duplicate key "w"/],
    ['nesting too deep', () => rawFile('{"a":' + '['.repeat(100000) + ']'.repeat(100000) + '}'), /nesting deeper than 64/],
    ['unknown dtype', () => rawFile({ w: { dtype: 'F33', shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor "w": unknown dtype "F33"/],
    ['unsupported dtype', () => rawFile({ w: { dtype: 'U64', shape: [1], data_offsets: [0, 8] } }, f32(2)), /tensor "w": dtype U64 is not supported by tapeflow/],
    ['dtype not a string', () => rawFile({ w: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, f32(1)), /tensor "w": dtype must be a string, got 4/],
    ['entry not an object', () => rawFile({ w: 'F32' }), /tensor "w": expected an object/],
    ['negative dim', () => rawFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /tensor "w": shape\[0\] must be a non-negative integer, got -1/],
    ['fractional dim', () => rawFile({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, f32(1)), /shape\[0\] must be a non-negative integer, got 1.5/],
    ['dim above 2^53', () => rawFile('{"w":{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,4]}}', f32(1)), /tensor "w": shape\[0\] 9007199254740993 is above 2\^53/],
    ['product above 2^53', () => rawFile({ w: { dtype: 'F32', shape: [2 ** 30, 2 ** 30], data_offsets: [0, 4] } }, f32(1)), /tensor "w": shape \[1073741824,1073741824\] has more than 2\^53 elements/],
    ['bytes above 2^53', () => rawFile({ w: { dtype: 'F64', shape: [2 ** 51], data_offsets: [0, 8] } }, f32(2)), /is above 2\^53 bytes/],
    ['a product that wraps to the right size in 64-bit', () => rawFile({ w: { dtype: 'U8', shape: [2 ** 32, 2 ** 32], data_offsets: [0, 0] } }), /dtype U8|more than 2\^53/],
    ['shape × size ≠ byte range', () => rawFile({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, f32(5)), /tensor "w": shape \[2,3\] of F32 needs 24 bytes, but data_offsets \[0, 20\] hold 20/],
    ['offsets not from 0', () => rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /tensor "w": data_offsets \[4, 8\] leaves a gap after the previous tensor \(expected it to begin at 0\)/],
    ['overlapping tensors', () => rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /overlaps the previous tensor/],
    ['a gap', () => rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, f32(3)), /tensor "b": .*leaves a gap/],
    ['end before begin', () => rawFile({ w: { dtype: 'F32', shape: [0], data_offsets: [4, 0] } }), /end before they begin/],
    ['offsets past the data (truncated)', () => rawFile({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32(3)), /reach past the end of the data \(12 bytes; truncated\?\)/],
    ['trailing bytes after the last tensor', () => rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(2)), /the tensors end at byte 4 of the data section, but it is 8 bytes long/],
    ['data_offsets malformed', () => rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }, f32(1)), /data_offsets must be \[begin, end\]/],
    ['too many dims', () => rawFile({ w: { dtype: 'F32', shape: new Array(17).fill(1), data_offsets: [0, 4] } }, f32(1)), /has 17 dims; tapeflow supports at most 16/],
    ['metadata not strings', () => rawFile({ __metadata__: { a: 1 } }), /__metadata__ "a" must be a string, got 1/],
    ['metadata not an object', () => rawFile({ __metadata__: 'x' }), /__metadata__ must be an object of strings/],
    ['trailing garbage after the JSON', () => rawFile('{} x'), /trailing characters/],
  ];

  test.each(cases)('%s', (_name, make, msg) => {
    const bytes = make();
    const before = tp.memory().numTensors;
    expectThrowsCode(() => tp.io.decodeSafetensors(bytes), 'ERR_FORMAT', new RegExp('decodeSafetensors: <buffer>: .*' + msg.source));
    const p = path.join(dir, 'bad.safetensors');
    fs.writeFileSync(p, bytes);
    expectThrowsCode(() => tp.io.loadSafetensors(p), 'ERR_FORMAT', new RegExp('loadSafetensors: .*bad\\.safetensors: .*' + msg.source));
    expect(tp.memory().numTensors).toBe(before);
  });

  test('a huge claimed tensor in a small file allocates nothing before failing', () => {
    // 2^40 floats claimed; the file has 8 bytes of data
    const bytes = rawFile({ w: { dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 2 ** 42] } }, f32(2));
    const before = tp.memory();
    expectThrowsCode(() => tp.io.decodeSafetensors(bytes), 'ERR_FORMAT', /reach past the end of the data \(8 bytes/);
    expect(tp.memory().numBytes).toBe(before.numBytes);
  });

  test('a file truncated at any byte gives ERR_FORMAT', () => {
    const a = tp.tensor(randArray(10, rng(1)));
    const full = tp.io.encodeSafetensors({ a, b: a.reshape([2, 5]) }, { metadata: { k: 'v' } });
    for (let n = 0; n < full.length; n++) expectThrowsCode(() => tp.io.decodeSafetensors(full.subarray(0, n)), 'ERR_FORMAT');
    a.dispose();
  });
});

describe('file errors (ERR_IO)', () => {
  test('a missing file, a directory', () => {
    expectThrowsCode(() => tp.io.loadSafetensors(path.join(dir, 'nope.safetensors')), 'ERR_IO', /nope\.safetensors: no such file \(ENOENT\)/);
    expectThrowsCode(() => tp.io.loadSafetensors(dir), 'ERR_IO', /is a directory, not a file/);
    expectThrowsCode(() => tp.load(path.join(dir, 'nope.safetensors')), 'ERR_IO', /^load: /);
    // a device or a FIFO is refused before it is opened (opening a FIFO would block)
    expectThrowsCode(() => tp.io.loadSafetensors('/dev/zero'), 'ERR_FORMAT', /\/dev\/zero: is not a regular file/);
    const fifo = path.join(dir, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status === 0) expectThrowsCode(() => tp.io.loadSafetensors(fifo), 'ERR_FORMAT', /fifo: is not a regular file/);
  });
});

test('T is the Tensor class', () => expect(T).toBe(tp.Tensor));

describe('large files', () => {
  test('loading reads the data in bounded chunks straight into the tensors: the file is never held twice', () => {
    const file = path.join(dir, 'large.safetensors');
    const a = tp.randn([3, 1 << 20]); // 12 MB
    const b = tp.ones([5, 1 << 20], { dtype: 'int32' }); // 20 MB
    tp.io.saveSafetensors({ a, b }, file);
    const size = fs.statSync(file).size;
    const reads: number[] = [];
    const read = fsHooks.readSync;
    fsHooks.readSync = (fd, buf, off, len, pos) => {
      const n = read(fd, buf, off, len, pos);
      reads.push(n);
      return n;
    };
    const before = tp.memory().numBytes;
    let back: Record<string, T>;
    try {
      back = tp.io.loadSafetensors(file);
    } finally {
      fsHooks.readSync = read;
    }
    expect(tp.memory().numBytes - before).toBe(32 << 20); // the tensors, nothing else native
    expect(Math.max(...reads)).toBeLessThanOrEqual(4 << 20); // JS side: one 4 MB chunk at a time
    expect(reads.reduce((s, n) => s + n, 0)).toBe(size);
    expect(arr(back.a.slice([2, 1000], [1, 5]))).toEqual(arr(a.slice([2, 1000], [1, 5])));
    expect(tp.all(tp.eq(back.b, 1)).item()).toBe(1);
    disposeAll(back);
    a.dispose();
    b.dispose();
  });
});

describe('native entry points re-validate what they are given', () => {
  test('ranges, buffers, kinds and dtypes are checked; nothing is read or written outside', () => {
    const t = tp.zeros([4]);
    const h = t._h;
    const buf = Buffer.alloc(16);
    expectThrowsCode(() => native.ioDecode(h, 0, 5, Buffer.alloc(20), 0, 1), 'ERR_OUT_OF_BOUNDS', /element range outside the storage/);
    expectThrowsCode(() => native.ioDecode(h, 3, 2, buf, 0, 1), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => native.ioDecode(h, -1, 1, buf, 0, 1), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => native.ioDecode(h, 0, 4, buf, 4, 1), 'ERR_OUT_OF_BOUNDS', /byte range outside the buffer/);
    expectThrowsCode(() => native.ioDecode(h, 0, 4, buf, -8, 1), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => native.ioDecode(h, 0, 2 ** 52, buf, 0, 0), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => native.ioDecode(h, 0, 1, new Float32Array(4) as never, 0, 1), 'ERR_ARGUMENT', /bytes must be a Uint8Array/);
    expectThrowsCode(() => native.ioDecode(h, 0, 1, buf, 0, 10), 'ERR_ARGUMENT', /unknown file dtype/);
    expectThrowsCode(() => native.ioDecode(h, 0, 1, buf, 0, 5), 'ERR_DTYPE', /cannot read this file dtype into float32/); // I32 into float32
    expectThrowsCode(() => native.ioEncode(h, 0, 1, buf, 0, 5), 'ERR_DTYPE', /cannot write float32 as this file dtype/);
    expectThrowsCode(() => native.ioEncode(h, 0, 4, buf, 1, 1), 'ERR_OUT_OF_BOUNDS');
    expectThrowsCode(() => native.ioEncode(12345, 0, 1, buf, 0, 1), /ERR_ARGUMENT|ERR_DISPOSED/);
    t.dispose();
    expectThrowsCode(() => native.ioEncode(h, 0, 1, buf, 0, 1), 'ERR_DISPOSED');
  });
});
