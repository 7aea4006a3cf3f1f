import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { gridSearch, intUniform, logUniform, randomSearch, uniform } from '../../src/data/index.js';

describe('gridSearch', () => {
  it('tries every combination once and sorts by score in the chosen direction', async () => {
    const calls: string[] = [];
    // Scores by hand; ties between trials 0 and 4 and between 1 and 5.
    const table: Record<string, number> = { '0.01/32': -1.5, '0.01/64': -1, '0.1/32': -0.5, '0.1/64': 0, '1/32': -1.5, '1/64': -1 };
    const score = (p: { lr: number; hidden: number }) => table[`${p.lr}/${p.hidden}`];
    const space = { lr: [0.01, 0.1, 1], hidden: [32, 64] };
    const best = await gridSearch(space, (p) => (calls.push(`${p.lr}/${p.hidden}`), score(p)), { mode: 'max' });
    expect(calls).toEqual(['0.01/32', '0.01/64', '0.1/32', '0.1/64', '1/32', '1/64']);
    expect(best[0]).toEqual({ params: { lr: 0.1, hidden: 64 }, score: 0, trial: 3 });
    expect(best.map((r) => r.trial)).toEqual([3, 2, 1, 5, 0, 4]);
    const worst = await gridSearch(space, score, { mode: 'min' });
    expect(worst.map((r) => r.trial)).toEqual([0, 4, 1, 5, 2, 3]);
  });

  it('awaits async evaluations, ranks NaN last and keeps ties in trial order', async () => {
    const scores = [0.5, NaN, 0.9, 0.5];
    const results = await gridSearch({ i: [0, 1, 2, 3] }, async ({ i }) => scores[i], { mode: 'max' });
    expect(results.map((r) => r.params.i)).toEqual([2, 0, 3, 1]);
    const low = await gridSearch({ i: [0, 1, 2, 3] }, ({ i }) => scores[i], { mode: 'min' });
    expect(low.map((r) => r.params.i)).toEqual([0, 3, 2, 1]);
  });

  it('rejects a missing mode, an empty space and a non-numeric score before or when it happens', async () => {
    let calls = 0;
    const f = () => (calls++, 1);
    await expect(gridSearch({ a: [1] }, f, {} as never)).rejects.toThrow(/options.mode must be 'max' .* or 'min'/);
    await expect(gridSearch({}, f, { mode: 'max' })).rejects.toThrow(/at least one hyper-parameter/);
    await expect(gridSearch({ a: [] }, f, { mode: 'max' })).rejects.toThrow(/space.a must be a non-empty array/);
    expect(calls).toBe(0);
    await expect(gridSearch({ a: [1] }, () => 'good' as unknown as number, { mode: 'max' })).rejects.toThrow(sg.ArgumentError);
  });
});

describe('randomSearch', () => {
  it('draws from lists and distributions within their ranges, reproducibly by seed', async () => {
    const space = { lr: logUniform(1e-4, 1e-1), momentum: uniform(0.5, 0.99), layers: intUniform(1, 3), act: ['relu', 'tanh'] };
    const seen: Record<string, unknown>[] = [];
    const results = await randomSearch(space, (p) => (seen.push(p), p.lr), { mode: 'max', trials: 200, seed: 7 });
    expect(results).toHaveLength(200);
    for (const p of seen) {
      expect(p.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr).toBeLessThan(1e-1);
      expect(p.momentum).toBeGreaterThanOrEqual(0.5);
      expect(p.momentum).toBeLessThan(0.99);
      expect([1, 2, 3]).toContain(p.layers);
      expect(['relu', 'tanh']).toContain(p.act);
    }
    // Log-uniform: about a third of the draws in each decade.
    const decade = seen.filter((p) => (p.lr as number) < 1e-3).length;
    expect(decade).toBeGreaterThan(45);
    expect(decade).toBeLessThan(90);
    expect(new Set(seen.map((p) => p.layers)).size).toBe(3);
    expect(results[0].score).toBe(Math.max(...seen.map((p) => p.lr as number)));
    const again = await randomSearch(space, (p) => p.lr, { mode: 'max', trials: 200, seed: 7 });
    expect(again.map((r) => r.params)).toEqual(results.map((r) => r.params));
  });

  it('rejects bad trials, bad distributions and bad spaces', async () => {
    await expect(randomSearch({ a: [1] }, () => 1, { mode: 'max', trials: 0 })).rejects.toThrow(/options.trials must be an integer >= 1, got 0/);
    await expect(randomSearch({ a: 3 as never }, () => 1, { mode: 'max', trials: 1 })).rejects.toThrow(/or a Distribution/);
    expect(() => logUniform(0, 1)).toThrow(/logUniform: low must be a finite number > 0, got 0/);
    expect(() => uniform(2, 1)).toThrow(/low <= high/);
    expect(() => intUniform(0.5, 2)).toThrow(/integer bounds/);
  });
});
