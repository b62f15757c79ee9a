// tp.optim: optimizers. torch-style classes (step / zeroGrad / stateDict) with fused native
// update kernels, plus TF-style minimize() and the GradientDescentOptimizer / AdamOptimizer
// factories.
export { Optimizer } from './optimizer';
export type { ParamGroup, ParamState, OptimizerStateDict } from './optimizer';
export { SGD, GradientDescentOptimizer } from './sgd';
export type { SGDOptions } from './sgd';
export { Adam, AdamW, AdamOptimizer } from './adam';
export type { AdamOptions } from './adam';
export { RMSProp, RMSprop } from './rmsprop';
export type { RMSPropOptions } from './rmsprop';
export { Adagrad } from './adagrad';
export type { AdagradOptions } from './adagrad';
export { LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR, LinearLR, linearWarmup, LinearWarmup } from './scheduler';
export type { LrOptimizer, SchedulerStateDict, LinearLROptions } from './scheduler';
export { clipGradNorm, clipGradValue } from './clip';
export { Adadelta } from './adadelta';
export type { AdadeltaOptions } from './adadelta';
// issue 10: row-sparse gradients (embeddings)
export { SparseAdam } from './sparse-adam';
export type { SparseAdamOptions } from './sparse-adam';
