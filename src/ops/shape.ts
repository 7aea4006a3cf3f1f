// Ops that move data without arithmetic: reshape, transpose, permute, concat, slice, expand.
import { checkShape, checkTensor, checkTensorArray, show } from '../check.js';
import { ArgumentError, ShapeError } from '../errors.js';
import { fmt, normalizeAxis, sizeOf, stridesOf, type Shape } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor, empty, full } from '../tensor.js';
import { expandTo, stridedCopy, sumTo } from './broadcast.js';
import { op } from './define.js';

function resolveShape(x: Tensor, shape: readonly number[]): number[] {
  checkTensor('reshape', 'x', x);
  if (!Array.isArray(shape)) throw new ShapeError('reshape', `shape must be an array, got ${show(shape)}`);
  const free = shape.filter((d) => d === -1).length;
  const known = sizeOf(shape.filter((d) => d !== -1));
  const bad = shape.some((d) => !Number.isInteger(d) || d < -1);
  if (bad || free > 1 || (free === 1 && (known === 0 || x.size % known !== 0)) || (free === 0 && known !== x.size)) {
    throw new ShapeError('reshape', `cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${show(shape)}`);
  }
  return shape.map((d) => (d === -1 ? x.size / known : d));
}

/** The same bytes under another shape: a view, which never frees them. */
const alias = (x: Tensor, shape: Shape) => new Tensor(shape, x.dtype, Storage.view(x.storage));

const reshapeOp = op<number[]>({
  name: 'reshape',
  forward: ([x], shape) => alias(x, shape),
  vjp: (g, [x]) => [alias(g, x.shape)],
});
/** Same data, new shape; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return reshapeOp([x], resolveShape(x, shape));
}

/** A copy of x with its axes in the order `dims` (no graph). */
function permuteKernel(x: Tensor, dims: readonly number[]): Tensor {
  const shape = dims.map((d) => x.shape[d]);
  const strides = stridesOf(x.shape);
  const out = empty(shape, x.backend, x.dtype);
  stridedCopy(x, dims.map((d) => strides[d]), out, stridesOf(shape), shape, false);
  return out;
}

const transposeOp = op({
  name: 'transpose',
  forward: ([x]) => permuteKernel(x, [1, 0]),
  vjp: (g) => [permuteKernel(g, [1, 0])],
});
/** The transpose of a 2-D tensor. */
export function transpose(x: Tensor): Tensor {
  checkTensor('transpose', 'x', x);
  if (x.rank !== 2) throw new ShapeError('transpose', `expects a 2-D tensor, got shape ${fmt(x.shape)}`);
  return transposeOp([x], undefined);
}

const permuteOp = op<number[]>({
  name: 'permute',
  forward: ([x], dims) => permuteKernel(x, dims),
  // The inverse permutation puts each axis back.
  vjp: (g, _x, _y, dims) => [permuteKernel(g, dims.map((_, i) => dims.indexOf(i)))],
});
/** x with its axes reordered: axis i of the result is axis dims[i] of x (negative axes count from the end), as torch.permute. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor('permute', 'input', x);
  if (!Array.isArray(dims) || dims.length !== x.rank) {
    throw new ShapeError('permute', `dims must list each of the ${x.rank} axes of shape ${fmt(x.shape)} once, got ${show(dims)}`);
  }
  const axes = dims.map((d) => normalizeAxis(d, x.rank, 'permute'));
  if (new Set(axes).size !== axes.length) {
    throw new ArgumentError('permute', `dims ${fmt(dims)} repeat an axis; each of the ${x.rank} axes must appear once`);
  }
  return permuteOp([x], axes);
}

/** Element offset of index `begin` in a row-major tensor of `shape`. */
function offsetOf(shape: Shape, begin: readonly number[]): number {
  const s = stridesOf(shape);
  return begin.reduce((o, b, i) => o + b * s[i], 0);
}

