// subgrad: reverse-mode autodiff with WebAssembly SIMD kernels.
export { init, initSync, createBackend, backendInfo, getBackend, memoryStats } from './runtime.js';
export type { InitOptions, BackendInfo } from './runtime.js';
export type { Backend, BackendName, KernelVariant, FloatDType } from './backend/backend.js';
export type { MemoryStats } from './backend/memory.js';
export { Tensor, tensor, zeros, ones, full, rand, randn, toBackend } from './tensor.js';
export type { DType, NestedArray, TensorLike, TensorOptions, RandomOptions } from './tensor.js';
export { scope } from './storage.js';
export { noGrad } from './tape.js';
export type { BackwardOptions } from './tape.js';
export { manualSeed, Generator } from './random.js';
export {
  add, sub, mul, div, neg, maximum, minimum, exp, log, log1p, expm1, sqrt, square, pow, abs, sign, clamp,
  relu, setReluSubgradientAtZero, where, sum, mean, max, min, matmul, reshape, transpose, slice, concat, expand,
  detach, gather, pick, oneHot, defineOp, opTable,
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
export type { Checkpoint, CheckpointOptions, DecodeCheckpointOptions, Safetensors, SafetensorsDType, TensorRecord } from './io/safetensors.js';

import type { Tensor } from './tensor.js';
import { keepStorage } from './storage.js';

/** Keeps a tensor created inside scope() alive after the scope ends (moved to persistent storage). */
export function keep<T extends Tensor>(t: T): T {
  keepStorage(t.storage);
  return t;
}

/** Sets every given tensor's gradient to zero. */
export function zeroGrad(params: Iterable<Tensor>): void {
  for (const p of params) p.zeroGrad();
}
