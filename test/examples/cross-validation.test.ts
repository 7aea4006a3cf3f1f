import { describe, expect, it } from 'vitest';
import { run } from '../../examples/cross-validation.js';

describe('example: choosing L2 λ by k-fold cross-validation', () => {
  it('ranks λ by mean fold accuracy, rejects the underfitting one, and tests the winner once on unseen data', async () => {
    const r = await run({ perClass: 40, k: 3, epochs: 6, lambdas: '0,0.001,0.3' });
    expect(r.table.map((row) => row.lambda).sort()).toEqual([0, 0.001, 0.3]);
    for (const row of r.table) {
      expect(row.folds).toHaveLength(3);
      expect(row.score).toBeCloseTo(row.folds.reduce((a, b) => a + b, 0) / 3, 12);
    }
    expect(r.table.map((row) => row.score)).toEqual([...r.table.map((row) => row.score)].sort((a, b) => b - a));
    expect(r.best).toBe(r.table[0].lambda);
    expect(r.table.find((row) => row.lambda === 0.3)!.score).toBeLessThan(r.table[0].score - 0.05);
    expect(r.overlap).toBe(0);
    expect(r.selectionSize + r.testSize).toBe(400);
    expect(r.testAccuracy).toBeGreaterThan(0.75);
    expect(Math.abs(r.testAccuracy - r.table[0].score)).toBeLessThan(0.1);
  });
});
