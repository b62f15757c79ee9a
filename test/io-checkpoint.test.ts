// tp.train.CheckpointManager / Saver and tp.save / tp.load: resuming from a checkpoint gives
// exactly (bit for bit) the steps of a run that never stopped; pruning, the index, bad input.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { tp, expectThrowsCode, expectNoLeak } from './helpers';

type T = tp.Tensor;
let root: string;
let n = 0;
const fresh = (): string => path.join(root, `run${n++}`);
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tapeflow-ckpt-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const arr = (t: T): number[] => Array.from(t.dataSync());

function makeModel(): tp.nn.Sequential {
  return new tp.nn.Sequential(new tp.nn.Linear(5, 16), new tp.nn.ReLU(), new tp.nn.Dropout(0.2), new tp.nn.Linear(16, 3));
}

/** One training step on data drawn from the global RNG (so the RNG state matters too); returns the loss. */
function step(m: tp.nn.Sequential, opt: tp.optim.Adam, sched: tp.optim.StepLR): number {
  return tp.tidy(() => {
    const x = tp.randn([8, 5]);
    const y = tp.randint(0, 3, [8]);
    opt.zeroGrad();
    const loss = tp.nn.functional.crossEntropy(m.call(x), y);
    loss.backward();
    opt.step();
    sched.step();
    return loss.item();
  });
}

const params = (m: tp.nn.Module): number[][] => m.parameters().map(arr);

describe('resuming training is exact', () => {
  test('Adam + StepLR + dropout: steps after restore are bit-identical to an uninterrupted run', () => {
    const dir = fresh();
    tp.manualSeed(7);
    const a = makeModel();
    const optA = new tp.optim.Adam(a.parameters(), { lr: 0.01 });
    const schedA = new tp.optim.StepLR(optA, { stepSize: 2, gamma: 0.5 });
    const mgr = new tp.train.CheckpointManager(dir, { model: a, optimizer: optA, scheduler: schedA });
    for (let i = 0; i < 5; i++) step(a, optA, schedA);
    mgr.save(5, { metadata: { epoch: 1, note: 'after 5 steps' } });
    const lossesA: number[] = [];
    for (let i = 0; i < 5; i++) lossesA.push(step(a, optA, schedA));
    const finalA = params(a);

    tp.manualSeed(12345); // a different init and RNG position: restore must bring back all of it
    const b = makeModel();
    const optB = new tp.optim.Adam(b.parameters(), { lr: 0.5 });
    const schedB = new tp.optim.StepLR(optB, { stepSize: 2, gamma: 0.5 });
    tp.randn([3]);
    const mgrB = new tp.train.CheckpointManager(dir, { model: b, optimizer: optB, scheduler: schedB });
    const r = mgrB.restore();
    expect(r).toEqual({ path: path.join(dir, 'ckpt-5.safetensors'), step: 5, metadata: { epoch: 1, note: 'after 5 steps' } });
    expect(optB.paramGroups[0].lr).toBe(0.01 * 0.25); // StepLR(2, 0.5) after 5 steps, from the checkpoint
    const lossesB: number[] = [];
    for (let i = 0; i < 5; i++) lossesB.push(step(b, optB, schedB));
    expect(lossesB).toEqual(lossesA); // exact, not close
    expect(params(b)).toEqual(finalA);
    expect(optB.paramGroups[0].lr).toBe(optA.paramGroups[0].lr);

    // the test can tell: without the optimizer state, or without the RNG state, the steps differ
    for (const parts of [{ model: b, scheduler: schedB }, { model: b, optimizer: optB, scheduler: schedB, rng: false }]) {
      tp.manualSeed(99);
      optB.dispose(); // drop the live Adam moments; the first variant then starts them afresh
      new tp.train.CheckpointManager(dir, parts).restore();
      const l = [0, 1, 2].map(() => step(b, optB, schedB));
      expect(l).not.toEqual(lossesA.slice(0, 3));
    }
    [a, b].forEach((m) => m.dispose());
    optA.dispose();
    optB.dispose();
  });

  test('save and restore leak nothing', () => {
    const dir = fresh();
    const m = makeModel();
    const opt = new tp.optim.Adam(m.parameters());
    const sched = new tp.optim.StepLR(opt, { stepSize: 2 });
    step(m, opt, sched);
    const mgr = new tp.train.CheckpointManager(dir, { model: m, optimizer: opt, maxToKeep: 2 });
    expectNoLeak(() => {
      for (let i = 0; i < 3; i++) mgr.save(i);
      mgr.restore();
    });
    m.dispose();
    opt.dispose();
  });

  test('the checkpoint holds torch-named model keys, the optimizer state per param index, and metadata', () => {
    const dir = fresh();
    const m = makeModel();
    const opt = new tp.optim.Adam(m.parameters());
    const sched = new tp.optim.StepLR(opt, { stepSize: 2 });
    step(m, opt, sched);
    const file = new tp.train.CheckpointManager(dir, { model: m, optimizer: opt }).save(1);
    const { tensors, metadata } = tp.io.loadSafetensorsWithMetadata(file);
    expect(Object.keys(tensors).sort()).toEqual(
      ['model.0.weight', 'model.0.bias', 'model.3.weight', 'model.3.bias', ...[0, 1, 2, 3].flatMap((i) => [`optimizer.state.${i}.expAvg`, `optimizer.state.${i}.expAvgSq`])].sort(),
    );
    expect(metadata!.format).toBe('tapeflow.checkpoint.v1');
    expect(metadata!.step).toBe('1');
    const o = JSON.parse(metadata!.optimizer);
    expect(o.paramGroups[0].params).toEqual([0, 1, 2, 3]);
    expect(o.scalars['0']).toEqual({ step: 1 });
    Object.values(tensors).forEach((t) => t.dispose());
    m.dispose();
    opt.dispose();
  });
});

