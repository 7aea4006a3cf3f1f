import { describe, expect, it } from 'vitest';
import { run } from '../../examples/robust-regression.js';

describe('example: robust regression', () => {
  it('with gross outliers, Huber lands closest to the clean line on average, then MAE, and MSE far off', () => {
    const r = run({ datasets: 12, steps: 300 });
    expect(r.huber.meanDistance).toBeLessThan(r.mae.meanDistance);
    expect(r.mae.meanDistance).toBeLessThan(r.mse.meanDistance / 3);
    expect(r.huber.wins).toBeGreaterThan(r.mae.wins);
    expect(r.huber.wins + r.mae.wins + r.mse.wins).toBe(12);
    expect(r.huber.first.slope).toBeCloseTo(2, 0);
  });

  it('without outliers, MSE is as good as Huber and MAE is the worst', () => {
    const r = run({ datasets: 12, steps: 300, outliers: 0 });
    expect(Math.abs(r.mse.meanDistance - r.huber.meanDistance)).toBeLessThan(0.1 * r.mse.meanDistance);
    expect(r.mae.meanDistance).toBeGreaterThan(Math.max(r.mse.meanDistance, r.huber.meanDistance));
  });
});
