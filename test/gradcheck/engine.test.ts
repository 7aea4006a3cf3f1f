// The two numerical pieces under gradcheck, against values worked out by
// hand: the nearest point of a convex hull (Wolfe's algorithm) and the
// one-sided Richardson slopes with their error estimates.
import { describe, expect, it } from 'vitest';
import { Line, examine, oneSided } from '../../src/gradcheck/differences.js';
import { nearestInHull } from '../../src/gradcheck/hull.js';

const points = (...ps: number[][]) => ps.map((p) => Float64Array.from(p));

describe('nearestInHull', () => {
  it('a segment whose nearest point is inside it: (1, 2)–(3, 0) is nearest at (1.5, 1.5) = 0.75·(1, 2) + 0.25·(3, 0)', () => {
    const r = nearestInHull(points([1, 2], [3, 0]));
    expect(Array.from(r.point)).toEqual([expect.closeTo(1.5, 12), expect.closeTo(1.5, 12)]);
    expect(Array.from(r.weights)).toEqual([expect.closeTo(0.75, 12), expect.closeTo(0.25, 12)]);
    expect(r.distance).toBeCloseTo(3 / Math.SQRT2, 12);
  });

  it('a segment whose nearest point is an end: (1, 1)–(2, 3) at (1, 1)', () => {
    const r = nearestInHull(points([2, 3], [1, 1]));
    expect(Array.from(r.point)).toEqual([1, 1]);
    expect(Array.from(r.weights)).toEqual([0, 1]);
  });

  it('a triangle holding the origin: distance 0', () => {
    const r = nearestInHull(points([1, 0], [-1, 1], [-1, -1], [5, 5]));
    expect(r.distance).toBeLessThan(1e-12);
    expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('a face of a tetrahedron: the nearest point of conv{(1,0,0), (0,1,0), (0,0,1), (2,2,2)} is (1/3, 1/3, 1/3)', () => {
    const r = nearestInHull(points([2, 2, 2], [1, 0, 0], [0, 1, 0], [0, 0, 1]));
    for (const v of r.point) expect(v).toBeCloseTo(1 / 3, 12);
    expect(r.weights[0]).toBe(0);
    expect(r.distance).toBeCloseTo(1 / Math.sqrt(3), 12);
  });

  it('repeated and collinear points do not break it', () => {
    const r = nearestInHull(points([1, 1], [1, 1], [2, 2], [3, 3], [1, -1]));
    expect(Array.from(r.point)).toEqual([expect.closeTo(1, 12), expect.closeTo(0, 12)]);
  });

  it('a single point is its own nearest point', () => {
    expect(nearestInHull(points([3, 4])).distance).toBe(5);
  });
});

describe('one-sided slopes', () => {
  const lineOf = (f: (t: number) => number, step = 1e-3) =>
    new Line((x) => Float64Array.of(f(x[0])), Float64Array.of(0), Float64Array.of(1), Float64Array.of(f(0)), step);
  const slopes = (f: (t: number) => number, step?: number) => {
    const line = lineOf(f, step);
    const tol = Float64Array.of(1e-8);
    return [oneSided(line, -1, tol, 1e-6)[0], oneSided(line, 1, tol, 1e-6)[0]];
  };

  it('|t| + 3t² at 0: -1 and 1, exact for a quadratic piece', () => {
    const [left, right] = slopes((t) => Math.abs(t) + 3 * t * t);
    expect(left.value).toBeCloseTo(-1, 12);
    expect(right.value).toBeCloseTo(1, 12);
    expect(left.settled && right.settled).toBe(true);
  });

  it('exp(t): the estimate is within its error estimate of the derivative 1', () => {
    const [left, right] = slopes(Math.exp);
    for (const s of [left, right]) {
      expect(s.settled).toBe(true);
      expect(Math.abs(s.value - 1)).toBeLessThanOrEqual(s.error);
    }
  });

  it('a kink at 2e-4, inside the first stencil of 1e-3: halving until the steps fall below it', () => {
    const [, right] = slopes((t) => Math.max(0, t - 2e-4) + 0.5 * t);
    expect(right.value).toBeCloseTo(0.5, 10);
    expect(right.reach).toBeLessThan(2e-4);
  });

  it('a step: no slope settles; the jump of 1 is measured', () => {
    const [left, right] = slopes((t) => (t > 0 ? 1 : 0));
    expect(left.settled).toBe(true);
    expect(right.settled).toBe(false);
    expect(right.jump).toBeCloseTo(1, 12);
  });

  it('examine: a kink, a smooth point where the central difference alone decides, and f undefined on one side', () => {
    const [kink] = examine(lineOf((t) => Math.max(t, 0)), [0.5], 1e-8, 1e-6);
    expect(kink.kind).toBe('kink');
    const [smooth] = examine(lineOf((t) => 5000 * t * t), [0], 1e-8, 1e-6);
    expect(smooth).toMatchObject({ kind: 'smooth', ref: 0 });
    const [oneSide] = examine(lineOf((t) => t ** 1.5, 1e-6), [0], 1e-5, 1e-3);
    expect(oneSide.kind).toBe('smooth');
    expect(oneSide.reason).toMatch(/the right difference alone/);
    expect(Math.abs(oneSide.ref)).toBeLessThanOrEqual(1e-5);
  });
});
