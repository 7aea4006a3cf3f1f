// torch.optim in camelCase: optimizers with fused Wasm update kernels, LBFGS,
// learning-rate schedules, and state save/restore. See docs/optimizers.md.
export { Optimizer } from './optimizer.js';
export type { Closure, GroupSpec, GroupState, NamedParams, OptimizerOptions, OptimizerStateDict, ParamGroup, StateDictFormat, TorchFormat } from './optimizer.js';
export type { TorchOptimizerState, TorchParamGroup } from './torch.js';
export { FusedOptimizer } from './fused.js';
export type { FusedOptions } from './fused.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adagrad, RMSprop, Adadelta } from './adaptive.js';
export type { AdagradOptions, RMSpropOptions, AdadeltaOptions } from './adaptive.js';
export { Adam, AdamW, NAdam } from './adam.js';
export type { AdamOptions, NAdamOptions } from './adam.js';
export { LBFGS } from './lbfgs.js';
export type { LBFGSOptions } from './lbfgs.js';
export { LRScheduler, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup } from './schedulers.js';
export type { SchedulerStateDict } from './schedulers.js';
