// Event files: TFRecord framing and CRCs, TensorBoard's field numbers (read raw, not through
// lib/summary/proto.ts), scalars, addScalars runs, text, hparams, flushing and errors.
// SUMMARY_TEST_DIR=dir keeps the files for scripts/check_tfevents.py.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as ts from 'typescript';
import { tp, expectThrowsCode } from './helpers';
import { readEvents, readRecords, eventFiles, wireFields, masked, Decoded } from './summary-reader';
import { frameRecord, maskedCrc32c } from '../lib/summary/record';
import { summaryTypes } from '../lib/summary/proto';

const ROOT = process.env.SUMMARY_TEST_DIR ? path.resolve(process.env.SUMMARY_TEST_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'tp-summary-'));
let n = 0;
const dir = (name: string): string => path.join(ROOT, `events-${name}-${n++}`);
afterAll(() => {
  if (!process.env.SUMMARY_TEST_DIR) fs.rmSync(ROOT, { recursive: true, force: true });
});

function only(logdir: string): Decoded[] {
  const files = fs.readdirSync(logdir).filter((f) => f.startsWith('events.out.tfevents.'));
  expect(files).toHaveLength(1);
  return readEvents(path.join(logdir, files[0]));
}

describe('TFRecord framing', () => {
  test('masked CRC32C: the known values and agreement with the test-side computation', () => {
    // CRC32C('123456789') = 0xE3069283 (the Castagnoli check value); the empty string's CRC is 0
    const crc32c = require('crc-32/crc32c');
    expect(crc32c.str('123456789') >>> 0).toBe(0xe3069283);
    expect(maskedCrc32c(new Uint8Array(0))).toBe(0xa282ead8);
    const r = Buffer.alloc(257);
    for (let i = 0; i < r.length; i++) r[i] = (i * 73 + 11) & 255;
    for (const len of [0, 1, 8, 100, 257]) expect(maskedCrc32c(r.subarray(0, len))).toBe(masked(r.subarray(0, len)));
  });

  test('a record is length (u64 LE), masked CRC of the length, data, masked CRC of the data', () => {
    const data = Buffer.from('hello tensorboard');
    const rec = frameRecord(data);
    expect(rec.length).toBe(data.length + 16);
    expect(Number(rec.readBigUInt64LE(0))).toBe(data.length);
    expect(rec.readUInt32LE(8)).toBe(masked(rec.subarray(0, 8)));
    expect(rec.subarray(12, 12 + data.length).equals(data)).toBe(true);
    expect(rec.readUInt32LE(12 + data.length)).toBe(masked(data));
  });
});

