import { describe, expect, it } from 'vitest';
import { run } from '../../examples/softmax-vs-svm.js';

describe('example: softmax vs multiclass SVM', () => {
  it('both linear classifiers learn the digits, to within a few points of each other', async () => {
    const r = await run({ perClass: 60, epochs: 20, lr: 0.01 });
    for (const x of [r.softmax, r.svm]) {
      expect(x.testAccuracy).toBeGreaterThan(0.78);
      expect(x.valAccuracy).toBeGreaterThan(0.78);
    }
    expect(Math.abs(r.softmax.testAccuracy - r.svm.testAccuracy)).toBeLessThan(0.08);
    // The two runs differ only by their loss: the hinge's is different from cross-entropy's.
    expect(r.svm.trainLoss).not.toBe(r.softmax.trainLoss);
  });
});
