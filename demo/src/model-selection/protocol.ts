// What the model-selection page and its worker say to each other.
import type { BackendInfo } from 'subgrad';

export interface SearchConfig {
  search: 'grid' | 'random';
  /** Grid: the λs to try. Random: `trials` λs drawn log-uniformly from [low, high). */
  lambdas: number[];
  trials: number;
  low: number;
  high: number;
  k: number;
  perClass: number;
  epochs: number;
  seed: number;
}

export interface FoldResult {
  trial: number;
  lambda: number;
  fold: number;
  valAccuracy: number;
  trainAccuracy: number;
}

export type ToWorker = { type: 'load'; base: string } | { type: 'run'; id: number; config: SearchConfig };

export type FromWorker =
  | { type: 'ready'; info: BackendInfo }
  /** The digits set aside for the test, the rest split into k folds (each fold's validation size). */
  | { type: 'split'; id: number; selection: number; test: number; foldSizes: number[] }
  | ({ type: 'fold'; id: number } & FoldResult)
  | { type: 'final'; id: number; best: number; bestScore: number; testAccuracy: number }
  | { type: 'error'; message: string };
