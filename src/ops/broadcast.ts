// Kernel launches shared by the ops: elementwise maps with NumPy broadcasting,
// and the two directions of broadcasting itself (expand, and sumTo, which
// reduces a broadcast gradient back to its input's shape). No graph here.
import type { Binary, Unary } from '../backend/opcodes.js';
import { checkTensorLike } from '../check.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { broadcastShapes, broadcastStrides, fmt, forEach4D, sameShape, stridesOf, type Shape } from '../shape.js';
import { Tensor, empty, full, type TensorLike } from '../tensor.js';

export function unaryKernel(x: Tensor, op: Unary, p = 0, q = 0): Tensor {
  const out = empty(x.shape, x.backend, x.dtype);
  x.backend.kernels.unary(op, x.ptr, out.ptr, x.size, p, q);
  return out;
}

export function binaryKernel(op: Binary, a: Tensor, b: Tensor, name: string): Tensor {
  const k = a.backend.kernels;
  if (sameShape(a.shape, b.shape)) {
    const out = empty(a.shape, a.backend, a.dtype);
    k.binary(op, a.ptr, b.ptr, out.ptr, out.size);
    return out;
  }
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = empty(shape, a.backend, a.dtype);
  const e = a.backend.bytesPerElement;
  let o = out.ptr;
  forEach4D(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)], (off, n, [sa, sb]) => {
    k.binaryStrided(op, a.ptr + off[0] * e, b.ptr + off[1] * e, o, n[0], n[1], n[2], n[3], sa[0], sa[1], sa[2], sa[3], sb[0], sb[1], sb[2], sb[3]);
    o += n[0] * n[1] * n[2] * n[3] * e;
  });
  return out;
}

/** Copies x broadcast to `shape` (no graph). */
export function expandTo(x: Tensor, shape: Shape, name = 'expand'): Tensor {
  if (sameShape(x.shape, shape)) return x;
  if (!sameShape(broadcastShapes(x.shape, shape, name), shape)) {
    throw new ShapeError(name, `cannot broadcast shape ${fmt(x.shape)} to ${fmt(shape)}`);
  }
  const out = empty(shape, x.backend, x.dtype);
  stridedCopy(x, broadcastStrides(x.shape, shape), out, stridesOf(shape), shape, false);
  return out;
}

/** Sums g over the axes along which `shape` was broadcast to g's shape (no graph). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const out = full(shape, 0, { backend: g.backend });
  stridedCopy(g, stridesOf(g.shape), out, broadcastStrides(shape, g.shape), g.shape, true);
  return out;
}

/** dst[i] (+)= src[i] over the index space `dims` with the given element strides. */
export function stridedCopy(
  src: Tensor, srcStrides: number[], dst: Tensor, dstStrides: number[], dims: Shape,
  accumulate: boolean, srcOffset = 0, dstOffset = 0,
): void {
  const k = src.backend.kernels;
  const e = src.backend.bytesPerElement;
  forEach4D(dims, [srcStrides, dstStrides], (off, n, [s, d]) => {
    k.stridedCopy(
      src.ptr + (srcOffset + off[0]) * e, dst.ptr + (dstOffset + off[1]) * e,
      n[0], n[1], n[2], n[3], s[0], s[1], s[2], s[3], d[0], d[1], d[2], d[3], accumulate ? 1 : 0,
    );
  });
}

/** Turns numbers into scalar tensors on the backend of the tensor operand. */
export function lift(a: TensorLike, b: TensorLike, name: string): [Tensor, Tensor] {
  // Liveness, dtype and backend are the op's checks; here only what each operand is.
  if (!(a instanceof Tensor) && typeof a !== 'number') checkTensorLike(name, 'a', a);
  if (!(b instanceof Tensor) && typeof b !== 'number') checkTensorLike(name, 'b', b);
  if (a instanceof Tensor && b instanceof Tensor) return [a, b];
  if (a instanceof Tensor) return [a, scalarLike(a, b as number)];
  if (b instanceof Tensor) return [scalarLike(b, a), b];
  throw new ArgumentError(name, `expects at least one tensor, got the numbers ${a} and ${b}`);
}

function scalarLike(like: Tensor, value: number): Tensor {
  return full([], value, { backend: like.backend });
}
