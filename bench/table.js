'use strict';
// Plain-text table of the rows run.js builds.

/** 3-4 significant digits, or a marker string (n/a, skipped, —) as is. */
function fmt(v) {
  if (typeof v === 'string') return v;
  if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  if (a >= 10) return v.toFixed(2);
  return v.toFixed(3);
}

function pair(m) {
  if (!m) return '—';
  const one = m['1'];
  const def = m.default;
  if (typeof one !== 'number' && typeof def !== 'number') return '—';
  return `${fmt(one)} | ${fmt(def)}`;
}

function mark(pass) {
  return pass === true ? '✓' : pass === false ? '✗' : pass === null ? '?' : '';
}

/** rows: see run.js buildRow. Returns the table as a string. */
function render(rows, { tfThreads, torchThreads }) {
  const header = [
    'workload', 'unit',
    'tapeflow 1T', `tapeflow dT=${tfThreads}`,
    'PyTorch 1T', `PyTorch dT=${torchThreads ?? '?'}`,
    'ratio 1T | dT', 'target', '',
  ];
  const lines = [];
  for (const r of rows) {
    lines.push([
      r.name, r.unit,
      r.tapeflowError ? 'n/a' : fmt(r.tapeflow['1']),
      r.tapeflowError ? 'n/a' : fmt(r.tapeflow.default),
      r.torchSkipped === '—' ? '—' : r.torchSkipped ? 'skipped' : fmt(r.torch?.['1']),
      r.torchSkipped === '—' ? '—' : r.torchSkipped ? 'skipped' : fmt(r.torch?.default),
      pair(r.ratio), r.target ?? '—', r.target ? mark(r.pass) : '',
    ]);
    if (r.direct) {
      lines.push([
        '  └ cblas_sgemm direct', r.unit,
        r.directError ? 'n/a' : fmt(r.direct['1']),
        r.directError ? 'n/a' : fmt(r.direct.default),
        '', '', '', '', '',
      ]);
    }
  }
  const all = [header, ...lines];
  const width = header.map((_, c) => Math.max(...all.map((l) => [...l[c]].length)));
  const left = new Set([0, 1]); // text columns left-aligned, figures right-aligned
  const line = (l) =>
    l.map((cell, c) => (left.has(c) ? cell.padEnd(width[c]) : cell.padStart(width[c]))).join('  ').trimEnd();
  const rule = width.map((w) => '─'.repeat(w)).join('  ');
  return [line(header), rule, ...lines.map(line)].join('\n');
}

module.exports = { render, fmt };
