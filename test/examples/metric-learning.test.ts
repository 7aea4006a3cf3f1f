import { describe, expect, it } from 'vitest';
import { run } from '../../examples/metric-learning.js';

describe('example: metric learning with batch-hard triplets', () => {
  it('the trained embedding retrieves same-digit neighbours far better than the untrained one', async () => {
    const r = await run({ perClass: 60, epochs: 10 });
    expect(r.trained).toBeGreaterThan(r.untrained + 0.1);
    expect(r.trained).toBeGreaterThan(0.8);
    expect(r.losses).toHaveLength(10);
    expect(r.losses[9]).toBeLessThan(r.losses[0] / 3);
  });
});
