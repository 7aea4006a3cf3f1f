// What the optimizer page and its worker say to each other.
import type { BackendInfo } from 'subgrad';
import type { SurfaceName } from './surfaces.js';

export const OPTIMIZERS = {
  gd: 'GD',
  momentum: 'Momentum, b ← μb + g',
  velocity: 'Momentum, v ← μv − ηg',
  nesterov: 'Nesterov',
  adagrad: 'AdaGrad',
  rmsprop: 'RMSProp',
  adadelta: 'Adadelta',
  adam: 'Adam',
  amsgrad: 'AMSGrad',
  nadam: 'NAdam',
  lbfgs: 'L-BFGS',
};
export type OptimizerName = keyof typeof OPTIMIZERS;

/** The hyper-parameters the sliders set: μ for the momentums, β₁ and β₂ for the Adams, ρ for RMSProp and Adadelta. */
export interface Hyper {
  momentum: number;
  beta1: number;
  beta2: number;
  rho: number;
}

export interface RunSpec {
  key: string;
  optimizer: OptimizerName;
  lr: number;
}

export interface Job {
  id: number;
  surface: SurfaceName;
  start: [number, number];
  steps: number;
  hyper: Hyper;
  runs: RunSpec[];
}

export interface Path {
  key: string;
  /** x₀, y₀, x₁, y₁, …: the start and the point after each step (fewer if it left the finite numbers). */
  points: Float64Array;
  /** f at each of those points. */
  values: Float64Array;
}

export interface FieldData {
  nx: number;
  ny: number;
  values: Float64Array;
}

export type ToWorker = { type: 'run'; job: Job } | { type: 'field'; surface: SurfaceName; nx: number; ny: number };

export type FromWorker =
  | { type: 'ready'; info: BackendInfo }
  | { type: 'paths'; id: number; paths: Path[]; hessian: [number, number, number, number] }
  | { type: 'field'; surface: SurfaceName; field: FieldData }
  | { type: 'error'; message: string };
