// Bit-identity for any thread count: the same computation on 1 thread (the
// plain Wasm backend), 2 and 3 threads (every call split, threadThreshold 0,
// and 2 threads at the measured thresholds) must give the same float32 bits
// — matmul in every transpose form with and without accumulation, the fused
// losses forward and backward (chunked totals across partitions), long
// reductions, every optimizer update, and a 20-step training run.
import { describe, expect, it } from 'vitest';
import '../../src/node/index.js';
import * as sg from '../../src/index.js';
import type { Backend, KernelVariant, Tensor } from '../../src/index.js';
import { supportedVariants } from '../../src/backend/wasm.js';

interface Team {
  variant: KernelVariant;
  one: Backend;
  /** 2 and 3 threads splitting every call, 2 threads at the measured thresholds. */
  many: Backend[];
}

const teams: Team[] = supportedVariants().map((kernels) => ({
  variant: kernels,
  one: sg.createBackend({ backend: 'wasm', kernels }),
  many: [
    sg.createBackend({ backend: 'wasm', kernels, threads: 2, threadThreshold: 0 }),
    sg.createBackend({ backend: 'wasm', kernels, threads: 3, threadThreshold: 0 }),
    sg.createBackend({ backend: 'wasm', kernels, threads: 2 }),
  ],
}));

/** Runs fn on a backend in a scope; returns copies of the tensors it returns. */
function outputs(backend: Backend, fn: (b: Backend) => Tensor[]): Float32Array[] {
  return sg.scope(() => fn(backend).map((t) => Float32Array.from(t.data())));
}

/** fn's outputs on every team member have the bits they have on one thread. */
function expectSameBits(what: string, fn: (b: Backend) => Tensor[]): void {
  for (const team of teams) {
    const want = outputs(team.one, fn);
    // Something must be computed, or identity would prove nothing.
    expect(want.some((w) => w.some((v) => v !== 0)), what).toBe(true);
    for (const backend of team.many) {
      const got = outputs(backend, fn);
      want.forEach((w, k) => {
        const [a, b] = [new Uint32Array(w.buffer), new Uint32Array(got[k].buffer)];
        const i = a.findIndex((bits, j) => bits !== b[j]);
        expect(i, `${what} on ${backend.label}: output ${k} [${i}] ${got[k][i]} vs ${w[i]} on 1 thread`).toBe(-1);
      });
    }
  }
}

const values = (n: number, seed: number, scale = 1) => {
  const g = new sg.Generator(seed);
  return Float32Array.from({ length: n }, () => scale * g.normal());
};
const randn = (b: Backend, shape: number[], seed: number, scale = 1, requiresGrad = false) =>
  sg.tensor(values(shape.reduce((p, d) => p * d, 1), seed, scale), shape, { backend: b, requiresGrad });
/**
 * Logits whose losses span 40 binary orders (rows whose label wins by 40:
 * loss ~1e-17; rows where it loses by 1000: loss ~1000), so that even sums
 * in float64 round differently in another order.
 */
const logits = (b: Backend, rows: number, cols: number, seed: number) => {
  const x = values(rows * cols, seed, 3);
  for (let r = 0; r < rows; r++) {
    const at = r * cols + ((r * 7 + 3) % cols);
    if (r % 5 === 0) x[at] = 40;
    if (r % 7 === 1) x[at] = -1000;
  }
  return sg.tensor(x, [rows, cols], { backend: b, requiresGrad: true });
};
/** Class labels of rows [from, from + rows). */
const labels = (b: Backend, rows: number, cols: number, from = 0) =>
  sg.tensor(Int32Array.from({ length: rows }, (_, r) => ((from + r) * 7 + 3) % cols), undefined, { backend: b });

