// tp.plot: line charts (loss curves) as a small self-contained SVG, shown inline under tslab.
// Plain SVG: a chart of a few polylines, axes and a legend needs no charting library (the
// SVG-in-Node ones pull in a DOM emulation).
//   tp.plot({ train: losses, test: testLosses }, { title: 'loss', logY: true })
//   const curve = tp.plot.live({ title: 'loss' }); … curve.push({ loss }); … curve.show()
import { Tensor } from '../tensor';
import { fail, describe } from '../core/errors';
import { show, tslabDisplay, tslabNewDisplay, TslabDisplay } from './show';

export interface PlotOptions {
  title?: string;
  xlabel?: string;
  ylabel?: string;
  /** pixels (default 480 × 300) */
  width?: number;
  height?: number;
  /** logarithmic y axis (non-positive values are left out) */
  logY?: boolean;
}

export type SeriesLike = ArrayLike<number> | Tensor;
export type PlotData = SeriesLike | Record<string, SeriesLike>;

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const MAX_POINTS = 2000; // a longer series is drawn from every k-th point: a 480-pixel chart shows no more

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function toNumbers(op: string, name: string, s: unknown): number[] {
  if (s instanceof Tensor) {
    s._live(op);
    if (s.ndim > 1) fail(op, `series '${name}' must be 1-D, got shape [${s.shape.join(', ')}]`, 'ERR_SHAPE');
    return Array.from(s.dataSync() as ArrayLike<number>);
  }
  if (Array.isArray(s) || ArrayBuffer.isView(s)) {
    const a = Array.from(s as ArrayLike<number>);
    a.forEach((v, i) => {
      if (typeof v !== 'number') fail(op, `series '${name}'[${i}] must be a number, got ${describe(v)}`);
    });
    return a;
  }
  return fail(op, `series '${name}' must be an array of numbers or a 1-D tensor, got ${describe(s)}`);
}

function seriesOf(op: string, data: unknown): [string, number[]][] {
  if (data instanceof Tensor || Array.isArray(data) || ArrayBuffer.isView(data)) return [['', toNumbers(op, 'y', data)]];
  if (data === null || typeof data !== 'object') fail(op, `data must be an array, a tensor or an object of named series, got ${describe(data)}`);
  return Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, toNumbers(op, k, v)]);
}

/** 1, 2 or 5 × 10^k ticks covering [lo, hi]. */
function ticks(lo: number, hi: number, n = 5): number[] {
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => raw <= s) as number;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function checkSize(op: string, v: unknown, what: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 100 || v > 4000) fail(op, `${what} must be a number of pixels in [100, 4000], got ${describe(v)}`);
  return v;
}

