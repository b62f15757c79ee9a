// tp.nn: modules (Module, Parameter, layers, containers), initializers (tp.nn.init) and
// losses (tp.nn.functional, also tp.nn.F). tp.variable and tp.nameScope are exported at the top level.
export { Parameter, isParameter, Module, variable, nameScope, currentNameScope, isTrainable } from './module';
export type { AnyModule, ParameterConstructor, StateDict, LoadStateDictOptions, VariableOptions } from './module';
export { Linear, Sequential, Dropout, ReLU, Tanh, Sigmoid, GELU, Flatten } from './layers';
export type { LinearOptions } from './layers';
export { ModuleList, ModuleDict } from './containers';
export {
  ReLU6, Hardsigmoid, Hardswish, SiLU, Mish, LogSigmoid, Softsign, LeakyReLU, ELU, Softplus, Softmax, LogSoftmax,
} from './activations';
export type { ModuleDictInit } from './containers';
export type { Initializer, InitializerName } from './init';
export * as init from './init';
export * as functional from './functional';
export * as F from './functional';
// normalisation modules (issue 9)
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, Dropout2d } from './normalization';
export type { BatchNormModuleOptions, LayerNormModuleOptions, GroupNormModuleOptions } from './normalization';
export type { BufferOptions } from './buffers';
// issue 9: convolution modules
export { Conv1d, Conv2d, ConvTranspose2d } from './conv';
export type { ConvModuleOptions, ConvTransposeModuleOptions } from './conv';
// issue 9: pooling and resampling modules
export {
  MaxPool2d, AvgPool2d, MaxPool1d, AvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Upsample, PixelShuffle, PixelUnshuffle,
} from './pooling';
// issue 10: embeddings
export { Embedding } from './embedding';
export type { EmbeddingModuleOptions } from './embedding';
// issue 10: recurrent layers, cells and dynamicRnn
export { LSTM, GRU, RNN } from './rnn';
export type { LSTMOptions, RNNOptions, RNNBaseOptions, RNNForwardOptions } from './rnn';
export { LSTMCell, GRUCell, RNNCell, BasicLSTMCell, MultiRNNCell } from './rnn-cells';
export type { CellState, RNNCellLike, BasicLSTMCellOptions } from './rnn-cells';
export { dynamicRnn } from './rnn-dynamic';
export type { DynamicRnnOptions } from './rnn-dynamic';
