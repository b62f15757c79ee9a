// Printing tensors as PyTorch does (numpy's rules for when to summarise and when to use
// scientific notation): console.log(t), util.inspect(t), String(t) and `${t}` all give
//
//   tensor([[ 1.0000, -2.5000],
//           [ 3.1416,  0.0000]], shape=[2, 2], dtype=float32)
//
// Floats print with `precision` decimals (integer-valued ones too: "1.0000"), in scientific
// notation when max/min of the non-zero finite magnitudes > 1e3, max >= 1e8 or min < 1e-4;
// nan / inf / -inf as numpy spells them; columns right-aligned to the widest entry. Tensors
// with more than `threshold` elements are summarised with "..." keeping `edgeItems` items at
// each end of every dim, and only those items are read from native memory. Whatever the
// options, at most MAX_SHOWN elements are formatted (fewer edge items when needed), and a
// tensor whose fields were set by hand to an impossible layout prints as a short note: a
// printout never exhausts the heap or hangs.
//
// Notebooks: tslab prints the last expression with console.log, i.e. util.inspect, which is
// the text above. Kernels with a rich-display protocol (Deno's Jupyter kernel:
// `[Symbol.for('Jupyter.display')]()` returning a MIME bundle) get an HTML table for 1-D
// and 2-D tensors as well; in tslab, `tslab.display.html(t.toHTML())` shows the same table.
import { Tensor, setFormatter } from './tensor';
import { TypedArray, TYPED_ARRAY } from './core/dtype';
import { fail, describe } from './core/errors';
import { MAX_DIMS } from './core/shape';

export interface PrintOptions {
  /** Digits after the decimal point for floats (torch/numpy: 4 / 8). */
  precision: number;
  /** Summarise tensors with more elements than this (1000). Infinity never summarises. */
  threshold: number;
  /** Items kept at the start and at the end of each summarised dim (3). */
  edgeItems: number;
  /** Characters per line before rows wrap (80). */
  lineWidth: number;
  /** true / false force scientific / fixed notation; null chooses by magnitude (default). */
  sciMode: boolean | null;
}

const DEFAULTS: PrintOptions = { precision: 4, threshold: 1000, edgeItems: 3, lineWidth: 80, sciMode: null };
const printOpts: PrintOptions = { ...DEFAULTS };

const PROFILES: Record<string, Partial<PrintOptions>> = {
  default: DEFAULTS,
  short: { precision: 2, threshold: 1000, edgeItems: 2, lineWidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeItems: 3, lineWidth: 80 },
};

function checkCount(v: unknown, arg: string, min: number, max: number, allowInf = false): number {
  const ok = typeof v === 'number' && v >= min && v <= max && (Number.isInteger(v) || (allowInf && v === Infinity));
  if (!ok)
    fail('setPrintOptions', `${arg} must be an integer in [${min}, ${allowInf ? 'Infinity' : max}], got ${describe(v)}`);
  return v as number;
}

/**
 * Sets how tensors print (numpy.set_printoptions / torch.set_printoptions). Unspecified
 * fields keep their value; `profile` ('default' | 'short' | 'full') resets to a preset first.
 */
export function setPrintOptions(options: Partial<PrintOptions> & { profile?: 'default' | 'short' | 'full' }): void {
  if (options === null || typeof options !== 'object') fail('setPrintOptions', `options must be an object, got ${describe(options)}`);
  const next: PrintOptions = { ...printOpts };
  if (options.profile !== undefined) {
    const p = PROFILES[options.profile as string];
    if (!p) fail('setPrintOptions', `profile must be 'default', 'short' or 'full', got ${describe(options.profile)}`);
    Object.assign(next, DEFAULTS, p);
  }
  if (options.precision !== undefined) next.precision = checkCount(options.precision, 'precision', 0, 100);
  if (options.threshold !== undefined) next.threshold = checkCount(options.threshold, 'threshold', 0, Infinity, true);
  if (options.edgeItems !== undefined) next.edgeItems = checkCount(options.edgeItems, 'edgeItems', 0, 1e6);
  if (options.lineWidth !== undefined) next.lineWidth = checkCount(options.lineWidth, 'lineWidth', 1, 1e6);
  if (options.sciMode !== undefined) {
    if (options.sciMode !== null && typeof options.sciMode !== 'boolean')
      fail('setPrintOptions', `sciMode must be true, false or null, got ${describe(options.sciMode)}`);
    next.sciMode = options.sciMode;
  }
  Object.assign(printOpts, next);
}

