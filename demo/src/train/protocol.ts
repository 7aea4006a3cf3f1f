// What the training page and its worker say to each other.
import type { BackendInfo } from 'subgrad';

/** Each optimizer of subgrad by name, with a learning rate that trains the default MLP well in a few epochs. */
export const OPTIMIZERS = {
  sgd: { label: 'SGD', lr: 0.1 },
  momentum: { label: 'SGD + momentum', lr: 0.05 },
  nesterov: { label: 'Nesterov', lr: 0.05 },
  adagrad: { label: 'AdaGrad', lr: 0.03 },
  rmsprop: { label: 'RMSProp', lr: 1e-3 },
  adadelta: { label: 'Adadelta', lr: 1 },
  adam: { label: 'Adam', lr: 3e-3 },
  amsgrad: { label: 'AMSGrad', lr: 3e-3 },
  nadam: { label: 'NAdam', lr: 3e-3 },
  adamw: { label: 'AdamW', lr: 3e-3 },
};
export type OptimizerName = keyof typeof OPTIMIZERS;

export const LOSSES = { crossEntropy: 'Cross-entropy (softmax)', multiclassHinge: 'Multiclass hinge (SVM)' };
export type LossName = keyof typeof LOSSES;

/** Stepped every batch: cosine to 0 over the run, ×0.1 at 2/3 of it, exponential to 1% at its end, or constant. */
export const SCHEDULES = { cosine: 'Cosine', step: 'Step decay', exponential: 'Exponential', none: 'Constant' };
export type ScheduleName = keyof typeof SCHEDULES;

export interface RunConfig {
  optimizer: OptimizerName;
  loss: LossName;
  lr: number;
  schedule: ScheduleName;
  hidden: number[];
  batchSize: number;
  epochs: number;
  seed: number;
}

export const DEFAULT_CONFIG: RunConfig = {
  optimizer: 'adam', loss: 'crossEntropy', lr: OPTIMIZERS.adam.lr, schedule: 'cosine', hidden: [128], batchSize: 32, epochs: 10, seed: 1,
};

export type RunState = 'loading' | 'idle' | 'running' | 'paused' | 'done';

export type ToWorker =
  | { type: 'load'; base: string }
  | { type: 'start'; config: RunConfig }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' }
  | { type: 'predict'; pixels: Float32Array };

export interface Progress {
  /** Fractional epochs since the start: the plots' x axis. */
  epoch: number;
  step: number;
  steps: number;
  /** The batches' values, smoothed (exponential moving averages over ~50 steps). */
  loss: number;
  accuracy: number;
  samplesPerSecond: number;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  testAccuracy: number;
  /** The predicted class of each digit of the grid. */
  predictions: number[];
}

export type FromWorker =
  | { type: 'ready'; info: BackendInfo; sizes: { train: number; val: number; test: number }; grid: { pixels: Uint8Array; labels: number[] } }
  | { type: 'state'; state: RunState; step: number }
  | { type: 'model'; sizes: number[]; parameters: number; config: RunConfig }
  | ({ type: 'progress' } & Progress)
  | ({ type: 'epoch' } & EpochReport)
  | { type: 'probabilities'; probabilities: number[] | null }
  | { type: 'error'; message: string };
