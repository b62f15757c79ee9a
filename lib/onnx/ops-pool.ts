// ONNX MaxPool and AveragePool over 1, 2 or 3 spatial dims, and the global pools. A box pool is
// separable: the max over a box is the max over each axis in turn, and the mean over a box is
// the product of the per-axis means, because both the in-window cell count and (count_include_pad)
// the padded window size are products of per-axis counts. So 3-D pools run as a 2-D pool over
// (H, W) with C * D folded into the channels, then a [kd, 1] pool over (D, OH * OW); 1-D ones as
// 2-D over a height of 1. Everything is composed of differentiable tapeflow ops.
import { Tensor } from '../tensor';
import { maxPool2d, avgPool2d } from '../ops/pool';
import { pad } from '../ops/join';
import { unsqueeze, squeeze, reshape } from '../ops/views';
import { takeAlongAxis } from '../ops/indexing';
import { div, add, mul, sub } from '../ops/binary';
import { floor } from '../ops/unary';
import { cast } from '../ops/cast';
import { ones, arange } from '../ops/creation';
import { mean, max } from '../ops/reduce';
import { def, need, nodeFail } from './registry';
import type { OpContext } from './registry';
import { geometry, axesOf, lift2d, evenUp, padPairs } from './ops-window';
import type { Geom } from './ops-window';

type Kind = 'max' | 'avg';

interface Pooled {
  y: Tensor;
  /** max only, when asked: h * W + w of each maximum within its [H, W] plane of the unpadded input */
  idx: Tensor | null;
}

interface PoolMode {
  ceilMode: boolean;
  include: boolean;
  wantIdx: boolean;
}

const f64 = (t: Tensor): Tensor => cast(t, 'float64');

/** One 2-D pool over x [N, C, H, W] with the ONNX geometry g (pads per end). */
function pool2d(kind: Kind, t: Tensor, g: Geom, m: PoolMode): Pooled {
  // tapeflow's kernels take at most half the kernel as padding: pad beyond that by hand
  const big = g.begin.some((b, i) => b > Math.floor(g.kernel[i] / 2));
  const ceilMode = m.ceilMode;
  if (kind === 'max') {
    const [xp, padding] = big ? [pad(t, padPairs(g), -Infinity), [0, 0]] : evenUp(t, g, -Infinity);
    const opts = { stride: g.strides, padding, dilation: g.dilations, ceilMode };
    if (!m.wantIdx) return { y: maxPool2d(xp, g.kernel, opts), idx: null };
    const [y, idx] = maxPool2d(xp, g.kernel, { ...opts, returnIndices: true });
    if (xp === t) return { y, idx };
    // an index into the padded plane [Hp, Wp] back to the input's plane [H, W]
    const Wp = xp.shape[3];
    const i = f64(idx);
    const hp = floor(div(i, Wp));
    const h = sub(hp, g.begin[0]);
    const w = sub(sub(i, mul(hp, Wp)), g.begin[1]);
    return { y, idx: cast(add(mul(h, t.shape[3]), w), 'int32') };
  }
  if (g.begin.every((b, i) => b === g.end[i]) && !big)
    return { y: avgPool2d(t, g.kernel, { stride: g.strides, padding: g.begin, ceilMode, countIncludePad: m.include }), idx: null };
  const p = padPairs(g);
  const y = avgPool2d(pad(t, p, 0), g.kernel, { stride: g.strides, ceilMode });
  if (m.include) return { y, idx: null };
  // mean over the real cells only: divide by the share of the window that is not padding
  const share = avgPool2d(pad(ones([1, 1, ...t.shape.slice(2)], { dtype: t.dtype }), p, 0), g.kernel, { stride: g.strides, ceilMode });
  return { y: div(y, share), idx: null };
}

