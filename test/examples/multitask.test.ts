import { describe, expect, it } from 'vitest';
import { run } from '../../examples/multitask.js';

describe('example: multi-task (shared trunk, classification + regression heads)', () => {
  it('learns both tasks from the weighted sum; with weight 0 the regression head learns nothing', async () => {
    const both = await run({ perClass: 60, epochs: 6 });
    expect(both.testAccuracy).toBeGreaterThan(0.75);
    expect(both.testR2).toBeGreaterThan(0.5);
    expect(both.epochs.at(-1)!.mse).toBeLessThan(both.epochs[0].mse / 2);
    const classifyOnly = await run({ perClass: 60, epochs: 6, weight: 0 });
    expect(classifyOnly.testR2).toBeLessThan(0.2);
    expect(classifyOnly.testAccuracy).toBeGreaterThan(0.75);
  });
});
