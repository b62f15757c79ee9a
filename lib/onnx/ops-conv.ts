// Convolutions and pooling. ONNX pads may differ at the two ends of an axis; tapeflow's
// kernels pad both ends alike, so uneven pads (and auto_pad SAME_*) are applied with tp.pad
// first. 1-D ops run as 2-D ones over a height of 1.
import { Tensor } from '../tensor';
import { conv2d, convTranspose2d } from '../ops/conv';
import { maxPool2d, avgPool2d } from '../ops/pool';
import { pad } from '../ops/join';
import { unsqueeze, squeeze, reshape } from '../ops/views';
import { stridedSlice } from '../ops/strided-slice';
import { div, add, mul, sub } from '../ops/binary';
import { floor } from '../ops/unary';
import { cast } from '../ops/cast';
import { ones, arange } from '../ops/creation';
import { mean, max } from '../ops/reduce';
import { def, need, nodeFail } from './registry';
import type { OpContext } from './registry';

interface Geom {
  kernel: number[];
  strides: number[];
  dilations: number[];
  begin: number[];
  end: number[];
}

/** kernel, strides, dilations and the pads at each end, from the attributes (auto_pad resolved). */
function geometry(c: OpContext, spatial: number[], kernel: number[]): Geom {
  const n = spatial.length;
  const strides = c.attrs.ints('strides') ?? new Array<number>(n).fill(1);
  const dilations = c.attrs.ints('dilations') ?? new Array<number>(n).fill(1);
  if (kernel.length !== n || strides.length !== n || dilations.length !== n)
    nodeFail(c, `kernel_shape [${kernel}], strides [${strides}] and dilations [${dilations}] must each have ${n} values`, 'ERR_FORMAT');
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  let begin = new Array<number>(n).fill(0);
  let end = new Array<number>(n).fill(0);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(spatial[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]);
      begin[i] = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      end[i] = total - begin[i];
    }
  } else if (autoPad === 'NOTSET') {
    const p = c.attrs.ints('pads') ?? new Array<number>(2 * n).fill(0);
    if (p.length !== 2 * n) nodeFail(c, `pads [${p}] must have ${2 * n} values`, 'ERR_FORMAT');
    begin = p.slice(0, n);
    end = p.slice(n);
  } else if (autoPad !== 'VALID') nodeFail(c, `auto_pad '${autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`, 'ERR_FORMAT');
  for (const v of [...strides, ...dilations, ...kernel]) if (!(v >= 1)) nodeFail(c, 'kernel_shape, strides and dilations must be ≥ 1', 'ERR_FORMAT');
  for (const v of [...begin, ...end]) if (v < 0) nodeFail(c, 'negative pads are not supported');
  return { kernel, strides, dilations, begin, end };
}

/** x [N, C, ...spatial] with 1 or 2 spatial dims as 4-D (1-D gets a height of 1). */
function as2d(c: OpContext, x: Tensor, what: string): [Tensor, boolean] {
  if (x.rank === 3) return [unsqueeze(x, 2), true];
  if (x.rank === 4) return [x, false];
  return nodeFail(c, `${what} with ${x.rank - 2} spatial dims is not supported (1-D and 2-D are)`);
}
const lift = (v: number[], one: boolean, fill: number): number[] => (one ? [fill, ...v] : v);

/** Pads the spatial dims of a 4-D x where the two ends differ; returns the symmetric rest. */
function evenUp(x: Tensor, g: Geom, value: number): [Tensor, number[]] {
  if (g.begin.every((b, i) => b === g.end[i])) return [x, g.begin];
  const p: [number, number][] = [[0, 0], [0, 0], ...g.begin.map((b, i): [number, number] => [b, g.end[i]])];
  return [pad(x, p, value), g.begin.map(() => 0)];
}