/** The current print options (a copy). */
export function getPrintOptions(): PrintOptions {
  return { ...printOpts };
}

// ---------------------------------------------------------------------------------------
// Reading what will be shown
// ---------------------------------------------------------------------------------------

/** The displayed elements, contiguous in display order, and per dim how many are shown. */
interface Shown {
  data: TypedArray;
  /** displayed items per dim (2 * edgeItems on cut dims) */
  dims: number[];
  /** whether dim d is cut (shows edgeItems, "...", edgeItems) */
  cut: boolean[];
  edge: number;
}

/** Elements formatted at most, whatever the options (threshold: Infinity, huge edgeItems). */
const MAX_SHOWN = 1 << 20;

function gather(t: Tensor, o: PrintOptions): Shown {
  const summarize = t.size > o.threshold || t.size > MAX_SHOWN;
  // elements shown with e edge items: a cut dim shows 2e
  const shownWith = (e: number): number => t.shape.reduce((c, n) => c * (n > 2 * e ? 2 * e : n), 1);
  let e = o.edgeItems;
  while (e > 1 && summarize && shownWith(e) > MAX_SHOWN) e = Math.max(1, Math.floor(e / 2));
  const cut = t.shape.map((n) => summarize && n > 2 * e);
  if (!cut.some((c) => c)) return { data: t.dataSync(), dims: t.shape.slice(), cut, edge: e };
  // Split every cut dim of size n, stride s into (2, e) with strides ((n - e) * s, s): a
  // strided view of exactly the first and last e items, read with one native copy. That adds
  // a dim per cut dim; past MAX_DIMS the outermost dims are fixed at each shown index in turn
  // (and dropped), one read per combination, concatenated in display order.
  const nd = t.shape.length;
  const nCut = cut.filter((c) => c).length;
  let k = 0;
  let cutOuter = 0;
  while (nd - k + nCut - cutOuter > MAX_DIMS) if (cut[k++]) cutOuter++;
  const dims = t.shape.map((n, d) => (cut[d] ? 2 * e : n));
  const shape: number[] = [];
  const strides: number[] = [];
  for (let d = k; d < nd; d++) {
    const n = t.shape[d];
    const s = t._strides[d];
    if (cut[d]) shape.push(2, e), strides.push((n - e) * s, s);
    else shape.push(n), strides.push(s);
  }
  const outer = t.shape.slice(0, k).map((n, d) =>
    cut[d] ? [...Array(e).keys(), ...Array.from({ length: e }, (_, i) => n - e + i)] : [...Array(n).keys()]);
  const total = dims.reduce((a, b) => a * b, 1);
  const data = new TYPED_ARRAY[t.dtype](total);
  const at = new Array<number>(k).fill(0);
  let pos = 0;
  do {
    let off = t._offset;
    for (let d = 0; d < k; d++) off += outer[d][at[d]] * t._strides[d];
    const v = t._view(shape.slice(), strides.slice(), off);
    try {
      const part = v.dataSync();
      data.set(part, pos);
      pos += part.length;
    } finally {
      v.dispose();
    }
    for (let d = k - 1; d >= 0 && ++at[d] === outer[d].length; d--) at[d] = 0;
  } while (k > 0 && pos < total);
  return { data, dims, cut, edge: e };
}

// ---------------------------------------------------------------------------------------
// Element formatting
// ---------------------------------------------------------------------------------------

