import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { dataset, kFold, trainValTestSplit, type Dataset } from '../../src/data/index.js';
import { js64 } from '../helpers/backends.js';

/** n samples whose feature is their index; classes 0, 1, 2 in proportions 60%, 30%, 10%. */
function skewed(n: number): Dataset {
  const labels = Array.from({ length: n }, (_, i) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2));
  return dataset(Array.from({ length: n }, (_, i) => [i]), labels, { backend: js64 });
}

const rows = (d: Dataset) => Array.from(d.indices);
const classCounts = (d: Dataset) => [0, 1, 2].map((c) => d.labels().filter((y) => y === c).length);

describe('trainValTestSplit', () => {
  it('sizes follow the fractions; the parts are disjoint and cover the data; features match rows', () => {
    const d = skewed(101);
    const { train, val, test } = trainValTestSplit(d, { train: 0.7, val: 0.2, test: 0.1 }, { seed: 1 });
    // 70.7, 20.2, 10.1 -> 70, 20, 10 plus the remaining one to the largest remainder (train).
    expect([train.length, val.length, test.length]).toEqual([71, 20, 10]);
    expect([...rows(train), ...rows(val), ...rows(test)].sort((a, b) => a - b)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(train.source).toBe(d.source);
    // Each sample's feature is its row: a subset's x holds its own rows, in its order.
    expect(Array.from(val.x.data())).toEqual(rows(val));
    expect(Array.from(test.y.data())).toEqual(Array.from(test.labels()));
  });

  it('is shuffled and reproducible by seed; shuffle: false keeps the order', () => {
    const d = skewed(40);
    const a = trainValTestSplit(d, [0.5, 0.25, 0.25], { seed: 3 });
    const b = trainValTestSplit(d, [0.5, 0.25, 0.25], { seed: 3 });
    const c = trainValTestSplit(d, [0.5, 0.25, 0.25], { seed: 4 });
    expect(rows(a.test)).toEqual(rows(b.test));
    expect(rows(a.test)).not.toEqual(rows(c.test));
    const ordered = trainValTestSplit(d, [0.5, 0.25, 0.25], { shuffle: false });
    expect(rows(ordered.train)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(rows(ordered.test)).toEqual(Array.from({ length: 10 }, (_, i) => 30 + i));
  });

  it("each subset's order is shuffled with the split's seed, also when stratified; shuffle: false keeps the dataset's order", () => {
    const d = skewed(200); // rows ordered 0…, classes repeating in runs
    const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] < x);
    const changes = (labels: Int32Array) => labels.filter((y, i) => i > 0 && y !== labels[i - 1]).length;
    for (const stratified of [false, true]) {
      const { train, val, test } = trainValTestSplit(d, [0.5, 0.3, 0.2], { stratified, seed: 2 });
      for (const part of [train, val, test]) {
        expect(ascending(rows(part))).toBe(false);
        expect([...rows(part)].sort((a, b) => a - b)).not.toEqual(rows(part));
      }
      // Grouped by class, the 60 validation labels would change class twice; shuffled, far more often.
      expect(changes(val.labels())).toBeGreaterThan(15);
      expect(rows(trainValTestSplit(d, [0.5, 0.3, 0.2], { stratified, seed: 2 }).val)).toEqual(rows(val));
      expect(ascending(rows(trainValTestSplit(d, [0.5, 0.3, 0.2], { stratified, shuffle: false }).val))).toBe(true);
    }
  });

  it('an unshuffled loader over a stratified split of class-sorted data gets mixed batches', () => {
    // Rows sorted by class, as the mnist package ships its digits.
    const sortedByClass = dataset(Array.from({ length: 100 }, (_, i) => [i]), Array.from({ length: 100 }, (_, i) => Math.floor(i / 10)), { backend: js64 });
    const { val } = trainValTestSplit(sortedByClass, [0.6, 0.2, 0.2], { stratified: true, seed: 1 });
    const batches = [...new sg.data.DataLoader(val, { batchSize: 5 })].map((b) => new Set(Array.from(b.y.data())).size);
    expect(batches).toHaveLength(4);
    expect(Math.min(...batches)).toBeGreaterThan(1);
  });

  it('refuses unknown options and fraction names, listing the valid ones', () => {
    const d = skewed(10);
    expect(() => trainValTestSplit(d, [0.5, 0.25, 0.25], { stratify: true } as never)).toThrow("trainValTestSplit: unknown option 'stratify'; valid options are stratified, shuffle, seed");
    expect(() => trainValTestSplit(d, { train: 0.5, valid: 0.25, test: 0.25 } as never)).toThrow("trainValTestSplit: unknown option 'valid'; valid options are train, val, test");
    expect(() => trainValTestSplit(d, [0.5, 0.25, 0.25], { seed: 1.5 })).toThrow(/seed must be an integer >= 0, got 1.5/);
    expect(() => kFold(d, 2, { shufle: true } as never)).toThrow("kFold: unknown option 'shufle'; valid options are stratified, shuffle, seed");
  });

  it('stratified keeps class proportions in every part', () => {
    const d = skewed(200); // 120, 60, 20 per class
    const { train, val, test } = trainValTestSplit(d, [0.5, 0.3, 0.2], { stratified: true, seed: 2 });
    expect(classCounts(train)).toEqual([60, 30, 10]);
    expect(classCounts(val)).toEqual([36, 18, 6]);
    expect(classCounts(test)).toEqual([24, 12, 4]);
  });

  it('rejects fractions that do not sum to 1, negative ones and malformed ones', () => {
    const d = skewed(10);
    expect(() => trainValTestSplit(d, [0.7, 0.2, 0.2])).toThrow(sg.ArgumentError);
    expect(() => trainValTestSplit(d, [0.7, 0.2, 0.2])).toThrow(/summing to 1 \(within 1e-9\), got \[0.7,0.2,0.2\] \(sum 1.09999/);
    expect(() => trainValTestSplit(d, [0.7, 0.3 + 2e-9, 0])).toThrow(/summing to 1/);
    expect(() => trainValTestSplit(d, [1.2, -0.2, 0])).toThrow(/non-negative/);
    expect(() => trainValTestSplit(d, { train: 1, val: 0 } as never)).toThrow(/summing to 1/);
    // 0.7 + 0.2 + 0.1 is 0.9999999999999999 in floating point: within tolerance.
    expect(trainValTestSplit(d, [0.7, 0.2, 0.1]).train.length).toBe(7);
  });

  it('stratified needs class labels', () => {
    const d = dataset([[1], [2]], new Float32Array([0.1, 0.2]), { backend: js64 });
    expect(() => trainValTestSplit(d, [0.5, 0.5, 0], { stratified: true })).toThrow(/trainValTestSplit: needs int32 class labels/);
  });
});

describe('kFold', () => {
  it('every sample is validated exactly once; train is the complement; sizes differ by at most one', () => {
    const d = skewed(23);
    const folds = kFold(d, 5);
    expect(folds.map((f) => f.val.length)).toEqual([5, 5, 5, 4, 4]);
    expect(folds.flatMap((f) => rows(f.val))).toEqual(Array.from({ length: 23 }, (_, i) => i)); // contiguous without shuffle
    for (const f of folds) {
      const val = new Set(rows(f.val));
      expect(rows(f.train)).toEqual(Array.from({ length: 23 }, (_, i) => i).filter((i) => !val.has(i)));
    }
  });

  it('shuffle is seeded', () => {
    const d = skewed(30);
    const a = kFold(d, 3, { shuffle: true, seed: 1 }).map((f) => rows(f.val));
    expect(kFold(d, 3, { shuffle: true, seed: 1 }).map((f) => rows(f.val))).toEqual(a);
    expect(a[0]).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(a.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('stratified folds hold each class in nearly equal numbers', () => {
    const d = skewed(100); // 60, 30, 10
    const folds = kFold(d, 4, { stratified: true, shuffle: true, seed: 5 });
    const counts = folds.map((f) => classCounts(f.val));
    for (let c = 0; c < 3; c++) {
      const perFold = counts.map((k) => k[c]);
      expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
    }
    expect(counts.map((k) => k[0])).toEqual([15, 15, 15, 15]);
    expect(folds.flatMap((f) => rows(f.val)).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('stratified fold totals differ by at most one too, whatever the class sizes', () => {
    // Classes of 5, 5 and 5 in 4 folds: dealt in one sequence, the leftovers of each class go to different folds.
    const labels = Array.from({ length: 15 }, (_, i) => Math.floor(i / 5));
    const d = dataset(Array.from({ length: 15 }, (_, i) => [i]), labels, { backend: js64 });
    for (const k of [2, 3, 4, 6, 7]) {
      const folds = kFold(d, k, { stratified: true });
      const totals = folds.map((f) => f.val.length);
      expect(Math.max(...totals) - Math.min(...totals), `k ${k}: ${totals}`).toBeLessThanOrEqual(1);
      for (let c = 0; c < 3; c++) {
        const perFold = folds.map((f) => classCounts(f.val)[c]);
        expect(Math.max(...perFold) - Math.min(...perFold), `k ${k}, class ${c}`).toBeLessThanOrEqual(1);
      }
    }
    const skewedTotals = kFold(skewed(100), 4, { stratified: true, shuffle: true, seed: 5 }).map((f) => f.val.length);
    expect(skewedTotals).toEqual([25, 25, 25, 25]);
  });

  it('rejects k < 2 and k > samples', () => {
    const d = skewed(6);
    expect(() => kFold(d, 1)).toThrow('kFold: k must be an integer in [2, 6] (the number of samples), got 1');
    expect(() => kFold(d, 7)).toThrow(/got 7/);
    expect(() => kFold(d, 2.5)).toThrow(sg.ArgumentError);
    expect(kFold(d, 6).every((f) => f.val.length === 1)).toBe(true);
  });
});
