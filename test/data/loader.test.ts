import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { DataLoader, dataset } from '../../src/data/index.js';
import { js64, wasmBackends } from '../helpers/backends.js';

/** Sample i has features [i, 100 + i] and label i % 3, so every batch row can be checked against its index. */
function indexed(n: number, backend: sg.Backend) {
  return dataset(Array.from({ length: n }, (_, i) => [i, 100 + i]), Array.from({ length: n }, (_, i) => i % 3), { backend });
}

function epochRows(loader: DataLoader): number[][] {
  return [...loader.epoch()].map((b) => Array.from(b.rows));
}

describe('DataLoader', () => {
  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))('batches hold the rows they name (%s)', (_l, backend) => {
    const loader = new DataLoader(indexed(10, backend), { batchSize: 4, shuffle: true, seed: 1 });
    let seen = 0;
    for (const batch of loader.epoch()) {
      sg.scope(() => {
        const rows = Array.from(batch.rows);
        expect(batch.x.toArray()).toEqual(rows.map((i) => [i, 100 + i]));
        expect(batch.y.dtype).toBe('int32');
        expect(Array.from(batch.y.data())).toEqual(rows.map((i) => i % 3));
        expect(Array.from(batch.index.data())).toEqual(rows);
        seen += batch.size;
      });
    }
    expect(seen).toBe(10);
  });

  it('without shuffle: in order, last batch smaller unless dropLast', () => {
    const d = indexed(10, js64);
    expect(epochRows(new DataLoader(d, { batchSize: 4 }))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dropped = new DataLoader(d, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect(epochRows(dropped)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(new DataLoader(d, { batchSize: 20 }).length).toBe(1);
    expect([...new DataLoader(d, { batchSize: 5 })].length).toBe(2); // iterable directly
  });

  it('shuffles every epoch: a permutation each time, different epochs, the same sequence for the same seed', () => {
    const d = indexed(50, js64);
    const a = new DataLoader(d, { batchSize: 8, shuffle: true, seed: 42 });
    const b = new DataLoader(d, { batchSize: 8, shuffle: true, seed: 42 });
    const c = new DataLoader(d, { batchSize: 8, shuffle: true, seed: 43 });
    const e1 = epochRows(a).flat();
    const e2 = epochRows(a).flat();
    expect([...e1].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(e2).not.toEqual(e1);
    expect(epochRows(b).flat()).toEqual(e1);
    expect(epochRows(b).flat()).toEqual(e2);
    expect(epochRows(c).flat()).not.toEqual(e1);
  });

  it('the shuffle is uniform: over 20,000 epochs every sample lands at every position 1/n of the time', () => {
    // Fisher–Yates draws j in [0, i]; drawing from [0, i) (Sattolo's cycles) never leaves a sample in place.
    const n = 5;
    const epochs = 20_000;
    const loader = new DataLoader(indexed(n, js64), { batchSize: n, shuffle: true, seed: 11 });
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    for (let e = 0; e < epochs; e++) {
      for (const batch of loader.epoch()) batch.rows.forEach((sample, position) => counts[sample][position]++);
    }
    // Each count is binomial(20,000, 1/5): mean 4,000, standard deviation 56.6; allow 5 of them.
    const sd = Math.sqrt(epochs * (1 / n) * (1 - 1 / n));
    for (let s = 0; s < n; s++) {
      for (let p = 0; p < n; p++) expect(Math.abs(counts[s][p] - epochs / n), `sample ${s} at position ${p}`).toBeLessThan(5 * sd);
    }
  });

  it('float targets are gathered too, and a subset loads only its rows', () => {
    const d = dataset([[0], [1], [2], [3]], new Float64Array([0.5, 1.5, 2.5, 3.5]), { backend: js64 });
    const loader = new DataLoader(d.subset([3, 1]), { batchSize: 2 });
    const [batch] = [...loader.epoch()];
    expect(batch.x.toArray()).toEqual([[3], [1]]);
    expect(Array.from(batch.y.data())).toEqual([3.5, 1.5]);
  });

  it('a batch read in one scope is gathered again in the next', () => {
    const [batch] = [...new DataLoader(indexed(3, js64), { batchSize: 3 }).epoch()];
    const first = sg.scope(() => {
      const x = batch.x;
      expect(batch.x).toBe(x); // cached while alive
      return x.toArray();
    });
    expect(sg.scope(() => batch.x.toArray())).toEqual(first);
  });

  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))(
    'an epoch with batches read inside scope() does not grow memory per batch (%s)',
    (_l, backend) => {
      const d = indexed(2000, backend);
      const w = sg.randn([2, 4], { seed: 1, requiresGrad: true, backend });
      const loader = new DataLoader(d, { batchSize: 16, shuffle: true, seed: 3 });
      const epoch = () => {
        for (const batch of loader.epoch()) {
          sg.scope(() => {
            sg.relu(sg.matmul(batch.x, w)).sum().backward();
          });
        }
      };
      epoch();
      const before = sg.memoryStats(backend);
      epoch();
      epoch();
      const after = sg.memoryStats(backend);
      expect(after.persistentBytes).toBe(before.persistentBytes);
      expect(after.pages).toBe(before.pages);
      expect(after.arenaBytes).toBe(0);
      d.dispose();
      w.dispose();
    },
  );

  it('rejects a batch size below 1 and dropLast that leaves no batch', () => {
    const d = indexed(5, js64);
    expect(() => new DataLoader(d, { batchSize: 0 })).toThrow('DataLoader: batchSize must be an integer >= 1, got 0');
    expect(() => new DataLoader(d, { batchSize: 2.5 })).toThrow(sg.ArgumentError);
    expect(() => new DataLoader(d, { batchSize: 6, dropLast: true })).toThrow(/dropLast with batchSize 6 > 5 samples/);
  });
});
