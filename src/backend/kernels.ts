// The backend seam, in two layers. KernelExports: every numeric kernel as a
// plain function on byte offsets into the backend's linear memory; assembly/
// implements it for Wasm (f32), src/backend/js/ as plain loops (f32 or f64),
// with the same names and argument order, so the Wasm exports object *is* a
// KernelExports. Kernels: what ops call, over whole operands;
// src/backend/parallel.ts implements it on a KernelExports by choosing ranges
// (and threads). The two differ only where a range needs more than offset
// pointers: matmul's leading dimensions and scratch, and the loss totals,
// which the exports write as chunk partial sums. Strides are in elements;
// flags are 0 or 1.
import type { Binary, Reduce, Unary } from './opcodes.js';

type Ptr = number;

export interface KernelExports {
  fill(out: Ptr, n: number, value: number): void;
  unary(op: Unary, x: Ptr, out: Ptr, n: number, p: number, q: number): void;
  binary(op: Binary, a: Ptr, b: Ptr, out: Ptr, n: number): void;
  binaryStrided(
    op: Binary, a: Ptr, b: Ptr, out: Ptr,
    n0: number, n1: number, n2: number, n3: number,
    a0: number, a1: number, a2: number, a3: number,
    b0: number, b1: number, b2: number, b3: number,
  ): void;
  select(cond: Ptr, a: Ptr, b: Ptr, out: Ptr, n: number): void;
  /** relu's backward: dx = g where x > 0, atZero·g where x = 0, else 0. */
  reluBackward(g: Ptr, x: Ptr, dx: Ptr, n: number, atZero: number): void;
  /**
   * A gradient accumulated and checked in one pass: out = x + g, or out = g
   * when x is 0 (a new gradient); returns the index of the first NaN or
   * infinite value written to out (as stored: a float32 sum can overflow), or -1.
   */
  accumulate(x: Ptr, g: Ptr, out: Ptr, n: number): number;
  stridedCopy(
    src: Ptr, dst: Ptr,
    n0: number, n1: number, n2: number, n3: number,
    s0: number, s1: number, s2: number, s3: number,
    d0: number, d1: number, d2: number, d3: number,
    accumulate: number,
  ): void;
  reduce(op: Reduce, x: Ptr, out: Ptr, outer: number, len: number, inner: number): void;
  /** Reduce.Max or Min: the int32 index of the first extreme along len (a NaN counts as the extreme). */
  argReduce(op: Reduce, x: Ptr, out: Ptr, outer: number, len: number, inner: number): void;
  gatherRows(x: Ptr, idx: Ptr, out: Ptr, count: number, cols: number): void;
  scatterAddRows(g: Ptr, idx: Ptr, dx: Ptr, count: number, cols: number): void;
  // A negative label marks a row without one (a target a loss ignores): pick
  // gives 0, pickBackward adds nothing, oneHot leaves the row zero, and the
  // sparse cross-entropy gives that row loss 0 and gradient 0.
  pick(x: Ptr, labels: Ptr, out: Ptr, rows: number, cols: number): void;
  pickBackward(g: Ptr, labels: Ptr, dx: Ptr, rows: number, cols: number): void;
  oneHot(labels: Ptr, out: Ptr, rows: number, classes: number): void;
  /** C = op(A)·op(B) (+ C), each operand row-major with a leading dimension (row pitch in elements). */
  matmul(
    a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number, lda: number, ldb: number, ldc: number,
    transA: number, transB: number, accumulate: number, work: Ptr,
  ): void;
  /** Bytes of scratch space one matmul call needs for packed panels. */
  matmulWorkBytes(): number;
  // Optimizer updates (assembly/optim.ts): one fused pass over n parameters,
  // their gradients and state; `flags` are OptimFlag bits. Constants derived
  // from hyper-parameters (rest = 1 − α, 1 − ρ, 1 − β) are passed in, formed in
  // float64 by the caller. Float32 backends store subnormal state as 0; a state
  // pointer the flags leave unused may be 0.
  sgd(
    p: Ptr, g: Ptr, buf: Ptr, n: number,
    gradSign: number, weightDecay: number, bufDecay: number, bufGrad: number, stepGrad: number, stepBuf: number,
    shrink: number, flags: number,
  ): void;
  adagrad(p: Ptr, g: Ptr, sum: Ptr, n: number, gradSign: number, weightDecay: number, lr: number, eps: number, shrink: number, flags: number): void;
  rmsprop(
    p: Ptr, g: Ptr, sq: Ptr, gavg: Ptr, buf: Ptr, n: number,
    gradSign: number, weightDecay: number, lr: number, alpha: number, rest: number, eps: number, momentum: number, shrink: number, flags: number,
  ): void;
  adadelta(
    p: Ptr, g: Ptr, sq: Ptr, acc: Ptr, n: number, gradSign: number, weightDecay: number, lr: number, rho: number, rest: number, eps: number, shrink: number,
  ): void;
  adam(
    p: Ptr, g: Ptr, m: Ptr, v: Ptr, vmax: Ptr, n: number,
    gradSign: number, weightDecay: number, decay: number, rest1: number, beta2: number, rest2: number,
    stepM: number, stepG: number, invBc2: number, eps: number, shrink: number, flags: number,
  ): void;
  /** Index of the first NaN or infinite value of x[0..n), or -1. */
  firstNonFinite(x: Ptr, n: number): number;
  // Fused losses from logits (assembly/softmax_xent.ts): `chunk` 0 writes
  // scale · loss per row (per element for BCE); chunk c > 0 writes the
  // unscaled sum of every c rows' losses as the next f64 of out, for
  // sumPartials. Forward keeps each row's log-sum-exp in lse and its softmax
  // in probs for backward; upstream g is read with stride gStride (0: one value).
  softmaxXentSparse(
    x: Ptr, labels: Ptr, lse: Ptr, probs: Ptr, out: Ptr, rows: number, cols: number, smoothing: number, scale: number, chunk: number,
  ): void;
  softmaxXentSparseBackward(
    probs: Ptr, labels: Ptr, g: Ptr, gStride: number, dx: Ptr, rows: number, cols: number, smoothing: number, scale: number,
  ): void;
  softmaxXentDense(x: Ptr, t: Ptr, lse: Ptr, probs: Ptr, out: Ptr, rows: number, cols: number, scale: number, chunk: number): void;
  softmaxXentDenseBackward(probs: Ptr, t: Ptr, g: Ptr, gStride: number, dx: Ptr, rows: number, cols: number, scale: number): void;
  bceWithLogits(x: Ptr, y: Ptr, posWeight: Ptr, out: Ptr, rows: number, cols: number, scale: number, chunk: number): void;
  bceWithLogitsBackward(
    x: Ptr, y: Ptr, posWeight: Ptr, g: Ptr, gStride: number, dx: Ptr, rows: number, cols: number, scale: number,
  ): void;
  /** out[0] = scale · the sum of `count` f64 partials, added in order. */
  sumPartials(partials: Ptr, count: number, scale: number, out: Ptr): void;
}

type Split = 'matmul' | 'matmulWorkBytes' | 'softmaxXentSparse' | 'softmaxXentDense' | 'bceWithLogits' | 'sumPartials';

export interface Kernels extends Omit<KernelExports, Split> {
  /** C = op(A)·op(B) (+ C when accumulating); A is m×k (k×m when transA), B k×n (n×k when transB), C m×n, all contiguous. */
  matmul(a: Ptr, b: Ptr, c: Ptr, m: number, k: number, n: number, transA: number, transB: number, accumulate: number): void;
  // `total` 1 writes scale · Σ loss to out[0], 0 writes scale · loss per row (per element for BCE).
  softmaxXentSparse(
    x: Ptr, labels: Ptr, lse: Ptr, probs: Ptr, out: Ptr, rows: number, cols: number, smoothing: number, scale: number, total: number,
  ): void;
  softmaxXentDense(x: Ptr, t: Ptr, lse: Ptr, probs: Ptr, out: Ptr, rows: number, cols: number, scale: number, total: number): void;
  bceWithLogits(x: Ptr, y: Ptr, posWeight: Ptr, out: Ptr, rows: number, cols: number, scale: number, total: number): void;
}