interface ElementFormatter {
  fmt(v: number): string; // unpadded
  width: number;
}

function expString(v: number, p: number): string {
  // JS "1.0000e+5" -> Python/numpy "1.0000e+05"
  const s = v.toExponential(p);
  const k = s.indexOf('e');
  const exp = s.slice(k + 2);
  return s.slice(0, k + 2) + (exp.length < 2 ? '0' + exp : exp);
}

function fixedString(v: number, p: number): string {
  let s: string;
  if (Math.abs(v) < 1e21) s = v.toFixed(p);
  else s = v.toLocaleString('en-US', { useGrouping: false, minimumFractionDigits: Math.min(p, 20), maximumFractionDigits: Math.min(p, 20) });
  if (v === 0 && Object.is(v, -0)) s = '-' + s;
  return s;
}

function nonFinite(v: number): string {
  return v !== v ? 'nan' : v > 0 ? 'inf' : '-inf';
}

function makeFormatter(data: TypedArray, dtype: string, o: PrintOptions): ElementFormatter {
  let fmt: (v: number) => string;
  if (dtype === 'bool') fmt = (v) => (v ? 'true' : 'false');
  else if (dtype === 'int32') fmt = (v) => String(v);
  else {
    let lo = Infinity;
    let hi = 0;
    for (let i = 0; i < data.length; i++) {
      const a = Math.abs(data[i]);
      if (a !== 0 && a !== Infinity && a === a) {
        if (a < lo) lo = a;
        if (a > hi) hi = a;
      }
    }
    const p = o.precision;
    const sci = o.sciMode ?? (hi > 0 && (hi / lo > 1e3 || hi >= 1e8 || lo < 1e-4));
    fmt = sci
      ? (v) => (Number.isFinite(v) ? expString(v, p) : nonFinite(v))
      : (v) => (Number.isFinite(v) ? fixedString(v, p) : nonFinite(v));
  }
  let width = 1;
  for (let i = 0; i < data.length; i++) {
    const w = fmt(data[i]).length;
    if (w > width) width = w;
  }
  return { fmt, width };
}

// ---------------------------------------------------------------------------------------
// Layout (torch's _tensor_str)
// ---------------------------------------------------------------------------------------

function body(sh: Shown, f: ElementFormatter, indent: number, o: PrintOptions): string {
  const { data, dims, cut, edge } = sh;
  const nd = dims.length;
  const stride = new Array<number>(nd);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) {
    stride[d] = s;
    s *= dims[d];
  }
  const pad = (v: number): string => f.fmt(v).padStart(f.width);
  const rec = (d: number, base: number, ind: number): string => {
    const n = dims[d];
    if (d === nd - 1) {
      const items: string[] = [];
      for (let k = 0; k < n; k++) {
        if (cut[d] && k === edge) items.push(edge === 0 ? '...' : ' ...');
        items.push(pad(data[base + k]));
      }
      if (cut[d] && edge === 0 && n === 0) items.push('...');
      const perLine = Math.max(1, Math.floor((o.lineWidth - ind) / (f.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(ind + 1)) + ']';
    }
    const slices: string[] = [];
    for (let k = 0; k < n; k++) {
      if (cut[d] && k === edge) slices.push('...');
      slices.push(rec(d + 1, base + k * stride[d], ind + 1));
    }
    if (cut[d] && n === 0) slices.push('...');
    return '[' + slices.join(',' + '\n'.repeat(nd - d - 1) + ' '.repeat(ind + 1)) + ']';
  };
  return rec(0, 0, indent);
}

/** `[2, 3]`, bounded like the error messages' fmtShape (a shape set by hand may be anything). */
function shapeStr(shape: readonly number[]): string {
  if (!Array.isArray(shape)) return describe(shape);
  const parts: string[] = [];
  for (let i = 0; i < shape.length && i < MAX_DIMS; i++) parts.push(typeof shape[i] === 'number' ? String(shape[i]) : describe(shape[i]));
  if (shape.length > MAX_DIMS) parts.push(`… ${shape.length} dims`);
  return `[${parts.join(', ')}]`;
}

/** Why t's fields cannot describe a real tensor (set by hand), or null when they can. */
function layoutProblem(t: Tensor): string | null {
  const { shape, _strides: strides } = t;
  if (!Array.isArray(shape) || shape.length > MAX_DIMS) return `the shape is not an array of at most ${MAX_DIMS} dims`;
  if (!Array.isArray(strides) || strides.length !== shape.length) return 'the strides do not match the shape';
  let n = 1;
  for (let d = 0; d < shape.length; d++) {
    const k = shape[d];
    if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 0) return `dim ${d} is ${describe(k)}`;
    if (typeof strides[d] !== 'number' || !Number.isSafeInteger(strides[d])) return `stride ${d} is ${describe(strides[d])}`;
    n *= k;
  }
  if (n !== t.size) return `the shape does not hold its ${describe(t.size)} elements`;
  if (!Number.isSafeInteger(t._offset) || t._offset < 0) return `the offset is ${describe(t._offset)}`;
  return null;
}

