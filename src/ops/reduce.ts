// Reductions: sum, mean, max, min, argmax, argmin and p-norms over all
// elements or along axes, and cdist, the pairwise distances built on norm.
import { Binary, Reduce, Unary } from '../backend/opcodes.js';
import { checkBoolean, checkNumber, checkTensor, show } from '../check.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { fmt, normalizeAxis, stridesOf, broadcastStrides, sizeOf, type Shape } from '../shape.js';
import { empty, full, type Tensor } from '../tensor.js';
import { binaryKernel, expandTo, stridedCopy, unaryKernel } from './broadcast.js';
import { composite, op } from './define.js';
import { abs, div, mul, pow, sign, sqrt, square, sub, where } from './elementwise.js';
import { reshape } from './shape.js';

export type Axis = number | readonly number[] | undefined;

interface Reduction {
  /** Sorted, normalised axes. */
  axes: number[];
  /** The result's shape with reduced axes kept as 1. */
  kept: number[];
  /** The result's shape as returned. */
  shape: number[];
}

function plan(x: Tensor, axis: Axis, keepdims: boolean, name: string): Reduction {
  checkTensor(name, 'x', x);
  checkBoolean(name, 'keepdims', keepdims);
  if (axis !== undefined && typeof axis !== 'number' && !Array.isArray(axis)) {
    throw new ArgumentError(name, `axis must be an integer, an array of them, or undefined for all axes, got ${show(axis)}`);
  }
  const all = x.shape.map((_, i) => i);
  const list = axis === undefined ? all : typeof axis === 'number' ? [axis] : [...axis];
  const axes = [...new Set(list.map((a) => normalizeAxis(a, x.rank, name)))].sort((a, b) => a - b);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const shape = keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  return { axes, kept, shape };
}

/** out = the reduction of x viewed as [outer, len, inner] over len (no graph). */
function reduceInto(kind: Reduce, x: Tensor, out: Tensor, outer: number, len: number, inner: number): void {
  const k = x.backend.kernels;
  if (len === 0) k.fill(out.ptr, out.size, kind === Reduce.Sum ? 0 : kind === Reduce.Max ? -Infinity : Infinity);
  else k.reduce(kind, x.ptr, out.ptr, outer, len, inner);
}

/** Kernel-level reduction to the `kept` shape (no graph). */
function reduceKept(kind: Reduce, x: Tensor, axes: number[]): Tensor {
  if (axes.length === 0) return x;
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const first = axes[0];
  const last = axes[axes.length - 1];
  if (last - first === axes.length - 1) {
    // Adjacent axes (all of them, say) are one axis of their product: one pass.
    const out = empty(kept, x.backend, x.dtype);
    reduceInto(kind, x, out, sizeOf(x.shape.slice(0, first)), sizeOf(x.shape.slice(first, last + 1)), sizeOf(x.shape.slice(last + 1)));
    return out;
  }
  if (kind === Reduce.Sum) {
    // One pass: accumulate into the kept shape with stride 0 on reduced axes.
    const out = full(kept, 0, { backend: x.backend });
    stridedCopy(x, stridesOf(x.shape), out, broadcastStrides(kept, x.shape), x.shape, true);
    return out;
  }
  let cur = x;
  let shape: Shape = x.shape;
  for (const a of axes) {
    shape = shape.map((d, i) => (i === a ? 1 : d));
    const out = empty(shape, x.backend, x.dtype);
    reduceInto(kind, cur, out, sizeOf(shape.slice(0, a)), cur.shape[a], sizeOf(shape.slice(a + 1)));
    cur = out;
  }
  return cur;
}

const sumOp = op<Reduction>({
  name: 'sum',
  forward: ([x], r) => reshape(reduceKept(Reduce.Sum, x, r.axes), r.shape),
  vjp: (g, [x], _out, r) => [expandTo(reshape(g, r.kept), x.shape)],
});

