// The window geometry shared by the ONNX convolution and pooling ops (ops-conv.ts, ops-pool.ts):
// kernel, strides, dilations and the pads at each end of every spatial axis. ONNX pads may
// differ at the two ends of an axis; tapeflow's kernels pad both ends alike, so uneven pads
// (and auto_pad SAME_*) are applied with tp.pad first.
import { Tensor } from '../tensor';
import { pad } from '../ops/join';
import { unsqueeze } from '../ops/views';
import { nodeFail } from './registry';
import type { OpContext } from './registry';

export interface Geom {
  kernel: number[];
  strides: number[];
  dilations: number[];
  begin: number[];
  end: number[];
}

/** kernel, strides, dilations and the pads at each end, from the attributes (auto_pad resolved). */
export function geometry(c: OpContext, spatial: number[], kernel: number[]): Geom {
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

/** The geometry of the given spatial axes only. */
export function axesOf(g: Geom, axes: number[]): Geom {
  const pick = (v: number[]): number[] => axes.map((a) => v[a]);
  return { kernel: pick(g.kernel), strides: pick(g.strides), dilations: pick(g.dilations), begin: pick(g.begin), end: pick(g.end) };
}

/** A 1-D geometry as a 2-D one over a height of 1 (kernel, stride, dilation 1 and no pads on it). */
export function lift2d(g: Geom): Geom {
  return { kernel: [1, ...g.kernel], strides: [1, ...g.strides], dilations: [1, ...g.dilations], begin: [0, ...g.begin], end: [0, ...g.end] };
}

/** x [N, C, ...spatial] with 1 or 2 spatial dims as 4-D (1-D gets a height of 1). */
export function as2d(c: OpContext, x: Tensor, what: string): [Tensor, boolean] {
  if (x.rank === 3) return [unsqueeze(x, 2), true];
  if (x.rank === 4) return [x, false];
  return nodeFail(c, `${what} with ${x.rank - 2} spatial dims is not supported (1, 2 or 3 are)`);
}

/** The [before, after] pads of every dim of an [N, C, ...spatial] tensor. */
export const padPairs = (g: Geom): [number, number][] => [[0, 0], [0, 0], ...g.begin.map((b, i): [number, number] => [b, g.end[i]])];

/** Pads the spatial dims of x where the two ends differ; returns the symmetric rest. */
export function evenUp(x: Tensor, g: Geom, value: number): [Tensor, number[]] {
  if (g.begin.every((b, i) => b === g.end[i])) return [x, g.begin];
  return [pad(x, padPairs(g), value), g.begin.map(() => 0)];
}
