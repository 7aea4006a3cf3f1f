// Regression losses: compositions of core ops, elementwise and then reduced.
import { show } from '../check.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { composite } from '../ops/define.js';
import { abs, add, clamp, detach, div, log, log1p, minimum, mul, reshape, square, sub } from '../ops/index.js';
import { fmt, sameShape } from '../shape.js';
import { Tensor, full } from '../tensor.js';
import { checkRange, checkTensor, checkValues, options, reduce, samePair, type Reduction, type ReductionOptions } from './common.js';

export type PointwiseLoss<O = object> = (input: Tensor, target: Tensor, options?: Partial<O> & ReductionOptions) => Tensor;

/** A loss computed elementwise from input and target (of one shape), then reduced. */
function pointwise<O extends object>(name: string, defaults: O, loss: (x: Tensor, y: Tensor, o: O) => Tensor): PointwiseLoss<O> {
  return (input, target, opts) => {
    const o = options(name, opts, { reduction: 'mean' as Reduction, ...defaults });
    const [x, y] = samePair(name, input, target);
    return reduce(loss(x, y, o), o.reduction);
  };
}

/** Mean squared error (x - y)². */
export const mse = pointwise('mse', {}, (x, y) => square(sub(x, y)));

/** Mean absolute error |x - y|, torch's l1_loss. */
export const mae: PointwiseLoss = composite(
  'mae',
  [
    {
      at: 'input = target',
      returns: "0, abs's choice at 0 (PyTorch)",
      probe: { inputs: [[1, 2], [1, 0]], call: (x, y) => mae(x, y, { reduction: 'sum' }), grads: [[0, 1], [0, -1]] },
    },
  ],
  pointwise('mae', {}, (x, y) => abs(sub(x, y))),
);
export const l1Loss = mae;

/**
 * Mean squared logarithmic error (ln(1 + y) - ln(1 + x))², via log1p; with
 * base 10 the logs are decimal. Values must be > -1.
 */
export const msle = pointwise('msle', { base: 'e' as 'e' | 10 }, (x, y, o) => {
  if (o.base !== 'e' && o.base !== 10) throw new ArgumentError('msle', `base must be 'e' or 10, got ${show(o.base)}`);
  const aboveMinusOne = (v: number) => v > -1;
  checkValues('msle', x, 'input', aboveMinusOne, 'must be > -1 (log1p)');
  checkValues('msle', y, 'target', aboveMinusOne, 'must be > -1 (log1p)');
  const d = square(sub(log1p(y), log1p(x)));
  return o.base === 10 ? mul(d, 1 / Math.LN10 ** 2) : d;
});

/**
 * Huber's loss of a = |r|: ½a² below delta, delta·(a - ½delta) above, as
 * q·(a - ½q) with q = min(a, delta). Smooth (C¹) at a = delta: whichever side
 * the tie of min takes, the derivative is delta·sign(r), since ∂/∂q vanishes there.
 */
function huberTerms(a: Tensor, delta: number): Tensor {
  const q = minimum(a, delta);
  return mul(q, sub(a, mul(q, 0.5)));
}

/** torch's huber_loss: quadratic for |x - y| < delta, linear beyond. */
export const huber = pointwise('huber', { delta: 1 }, (x, y, o) =>
  huberTerms(abs(sub(x, y)), checkRange('huber', 'delta', o.delta, 0)),
);

/** torch's smooth_l1_loss: huber(beta) / beta, and plain |x - y| for beta = 0. */
export const smoothL1: PointwiseLoss<{ beta: number }> = composite(
  'smoothL1',
  [
    {
      at: 'input = target with beta = 0 (then it is abs(x - y))',
      returns: "0, abs's choice at 0",
      probe: { inputs: [[1, 2], [1, 0]], call: (x, y) => smoothL1(x, y, { beta: 0, reduction: 'sum' }), grads: [[0, 1], [0, -1]] },
    },
  ],
  pointwise('smoothL1', { beta: 1 }, (x, y, o) => {
    const beta = checkRange('smoothL1', 'beta', o.beta, 0, Infinity, true);
    const a = abs(sub(x, y));
    return beta === 0 ? a : mul(huberTerms(a, beta), 1 / beta);
  }),
);

