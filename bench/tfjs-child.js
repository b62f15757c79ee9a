'use strict';
// Child of bench/cases-pretrained.js: `node bench/tfjs-child.js tfjs|ort BATCH REPS [THREADS ONNX]`
// runs nsfwjs's Inception v3 in @tensorflow/tfjs (pure-JS cpu backend; single-threaded) or in
// onnxruntime-node (the ONNX export of the same weights by bench/export_inception_onnx.py, CPU
// execution provider with THREADS intra-op threads), one warm-up forward and REPS timed ones, and
// prints the median seconds per forward on its last line.
const { nsfwjsModel, tfjsInput } = require('../test/fixtures/tfjs-input');

const median = (t) => t.slice().sort((a, b) => a - b)[t.length >> 1];

async function tfjs(batch, reps) {
  const tf = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const { model, weights } = nsfwjsModel('inception_v3');
  const m = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: model.modelTopology,
    weightSpecs: model.weightsManifest.flatMap((g) => g.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  }));
  const x = tf.tensor(tfjsInput(batch, 299), [batch, 299, 299, 3]);
  const once = () => { const t0 = process.hrtime.bigint(); const y = m.predict(x); y.dataSync(); y.dispose(); return Number(process.hrtime.bigint() - t0) / 1e9; };
  once();
  const t = [];
  for (let i = 0; i < reps; i++) t.push(once());
  return median(t);
}

async function ort(batch, reps, threads, file) {
  const o = require('onnxruntime-node');
  const s = await o.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const feeds = { input_1: new o.Tensor('float32', tfjsInput(batch, 299), [batch, 299, 299, 3]) };
  const once = async () => { const t0 = process.hrtime.bigint(); await s.run(feeds); return Number(process.hrtime.bigint() - t0) / 1e9; };
  for (let i = 0; i < 3; i++) await once(); // as tapeflow's row: three warm-up runs
  const t = [];
  for (let i = 0; i < reps; i++) t.push(await once());
  return median(t);
}

(async () => {
  const [kind, batch, reps, threads, file] = process.argv.slice(2);
  const s = kind === 'ort' ? await ort(Number(batch), Number(reps), Number(threads), file) : await tfjs(Number(batch), Number(reps));
  console.log(s);
})();
