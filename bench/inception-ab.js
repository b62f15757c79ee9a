'use strict';
// tapeflow vs onnxruntime-node on nsfwjs's Inception v3, interleaved in one process: forward A,
// pause, forward B, pause, ... so both meet the same neighbours on a shared machine (the bench
// row times them in turn, minutes apart). The pauses let each side's pool stop spinning before
// the other runs. Prints the median and the best forward of each and their ratios (ort ÷ tapeflow:
// > 1 is tapeflow faster). Needs the ONNX export `node bench/run.js --only inception` makes once.
//   node bench/inception-ab.js [--threads T] [--batch B] [--reps R]
const fs = require('fs');
const os = require('os');
const path = require('path');
const tp = require('..');
const { nsfwjsModel, tfjsInput } = require('../test/fixtures/tfjs-input');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ONNX = path.join(os.tmpdir(), 'tapeflow-bench-inception', 'inception_v3.onnx');
const pause = () => new Promise((r) => setTimeout(r, 30));
const med = (v) => v.slice().sort((p, q) => p - q)[v.length >> 1];

(async () => {
  if (!fs.existsSync(ONNX)) throw new Error(`${ONNX} is missing: run node bench/run.js --only inception once first`);
  const T = arg('threads', tp.getNumThreads()), B = arg('batch', 1), R = arg('reps', 15);
  tp.setNumThreads(T);
  const o = require('onnxruntime-node');
  const { model, weights } = nsfwjsModel('inception_v3');
  const m = tp.io.loadTfjsModel(model, { weights });
  const x = tp.tensor(tfjsInput(B, 299), { shape: [B, 299, 299, 3] });
  const s = await o.InferenceSession.create(ONNX, { intraOpNumThreads: T, interOpNumThreads: 1, executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const feeds = { [s.inputNames[0]]: new o.Tensor('float32', Float32Array.from(tfjsInput(B, 299)), [B, 299, 299, 3]) };
  const ours = () => tp.noGrad(() => m.forward(x)).dispose();
  for (let i = 0; i < 3; i++) { ours(); await s.run(feeds); } // folding, packing, first-touch
  const a = [], b = [];
  for (let i = 0; i < R; i++) {
    await pause();
    let t0 = process.hrtime.bigint();
    ours();
    a.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await pause();
    t0 = process.hrtime.bigint();
    await s.run(feeds);
    b.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const best = (v) => Math.min(...v);
  console.log(`threads ${T} batch ${B}: tapeflow median ${med(a).toFixed(1)} ms, best ${best(a).toFixed(1)} | ` +
    `onnxruntime median ${med(b).toFixed(1)}, best ${best(b).toFixed(1)} | ort / tapeflow: median ${(med(b) / med(a)).toFixed(3)}, best ${(best(b) / best(a)).toFixed(3)}`);
  x.dispose();
  m.dispose();
})().catch((e) => { console.error(e.message); process.exit(1); });
