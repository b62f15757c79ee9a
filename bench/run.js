'use strict';
// `npm run bench [-- --quick] [-- --only matmul,add] [-- --json out.json]`
// Times tapeflow (benchmark.js) at 1 thread and at the default thread count, runs
// bench/torch_bench.py for the same workloads, and prints one table. Targets are shown, not asserted.
const path = require('path');
const os = require('os');
const fs = require('fs');
const { spawnSync } = require('child_process');
const Benchmark = require('benchmark');
const { cases } = require('./cases');
cases.push(...require('./cases-norm').cases); // normalisation rows (issue 9)
// issue 9: convolution rows
cases.push(...require('./cases-conv').cases);
// issue 9: the peak and gemm rows (bench/cases-gemm.js), and their notes below the table
const gemmBench = require('./cases-gemm');
cases.push(...gemmBench.cases);
cases.push(...require('./cases-pool').cases); // issue 9: pooling rows
cases.push(...require('./cases-embed').cases); // issue 10: skip-gram NCE row (bench/cases-embed.js)
cases.push(...require('./cases-rnn').cases); // issue 10: recurrent rows
cases.push(...require('./cases-pretrained').cases); // issue 12: Inception v3 (TF.js) forward vs @tensorflow/tfjs
const { render, fmt } = require('./table');

const PYTHON = '/usr/bin/python3';
const USAGE = `usage: npm run bench -- [--quick] [--only <ids>] [--json <file>] [--no-torch]
  --quick        fewer, shorter samples (about a third of the time)
  --only <ids>   comma-separated; a case runs when its group or id contains one of them
                 (groups: matmul, dispatch, add, softmax, sum, mlp, mnist, rss, conv, norm, peak, gemm, pool; ids e.g. matmul_512, sum_axis0, mlp_step)
  --json <file>  also write the rows and the machine info as JSON
  --no-torch     do not run the PyTorch companion (its columns read "skipped")`;

