// Resize / Upsample and Pad, written as gathers along each axis: nearest picks one source
// index per output index, linear blends two (separable, so N-D is axis after axis), reflect
// and edge padding gather mirrored or clamped indices. Exact for every coordinate mode, and
// differentiable through gather.
import { Tensor } from '../tensor';
import { gather } from '../ops/indexing';
import { add, mul } from '../ops/binary';
import { pad } from '../ops/join';
import { stridedSlice } from '../ops/strided-slice';
import { tensor } from '../ops/creation';
import { where } from '../ops/logical';
import { def, need, nodeFail, intsOf, scalarOf } from './registry';
import type { OpContext } from './registry';

/** Source coordinate of output index o on an axis of `inLen` scaled to `outLen` by `scale`. */
// outLen is the unrounded in × scale when scales are given (ONNX's align_corners uses it as is)
function sourceCoord(mode: string, o: number, scale: number, inLen: number, outLen: number, c: OpContext): number {
  switch (mode) {
    case 'half_pixel': return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel': return outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outLen === 1 ? 0 : (o * (inLen - 1)) / (outLen - 1);
    case 'asymmetric': return o / scale;
    case 'tf_half_pixel_for_nn': return (o + 0.5) / scale;
    default: return nodeFail(c, `coordinate_transformation_mode '${mode}' is not supported`);
  }
}

function nearest(rule: string, v: number, c: OpContext): number {
  switch (rule) {
    case 'round_prefer_floor': return v === Math.floor(v) + 0.5 ? Math.floor(v) : Math.round(v);
    case 'round_prefer_ceil': return Math.round(v);
    case 'floor': return Math.floor(v);
    case 'ceil': return Math.ceil(v);
    default: return nodeFail(c, `nearest_mode '${rule}' is not supported`);
  }
}

function resizeAxis(t: Tensor, a: number, outLen: number, src: (o: number) => number, mode: string, rule: string, c: OpContext): Tensor {
  const inLen = t.shape[a];
  // the identity when every output point sits on its own input point
  if (outLen === inLen && Array.from({ length: outLen }, (_, o) => src(o) === o).every((v) => v)) return t;
  if (inLen === 0) nodeFail(c, `cannot resize an empty axis ${a}`, 'ERR_SHAPE');
  const clampI = (i: number): number => Math.min(Math.max(i, 0), inLen - 1);
  if (mode === 'nearest') {
    const idx = new Int32Array(outLen);
    for (let o = 0; o < outLen; o++) idx[o] = clampI(nearest(rule, src(o), c));
    return gather(t, idx, a);
  }
  const shape = t.shape.map((_, i) => (i === a ? outLen : 1));
  const wt = (w: Float64Array): Tensor => tensor(Array.from(w), { dtype: t.dtype, shape });
  if (mode === 'cubic') {
    // Keys' cubic convolution over taps f-1 … f+2 (edge values repeated beyond the ends; with
    // exclude_outside their weights are dropped and the rest renormalised)
    const A = c.attrs.float('cubic_coeff_a', -0.75);
    const exclude = c.attrs.int('exclude_outside', 0) === 1;
    const kern = (d: number): number => {
      const x = Math.abs(d);
      if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
      if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
      return 0;
    };
    const idx = [0, 1, 2, 3].map(() => new Int32Array(outLen));
    const ws = [0, 1, 2, 3].map(() => new Float64Array(outLen));
    for (let o = 0; o < outLen; o++) {
      const s = src(o);
      const f = Math.floor(s);
      let total = 0;
      for (let k = 0; k < 4; k++) {
        const i = f - 1 + k;
        let w = kern(s - i);
        if (exclude && (i < 0 || i >= inLen)) w = 0;
        idx[k][o] = clampI(i);
        ws[k][o] = w;
        total += w;
      }
      if (exclude && total !== 0) for (let k = 0; k < 4; k++) ws[k][o] /= total;
    }
    let y = mul(gather(t, idx[0], a), wt(ws[0]));
    for (let k = 1; k < 4; k++) y = add(y, mul(gather(t, idx[k], a), wt(ws[k])));
    return y;
  }
  const i0 = new Int32Array(outLen), i1 = new Int32Array(outLen);
  const w0 = new Float64Array(outLen), w1 = new Float64Array(outLen);
  for (let o = 0; o < outLen; o++) {
    const s = Math.min(Math.max(src(o), 0), inLen - 1);
    const f = Math.floor(s);
    i0[o] = clampI(f);
    i1[o] = clampI(f + 1);
    w1[o] = s - f;
    w0[o] = 1 - w1[o];
  }
  return add(mul(gather(t, i0, a), wt(w0)), mul(gather(t, i1, a), wt(w1)));
}

