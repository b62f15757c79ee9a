'use strict';
// Normalisation rows (issue 9), wired into bench/run.js; bench/torch_bench.py times the same
// workloads (norm_workloads). `npm run bench -- --only norm` runs only these.
const { randn } = require('./cases');

// batchNorm2d training forward + backward moves 5 tensors of the input's size: the forward reads
// x and writes y, the backward reads x and dy and writes dx (weight / bias / stats are tiny).
const BN_SHAPE = [32, 64, 56, 56];
const BN_BYTES = 5 * 4 * BN_SHAPE.reduce((a, b) => a * b, 1);
// STREAM triad measured on this machine: 35 GB/s on one core (issue 9)
const STREAM_GBPS = 35;

const cases = [
  {
    id: 'norm_bn2d_train',
    group: 'norm',
    name: `batchNorm2d train fwd+bwd [${BN_SHAPE}] (5 x 25.7 MB)`,
    torch: 'norm_bn2d_train',
    unit: 'GB/s',
    higher: true,
    fromSeconds: (s) => BN_BYTES / s / 1e9,
    ratioKind: 'PyTorch/tapeflow',
    target: {
      text: `>= 0.5 STREAM (${STREAM_GBPS / 2} GB/s) @dT`,
      check: (row) => (typeof row.tapeflow.default === 'number' ? row.tapeflow.default >= STREAM_GBPS / 2 : null),
    },
    make(tp) {
      if (typeof tp.nn.BatchNorm2d !== 'function') throw new Error('tp.nn.BatchNorm2d not available');
      const bn = new tp.nn.BatchNorm2d(BN_SHAPE[1]);
      const x = randn(tp, BN_SHAPE).requiresGrad_();
      const gy = randn(tp, BN_SHAPE);
      const params = [x, bn.weight, bn.bias];
      return {
        fn: () => {
          const y = bn.forward(x);
          const gs = tp.grads(y, params, gy);
          tp.dispose([y, ...gs]);
        },
        done: () => {
          tp.dispose([x, gy]);
          bn.dispose();
        },
      };
    },
  },
];

module.exports = { cases };
