// subgrad: reverse-mode autodiff with WebAssembly SIMD kernels. The whole API
// without the kernel binaries: `await init()` imports the variant it picks,
// so a bundle carries only that one (the package's entry for bundlers and
// browsers). src/index.ts is the same API with every variant inlined.
export { init, initSync, createBackend, createBackendAsync, backendInfo, getBackend, memoryStats } from './runtime.js';
export type { InitOptions, BackendInfo } from './runtime.js';
export type { Backend, BackendName, KernelVariant, FloatDType } from './backend/backend.js';
export type { MemoryStats } from './backend/memory.js';
export { Tensor, tensor, zeros, ones, full, rand, randn, toBackend } from './tensor.js';
export type { DType, NestedArray, TensorLike, TensorOptions, RandomOptions } from './tensor.js';
export { scope } from './storage.js';
export { noGrad } from './tape.js';
export { detectAnomaly, setDetectAnomaly } from './anomaly.js';
export type { AnomalyOptions } from './anomaly.js';
export type { BackwardOptions } from './tape.js';
export { manualSeed, Generator } from './random.js';
export {
  add, sub, mul, div, neg, maximum, minimum, exp, log, log1p, expm1, sqrt, square, pow, abs, sign, clamp, erf, erfc,
  relu, setReluSubgradientAtZero, where, sum, mean, max, min, argmax, argmin, norm, cdist, matmul, reshape, transpose, permute,
  slice, concat, expand, detach, gather, pick, oneHot, defineOp, opTable,
} from './ops/index.js';
export type { ReluOptions, Axis, Kink, KinkProbe, CustomOpSpec } from './ops/index.js';
export { gradcheck, checkBackends, checkKinks } from './gradcheck/index.js';
export type {
  GradcheckOptions, GradcheckReport, GradcheckFailure, GradcheckKink, GradcheckTest, Coordinate, BackendComparison, KinkCheck, KinkCheckReport,
} from './gradcheck/index.js';
export * from './errors.js';
export * as nn from './nn/index.js';
export * as losses from './losses/index.js';
export * as data from './data/index.js';
export * as optim from './optim/index.js';
export { fit, evaluate, accuracy } from './train/index.js';
export type { BatchLog, EarlyStoppingOptions, EpochLog, EvaluateOptions, FitCallbacks, FitControl, FitOptions, History, LossFn, Metric, TrainInfo } from './train/index.js';
export { encodeSafetensors, decodeSafetensors, encodeCheckpoint, decodeCheckpoint, EXTRA_PREFIX, OPTIMIZER_PREFIX } from './io/safetensors.js';
export type { Checkpoint, CheckpointOptions, DecodeCheckpointOptions, RawTensor, Safetensors, SafetensorsDType, TensorRecord } from './io/safetensors.js';

import { Tensor } from './tensor.js';
import { checkTensor, show } from './check.js';
import { ArgumentError } from './errors.js';

/** Makes a tensor owned: it outlives every scope (moved to the heap) and lives until dispose(). */
export function keep<T extends Tensor>(t: T): T {
  checkTensor('keep', 't', t, { dtype: 'any' });
  return t.keep();
}

/** Sets every given tensor's gradient to zero. */
export function zeroGrad(params: Iterable<Tensor>): void {
  if (params === null || typeof params !== 'object' || !(Symbol.iterator in params)) {
    throw new ArgumentError('zeroGrad', `params must be an iterable of tensors (e.g. model.parameters()), got ${show(params)}`);
  }
  const list = [...params];
  list.forEach((p, i) => checkTensor('zeroGrad', `params[${i}]`, p));
  for (const p of list) p.zeroGrad();
}
