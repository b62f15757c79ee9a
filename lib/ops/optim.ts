// Fused optimizer updates: one native pass updates a parameter and its state in place
// (native/cpu/optim.cc). lib/optim calls these, never the addon. Every operand is a
// contiguous tensor of the parameter's float dtype and size (the Optimizer base class hands
// a strided parameter over as a contiguous working copy and writes it back); the kernels
// check dtypes, devices and extents again.
import { native, writeLayout } from '../core/native';
import { contiguousStrides } from '../core/shape';
import { Tensor } from '../tensor';

/** @internal torch.optim.SGD's update; `buf` is the momentum buffer (null without momentum). */
export function sgdStep_(p: Tensor, g: Tensor, buf: Tensor | null, o: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }, firstStep: boolean): void {
  native.sgdStep(p.size, p._h, p._offset, g._h, g._offset, buf ? buf._h : null, o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov ? 1 : 0, firstStep ? 1 : 0);
}

/** @internal Adam (decoupled = AdamW); `step` is the 1-based step after this update. */
export function adamStep_(p: Tensor, g: Tensor, expAvg: Tensor, expAvgSq: Tensor, o: { lr: number; betas: [number, number]; eps: number; weightDecay: number }, decoupled: boolean, step: number): void {
  native.adamStep(p.size, p._h, p._offset, g._h, g._offset, expAvg._h, expAvgSq._h, o.lr, o.betas[0], o.betas[1], o.eps, o.weightDecay, decoupled ? 1 : 0, step);
}

/** @internal RMSprop; gradAvg when centered, buf when momentum > 0 (else null). */
export function rmspropStep_(p: Tensor, g: Tensor, squareAvg: Tensor, gradAvg: Tensor | null, buf: Tensor | null, o: { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number }): void {
  native.rmspropStep(p.size, p._h, p._offset, g._h, g._offset, squareAvg._h, gradAvg ? gradAvg._h : null, buf ? buf._h : null, o.lr, o.alpha, o.eps, o.weightDecay, o.momentum);
}

/** @internal Adagrad; `step` is the 1-based step after this update. */
export function adagradStep_(p: Tensor, g: Tensor, sum: Tensor, o: { lr: number; lrDecay: number; weightDecay: number; eps: number }, step: number): void {
  native.adagradStep(p.size, p._h, p._offset, g._h, g._offset, sum._h, o.lr, o.lrDecay, o.weightDecay, o.eps, step);
}

/** @internal dst[...] = src elementwise (same shape; any strides; converts dtype), not recorded. */
export function copyInto_(dst: Tensor, src: Tensor): void {
  writeLayout(0, dst.shape, dst._strides, src.isContiguous() ? contiguousStrides(src.shape) : src._strides);
  native.copy(dst._h, dst._offset, src._h, src._offset);
}
