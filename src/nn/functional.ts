// Activations under torch.nn.functional's names (camelCase): each is an op
// with its gradient and, where it has one, the subgradient it returns at its
// kink, or a composition of such ops. Derivatives are formed from x, not
// from the output, wherever the output has rounded away what they need
// (σ(x) near 1, tanh(x) near ±1, e^x − 1 near −1).
import { Unary } from '../backend/opcodes.js';
import { checkNumber, checkTensor } from '../check.js';
import { ShapeError } from '../errors.js';
import { sumTo, unaryKernel } from '../ops/broadcast.js';
import { composite, op, unaryOp } from '../ops/define.js';
import {
  abs, add, concat, div, exp, expm1, log, max, mul, neg, relu, reshape, square, sub, sum, where, type ReluOptions,
} from '../ops/index.js';
import { fmt, normalizeAxis } from '../shape.js';
import { Tensor, assertTensor } from '../tensor.js';
import { geluApproximation, hardtanhBounds, softplusOptions, type GeluOptions, type SoftplusOptions } from './options.js';

export { relu, setReluSubgradientAtZero, type ReluOptions } from '../ops/index.js';
export type { GeluOptions, SoftplusOptions } from './options.js';

const sigmoidOf = (x: Tensor) => unaryKernel(x, Unary.Sigmoid);
const scaled = (x: Tensor, c: number) => (c === 1 ? x : unaryKernel(x, Unary.Affine, c, 0));

/** 1 / (1 + e^-x), without overflow at either end; derivative σ(x)·σ(−x). */
export const sigmoid = unaryOp('sigmoid', Unary.Sigmoid, (g, x) => mul(g, mul(sigmoidOf(x), sigmoidOf(neg(x)))));
/** Derivative 1 − tanh²(x) as 4·σ(2x)·σ(−2x): exact where tanh(x) rounds to ±1. */
export const tanh = unaryOp('tanh', Unary.Tanh, (g, x) => mul(g, mul(mul(sigmoidOf(scaled(x, 2)), sigmoidOf(scaled(x, -2))), 4)));

const softplusOp = op<number>({
  name: 'softplus',
  forward: ([x], beta) => scaled(unaryKernel(scaled(x, beta), Unary.Softplus), 1 / beta),
  vjp: (g, [x], _y, beta) => [mul(g, sigmoidOf(scaled(x, beta)))],
});
/**
 * (1/β)·ln(1 + e^(βx)) as (1/β)·(max(βx, 0) + ln(1 + e^-|βx|)): no overflow,
 * softplus(1000) = 1000, softplus(-1000) = 0, and exact everywhere (no threshold shortcut).
 */
export function softplus(x: Tensor, options?: SoftplusOptions): Tensor {
  checkTensor('softplus', 'input', x);
  return softplusOp([x], softplusOptions('softplus', options).beta);
}

/** ln σ(x) = x - softplus(x) = -softplus(-x): the stable form (torch.nn.functional.logsigmoid). */
export function logSigmoid(x: Tensor): Tensor {
  assertTensor(x, 'logSigmoid');
  return neg(softplus(neg(x)));
}
/** x - softplus(x), the lectures' name for logSigmoid. */
export const softminus = logSigmoid;

// Row max subtracted first: e^(x - max) never overflows.
const softmaxOp = op<number>({
  name: 'softmax',
  forward: ([x], dim) => {
    const e = exp(sub(x, max(x, dim, true)));
    return div(e, sum(e, dim, true));
  },
  vjp: (g, _x, y, dim) => [mul(y, sub(g, sum(mul(g, y), dim, true)))],
});
const logSoftmaxOp = op<number>({
  name: 'logSoftmax',
  forward: ([x], dim) => {
    const z = sub(x, max(x, dim, true));
    return sub(z, log(sum(exp(z), dim, true)));
  },
  vjp: (g, _x, y, dim) => [sub(g, mul(exp(y), sum(g, dim, true)))],
});

function alongDim(name: string, x: Tensor, dim: number): number {
  assertTensor(x, name);
  if (x.rank === 0) throw new ShapeError(name, 'needs a tensor of rank >= 1, got a scalar');
  return normalizeAxis(dim, x.rank, name);
}

/** e^x / Σ e^x along dim (default: the last). */
export function softmax(x: Tensor, dim = -1): Tensor {
  return softmaxOp([x], alongDim('softmax', x, dim));
}

/** x - ln Σ e^x along dim (default: the last), computed from x - max so large logits stay finite. */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return logSoftmaxOp([x], alongDim('logSoftmax', x, dim));
}

