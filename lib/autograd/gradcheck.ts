// gradcheck: backward's gradients against float64 central differences (torch.autograd.gradcheck).
import { Tensor } from '../tensor';
import { checkTensor } from '../core/validate';
import { fail, describe, fmtShape } from '../core/errors';
import { noGrad, enableGrad } from './tape';
import { grads } from './engine';
import { tensor } from '../ops/creation';

export interface GradcheckOptions {
  /** finite-difference step (default 1e-6) */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** throw on a mismatch (default true); false returns false instead */
  raiseException?: boolean;
}

/**
 * Compares the backward gradients of f at `inputs` with central differences in float64
 * (torch.autograd.gradcheck): for every input element, (f(x + eps) - f(x - eps)) / 2eps,
 * dotted with a fixed random gradOutput, must match within atol + rtol * |numeric|.
 * Inputs must be float64. Returns true, or throws naming the input and element.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], options?: GradcheckOptions): boolean {
  const op = 'gradcheck';
  const eps = options?.eps ?? 1e-6;
  const atol = options?.atol ?? 1e-5;
  const rtol = options?.rtol ?? 1e-3;
  const raise = options?.raiseException ?? true;
  if (typeof f !== 'function') fail(op, `f must be a function, got ${describe(f)}`);
  if (!Array.isArray(inputs)) fail(op, `inputs must be an array of tensors, got ${describe(inputs)}`);
  inputs.forEach((x, i) => {
    checkTensor(x, op, `inputs[${i}]`);
    if (x.dtype !== 'float64') fail(op, `inputs[${i}] must be float64 for finite differences, got ${x.dtype}`, 'ERR_DTYPE');
  });
  // private contiguous copies that can be perturbed element by element
  const data = inputs.map((x) => Float64Array.from(x.dataSync() as Float64Array));
  const build = (): Tensor[] => data.map((d, i) => tensor(d, { shape: inputs[i].shape.slice(), dtype: 'float64' }));
  const evalF = (xs: Tensor[]): Tensor => {
    const y = f(...xs);
    if (!(y instanceof Tensor)) fail(op, `f must return a Tensor, got ${describe(y)}`);
    return y;
  };
  // analytic: vector-Jacobian product with a fixed pseudo-random v
  const xs = build();
  for (const x of xs) x.requiresGrad = true;
  const y = enableGrad(() => evalF(xs));
  const ny = y.size;
  const v = new Float64Array(ny);
  let s = 12345;
  for (let i = 0; i < ny; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    v[i] = 0.5 + (s / 4294967296); // in [0.5, 1.5): never zero
  }
  const vt = tensor(v, { shape: y.shape.slice(), dtype: y.dtype });
  const analytic = y._node === null && !y._rg ? xs.map((x) => new Float64Array(x.size)) : [];
  if (analytic.length === 0) {
    const gs = grads(y, xs, vt);
    for (const g of gs) {
      analytic.push(Float64Array.from(g.dataSync() as ArrayLike<number>));
      g.dispose();
    }
  }
  y.dispose();
  for (const x of xs) x.dispose();
  const vOf = (yt: Tensor): number => {
    const d = yt.dataSync();
    let acc = 0;
    for (let i = 0; i < ny; i++) acc += v[i] * d[i];
    return acc;
  };
  try {
    for (let i = 0; i < data.length; i++) {
      const d = data[i];
      for (let j = 0; j < d.length; j++) {
        const orig = d[j];
        const fAt = (val: number): number => {
          d[j] = val;
          const ts = build();
          try {
            const r = noGrad(() => evalF(ts));
            const out = vOf(r);
            r.dispose();
            return out;
          } finally {
            for (const t of ts) t.dispose();
          }
        };
        const numeric = (fAt(orig + eps) - fAt(orig - eps)) / (2 * eps);
        d[j] = orig;
        const a = analytic[i][j];
        if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
          if (!raise) return false;
          fail(op, `gradient mismatch for inputs[${i}] (shape ${fmtShape(inputs[i].shape)}) at flat element ${j}: backward gave ${a}, finite differences ${numeric} (atol ${atol}, rtol ${rtol})`);
        }
      }
    }
  } finally {
    vt.dispose();
  }
  return true;
}
