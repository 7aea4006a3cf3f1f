// Held-out data: train/validation/test splits and k folds, optionally
// stratified (each part keeps the class proportions). Splits are subsets of
// the dataset: no data is copied.
import { checkBoolean, checkInteger, checkOptions, show } from '../check.js';
import { ArgumentError } from '../errors.js';
import { Generator as Rng } from '../random.js';
import { Dataset } from './dataset.js';
import { rngFor, shuffleInPlace } from './loader.js';

export interface SplitOptions {
  /** Keep each class's share in every part (needs int32 labels). */
  stratified?: boolean;
  /** Shuffle before splitting (default true for trainValTestSplit, false for kFold, as scikit-learn). */
  shuffle?: boolean;
  /** Seed of the shuffle; without it the default generator (manualSeed) is used. */
  seed?: number;
}

export type Fractions = { train: number; val: number; test: number } | readonly [number, number, number];

/** The dataset and the split options, checked. */
function checkSplit(op: string, data: unknown, options: SplitOptions | undefined): SplitOptions {
  if (!(data instanceof Dataset)) throw new ArgumentError(op, `data must be a Dataset (data.dataset(features, labels)), got ${show(data)}`);
  const o = checkOptions(op, options, ['stratified', 'shuffle', 'seed']);
  for (const key of ['stratified', 'shuffle'] as const) if (o[key] !== undefined) checkBoolean(op, key, o[key]);
  if (o.seed !== undefined) checkInteger(op, 'seed', o.seed, 0);
  return o;
}

/** Positions 0..n-1, grouped by class when stratified, each group shuffled if asked. */
function groups(data: Dataset, op: string, options: SplitOptions, rng: Rng | null): Int32Array[] {
  const all = Int32Array.from({ length: data.length }, (_, i) => i);
  let parts = [all];
  if (options.stratified) {
    const labels = data.labels(op);
    const byClass = new Map<number, number[]>();
    for (const i of all) {
      let members = byClass.get(labels[i]);
      if (!members) byClass.set(labels[i], (members = []));
      members.push(i);
    }
    parts = [...byClass.keys()].sort((a, b) => a - b).map((c) => Int32Array.from(byClass.get(c)!));
  }
  return rng ? parts.map((p) => shuffleInPlace(p, rng)) : parts;
}

/** Splits n into integer counts proportional to the fractions (largest remainder). */
function apportion(fractions: readonly number[], n: number): number[] {
  const exact = fractions.map((f) => f * n);
  const counts = exact.map(Math.floor);
  const order = exact.map((e, i) => [e - Math.floor(e), i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0, left = n - counts.reduce((a, b) => a + b, 0); k < left; k++) counts[order[k][1]]++;
  return counts;
}

/**
 * Train, validation and test subsets with the given fractions (summing to 1):
 * choose hyper-parameters on val, report once on test. Shuffled (the
 * default), each subset comes in a random order of its own, as torch's
 * random_split gives, also when stratified; with shuffle: false, in the
 * dataset's order.
 */
export function trainValTestSplit(data: Dataset, fractions: Fractions, options?: SplitOptions): { train: Dataset; val: Dataset; test: Dataset } {
  const op = 'trainValTestSplit';
  const o = checkSplit(op, data, options);
  if (!Array.isArray(fractions)) checkOptions(op, fractions as object, ['train', 'val', 'test'], 'fractions');
  const obj = fractions as { train?: unknown; val?: unknown; test?: unknown } | null;
  const f: unknown[] = Array.isArray(fractions) ? [...fractions] : [obj?.train, obj?.val, obj?.test];
  const ok = f.length === 3 && f.every((x) => typeof x === 'number' && x >= 0);
  const total = ok ? (f as number[]).reduce((a, b) => a + b, 0) : NaN;
  if (!(Math.abs(total - 1) <= 1e-9)) {
    throw new ArgumentError(op, `fractions must be three non-negative numbers { train, val, test } summing to 1 (within 1e-9), got ${show(fractions)}${ok ? ` (sum ${total})` : ''}`);
  }
  const rng = o.shuffle ?? true ? rngFor(o.seed) : null;
  const parts: number[][] = [[], [], []];
  for (const g of groups(data, op, o, rng)) {
    let at = 0;
    apportion(f as number[], g.length).forEach((count, s) => {
      for (const p of g.subarray(at, at + count)) parts[s].push(p);
      at += count;
    });
  }
  // The parts were filled class after class (stratified) or in the shuffled order: draw each one's final order.
  const order = (p: number[]) => (rng ? shuffleInPlace(Int32Array.from(p), rng) : Int32Array.from(p).sort());
  const [train, val, test] = parts.map((p) => data.subset(order(p)));
  return { train, val, test };
}

export interface Fold {
  train: Dataset;
  val: Dataset;
}

/**
 * k folds: each sample is in exactly one fold's val set and in the train set
 * of the others. Fold sizes differ by at most one (and, stratified, so do
 * their counts of each class).
 */
export function kFold(data: Dataset, k: number, options?: SplitOptions): Fold[] {
  const op = 'kFold';
  const o = checkSplit(op, data, options);
  if (!Number.isInteger(k) || k < 2 || k > data.length) {
    throw new ArgumentError(op, `k must be an integer in [2, ${data.length}] (the number of samples), got ${show(k)}`);
  }
  const parts = groups(data, op, o, o.shuffle ? rngFor(o.seed) : null);
  const foldOf = new Int32Array(data.length);
  if (o.stratified) {
    // Dealing positions out in turn, class after class, balances sizes and classes at once.
    let i = 0;
    for (const g of parts) for (const p of g) foldOf[p] = i++ % k;
  } else {
    // Contiguous blocks, the first n % k one longer (scikit-learn's KFold).
    let at = 0;
    for (let f = 0; f < k; f++) {
      const size = Math.floor(data.length / k) + (f < data.length % k ? 1 : 0);
      parts[0].subarray(at, at + size).forEach((p) => (foldOf[p] = f));
      at += size;
    }
  }
  return Array.from({ length: k }, (_, f) => {
    const val: number[] = [];
    const train: number[] = [];
    foldOf.forEach((g, p) => (g === f ? val : train).push(p));
    return { train: data.subset(train), val: data.subset(val) };
  });
}
