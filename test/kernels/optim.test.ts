// The fused optimizer kernels on every Wasm variant against the float64 js
// reference, straight through the kernels, at sizes that hit every SIMD tail
// and with every flag combination: parameters and all state must agree.
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../../src/backend/kernels.js';
import { OptimFlag } from '../../src/backend/opcodes.js';
import { Generator, scope, tensor, type Backend } from '../../src/index.js';
import { awkwardSizes, js64, wasmBackends } from '../helpers/backends.js';

/** How a buffer is filled: signed values, positive ones (second moments), or small signed ones (mean gradients). */
type Fill = 'signed' | 'positive' | 'small';

interface KernelCase {
  name: string;
  fills: Fill[];
  call: (k: Kernels, ptrs: number[], n: number) => void;
}

function values(fill: Fill, n: number, seed: number): number[] {
  const g = new Generator(seed);
  return Array.from({ length: n }, (_, i) => {
    const u = g.uniform();
    // Exact zeros in parameters exercise the soft threshold's sign handling.
    if (fill === 'signed') return i % 7 === 3 ? 0 : Math.fround(4 * u - 2);
    return Math.fround(fill === 'positive' ? 0.5 + 1.5 * u : u - 0.5);
  });
}

/** Runs the case on a backend and returns every buffer afterwards. */
function run(c: KernelCase, backend: Backend, n: number): number[][] {
  return scope(() => {
    const ts = c.fills.map((fill, i) => tensor(values(fill, n, 31 * n + i), [n], { backend }));
    c.call(backend.kernels, ts.map((t) => t.ptr), n);
    return ts.map((t) => Array.from(t.data()));
  });
}

const { Momentum, EpsInsideSqrt, Centered, Amsgrad } = OptimFlag;
const subsets = (flags: number[]) => flags.reduce((all, f) => [...all, ...all.map((s) => s | f)], [0]);

const cases: KernelCase[] = [
  { name: 'sgd, no momentum', fills: ['signed', 'signed'], call: (k, [p, g], n) => k.sgd(p, g, 0, n, 1, 0.01, 0, 0, -0.1, 0, 0, 0) },
  { name: 'sgd, maximize, soft threshold', fills: ['signed', 'signed'], call: (k, [p, g], n) => k.sgd(p, g, 0, n, -1, 0, 0, 0, -0.1, 0, 0.05, 0) },
  { name: 'sgd, first momentum step', fills: ['signed', 'signed', 'signed'], call: (k, [p, g, b], n) => k.sgd(p, g, b, n, 1, 0, 0, 1, 0, -0.1, 0, Momentum) },
  { name: 'sgd, nesterov', fills: ['signed', 'signed', 'signed'], call: (k, [p, g, b], n) => k.sgd(p, g, b, n, 1, 0.1, 0.9, 0.7, -0.1, -0.09, 0, Momentum) },
  { name: 'sgd, velocity form', fills: ['signed', 'signed', 'signed'], call: (k, [p, g, b], n) => k.sgd(p, g, b, n, 1, 0, 0.9, -0.1, -0.1, 0.9, 0.01, Momentum) },
  ...subsets([EpsInsideSqrt]).map((flags): KernelCase => ({
    name: `adagrad, flags ${flags}`,
    fills: ['signed', 'signed', 'positive'],
    call: (k, [p, g, s], n) => k.adagrad(p, g, s, n, 1, 0.1, 0.3, 1e-3, 0.01, flags),
  })),
  ...subsets([EpsInsideSqrt, Centered, Momentum]).map((flags): KernelCase => ({
    name: `rmsprop, flags ${flags}`,
    fills: ['signed', 'signed', 'positive', 'small', 'signed'],
    call: (k, [p, g, v, a, b], n) => k.rmsprop(p, g, v, a, b, n, -1, 0.05, 0.01, 0.9, 1e-3, 0.8, 0.001, flags),
  })),
  { name: 'adadelta', fills: ['signed', 'signed', 'positive', 'positive'], call: (k, [p, g, v, u], n) => k.adadelta(p, g, v, u, n, 1, 0.1, 1, 0.9, 1e-6, 0.001) },
  ...subsets([EpsInsideSqrt, Amsgrad]).map((flags): KernelCase => ({
    name: `adam, flags ${flags}`,
    fills: ['signed', 'signed', 'signed', 'positive', 'positive'],
    call: (k, [p, g, m, v, x], n) => k.adam(p, g, m, v, x, n, 1, 0.01, 1, 0.9, 0.999, 0.05, 0, 1 / (1 - 0.999 ** 3), 1e-8, 0, flags),
  })),
  {
    name: 'adam as NAdam with decoupled decay and a soft threshold',
    fills: ['signed', 'signed', 'signed', 'positive'],
    call: (k, [p, g, m, v], n) => k.adam(p, g, m, v, 0, n, -1, 0, 1 - 0.05 * 0.1, 0.9, 0.999, 0.04, 0.006, 1 / (1 - 0.999 ** 2), 1e-8, 0.002, 0),
  },
];

describe('optimizer kernels agree with the js reference', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    for (const n of awkwardSizes) {
      const want = run(c, js64, n);
      // The kernel must change what it updates, or agreement would prove nothing.
      expect(want[0]).not.toEqual(values('signed', n, 31 * n));
      for (const backend of wasmBackends) {
        run(c, backend, n).forEach((buffer, b) =>
          buffer.forEach((v, i) => {
            const w = want[b][i];
            expect(Math.abs(v - w), `${backend.label} n=${n} buffer ${b} [${i}]: ${v} vs ${w}`).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(w)));
          }),
        );
      }
    }
  });

  it('firstNonFinite finds the first NaN or infinity wherever it is', () => {
    for (const n of [...awkwardSizes, 64, 65]) {
      const placements: [number, number][][] = [[], [[0, NaN]], [[n - 1, Infinity]], [[n >> 1, -Infinity], [n - 1, NaN]]];
      for (const bad of placements) {
        const data = values('signed', n, n);
        for (const [i, v] of bad) data[i] = v;
        const expected = bad.length ? Math.min(...bad.map(([i]) => i)) : -1;
        for (const backend of [js64, ...wasmBackends]) {
          const found = scope(() => {
            const t = tensor(data, [n], { backend });
            return backend.kernels.firstNonFinite(t.ptr, n);
          });
          expect(found, `${backend.label} n=${n}`).toBe(expected);
        }
      }
    }
  });
});
