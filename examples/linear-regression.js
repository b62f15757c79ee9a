// Linear regression with Adam, eagerly: fit y = w·x + b to y = x + 20·sin(x/10) + noise.
// Run: npm run example:linear-regression
const tp = require('..');

tp.manualSeed(1);
const n = 200;
const x = tp.linspace(0, 100, n).reshape([n, 1]);
const y = tp.tidy(() => x.add(tp.sin(x.div(10)).mul(20)).add(tp.randn([n, 1])));

const w = tp.zeros([1, 1], { requiresGrad: true });
const b = tp.zeros([1], { requiresGrad: true });
const opt = new tp.optim.Adam([w, b], { lr: 0.5 });

// Centre x so the two parameters are well conditioned.
const xc = tp.tidy(() => x.sub(x.mean()));
for (let step = 1; step <= 600; step++) {
  const loss = opt.minimize(() => tp.mean(tp.square(tp.matmul(xc, w).add(b).sub(y))));
  if (step % 100 === 0) console.log(`step ${step}  mse ${loss.toFixed(3)}`);
}
const slope = w.item();
const intercept = b.item() - slope * x.mean().item();
console.log(`fitted line: y = ${slope.toFixed(4)}·x + ${intercept.toFixed(4)}`);
