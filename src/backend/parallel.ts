// How a kernel call is split (docs/threads.md). Every backend's Kernels are
// made here from its KernelExports. With a pool, a call above its size
// threshold is cut into fixed partitions of the OUTPUT, one per thread: every
// output element is computed by one thread, by the same code and in the same
// order as on one thread, so results are bit-identical for any thread count.
// Sums that would cross a partition (loss totals, long reductions) are cut
// into chunks chosen by size alone, on one thread too, and their partial sums
// are folded in a fixed order. Below the threshold the calling thread
// computes alone: the threshold changes who computes, never how.
import type { KernelExports, Kernels } from './kernels.js';
import type { Memory } from './memory.js';
import type { Pool } from './pool.js';

/**
 * Work below which a call stays on the calling thread, in elements (matmul:
 * multiply-adds): about 10 µs of one thread's time, five round trips with the
 * workers awake. `npm run bench:threads -- --thresholds` prints where splits
 * pay per family; on this shared machine they did not show (docs/threads.md).
 * Scaled by createBackend({ threadThreshold }).
 */
const MIN_WORK = {
  /** Memory-bound maps and copies. */
  copy: 2 ** 15,
  /** Elementwise maps, optimizer updates, row kernels of the losses: a few ns per element. */
  map: 2 ** 13,
  reduce: 2 ** 15,
  matmul: 2 ** 17,
};

/**
 * Splits of contiguous elements fall on multiples of 16: whole SIMD vectors
 * (so every element takes the vector or scalar path it takes on one thread)
 * and whole cache lines (no two threads write one line).
 */
const ALIGN = 16;
/** Row bands of a matmul align to its register tile's height (assembly/matmul.ts; column bands: ALIGN, a multiple of its width). */
const TILE_ROWS = 4;
/** Loss totals and long reductions are summed in chunks of at least CHUNK elements, at most MAX_CHUNKS of them. */
const CHUNK = 4096;
const MAX_CHUNKS = 256;

type Args = number[];

/** [from, to) bounds of `count` cut into `parts` near-equal ranges whose inner bounds are multiples of `align`. */
function bounds(count: number, parts: number, align: number): number[] {
  const units = Math.ceil(count / align);
  return Array.from({ length: parts + 1 }, (_, i) => Math.min(count, Math.floor((units * i) / parts) * align));
}

/**
 * The Kernels of a backend: `exports` called directly, or, with a pool, split
 * across its threads. `e` is bytes per element; `threshold` scales MIN_WORK
 * (0 splits every call that can be split: the threaded tests).
 */
