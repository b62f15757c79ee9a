// Child of test/io-kill.test.ts: saves checkpoints in a loop until it is killed with SIGKILL.
// It runs lib/ (TypeScript) through a small require hook built on typescript.transpileModule,
// with the output cached in the OS temp dir, so 50 children start quickly.
// argv: <dir> ; prints "saved <step>" after each completed save.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
// typescript itself is loaded only on a cache miss (it alone takes ~250 ms to load)
const tsVersion = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
const cacheDir = path.join(os.tmpdir(), `tapeflow-ts-cache-${tsVersion}`);
fs.mkdirSync(cacheDir, { recursive: true });
require.extensions['.ts'] = (module, filename) => {
  const src = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha1').update(filename).update(src).digest('hex');
  const cached = path.join(cacheDir, key + '.js');
  let js;
  try {
    js = fs.readFileSync(cached, 'utf8');
  } catch {
    const ts = require('typescript');
    js = ts.transpileModule(src, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    }).outputText;
    const tmp = `${cached}.${process.pid}`;
    fs.writeFileSync(tmp, js);
    fs.renameSync(tmp, cached);
  }
  module._compile(js, filename);
};

const tp = require('../lib');
const dir = process.argv[2];
// 2 MB of parameters: a save takes long enough that kills land in every phase of it
const model = new tp.nn.Sequential(new tp.nn.Linear(512, 1000), new tp.nn.Linear(1000, 8));
const opt = new tp.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
const mgr = new tp.train.CheckpointManager(dir, { model, optimizer: opt, maxToKeep: 2 });
let step = 0;
// one real step, so the checkpoints carry optimizer state tensors (momentum buffers) too
model.parameters().forEach((p) => (p.grad = tp.onesLike(p)));
opt.step();
const latest = mgr.latestCheckpoint;
if (latest) step = mgr.restore().step + 1;
for (;;) {
  // every value of checkpoint N is N: the parent checks each file is whole and consistent
  tp.noGrad(() => model.parameters().forEach((p) => p.fill_(step)));
  mgr.save(step, { metadata: { step } });
  fs.writeSync(1, `saved ${step}\n`);
  step++;
}