def('Conv', (x, c) => {
  const [t, one] = as2d(c, need(x, 0, c), 'Conv');
  const w0 = need(x, 1, c);
  const w = one ? unsqueeze(w0, 2) : w0;
  const kernel = c.attrs.ints('kernel_shape') ?? w0.shape.slice(2);
  const g0 = geometry(c, t.shape.slice(one ? 3 : 2), kernel);
  const g = { ...g0, kernel: lift(g0.kernel, one, 1), strides: lift(g0.strides, one, 1), dilations: lift(g0.dilations, one, 1), begin: lift(g0.begin, one, 0), end: lift(g0.end, one, 0) };
  const [xp, padding] = evenUp(t, g, 0);
  const y = conv2d(xp, w, { bias: x[2] ?? null, stride: g.strides, dilation: g.dilations, padding, groups: c.attrs.int('group', 1) });
  return one ? squeeze(y, 2) : y;
});

def('ConvTranspose', (x, c) => {
  const [t, one] = as2d(c, need(x, 0, c), 'ConvTranspose');
  const w0 = need(x, 1, c);
  const w = one ? unsqueeze(w0, 2) : w0;
  const n = t.rank - 2 - (one ? 1 : 0);
  const kernel = c.attrs.ints('kernel_shape') ?? w0.shape.slice(2);
  const strides = c.attrs.ints('strides') ?? new Array<number>(n).fill(1);
  const dil = c.attrs.ints('dilations') ?? new Array<number>(n).fill(1);
  const outPad = c.attrs.ints('output_padding') ?? new Array<number>(n).fill(0);
  const inSp = t.shape.slice(one ? 3 : 2);
  const full = inSp.map((d, i) => strides[i] * (d - 1) + outPad[i] + (kernel[i] - 1) * dil[i] + 1);
  let begin: number[], end: number[];
  const outShape = c.attrs.ints('output_shape');
  const autoPad = c.attrs.string('auto_pad', 'NOTSET');
  if (outShape !== undefined || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    const want = outShape !== undefined ? outShape.slice(-n) : inSp.map((d, i) => d * strides[i]);
    const total = full.map((f, i) => f - want[i]);
    begin = total.map((v) => (autoPad === 'SAME_UPPER' ? Math.floor(v / 2) : v - Math.floor(v / 2)));
    end = total.map((v, i) => v - begin[i]);
  } else {
    const p = c.attrs.ints('pads') ?? new Array<number>(2 * n).fill(0);
    begin = p.slice(0, n);
    end = p.slice(n);
  }
  // the full output (no padding, output_padding folded in, no bias), then its pads cut off, or
  // (an output_shape beyond it) zeros added: exact for any pads; the bias goes on last
  const y = convTranspose2d(t, w, {
    stride: lift(strides, one, 1), dilation: lift(dil, one, 1), groups: c.attrs.int('group', 1),
    outputPadding: lift(outPad, one, 0), padding: 0,
  });
  const b = [0, 0, ...lift(begin, one, 0)];
  const e = [0, 0, ...lift(end, one, 0)];
  let cut = y;
  if (b.some((v) => v > 0) || e.some((v) => v > 0))
    cut = stridedSlice(cut, b.map((v) => Math.max(v, 0)), y.shape.map((d, i) => d - Math.max(e[i], 0)));
  if (b.some((v) => v < 0) || e.some((v) => v < 0)) cut = pad(cut, b.map((v, i): [number, number] => [Math.max(-v, 0), Math.max(-e[i], 0)]), 0);
  const bias = x[2];
  if (bias instanceof Tensor) cut = add(cut, reshape(bias, [1, bias.size, ...cut.shape.slice(2).map(() => 1)]));
  return one ? squeeze(cut, 2) : cut;
});

/**
 * tapeflow's indices count h * W + w within each [H, W] plane; ONNX's count over the whole
 * tensor, row-major (storage_order 0) or with h and w swapped (storage_order 1).
 */
function flatIndices(c: OpContext, t: Tensor, idx: Tensor): Tensor {
  const [N, C, H, W] = t.shape;
  let i = idx;
  if (c.attrs.int('storage_order', 0) === 1) {
    const h = floor(div(cast(idx, 'float64'), W));
    i = cast(add(h, mul(sub(cast(idx, 'float64'), mul(h, W)), H)), 'int32');
  }
  const plane = mul(arange(N * C, { dtype: 'int32' }), H * W);
  return add(i, reshape(plane, [N, C, 1, 1]));
}

