'use strict';
// Convolution rows (issue 9): forward, and forward + dX + dW, of the shapes the issue names.
// GFLOP/s counts 2 N O OH OW (C/groups) KH KW per pass (forward + both gradients: 3 passes).
// bench/torch_bench.py (conv_workloads) times the same calls under the same ids.
const { randn } = require('./cases');

const SHAPES = [
  // id, name, input, [O, C/g, KH, KW], options
  ['conv3x3', 'conv 3x3 [32,32,32,32]->64 pad 1', [32, 32, 32, 32], [64, 32, 3, 3], { padding: 1 }],
  ['conv5x5a', 'conv 5x5 [64,1,28,28]->32 pad 2', [64, 1, 28, 28], [32, 1, 5, 5], { padding: 2 }],
  ['conv5x5b', 'conv 5x5 [64,32,14,14]->64 pad 2', [64, 32, 14, 14], [64, 32, 5, 5], { padding: 2 }],
  ['conv1x1', 'conv 1x1 [32,256,14,14]->64', [32, 256, 14, 14], [64, 256, 1, 1], {}],
  ['conv3x3s2', 'conv 3x3 s2 [32,64,56,56]->128 pad 1', [32, 64, 56, 56], [128, 64, 3, 3], { stride: 2, padding: 1 }],
  ['convdw', 'conv dw 3x3 [32,128,28,28] g128', [32, 128, 28, 28], [128, 1, 3, 3], { padding: 1, groups: 128 }],
];

function outSize(L, k, s, p) {
  return Math.floor((L + 2 * p - k) / s) + 1;
}

const cases = [];
for (const [id, name, xs, ws, o] of SHAPES) {
  const s = o.stride || 1;
  const p = o.padding || 0;
  const flops = 2 * xs[0] * ws[0] * outSize(xs[2], ws[2], s, p) * outSize(xs[3], ws[3], s, p) * ws[1] * ws[2] * ws[3];
  for (const [suffix, label, passes] of [['fwd', 'forward', 1], ['train', 'fwd+dX+dW', 3]]) {
    cases.push({
      id: `${id}_${suffix}`,
      group: 'conv',
      name: `${name} ${label}`,
      torch: `${id}_${suffix}`,
      unit: 'GFLOP/s',
      higher: true,
      fromSeconds: (sec) => (passes * flops) / sec / 1e9,
      ratioKind: 'PyTorch/tapeflow',
      target: null,
      make(tp) {
        if (typeof tp.conv2d !== 'function') throw new Error('tp.conv2d not available');
        const x = randn(tp, xs);
        const w = randn(tp, ws);
        if (suffix === 'fwd') return { fn: () => tp.conv2d(x, w, o).dispose(), done: () => tp.dispose([x, w]) };
        x.requiresGrad = true;
        w.requiresGrad = true;
        const gy = tp.onesLike(tp.noGrad(() => tp.conv2d(x, w, o))); // made once: a fresh one per call would page-fault
        return {
          fn: () => {
            const y = tp.conv2d(x, w, o);
            y.backward(gy);
            tp.dispose([y, x.grad, w.grad]);
            x.grad = null;
            w.grad = null;
          },
          done: () => tp.dispose([x, w, gy]),
        };
      },
    });
  }
}

module.exports = { cases };
