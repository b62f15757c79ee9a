// Histograms and images against torch 1.13's own summary code (test/fixtures/gen_summary.py →
// summary.json), images decoded back with pngjs; the tf.summary-style functions.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tp, expectClose, expectThrowsCode, expectNoLeak } from './helpers';
import { readEvents, eventFiles, Decoded } from './summary-reader';

interface HistFixture {
  name: string;
  dtype: 'float32' | 'float64' | 'int32';
  values: number[];
  shape: number[];
  bins: 'tensorflow' | number | number[];
  min: number;
  max: number;
  num: number;
  sum: number;
  sum_squares: number;
  bucket_limit: number[];
  bucket: number[];
}
interface ImageFixture {
  name: string;
  shape: number[];
  dataFormats: string;
  batch: boolean;
  values: number[];
  height: number;
  width: number;
  colorspace: number;
  mode: string;
  pixels: number[];
}
// pngjs ships no types
const { PNG } = require('pngjs') as { PNG: { sync: { read(b: Buffer): { width: number; height: number; data: Buffer } } } };
const FIX = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'summary.json'), 'utf8')) as { histograms: HistFixture[]; images: ImageFixture[] };

const ROOT = process.env.SUMMARY_TEST_DIR ? path.resolve(process.env.SUMMARY_TEST_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'tp-summary-'));
let n = 0;
const dir = (name: string): string => path.join(ROOT, `values-${name}-${n++}`);
afterAll(() => {
  if (!process.env.SUMMARY_TEST_DIR) fs.rmSync(ROOT, { recursive: true, force: true });
});

const typed = { float32: Float32Array, float64: Float64Array, int32: Int32Array };

/** Writes with fn, returns the Summary.Values of the events after the first. */
function written(name: string, fn: (w: InstanceType<typeof tp.summary.SummaryWriter>) => void): Decoded[] {
  const d = dir(name);
  const w = new tp.summary.SummaryWriter(d);
  try {
    fn(w);
  } finally {
    w.close();
  }
  return readEvents(eventFiles(d)[0]).slice(1).flatMap((e) => e.summary.value);
}

/** RGB(A) bytes of a PNG, decoded with pngjs. */
function pngPixels(buf: Uint8Array, channels: number): { width: number; height: number; px: number[] } {
  const png = PNG.sync.read(Buffer.from(buf));
  const px: number[] = [];
  for (let i = 0; i < png.width * png.height; i++) for (let k = 0; k < channels; k++) px.push(png.data[4 * i + k]);
  return { width: png.width, height: png.height, px };
}

