// Activations under torch.nn.functional's names (camelCase): each is an op
// with its gradient and, where it has one, the subgradient it returns at its
// kink, or a composition of such ops.
import { Unary } from '../backend/opcodes.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { sumTo, unaryKernel } from '../ops/broadcast.js';
import { composite, op } from '../ops/define.js';
import { add, concat, div, exp, expm1, log, max, mul, neg, relu, reshape, square, sub, sum, where, type ReluOptions } from '../ops/index.js';
import { fmt, normalizeAxis } from '../shape.js';
import { Tensor, assertTensor } from '../tensor.js';

export { relu, setReluSubgradientAtZero, type ReluOptions } from '../ops/index.js';

/** A map x -> f(x) by one unary kernel, with its derivative from x, the output y and the upstream g. */
function map(name: string, kernel: Unary, vjp: (g: Tensor, x: Tensor, y: Tensor) => Tensor) {
  const apply = op({ name, forward: ([x]) => unaryKernel(x, kernel), vjp: (g, [x], y) => [vjp(g, x, y)] });
  return (x: Tensor): Tensor => {
    assertTensor(x, name);
    return apply([x], undefined);
  };
}

/** 1 / (1 + e^-x), without overflow at either end. */
export const sigmoid = map('sigmoid', Unary.Sigmoid, (g, _x, y) => mul(g, mul(y, sub(1, y))));
export const tanh = map('tanh', Unary.Tanh, (g, _x, y) => mul(g, sub(1, square(y))));
/** ln(1 + e^x) as max(x, 0) + ln(1 + e^-|x|): softplus(1000) = 1000, softplus(-1000) = 0, no overflow. */
export const softplus = map('softplus', Unary.Softplus, (g, x) => mul(g, unaryKernel(x, Unary.Sigmoid)));

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

function checkNumber(name: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ArgumentError(name, `${what} must be a finite number, got ${String(value)}`);
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
  return leakyReluOp([x], checkNumber('leakyRelu', 'negativeSlope', negativeSlope));
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

const relu6Op = op({
  name: 'relu6',
  forward: ([x]) => unaryKernel(x, Unary.Clamp, 0, 6),
  vjp: (g, [x]) => [mul(g, unaryKernel(x, Unary.Inside, 0, 6))],
  kinks: [
    {
      at: 'x = 0 or x = 6',
      returns: '0 at both bounds (PyTorch: hardtanh passes the gradient only strictly inside)',
      probe: { inputs: [[0, 6]], call: (x) => relu6(x), grads: [[0, 0]] },
    },
  ],
});
/** min(max(x, 0), 6). */
export function relu6(x: Tensor): Tensor {
  assertTensor(x, 'relu6');
  return relu6Op([x], undefined);
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
  // Below 0 the derivative α·e^x is y + α.
  vjp: (g, [x], y, alpha) => [mul(g, where(unaryKernel(x, Unary.Step, 0), 1, add(y, alpha)))],
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
  return eluOp([x], checkNumber('elu', 'alpha', alpha));
}
