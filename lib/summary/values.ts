// Summary.Value builders shared by the torch-style SummaryWriter and the tf.summary functions:
// scalars, histograms (torch's make_histogram over numpy.histogram), images (torch's
// convert_to_HWC / make_grid / uint8 scaling, PNG by pngjs) and text (the "text" plugin).
// They return plain objects that protobufjs encodes with the types of proto.ts.
import { Tensor } from '../tensor';
import { fail, describe, fmtShape } from '../core/errors';

// pngjs ships no types: the two calls used here, typed by hand
interface PngImage {
  width: number;
  height: number;
  data: Buffer;
}
interface PngModule {
  PNG: {
    new (o: { width: number; height: number }): PngImage;
    sync: { write(png: PngImage, o: { colorType: number; inputColorType?: number; inputHasAlpha?: boolean }): Buffer };
  };
}
let png: PngModule | null = null;

export type SummaryValue = Record<string, unknown>;

/** A number, or the value of a one-element tensor. */
export function scalarOf(op: string, what: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof Tensor) {
    v._live(op);
    if (v.size !== 1) fail(op, `${what} must be a number or a one-element tensor, got a tensor of shape ${fmtShape(v.shape)}`, 'ERR_SHAPE');
    return v.item();
  }
  return fail(op, `${what} must be a number or a one-element tensor, got ${describe(v)}`);
}

export function checkTag(op: string, tag: unknown, what = 'tag'): string {
  if (typeof tag !== 'string' || tag.length === 0) fail(op, `${what} must be a non-empty string, got ${describe(tag)}`);
  return tag;
}

export function scalarValue(tag: string, value: number): SummaryValue {
  return { tag, simple_value: value };
}

// ---- histograms ---------------------------------------------------------------------------------

let tfBins: number[] | null = null;
/** torch's default_bins ('tensorflow'): ±1e-12 · 1.1^k up to 1e20, and 0 (TF1's histogram buckets). */
export function tensorflowBins(): number[] {
  if (tfBins) return tfBins;
  const pos: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) pos.push(v);
  tfBins = [...pos.map((v) => -v).reverse(), 0, ...pos];
  return tfBins;
}

export type Bins = 'tensorflow' | number | number[];

/** numpy.histogram(values, bins): counts per [e_i, e_i+1) (the last bin closed) and the edges. */
function npHistogram(op: string, values: Float64Array, min: number, max: number, bins: Bins): { counts: number[]; edges: number[] } {
  let edges: number[];
  if (bins === 'tensorflow') edges = tensorflowBins();
  else if (typeof bins === 'number') {
    if (!Number.isSafeInteger(bins) || bins < 1 || bins > 1e6) fail(op, `bins must be a whole number in [1, 1e6], 'tensorflow' or an array of edges, got ${describe(bins)}`);
    let lo = min;
    let hi = max;
    if (lo === hi) (lo -= 0.5), (hi += 0.5);
    const step = (hi - lo) / bins;
    edges = Array.from({ length: bins + 1 }, (_, i) => i * step + lo);
    edges[bins] = hi;
  } else if (Array.isArray(bins)) {
    if (bins.length < 2 || bins.length > 1e6 + 1) fail(op, `bins as edges needs 2 to 1e6 + 1 numbers, got ${bins.length}`);
    for (let i = 0; i < bins.length; i++) {
      if (typeof bins[i] !== 'number' || !Number.isFinite(bins[i])) fail(op, `bins[${i}] must be a finite number, got ${describe(bins[i])}`);
      if (i > 0 && !(bins[i] >= bins[i - 1])) fail(op, `bins must increase monotonically: bins[${i}] = ${bins[i]} < bins[${i - 1}] = ${bins[i - 1]}`);
    }
    edges = bins.slice();
  } else return fail(op, `bins must be 'tensorflow', a whole number or an array of edges, got ${describe(bins)}`);
  const n = edges.length - 1;
  const counts = new Array<number>(n).fill(0);
  const first = edges[0];
  const last = edges[n];
  for (let k = 0; k < values.length; k++) {
    const x = values[k];
    if (x < first || x > last) continue;
    // the last edge <= x (upper bound - 1), the last bin taking x == last
    let lo = 0;
    let hi = n + 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    counts[Math.min(lo - 1, n - 1)]++;
  }
  return { counts, edges };
}