describe('addHistogram against torch', () => {
  for (const f of FIX.histograms) {
    test(`${f.name} (${f.dtype}, bins ${Array.isArray(f.bins) ? `[${f.bins}]` : f.bins})`, () => {
      const t = tp.tensor(typed[f.dtype].from(f.values), { shape: f.shape });
      const [v] = written(f.name, (w) => w.addHistogram('h', t, 3, { bins: f.bins }));
      // proto3 leaves zeros out of the bytes: absent fields read as 0
      const h = { min: 0, max: 0, sum: 0, sum_squares: 0, ...v.histo };
      expect(v.tag).toBe('h');
      expect(h.num).toBe(f.num);
      expect(h.min).toBe(f.min);
      expect(h.max).toBe(f.max);
      expectClose([h.sum, h.sum_squares], [f.sum, f.sum_squares], { rtol: 1e-12, atol: 1e-9 }, 'sums');
      expect(h.bucket).toEqual(f.bucket);
      expectClose(h.bucket_limit, f.bucket_limit, { rtol: 1e-15, atol: 0 }, 'bucket_limit');
      t.dispose();
    });
  }

  test('bad values and bins are refused before anything is written', () => {
    const d = dir('hist-errors');
    const w = new tp.summary.SummaryWriter(d);
    expectThrowsCode(() => w.addHistogram('h', tp.tensor([1, NaN]), 0), 'ERR_ARGUMENT', /NaN at flat index 1/);
    expectThrowsCode(() => w.addHistogram('h', tp.zeros([0, 3]), 0), 'ERR_SHAPE', /at least one element/);
    expectThrowsCode(() => w.addHistogram('h', tp.ones([3]), 0, { bins: 0 }), 'ERR_ARGUMENT', /bins/);
    expectThrowsCode(() => w.addHistogram('h', tp.ones([3]), 0, { bins: [1, 0] }), 'ERR_ARGUMENT', /increase/);
    expectThrowsCode(() => w.addHistogram('h', tp.ones([3]), 0, { bins: 'auto' as never }), 'ERR_ARGUMENT', /bins/);
    expectThrowsCode(() => w.addHistogram('h', tp.full([3], 5), 0, { bins: [0, 1] }), 'ERR_ARGUMENT', /no value lies inside/);
    expectThrowsCode(() => w.addHistogram('h', [1, 2] as never, 0), 'ERR_ARGUMENT', /values must be a Tensor/);
    w.close();
    expect(readEvents(eventFiles(d)[0])).toHaveLength(1);
  });

  test('a non-contiguous view gives the histogram of its own values; no leak', () => {
    const base = tp.arange(0, 12, 1, { dtype: 'float32' }).reshape([3, 4]);
    const view = base.transpose().slice([1, 0], [2, 3]);
    expectNoLeak(() => {
      const [v] = written('hist-view', (w) => w.addHistogram('h', view, 0, { bins: 4 }));
      expect([v.histo.min, v.histo.max, v.histo.num, v.histo.sum]).toEqual([1, 10, 6, 1 + 5 + 9 + 2 + 6 + 10]);
      expect(v.histo.bucket.reduce((a: number, b: number) => a + b, 0)).toBe(6);
    });
  });
});

describe('addImage / addImages against torch (PNG decoded back with pngjs)', () => {
  for (const f of FIX.images) {
    test(`${f.name}: ${f.dataFormats} [${f.shape}]`, () => {
      const t = tp.tensor(Float32Array.from(f.values), { shape: f.shape });
      const [v] = written(f.name, (w) => (f.batch ? w.addImages('img', t, 1, { dataFormats: f.dataFormats }) : w.addImage('img', t, 1, { dataFormats: f.dataFormats })));
      expect([v.image.height, v.image.width, v.image.colorspace]).toEqual([f.height, f.width, f.colorspace]);
      const { width, height, px } = pngPixels(v.image.encoded_image_string, f.colorspace);
      expect([height, width]).toEqual([f.height, f.width]);
      expect(px).toEqual(f.pixels);
      t.dispose();
    });
  }

  test('floats are clipped to [0, 1] before scaling (torch >= 2.0), int32 is taken as 0..255, bool as 0/255', () => {
    const vals = [-0.5, 0, 0.5, 1, 1.5, 0.999];
    const f = tp.tensor(vals, { shape: [1, 2, 3] });
    const i = tp.tensor([0, 7, 128, 255, 300, -4], { shape: [1, 2, 3], dtype: 'int32' });
    const b = tp.tensor([true, false, true, false, false, true], { shape: [2, 3] });
    const vs = written('clip', (w) => {
      w.addImage('f', f, 0);
      w.addImage('i', i, 0);
      w.addImage('b', b, 0, { dataFormats: 'HW' });
    });
    const gray = (v: Decoded): number[] => pngPixels(v.image.encoded_image_string, 3).px.filter((_, k) => k % 3 === 0);
    // float32(0.999) * 255 = 254.745 → 254 (truncated as numpy's astype(uint8))
    expect(gray(vs[0])).toEqual([0, 0, 127, 255, 255, 254]);
    expect(gray(vs[1])).toEqual([0, 7, 128, 255, 255, 0]);
    expect(gray(vs[2])).toEqual([255, 0, 255, 0, 0, 255]);
  });

  test('a transposed view is read through its strides', () => {
    const hwc = tp.tensor(Float32Array.from({ length: 24 }, (_, k) => k / 24), { shape: [2, 4, 3] });
    const chw = hwc.permute([2, 0, 1]); // a view, not contiguous
    const [a, b] = written('strided', (w) => {
      w.addImage('hwc', hwc, 0, { dataFormats: 'HWC' });
      w.addImage('chw', chw, 0);
    });
    expect(Buffer.from(a.image.encoded_image_string).equals(Buffer.from(b.image.encoded_image_string))).toBe(true);
  });

  test('bad images are refused with the shape in the message', () => {
    const d = dir('img-errors');
    const w = new tp.summary.SummaryWriter(d);
    expectThrowsCode(() => w.addImage('i', tp.ones([2, 4, 4]), 0), 'ERR_SHAPE', /1, 3 or 4 channels, got 2 in shape \[2,4,4\]/);
    expectThrowsCode(() => w.addImage('i', tp.ones([4, 4]), 0), 'ERR_SHAPE', /has 2 dims but dataFormats 'CHW'/);
    expectThrowsCode(() => w.addImage('i', tp.ones([3, 4, 4]), 0, { dataFormats: 'CHX' }), 'ERR_ARGUMENT', /permutation/);
    expectThrowsCode(() => w.addImage('i', tp.ones([3, 0, 4]), 0), 'ERR_SHAPE', /no pixel/);
    expectThrowsCode(() => w.addImages('i', tp.ones([2, 4, 4, 4]), 0), 'ERR_SHAPE', /1 or 3 channels/);
    expectThrowsCode(() => w.addImages('i', tp.ones([2, 3, 4]), 0, { dataFormats: 'CHW' }), 'ERR_ARGUMENT', /NCHW/);
    w.close();
  });
});

