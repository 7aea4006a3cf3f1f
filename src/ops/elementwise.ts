// Elementwise ops: arithmetic with broadcasting, maps, and their kinks.
import { Binary, Unary } from '../backend/opcodes.js';
import { checkExtendedNumber, checkNumber, checkOptions, checkTensor, show } from '../check.js';
import { ArgumentError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { Tensor, checkInputs, empty, full, type TensorLike } from '../tensor.js';
import { binaryKernel, expandTo, lift, sumTo, unaryKernel } from './broadcast.js';
import { op, unaryOp, type KinkProbe } from './define.js';

// Inside vjps these run without recording; they are the ops below.
const times = (a: Tensor, b: Tensor) => binaryKernel(Binary.Mul, a, b, 'mul');

const addOp = op({
  name: 'add',
  forward: ([a, b]) => binaryKernel(Binary.Add, a, b, 'add'),
  vjp: (g, [a, b]) => [sumTo(g, a.shape), sumTo(g, b.shape)],
});
const subOp = op({
  name: 'sub',
  forward: ([a, b]) => binaryKernel(Binary.Sub, a, b, 'sub'),
  vjp: (g, [a, b]) => [sumTo(g, a.shape), sumTo(unaryKernel(g, Unary.Neg), b.shape)],
});
const mulOp = op({
  name: 'mul',
  forward: ([a, b]) => binaryKernel(Binary.Mul, a, b, 'mul'),
  vjp: (g, [a, b]) => [sumTo(times(g, b), a.shape), sumTo(times(g, a), b.shape)],
});
const divOp = op({
  name: 'div',
  forward: ([a, b]) => binaryKernel(Binary.Div, a, b, 'div'),
  // d(a/b)/db = -(a/b)/b
  vjp: (g, [a, b], out) => [
    sumTo(binaryKernel(Binary.Div, g, b, 'div'), a.shape),
    sumTo(unaryKernel(binaryKernel(Binary.Div, times(g, out), b, 'div'), Unary.Neg), b.shape),
  ],
});

const tieProbe = (call: (a: Tensor, b: Tensor) => Tensor): KinkProbe => ({ inputs: [[1, -2], [1, -2]], call, grads: [[0.5, 0.5], [0.5, 0.5]] });

const maximumOp = op({
  name: 'maximum',
  forward: ([a, b]) => binaryKernel(Binary.Max, a, b, 'maximum'),
  vjp: (g, [a, b]) => [
    sumTo(times(g, binaryKernel(Binary.MaxWeight, a, b, 'maximum')), a.shape),
    sumTo(times(g, binaryKernel(Binary.MaxWeight, b, a, 'maximum')), b.shape),
  ],
  kinks: [{ at: 'a = b', returns: '1/2 to each input: ties split evenly (PyTorch)', probe: tieProbe((a, b) => maximum(a, b)) }],
});
const minimumOp = op({
  name: 'minimum',
  forward: ([a, b]) => binaryKernel(Binary.Min, a, b, 'minimum'),
  vjp: (g, [a, b]) => [
    sumTo(times(g, binaryKernel(Binary.MaxWeight, b, a, 'minimum')), a.shape),
    sumTo(times(g, binaryKernel(Binary.MaxWeight, a, b, 'minimum')), b.shape),
  ],
  kinks: [{ at: 'a = b', returns: '1/2 to each input: ties split evenly (PyTorch)', probe: tieProbe((a, b) => minimum(a, b)) }],
});

/** x · scale + shift: arithmetic with a number, with no scalar tensor and no broadcasting. */
const affineOp = op<[number, number]>({
  name: 'affine',
  forward: ([x], [scale, shift]) => unaryKernel(x, Unary.Affine, scale, shift),
  vjp: (g, _x, _y, [scale]) => [unaryKernel(g, Unary.Affine, scale, 0)],
});

export const add = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? affineOp([a], [1, b])
  : typeof a === 'number' && b instanceof Tensor ? affineOp([b], [1, a])
  : addOp(lift(a, b, 'add'), undefined);
export const sub = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? affineOp([a], [1, -b])
  : typeof a === 'number' && b instanceof Tensor ? affineOp([b], [-1, a])
  : subOp(lift(a, b, 'sub'), undefined);
export const mul = (a: TensorLike, b: TensorLike): Tensor =>
  typeof b === 'number' && a instanceof Tensor ? affineOp([a], [b, 0])
  : typeof a === 'number' && b instanceof Tensor ? affineOp([b], [a, 0])
  : mulOp(lift(a, b, 'mul'), undefined);
export const div = (a: TensorLike, b: TensorLike) => divOp(lift(a, b, 'div'), undefined);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => maximumOp(lift(a, b, 'maximum'), undefined);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => minimumOp(lift(a, b, 'minimum'), undefined);

const over = (g: Tensor, d: Tensor) => binaryKernel(Binary.Div, g, d, 'div');

export const neg = unaryOp('neg', Unary.Neg, (g) => unaryKernel(g, Unary.Neg));
export const exp = unaryOp('exp', Unary.Exp, (g, _x, y) => times(g, y));
export const log = unaryOp('log', Unary.Log, (g, x) => over(g, x));
export const log1p = unaryOp('log1p', Unary.Log1p, (g, x) => over(g, unaryKernel(x, Unary.Affine, 1, 1)));
// From x, not as y + 1: where e^x is far below 1, y + 1 rounds it away.
export const expm1 = unaryOp('expm1', Unary.Expm1, (g, x) => times(g, unaryKernel(x, Unary.Exp)));
export const sqrt = unaryOp('sqrt', Unary.Sqrt, (g, _x, y) => over(g, unaryKernel(y, Unary.Affine, 2, 0)));
export const square = unaryOp('square', Unary.Square, (g, x) => times(g, unaryKernel(x, Unary.Affine, 2, 0)));
export const abs = unaryOp('abs', Unary.Abs, (g, x) => times(g, unaryKernel(x, Unary.Sign)), [
  { at: 'x = 0', returns: '0, the midpoint of [-1, 1] (PyTorch)', probe: { inputs: [[0]], call: (x) => abs(x), grads: [[0]] } },
]);
export const sign = unaryOp('sign', Unary.Sign, (g) => unaryKernel(g, Unary.Affine, 0, 0), [
  {
    at: 'x = 0',
    returns: '0, as everywhere else (PyTorch); sign jumps at 0, so no subgradient exists',
    discontinuous: true,
    probe: { inputs: [[0]], call: (x) => sign(x), grads: [[0]] },
  },
]);

/** (2/√π)·e^(−x²), the derivative of erf (no graph). */
function erfSlope(x: Tensor, sign: 1 | -1): Tensor {
  const minusSquare = unaryKernel(unaryKernel(x, Unary.Square), Unary.Affine, -1, 0);
  return unaryKernel(unaryKernel(minusSquare, Unary.Exp), Unary.Affine, (sign * 2) / Math.sqrt(Math.PI), 0);
}
/** The error function (2/√π) ∫₀ˣ e^(−t²) dt. */
export const erf = unaryOp('erf', Unary.Erf, (g, x) => times(g, erfSlope(x, 1)));
/** 1 − erf(x), exact (relative) where erf(x) rounds to ±1: erfc(10) = 2.09e-45. */
export const erfc = unaryOp('erfc', Unary.Erfc, (g, x) => times(g, erfSlope(x, -1)));

const powOp = op<number>({
  name: 'pow',
  forward: ([x], p) => unaryKernel(x, Unary.Pow, p),
  vjp: (g, [x], _y, p) => [times(g, unaryKernel(unaryKernel(x, Unary.Pow, p - 1), Unary.Affine, p, 0))],
});
/** x ** p for a scalar exponent p. */
export function pow(x: Tensor, p: number): Tensor {
  checkTensor('pow', 'x', x);
  checkNumber('pow', 'exponent', p);
  return powOp([x], p);
}

const clampOp = op<[number, number]>({
  name: 'clamp',
  forward: ([x], [lo, hi]) => unaryKernel(x, Unary.Clamp, lo, hi),
  vjp: (g, [x], _y, [lo, hi]) => [times(g, unaryKernel(x, Unary.InRange, lo, hi))],
  kinks: [
    {
      at: 'x = min or x = max',
      returns: "1: the gradient passes at the bounds. PyTorch's deliberate choice, so that a value sitting exactly on a bound still learns",
      probe: { inputs: [[-1, 1]], call: (x) => clamp(x, -1, 1), grads: [[1, 1]] },
    },
  ],
});
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  checkTensor('clamp', 'x', x);
  checkExtendedNumber('clamp', 'min', min);
  checkExtendedNumber('clamp', 'max', max);
  if (min > max) throw new ArgumentError('clamp', `needs min <= max, got min ${min} and max ${max}`);
  return clampOp([x], [min, max]);
}