describe('SummaryWriter', () => {
  test('file name and the first event (file_version "brain.Event:2"), TensorBoard field numbers', () => {
    const d = dir('first');
    const w = new tp.summary.SummaryWriter(d);
    w.close();
    const files = fs.readdirSync(d);
    expect(files).toHaveLength(1);
    const host = os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(files[0]).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${host}\\.${process.pid}\\.\\d+$`));
    const [rec] = readRecords(path.join(d, files[0]));
    // Event: wall_time = 1 (double), file_version = 3 (string)
    const f = wireFields(rec);
    expect(f.map(([k, t]) => [k, t])).toEqual([[1, 1], [3, 2]]);
    expect(Math.abs((f[0][2] as number) - Date.now() / 1000)).toBeLessThan(60);
    expect((f[1][2] as Buffer).toString()).toBe('brain.Event:2');
  });

  test('addScalar: step, value, walltime; Event.step = 2, summary = 5; Value.tag = 1, simple_value = 2 (float)', () => {
    const d = dir('scalar');
    const w = new tp.summary.SummaryWriter(d);
    w.addScalar('loss/train', 0.1, 7, 1234.5);
    w.addScalar('loss/train', tp.tensor(2.5), 8);
    w.addScalar('big', 1, 2 ** 40);
    w.addScalar('nan', NaN, 1);
    w.close();
    const ev = only(d);
    expect(ev).toHaveLength(5);
    expect(ev[1]).toEqual({ wall_time: 1234.5, step: 7, summary: { value: [{ tag: 'loss/train', simple_value: Math.fround(0.1) }] } });
    expect(ev[2].summary.value[0].simple_value).toBe(2.5);
    expect(ev[2].step).toBe(8);
    expect(ev[3].step).toBe(2 ** 40);
    expect(ev[4].summary.value[0].simple_value).toBeNaN();
    const raw = readRecords(eventFiles(d)[0])[1];
    const f = wireFields(raw);
    expect(f.map(([k, t]) => [k, t])).toEqual([[1, 1], [2, 0], [5, 2]]);
    const summary = wireFields(f[2][2] as Buffer);
    expect(summary.map(([k, t]) => [k, t])).toEqual([[1, 2]]);
    const value = wireFields(summary[0][2] as Buffer);
    expect(value.map(([k, t]) => [k, t])).toEqual([[1, 2], [2, 5]]);
    expect(value[1][2]).toBe(Math.fround(0.1));
  });

  test('addScalars writes one run per key under <logdir>/<mainTag>_<key>, tag mainTag (as torch)', () => {
    const d = dir('scalars');
    const w = new tp.summary.SummaryWriter(d);
    w.addScalars('run/loss', { train: 1.5, test: tp.tensor([2.5]) }, 3);
    w.addScalars('run/loss', { train: 1.25, test: 2.25 }, 4);
    w.close();
    expect(fs.readdirSync(d).sort()).toEqual(expect.arrayContaining(['run_loss_test', 'run_loss_train']));
    const train = only(path.join(d, 'run_loss_train'));
    expect(train.slice(1).map((e) => [e.step, e.summary.value[0].tag, e.summary.value[0].simple_value])).toEqual([
      [3, 'run/loss', 1.5],
      [4, 'run/loss', 1.25],
    ]);
    expect(only(path.join(d, 'run_loss_test'))[2].summary.value[0].simple_value).toBe(2.25);
    expect(only(d)).toHaveLength(1); // the main run holds only its first event
  });

  test('addText: tag <tag>/text_summary, plugin "text", a DT_STRING tensor [1] (Value.tensor = 8, metadata = 9)', () => {
    const d = dir('text');
    const w = new tp.summary.SummaryWriter(d);
    const s = '**bold** ünïcødé ✓\nline 2';
    w.addText('notes', s, 2);
    w.close();
    const v = only(d)[1].summary.value[0];
    expect(v.tag).toBe('notes/text_summary');
    expect(v.metadata.plugin_data.plugin_name).toBe('text');
    expect(v.tensor.dtype).toBe(7);
    expect(v.tensor.tensor_shape).toEqual({ dim: [{ size: 1 }] });
    expect(Buffer.from(v.tensor.string_val[0]).toString('utf8')).toBe(s);
    const raw = wireFields(wireFields(wireFields(readRecords(eventFiles(d)[0])[1])[2][2] as Buffer)[0][2] as Buffer);
    expect(raw.map(([k]) => k).sort()).toEqual([1, 8, 9]);
    // TensorProto: dtype = 1, tensor_shape = 2, string_val = 8
    const tensor = raw.find(([k]) => k === 8)?.[2] as Buffer;
    expect(wireFields(tensor).map(([k]) => k)).toEqual([1, 2, 8]);
  });

  test('addHparams: experiment, session start and end in a run of their own, with the metrics as scalars', () => {
    const d = dir('hparams');
    const w = new tp.summary.SummaryWriter(d);
    w.addHparams({ lr: 0.01, optimizer: 'adam', bn: true, layers: tp.tensor(3), skipped: undefined as unknown as number }, { 'hparam/accuracy': 0.93, 'hparam/loss': tp.tensor(0.2) }, {
      runName: 'trial0',
      hparamDomainDiscrete: { optimizer: ['adam', 'sgd'] },
    });
    w.close();
    const ev = only(path.join(d, 'trial0'));
    const { HParamsPluginData } = summaryTypes();
    const plugin = (e: Decoded): Decoded => {
      const v = e.summary.value[0];
      expect(v.metadata.plugin_data.plugin_name).toBe('hparams');
      const content = v.metadata.plugin_data.content as Uint8Array;
      return HParamsPluginData.toObject(HParamsPluginData.decode(content), { longs: Number, arrays: true, objects: true }) as Decoded;
    };
    expect(ev.slice(1, 4).map((e) => e.summary.value[0].tag)).toEqual(['_hparams_/experiment', '_hparams_/session_start_info', '_hparams_/session_end_info']);
    const exp = plugin(ev[1]).experiment;
    expect(exp.hparam_infos).toEqual([
      { name: 'lr', type: 3 },
      { name: 'optimizer', type: 1, domain_discrete: { values: [{ string_value: 'adam' }, { string_value: 'sgd' }] } },
      { name: 'bn', type: 2 },
      { name: 'layers', type: 3 },
    ]);
    expect(exp.metric_infos).toEqual([{ name: { tag: 'hparam/accuracy' } }, { name: { tag: 'hparam/loss' } }]);
    expect(plugin(ev[2]).session_start_info.hparams).toEqual({
      lr: { number_value: 0.01 },
      optimizer: { string_value: 'adam' },
      bn: { bool_value: true },
      layers: { number_value: 3 },
    });
    expect(plugin(ev[3]).session_end_info).toEqual({ status: 1 });
    // HParamsPluginData: experiment = 2, session_start_info = 3, session_end_info = 4
    const contents = ev.slice(1, 4).map((e) => wireFields(e.summary.value[0].metadata.plugin_data.content).map(([k]) => k));
    expect(contents).toEqual([[2], [3], [4]]);
    expect(ev.slice(4).map((e) => [e.summary.value[0].tag, e.summary.value[0].simple_value])).toEqual([
      ['hparam/accuracy', Math.fround(0.93)],
      ['hparam/loss', Math.fround(0.2)],
    ]);
  });

  test('buffered until flushSecs, flush() or close(); closed writers refuse writes', () => {
    const d = dir('flush');
    const w = new tp.summary.SummaryWriter(d, { flushSecs: 3600 });
    w.addScalar('a', 1, 1);
    expect(readEvents(eventFiles(d)[0])).toHaveLength(1);
    w.flush();
    expect(readEvents(eventFiles(d)[0])).toHaveLength(2);
    w.addScalar('a', 2, 2);
    w.close();
    w.close();
    expect(readEvents(eventFiles(d)[0])).toHaveLength(3);
    expectThrowsCode(() => w.addScalar('a', 3, 3), 'ERR_ARGUMENT', /closed/);
  });

  test('the flushSecs timer writes without a call', async () => {
    const d = dir('timer');
    const w = new tp.summary.SummaryWriter(d, { flushSecs: 0.05 });
    w.addScalar('a', 1, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(readEvents(eventFiles(d)[0])).toHaveLength(2);
    w.close();
  });

  test('what is queued is written at process exit, without close()', () => {
    // the writer's files compiled to a temp dir (no native addon needed), run in a child process
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-exit-'));
    const lib = path.join(__dirname, '..', 'lib');
    for (const f of ['summary/record.ts', 'summary/proto.ts', 'core/errors.ts']) {
      const js = ts.transpileModule(fs.readFileSync(path.join(lib, f), 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
      fs.mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
      fs.writeFileSync(path.join(tmp, f.replace(/\.ts$/, '.js')), js.outputText);
    }
    const d = dir('exit');
    const code = `
      module.paths.push(${JSON.stringify(path.join(__dirname, '..', 'node_modules'))});
      const { EventFileWriter } = require(${JSON.stringify(path.join(tmp, 'summary/record.js'))});
      const { summaryTypes } = require(${JSON.stringify(path.join(tmp, 'summary/proto.js'))});
      const { Event } = summaryTypes();
      const w = new EventFileWriter(${JSON.stringify(d)}, { flushSecs: 3600 });
      for (let i = 0; i < 5; i++) w.add(Event.encode({ step: i, summary: { value: [{ tag: 'x', simple_value: i / 2 }] } }).finish());
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(__dirname, '..', 'node_modules') } });
    fs.rmSync(tmp, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ev = readEvents(eventFiles(d)[0]);
    expect(ev.slice(1).map((e) => [e.step ?? 0, e.summary.value[0].simple_value ?? 0])).toEqual([[0, 0], [1, 0.5], [2, 1], [3, 1.5], [4, 2]]);
  });

  test('a failing write (a full disk) is ERR_IO naming the file, from flush() or at the call after a timer flush', async () => {
    const d = dir('enospc');
    const w = new tp.summary.SummaryWriter(d, { flushSecs: 0.05 });
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    // the fs module itself (the `import * as fs` namespace is read-only): record.ts reads it at each call
    const spy = jest.spyOn(require('fs') as typeof fs, 'writeSync').mockImplementation(() => {
      throw full;
    });
    try {
      w.addScalar('a', 1, 1);
      expectThrowsCode(() => w.flush(), 'ERR_IO', /SummaryWriter.flush: cannot write to '.*events\.out\.tfevents.*': ENOSPC/);
      w.addScalar('a', 2, 2);
      await new Promise((r) => setTimeout(r, 200)); // the timer's flush fails with no caller
      expectThrowsCode(() => w.addScalar('a', 3, 3), 'ERR_IO', /ENOSPC/);
    } finally {
      spy.mockRestore();
    }
    w.addScalar('a', 4, 4); // the disk has room again
    w.close();
    expect(readEvents(eventFiles(d)[0]).map((e) => e.step ?? 0)).toEqual([0, 4]);
  });

  test('bad arguments are TapeflowErrors naming the method', () => {
    const d = dir('errors');
    const w = new tp.summary.SummaryWriter(d);
    expectThrowsCode(() => w.addScalar('', 1, 0), 'ERR_ARGUMENT', /addScalar: tag must be a non-empty string/);
    expectThrowsCode(() => w.addScalar('a', 'x' as unknown as number, 0), 'ERR_ARGUMENT', /addScalar: value must be a number/);
    expectThrowsCode(() => w.addScalar('a', tp.ones([2]), 0), 'ERR_SHAPE', /one-element/);
    expectThrowsCode(() => w.addScalar('a', 1, 1.5), 'ERR_ARGUMENT', /step must be a whole number/);
    expectThrowsCode(() => w.addScalar('a', 1, 0, Infinity), 'ERR_ARGUMENT', /walltime/);
    expectThrowsCode(() => w.addScalars('m', { 'a/b': 1 }, 0), 'ERR_ARGUMENT', /path separator/);
    expectThrowsCode(() => w.addText('t', 5 as unknown as string, 0), 'ERR_ARGUMENT', /text must be a string/);
    expectThrowsCode(() => w.addHparams({ lr: [1] as unknown as number }, {}), 'ERR_ARGUMENT', /hparamDict.lr/);
    expectThrowsCode(() => w.addHparams({ lr: 1 }, {}, { runName: '../x' }), 'ERR_ARGUMENT', /runName/);
    w.close();
    expect(only(d)).toHaveLength(1); // nothing half-written
    const file = path.join(d, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    expectThrowsCode(() => new tp.summary.SummaryWriter(file), 'ERR_IO', /log directory/);
    expectThrowsCode(() => new tp.summary.SummaryWriter(d, { flushSecs: 0 }), 'ERR_ARGUMENT', /flushSecs/);
  });
});