function pool(kind: 'max' | 'avg') {
  return (x: (Tensor | null)[], c: OpContext): Tensor | Tensor[] => {
    const [t, one] = as2d(c, need(x, 0, c), kind === 'max' ? 'MaxPool' : 'AveragePool');
    const k0 = c.attrs.ints('kernel_shape');
    if (k0 === undefined) nodeFail(c, "attribute 'kernel_shape' is required", 'ERR_FORMAT');
    const g0 = geometry(c, t.shape.slice(one ? 3 : 2), k0);
    const g = { kernel: lift(g0.kernel, one, 1), strides: lift(g0.strides, one, 1), dilations: lift(g0.dilations, one, 1), begin: lift(g0.begin, one, 0), end: lift(g0.end, one, 0) };
    const ceilMode = c.attrs.int('ceil_mode', 0) === 1;
    const wantIdx = kind === 'max' && c.node.outputs.length > 1 && c.node.outputs[1] !== '';
    // tapeflow's kernels take at most half the kernel as padding: pad beyond that by hand
    const big = g.begin.some((b, i) => b > Math.floor(g.kernel[i] / 2));
    let y: Tensor;
    if (kind === 'max' && !(t.dtype === 'float32' || t.dtype === 'float64')) {
      // integer inputs (uint8 images): exact in float32 up to 2^24, so max-pool as floats
      const f = pool('max')([cast(need(x, 0, c), 'float32'), ...x.slice(1)], c) as Tensor;
      return cast(f, t.dtype);
    }
    if (kind === 'max') {
      const [xp, padding] = big ? [pad(t, [[0, 0], [0, 0], ...g.begin.map((b, i): [number, number] => [b, g.end[i]])], -Infinity), [0, 0]] : evenUp(t, g, -Infinity);
      if (wantIdx) {
        if (xp !== t) nodeFail(c, 'the Indices output with uneven or large pads is not supported');
        const [v, idx] = maxPool2d(xp, g.kernel, { stride: g.strides, padding, dilation: g.dilations, ceilMode, returnIndices: true });
        return [one ? squeeze(v, 2) : v, one ? squeeze(flatIndices(c, t, idx), 2) : flatIndices(c, t, idx)];
      }
      y = maxPool2d(xp, g.kernel, { stride: g.strides, padding, dilation: g.dilations, ceilMode });
    } else {
      if (g.dilations.some((d) => d !== 1)) nodeFail(c, 'AveragePool with dilations is not supported');
      const include = c.attrs.int('count_include_pad', 0) === 1;
      const even = !big && g.begin.every((b, i) => b === g.end[i]);
      if (even) y = avgPool2d(t, g.kernel, { stride: g.strides, padding: g.begin, ceilMode, countIncludePad: include });
      else {
        const p: [number, number][] = [[0, 0], [0, 0], ...g.begin.map((b, i): [number, number] => [b, g.end[i]])];
        y = avgPool2d(pad(t, p, 0), g.kernel, { stride: g.strides, ceilMode });
        if (!include) {
          // mean over the real cells only: divide by the share of the window that is not padding
          const share = avgPool2d(pad(ones([1, 1, ...t.shape.slice(2)], { dtype: t.dtype }), p, 0), g.kernel, { stride: g.strides, ceilMode });
          y = div(y, share);
        }
      }
    }
    return one ? squeeze(y, 2) : y;
  };
}
def('MaxPool', pool('max'));
def('AveragePool', pool('avg'));
def('GlobalAveragePool', (x, c) => {
  const t = need(x, 0, c);
  return mean(t, t.shape.slice(2).map((_, i) => i + 2), true);
});
def('GlobalMaxPool', (x, c) => {
  const t = need(x, 0, c);
  return max(t, t.shape.slice(2).map((_, i) => i + 2), true);
});