/** A copy of the block of x starting at `begin` with extent `size`. */
function cutBlock(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const out = empty(size, x.backend, x.dtype);
  stridedCopy(x, stridesOf(x.shape), out, stridesOf(size), size, false, offsetOf(x.shape, begin), 0);
  return out;
}

/** A zero tensor of `shape` with g in its block at `begin`: the gradient of cutBlock. */
function padBlock(g: Tensor, begin: readonly number[], shape: Shape): Tensor {
  const out = full(shape, 0, { backend: g.backend });
  stridedCopy(g, stridesOf(g.shape), out, stridesOf(shape), g.shape, false, 0, offsetOf(shape, begin));
  return out;
}

const sliceOp = op<{ begin: number[]; size: number[] }>({
  name: 'slice',
  forward: ([x], { begin, size }) => cutBlock(x, begin, size),
  vjp: (g, [x], _out, { begin }) => [padBlock(g, begin, x.shape)],
});
/** The block starting at `begin` with extent `size` (-1: to the end), like tf.slice. */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  checkTensor('slice', 'x', x);
  if (!Array.isArray(begin) || !Array.isArray(size) || begin.length !== x.rank || size.length !== x.rank) {
    throw new ShapeError('slice', `begin ${show(begin)} and size ${show(size)} must both be arrays of ${x.rank} integers for shape ${fmt(x.shape)}`);
  }
  const s = size.map((n, i) => (n === -1 ? x.shape[i] - begin[i] : n));
  begin.forEach((b, i) => {
    if (!Number.isInteger(b) || !Number.isInteger(s[i]) || b < 0 || s[i] < 0 || b + s[i] > x.shape[i]) {
      throw new ShapeError('slice', `block begin ${show(begin)} size ${show(size)} does not fit in shape ${fmt(x.shape)} (axis ${i})`);
    }
  });
  return sliceOp([x], { begin: [...begin], size: s });
}

const concatOp = op<number>({
  name: 'concat',
  forward: (xs, axis) => {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((n, t) => n + t.shape[axis], 0);
    const out = empty(shape, xs[0].backend, xs[0].dtype);
    const os = stridesOf(shape);
    let at = 0;
    for (const t of xs) {
      stridedCopy(t, stridesOf(t.shape), out, os, t.shape, false, 0, at * os[axis]);
      at += t.shape[axis];
    }
    return out;
  },
  vjp: (g, xs, _out, axis) => {
    let at = 0;
    return xs.map((t) => {
      const begin = t.shape.map((_, i) => (i === axis ? at : 0));
      at += t.shape[axis];
      return cutBlock(g, begin, t.shape);
    });
  },
});
/** Joins tensors along an axis; all other dimensions must match. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  checkTensorArray('concat', 'tensors', tensors);
  if (tensors.length === 0) throw new ArgumentError('concat', 'needs a non-empty array of tensors');
  const first = tensors[0];
  if (first.rank === 0) throw new ShapeError('concat', 'cannot join scalars (rank 0) along an axis; reshape them to [1] first');
  const a = normalizeAxis(axis, first.rank, 'concat');
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d: number, i: number) => i !== a && d !== first.shape[i])) {
      throw new ShapeError('concat', `shapes ${fmt(first.shape)} and ${fmt(t.shape)} differ outside axis ${a}`);
    }
  }
  return concatOp(tensors, a);
}

const expandOp = op<Shape>({
  name: 'expand',
  forward: ([x], shape) => expandTo(x, shape),
  vjp: (g, [x]) => [sumTo(g, x.shape)],
});
/** x broadcast to `shape` (a copy), like torch.broadcast_to. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor('expand', 'x', x);
  return expandOp([x], checkShape('expand', 'shape', shape));
}

/** The same values, cut from the graph (a view: disposing it never frees x). */
export function detach(x: Tensor): Tensor {
  checkTensor('detach', 'x', x, { dtype: 'any' });
  return alias(x, x.shape);
}
