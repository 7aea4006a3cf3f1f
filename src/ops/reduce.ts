// Reductions: sum, mean, max, min over all elements or along axes.
import { Binary, Reduce } from '../backend/opcodes.js';
import { normalizeAxis, stridesOf, broadcastStrides, sizeOf, type Shape } from '../shape.js';
import { empty, full, type Tensor } from '../tensor.js';
import { binaryKernel, expandTo, stridedCopy } from './broadcast.js';
import { op } from './define.js';
import { mul } from './elementwise.js';
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

