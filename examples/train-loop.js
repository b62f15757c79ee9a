// The examples' training loop: epochs of shuffled mini-batches with a live progress bar on a
// TTY (plain lines otherwise), loss and training accuracy per epoch, and a test accuracy.
const tp = require('..');
const cliProgress = require('cli-progress');

/**
 * `--logdir DIR` (or --logdir=DIR) on the command line: a TensorBoard SummaryWriter on DIR,
 * else null. View with `tensorboard --logdir DIR`.
 */
function openWriter(argv = process.argv) {
  const i = argv.findIndex((a) => a === '--logdir' || a.startsWith('--logdir='));
  if (i < 0) return null;
  const dir = argv[i].includes('=') ? argv[i].slice('--logdir='.length) : argv[i + 1];
  if (!dir || dir.startsWith('--')) throw new Error('--logdir needs a directory, e.g. --logdir runs/mnist');
  return new tp.summary.SummaryWriter(dir, { flushSecs: 10 });
}

/**
 * step(xb, yb) runs one optimisation step inside a tidy and returns { loss, logits };
 * the loop disposes the batch and everything the step made that it does not keep. With a
 * writer (openWriter), logs the batch loss and accuracy at every step and the epoch's means.
 */
function fit({ xTrain, yTrain, epochs, batchSize, seed, step, writer = null }) {
  const n = xTrain.shape[0];
  const batches = tp.data.batches(xTrain, yTrain, { batchSize, shuffle: true, seed });
  const isTTY = !!process.stdout.isTTY;
  let globalStep = 0;
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
        const l = loss.item();
        const c = tp.noGrad(() => logits.argmax(1).eq(yb).sum().item());
        lossSum += l * b;
        correct += c;
        if (writer) {
          writer.addScalar('batch/loss', l, globalStep);
          writer.addScalar('batch/accuracy', c / b, globalStep);
        }
        globalStep++;
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
    if (writer) {
      writer.addScalar('epoch/loss', lossSum / seen, epoch);
      writer.addScalar('epoch/accuracy', correct / seen, epoch);
      writer.flush();
    }
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

module.exports = { fit, accuracy, openWriter };
