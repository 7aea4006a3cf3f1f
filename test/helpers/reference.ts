// Comparison with reference values computed independently in float64 (the
// formulas PyTorch uses, written out; tables of the functions): js float64
// must match to 1e-12 relative with an absolute floor of 1e-15, float32
// backends to 1e-4 relative with a floor of 1e-6 × max(1, largest magnitude),
// the acceptance tolerances of PyTorch comparisons.
import { expect } from 'vitest';
import type { Backend } from '../../src/index.js';

export function expectReference(got: ArrayLike<number>, want: readonly number[], backend: Backend, what = ''): void {
  expect(got.length, `${what} length`).toBe(want.length);
  const float64 = backend.dtype === 'float64';
  const floor = float64 ? 1e-15 : 1e-6 * Math.max(1, ...want.map(Math.abs).filter(Number.isFinite));
  const rtol = float64 ? 1e-12 : 1e-4;
  want.forEach((w, i) => {
    const g = got[i];
    if (Number.isNaN(w) || !Number.isFinite(w)) expect(g, `${what}[${i}]`).toBe(w);
    else expect(Math.abs(g - w), `${what}[${i}]: ${g} vs ${w}`).toBeLessThanOrEqual(floor + rtol * Math.abs(w));
  });
}