describe('bit-identical for 1, 2 and 3 threads', () => {
  it('runs threaded backends of every variant', () => {
    for (const team of teams) expect(team.many.map((b) => b.threads)).toEqual([2, 3, 2]);
  });

  // Rows-major splits (m > n), column splits (n ≥ m), awkward edges, depth blocks, the N = 256.
  it.each([
    [1, 1, 1], [3, 7, 17], [17, 33, 7], [127, 257, 33], [7, 300, 513], [513, 300, 7], [256, 256, 256], [64, 784, 256],
  ])('matmul %i×%i×%i, every transpose form, with and without accumulate', (m, k, n) => {
    for (const [ta, tb] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
      for (const accumulate of [0, 1]) {
        expectSameBits(`matmul ${m}×${k}×${n} ${ta}${tb}${accumulate}`, (b) => {
          const [a, bb, c] = [randn(b, [m * k], 1), randn(b, [k * n], 2), randn(b, [m * n], 3)];
          b.kernels.matmul(a.ptr, bb.ptr, c.ptr, m, k, n, ta, tb, accumulate);
          return [c];
        });
      }
    }
  });

  it.each([[128, 10], [128, 1000], [1000, 10], [5000, 3], [3, 7], [257, 33]])('softmax cross-entropy and BCE %i×%i: forward (total and per row) and backward', (rows, cols) => {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      expectSameBits(`crossEntropy ${rows}×${cols} ${reduction}`, (b) => {
        const x = logits(b, rows, cols, 4);
        const sparse = sg.losses.crossEntropy(x, labels(b, rows, cols), { reduction, labelSmoothing: 0.1 });
        sg.sum(sparse).backward();
        const target = sg.tensor(values(rows * cols, 5).map(Math.abs), [rows, cols], { backend: b });
        const y = logits(b, rows, cols, 6);
        const dense = sg.losses.crossEntropy(y, target, { reduction });
        sg.sum(dense).backward();
        const z = logits(b, rows, cols, 7);
        const bce = sg.losses.binaryCrossEntropyWithLogits(z, sg.tensor(values(rows * cols, 8).map((v) => (v > 0 ? 1 : 0)), [rows, cols], { backend: b }), { reduction, posWeight: 2 });
        sg.sum(bce).backward();
        return [sparse, x.grad!, dense, y.grad!, bce, z.grad!];
      });
    }
  });

  it('long reductions (chunked on every thread count) and elementwise maps', () => {
    expectSameBits('sum, max, min, mean of 10⁶ values; sums along axes', (b) => {
      const x = randn(b, [1000, 1000], 9);
      return [sg.sum(x), sg.max(x), sg.min(x), sg.mean(x), sg.sum(x, 0), sg.sum(x, 1), sg.sum(randn(b, [3, 70001], 10), 1), sg.sum(randn(b, [4099], 11))];
    });
    expectSameBits('maps and broadcasting on 10⁵ elements', (b) => {
      const x = randn(b, [300, 333], 12);
      const row = randn(b, [333], 13);
      return [sg.exp(x), sg.sub(x, row), sg.mul(x, randn(b, [300, 1], 14)), sg.transpose(x), sg.relu(x), sg.where(x, x, row)];
    });
  });

  const optimizers: [string, (p: Tensor[]) => Pick<sg.optim.SGD, 'step' | 'zeroGrad' | 'dispose'>][] = [
    ['SGD', (p) => new sg.optim.SGD(p, { lr: 0.1, weightDecay: 0.01, l1: 0.001 })],
    ['SGD nesterov', (p) => new sg.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true })],
    ['SGD velocity', (p) => new sg.optim.SGD(p, { lr: 0.1, momentum: 0.9, velocity: true })],
    ['Adagrad', (p) => new sg.optim.Adagrad(p, { lr: 0.1, lrDecay: 0.01 })],
    ['RMSprop centered momentum', (p) => new sg.optim.RMSprop(p, { lr: 0.01, centered: true, momentum: 0.5 })],
    ['Adadelta', (p) => new sg.optim.Adadelta(p, { lr: 1 })],
    ['Adam amsgrad', (p) => new sg.optim.Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.01 })],
    ['AdamW', (p) => new sg.optim.AdamW(p, { lr: 0.01 })],
    ['NAdam', (p) => new sg.optim.NAdam(p, { lr: 0.01 })],
  ];

  it.each(optimizers)('%s: three steps over parameters of awkward sizes', (_name, make) => {
    expectSameBits(_name, (b) => {
      // Sizes past every SIMD tail and split boundary, 73,999 parameters in all.
      const params = [1, 3, 17, 257, 4099, 69_622].map((n, i) => randn(b, [n], 20 + i, 1, true).keep());
      const optimizer = make(params);
      for (let step = 0; step < 3; step++) {
        sg.scope(() => params.reduce((s, p, i) => s.add(sg.sum(sg.mul(sg.square(p), 0.5 + i))), sg.tensor(0, [], { backend: b })).backward());
        optimizer.step();
        optimizer.zeroGrad();
      }
      const out = params.map((p) => p.detach().add(0));
      optimizer.dispose();
      params.forEach((p) => p.dispose());
      return out;
    });
  });

  it('a 20-step training run: MLP 784-64-10, Adam, batch 37', () => {
    expectSameBits('training run', (b) => {
      const x = randn(b, [37 * 20, 784], 30);
      const model = new sg.nn.MLP([784, 64, 10], { backend: b, seed: 1 });
      const optimizer = new sg.optim.Adam(model.parameters(), { lr: 1e-3 });
      const lossValues: number[] = [];
      for (let step = 0; step < 20; step++) {
        lossValues.push(sg.scope(() => {
          const rows = sg.tensor(Int32Array.from({ length: 37 }, (_, i) => step * 37 + i), undefined, { backend: b });
          const loss = sg.losses.crossEntropy(model.forward(sg.gather(x, rows)), labels(b, 37, 10, step * 37));
          loss.backward();
          return loss.item();
        }));
        optimizer.step();
        optimizer.zeroGrad();
      }
      const out = [sg.tensor(lossValues, undefined, { backend: b }), ...model.parameters().map((p) => p.detach().add(0))];
      optimizer.dispose();
      return out;
    });
  });
});
