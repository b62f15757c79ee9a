'use strict';
// Issue 12 rows: nsfwjs's Inception v3 (a TF.js layers model, 299×299×3 NHWC, 21.8 M parameters)
// loaded with tp.io.loadTfjsModel, forward in eval mode with recording off, at batch 1 and 8.
// Value: images/s. References, each timed in a child process (bench/tfjs-child.js) on warm calls:
// - onnxruntime-node (CPU provider, same thread count as the tapeflow column) on the ONNX export of
//   the same weights made by bench/export_inception_onnx.py (torch 1.13; it checks torch against
//   tfjs first): extra.ortImagesPerSec, extra.vsOrt (ort time ÷ tapeflow time: > 1 is tapeflow faster);
// - @tensorflow/tfjs's pure-JS cpu backend (no tfjs-node here: it needs a download; single-threaded,
//   timed once, at batch 1): extra.tfjsImagesPerSec, extra.vsTfjs. BENCH_NO_TFJS=1 skips it.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { nsfwjsModel, tfjsInput } = require('../test/fixtures/tfjs-input');

const CACHE = path.join(os.tmpdir(), 'tapeflow-bench-inception');
const ONNX = path.join(CACHE, 'inception_v3.onnx');

/** The ONNX export, made once per machine (about 15 s); null when it cannot be made. */
function onnxFile() {
  if (fs.existsSync(ONNX)) return ONNX;
  fs.mkdirSync(CACHE, { recursive: true });
  const { model, weights } = nsfwjsModel('inception_v3');
  fs.writeFileSync(path.join(CACHE, 'model.json'), JSON.stringify(model));
  fs.writeFileSync(path.join(CACHE, 'weights.bin'), weights);
  const r = spawnSync('/usr/bin/python3', [path.join(__dirname, 'export_inception_onnx.py'), CACHE, ONNX], { encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`  export_inception_onnx.py failed: ${(r.stderr || '').trim().split('\n').pop()}\n`);
  return r.status === 0 ? ONNX : null;
}

const cache = new Map();
function childSeconds(args) {
  const key = args.join(' ');
  if (!cache.has(key)) {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'tfjs-child.js'), ...args], { encoding: 'utf8', timeout: 30 * 60 * 1000 });
    const s = Number((r.stdout || '').trim().split('\n').pop());
    cache.set(key, r.status === 0 && s > 0 ? s : null);
  }
  return cache.get(key);
}

const cases = [1, 8].map((batch) => ({
  id: `inception_b${batch}`,
  group: 'pretrained',
  name: `Inception v3 forward (nsfwjs TF.js) batch ${batch}`,
  torch: null,
  unit: 'img/s',
  higher: true,
  fromSeconds: (v) => v,
  ratioKind: null,
  target: null,
  once(tp, label, quick) {
    const { model, weights } = nsfwjsModel('inception_v3');
    const m = tp.io.loadTfjsModel(model, { weights });
    const x = tp.tensor(tfjsInput(batch, 299), { shape: [batch, 299, 299, 3] });
    const run = () => tp.noGrad(() => m.forward(x)).dispose();
    // warm-up: the first forward folds the batch norms into the convolutions, the second packs the
    // folded weights ahead (lib/ops/conv-pack.ts), the third faults in the allocator's free lists
    for (let i = 0; i < 3; i++) run();
    // a median of many: on the shared 2-core dev machine one forward in four or five lands on a
    // neighbour's burst (+20-80 %), for tapeflow and onnxruntime alike
    const reps = quick ? 2 : batch === 1 ? 15 : 5;
    const times = [];
    for (let i = 0; i < reps; i++) {
      const t0 = process.hrtime.bigint();
      run();
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    times.sort((a, b) => a - b);
    const s = times[times.length >> 1];
    x.dispose();
    m.dispose();
    const extra = { msPerForward: s * 1000 };
    const threads = label === '1' ? 1 : tp.getNumThreads();
    const file = onnxFile();
    const ort = file ? childSeconds(['ort', String(batch), String(reps), String(threads), file]) : null;
    if (ort !== null) Object.assign(extra, { ortImagesPerSec: batch / ort, vsOrt: ort / s });
    // tfjs's pure-JS backend is single-threaded: timed once, at batch 1 only (about 25 s per image
    // on the 2-core dev machine; batch 8 would add minutes), shown on both thread rows
    const tfs = process.env.BENCH_NO_TFJS || batch !== 1 ? null : childSeconds(['tfjs', '1', quick ? '1' : '2']);
    if (tfs !== null) Object.assign(extra, { tfjsImagesPerSec: batch / tfs, vsTfjs: tfs / s });
    return { value: batch / s, extra };
  },
}));

module.exports = { cases };