/** var as a tensor x can be broadcast against: x's shape, its last dimension 1, or one dimension fewer (PyTorch). */
function varianceLike(name: string, variance: Tensor | number, x: Tensor): Tensor {
  if (typeof variance === 'number') return full([], checkRange(name, 'var', variance, 0, Infinity, true), { backend: x.backend });
  const v = checkTensor(name, variance, 'var', x);
  const head = x.shape.slice(0, -1);
  if (sameShape(v.shape, x.shape) || sameShape(v.shape, [...head, 1])) return v;
  if (sameShape(v.shape, head)) return reshape(v, [...head, 1]);
  throw new ShapeError(name, `var has shape ${fmt(v.shape)}; expected ${fmt(x.shape)}, ${fmt([...head, 1])} or ${fmt(head)} for an input of shape ${fmt(x.shape)}`);
}

const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

export interface GaussianNllOptions extends ReductionOptions {
  /** Add the constant ½ ln 2π (default false, as PyTorch). */
  full?: boolean;
  /** var is clamped at eps (default 1e-6). */
  eps?: number;
}

/**
 * torch's gaussian_nll_loss, the variance form: ½(ln max(var, eps) + (x - y)² / max(var, eps)) per element.
 * var >= 0 is one variance per element, per row (last dimension 1 or dropped), or a number.
 */
export function gaussianNll(input: Tensor, target: Tensor, variance: Tensor | number, opts?: GaussianNllOptions): Tensor {
  const o = options('gaussianNll', opts, { reduction: 'mean' as Reduction, full: false, eps: 1e-6 });
  const [x, y] = samePair('gaussianNll', input, target);
  const eps = checkRange('gaussianNll', 'eps', o.eps, 0);
  const v = varianceLike('gaussianNll', variance, x);
  checkValues('gaussianNll', v, 'var', (u) => u >= 0, 'variances must be >= 0');
  // PyTorch clamps a copy of var without recording: the value is max(var, eps), the gradient passes as if unclamped.
  const clamped = add(v, detach(sub(clamp(v, eps), v)));
  const loss = mul(add(log(clamped), div(square(sub(x, y)), clamped)), 0.5);
  return reduce(o.full ? add(loss, HALF_LN_2PI) : loss, o.reduction);
}

/**
 * The lectures' fixed-precision form: ½β(y - x)² - ½ ln β + ½ ln 2π per
 * element, so 'sum' over M values is ½β Σ(y - x)² - (M/2) ln β + (M/2) ln 2π.
 * β > 0 is a number or a one-element tensor, learnable.
 */
export function gaussianNllPrecision(input: Tensor, target: Tensor, precision: Tensor | number, opts?: ReductionOptions): Tensor {
  const name = 'gaussianNllPrecision';
  const o = options(name, opts, { reduction: 'mean' as Reduction });
  const [x, y] = samePair(name, input, target);
  let beta: Tensor;
  if (typeof precision === 'number') beta = full([], checkRange(name, 'precision', precision, 0), { backend: x.backend });
  else {
    beta = checkTensor(name, precision, 'precision', x);
    if (beta.size !== 1) throw new ShapeError(name, `precision must be one number (shape [] or [1]), got shape ${fmt(beta.shape)}`);
    checkValues(name, beta, 'precision', (b) => b > 0, 'must be > 0 (ln β)');
    beta = reshape(beta, []);
  }
  const loss = sub(mul(square(sub(x, y)), mul(beta, 0.5)), mul(log(beta), 0.5));
  return reduce(add(loss, HALF_LN_2PI), o.reduction);
}
