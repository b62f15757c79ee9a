'use strict';
// Issue 12 rows: nsfwjs's Inception v3 (a TF.js layers model, 299×299×3 NHWC, 21.8 M parameters)
// loaded with tp.io.loadTfjsModel, forward in eval mode with recording off, at batch 1 and 8.
// Value: images/s. The reference is @tensorflow/tfjs's pure-JS cpu backend (no tfjs-node here:
// it needs a download) running the same model.json and weights in a child process
// (bench/tfjs-child.js), timed once per row on one warm call: extra.tfjsImagesPerSec and
// extra.vsTfjs (tapeflow images/s ÷ tfjs images/s). No PyTorch / onnxruntime row: the weights exist
// only as TF.js files, and no ONNX export of them is committed.
const path = require('path');
const { spawnSync } = require('child_process');
const { nsfwjsModel, tfjsInput } = require('../test/fixtures/tfjs-input');

const tfjsCache = new Map();
function tfjsSeconds(batch, quick) {
  if (!tfjsCache.has(batch)) {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'tfjs-child.js'), String(batch), quick ? '1' : '2'], { encoding: 'utf8', timeout: 30 * 60 * 1000 });
    const line = (r.stdout || '').trim().split('\n').pop();
    const s = Number(line);
    tfjsCache.set(batch, r.status === 0 && s > 0 ? s : null);
  }
  return tfjsCache.get(batch);
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
    run(); // warm-up: first touch of the weights and the allocator's free lists
    const reps = quick ? 2 : batch === 1 ? 5 : 3;
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
    // tfjs's pure-JS backend is single-threaded: timed once, shown on both rows
    const tfs = tfjsSeconds(batch, quick);
    if (tfs !== null) Object.assign(extra, { tfjsImagesPerSec: batch / tfs, vsTfjs: tfs / s });
    return { value: batch / s, extra };
  },
}));

module.exports = { cases };