function finite(name: string, what: string, value: unknown): number {
  checkNumber(name, what, value);
  return value;
}

/** 1 where x > 0, else the slope (at 0 too): leakyRelu's derivative, and the factor x is scaled by. */
const leakySlopes = (x: Tensor, slope: number) => unaryKernel(unaryKernel(x, Unary.Step, 0), Unary.Affine, 1 - slope, slope);

const leakyReluOp = op<number>({
  name: 'leakyRelu',
  forward: ([x], slope) => mul(x, leakySlopes(x, slope)),
  vjp: (g, [x], _y, slope) => [mul(g, leakySlopes(x, slope))],
  kinks: [
    {
      at: 'x = 0',
      returns: 'the negative slope (PyTorch: x > 0 ? 1 : slope)',
      probe: { inputs: [[0, 0]], call: (x) => leakyRelu(x, 0.25), grads: [[0.25, 0.25]] },
    },
  ],
});
/** x for x > 0, slope · x below (default slope 0.01, as PyTorch). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  assertTensor(x, 'leakyRelu');
  return leakyReluOp([x], finite('leakyRelu', 'negativeSlope', negativeSlope));
}

const preluOp = op({
  name: 'prelu',
  // w is broadcast against x: the slope 1 above 0 and w at or below it.
  forward: ([x, w]) => {
    const pos = unaryKernel(x, Unary.Step, 0);
    return mul(x, add(mul(pos, sub(1, w)), w));
  },
  vjp: (g, [x, w]) => {
    const pos = unaryKernel(x, Unary.Step, 0);
    const below = sub(1, pos);
    return [mul(g, add(pos, mul(below, w))), sumTo(mul(mul(g, x), below), w.shape)];
  },
  kinks: [
    {
      at: 'x = 0',
      returns: 'the slope w to x (PyTorch), and 0 to w since x = 0',
      probe: { inputs: [[0, 0], [0.25]], call: (x, w) => prelu(x, w), grads: [[0.25, 0.25], [0]] },
    },
  ],
});

/**
 * Leaky relu with a learnable slope: one for all of x, or one per channel
 * (dimension 1, as PyTorch; a tensor of rank < 2 has one channel).
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  assertTensor(x, 'prelu');
  assertTensor(weight, 'prelu', 'weight');
  const channels = x.rank >= 2 ? x.shape[1] : 1;
  if (weight.rank !== 1 || (weight.size !== 1 && weight.size !== channels)) {
    throw new ShapeError('prelu', `weight must have shape [1] or [${channels}] (one slope per channel of x ${fmt(x.shape)}), got ${fmt(weight.shape)}`);
  }
  const shape = x.shape.map((_, i) => (i === 1 ? weight.size : 1));
  return preluOp([x, reshape(weight, shape)], undefined);
}

const hardtanhOp = op<[number, number]>({
  name: 'hardtanh',
  forward: ([x], [lo, hi]) => unaryKernel(x, Unary.Clamp, lo, hi),
  vjp: (g, [x], _y, [lo, hi]) => [mul(g, unaryKernel(x, Unary.Inside, lo, hi))],
  kinks: [
    {
      at: 'x = min or x = max',
      returns: '0 at both bounds (PyTorch: hardtanh passes the gradient only strictly inside, unlike clamp)',
      probe: { inputs: [[-1, 1]], call: (x) => hardtanh(x), grads: [[0, 0]] },
    },
  ],
});

function hardtanhAs(name: string, x: Tensor, min: number, max: number): Tensor {
  checkTensor(name, 'input', x);
  return hardtanhOp([x], hardtanhBounds(name, min, max));
}

/** min(max(x, min), max) (default [-1, 1]), with gradient 0 at the bounds as PyTorch's hardtanh. */
export function hardtanh(x: Tensor, min = -1, max = 1): Tensor {
  return hardtanhAs('hardtanh', x, min, max);
}

/** min(max(x, 0), 6): hardtanh on [0, 6]. */
export const relu6: (x: Tensor) => Tensor = composite(
  'relu6',
  [
    {
      at: 'x = 0 or x = 6',
      returns: "0 at both bounds, hardtanh's choice (PyTorch)",
      probe: { inputs: [[0, 6]], call: (x) => relu6(x), grads: [[0, 0]] },
    },
  ],
  (x: Tensor) => hardtanhAs('relu6', x, 0, 6),
);

