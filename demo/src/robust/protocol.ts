// What the robust-regression page and its worker say to each other.
import type { BackendInfo } from 'subgrad';

export const FITS = { mse: 'MSE', mae: 'MAE', huber: 'Huber' };
export type FitName = keyof typeof FITS;

/** A line y = slope·(x − CENTRE) + level: centred on the plot, so its two parameters hardly interact. */
export const CENTRE = 5;
export type Line = { slope: number; level: number };

export type ToWorker = { type: 'data'; points: number[][]; delta: number };

export type FromWorker =
  | { type: 'ready'; info: BackendInfo }
  | {
      type: 'lines';
      /** Which data message these lines are fitted to, and the step since it arrived. */
      version: number;
      step: number;
      lines: Record<FitName, Line>;
      /** Each line's own objective on the data (mean loss). */
      objectives: Record<FitName, number>;
      settled: boolean;
    }
  | { type: 'error'; message: string };