export function parallelKernels(exports: KernelExports, memory: Memory, e: number, pool: Pool | null, threshold = 1): Kernels {
  const k = exports;
  const threads = pool ? pool.threads : 1;
  const workBytes = k.matmulWorkBytes();
  // Per-thread matmul scratch; partial sums of chunked totals (f64, or floats of the backend's type for reduce).
  const work = memory.alloc(Math.max(threads * workBytes, 1), 'scratch');
  const partials = memory.alloc((MAX_CHUNKS + 1) * 8, 'scratch');

  /** Threads for a call of `size` elements: 1 (the calling thread alone) below the threshold. */
  const partsFor = (size: number, min: number) => (pool !== null && size >= min * threshold ? threads : 1);

  /**
   * Runs kernel `name` over [0, count) in `parts` ranges aligned to `align`;
   * args(from, to, part) gives a range's arguments. Returns each part's result.
   */
  function spread(name: keyof KernelExports, count: number, align: number, parts: number, args: (from: number, to: number, part: number) => Args): number[] {
    const b = parts === 1 ? [0, count] : bounds(count, parts, align);
    // One range (or nothing to split): the calling thread computes it without waking anyone.
    if (b[1] === count) return [(k[name] as (...a: number[]) => number)(...args(0, count, 0))];
    return pool!.run(name, b.slice(0, parts).map((from, i) => (from < b[i + 1] ? args(from, b[i + 1], i) : null)));
  }

  /**
   * A kernel over n contiguous elements: the arguments at `pointers` are
   * offset by a range's start (an absent operand, 0, stays 0), the one at
   * `count` becomes the range's length.
   */
  function contiguous<N extends keyof KernelExports>(name: N, pointers: number[], count: number, min: number): KernelExports[N] {
    const raw = k[name] as (...a: number[]) => void;
    if (pool === null) return raw as KernelExports[N];
    return ((...args: number[]) => {
      const parts = partsFor(args[count], min);
      if (parts === 1) return raw(...args);
      spread(name, args[count], ALIGN, parts, (from, to) =>
        args.map((v, i) => (i === count ? to - from : pointers.includes(i) && v !== 0 ? v + from * e : v)),
      );
    }) as unknown as KernelExports[N];
  }

  /**
   * A kernel over a 4-D index space (dims at `dims`…dims + 3), split along the
   * outermost axis that `ok` allows and that has a range for every thread;
   * `steps(ax)` gives each pointer argument's element step along axis ax.
   */
  function alongAxis<N extends 'binaryStrided' | 'stridedCopy'>(
    name: N, dims: number, steps: (args: number[], ax: number) => [number, number][], ok: (args: number[], ax: number) => boolean,
  ): KernelExports[N] {
    const raw = k[name] as (...a: number[]) => void;
    if (pool === null) return raw as KernelExports[N];
    const align = (ax: number) => (ax === 3 ? ALIGN : 1);
    return ((...args: number[]) => {
      const n = args.slice(dims, dims + 4);
      const parts = partsFor(n[0] * n[1] * n[2] * n[3], MIN_WORK.copy);
      const ax = [0, 1, 2, 3].find((a) => ok(args, a) && n[a] >= parts * align(a));
      if (parts === 1 || ax === undefined) return raw(...args);
      const step = steps(args, ax);
      spread(name, n[ax], align(ax), parts, (from, to) => {
        const part = [...args];
        for (const [i, s] of step) part[i] += from * s * e;
        part[dims + ax] = to - from;
        return part;
      });
    }) as unknown as KernelExports[N];
  }

  /**
   * A fused loss forward over rows of `cols` (outPerRow outputs per row when
   * not total). Total: partial sums of chunks of rows, folded by sumPartials.
   * args(from, to, out, chunk) gives a range's arguments.
   */
  function lossForward(
    name: 'softmaxXentSparse' | 'softmaxXentDense' | 'bceWithLogits', rows: number, cols: number, outPerRow: number,
    out: number, scale: number, total: number, args: (from: number, to: number, out: number, chunk: number) => Args,
  ): void {
    const parts = partsFor(rows * cols, MIN_WORK.map);
    if (!total) {
      spread(name, rows, 1, parts, (from, to) => args(from, to, out + from * outPerRow * e, 0));
      return;
    }
    const chunk = Math.max(Math.ceil(CHUNK / Math.max(cols, 1)), Math.ceil(rows / MAX_CHUNKS));
    spread(name, rows, chunk, parts, (from, to) => args(from, to, partials + (from / chunk) * 8, chunk));
    k.sumPartials(partials, Math.ceil(rows / chunk), scale, out);
  }

  /** A kernel over rows of a fixed pitch: args(from, to) offsets the row operands. */
  function rowwise(name: keyof KernelExports, rows: number, size: number, args: (from: number, to: number) => Args): void {
    spread(name, rows, 1, partsFor(size, MIN_WORK.map), args);
  }

  return {
    // scatterAddRows, pick, pickBackward and oneHot are small: never split.
    ...k,
    firstNonFinite(x, n) {
      const parts = partsFor(n, MIN_WORK.copy);
      const found = spread('firstNonFinite', n, ALIGN, parts, (from, to) => [x + from * e, to - from]);
      // The first range that found one, at its start.
      const hit = found.findIndex((i) => i >= 0);
      return hit < 0 ? -1 : bounds(n, parts, ALIGN)[hit] + found[hit];
    },
    fill: contiguous('fill', [0], 1, MIN_WORK.copy),
    unary: contiguous('unary', [1, 2], 3, MIN_WORK.map),
    binary: contiguous('binary', [1, 2, 3], 4, MIN_WORK.copy),
    select: contiguous('select', [0, 1, 2, 3], 4, MIN_WORK.copy),
    sgd: contiguous('sgd', [0, 1, 2], 3, MIN_WORK.map),
    adagrad: contiguous('adagrad', [0, 1, 2], 3, MIN_WORK.map),
    rmsprop: contiguous('rmsprop', [0, 1, 2, 3, 4], 5, MIN_WORK.map),
    adadelta: contiguous('adadelta', [0, 1, 2, 3], 4, MIN_WORK.map),
    adam: contiguous('adam', [0, 1, 2, 3, 4], 5, MIN_WORK.map),
    // Broadcast maps write their output contiguously, so they split along their outermost axis longer than 1;
    // copies have the output's strides and split along any axis they do not sum over.
    binaryStrided: alongAxis(
      'binaryStrided', 4,
      (a, ax) => [[1, a[8 + ax]], [2, a[12 + ax]], [3, a.slice(5 + ax, 8).reduce((p, d) => p * d, 1)]],
      (a, ax) => a.slice(4, 4 + ax).every((d) => d === 1),
    ),
    stridedCopy: alongAxis('stridedCopy', 2, (a, ax) => [[0, a[6 + ax]], [1, a[10 + ax]]], (a, ax) => a[10 + ax] !== 0),
    gatherRows(x, idx, out, count, cols) {
      rowwise('gatherRows', count, count * cols, (from, to) => [x, idx + from * 4, out + from * cols * e, to - from, cols]);
    },

    reduce(op, x, out, outer, len, inner) {
      if (outer === 1 && inner === 1 && len > CHUNK) {
        // One long row: chunk partials (the last chunk may be short), then their reduction.
        const size = Math.max(CHUNK, Math.ceil(len / MAX_CHUNKS / ALIGN) * ALIGN);
        const full = Math.floor(len / size);
        const tail = len - full * size;
        if (tail > 0) k.reduce(op, x + full * size * e, partials + full * e, 1, tail, 1);
        spread('reduce', full, 1, partsFor(len, MIN_WORK.reduce), (from, to) => [op, x + from * size * e, partials + from * e, to - from, size, 1]);
        k.reduce(op, partials, out, 1, full + (tail > 0 ? 1 : 0), 1);
        return;
      }
      // Whole rows per thread: no sum crosses a split.
      const parts = partsFor(outer * len * inner, MIN_WORK.reduce);
      spread('reduce', outer, 1, outer >= parts ? parts : 1, (from, to) => [op, x + from * len * inner * e, out + from * inner * e, to - from, len, inner]);
    },

    matmul(a, b, c, m, kk, n, transA, transB, accumulate) {
      const lda = transA ? m : kk;
      const ldb = transB ? kk : n;
      const parts = partsFor(m * n * kk, MIN_WORK.matmul);
      const scratch = (part: number) => work + part * workBytes;
      if (n >= m) {
        // Column bands: each thread packs its own part of B (and all of A).
        spread('matmul', n, ALIGN, parts, (from, to, part) => [
          a, b + (transB ? from * ldb : from) * e, c + from * e, m, kk, to - from, lda, ldb, n, transA, transB, accumulate, scratch(part),
        ]);
      } else {
        spread('matmul', m, TILE_ROWS, parts, (from, to, part) => [
          a + (transA ? from : from * lda) * e, b, c + from * n * e, to - from, kk, n, lda, ldb, n, transA, transB, accumulate, scratch(part),
        ]);
      }
    },

    softmaxXentSparse(x, labels, lse, probs, out, rows, cols, smoothing, scale, total) {
      lossForward('softmaxXentSparse', rows, cols, 1, out, scale, total, (from, to, o, chunk) => [
        x + from * cols * e, labels + from * 4, lse + from * e, probs + from * cols * e, o, to - from, cols, smoothing, scale, chunk,
      ]);
    },
    softmaxXentDense(x, t, lse, probs, out, rows, cols, scale, total) {
      lossForward('softmaxXentDense', rows, cols, 1, out, scale, total, (from, to, o, chunk) => [
        x + from * cols * e, t + from * cols * e, lse + from * e, probs + from * cols * e, o, to - from, cols, scale, chunk,
      ]);
    },
    bceWithLogits(x, y, posWeight, out, rows, cols, scale, total) {
      lossForward('bceWithLogits', rows, cols, cols, out, scale, total, (from, to, o, chunk) => [
        x + from * cols * e, y + from * cols * e, posWeight, o, to - from, cols, scale, chunk,
      ]);
    },
    softmaxXentSparseBackward(probs, labels, g, gStride, dx, rows, cols, smoothing, scale) {
      rowwise('softmaxXentSparseBackward', rows, rows * cols, (from, to) => [
        probs + from * cols * e, labels + from * 4, g + from * gStride * e, gStride, dx + from * cols * e, to - from, cols, smoothing, scale,
      ]);
    },
    softmaxXentDenseBackward(probs, t, g, gStride, dx, rows, cols, scale) {
      rowwise('softmaxXentDenseBackward', rows, rows * cols, (from, to) => [
        probs + from * cols * e, t + from * cols * e, g + from * gStride * e, gStride, dx + from * cols * e, to - from, cols, scale,
      ]);
    },
    bceWithLogitsBackward(x, y, posWeight, g, gStride, dx, rows, cols, scale) {
      rowwise('bceWithLogitsBackward', rows, rows * cols, (from, to) => [
        x + from * cols * e, y + from * cols * e, posWeight, g + from * cols * gStride * e, gStride, dx + from * cols * e, to - from, cols, scale,
      ]);
    },
  };
}
