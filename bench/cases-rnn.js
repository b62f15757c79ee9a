'use strict';
// Recurrent rows (issue 10): nn.LSTM / nn.GRU, T=50 B=32 I=128 H=256, and a 2-layer bidirectional
// LSTM; forward (no graph) and forward + backward (gradients of the input and every weight).
// GFLOP/s counts the GEMM work: forward 2 T B (I + P) G H per layer and direction, backward twice
// that (dx, dh, dW_ih, dW_hh). bench/torch_bench.py (rnn_workloads) times the same calls.
const { randn } = require('./cases');

const T = 50, B = 32, I = 128, H = 256;
const SHAPES = [
  // id, name, module, gates, layers, bidirectional
  ['lstm', 'LSTM T50 B32 I128 H256', 'LSTM', 4, 1, false],
  ['gru', 'GRU T50 B32 I128 H256', 'GRU', 3, 1, false],
  ['lstm2bi', 'LSTM 2-layer bidir T50 B32 I128 H256', 'LSTM', 4, 2, true],
];

const faster = (text) => ({
  text,
  check: (row) => {
    const r = Object.values(row.ratio);
    return r.length && r.every((x) => typeof x === 'number') ? r.every((x) => x >= 1 / 0.75) : null;
  },
});

function forwardFlops(G, L, bidi) {
  const D = bidi ? 2 : 1;
  let f = 0;
  for (let l = 0; l < L; l++) f += D * 2 * T * B * ((l === 0 ? I : D * H) + H) * G * H;
  return f;
}

const cases = [];
for (const [id, name, cls, G, L, bidi] of SHAPES) {
  const fwd = forwardFlops(G, L, bidi);
  for (const [suffix, label, flops] of [['fwd', 'forward', fwd], ['train', 'fwd+bwd', 3 * fwd]]) {
    cases.push({
      id: `rnn_${id}_${suffix}`,
      group: 'rnn',
      name: `${name} ${label}`,
      torch: `rnn_${id}_${suffix}`,
      unit: 'GFLOP/s',
      higher: true,
      fromSeconds: (sec) => flops / sec / 1e9,
      ratioKind: 'PyTorch/tapeflow',
      target: faster('<= 0.75x PyTorch time'),
      make(tp) {
        if (!tp.nn || typeof tp.nn[cls] !== 'function') throw new Error(`tp.nn.${cls} not available`);
        const m = new tp.nn[cls](I, H, { numLayers: L, bidirectional: bidi });
        const x = randn(tp, [T, B, I]);
        const params = m.parameters();
        if (suffix === 'fwd')
          return { fn: () => tp.dispose(tp.noGrad(() => m.forward(x))), done: () => tp.dispose([x, ...params]) };
        x.requiresGrad = true;
        const gy = randn(tp, [T, B, (bidi ? 2 : 1) * H]);
        const ins = [x, ...params];
        return {
          fn: () => tp.tidy(() => {
            const [y] = m.forward(x);
            tp.grads(y, ins, gy);
          }),
          done: () => tp.dispose([x, gy, ...params]),
        };
      },
    });
  }
}

module.exports = { cases };
