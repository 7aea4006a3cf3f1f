// The fused optimizer kernels on every Wasm variant against the float64 js
// reference, straight through the kernels, at sizes that hit every SIMD tail
// and with every flag combination: parameters and all state must agree.
import { describe, expect, it } from 'vitest';
import type { Kernels } from '../../src/backend/kernels.js';
import { OptimFlag } from '../../src/backend/opcodes.js';
import { Generator, scope, tensor, zeros, type Backend, type Tensor } from '../../src/index.js';
import { Adadelta, Adam, NAdam, RMSprop, type Optimizer } from '../../src/optim/index.js';
import { awkwardSizes, js32, js64, wasmBackends } from '../helpers/backends.js';

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
    call: (k, [p, g, v, a, b], n) => k.rmsprop(p, g, v, a, b, n, -1, 0.05, 0.01, 0.9, 1 - 0.9, 1e-3, 0.8, 0.001, flags),
  })),
  { name: 'adadelta', fills: ['signed', 'signed', 'positive', 'positive'], call: (k, [p, g, v, u], n) => k.adadelta(p, g, v, u, n, 1, 0.1, 1, 0.9, 1 - 0.9, 1e-6, 0.001) },
  ...subsets([EpsInsideSqrt, Amsgrad]).map((flags): KernelCase => ({
    name: `adam, flags ${flags}`,
    fills: ['signed', 'signed', 'signed', 'positive', 'positive'],
    call: (k, [p, g, m, v, x], n) => k.adam(p, g, m, v, x, n, 1, 0.01, 1, 1 - 0.9, 0.999, 1 - 0.999, 0.05, 0, 1 / (1 - 0.999 ** 3), 1e-8, 0, flags),
  })),
  {
    name: 'adam as NAdam with decoupled decay and a soft threshold',
    fills: ['signed', 'signed', 'signed', 'positive'],
    call: (k, [p, g, m, v], n) => k.adam(p, g, m, v, 0, n, -1, 0, 1 - 0.05 * 0.1, 1 - 0.9, 0.999, 1 - 0.999, 0.04, 0.006, 1 / (1 - 0.999 ** 2), 1e-8, 0.002, 0),
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

// The first step from p = 0 on a constant gradient has a closed form, so its
// size can be checked to float32 precision: a derived constant formed in
// float32 inside a kernel (1 - β₂ for β₂ = 0.999 is 1.3e-5 off there) shows
// as a relative error far above the 1e-6 allowed. Through the optimizers, so
// the constants are formed exactly as in training.
describe("a first step's exact size on every backend", () => {
  const g = [1, -3, 0.5, 2, -0.25, 4, -1e-3];
  const lr = 1e-3;
  const eps = 1e-8;
  const adamStep = (x: number) => -(lr * x) / (Math.abs(x) + eps);
  const nadam = (x: number) => {
    // PyTorch >= 2.0: μ_t = β₁(1 − ½·0.96^(t·ψ)); m₁ = (1 − β₁)g, √(v₁/(1 − β₂)) = |g|.
    const [beta1, psi] = [0.9, 4e-3];
    const [mu1, mu2] = [1, 2].map((t) => beta1 * (1 - 0.5 * 0.96 ** (t * psi)));
    const denom = Math.abs(x) + eps;
    return -((lr * (1 - mu1)) / (1 - mu1)) * (x / denom) - ((lr * mu2) / (1 - mu1 * mu2)) * (((1 - beta1) * x) / denom);
  };
  const cases: [string, (p: Tensor) => Optimizer<any>, (x: number) => number][] = [
    ['Adam', (p) => new Adam([p], { lr, eps }), adamStep],
    ['Adam, amsgrad', (p) => new Adam([p], { lr, eps, amsgrad: true }), adamStep],
    ['NAdam', (p) => new NAdam([p], { lr, eps }), nadam],
    ['RMSprop, alpha 0.999', (p) => new RMSprop([p], { lr, eps, alpha: 0.999 }), (x) => -(lr * x) / (Math.sqrt(0.001 * x * x) + eps)],
    // δ = √(0 + ε)/√(v₁ + ε)·g with v₁ = (1 − ρ)g².
    ['Adadelta, rho 0.999', (p) => new Adadelta([p], { lr: 1, rho: 0.999, eps: 1e-6 }), (x) => -(Math.sqrt(1e-6) / Math.sqrt(0.001 * x * x + 1e-6)) * x],
  ];
  it.each(cases)('%s', (_name, make, step) => {
    for (const backend of [js64, js32, ...wasmBackends]) {
      const p = zeros([g.length], { backend, requiresGrad: true });
      const opt = make(p);
      p.grad = tensor(g, undefined, { backend });
      opt.step();
      const tolerance = backend.dtype === 'float64' ? 1e-12 : 1e-6;
      Array.from(p.data()).forEach((got, i) => {
        const want = step(g[i]);
        expect(Math.abs(got / want - 1), `${backend.label} [${i}]: ${got} vs ${want}`).toBeLessThanOrEqual(tolerance);
      });
      opt.dispose();
      p.dispose();
    }
  });
});

// Float32 backends store subnormal optimizer state as 0 (no slow path for a
// state that decays); float64 keeps it. Zero gradients make every state
// buffer scale by an exact factor, so the expected values are exact: 2^-126
// (the smallest normal) and everything above it pass unchanged.
describe('subnormal optimizer state is stored as 0 on float32 backends', () => {
  const state = [2 ** -125, -(2 ** -125), 2 ** -126, 2 ** -127, 2 ** -140, -(2 ** -147), 3 * 2 ** -126, Math.fround(1e-30), 0];
  const n = state.length;
  interface FlushCase {
    name: string;
    /** What each state buffer is multiplied by under a zero gradient. */
    factors: number[];
    /** Second moments are never negative: the case starts from |state| (AMSGrad's max and a centred √ need it). */
    positive?: boolean;
    call: (k: Kernels, p: number, g: number, s: number[]) => void;
  }
  const cases: FlushCase[] = [
    { name: 'sgd momentum', factors: [0.5], call: (k, p, g, [b]) => k.sgd(p, g, b, n, 1, 0, 0.5, 1, 0, -0.1, 0, Momentum) },
    { name: 'adagrad', factors: [1], call: (k, p, g, [s]) => k.adagrad(p, g, s, n, 1, 0, 0.1, 1e-3, 0, 0) },
    {
      name: 'rmsprop centred with momentum',
      factors: [0.5, 0.5, 0.5],
      positive: true,
      call: (k, p, g, [v, a, b]) => k.rmsprop(p, g, v, a, b, n, 1, 0, 0.1, 0.5, 0.5, 1e-3, 0.5, 0, Centered | Momentum),
    },
    { name: 'adadelta', factors: [0.5, 0.5], call: (k, p, g, [v, u]) => k.adadelta(p, g, v, u, n, 1, 0, 1, 0.5, 0.5, 1e-6, 0) },
    {
      name: 'adam, amsgrad',
      factors: [0.5, 0.5, 1],
      positive: true,
      call: (k, p, g, [m, v, x]) => k.adam(p, g, m, v, x, n, 1, 0, 1, 0.5, 0.5, 0.5, 1e-3, 0, 1, 1e-8, 0, Amsgrad),
    },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const start = c.positive ? state.map(Math.abs) : state;
    for (const backend of [js64, js32, ...wasmBackends]) {
      const after = scope(() => {
        const p = tensor(values('signed', n, 5), [n], { backend });
        const g = zeros([n], { backend });
        const blocks = c.factors.map(() => tensor(start, [n], { backend }));
        c.call(backend.kernels, p.ptr, g.ptr, blocks.map((b) => b.ptr));
        return blocks.map((b) => Array.from(b.data()));
      });
      c.factors.forEach((factor, b) => {
        const want = start.map((x) => factor * x).map((x) => (backend.dtype === 'float32' && Math.abs(x) < 2 ** -126 ? 0 : x));
        expect(after[b], `${backend.label} state ${b}`).toEqual(want);
      });
    }
  });
});