/** A pool of x [N, C, D, H, W]: (H, W) first, with C * D as channels, then D over [D, OH * OW] planes. */
function pool3d(kind: Kind, t: Tensor, g: Geom, m: PoolMode): { y: Tensor; coords: Tensor[] | null } {
  const [N, C, D, H, W] = t.shape;
  const r1 = pool2d(kind, reshape(t, [N, C * D, H, W]), axesOf(g, [1, 2]), m);
  const [OH, OW] = r1.y.shape.slice(2);
  const gd: Geom = {
    kernel: [g.kernel[0], 1], strides: [g.strides[0], 1], dilations: [g.dilations[0], 1], begin: [g.begin[0], 0], end: [g.end[0], 0],
  };
  const r2 = pool2d(kind, reshape(r1.y, [N, C, D, OH * OW]), gd, m);
  const OD = r2.y.shape[2];
  const y = reshape(r2.y, [N, C, OD, OH, OW]);
  if (r1.idx === null || r2.idx === null) return { y, coords: null };
  // the second pass's index is d * (OH * OW) + j with j its own column; the first pass's index
  // at (d, j) is where in that depth's [H, W] plane the maximum sits
  const d = floor(div(f64(r2.idx), OH * OW));
  const hw = f64(takeAlongAxis(reshape(r1.idx, [N, C, D, OH * OW]), cast(d, 'int32'), 2));
  const h = floor(div(hw, W));
  const out = [N, C, OD, OH, OW];
  return { y, coords: [reshape(d, out), reshape(h, out), reshape(sub(hw, mul(h, W)), out)] };
}

/**
 * ONNX's Indices count over the whole input tensor: (n * C + c) times the spatial size, plus the
 * spatial coordinates row-major (storage_order 0) or column-major (storage_order 1).
 */
function flatIndex(c: OpContext, coords: Tensor[], shape: number[]): Tensor {
  const [N, C, ...sp] = shape;
  const colMajor = c.attrs.int('storage_order', 0) === 1;
  let flat: Tensor | null = null;
  let step = 1;
  const order = colMajor ? coords.map((_, i) => i) : coords.map((_, i) => coords.length - 1 - i);
  for (const i of order) {
    const term = mul(coords[i], step);
    flat = flat === null ? term : add(flat, term);
    step *= sp[i];
  }
  const plane = mul(arange(N * C, { dtype: 'float64' }), step);
  return cast(add(flat!, reshape(plane, [N, C, ...sp.map(() => 1)])), 'int32');
}

function pool(kind: Kind) {
  const name = kind === 'max' ? 'MaxPool' : 'AveragePool';
  const run = (x: (Tensor | null)[], c: OpContext): Tensor | Tensor[] => {
    const t = need(x, 0, c);
    if (t.rank < 3 || t.rank > 5) nodeFail(c, `${name} of a rank-${t.rank} input [${t.shape}] is not supported (1, 2 or 3 spatial dims are)`);
    const k0 = c.attrs.ints('kernel_shape');
    if (k0 === undefined) nodeFail(c, "attribute 'kernel_shape' is required", 'ERR_FORMAT');
    if (kind === 'max' && !(t.dtype === 'float32' || t.dtype === 'float64')) {
      // integer inputs (uint8 images): exact in float32 up to 2^24, so max-pool as floats
      const r = run([cast(t, 'float32'), ...x.slice(1)], c);
      return Array.isArray(r) ? [cast(r[0], t.dtype), r[1]] : cast(r, t.dtype);
    }
    const g = geometry(c, t.shape.slice(2), k0);
    if (kind === 'avg' && g.dilations.some((d) => d !== 1)) nodeFail(c, 'AveragePool with dilations is not supported');
    const m: PoolMode = {
      ceilMode: c.attrs.int('ceil_mode', 0) === 1,
      include: c.attrs.int('count_include_pad', 0) === 1,
      wantIdx: kind === 'max' && c.node.outputs.length > 1 && c.node.outputs[1] !== '',
    };
    let y: Tensor;
    let coords: Tensor[] | null = null;
    if (t.rank === 5) ({ y, coords } = pool3d(kind, t, g, m));
    else {
      const one = t.rank === 3;
      const r = pool2d(kind, one ? unsqueeze(t, 2) : t, one ? lift2d(g) : g, m);
      y = one ? squeeze(r.y, 2) : r.y;
      if (r.idx !== null) {
        const i = f64(one ? squeeze(r.idx, 2) : r.idx);
        const W = t.shape[t.rank - 1];
        const h = floor(div(i, W));
        coords = one ? [i] : [h, sub(i, mul(h, W))];
      }
    }
    return coords === null ? y : [y, flatIndex(c, coords, t.shape)];
  };
  return run;
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
