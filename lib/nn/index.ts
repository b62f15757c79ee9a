// tp.nn: modules (Module, Parameter, layers), initializers (tp.nn.init) and losses
// (tp.nn.functional, also tp.nn.F). tp.variable and tp.nameScope are exported at the top level.
export { Parameter, isParameter, Module, variable, nameScope, currentNameScope, isTrainable } from './module';
export type { ParameterConstructor, StateDict, LoadStateDictOptions, VariableOptions } from './module';
export { Linear, Sequential, Dropout, ReLU, Tanh, Sigmoid, GELU, Flatten } from './layers';
export type { LinearOptions } from './layers';
export * as init from './init';
export * as functional from './functional';
export * as F from './functional';