/** The chart as an SVG document (a string). */
export function plotSVG(data: PlotData, options: PlotOptions = {}): string {
  const op = 'plot';
  if (options === null || typeof options !== 'object') fail(op, `options must be an object, got ${describe(options)}`);
  const series = seriesOf(op, data);
  const W = checkSize(op, options.width, 'width', 480);
  const H = checkSize(op, options.height, 'height', 300);
  const logY = !!options.logY;
  const ok = (v: number): boolean => Number.isFinite(v) && (!logY || v > 0);
  const ty = (v: number): number => (logY ? Math.log10(v) : v);
  let xMax = 1;
  let yLo = Infinity;
  let yHi = -Infinity;
  for (const [, ys] of series) {
    xMax = Math.max(xMax, ys.length - 1);
    for (const v of ys) if (ok(v)) (yLo = Math.min(yLo, ty(v))), (yHi = Math.max(yHi, ty(v)));
  }
  if (yLo === Infinity) (yLo = 0), (yHi = 1);
  if (yLo === yHi) (yLo -= 0.5), (yHi += 0.5);
  const pad = (yHi - yLo) * 0.05;
  (yLo -= pad), (yHi += pad);
  const L = 56;
  const R = 12;
  const T = options.title ? 28 : 12;
  const B = options.xlabel ? 44 : 30;
  const px = (x: number): number => L + (x / xMax) * (W - L - R);
  const py = (y: number): number => T + (1 - (y - yLo) / (yHi - yLo)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  if (options.title) out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(String(options.title))}</text>`);
  // grid and tick labels
  for (const v of ticks(yLo, yHi)) {
    const y = py(v).toFixed(1);
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${L - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(fmt(logY ? 10 ** v : v))}</text>`);
  }
  for (const v of ticks(0, xMax).filter((t) => Number.isInteger(t))) {
    const x = px(v).toFixed(1);
    out.push(`<text x="${x}" y="${H - B + 14}" text-anchor="middle">${esc(fmt(v))}</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#888"/>`);
  if (options.xlabel) out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc(String(options.xlabel))}</text>`);
  if (options.ylabel) out.push(`<text transform="translate(12 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(String(options.ylabel))}</text>`);
  // one polyline per unbroken run of finite values; the legend sized to the longest name
  const legendX = W - R - 30 - 6.5 * Math.max(0, ...series.map(([name]) => name.length));
  series.forEach(([name, ys], k) => {
    const color = COLORS[k % COLORS.length];
    const every = Math.max(1, Math.ceil(ys.length / MAX_POINTS));
    let run: string[] = [];
    const end = (): void => {
      if (run.length === 1) out.push(`<circle cx="${run[0].split(',')[0]}" cy="${run[0].split(',')[1]}" r="1.5" fill="${color}"/>`);
      else if (run.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${run.join(' ')}"/>`);
      run = [];
    };
    for (let i = 0; i < ys.length; i += every) {
      if (ok(ys[i])) run.push(`${px(i).toFixed(1)},${py(ty(ys[i])).toFixed(1)}`);
      else end();
    }
    end();
    if (name) {
      const y = T + 12 + 14 * k;
      out.push(`<line x1="${legendX.toFixed(1)}" x2="${(legendX + 16).toFixed(1)}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="2"/>`);
      out.push(`<text x="${(legendX + 20).toFixed(1)}" y="${y}" dominant-baseline="middle">${esc(name)}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('');
}

/** A chart: SVG for notebooks, a one-line summary per series as text. */
export class Figure {
  constructor(readonly data: PlotData, readonly options: PlotOptions = {}) {
    plotSVG(data, options); // validates now, not at display time
  }
  toSVG(): string {
    return plotSVG(this.data, this.options);
  }
  toString(): string {
    const lines = seriesOf('plot', this.data).map(([name, ys]) => {
      const fin = ys.filter((v) => Number.isFinite(v));
      const last = ys.length ? fmt(ys[ys.length - 1]) : '-';
      const range = fin.length ? `min ${fmt(Math.min(...fin))}, max ${fmt(Math.max(...fin))}` : 'no finite value';
      return `  ${name || 'y'}: ${ys.length} points, last ${last} (${range})`;
    });
    return [`plot${this.options.title ? ` "${this.options.title}"` : ''}`, ...lines].join('\n');
  }
  show(): void {
    show(this);
  }
}

/** A curve that grows while training runs: push() adds a point per series and redraws in place under tslab. */
export class LivePlot {
  readonly series: Record<string, number[]> = {};
  private display: TslabDisplay | null = null;
  private last = 0;
  constructor(readonly options: PlotOptions & { everyMs?: number } = {}) {
    plotSVG([], options);
  }
  /** Adds a value (series 'y') or one value per named series; redraws at most every everyMs (default 250). */
  push(values: number | Tensor | Record<string, number | Tensor>): void {
    const op = 'plot.live.push';
    const entries: [string, unknown][] =
      typeof values === 'number' || values instanceof Tensor ? [['', values]] : values !== null && typeof values === 'object' ? Object.entries(values) : [];
    if (entries.length === 0) fail(op, `expected a number, a one-element tensor or an object of them, got ${describe(values)}`);
    for (const [k, v] of entries) {
      const n = v instanceof Tensor ? v.item() : v;
      if (typeof n !== 'number') fail(op, `value of '${k || 'y'}' must be a number, got ${describe(v)}`);
      (this.series[k] ??= []).push(n);
    }
    if (Date.now() - this.last >= (this.options.everyMs ?? 250)) this.draw();
  }
  private figure(): Figure {
    const keys = Object.keys(this.series);
    return new Figure(keys.length === 1 && keys[0] === '' ? this.series[''] : this.series, this.options);
  }
  private draw(): void {
    this.last = Date.now();
    this.display ??= tslabNewDisplay();
    if (this.display) this.display.svg(this.figure().toSVG());
  }
  /** Draws the final state (in place under tslab; the text summary elsewhere). */
  show(): void {
    if (tslabDisplay() === null) console.log(this.figure().toString());
    else this.draw();
  }
  toSVG(): string {
    return this.figure().toSVG();
  }
}

export interface PlotFn {
  (data: PlotData, options?: PlotOptions): void;
  /** The SVG string of a chart. */
  svg(data: PlotData, options?: PlotOptions): string;
  /** A live curve for a training loop. */
  live(options?: PlotOptions & { everyMs?: number }): LivePlot;
}

/**
 * Draws data (an array, a 1-D tensor, or { name: series }) and shows it: SVG under tslab, a text
 * summary elsewhere. Returns nothing (tslab would print a returned value again); plot.svg gives
 * the SVG string.
 */
export const plot: PlotFn = Object.assign(
  (data: PlotData, options?: PlotOptions): void => new Figure(data, options).show(),
  { svg: plotSVG, live: (options?: PlotOptions & { everyMs?: number }) => new LivePlot(options) },
);
