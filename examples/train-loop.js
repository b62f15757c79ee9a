// The examples' training loop: epochs of shuffled mini-batches with a live progress bar on a
// TTY (plain lines otherwise), loss and training accuracy per epoch, and a test accuracy.
const tp = require('..');
const cliProgress = require('cli-progress');

/**
 * step(xb, yb) runs one optimisation step inside a tidy and returns { loss, logits };
 * the loop disposes the batch and everything the step made that it does not keep.
 */
function fit({ xTrain, yTrain, epochs, batchSize, seed, step }) {
  const n = xTrain.shape[0];
  const batches = tp.data.batches(xTrain, yTrain, { batchSize, shuffle: true, seed });
  const isTTY = !!process.stdout.isTTY;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const bar = isTTY
      ? new cliProgress.SingleBar(
          { format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} | loss {loss} | acc {acc}% | {rate} samples/s`, hideCursor: true, etaBuffer: 20 },
          cliProgress.Presets.shades_classic,
        )
      : null;
    if (bar) bar.start(n, 0, { loss: '-', acc: '-', rate: '-' });
    const start = Date.now();
    let seen = 0;
    let correct = 0;
    let lossSum = 0;
    for (const [xb, yb] of batches) {
      tp.tidy(() => {
        const { loss, logits } = step(xb, yb);
        const b = xb.shape[0];
        lossSum += loss.item() * b;
        correct += tp.noGrad(() => logits.argmax(1).eq(yb).sum().item());
        seen += b;
        xb.dispose();
        yb.dispose();
      });
      const secs = (Date.now() - start) / 1000;
      if (bar) bar.update(seen, { loss: (lossSum / seen).toFixed(4), acc: ((100 * correct) / seen).toFixed(1), rate: secs > 0 ? Math.round(seen / secs) : '-' });
    }
    const secs = (Date.now() - start) / 1000;
    const summary = `loss ${(lossSum / seen).toFixed(4)} | acc ${((100 * correct) / seen).toFixed(1)}% | ${Math.round(seen / secs)} samples/s`;
    if (bar) bar.stop();
    else console.log(`epoch ${epoch}/${epochs} ${seen}/${n} | ${summary}`);
  }
}

/** Accuracy of predict(x) (logits) against labels, in batches of 500 with recording off. */
function accuracy(predict, x, y) {
  let correct = 0;
  const n = x.shape[0];
  tp.noGrad(() => {
    for (let i = 0; i < n; i += 500) {
      tp.tidy(() => {
        const m = Math.min(500, n - i);
        correct += predict(x.slice(i, m)).argmax(1).eq(y.slice(i, m)).sum().item();
      });
    }
  });
  return correct / n;
}

module.exports = { fit, accuracy };
