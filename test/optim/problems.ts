// Test problems for the optimizers: each as a float64 function with its
// gradient written by hand (for the references) and as subgrad ops (for the
// optimizers, whose gradients then come from backward()).
import { concat, matmul, reshape, scope, slice, sum, tensor, type Backend, type Tensor } from '../../src/index.js';
import type { Closure, Optimizer } from '../../src/optim/index.js';

export interface Problem {
  name: string;
  start: number[];
  grad: (w: readonly number[]) => number[];
  /** The loss of the flat parameter vector built from the parameter tensors. */
  loss: (w: Tensor) => Tensor;
}

// ½wᵀAw − bᵀw with A symmetric positive definite (eigenvalues in about [0.9, 6]).
const A = [
  [4, 1, 0, 0.5, 0],
  [1, 3, 0.5, 0, 0],
  [0, 0.5, 2, 0.3, 0],
  [0.5, 0, 0.3, 1.5, 0.2],
  [0, 0, 0, 0.2, 1],
];
const b = [1, -2, 0.5, 3, -1];

export const quadratic: Problem = {
  name: 'quadratic',
  start: [1.5, -0.5, 2, -1, 0.25],
  grad: (w) => A.map((row, i) => row.reduce((s, a, j) => s + a * w[j], 0) - b[i]),
  loss: (w) => {
    const Aw = reshape(matmul(tensor(A, undefined, { backend: w.backend }), reshape(w, [5, 1])), [5]);
    return sum(w.mul(Aw)).mul(0.5).sub(sum(w.mul(tensor(b, undefined, { backend: w.backend }))));
  },
};

/** Σᵢ (1 − wᵢ)² + c(wᵢ₊₁ − wᵢ²)², the extended Rosenbrock function. */
export function rosenbrock(c: number, start: number[]): Problem {
  const n = start.length;
  return {
    name: `rosenbrock(c=${c})`,
    start,
    grad: (w) => {
      const g = new Array(n).fill(0);
      for (let i = 0; i + 1 < n; i++) {
        const r = w[i + 1] - w[i] * w[i];
        g[i] += -2 * (1 - w[i]) - 4 * c * w[i] * r;
        g[i + 1] += 2 * c * r;
      }
      return g;
    },
    loss: (w) => {
      const head = slice(w, [0], [n - 1]);
      const tail = slice(w, [1], [n - 1]);
      return sum(head.neg().add(1).square()).add(sum(tail.sub(head.square()).square()).mul(c));
    },
  };
}

export const rosenbrock5 = rosenbrock(10, [-0.8, 0.6, 1.3, 0.4, -0.2]);

/** Parameter tensors holding `values` split into pieces of the given sizes. */
export function makeParams(values: readonly number[], sizes: readonly number[], backend: Backend): Tensor[] {
  let at = 0;
  return sizes.map((size) => {
    const p = tensor(values.slice(at, at + size), [size], { backend, requiresGrad: true });
    at += size;
    return p;
  });
}

export const flat = (params: readonly Tensor[]) => params.flatMap((p) => Array.from(p.data()));

/** A closure that zeroes the gradients, evaluates the problem at the parameters and backpropagates. */
export function closureFor(problem: Problem, params: readonly Tensor[], opt: Optimizer<{ lr: number }>, sign = 1): Closure {
  return () => {
    opt.zeroGrad();
    const loss = problem.loss(concat(params)).mul(sign);
    loss.backward();
    return loss;
  };
}

/** One step of an elementwise optimizer on the problem (gradients from backward). */
export function stepOn(problem: Problem, params: readonly Tensor[], opt: Optimizer<{ lr: number }>, sign = 1): void {
  scope(() => closureFor(problem, params, opt, sign)());
  opt.step();
}

/** Largest |a − b| / (1 + |b|) over two vectors. */
export function relError(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]) / (1 + Math.abs(b[i]))));
}
