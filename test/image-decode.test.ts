// tp.image.decode against PIL (libpng / libjpeg) on the small files test/fixtures/gen_image.py
// writes; JPEG decoders may differ by rounding in the IDCT and chroma upsampling, so JPEG pixels
// are compared within a few levels.
import * as fs from 'fs';
import * as path from 'path';
import { tp, expectNoLeak, expectThrowsCode } from './helpers';

const DIR = path.join(__dirname, 'fixtures', 'image');
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'image.json'), 'utf8'));
type Decoded = { mode: string; shape: number[]; data: number[]; gray: number[] };
const file = (n: string): Buffer => fs.readFileSync(path.join(DIR, n));

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function meanDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

describe('image.decode: pixels as PIL decodes them', () => {
  for (const [name, d] of Object.entries(FIX.decoded as Record<string, Decoded>)) {
    test(`${name} (${d.mode})`, () => {
      const t = tp.image.decode(file(name));
      try {
        expect(t.dtype).toBe('int32');
        expect(t.shape).toEqual(d.shape);
        const got = t.dataSync();
        if (name.endsWith('.png')) expect(Array.from(got)).toEqual(d.data);
        else if (name !== 'rgb420.jpg') expect(maxDiff(got, d.data)).toBeLessThanOrEqual(4);
        // 4:2:0 chroma (a smooth picture): libjpeg's "fancy" (triangle) upsampling vs jpeg-js's
        // box filter differ by a few levels (median 3-4, a 66 at a wrap of the blue ramp)
        else expect(meanDiff(got, d.data)).toBeLessThan(6); // measured 3.9
      } finally {
        t.dispose();
      }
    });
  }
});

test('channels: 1 is PIL\'s convert("L"), 3 drops alpha / repeats gray, 4 adds opaque alpha', () => {
  const d = FIX.decoded['rgba.png'] as Decoded;
  const g = tp.image.decode(file('rgba.png'), { channels: 1 });
  expect(g.shape).toEqual([11, 13, 1]);
  expect(Array.from(g.dataSync())).toEqual(d.gray);
  const rgb = tp.image.decode(file('rgba.png'), { channels: 3 });
  expect(Array.from(rgb.dataSync())).toEqual(d.data.filter((_, i) => i % 4 !== 3));
  const gray = FIX.decoded['gray.png'] as Decoded;
  const g3 = tp.image.decode(file('gray.png'), { channels: 3 });
  expect(Array.from(g3.dataSync())).toEqual(gray.data.flatMap((v) => [v, v, v]));
  const r4 = tp.image.decode(file('rgb.png'), { channels: 4 });
  const rgbD = FIX.decoded['rgb.png'] as Decoded;
  expect(Array.from(r4.dataSync())).toEqual(rgbD.data.flatMap((v, i) => (i % 3 === 2 ? [v, 255] : [v])));
  const j1 = tp.image.decode(file('rgb444.jpg'), { channels: 1 });
  expect(j1.shape).toEqual([11, 13, 1]);
  expect(maxDiff(j1.dataSync(), (FIX.decoded['rgb444.jpg'] as Decoded).gray)).toBeLessThanOrEqual(4);
  tp.dispose([g, rgb, g3, r4, j1]);
});

test("dtype 'float32' is the uint8 values / 255", () => {
  const u = tp.image.decode(file('rgb.png'));
  const f = tp.image.decode(file('rgb.png'), { dtype: 'float32' });
  expect(f.dtype).toBe('float32');
  const ud = u.dataSync(), fd = f.dataSync();
  for (let i = 0; i < ud.length; i++) expect(fd[i]).toBe(Math.fround(ud[i] / 255));
  tp.dispose([u, f]);
});

test('decode leaks nothing, and accepts a Uint8Array view into a larger buffer', () => {
  expectNoLeak(() => tp.image.decode(file('rgb444.jpg'), { dtype: 'float32', channels: 1 }));
  const b = file('rgb.png');
  const big = new Uint8Array(b.length + 10);
  big.set(b, 5);
  const t = tp.image.decode(big.subarray(5, 5 + b.length));
  expect(Array.from(t.dataSync())).toEqual((FIX.decoded['rgb.png'] as Decoded).data);
  t.dispose();
});

describe('image.decode: bad arguments and files', () => {
  test('arguments', () => {
    expectThrowsCode(() => tp.image.decode('x.png' as never), 'ERR_ARGUMENT', /image\.decode: expected a Buffer/);
    expectThrowsCode(() => tp.image.decode(file('rgb.png'), { channels: 2 }), 'ERR_ARGUMENT', /channels must be 0, 1, 3 or 4/);
    expectThrowsCode(() => tp.image.decode(file('rgb.png'), { dtype: 'int8' as never }), 'ERR_ARGUMENT', /dtype/);
    expectThrowsCode(() => tp.image.decode(file('rgb.png'), { chanels: 3 } as never), 'ERR_ARGUMENT', /unknown option 'chanels'/);
    expectThrowsCode(() => tp.image.decode(file('rgb.png'), { maxPixels: 0 }), 'ERR_ARGUMENT', /maxPixels/);
  });
  test('not an image, empty, truncated', () => {
    expectThrowsCode(() => tp.image.decode(Buffer.from('GIF89a....')), 'ERR_FORMAT', /not a PNG or JPEG file/);
    expectThrowsCode(() => tp.image.decode(new Uint8Array(0)), 'ERR_FORMAT', /<empty>/);
    const png = file('rgb.png');
    expectThrowsCode(() => tp.image.decode(png.subarray(0, png.length - 20)), 'ERR_FORMAT', /png/);
    const jpg = file('rgb444.jpg');
    expectThrowsCode(() => tp.image.decode(jpg.subarray(0, 100)), 'ERR_FORMAT', /JPEG file has no frame header/);
    expectThrowsCode(() => tp.image.decode(jpg.subarray(0, jpg.length - 100)), 'ERR_FORMAT', /jpeg/);
  });
  test('a declared size over maxPixels is refused before decoding', () => {
    const png = Buffer.from(file('rgb.png'));
    png.writeUInt32BE(100000, 16);
    png.writeUInt32BE(100000, 20);
    expectThrowsCode(() => tp.image.decode(png), 'ERR_FORMAT', /100000 x 100000 image, over maxPixels/);
    expectThrowsCode(() => tp.image.decode(file('rgb.png'), { maxPixels: 100 }), 'ERR_FORMAT', /13 x 11 image, over maxPixels = 100/);
    expectThrowsCode(() => tp.image.decode(file('rgb444.jpg'), { maxPixels: 100 }), 'ERR_FORMAT', /jpeg file declares a 13 x 11/);
    const jpg = Buffer.from(file('rgb444.jpg'));
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    jpg.writeUInt16BE(65000, sof + 5);
    jpg.writeUInt16BE(65000, sof + 7);
    expectThrowsCode(() => tp.image.decode(jpg), 'ERR_FORMAT', /65000 x 65000/);
  });
});
