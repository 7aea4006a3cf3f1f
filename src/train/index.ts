// The optional training loop and evaluation.
export { fit, evaluate, accuracy } from './fit.js';
export type { BatchLog, EarlyStoppingOptions, EpochLog, EvaluateOptions, FitCallbacks, FitControl, FitOptions, History, LossFn, Metric, TrainInfo } from './fit.js';
