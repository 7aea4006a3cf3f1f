import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { batchHardTriplets, semiHardTriplets, type Triplets } from '../../src/data/index.js';
import { js64, wasmBackends } from '../helpers/backends.js';

const backends = [...wasmBackends, js64].map((b) => [b.label, b] as const);

const asRows = (t: Triplets) => {
  const [a, p, n] = [t.anchor, t.positive, t.negative].map((x) => Array.from(x.data()));
  return a.map((_, i) => [a[i], p[i], n[i]]);
};

// Points on a line: class A at 0, 1, 5; class B at 2, 10. Distances are small integers.
const line = [[0, 0], [1, 0], [5, 0], [2, 0], [10, 0]];
const lineLabels = [0, 0, 0, 1, 1];

describe('triplet mining', () => {
  it.each(backends)('batch-hard: furthest positive and nearest negative per anchor (%s)', (_l, backend) => {
    const t = batchHardTriplets(sg.tensor(line, undefined, { backend }), lineLabels);
    expect(t.anchor.dtype).toBe('int32');
    expect(asRows(t)).toEqual([[0, 2, 3], [1, 2, 3], [2, 0, 3], [3, 4, 1], [4, 3, 2]]);
  });

  it.each(backends)('semi-hard: nearest negative with d(a,p) < d(a,n) < d(a,p) + margin, per pair (%s)', (_l, backend) => {
    const labels = sg.tensor(new Int32Array(lineLabels), undefined, { backend });
    const t = semiHardTriplets(sg.tensor(line, undefined, { backend }), labels, { margin: 2 });
    // (1,0): the only negative at distance 1 ties the positive, so it is not farther: skipped.
    expect(asRows(t)).toEqual([[0, 1, 3], [2, 1, 4], [4, 3, 1]]);
    // Squared distances: (0,1) d²=1, negatives 4 and 100 -> 4 is within 1 + 5.
    expect(asRows(semiHardTriplets(sg.tensor(line, undefined, { backend }), lineLabels, { margin: 5, squared: true }))[0]).toEqual([0, 1, 3]);
  });

  it('matches a brute-force search on random embeddings', () => {
    const n = 16;
    const emb = sg.randn([n, 3], { seed: 11, backend: js64 });
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    const x = emb.toArray() as number[][];
    const dist = (i: number, j: number) => Math.hypot(...x[i].map((v, k) => v - x[j][k]));
    const hard: number[][] = [];
    const semi: number[][] = [];
    for (let a = 0; a < n; a++) {
      const pos = labels.map((_, j) => j).filter((j) => j !== a && labels[j] === labels[a]);
      const neg = labels.map((_, j) => j).filter((j) => labels[j] !== labels[a]);
      const byDist = (js: number[]) => [...js].sort((i, j) => dist(a, i) - dist(a, j));
      hard.push([a, byDist(pos).at(-1)!, byDist(neg)[0]]);
      for (const p of pos) {
        const ok = byDist(neg).filter((j) => dist(a, j) > dist(a, p) && dist(a, j) < dist(a, p) + 0.5);
        if (ok.length) semi.push([a, p, ok[0]]);
      }
    }
    expect(asRows(batchHardTriplets(emb, labels))).toEqual(hard);
    const mined = asRows(semiHardTriplets(emb, labels, { margin: 0.5 }));
    expect(mined.length).toBeGreaterThan(5);
    expect(mined).toEqual(semi);
  });

  it('anchors without a positive or a negative give no triplet', () => {
    const t = batchHardTriplets(sg.tensor([[0], [1], [2]], undefined, { backend: js64 }), [0, 0, 1]);
    expect(asRows(t)).toEqual([[0, 1, 2], [1, 0, 2]]);
    expect(batchHardTriplets(sg.tensor([[0], [1]], undefined, { backend: js64 }), [4, 4]).anchor.size).toBe(0);
  });

  it('rejects mismatched labels, non-matrix embeddings and a bad margin', () => {
    const e = sg.tensor([[0], [1]], undefined, { backend: js64 });
    expect(() => batchHardTriplets(e, [0])).toThrow('batchHardTriplets: labels have 1 entries but embeddings have 2 rows');
    expect(() => batchHardTriplets(sg.tensor([0, 1], undefined, { backend: js64 }), [0, 1])).toThrow(/float \[batch, dim\] tensor, got float64 \[2\]/);
    expect(() => semiHardTriplets(e, [0, 1], { margin: 0 })).toThrow(/margin must be a finite number > 0/);
    expect(() => batchHardTriplets(e, sg.tensor([0, 1], undefined, { backend: js64 }))).toThrow(/labels must be an int32 tensor/);
  });
});