/** torch's _add_suffixes: ", suffix" on the last line while it fits (with the closing paren), else on a new line. */
function addSuffixes(str: string, suffixes: string[], indent: number, lineWidth: number): string {
  const parts = [str];
  let last = str.length - str.lastIndexOf('\n') - 1;
  for (let i = 0; i < suffixes.length; i++) {
    const sfx = suffixes[i];
    const close = i === suffixes.length - 1 ? 1 : 0;
    if (last + 2 + sfx.length + close > lineWidth) {
      parts.push(',\n' + ' '.repeat(indent) + sfx);
      last = indent + sfx.length;
    } else {
      parts.push(', ' + sfx);
      last += sfx.length + 2;
    }
  }
  parts.push(')');
  return parts.join('');
}

function suffixesOf(t: Tensor): string[] {
  const sfx = [`shape=${shapeStr(t.shape)}`, `dtype=${t.dtype}`];
  if (t.device !== 'cpu') sfx.push(`device=${t.device}`);
  const node = t._node as { name?: unknown; constructor?: { name?: string } } | null;
  const nodeName = node ? (typeof node.name === 'string' ? node.name : node.constructor?.name) : undefined;
  if (node && nodeName && nodeName !== 'Object') sfx.push(`gradFn=<${nodeName}>`);
  else if (t.requiresGrad) sfx.push('requiresGrad=true');
  return sfx;
}

/** The text console.log / util.inspect / String print for a tensor. Throws only for a non-tensor. */
export function formatTensor(t: Tensor): string {
  if (!(t instanceof Tensor)) fail('formatTensor', `expected a Tensor, got ${describe(t)}`);
  const dtype = typeof t.dtype === 'string' ? t.dtype : describe(t.dtype);
  if (t._disposed) return `Tensor(disposed, shape=${shapeStr(t.shape)}, dtype=${dtype})`;
  const problem = layoutProblem(t);
  if (problem !== null) return `Tensor(shape=${shapeStr(t.shape)}, dtype=${dtype}, unprintable: ${problem})`;
  const o = printOpts;
  const prefix = 'tensor(';
  const indent = prefix.length;
  try {
    let str: string;
    if (t.size === 0) str = '[]';
    else {
      const sh = gather(t, o);
      const f = makeFormatter(sh.data, t.dtype, o);
      str = sh.dims.length === 0 ? f.fmt(sh.data[0]) : body(sh, f, indent, o);
    }
    return addSuffixes(prefix + str, suffixesOf(t), indent, o.lineWidth);
  } catch (e) {
    const msg = e instanceof Error ? String(e.message).slice(0, 200) : describe(e);
    return `Tensor(shape=${shapeStr(t.shape)}, dtype=${dtype}, unprintable: ${msg})`;
  }
}

