// Backend agreement: the same function forward and backward on the float64
// js reference and on another backend (a Wasm kernel variant, say).
import type { Backend } from '../backend/backend.js';
import { Generator } from '../random.js';
import { createBackend, getBackend } from '../runtime.js';
import { sizeOf } from '../shape.js';
import { scope } from '../storage.js';
import { Tensor, tensor, type NestedArray } from '../tensor.js';
import { float64, readInput, type Fn } from './problem.js';

export interface BackendComparison {
  /** Worst relative error of the outputs. */
  output: number;
  /** Worst relative error per input gradient. */
  grads: number[];
  /** The worst of all. */
  worst: number;
  reference: string;
  tested: string;
}

/**
 * Runs fn forward and backward (with a seeded random upstream gradient) on a
 * js float64 reference and on another backend (default: a wasm backend),
 * reporting relative errors |a - b| / max(|b|, 1e-3 · max|b|).
 */
export function checkBackends(
  fn: Fn,
  inputs: readonly (Tensor | NestedArray)[],
  options: { backend?: Backend; seed?: number } = {},
): BackendComparison {
  const reference = float64();
  const tested = options.backend ?? (getBackend().name === 'wasm' ? getBackend() : createBackend({ backend: 'wasm' }));
  const xs = inputs.map((x, i) => readInput('checkBackends', x, i, reference, false));
  const run = (backend: Backend) =>
    scope(() => {
      const ls = xs.map((x) => tensor(x.values, x.shape, { backend, requiresGrad: true }));
      const y = fn(...ls);
      const g = new Generator(options.seed ?? 0);
      const u = Float64Array.from({ length: sizeOf(y.shape) }, () => g.normal());
      if (y.requiresGrad) y.backward(tensor(u, y.shape, { backend }));
      const result = {
        out: Float64Array.from(y.data()),
        grads: ls.map((l, i) => (l.grad ? Float64Array.from(l.grad.data()) : new Float64Array(xs[i].values.length))),
      };
      ls.forEach((l) => l.grad?.dispose());
      return result;
    });
  const ref = run(reference);
  const got = run(tested);
  const output = relativeError(got.out, ref.out);
  const grads = ref.grads.map((r, i) => relativeError(got.grads[i], r));
  return { output, grads, worst: Math.max(output, ...grads), reference: reference.label, tested: tested.label };
}

function relativeError(a: Float64Array, b: Float64Array): number {
  // NaN does not set the scale: a NaN that both sides share must not make every other element's error NaN.
  const scale = b.reduce((m, v) => (Number.isNaN(v) ? m : Math.max(m, Math.abs(v))), 0);
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) continue;
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3 * scale, 1e-30));
  }
  return worst;
}
