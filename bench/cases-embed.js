'use strict';
// Issue 10 embedding row: one skip-gram training step with NCE loss (batch 128, vocabulary
// 50,000, dimension 128, 64 log-uniform negatives drawn with replacement), all three tables
// with row-sparse gradients and plain SGD — the model of bench/skipgram_torch.py, which
// bench/torch_bench.py times as "skipgram_nce". Words/s = batch / step time; the target is
// >= 2x PyTorch's words/s.

const BATCH = 128;
const VOCAB = 50000;
const DIM = 128;
const SAMPLED = 64;

function zipfIds(n) {
  const logRange = Math.log(VOCAB + 1);
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.min(VOCAB - 1, Math.max(0, Math.floor(Math.exp(Math.random() * logRange)) - 1));
  return a;
}

const cases = [
  {
    id: 'skipgram_nce',
    group: 'embed',
    name: `skip-gram NCE step B=${BATCH} V=${VOCAB / 1000}k D=${DIM} S=${SAMPLED}`,
    torch: 'skipgram_nce',
    unit: 'words/s',
    higher: true,
    fromSeconds: (s) => BATCH / s,
    ratioKind: 'tapeflow/PyTorch',
    target: {
      text: '>= 2x PyTorch words/s',
      check: (row) => (typeof row.ratio['1'] === 'number' ? row.ratio['1'] >= 2 : null),
    },
    make(tp) {
      if (typeof tp.nceLoss !== 'function') throw new Error('tp.nceLoss not available');
      const emb = new tp.nn.Embedding(VOCAB, DIM, { sparse: true });
      const nceW = tp.variable(tp.mul(tp.randn([VOCAB, DIM]), 1 / Math.sqrt(DIM)));
      const nceB = tp.variable(tp.zeros([VOCAB]));
      const opt = new tp.optim.SGD([emb.weight, nceW, nceB], { lr: 1 });
      const center = tp.tensor(zipfIds(BATCH), { shape: [BATCH], dtype: 'int32' });
      const context = tp.tensor(zipfIds(BATCH), { shape: [BATCH, 1], dtype: 'int32' });
      const step = () => {
        tp.tidy(() => {
          const sampledValues = tp.random.logUniformCandidateSampler(context, 1, SAMPLED, false, VOCAB);
          const x = emb.forward(center);
          const loss = tp.mean(tp.nceLoss(nceW, nceB, context, x, SAMPLED, VOCAB, { sampledValues, sparse: true }));
          loss.backward();
        });
        opt.step();
        opt.zeroGrad();
      };
      // warm-up (JIT, the allocator's free lists, first touch of the tables' rows): benchmark.js
      // runs a single call before sampling, which left the first (1-thread) figure noisy
      for (let i = 0; i < 50; i++) step();
      return {
        fn: step,
        done: () => {
          opt.dispose();
          emb.dispose();
          tp.dispose([nceW, nceB, center, context]);
        },
      };
    },
  },
];

module.exports = { cases };
