// Concatenations written in place at batch 1 (inference): a Concatenate along the channels whose
// inputs all end fused convolution chains gets its NCHW output allocated when the first of them
// runs, and the plain chains whose only reader it is write their convolution straight into their
// channel slice (contiguous at batch 1: a view of the output). At the concatenation only the other
// inputs (sibling slices, pool-first chains, anything that ran unfused) are copied in. Inception:
// most of its ~50 concatenation copies (about 10 MB read and written per forward) go.
import { Tensor } from '../tensor';
import { emptyTensor } from '../ops/creation';
import { assignInPlace } from '../ops/inplace';
import { slice } from '../ops/views';
import type { ConvOut } from '../ops/conv';
import type { Fusion } from './fuse';
import type { Call } from './topology';

interface ConvP { filters: number; kernel: number[]; strides: number[]; dilation: number[]; padding: 'same' | 'valid'; first: boolean }
interface Slot { channels: number; offset: number; writer: number | null }
/** by concatenation call: its slots; by writer (the fusion's key): its concatenation and slot */
export interface ConcatPlan { slots: Map<number, Slot[]>; writers: Map<number, [number, number]> }

export function planConcats(calls: Call[], fusions: Map<number, Fusion>, siblings: Map<number, Fusion[]>, outputs: string[]): ConcatPlan {
  const plan: ConcatPlan = { slots: new Map(), writers: new Map() };
  const ends = new Map<string, [number, Fusion]>();
  for (const [key, f] of fusions) ends.set(calls[f.end].output, [key, f]);
  const grouped = new Set<Fusion>([...siblings.values()].flat());
  const readers = new Map<string, number>();
  for (const c of calls) for (const v of c.inputs) readers.set(v, (readers.get(v) ?? 0) + 1);
  calls.forEach((c, i) => {
    const axis = c.layer.prepared as number;
    if (c.layer.className !== 'Concatenate' || (axis !== -1 && axis !== 3) || c.inputs.length < 2 || c.outputs.length !== 1) return;
    const slots: Slot[] = [];
    let offset = 0;
    for (const v of c.inputs) {
      const e = ends.get(v);
      const p = e && (calls[e[1].conv].layer.prepared as ConvP);
      if (e === undefined || calls[e[1].conv].layer.className !== 'Conv2D' || p!.first) return;
      const plain = e[1].pool === null && !grouped.has(e[1]) && readers.get(v) === 1 && !outputs.includes(v);
      slots.push({ channels: p!.filters, offset, writer: plain ? e[0] : null });
      offset += p!.filters;
    }
    if (!slots.some((s) => s.writer !== null)) return;
    plan.slots.set(i, slots);
    slots.forEach((s, k) => { if (s.writer !== null) plan.writers.set(s.writer, [i, k]); });
  });
  return plan;
}

/** One forward's concatenation buffers. */
export class InPlace {
  private readonly bufs = new Map<number, Tensor>();
  constructor(private readonly plan: ConcatPlan, private readonly calls: Call[]) {}

  /** Where chain `key` (run on x, NCHW when xFirst) writes: its slot of the concatenation's buffer, made on first use; null for no slot. */
  outFor(key: number, f: Fusion, x: Tensor, xFirst: boolean): ConvOut | null {
    const at = this.plan.writers.get(key);
    if (at === undefined || x.rank !== 4 || x.shape[0] !== 1) return null;
    const [ci, k] = at;
    const slots = this.plan.slots.get(ci)!;
    const p = this.calls[f.conv].layer.prepared as ConvP;
    const [H, W] = xFirst ? x.shape.slice(2) : x.shape.slice(1, 3);
    const size = (n: number, d: number) => (p.padding === 'same' ? Math.ceil(n / p.strides[d]) : Math.floor((n - (p.kernel[d] - 1) * p.dilation[d] - 1) / p.strides[d]) + 1);
    const OH = size(H, 0), OW = size(W, 1);
    let buf = this.bufs.get(ci);
    if (buf === undefined) {
      buf = emptyTensor([1, slots.reduce((s, q) => s + q.channels, 0), OH, OW], x.dtype);
      this.bufs.set(ci, buf);
    }
    if (buf.dtype !== x.dtype || buf.shape[2] !== OH || buf.shape[3] !== OW) return null;
    return { dst: buf, off: slots[k].offset * OH * OW };
  }

  /** Concatenation `ci` of xs (NCHW where isFirst): its buffer with the inputs not yet in place copied in; null when it has none. */
  finish(ci: number, xs: Tensor[], isFirst: (t: Tensor) => boolean, toNchw: (t: Tensor) => Tensor): Tensor | null {
    const buf = this.bufs.get(ci);
    if (buf === undefined) return null;
    const slots = this.plan.slots.get(ci)!;
    const HW = buf.shape[2] * buf.shape[3];
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k];
      if (xs[k]._st === buf._st && xs[k]._offset === buf._offset + s.offset * HW) continue; // written in place
      const v = isFirst(xs[k]) ? xs[k] : toNchw(xs[k]);
      try {
        if (v.rank !== 4 || v.shape[0] !== 1 || v.shape[1] !== s.channels || v.shape[2] !== buf.shape[2] || v.shape[3] !== buf.shape[3]) return null;
        const part = slice(buf, [0, s.offset, 0, 0], [1, s.channels, buf.shape[2], buf.shape[3]]);
        assignInPlace(part, v);
        part.dispose();
      } finally {
        if (v !== xs[k]) v.dispose();
      }
    }
    this.bufs.delete(ci);
    return buf;
  }

  /** Frees the buffers no concatenation took (an error, or a concatenation that ran the usual way). */
  dispose(): void {
    for (const b of this.bufs.values()) b.dispose();
    this.bufs.clear();
  }
}
