// tp.optim: optimizers (filled by the optimizer work)
export {};
