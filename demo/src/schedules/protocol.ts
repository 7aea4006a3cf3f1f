// What the schedules page and its worker say to each other.
import type { BackendInfo } from 'subgrad';

export const SCHEDULES = {
  constant: 'constant',
  step: 'step decay',
  exponential: 'exponential',
  cosine: 'cosine',
  warmup: 'linear warm-up, then cosine',
};
export type ScheduleName = keyof typeof SCHEDULES;

export interface Settings {
  /** The base learning rate η₀ and the number of steps T. */
  lr: number;
  steps: number;
  /** Step decay: ×stepGamma at T/3 and 2T/3. */
  stepGamma: number;
  /** Exponential: ×gamma per step. */
  gamma: number;
  /** Warm-up steps before the cosine over the remaining T − warmup. */
  warmup: number;
}

export type ToWorker = { type: 'train'; id: number; settings: Settings };

export type FromWorker =
  | { type: 'ready'; info: BackendInfo }
  /** Each schedule's learning rate at steps 0 … T, from its scheduler. */
  | { type: 'rates'; id: number; rates: Record<ScheduleName, number[]> }
  /** Full-batch training losses so far: at step 0 and every EVERY steps. */
  | { type: 'losses'; id: number; step: number; losses: Record<ScheduleName, number[]>; done: boolean }
  | { type: 'error'; message: string };

export const EVERY = 10;