function parseArgs(argv) {
  const o = { quick: false, only: null, json: null, torch: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--only' && argv[i + 1]) o.only = argv[++i].split(',').filter(Boolean);
    else if (a === '--json' && argv[i + 1]) o.json = argv[++i];
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`bench: unknown or incomplete option ${a}\n${USAGE}`);
      process.exit(2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const timing = opts.quick ? { maxTime: 0.4, minSamples: 3 } : { maxTime: 1.2, minSamples: 5 };
const log = (s) => process.stderr.write(s + '\n');

const tp = require('../dist');
const { native } = require('../dist/core/native');
const defaultThreads = tp.getNumThreads();
const blas = tp.blasInfo();
const THREADS = { 1: 1, default: defaultThreads };

const median = (xs) => xs.slice().sort((x, y) => x - y)[xs.length >> 1];

/** benchmark.js samples (seconds per call; each sample is the mean over many calls) of fn. */
function tapeflowSamples(name, fn, t) {
  const b = new Benchmark(name, fn, { ...t, delay: 0 });
  b.run({ async: false });
  if (b.error) throw b.error;
  return { samples: b.stats.sample, rme: b.stats.rme };
}

/** Samples (seconds per call) of native.benchSgemm, each run about as long as a benchmark.js sample. */
function directSamples(run, t) {
  const one = run(1);
  const iters = Math.max(1, Math.round(0.1 / one));
  const n = Math.max(t.minSamples, Math.ceil(t.maxTime / (iters * one)));
  const s = [];
  for (let i = 0; i < n; i++) s.push(run(iters));
  return s;
}

/**
 * Median seconds per call of work.fn (and of direct, when given). With a direct baseline the two
 * are timed in alternating rounds, so that drift in machine load hits both sides alike.
 */
function measure(c, work, direct) {
  const rounds = direct ? (opts.quick ? 2 : 3) : 1;
  const t = { maxTime: timing.maxTime / rounds, minSamples: Math.ceil(timing.minSamples / rounds) };
  work.fn(); // warm-up: first-touch allocation, JIT
  const tf = [];
  const dr = [];
  let rme = 0;
  for (let r = 0; r < rounds; r++) {
    const b = tapeflowSamples(c.name, work.fn, t);
    tf.push(...b.samples);
    rme = Math.max(rme, b.rme);
    if (direct) dr.push(...directSamples(direct, t));
  }
  return { seconds: median(tf), rme, direct: direct ? median(dr) : undefined };
}

function selected(c) {
  return !opts.only || opts.only.some((w) => c.group.includes(w) || c.id.includes(w));
}

function errMessage(e) {
  return String((e && e.message) || e).split('\n')[0];
}

// ---- tapeflow ----
function runOnce(c) {
  const res = { tapeflow: {}, rme: {}, extra: {} };
  for (const label of ['1', 'default']) {
    tp.setNumThreads(THREADS[label]);
    try {
      const r = c.once(tp, label, opts.quick);
      res.tapeflow[label] = r.value;
      for (const [k, v] of Object.entries(r.extra || {})) (res.extra[k] ??= {})[label] = v;
      log(`  ${c.id} @${label}: tapeflow ${r.value.toFixed(3)} ${c.unit} ${JSON.stringify(r.extra || {})}`);
    } catch (e) {
      res.tapeflowError = errMessage(e);
      log(`  ${c.id} @${label}: tapeflow n/a (${res.tapeflowError})`);
      break;
    }
  }
  tp.setNumThreads(defaultThreads);
  return res;
}

function runTapeflow(c) {
  if (c.once) return runOnce(c);
  const res = { tapeflow: {}, direct: c.direct ? {} : undefined, rme: {} };
  let direct = null;
  if (c.direct) {
    try {
      direct = c.direct(native);
    } catch (e) {
      res.directError = errMessage(e);
    }
  }
  for (const label of ['1', 'default']) {
    tp.setNumThreads(THREADS[label]);
    let work;
    try {
      work = c.make(tp);
    } catch (e) {
      res.tapeflowError = errMessage(e);
    }
    try {
      if (work) {
        const m = measure(c, work, direct);
        res.tapeflow[label] = c.fromSeconds(m.seconds);
        res.rme[label] = m.rme;
        if (direct) res.direct[label] = c.fromSeconds(m.direct);
      } else if (direct) {
        res.direct[label] = c.fromSeconds(median(directSamples(direct, timing)));
      }
    } catch (e) {
      res.tapeflowError = errMessage(e);
    } finally {
      if (work) work.done();
    }
    const f = (v) => (v === undefined ? 'n/a' : `${v.toFixed(3)} ${c.unit}`);
    log(`  ${c.id} @${label}: tapeflow ${res.tapeflowError ? `n/a (${res.tapeflowError})` : `${f(res.tapeflow[label])} (±${res.rme[label].toFixed(1)}%)`}` +
      (c.direct ? `, direct ${res.directError ? `n/a (${res.directError})` : f(res.direct[label])}` : ''));
    if (res.tapeflowError && !direct) break;
  }
  tp.setNumThreads(defaultThreads);
  return res;
}

// ---- PyTorch ----
function runTorch(ids) {
  if (!opts.torch) return { skipped: 'disabled by --no-torch' };
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: `${PYTHON} -c "import torch" failed` };
  log('PyTorch companion (bench/torch_bench.py) ...');
  const args = [path.join(__dirname, 'torch_bench.py'), '--only', ids.join(',')];
  if (opts.quick) args.push('--quick');
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  try {
    if (r.status !== 0) throw new Error(`exit status ${r.status}`);
    return JSON.parse(r.stdout.trim().split('\n').pop());
  } catch (e) {
    return { skipped: `torch_bench.py failed: ${errMessage(e)}` };
  }
}

function buildRow(c, tf, torch) {
  const t = torch.results?.[c.torch];
  const row = {
    id: c.id,
    name: c.name,
    unit: c.unit,
    higherIsBetter: c.higher,
    tapeflow: tf.tapeflow,
    tapeflowError: tf.tapeflowError,
    rmePercent: tf.rme,
    direct: tf.direct,
    directError: tf.directError,
    torch: t ? { 1: c.fromSeconds(t['1']), default: c.fromSeconds(t.default) } : null,
    torchSkipped: !c.torch ? '—' : torch.skipped ?? (t ? undefined : 'not measured'),
    extra: tf.extra,
    torchExtra: t?.extra,
    ratioKind: c.ratioKind,
    ratio: {},
    target: c.target ? c.target.text : null,
    pass: undefined,
  };
  // Ratio: tapeflow vs direct sgemm (matmul), else PyTorch time / tapeflow time (> 1: tapeflow faster).
  const ref = c.direct ? row.direct : row.torch;
  for (const k of ['1', 'default']) {
    const a = row.tapeflow[k];
    const b = ref?.[k];
    if (typeof a === 'number' && typeof b === 'number') row.ratio[k] = c.higher ? a / b : b / a;
  }
  if (!ref || tf.tapeflowError || (c.direct && tf.directError)) row.ratio = {};
  if (c.target) row.pass = row.tapeflowError ? null : c.target.check(row);
  return row;
}

function machineInfo(torch) {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model,
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    tapeflowDefaultThreads: defaultThreads,
    blasCoreType: blas.coreType,
    blasConfig: blas.config,
    blasThreads: blas.numThreads,
    env: {
      OPENBLAS_CORETYPE: process.env.OPENBLAS_CORETYPE ?? null,
      OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? null,
      TAPEFLOW_NUM_THREADS: process.env.TAPEFLOW_NUM_THREADS ?? null,
      TAPEFLOW_ADDON: process.env.TAPEFLOW_ADDON ?? null,
    },
    torch: torch.info ?? null,
    torchSkipped: torch.skipped ?? null,
    benchSgemm: typeof native.benchSgemm === 'function',
    quick: opts.quick,
  };
}

