// The gradient accumulation kernel (out = x + g, or a copy of g, checked for
// NaN and infinities in the same pass) on every backend against sums written
// out here in float64 and rounded to the storage type: non-finite values at
// every position of SIMD bodies and tails, finite float32 values whose sum
// overflows, and -0 kept by the copy.
import { describe, expect, it } from 'vitest';
import { Generator, scope, tensor, type Backend } from '../../src/index.js';
import { awkwardSizes, js32, js64, wasmBackends } from '../helpers/backends.js';

const all: Backend[] = [js64, js32, ...wasmBackends];
const sizes = [...awkwardSizes, 64, 65];

/** Runs accumulate (x null: the copy) and returns what it wrote and returned; `inPlace` writes the sum over x. */
function accumulate(backend: Backend, x: number[] | null, g: number[], inPlace = false): { out: number[]; first: number } {
  return scope(() => {
    const n = g.length;
    const xt = x && tensor(x, [n], { backend });
    const gt = tensor(g, [n], { backend });
    const out = inPlace && xt ? xt : tensor(new Array(n).fill(7), [n], { backend });
    const first = backend.kernels.accumulate(xt ? xt.ptr : 0, gt.ptr, out.ptr, n);
    return { out: Array.from(out.data()), first };
  });
}

/** The sum as the backend stores it, and the index of its first non-finite value. */
function expected(backend: Backend, x: number[] | null, g: number[]): { out: number[]; first: number } {
  const round = backend.dtype === 'float64' ? (v: number) => v : Math.fround;
  const out = g.map((v, i) => round(x ? round(x[i]) + round(v) : round(v)));
  return { out, first: out.findIndex((v) => !Number.isFinite(v)) };
}

function values(n: number, seed: number): number[] {
  const r = new Generator(seed);
  return Array.from({ length: n }, () => Math.fround(4 * r.normal()));
}

describe('accumulate', () => {
  it.each(all.map((b) => [b.label, b] as const))('sums and finds the first non-finite value wherever it is (%s)', (_l, backend) => {
    for (const n of sizes) {
      const placements: [number, number, 'x' | 'g'][][] = [
        [],
        [[0, NaN, 'g']],
        [[n - 1, Infinity, 'x']],
        [[Math.floor(n / 2), -Infinity, 'g'], [n - 1, NaN, 'x']],
        // +∞ + −∞ is NaN: both inputs non-finite at one element, found there.
        [[Math.floor(n / 3), Infinity, 'x'], [Math.floor(n / 3), -Infinity, 'g']],
      ];
      for (const bad of placements) {
        const [x, g] = [values(n, n), values(n, n + 1)];
        for (const [i, v, where] of bad) (where === 'x' ? x : g)[i] = v;
        const want = expected(backend, x, g);
        expect(want.first).toBe(bad.length ? Math.min(...bad.map(([i]) => i)) : -1);
        for (const inPlace of [false, true]) {
          const got = accumulate(backend, x, g, inPlace);
          expect(got.first, `${backend.label} n=${n} in place ${inPlace}`).toBe(want.first);
          expect(got.out, `${backend.label} n=${n}`).toEqual(want.out);
        }
      }
    }
  });

  it.each(all.map((b) => [b.label, b] as const))('copies g exactly when there is no x, and checks it (%s)', (_l, backend) => {
    for (const n of sizes) {
      const g = values(n, 3 * n);
      g[0] = -0;
      const clean = accumulate(backend, null, g);
      expect(clean.first).toBe(-1);
      expect(Object.is(clean.out[0], -0)).toBe(true);
      expect(clean.out).toEqual(expected(backend, null, g).out);
      g[n - 1] = NaN;
      expect(accumulate(backend, null, g).first, `${backend.label} n=${n}`).toBe(n - 1);
    }
  });

  it('finds a float32 sum of finite values that overflows to infinity (the stored value is checked)', () => {
    for (const n of sizes) {
      const at = Math.max(0, n - 1 - (n % 5));
      const x = values(n, n).map((v, i) => (i === at ? 3e38 : v));
      const g = values(n, n + 2).map((v, i) => (i === at ? 3e38 : v));
      for (const backend of [js32, ...wasmBackends]) {
        const got = accumulate(backend, x, g);
        expect(got.out[at], `${backend.label} n=${n}`).toBe(Infinity);
        expect(got.first, `${backend.label} n=${n}`).toBe(at);
      }
      // In float64 the same sum is finite.
      expect(accumulate(js64, x, g).first).toBe(-1);
    }
  });
});
