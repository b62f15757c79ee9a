'use strict';
// Child of bench/cases-pretrained.js: `node bench/tfjs-child.js BATCH REPS` loads nsfwjs's
// Inception v3 in @tensorflow/tfjs (pure-JS cpu backend), runs one warm-up forward and REPS timed
// ones, and prints the median seconds per forward on its last line.
const tf = require('@tensorflow/tfjs');
const { nsfwjsModel, tfjsInput } = require('../test/fixtures/tfjs-input');

(async () => {
  await tf.setBackend('cpu');
  const batch = Number(process.argv[2] || 1);
  const reps = Number(process.argv[3] || 2);
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
  t.sort((a, b) => a - b);
  console.log(t[t.length >> 1]);
})();