let defaultReluSubgradient = 0;

function checkSubgradient(g: unknown, op: string): number {
  if (typeof g !== 'number' || !(g >= 0 && g <= 1)) {
    throw new ArgumentError(op, `subgradientAtZero must be a number in [0, 1] (the subdifferential of relu at 0), got ${show(g)}`);
  }
  return g;
}

/** relu's options, checked: the subgradient they choose at 0, or the global default. */
export function reluSubgradient(op: string, options: ReluOptions | undefined): number {
  const { subgradientAtZero } = checkOptions(op, options, ['subgradientAtZero']);
  return subgradientAtZero === undefined ? defaultReluSubgradient : checkSubgradient(subgradientAtZero, op);
}

/** Sets the subgradient relu returns at exactly 0 when a call does not choose one (default 0, as PyTorch). */
export function setReluSubgradientAtZero(g: number): void {
  defaultReluSubgradient = checkSubgradient(g, 'setReluSubgradientAtZero');
}

export interface ReluOptions {
  /** The element of [0, 1] returned as relu'(0). */
  subgradientAtZero?: number;
}

const reluOp = op<number>({
  name: 'relu',
  forward: ([x]) => unaryKernel(x, Unary.Relu),
  // One kernel reads g and x and writes dx: no step mask in between.
  vjp: (g, [x], _y, atZero) => {
    const dx = empty(x.shape, x.backend, x.dtype);
    x.backend.kernels.reluBackward(g.ptr, x.ptr, dx.ptr, x.size, atZero);
    return [dx];
  },
  kinks: [
    {
      at: 'x = 0',
      returns: '0 by default (PyTorch); any g in [0, 1] via relu(x, { subgradientAtZero: g }) or setReluSubgradientAtZero(g)',
      probe: { inputs: [[0, 0]], call: (x) => relu(x), grads: [[0, 0]] },
    },
    {
      at: 'x = 0, subgradientAtZero: 0.3',
      returns: 'the chosen g',
      probe: { inputs: [[0]], call: (x) => relu(x, { subgradientAtZero: 0.3 }), grads: [[0.3]] },
    },
  ],
});
export function relu(x: Tensor, options?: ReluOptions): Tensor {
  checkTensor('relu', 'x', x);
  return reluOp([x], reluSubgradient('relu', options));
}