describe('tf.summary style', () => {
  afterEach(() => tp.summary.experimental.setStep(null));

  test('createFileWriter + asDefault: scalar, histogram, image, text; nothing written without a default writer', () => {
    const d = dir('tf');
    const w = tp.summary.createFileWriter(d);
    expect(tp.summary.scalar('loss', 1, { step: 0 })).toBe(false);
    const imgs = tp.rand([4, 3, 5, 3]);
    const res = w.asDefault(() => {
      tp.summary.experimental.setStep(5);
      return [
        tp.summary.scalar('loss', 0.25),
        tp.summary.scalar('acc', tp.tensor(0.75), { step: 6 }),
        tp.summary.histogram('w', tp.arange(0, 10, 1, { dtype: 'float32' })),
        tp.summary.image('digits', imgs, { maxOutputs: 2 }),
        tp.summary.text('note', 'hi'),
      ];
    });
    expect(res).toEqual([true, true, true, true, true]);
    w.close();
    const ev = readEvents(eventFiles(d)[0]).slice(1);
    expect(ev.map((e) => [e.step, e.summary.value.map((v: Decoded) => v.tag)])).toEqual([
      [5, ['loss']],
      [6, ['acc']],
      [5, ['w']],
      [5, ['digits/0', 'digits/1']],
      [5, ['note']],
    ]);
    expect(ev[2].summary.value[0].histo.bucket.length).toBe(31); // 30 equal buckets (TF2's default) + the empty left one
    expect(ev[3].summary.value[1].image).toMatchObject({ height: 3, width: 5, colorspace: 3 });
    expect(ev[4].summary.value[0].metadata.plugin_data.plugin_name).toBe('text');
  });

  test('a step is required (option or experimental.setStep)', () => {
    const d = dir('tf-step');
    const w = tp.summary.createFileWriter(d);
    w.asDefault(() => expectThrowsCode(() => tp.summary.scalar('x', 1), 'ERR_ARGUMENT', /no step/));
    w.setAsDefault();
    expect(tp.summary.scalar('x', 1, { step: 2 })).toBe(true);
    w.close();
    expect(tp.summary.scalar('x', 1, { step: 3 })).toBe(false); // closing the global default unsets it
    expect(readEvents(eventFiles(d)[0])).toHaveLength(2);
  });
});
