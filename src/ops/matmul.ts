// Matrix product: 2-D, batched 3-D, and 3-D × 2-D (shared weights). The
// backward pass uses the kernel's transposed forms; nothing is transposed in memory.
import { checkTensor } from '../check.js';
import { ShapeError } from '../errors.js';
import { fmt } from '../shape.js';
import { empty, type Tensor } from '../tensor.js';
import { op } from './define.js';
import { reshape } from './shape.js';

/** Kernel launch: op(a)·op(b) for 2-D a and b (no graph). */
export function mm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const [m, k] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [k2, n] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (k !== k2) {
    throw new ShapeError('matmul', `inner dimensions differ: ${fmt(a.shape)}${transA ? 'ᵀ' : ''} · ${fmt(b.shape)}${transB ? 'ᵀ' : ''} (${k} vs ${k2})`);
  }
  const out = empty([m, n], a.backend, a.dtype);
  const bk = a.backend;
  bk.kernels.matmul(a.ptr, b.ptr, out.ptr, m, k, n, transA ? 1 : 0, transB ? 1 : 0, 0);
  return out;
}

const matmul2d = op({
  name: 'matmul',
  forward: ([a, b]) => mm(a, b, false, false),
  // Skipping the input that needs no gradient halves a first layer's backward.
  vjp: (g, [a, b]) => [a.requiresGrad ? mm(g, b, false, true) : null, b.requiresGrad ? mm(a, g, true, false) : null],
});

/** Batched [B, m, k] · [B, k, n]: one kernel call per batch item, on offsets into the operands. */
const matmulBatched = op({
  name: 'bmm',
  forward: ([a, b]) => batched(a, b, false, false),
  vjp: (g, [a, b]) => [a.requiresGrad ? batched(g, b, false, true) : null, b.requiresGrad ? batched(a, g, true, false) : null],
});

function batched(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const [B, a1, a2] = a.shape;
  const [, b1, b2] = b.shape;
  const [m, k] = transA ? [a2, a1] : [a1, a2];
  const n = transB ? b1 : b2;
  const bk = a.backend;
  const e = bk.bytesPerElement;
  const out = empty([B, m, n], bk, a.dtype);
  for (let i = 0; i < B; i++) {
    bk.kernels.matmul(
      a.ptr + i * a1 * a2 * e, b.ptr + i * b1 * b2 * e, out.ptr + i * m * n * e,
      m, k, n, transA ? 1 : 0, transB ? 1 : 0, 0,
    );
  }
  return out;
}

/** a · b for 2-D matrices, batches of them ([B, m, k] · [B, k, n]), or a batch times one matrix. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b, { backend: a.backend });
  if (a.rank === 2 && b.rank === 2) {
    if (a.shape[1] !== b.shape[0]) {
      throw new ShapeError('matmul', `inner dimensions differ: ${fmt(a.shape)} · ${fmt(b.shape)} (${a.shape[1]} vs ${b.shape[0]})`);
    }
    return matmul2d([a, b], undefined);
  }
  if (a.rank === 3 && b.rank === 2) {
    // Shared weights: fold the batch into the rows, one large product.
    const [B, m, k] = a.shape;
    return reshape(matmul(reshape(a, [B * m, k]), b), [B, m, b.shape[1]]);
  }
  if (a.rank === 3 && b.rank === 3) {
    if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
      throw new ShapeError('matmul', `batched shapes do not fit: ${fmt(a.shape)} · ${fmt(b.shape)} (expected [B, m, k] · [B, k, n])`);
    }
    return matmulBatched([a, b], undefined);
  }
  throw new ShapeError('matmul', `expects 2-D or 3-D tensors, got ${fmt(a.shape)} · ${fmt(b.shape)}`);
}