setFormatter(formatTensor);

// ---------------------------------------------------------------------------------------
// HTML (notebooks)
// ---------------------------------------------------------------------------------------

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * An HTML rendering: a table for 1-D and 2-D tensors (summarised like the text, with
 * "…" rows/columns), the text in a <pre> otherwise. For tslab: tslab.display.html(t.toHTML()).
 */
export function toHTML(t: Tensor): string {
  if (!(t instanceof Tensor)) fail('toHTML', `expected a Tensor, got ${describe(t)}`);
  const text = formatTensor(t);
  if (t._disposed || layoutProblem(t) !== null || t.ndim === 0 || t.ndim > 2 || t.size === 0) return `<pre>${esc(text)}</pre>`;
  let sh: Shown;
  try {
    sh = gather(t, printOpts);
  } catch {
    return `<pre>${esc(text)}</pre>`;
  }
  const f = makeFormatter(sh.data, t.dtype, printOpts);
  const rows = t.ndim === 2 ? sh.dims[0] : 1;
  const cols = t.ndim === 2 ? sh.dims[1] : sh.dims[0];
  const rowCut = t.ndim === 2 && sh.cut[0];
  const colCut = t.ndim === 2 ? sh.cut[1] : sh.cut[0];
  const e = sh.edge;
  const idx = (k: number, n: number, cut: boolean): number => (cut && k >= e ? n - 2 * e + k : k);
  const nRows = t.ndim === 2 ? t.shape[0] : 1;
  const nCols = t.ndim === 2 ? t.shape[1] : t.shape[0];
  const td = 'style="text-align:right;font-family:monospace;padding:1px 6px"';
  const th = 'style="text-align:right;font-family:monospace;padding:1px 6px;color:#888;font-weight:normal"';
  const out: string[] = [];
  out.push('<div class="tapeflow-tensor"><table style="border-collapse:collapse">');
  out.push(`<caption style="caption-side:bottom;text-align:left;font-family:monospace;color:#888">tensor shape=${esc(shapeStr(t.shape))} dtype=${t.dtype}${t.requiresGrad ? ' requiresGrad=true' : ''}</caption>`);
  const header: string[] = [`<th ${th}></th>`];
  for (let c = 0; c < cols; c++) {
    if (colCut && c === e) header.push(`<th ${th}>…</th>`);
    header.push(`<th ${th}>${idx(c, nCols, colCut)}</th>`);
  }
  out.push(`<thead><tr>${header.join('')}</tr></thead><tbody>`);
  for (let r = 0; r < rows; r++) {
    if (rowCut && r === e) out.push(`<tr><th ${th}>…</th>${`<td ${td}>…</td>`.repeat(cols + (colCut ? 1 : 0))}</tr>`);
    const cells: string[] = [`<th ${th}>${t.ndim === 2 ? idx(r, nRows, rowCut) : ''}</th>`];
    for (let c = 0; c < cols; c++) {
      if (colCut && c === e) cells.push(`<td ${td}>…</td>`);
      cells.push(`<td ${td}>${esc(f.fmt(sh.data[r * cols + c]))}</td>`);
    }
    out.push(`<tr>${cells.join('')}</tr>`);
  }
  out.push('</tbody></table></div>');
  return out.join('');
}

const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

declare module './tensor' {
  interface Tensor {
    /** HTML rendering for notebooks (see toHTML). */
    toHTML(): string;
    /** Rich display for Jupyter kernels that support it (Deno.jupyter.$display): a MIME bundle. */
    [JUPYTER_DISPLAY](): { 'text/plain': string; 'text/html': string };
  }
}
Tensor.prototype.toHTML = function (this: Tensor): string {
  return toHTML(this);
};
Tensor.prototype[JUPYTER_DISPLAY] = function (this: Tensor) {
  return { 'text/plain': formatTensor(this), 'text/html': toHTML(this) };
};