/** Max/min: the gradient is split evenly among the elements equal to the extreme. */
function extremeOp(name: 'max' | 'min', kind: Reduce) {
  return op<Reduction>({
    name,
    forward: ([x], r) => reshape(reduceKept(kind, x, r.axes), r.shape),
    vjp: (g, [x], out, r) => {
      const ext = expandTo(reshape(out, r.kept), x.shape);
      const mask = binaryKernel(Binary.Eq, x, ext, name);
      const count = expandTo(reduceKept(Reduce.Sum, mask, r.axes), x.shape);
      const share = binaryKernel(Binary.Div, mask, count, name);
      return [binaryKernel(Binary.Mul, expandTo(reshape(g, r.kept), x.shape), share, name)];
    },
    kinks: [
      {
        at: 'ties: several elements equal to the extreme',
        returns: '1/k to each of the k tied elements (PyTorch for max()/min() over all elements; amax/amin)',
        probe: {
          inputs: [name === 'max' ? [2, 2, -1, 2] : [-2, -2, 1, -2]],
          call: (x) => (name === 'max' ? max(x) : min(x)),
          grads: [[1 / 3, 1 / 3, 0, 1 / 3]],
        },
      },
    ],
  });
}
const maxOp = extremeOp('max', Reduce.Max);
const minOp = extremeOp('min', Reduce.Min);

export function sum(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return sumOp([x], plan(x, axis, keepdims, 'sum'));
}

/** Mean over all elements or along axes: the sum scaled by 1/count (a composite op). */
export function mean(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  const r = plan(x, axis, keepdims, 'mean');
  const count = r.axes.reduce((n, a) => n * x.shape[a], 1);
  return mul(sumOp([x], r), 1 / count);
}

export function max(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return maxOp([x], plan(x, axis, keepdims, 'max'));
}

export function min(x: Tensor, axis?: Axis, keepdims = false): Tensor {
  return minOp([x], plan(x, axis, keepdims, 'min'));
}


/** The index of the first maximum (or minimum) along one axis, or of the flattened tensor: int32, no gradient. */
function argExtreme(name: 'argmax' | 'argmin', kind: Reduce, x: Tensor, axis: number | undefined, keepdims: boolean): Tensor {
  checkTensor(name, 'input', x);
  checkBoolean(name, 'keepdims', keepdims);
  if (x.size === 0) throw new ShapeError(name, `needs a non-empty tensor, got shape ${fmt(x.shape)}`);
  const a = axis === undefined ? undefined : normalizeAxis(axis, x.rank, name);
  if (a !== undefined && x.shape[a] === 0) throw new ShapeError(name, `axis ${axis} of shape ${fmt(x.shape)} is empty`);
  const [outer, len, inner] = a === undefined ? [1, x.size, 1] : [sizeOf(x.shape.slice(0, a)), x.shape[a], sizeOf(x.shape.slice(a + 1))];
  const shape = a === undefined ? (keepdims ? x.shape.map(() => 1) : []) : plan(x, a, keepdims, name).shape;
  const out = empty(shape, x.backend, 'int32');
  x.backend.kernels.argReduce(kind, x.ptr, out.ptr, outer, len, inner);
  return out;
}

/** The int32 index of the largest value along axis (of the flattened tensor without one); ties give the first, a NaN counts as largest (PyTorch). */
export function argmax(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argExtreme('argmax', Reduce.Max, x, axis, keepdims);
}

/** The int32 index of the smallest value along axis (of the flattened tensor without one); ties give the first, a NaN counts as smallest (PyTorch). */
export function argmin(x: Tensor, axis?: number, keepdims = false): Tensor {
  return argExtreme('argmin', Reduce.Min, x, axis, keepdims);
}

interface NormPlan extends Reduction {
  p: number;
}