const siluOp = op({
  name: 'silu',
  forward: ([x]) => mul(x, sigmoidOf(x)),
  // σ(x)·(1 + x·(1 − σ(x))), the 1 − σ(x) as σ(−x).
  vjp: (g, [x]) => [mul(g, mul(sigmoidOf(x), add(mul(x, sigmoidOf(neg(x))), 1)))],
});
/** x·σ(x) (also called swish). */
export function silu(x: Tensor): Tensor {
  checkTensor('silu', 'input', x);
  return siluOp([x], undefined);
}

const GELU_KAPPA = 0.044715;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Φ(x) = ½·erfc(−x/√2): exact (relative) far into the left tail, where ½(1 + erf) would cancel. */
const normalCdf = (x: Tensor) => scaled(unaryKernel(scaled(x, -Math.SQRT1_2), Unary.Erfc), 0.5);
/** 2u, u = √(2/π)(x + 0.044715x³), so that ½(1 + tanh u) = σ(2u), which does not cancel. */
const twiceTanhArgument = (x: Tensor) => scaled(mul(x, add(mul(square(x), GELU_KAPPA), 1)), 2 * SQRT_2_OVER_PI);

const geluOp = op<'none' | 'tanh'>({
  name: 'gelu',
  forward: ([x], approximate) => mul(x, approximate === 'none' ? normalCdf(x) : sigmoidOf(twiceTanhArgument(x))),
  vjp: (g, [x], _y, approximate) => {
    if (approximate === 'none') {
      // Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π).
      const pdf = scaled(exp(scaled(square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return [mul(g, add(normalCdf(x), mul(x, pdf)))];
    }
    // σ(2u) + x·σ(2u)·σ(−2u)·(2u)', (2u)' = 2√(2/π)(1 + 3·0.044715x²).
    const v = twiceTanhArgument(x);
    const s = sigmoidOf(v);
    const dv = scaled(add(mul(square(x), 3 * GELU_KAPPA), 1), 2 * SQRT_2_OVER_PI);
    return [mul(g, add(s, mul(mul(x, mul(s, sigmoidOf(neg(v)))), dv)))];
  },
});
/** The Gaussian error linear unit x·Φ(x), or with { approximate: 'tanh' } its tanh approximation, as PyTorch's gelu. */
export function gelu(x: Tensor, options?: GeluOptions): Tensor {
  checkTensor('gelu', 'input', x);
  return geluOp([x], geluApproximation('gelu', options));
}

const softsignOp = op({
  name: 'softsign',
  forward: ([x]) => div(x, add(abs(x), 1)),
  vjp: (g, [x]) => [div(g, square(add(abs(x), 1)))],
});
/** x / (1 + |x|); derivative 1 / (1 + |x|)², smooth at 0. */
export function softsign(x: Tensor): Tensor {
  checkTensor('softsign', 'input', x);
  return softsignOp([x], undefined);
}

/** concat(relu(x), relu(-x)) on the last dimension, which doubles. */
export const crelu: (x: Tensor, options?: ReluOptions) => Tensor = composite(
  'crelu',
  [
    {
      at: 'x = 0',
      returns: "relu's choice on each half: g·1 + g·(-1) = 0 for x",
      probe: { inputs: [[0, 1]], call: (x) => crelu(x), grads: [[0, 1]] },
    },
  ],
  (x: Tensor, options: ReluOptions = {}): Tensor => {
    assertTensor(x, 'crelu');
    if (x.rank === 0) throw new ShapeError('crelu', 'needs a tensor of rank >= 1, got a scalar');
    return concat([relu(x, options), relu(neg(x), options)], -1);
  },
);

const eluOp = op<number>({
  name: 'elu',
  forward: ([x], alpha) => where(unaryKernel(x, Unary.Step, 0), x, mul(expm1(x), alpha)),
  // α·e^x below 0, from x: as y + α it rounds to 0 once e^x is below α's last bit (x = −700: 1e-304, not 0).
  vjp: (g, [x], _y, alpha) => [mul(g, where(unaryKernel(x, Unary.Step, 0), 1, mul(exp(x), alpha)))],
  kinks: [
    {
      at: 'x = 0 (a kink unless alpha = 1)',
      returns: 'alpha, the left derivative (PyTorch)',
      probe: { inputs: [[0]], call: (x) => elu(x, 0.5), grads: [[0.5]] },
    },
  ],
});
/** x for x > 0, alpha · (e^x - 1) below (default alpha 1). */
export function elu(x: Tensor, alpha = 1): Tensor {
  assertTensor(x, 'elu');
  return eluOp([x], finite('elu', 'alpha', alpha));
}