describe('CheckpointManager', () => {
  test('keeps the newest maxToKeep, writes the index, auto-numbers, survives a new manager', () => {
    const dir = fresh();
    const m = new tp.nn.Linear(2, 2);
    const mgr = new tp.train.CheckpointManager(dir, { model: m, maxToKeep: 3 });
    expect(mgr.latestCheckpoint).toBeNull();
    expect(mgr.restore()).toBeNull();
    for (let s = 0; s < 7; s++) mgr.save(s * 10);
    expect(mgr.checkpoints).toEqual([40, 50, 60].map((s) => path.join(dir, `ckpt-${s}.safetensors`)));
    expect(fs.readdirSync(dir).sort()).toEqual(['checkpoint.json', 'ckpt-40.safetensors', 'ckpt-50.safetensors', 'ckpt-60.safetensors']);
    expect(tp.train.latestCheckpoint(dir)).toBe(path.join(dir, 'ckpt-60.safetensors'));
    const again = new tp.train.CheckpointManager(dir, { model: m, maxToKeep: 3 });
    expect(again.latestCheckpoint).toBe(path.join(dir, 'ckpt-60.safetensors'));
    expect(again.save()).toBe(path.join(dir, 'ckpt-61.safetensors'));
    expect(again.checkpoints.length).toBe(3);
    // saving the same step again replaces it (no duplicate entry)
    again.save(61);
    expect(again.checkpoints.map((p) => path.basename(p))).toEqual(['ckpt-50.safetensors', 'ckpt-60.safetensors', 'ckpt-61.safetensors']);
    const all = new tp.train.CheckpointManager(fresh(), { model: m, maxToKeep: null });
    for (let s = 0; s < 8; s++) all.save(s);
    expect(all.checkpoints.length).toBe(8);
    expect(tp.train.latestCheckpoint(path.join(root, 'nothing-here'))).toBeNull();
    m.dispose();
  });

  test('restore an older checkpoint by path; restore into a model of another shape fails and changes nothing', () => {
    const dir = fresh();
    const m = new tp.nn.Linear(2, 2);
    const mgr = new tp.train.CheckpointManager(dir, { model: m });
    const w0 = arr(m.weight);
    const p0 = mgr.save(0);
    tp.noGrad(() => m.weight.mul_(2));
    mgr.save(1);
    expect(mgr.restore(p0)!.step).toBe(0);
    expect(arr(m.weight)).toEqual(w0);
    const other = new tp.nn.Linear(2, 3);
    const before = arr(other.weight);
    expectThrowsCode(() => new tp.train.CheckpointManager(dir, { model: other }).restore(), 'ERR_SHAPE', /size mismatch for 'weight'/);
    expect(arr(other.weight)).toEqual(before);
    m.dispose();
    other.dispose();
  });

  test('removes temporary files left by a killed save (dead process only)', () => {
    const dir = fresh();
    fs.mkdirSync(dir);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const stale = path.join(dir, `.ckpt-3.safetensors.tmp-${dead}-abc`);
    const live = path.join(dir, `.ckpt-4.safetensors.tmp-${process.pid}-abc`);
    fs.writeFileSync(stale, 'partial');
    fs.writeFileSync(live, 'in progress');
    const m = new tp.nn.Linear(1, 1);
    new tp.train.CheckpointManager(dir, { model: m });
    expect(fs.existsSync(stale)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    m.dispose();
  });

  test('bad arguments and bad files', () => {
    const m = new tp.nn.Linear(1, 1);
    const dir = fresh();
    const C = tp.train.CheckpointManager;
    expectThrowsCode(() => new C('', { model: m }), 'ERR_ARGUMENT', /directory must be a non-empty string/);
    expectThrowsCode(() => new C(dir, null as never), 'ERR_ARGUMENT', /options must be an object/);
    expectThrowsCode(() => new C(dir, { model: m, maxToKeep: 0 }), 'ERR_ARGUMENT', /maxToKeep must be a positive integer/);
    expectThrowsCode(() => new C(dir, { model: m, maxToKeep: 1.5 }), 'ERR_ARGUMENT', /maxToKeep/);
    expectThrowsCode(() => new C(dir, {}), 'ERR_ARGUMENT', /give a model and\/or an optimizer/);
    expectThrowsCode(() => new C(dir, { model: {} as never }), 'ERR_ARGUMENT', /model must be an nn.Module/);
    expectThrowsCode(() => new C(dir, { model: m, prefix: '../x' }), 'ERR_ARGUMENT', /prefix must be a plain file name/);
    const mgr = new C(dir, { model: m });
    expectThrowsCode(() => mgr.save(-1), 'ERR_ARGUMENT', /step must be a non-negative integer, got -1/);
    expectThrowsCode(() => mgr.save(1.5), 'ERR_ARGUMENT', /step must be/);
    expectThrowsCode(() => mgr.save(1, { metadata: { n: 1n } }), 'ERR_ARGUMENT', /options.metadata cannot be stored as JSON/);
    // a plain safetensors file is not a checkpoint
    const plain = path.join(root, 'plain.safetensors');
    tp.save(m, plain);
    expectThrowsCode(() => mgr.restore(plain), 'ERR_FORMAT', /plain\.safetensors: is not a tapeflow checkpoint/);
    // a corrupt index
    fs.mkdirSync(path.join(root, 'badindex'));
    fs.writeFileSync(path.join(root, 'badindex', 'checkpoint.json'), '{"checkpoints": [{"file": "../../etc/passwd", "step": 1}]}');
    expectThrowsCode(() => new C(path.join(root, 'badindex'), { model: m }), 'ERR_FORMAT', /checkpoint\.json: must be \{ checkpoints/);
    fs.writeFileSync(path.join(root, 'badindex', 'checkpoint.json'), '{');
    expectThrowsCode(() => tp.train.latestCheckpoint(path.join(root, 'badindex')), 'ERR_FORMAT', /is not valid JSON/);
    // hostile metadata in a file that claims to be a checkpoint
    const w = tp.zeros([1, 1]);
    const forged = path.join(root, 'forged.safetensors');
    const base = { format: 'tapeflow.checkpoint.v1', step: '1' };
    const sgd = new tp.optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
    const forgeries: [Record<string, string>, RegExp][] = [
      [{ ...base, optimizer: '{' }, /'optimizer' is not valid JSON/],
      [{ ...base, optimizer: '{"paramGroups":[{"params":["__proto__"]}],"scalars":{}}' }, /each param group needs params/],
      [{ ...base, optimizer: '{"paramGroups":[{"params":[0,1]}],"scalars":{"0":{"__proto__":1}}}' }, /state "__proto__" of parameter 0 must be a number/],
      [{ ...base, optimizer: '{"paramGroups":[{"params":[0,1]}],"scalars":{"x":{}}}' }, /bad scalar state for parameter "x"/],
      [{ ...base, step: '1.5', optimizer: '{"paramGroups":[{"params":[0,1],"lr":0.1,"momentum":0.9}],"scalars":{}}' }, /step "1.5" is not an integer/],
      [{ ...base, rng: '{"seed": 5}', optimizer: '{"paramGroups":[{"params":[0,1],"lr":0.1}],"scalars":{}}' }, /'rng' must hold \{ seed, offset \}/],
    ];
    for (const [meta, msg] of forgeries) {
      tp.io.saveSafetensors({ 'model.weight': w, 'model.bias': tp.zeros([1]) }, forged, { metadata: meta });
      expectThrowsCode(() => new C(dir, { model: m, optimizer: sgd }).restore(forged), 'ERR_FORMAT', msg);
    }
    tp.io.saveSafetensors({ 'optimizer.state.0.__proto__': w }, forged, { metadata: base });
    expectThrowsCode(() => new C(dir, { model: m }).restore(forged), 'ERR_FORMAT', /tensor "optimizer.state.0.__proto__": is not a name a checkpoint holds/);
    w.dispose();
    // an optimizer checkpoint needs an optimizer entry
    const opt = new tp.optim.SGD(m.parameters(), { lr: 0.1 });
    expectThrowsCode(() => new C(dir, { model: m, optimizer: opt }).restore(mgr.save(3)), 'ERR_ARGUMENT', /holds no optimizer state/);
    m.dispose();
  });
});

describe('Saver (TF) and tp.save / tp.load', () => {
  test('Saver.save(prefix, { globalStep }) / restore, maxToKeep', () => {
    const dir = fresh();
    const m = new tp.nn.Linear(3, 2);
    const opt = new tp.optim.Adam(m.parameters());
    const saver = new tp.train.Saver({ model: m, optimizer: opt, maxToKeep: 2 });
    const files = [1, 2, 3].map((s) => saver.save(path.join(dir, 'model'), { globalStep: s * 100 }));
    expect(files[2]).toBe(path.join(dir, 'model-300.safetensors'));
    expect(fs.existsSync(files[0])).toBe(false);
    expect(tp.train.latestCheckpoint(dir)).toBe(files[2]);
    const w = arr(m.weight);
    tp.noGrad(() => m.weight.add_(1));
    expect(saver.restore(files[2]).step).toBe(300);
    expect(arr(m.weight)).toEqual(w);
    expect(saver.save(path.join(dir, 'plain'))).toBe(path.join(dir, 'plain.safetensors'));
    expectThrowsCode(() => saver.save(path.join(dir, 'm'), { globalStep: -3 }), 'ERR_ARGUMENT', /globalStep must be a non-negative integer/);
    expectThrowsCode(() => new tp.train.Saver({ model: 3 as never }), 'ERR_ARGUMENT', /model must be/);
    m.dispose();
    opt.dispose();
  });

  test('tp.save(module) / module.loadStateDict(tp.load(path)) with buffers (BatchNorm running stats)', () => {
    const file = path.join(root, 'bn.safetensors');
    const m = new tp.nn.Sequential(new tp.nn.Conv2d(2, 3, 3), new tp.nn.BatchNorm2d(3));
    m.call(tp.randn([2, 2, 5, 5])); // training mode: running stats move
    tp.save(m, file);
    const m2 = new tp.nn.Sequential(new tp.nn.Conv2d(2, 3, 3), new tp.nn.BatchNorm2d(3));
    const sd = tp.load(file);
    expect(Object.keys(sd).sort()).toEqual(['0.bias', '0.weight', '1.bias', '1.num_batches_tracked', '1.running_mean', '1.running_var', '1.weight']);
    m2.loadStateDict(sd);
    for (const [k, t] of Object.entries(m.stateDict())) expect([k, arr(m2.stateDict()[k])]).toEqual([k, arr(t)]);
    Object.values(sd).forEach((t) => t.dispose());
    tp.save({ w: m2.stateDict()['0.weight'] }, file, { dtype: 'bfloat16' });
    expect(tp.load(file).w.shape).toEqual([3, 2, 3, 3]);
    expectThrowsCode(() => tp.save(tp.ones([1]) as never, file), 'ERR_ARGUMENT', /^save: expected a module or a state dict .* got a single Tensor/);
    expectThrowsCode(() => tp.save(5 as never, file), 'ERR_ARGUMENT', /^save: expected a module or a state dict/);
    expectThrowsCode(() => tp.save({ a: 1 } as never, file), 'ERR_ARGUMENT', /^save: 'a' must be a Tensor/);
    m.dispose();
    m2.dispose();
  });
});