function printInfo(m) {
  const env = Object.entries(m.env).map(([k, v]) => `${k}=${v ?? '(unset)'}`).join('  ');
  const t = m.torch;
  console.log(`CPU: ${m.cpuModel} (${m.cores} cores)   node ${m.node}   ${m.platform}`);
  console.log(`tapeflow: default threads ${m.tapeflowDefaultThreads}; OpenBLAS core ${m.blasCoreType}, ${m.blasThreads} threads`);
  console.log(`  config: ${m.blasConfig}`);
  console.log(`env: ${env}`);
  if (t) {
    console.log(`PyTorch ${t.version}: default threads ${t.defaultThreads} (interop ${t.interopThreads}); ` +
      `its OpenBLAS (matmul) core ${t.openblasCoreType ?? '?'}, ${t.openblasThreads ?? '?'} threads at dT, 1 at 1T`);
  } else {
    console.log(`PyTorch: skipped (${m.torchSkipped})`);
  }
  console.log(`timing: median of benchmark.js samples (maxTime ${timing.maxTime}s, >= ${timing.minSamples} samples)` +
    `${m.quick ? ', --quick' : ''}\n`);
}

function main() {
  const chosen = cases.filter(selected);
  if (!chosen.length) {
    console.error(`bench: --only ${opts.only} matches no case\n${USAGE}`);
    process.exit(2);
  }
  log(`tapeflow: ${chosen.length} cases at 1 and ${defaultThreads} threads ...`);
  const tf = chosen.map(runTapeflow);
  const torchIds = [...new Set(chosen.map((c) => c.torch).filter(Boolean))];
  const torch = torchIds.length ? runTorch(torchIds) : { results: {} };
  const rows = chosen.map((c, i) => buildRow(c, tf[i], torch));
  const machine = machineInfo(torch);

  console.log();
  printInfo(machine);
  console.log(render(rows, { tfThreads: defaultThreads, torchThreads: torch.info?.defaultThreads }));
  console.log('\nratio: matmul rows tapeflow GFLOP/s / direct cblas_sgemm GFLOP/s; other rows PyTorch time / tapeflow time ' +
    '(> 1: tapeflow faster).\n1T | dT: at 1 thread | at the default count. ✓/✗ against the target (? = figure missing).');
  for (const r of rows) {
    const fmt2 = (m) => (m ? `${fmt(m['1'])} | ${fmt(m.default)}` : '—');
    if (r.id === 'mnist') {
      console.log(`note  ${r.name}: test accuracy % (1T | dT): tapeflow ${fmt2(r.extra?.accuracy)}, PyTorch ${fmt2(r.torchExtra?.accuracy)}`);
    } else if (r.id === 'rss' && r.extra) {
      console.log(`note  ${r.name}: RSS at step 1,000 → end MB (1T | dT): ${fmt2(r.extra.rssWarmMB)} → ${fmt2(r.extra.rssEndMB)}; ` +
        `tp.memory().numTensors at end: ${r.extra.numTensors?.['1']} | ${r.extra.numTensors?.default}`);
    }
  }
  for (const l of gemmBench.gemmNotes(rows, fmt, native, defaultThreads)) console.log(l);
  const na = rows.filter((r) => r.tapeflowError || r.directError);
  for (const r of na) console.log(`n/a  ${r.name}: ${r.tapeflowError ?? r.directError}`);

  if (opts.json) {
    const file = path.resolve(process.env.INIT_CWD || process.cwd(), opts.json);
    fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2) + '\n');
    console.log(`\nwrote ${file}`);
  }
}

main();
