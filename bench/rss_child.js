'use strict';
// Child of the `rss` bench row: 20,000 training steps of a 784-128-10 MLP (batch 32, random data,
// SGD) with NO dispose/tidy anywhere; prints JSON { rssWarmMB, rssEndMB, growthMB, numTensors }.
const tp = require('../dist');
const STEPS = 20000;
const WARM = 1000;
const B = 32;
const x = tp.tensor(Float32Array.from({ length: B * 784 }, () => Math.random() * 2 - 1), { shape: [B, 784] });
const y = tp.tensor(Int32Array.from({ length: B }, () => Math.floor(Math.random() * 10)));
const model = new tp.nn.Sequential(new tp.nn.Linear(784, 128), new tp.nn.ReLU(), new tp.nn.Linear(128, 10));
const opt = new tp.optim.SGD(model.parameters(), { lr: 0.01 });
let warm = 0;
const t0 = Date.now();
for (let i = 1; i <= STEPS; i++) {
  opt.zeroGrad();
  tp.nn.functional.crossEntropy(model.forward(x), y).backward();
  opt.step();
  if (i === WARM) warm = process.memoryUsage().rss;
}
const end = process.memoryUsage().rss;
const MB = 1024 * 1024;
console.log(JSON.stringify({
  steps: STEPS, threads: tp.getNumThreads(), rssWarmMB: warm / MB, rssEndMB: end / MB,
  growthMB: (end - warm) / MB, numTensors: tp.memory().numTensors, seconds: (Date.now() - t0) / 1000,
}));
