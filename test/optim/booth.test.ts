// The lectures' learning-rate figure: plain gradient descent on the Booth
// function f(x, y) = (x + 2y − 7)² + (2x + y − 5)² from (−8, 8), 100 steps.
// Its Hessian [[10, 8], [8, 10]] has eigenvalues 2 (along (1, −1)) and 18
// (along (1, 1)), so the error along (1, 1) is multiplied by 1 − 18·lr per
// step: the critical rate is 2/18 ≈ 0.111.
import { describe, expect, it } from 'vitest';
import { matmul, reshape, scope, sum, tensor, type Backend } from '../../src/index.js';
import { SGD } from '../../src/optim/index.js';
import { js32, js64, wasmBackends } from '../helpers/backends.js';

const M = [[1, 2], [2, 1]];
const minimum = [1, 3];

function descend(lr: number, backend: Backend): number[][] {
  const w = tensor([-8, 8], undefined, { backend, requiresGrad: true });
  const opt = new SGD([w], { lr });
  const c = tensor([[7], [5]], undefined, { backend });
  const path = [Array.from(w.data())];
  for (let step = 0; step < 100; step++) {
    opt.zeroGrad();
    scope(() => sum(matmul(tensor(M, undefined, { backend }), reshape(w, [2, 1])).sub(c).square()).backward());
    opt.step();
    path.push(Array.from(w.data()));
  }
  return path;
}

const distance = ([x, y]: number[]) => Math.hypot(x - minimum[0], y - minimum[1]);
/** The error's component along (1, 1), the stiff direction. */
const stiff = ([x, y]: number[]) => (x - minimum[0] + (y - minimum[1])) / Math.SQRT2;

describe.each([js64, js32, ...wasmBackends].map((b) => [b.label, b] as const))('Booth function on %s', (_label, backend) => {
  it('lr 0.01 falls short: still more than 1 away after 100 steps, the loss falling all along', () => {
    const path = descend(0.01, backend);
    expect(distance(path[100])).toBeGreaterThan(1);
    // Only the slow mode (factor 0.98 per step, from |−9 − 5|/√2) is left: 9.9·0.98¹⁰⁰ ≈ 1.31.
    expect(distance(path[100])).toBeCloseTo(9.9 * 0.98 ** 100, 1);
    for (let t = 1; t <= 100; t++) expect(distance(path[t])).toBeLessThan(distance(path[t - 1]));
  });

  it('lr 0.10 converges to (1, 3)', () => {
    expect(distance(descend(0.1, backend)[100])).toBeLessThan(1e-5);
  });

  it('lr 0.11 oscillates: bounded, not converged, the stiff error changing sign every step', () => {
    const path = descend(0.11, backend);
    const start = distance(path[0]);
    for (const w of path) expect(distance(w)).toBeLessThanOrEqual(start);
    // |1 − 18·0.11| = 0.98: 2.83·0.98¹⁰⁰ ≈ 0.375 left along (1, 1).
    expect(Math.abs(stiff(path[100]))).toBeCloseTo(2.828 * 0.98 ** 100, 2);
    for (let t = 90; t < 100; t++) expect(Math.sign(stiff(path[t + 1]))).toBe(-Math.sign(stiff(path[t])));
  });

  it('lr 0.12 diverges', () => {
    const path = descend(0.12, backend);
    // 2.83·1.16¹⁰⁰ ≈ 7.5e6
    expect(distance(path[100])).toBeGreaterThan(1e6);
    for (let t = 80; t < 100; t++) expect(distance(path[t + 1])).toBeGreaterThan(distance(path[t]));
  });
});
