'use strict';
// Pooling rows (issue 9): maxPool2d 2x2 stride 2 on [32,64,56,56] float32, forward (inference:
// values only) and forward + backward (indices saved, gradient scattered through them). GB/s
// count each tensor read or written once: forward x + y; forward + backward x + y + indices
// (written, then read) + dy + dx. The target is half the STREAM triad of one core here (35 GB/s).
// bench/torch_bench.py times the same ids (pool_workloads).

const SHAPE = [32, 64, 56, 56];
const IN = SHAPE.reduce((a, b) => a * b, 1) * 4;
const OUT = IN / 4;
const STREAM_HALF = 17.5;

function randn(tp, shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.random() * 2 - 1;
  return tp.tensor(data, { shape });
}

const GBPS = (bytes) => ({ unit: 'GB/s', higher: true, fromSeconds: (s) => bytes / s / 1e9 });
const oneThreadAtLeast = (min, text) => ({
  text,
  check: (row) => (typeof row.tapeflow['1'] === 'number' ? row.tapeflow['1'] >= min : null),
});

const cases = [
  {
    id: 'maxpool2d_fwd',
    group: 'pool',
    name: 'maxPool2d 2x2 fwd [32,64,56,56]',
    torch: 'maxpool2d_fwd',
    ...GBPS(IN + OUT),
    ratioKind: 'PyTorch/tapeflow',
    target: oneThreadAtLeast(STREAM_HALF, '>= 0.5 STREAM @1T'),
    make(tp) {
      if (typeof tp.maxPool2d !== 'function') throw new Error('tp.maxPool2d not available');
      const x = randn(tp, SHAPE);
      return { fn: () => tp.maxPool2d(x, 2).dispose(), done: () => x.dispose() };
    },
  },
  {
    id: 'maxpool2d_fwdbwd',
    group: 'pool',
    name: 'maxPool2d 2x2 fwd+bwd [32,64,56,56]',
    torch: 'maxpool2d_fwdbwd',
    ...GBPS(2 * IN + 4 * OUT),
    ratioKind: 'PyTorch/tapeflow',
    target: oneThreadAtLeast(STREAM_HALF, '>= 0.5 STREAM @1T'),
    make(tp) {
      if (typeof tp.maxPool2d !== 'function') throw new Error('tp.maxPool2d not available');
      const x = randn(tp, SHAPE).requiresGrad_();
      const gy = randn(tp, [32, 64, 28, 28]);
      return {
        fn: () => {
          const y = tp.maxPool2d(x, 2);
          const [gx] = tp.grads(y, [x], gy);
          tp.dispose([y, gx]);
        },
        done: () => tp.dispose([x, gy]),
      };
    },
  },
];

module.exports = { cases };
