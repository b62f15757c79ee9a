// The seeds' first network, trained eagerly: probs = softmax(relu(x @ w1 + b1) @ w2 + b2),
// TF 1.x style: tp.variable inside tp.nameScope, cross-entropy + L2 on the softmax layer's
// weights, tf.train.GradientDescentOptimizer(0.1).minimize(loss, vars).
// Data: three seeded spiral arms in 2-D (not linearly separable, so the hidden layer matters).
// Run: npm run example:relu-softmax
const tp = require('..');

tp.manualSeed(0);
const CLASSES = 3;
const PER_CLASS = 100;
const HIDDEN = 64;
const STEPS = 1500;
const L2 = 1e-3;

// ---- synthetic data: x [300, 2], labels int32 [300] ----
const N = CLASSES * PER_CLASS;
const noise = tp.randn([N]).mul(0.2).toArray();
const xs = new Float32Array(N * 2);
const ys = new Int32Array(N);
for (let c = 0; c < CLASSES; c++) {
  for (let i = 0; i < PER_CLASS; i++) {
    const k = c * PER_CLASS + i;
    const r = i / PER_CLASS;
    const theta = (c * 2 * Math.PI) / CLASSES + r * 4 + noise[k];
    xs[2 * k] = r * Math.sin(theta);
    xs[2 * k + 1] = r * Math.cos(theta);
    ys[k] = c;
  }
}
const x = tp.tensor(xs, { shape: [N, 2] });
const labels = tp.tensor(ys);

// ---- variables, named by their scopes ----
const [w1, b1] = tp.nameScope('hidden', () => [
  tp.variable(tp.tidy(() => tp.randn([2, HIDDEN]).mul(Math.sqrt(2 / 2))), { name: 'weights' }),
  tp.variable(tp.zeros([HIDDEN]), { name: 'biases' }),
]);
const [w2, b2] = tp.nameScope('softmax_linear', () => [
  tp.variable(tp.tidy(() => tp.randn([HIDDEN, CLASSES]).mul(Math.sqrt(1 / HIDDEN))), { name: 'weights' }),
  tp.variable(tp.zeros([CLASSES]), { name: 'biases' }),
]);
const vars = [w1, b1, w2, b2];
console.log('variables:', vars.map((v) => `${v.name} [${v.shape}]`).join(', '));

// ---- model and loss ----
const logitsOf = (inp) => tp.matmul(tp.relu(tp.matmul(inp, w1).add(b1)), w2).add(b2);
const lossFn = () => tp.nn.functional.crossEntropy(logitsOf(x), labels).add(tp.nn.functional.l2Loss(w2).mul(L2));
const accuracy = () =>
  tp.noGrad(() => tp.tidy(() => tp.softmax(logitsOf(x), -1).argmax(1).eq(labels).cast('float32').mean().item()));

// ---- training ----
const opt = tp.optim.GradientDescentOptimizer(0.1);
const t0 = Date.now();
for (let step = 0; step <= STEPS; step++) {
  const loss = opt.minimize(lossFn, vars);
  if (step % 250 === 0) console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}  train accuracy ${(100 * accuracy()).toFixed(1)}%`);
}
console.log(`final training accuracy: ${(100 * accuracy()).toFixed(1)}% (${N} points, ${CLASSES} classes) in ${Date.now() - t0} ms`);
console.log('live tensors:', tp.memory().numTensors);
