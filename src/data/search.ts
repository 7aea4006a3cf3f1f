// Hyper-parameter search: run a user's train-and-evaluate function on each
// candidate and rank the candidates by the validation score it returns.
// (Choose on validation data; evaluate the winner once on test data.)
import { checkInteger, checkNumber, checkObject, checkOptions, show } from '../check.js';
import { ArgumentError } from '../errors.js';
import type { Generator as Rng } from '../random.js';
import { rngFor } from './loader.js';

/** A distribution to draw a hyper-parameter from in randomSearch. */
export class Distribution<T = number> {
  constructor(
    readonly description: string,
    readonly sample: (rng: Rng) => T,
  ) {}
}

function checkRange(op: string, low: number, high: number, positive = false): void {
  checkNumber(op, 'low', low, positive ? { above: 0 } : {});
  checkNumber(op, 'high', high);
  if (low > high) throw new ArgumentError(op, `needs low <= high, got low ${low} and high ${high}`);
}

/** Uniform on [low, high). */
export function uniform(low: number, high: number): Distribution {
  checkRange('uniform', low, high);
  return new Distribution(`uniform(${low}, ${high})`, (rng) => low + (high - low) * rng.uniform());
}

/** Log-uniform on [low, high): right for scales such as learning rates and L2 λ. */
export function logUniform(low: number, high: number): Distribution {
  checkRange('logUniform', low, high, true);
  const [a, b] = [Math.log(low), Math.log(high)];
  return new Distribution(`logUniform(${low}, ${high})`, (rng) => Math.exp(a + (b - a) * rng.uniform()));
}

/** A uniform integer in [low, high], both included. */
export function intUniform(low: number, high: number): Distribution {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) throw new ArgumentError('intUniform', `needs integer bounds, got ${show(low)} and ${show(high)}`);
  checkRange('intUniform', low, high);
  return new Distribution(`intUniform(${low}, ${high})`, (rng) => low + rng.int(high - low + 1));
}

export type Mode = 'max' | 'min';

export interface SearchResult<P> {
  params: P;
  /** The validation score evaluate returned (NaN ranks last). */
  score: number;
  /** The order in which this candidate was evaluated, from 0. */
  trial: number;
}

export type Evaluate<P> = (params: P, trial: number) => number | Promise<number>;

/** Values listed per hyper-parameter; gridSearch tries every combination. */
export type GridSpace = Record<string, readonly unknown[]>;
export type GridParams<S extends GridSpace> = { [K in keyof S]: S[K][number] };

/** Per hyper-parameter, a list to choose from uniformly or a Distribution. */
export type RandomSpace = Record<string, readonly unknown[] | Distribution<unknown>>;
export type RandomParams<S extends RandomSpace> = {
  [K in keyof S]: S[K] extends Distribution<infer T> ? T : S[K] extends readonly unknown[] ? S[K][number] : never;
};

function checkSpace(op: string, space: unknown, allowDistributions: boolean): [string, readonly unknown[] | Distribution<unknown>][] {
  checkObject(op, 'space', space);
  if (Object.keys(space).length === 0) throw new ArgumentError(op, 'space must be an object with at least one hyper-parameter');
  const entries = Object.entries(space);
  for (const [key, values] of entries) {
    const ok = (Array.isArray(values) && values.length > 0) || (allowDistributions && values instanceof Distribution);
    if (!ok) {
      throw new ArgumentError(op, `space.${key} must be a non-empty array of values${allowDistributions ? ' or a Distribution (uniform, logUniform, intUniform)' : ''}`);
    }
  }
  return entries as [string, readonly unknown[] | Distribution<unknown>][];
}

function checkMode(op: string, mode: unknown): Mode {
  if (mode !== 'max' && mode !== 'min') {
    throw new ArgumentError(op, `options.mode must be 'max' (higher score is better, e.g. accuracy) or 'min' (lower is better, e.g. loss), got ${show(mode)}`);
  }
  return mode;
}

/** Evaluates candidates in order and returns them best first (ties keep trial order). */
async function run<P>(op: string, candidates: P[], evaluate: Evaluate<P>, mode: Mode): Promise<SearchResult<P>[]> {
  const results: SearchResult<P>[] = [];
  for (const [trial, params] of candidates.entries()) {
    const score = await evaluate(params, trial);
    if (typeof score !== 'number') {
      throw new ArgumentError(op, `evaluate must return a number (the validation score), got ${typeof score} for ${show(params)}`);
    }
    results.push({ params, score, trial });
  }
  const failed = (r: SearchResult<P>) => (Number.isNaN(r.score) ? 1 : 0);
  const sign = mode === 'max' ? -1 : 1;
  // NaN differences are falsy, so equal infinities and NaNs fall through to trial order.
  return results.sort((a, b) => failed(a) - failed(b) || sign * (a.score - b.score) || a.trial - b.trial);
}

function checkEvaluate(op: string, evaluate: unknown): void {
  if (typeof evaluate !== 'function') throw new ArgumentError(op, 'evaluate must be a function (params, trial) => validation score');
}

/**
 * Tries every combination of the listed values (the last key varies fastest)
 * and returns them sorted by score, best first (mode 'max' or 'min').
 */
export async function gridSearch<S extends GridSpace>(space: S, evaluate: Evaluate<GridParams<S>>, options: { mode: Mode }): Promise<SearchResult<GridParams<S>>[]> {
  const op = 'gridSearch';
  const entries = checkSpace(op, space, false) as [string, readonly unknown[]][];
  checkEvaluate(op, evaluate);
  const mode = checkMode(op, checkOptions(op, options, ['mode']).mode);
  let candidates: Record<string, unknown>[] = [{}];
  for (const [key, values] of entries) candidates = candidates.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  return run(op, candidates as GridParams<S>[], evaluate, mode);
}

/**
 * Draws `trials` candidates (lists: a uniform choice; Distributions: a draw)
 * from a seeded generator and returns them sorted by score, best first.
 */
export async function randomSearch<S extends RandomSpace>(
  space: S,
  evaluate: Evaluate<RandomParams<S>>,
  options: { mode: Mode; trials: number; seed?: number },
): Promise<SearchResult<RandomParams<S>>[]> {
  const op = 'randomSearch';
  const entries = checkSpace(op, space, true);
  checkEvaluate(op, evaluate);
  const { mode, trials, seed } = checkOptions(op, options, ['mode', 'trials', 'seed']);
  checkMode(op, mode);
  checkInteger(op, 'options.trials', trials, 1);
  if (seed !== undefined) checkInteger(op, 'options.seed', seed, 0);
  const rng = rngFor(seed);
  const candidates = Array.from({ length: trials }, () =>
    Object.fromEntries(entries.map(([key, v]) => [key, v instanceof Distribution ? v.sample(rng) : v[rng.int(v.length)]])),
  );
  return run(op, candidates as RandomParams<S>[], evaluate, mode as Mode);
}