const normOp = op<NormPlan>({
  name: 'norm',
  forward: ([x], r) => {
    const n = r.p === 2 ? sqrt(sum(square(x), r.axes, true)) : r.p === 1 ? sum(abs(x), r.axes, true) : pow(sum(pow(abs(x), r.p), r.axes, true), 1 / r.p);
    return reshape(n, r.shape);
  },
  // d‖x‖_p/dx = sign(x)·|x|^(p−1) / ‖x‖^(p−1), and 0 where ‖x‖ = 0.
  vjp: (g, [x], out, { p, kept }) => {
    const n = reshape(out, kept);
    const perNorm = where(unaryKernel(n, Unary.Step, 0), div(reshape(g, kept), p === 2 ? n : pow(n, p - 1)), 0);
    const slope = p === 2 ? x : p === 1 ? sign(x) : mul(sign(x), pow(abs(x), p - 1));
    return [mul(slope, perNorm)];
  },
  kinks: [
    {
      at: 'x = 0 (the zero vector)',
      returns: "0, the subgradient of least norm (PyTorch's norm and cdist return 0 there)",
      probe: { inputs: [[0, 0, 0]], call: (x) => norm(x), grads: [[0, 0, 0]] },
    },
    {
      at: 'p = 1, an element x_i = 0',
      returns: "0 for that element, abs's choice",
      probe: { inputs: [[0, -2]], call: (x) => norm(x, undefined, false, 1), grads: [[0, -1]] },
    },
  ],
});

/**
 * The p-norm (Σ|x|^p)^(1/p) over all elements or along axes (default p = 2,
 * the Euclidean norm), as torch.linalg.vector_norm. At the zero vector its
 * gradient is 0, the subgradient of least norm, not the 0/0 of d√s.
 */
export function norm(x: Tensor, axis?: Axis, keepdims = false, p = 2): Tensor {
  checkTensor('norm', 'input', x);
  checkBoolean('norm', 'keepdims', keepdims);
  checkNumber('norm', 'p', p, { min: 1 });
  return normOp([x], { ...plan(x, axis, keepdims, 'norm'), p });
}

/**
 * Distances ‖x1_i − x2_j‖_p between the rows of x1 [N, D] and x2 [M, D]
 * (or batches [B, N, D] and [B, M, D]), as torch.cdist: [N, M] (or [B, N, M]).
 * Computed from the differences (exact, unlike ‖a‖² + ‖b‖² − 2a·b), which
 * takes N·M·D elements of memory; the gradient at coincident points is 0.
 */
export const cdist: (x1: Tensor, x2: Tensor, p?: number) => Tensor = composite(
  'cdist',
  [
    {
      at: 'x1_i = x2_j (coincident points)',
      returns: "0, norm's choice at the zero vector (PyTorch's cdist)",
      probe: { inputs: [[[1, 2]], [[1, 2], [4, 6]]], call: (a, b) => cdist(a, b), grads: [[[-0.6, -0.8]], [[0, 0], [0.6, 0.8]]] },
    },
  ],
  (x1, x2, p = 2) => {
    checkTensor('cdist', 'x1', x1);
    checkTensor('cdist', 'x2', x2, { backend: x1.backend });
    checkNumber('cdist', 'p', p, { min: 1 });
    const batched = x1.rank === 3;
    if ((x1.rank !== 2 && !batched) || x2.rank !== x1.rank || x1.shape[x1.rank - 1] !== x2.shape[x2.rank - 1] || (batched && x1.shape[0] !== x2.shape[0])) {
      throw new ShapeError('cdist', `expects [N, D] and [M, D] (or [B, N, D] and [B, M, D]), got ${fmt(x1.shape)} and ${fmt(x2.shape)}`);
    }
    const [n, d] = x1.shape.slice(-2);
    const m = x2.shape[x2.rank - 2];
    const lead = batched ? [x1.shape[0]] : [];
    return norm(sub(reshape(x1, [...lead, n, 1, d]), reshape(x2, [...lead, 1, m, d])), -1, false, p);
  },
);