const whereOp = op<Tensor>({
  name: 'where',
  forward: ([a, b], cond) => {
    const shape = broadcastShapes(broadcastShapes(a.shape, b.shape, 'where'), cond.shape, 'where');
    const [c, x, y] = [cond, a, b].map((t) => expandTo(t, shape, 'where'));
    const out = empty(shape, a.backend, a.dtype);
    a.backend.kernels.select(c.ptr, x.ptr, y.ptr, out.ptr, out.size);
    return out;
  },
  vjp: (g, [a, b], out, cond) => {
    const c = expandTo(cond, out.shape, 'where');
    const zero = full(g.shape, 0, { backend: g.backend });
    const ga = empty(g.shape, g.backend, g.dtype);
    const gb = empty(g.shape, g.backend, g.dtype);
    g.backend.kernels.select(c.ptr, g.ptr, zero.ptr, ga.ptr, g.size);
    g.backend.kernels.select(c.ptr, zero.ptr, g.ptr, gb.ptr, g.size);
    return [sumTo(ga, a.shape), sumTo(gb, b.shape)];
  },
});
/** cond != 0 ? a : b, with broadcasting; no gradient flows to cond. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor('where', 'cond', cond);
  const [x, y] = lift(a, b, 'where');
  checkInputs('where', [x, y, cond]);
  return whereOp([x, y], cond);
}
