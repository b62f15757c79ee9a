// The "Deep MNIST for experts" network of the TensorFlow tutorials on real MNIST digits (the
// seeded 8,000 / 2,000 split of the digits bundled with the `mnist` package, as mnist-mlp.js):
// conv 5x5 32 -> ReLU -> max pool 2 -> conv 5x5 64 -> ReLU -> max pool 2 -> fc 1024 -> ReLU
// -> dropout 0.5 -> fc 10, Adam (lr 1e-3: the tutorial's 1e-4 is for 55,000 images), batch 50.
//   npm run example:mnist-cnn              PyTorch style: NCHW, nn.Conv2d / nn.MaxPool2d modules
//   npm run example:mnist-cnn -- --tf      TensorFlow style: NHWC, tf names (W_conv1, b_conv1, …),
//                                          truncated-normal weights, tp.conv2d(…, { dataFormat: 'NHWC' })
// EPOCHS=n changes the number of epochs; --logdir runs/mnist logs loss and accuracy for TensorBoard.
const tp = require('..');
const { loadMnist } = require('./mnist-data');
const { fit, accuracy, openWriter } = require('./train-loop');

const SEED = 0;
const EPOCHS = Number(process.env.EPOCHS || 12);
const BATCH = 50;
const TF = process.argv.includes('--tf') || process.env.STYLE === 'tf';
const t0 = Date.now();
tp.manualSeed(SEED);

const { xTrain, yTrain, xTest, yTest } = loadMnist(SEED);
console.log(`MNIST: ${xTrain.shape[0]} train / ${xTest.shape[0]} test images (${TF ? 'TensorFlow' : 'PyTorch'} style)`);

// ---- PyTorch style: modules, NCHW ----
class DeepMnist extends tp.nn.Module {
  constructor() {
    super();
    this.conv1 = new tp.nn.Conv2d(1, 32, 5, { padding: 2 });
    this.conv2 = new tp.nn.Conv2d(32, 64, 5, { padding: 2 });
    this.pool = new tp.nn.MaxPool2d(2);
    this.fc1 = new tp.nn.Linear(7 * 7 * 64, 1024);
    this.dropout = new tp.nn.Dropout(0.5);
    this.fc2 = new tp.nn.Linear(1024, 10);
  }
  forward(x) {
    let h = x.reshape([-1, 1, 28, 28]);
    h = this.pool.forward(this.conv1.forward(h).relu());
    h = this.pool.forward(this.conv2.forward(h).relu());
    h = this.dropout.forward(this.fc1.forward(h.flatten(1)).relu());
    return this.fc2.forward(h);
  }
}

// ---- TensorFlow style: variables with the tutorial's names and initialisers, NHWC ----
function tfModel() {
  const weight = (shape, name) => tp.variable(tp.truncatedNormal(shape, 0, 0.1), { name });
  const bias = (shape, name) => tp.variable(tp.full(shape, 0.1), { name });
  const v = {
    W_conv1: weight([5, 5, 1, 32], 'W_conv1'), b_conv1: bias([32], 'b_conv1'),
    W_conv2: weight([5, 5, 32, 64], 'W_conv2'), b_conv2: bias([64], 'b_conv2'),
    W_fc1: weight([7 * 7 * 64, 1024], 'W_fc1'), b_fc1: bias([1024], 'b_fc1'),
    W_fc2: weight([1024, 10], 'W_fc2'), b_fc2: bias([10], 'b_fc2'),
  };
  const conv2d = (x, W) => tp.conv2d(x, W, { stride: [1, 1, 1, 1], padding: 'SAME', dataFormat: 'NHWC' });
  const maxPool2x2 = (x) => tp.nn.functional.maxPool(x, [1, 2, 2, 1], [1, 2, 2, 1], 'SAME', { dataFormat: 'NHWC' });
  let training = true;
  return {
    parameters: () => Object.values(v),
    train: (on = true) => { training = on; },
    forward(x) {
      const xImage = x.reshape([-1, 28, 28, 1]);
      const hPool1 = maxPool2x2(conv2d(xImage, v.W_conv1).add(v.b_conv1).relu());
      const hPool2 = maxPool2x2(conv2d(hPool1, v.W_conv2).add(v.b_conv2).relu());
      const hFc1 = hPool2.reshape([-1, 7 * 7 * 64]).matmul(v.W_fc1).add(v.b_fc1).relu();
      const hDrop = training ? tp.nn.functional.dropout(hFc1, { p: 0.5, training }) : hFc1;
      return hDrop.matmul(v.W_fc2).add(v.b_fc2);
    },
  };
}

const model = TF ? tfModel() : new DeepMnist();
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

model.train(false);
const testAcc = accuracy((x) => model.forward(x), xTest, yTest);
console.log(`test accuracy: ${(100 * testAcc).toFixed(2)}% (${xTest.shape[0]} images)`);
if (writer) {
  writer.addScalar('epoch/test_accuracy', testAcc, EPOCHS);
  writer.addGraph(model, xTest.slice(0, 1)); // after training: the pass must not draw from the RNG the run uses
  writer.close();
  console.log(`TensorBoard logs in ${writer.logdir}: tensorboard --logdir ${writer.logdir}`);
}
console.log(`wall time: ${((Date.now() - t0) / 1000).toFixed(1)} s, live tensors: ${tp.memory().numTensors}`);
