// Regularizers: differentiable penalty terms over a list of parameters, to be
// added to a loss.
import { composite } from '../ops/define.js';
import { abs, add, mul, square, sum } from '../ops/index.js';
import type { Tensor } from '../tensor.js';
import { checkRange, options, parameterList } from './common.js';

type Params = Tensor | readonly Tensor[];

/** factor·λ·Σ over the parameters of f(p) summed over elements. */
function penalty(name: string, params: Params, lambda: number, f: (p: Tensor) => Tensor, factor = 1): Tensor {
  const ps = parameterList(name, params);
  const l = checkRange(name, 'lambda', lambda, 0, Infinity, true);
  return mul(ps.map((p) => sum(f(p))).reduce((a, b) => add(a, b)), factor * l);
}

/** λ·Σ|p|: the lasso penalty. */
export const l1: (params: Params, lambda: number) => Tensor = composite(
  'l1',
  [
    {
      at: 'a parameter = 0',
      returns: "0, abs's choice at 0 (the subgradient that leaves a zero weight in place)",
      probe: { inputs: [[0, -2]], call: (p) => l1([p], 0.5), grads: [[0, -0.5]] },
    },
  ],
  (params, lambda) => penalty('l1', params, lambda, abs),
);

export interface L2Options {
  /** ½λ·Σp² instead of λ·Σp² (default false): its gradient is λp, plain weight decay. */
  half?: boolean;
}

/** λ·Σp² (ridge), or ½λ·Σp² with { half: true }. */
export function l2(params: Params, lambda: number, opts?: L2Options): Tensor {
  const o = options('l2', opts, { half: false });
  return penalty('l2', params, lambda, square, o.half ? 0.5 : 1);
}

/** λ1·Σ|p| + λ2·Σp² (½λ2 with { half: true }). */
export const elasticNet: (params: Params, lambda1: number, lambda2: number, options?: L2Options) => Tensor = composite(
  'elasticNet',
  [
    {
      at: 'a parameter = 0',
      returns: "0 from the L1 term (abs's choice), 0 from the smooth L2 term",
      probe: { inputs: [[0, -2]], call: (p) => elasticNet([p], 0.5, 0.25), grads: [[0, -1.5]] },
    },
  ],
  (params, lambda1, lambda2, opts) => add(l1(params, lambda1), l2(params, lambda2, opts)),
);