function resize(x: (Tensor | null)[], c: OpContext, upsample: boolean): Tensor {
  let t = need(x, 0, c);
  let mode = c.attrs.string('mode', 'nearest');
  if (mode === 'bilinear') mode = 'linear';
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') nodeFail(c, `mode '${mode}' is not one of nearest, linear, cubic`, 'ERR_FORMAT');
  // Upsample and opset-10 Resize: asymmetric coordinates, nearest rounds down
  const old = upsample || c.opset < 11;
  const coord = old ? 'asymmetric' : c.attrs.string('coordinate_transformation_mode', 'half_pixel');
  const rule = old ? 'floor' : c.attrs.string('nearest_mode', 'round_prefer_floor');
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (upsample && c.opset < 9) scales = c.attrs.floats('scales');
  else if (upsample || c.opset < 11) scales = Array.from(need(x, 1, c).dataSync());
  else {
    const s = x[2];
    if (s instanceof Tensor && s.size > 0) scales = Array.from(s.dataSync());
    const z = x[3];
    if (z instanceof Tensor && z.size > 0) sizes = intsOf(z, c, 'sizes');
  }
  if (c.attrs.has('axes')) nodeFail(c, "the 'axes' attribute (opset 18) is not supported");
  const r = t.rank;
  if (sizes !== undefined && sizes.length !== r) nodeFail(c, `sizes [${sizes}] must have ${r} values`, 'ERR_FORMAT');
  if (scales !== undefined && scales.length !== r) nodeFail(c, `scales [${scales}] must have ${r} values`, 'ERR_FORMAT');
  if (scales === undefined && sizes === undefined) nodeFail(c, 'neither scales nor sizes is given', 'ERR_FORMAT');
  let roi: number[] | undefined;
  if (coord === 'tf_crop_and_resize') {
    roi = x[1] instanceof Tensor ? Array.from(x[1].dataSync()) : undefined;
    if (roi === undefined || roi.length !== 2 * r) nodeFail(c, `tf_crop_and_resize needs a roi of ${2 * r} values`, 'ERR_FORMAT');
  }
  let total = 1;
  for (let a = 0; a < r; a++) total *= sizes !== undefined ? sizes[a] : Math.floor(t.shape[a] * scales![a]);
  if (!(total <= 2 ** 28)) nodeFail(c, `the output would hold ${total} elements (at most 2^28)`, 'ERR_SHAPE');
  for (let a = 0; a < r; a++) {
    const inLen = t.shape[a];
    const outLen = sizes !== undefined ? sizes[a] : Math.floor(inLen * scales![a]);
    const scale = sizes !== undefined ? outLen / inLen : scales![a];
    if (!(outLen >= 0) || !(outLen <= 2 ** 28)) nodeFail(c, `output length ${outLen} on axis ${a}`, 'ERR_SHAPE');
    if (!(scale > 0)) nodeFail(c, `scale ${scale} on axis ${a} must be > 0`, 'ERR_FORMAT');
    const exact = sizes !== undefined ? outLen : inLen * scales![a];
    let src = (o: number): number => sourceCoord(coord, o, scale, inLen, exact, c);
    if (coord === 'tf_crop_and_resize') {
      // the roi input holds [starts..., ends...] as fractions of each axis; points outside the
      // input take extrapolation_value
      const [lo, hi] = [roi![a], roi![a + r]];
      src = (o) => (outLen > 1 ? lo * (inLen - 1) + (o * (hi - lo) * (inLen - 1)) / (outLen - 1) : 0.5 * (lo + hi) * (inLen - 1));
    }
    t = resizeAxis(t, a, outLen, src, mode, rule, c);
    if (coord === 'tf_crop_and_resize') {
      const outside = Array.from({ length: outLen }, (_, o) => src(o) < 0 || src(o) > inLen - 1);
      if (outside.some((v) => v)) {
        const m = tensor(outside, { dtype: 'bool', shape: t.shape.map((d, i) => (i === a ? outLen : 1)) });
        t = where(m, c.attrs.float('extrapolation_value', 0), t);
      }
    }
  }
  return t;
}
def('Resize', (x, c) => resize(x, c, false));
def('Upsample', (x, c) => resize(x, c, true));

def('Pad', (x, c) => {
  const t = need(x, 0, c);
  const r = t.rank;
  const mode = c.attrs.string('mode', 'constant');
  let pads: number[];
  let value = 0;
  if (c.opset < 11) {
    pads = c.attrs.ints(c.opset < 2 ? 'paddings' : 'pads', []);
    value = c.attrs.float('value', 0);
  } else {
    pads = intsOf(need(x, 1, c), c, 'pads');
    if (x[2] instanceof Tensor) value = scalarOf(x[2], c, 'constant_value');
    if (x[3] instanceof Tensor) nodeFail(c, 'the axes input (opset 18) is not supported');
  }
  if (pads.length !== 2 * r) nodeFail(c, `pads [${pads}] must have ${2 * r} values for rank ${r}`, 'ERR_FORMAT');
  // negative pads crop first
  const b = t.shape.map((_, i) => Math.max(0, -pads[i]));
  const e = t.shape.map((d, i) => d - Math.max(0, -pads[i + r]));
  if (e.some((v, i) => v < b[i])) nodeFail(c, `pads [${pads}] crop more than shape [${t.shape}] holds`, 'ERR_SHAPE');
  let y = b.some((v) => v > 0) || e.some((v, i) => v !== t.shape[i]) ? stridedSlice(t, b, e) : t;
  const before = pads.slice(0, r).map((p) => Math.max(p, 0));
  const after = pads.slice(r).map((p) => Math.max(p, 0));
  if (mode === 'constant') {
    if (before.some((p) => p > 0) || after.some((p) => p > 0)) y = pad(y, before.map((p, i) => [p, after[i]]), t.dtype === 'bool' ? value !== 0 : value);
    return y;
  }
  if (mode !== 'reflect' && mode !== 'edge') nodeFail(c, `mode '${mode}' is not supported (constant, reflect and edge are)`);
  for (let a = 0; a < r; a++) {
    const n = y.shape[a];
    if (before[a] === 0 && after[a] === 0) continue;
    if (n === 0 || (mode === 'reflect' && (before[a] >= n || after[a] >= n)))
      nodeFail(c, `${mode} padding of ${before[a]}, ${after[a]} on an axis of length ${n}`, 'ERR_SHAPE');
    const idx = new Int32Array(n + before[a] + after[a]);
    for (let o = 0; o < idx.length; o++) {
      const i = o - before[a];
      idx[o] = mode === 'edge' ? Math.min(Math.max(i, 0), n - 1) : i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
    }
    y = gather(y, idx, a);
  }
  return y;
});
