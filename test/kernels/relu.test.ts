// relu's backward kernel (one pass over g and x) on every backend: hand-made
// values at and around the kink, including a non-finite upstream below it
// (selected away, as PyTorch's threshold_backward does, not multiplied by 0),
// and agreement with the float64 reference at sizes that hit every SIMD tail.
import { describe, expect, it } from 'vitest';
import { Generator, scope, tensor, type Backend } from '../../src/index.js';
import { awkwardSizes, js32, js64, wasmBackends } from '../helpers/backends.js';

const all: Backend[] = [js64, js32, ...wasmBackends];

function reluBackward(backend: Backend, g: number[], x: number[], atZero: number): number[] {
  return scope(() => {
    const gt = tensor(g, [g.length], { backend });
    const xt = tensor(x, [x.length], { backend });
    const dx = tensor(new Array(x.length).fill(NaN), [x.length], { backend });
    backend.kernels.reluBackward(gt.ptr, xt.ptr, dx.ptr, x.length, atZero);
    return Array.from(dx.data());
  });
}

describe('reluBackward', () => {
  // Eight values: two full SIMD vectors; the scalar tail is covered by the sizes below.
  const x = [-2, -0, 0, 1e-30, 3, -Infinity, Infinity, -1e-30];
  const g = [5, 6, 7, 8, -9, Infinity, 2, NaN];
  it.each([0, 0.3, 1])('passes g above 0, atZero·g at 0 and 0 below (atZero %s)', (atZero) => {
    const want = [0, atZero * 6, atZero * 7, 8, -9, 0, 2, 0];
    for (const backend of all) {
      const got = reluBackward(backend, g, x, atZero);
      got.forEach((v, i) => expect(v, `${backend.label} [${i}]`).toBeCloseTo(want[i], 6));
    }
  });

  it('agrees with the float64 reference at awkward sizes, exact zeros included', () => {
    for (const n of awkwardSizes) {
      const r = new Generator(n);
      const xs = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : Math.fround(r.normal())));
      const gs = Array.from({ length: n }, () => Math.fround(r.normal()));
      const want = reluBackward(js64, gs, xs, 0.25);
      for (const backend of [js32, ...wasmBackends]) {
        reluBackward(backend, gs, xs, 0.25).forEach((v, i) => expect(Math.abs(v - want[i]), `${backend.label} n=${n} [${i}]`).toBeLessThanOrEqual(1e-7 * Math.abs(want[i])));
      }
    }
  });
});