/** torch.utils.tensorboard.summary.make_histogram: a HistogramProto of the values. */
export function makeHistogram(op: string, t: Tensor, bins: Bins = 'tensorflow'): SummaryValue {
  if (!(t instanceof Tensor)) fail(op, `values must be a Tensor, got ${describe(t)}`);
  t._live(op);
  if (t.size === 0) fail(op, `values must hold at least one element, got shape ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  const values = Float64Array.from(t.dataSync() as ArrayLike<number>);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) fail(op, `values hold ${v} at flat index ${i}: a histogram needs finite values (TensorFlow refuses them too)`);
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSq += v * v;
  }
  let { counts, edges } = npHistogram(op, values, min, max, bins);
  // keep the bins from the first to the last nonzero one, with one empty bin on the left so
  // TensorBoard (which reads right edges only) knows where the first bin starts
  let start = 0;
  while (start < counts.length && counts[start] === 0) start++;
  if (start === counts.length) fail(op, `no value lies inside the bins (values in [${min}, ${max}], bins from ${edges[0]} to ${edges[edges.length - 1]})`);
  let end = counts.length - 1;
  while (counts[end] === 0) end--;
  end++;
  counts = start > 0 ? counts.slice(start - 1, end) : [0, ...counts.slice(0, end)];
  edges = edges.slice(start, end + 1);
  return { min, max, num: values.length, sum, sum_squares: sumSq, bucket_limit: edges, bucket: counts };
}

// ---- images -------------------------------------------------------------------------------------

export type DataFormat = 'CHW' | 'HWC' | 'HW' | 'NCHW' | 'NHWC' | 'WH' | 'CWH' | string;

/** Image pixels as uint8 HWC with c = 3 or 4. */
export interface Pixels {
  h: number;
  w: number;
  c: number;
  data: Uint8Array;
}

/** torch's scaling: floats × 255 in float32, clipped to [0, 255], truncated; int32 as 0..255, bool as 0/255. */
function toUint8(t: Tensor): Uint8Array {
  const src = t.dataSync();
  const out = new Uint8Array(src.length);
  const isFloat = t.dtype === 'float32' || t.dtype === 'float64';
  const scale = t.dtype === 'bool' ? 255 : isFloat ? 255 : 1;
  for (let i = 0; i < src.length; i++) {
    const v = isFloat ? Math.fround(Math.fround(src[i]) * scale) : src[i] * scale;
    out[i] = v > 255 ? 255 : v > 0 ? Math.trunc(v) : 0; // NaN → 0
  }
  return out;
}

/** torch's convert_to_HWC (with make_grid for a batch): the pixels of an image or an 8-wide grid. */
export function toPixels(op: string, t: Tensor, dataFormats: string): Pixels {
  if (!(t instanceof Tensor)) fail(op, `img must be a Tensor, got ${describe(t)}`);
  t._live(op);
  if (typeof dataFormats !== 'string') fail(op, `dataFormats must be a string such as 'CHW', got ${describe(dataFormats)}`);
  const fmt = dataFormats.toUpperCase();
  const letters = fmt.length === 4 ? 'NCHW' : fmt.length === 3 ? 'HWC' : fmt.length === 2 ? 'HW' : '';
  if (!letters || [...letters].some((c) => !fmt.includes(c)) || new Set(fmt).size !== fmt.length)
    fail(op, `dataFormats must be a permutation of 'NCHW', 'HWC' or 'HW', got ${describe(dataFormats)}`);
  if (t.ndim !== fmt.length)
    fail(op, `img of shape ${fmtShape(t.shape)} has ${t.ndim} dims but dataFormats '${dataFormats}' names ${fmt.length}`, 'ERR_SHAPE');
  const dim = (c: string): number => (fmt.includes(c) ? t.shape[fmt.indexOf(c)] : 1);
  const n = dim('N');
  const c = dim('C');
  const h = dim('H');
  const w = dim('W');
  if (fmt.length === 4 && c !== 1 && c !== 3) fail(op, `a batch of images needs 1 or 3 channels (as torch's make_grid), got ${c} in shape ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  if (fmt.length === 3 && c !== 1 && c !== 3 && c !== 4) fail(op, `an image needs 1, 3 or 4 channels, got ${c} in shape ${fmtShape(t.shape)}`, 'ERR_SHAPE');
  if (n === 0 || h === 0 || w === 0) fail(op, `img of shape ${fmtShape(t.shape)} holds no pixel`, 'ERR_SHAPE');
  const ncols = Math.min(n, 8);
  const nrows = Math.ceil(n / ncols);
  const H = h * nrows;
  const W = w * ncols;
  if (H * W > 1 << 26) fail(op, `a ${H}x${W} image is too large for a summary`, 'ERR_SHAPE');
  const oc = c === 4 ? 4 : 3;
  const src = toUint8(t);
  const stride = (ch: string): number => {
    const k = fmt.indexOf(ch);
    if (k < 0) return 0;
    let s = 1;
    for (let d = k + 1; d < fmt.length; d++) s *= t.shape[d];
    return s;
  };
  const [sn, sc, sh, sw] = [stride('N'), stride('C'), stride('H'), stride('W')];
  const out = new Uint8Array(H * W * oc); // make_grid's canvas starts black
  for (let i = 0; i < n; i++) {
    const y0 = Math.floor(i / ncols) * h;
    const x0 = (i % ncols) * w;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < oc; k++) out[((y0 + y) * W + x0 + x) * oc + k] = src[i * sn + (c === 1 ? 0 : k) * sc + y * sh + x * sw];
  }
  return { h: H, w: W, c: oc, data: out };
}

/** PNG bytes of the pixels (RGB, or RGBA for 4 channels). */
export function encodePng(p: Pixels): Buffer {
  png ??= require('pngjs') as PngModule; // eslint-disable-line @typescript-eslint/no-var-requires
  const { PNG } = png;
  const img = new PNG({ width: p.w, height: p.h });
  const n = p.w * p.h;
  for (let i = 0; i < n; i++) {
    img.data[4 * i] = p.data[p.c * i];
    img.data[4 * i + 1] = p.data[p.c * i + 1];
    img.data[4 * i + 2] = p.data[p.c * i + 2];
    img.data[4 * i + 3] = p.c === 4 ? p.data[4 * i + 3] : 255;
  }
  return PNG.sync.write(img, { colorType: p.c === 4 ? 6 : 2 });
}

export function imageValue(tag: string, p: Pixels): SummaryValue {
  return { tag, image: { height: p.h, width: p.w, colorspace: p.c, encoded_image_string: encodePng(p) } };
}

// ---- text ---------------------------------------------------------------------------------------

/** The text plugin's form: a DT_STRING tensor of shape [1] (TextPluginData version 0 is empty bytes). */
export function textValue(tag: string, text: unknown, op: string): SummaryValue {
  if (typeof text !== 'string') fail(op, `text must be a string, got ${describe(text)}`);
  return {
    tag,
    metadata: { plugin_data: { plugin_name: 'text', content: new Uint8Array(0) } },
    tensor: { dtype: 7, tensor_shape: { dim: [{ size: 1 }] }, string_val: [Buffer.from(text, 'utf8')] },
  };
}
