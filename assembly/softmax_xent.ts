// Fused losses from logits. Softmax cross-entropy: forward takes each row's
// max, exponentials and log-sum-exp while the row sits in cache, writes the
// loss, the row's log-sum-exp and its softmax (what backward needs), and
// backward writes (softmax - target) · upstream · scale in one pass with no
// exp. BCE with logits likewise, per element. `chunk` 0 writes scale · loss
// per row (per element for BCE); chunk c > 0 sums the losses of every c rows
// and writes each sum, unscaled, as the next f64 of out: partial sums that
// sumPartials folds in order into a total. src/backend/parallel.ts chooses c
// by size alone, so any split of the rows into whole chunks gives the same
// total. Upstream g is read at r · gStride (per element for BCE): stride 0
// for a reduced loss, 1 for 'none'.
//
// Rows of n >= 4 end with one vector overlapping the previous one: lanes
// already counted are masked out of sums, and stores write the same values
// twice, so short rows (10 classes) need no scalar tail.
import { flush, hsum } from './simd';
import { expv, exps, softplusv, softpluss } from './exp';

/** The least normal f32, 2^-126. */
const FLT_MIN: f32 = 1.17549435e-38;

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// The lanes of a row's overlapping last vector (at n - 4) that the main loop
// has not covered, the top n % 4, by n % 4: one load, no arithmetic per row.
const TAIL_MASKS = memory.data<i32>([0, 0, 0, 0, 0, 0, 0, -1, 0, 0, -1, -1, 0, -1, -1, -1], 16);

// @ts-ignore: decorator
@inline function tailMask(n: i32): v128 {
  return v128.load(TAIL_MASKS + (<usize>(n & 3) << 4));
}

// @ts-ignore: decorator
@inline function rowMax(x: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      let v = v128.load(at(x, n - 4));
      // pmax is one instruction (max is several on x86); a NaN logit still makes the loss NaN through the sum.
      for (let i = 0; i + 4 < n; i += 4) v = f32x4.pmax(v, v128.load(at(x, i)));
      // Across lanes by shuffles: scalar max is several instructions on x86.
      v = f32x4.pmax(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      return f32x4.extract_lane(f32x4.pmax(v, v128.shuffle<f32>(v, v, 1, 0, 3, 2)), 0);
    }
  }
  for (let i = 0; i < n; i++) m = max<f32>(m, load<f32>(at(x, i)));
  return m;
}

/** e_j = e^(x_j - m) written to e; returns Σ_j e_j. */
// @ts-ignore: decorator
@inline function expRow(x: usize, e: usize, n: i32, m: f32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      const mv = f32x4.splat(m);
      let acc = f32x4.splat(0);
      for (; i + 4 <= n; i += 4) {
        const v = expv(f32x4.sub(v128.load(at(x, i)), mv));
        v128.store(at(e, i), v);
        acc = f32x4.add(acc, v);
      }
      if (i < n) {
        const v = expv(f32x4.sub(v128.load(at(x, n - 4)), mv));
        v128.store(at(e, n - 4), v);
        acc = f32x4.add(acc, v128.and(v, tailMask(n)));
      }
      return hsum(acc);
    }
  }
  for (; i < n; i++) {
    const v = exps(load<f32>(at(x, i)) - m);
    store<f32>(at(e, i), v);
    s += v;
  }
  return s;
}

/**
 * e_j *= c for c = 1/s <= 1, in place, flushed of subnormals: a normal e_j
 * (exp gives 0 below about 2e-38) can make a subnormal probability, and x86
 * takes a slow path for a product that is subnormal and for arithmetic that
 * reads one (1.5× on 10-class rows with one such probability each:
 * bench/softmax_xent.ts). So e_j below 2^-126 / c is zeroed before the
 * product, and the product flushed (for the last ulp of rounding).
 */
// @ts-ignore: decorator
@inline function scaleRow(e: usize, n: i32, c: f32): void {
  const least: f32 = FLT_MIN / c;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      const cv = f32x4.splat(c);
      const lv = f32x4.splat(least);
      for (; i + 4 <= n; i += 4) {
        const v = v128.load(at(e, i));
        v128.store(at(e, i), flush<v128>(f32x4.mul(v128.and(v, f32x4.ge(v, lv)), cv)));
      }
      if (i < n) {
        // In place, the overlapping last vector must leave the lanes scaled above as they are.
        const v = v128.load(at(e, n - 4));
        v128.store(at(e, n - 4), v128.bitselect(flush<v128>(f32x4.mul(v128.and(v, f32x4.ge(v, lv)), cv)), v, tailMask(n)));
      }
      return;
    }
  }
  for (; i < n; i++) {
    const v = load<f32>(at(e, i));
    store<f32>(at(e, i), v < least ? 0 : flush<f32>(v * c));
  }
}

/** Σ_j w_j (m - x_j), or Σ_j (m - x_j) when w is 0 (no weights). */
// @ts-ignore: decorator
@inline function weightedGap(w: usize, x: usize, n: i32, m: f32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      const mv = f32x4.splat(m);
      let acc = f32x4.splat(0);
      for (; i + 4 <= n; i += 4) {
        const gap = f32x4.sub(mv, v128.load(at(x, i)));
        acc = f32x4.add(acc, w ? f32x4.mul(v128.load(at(w, i)), gap) : gap);
      }
      if (i < n) {
        const gap = f32x4.sub(mv, v128.load(at(x, n - 4)));
        acc = f32x4.add(acc, v128.and(w ? f32x4.mul(v128.load(at(w, n - 4)), gap) : gap, tailMask(n)));
      }
      return hsum(acc);
    }
  }
  for (; i < n; i++) {
    const gap = m - load<f32>(at(x, i));
    s += w ? load<f32>(at(w, i)) * gap : gap;
  }
  return s;
}

// @ts-ignore: decorator
@inline function rowSum(x: usize, n: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      let acc = f32x4.splat(0);
      for (; i + 4 <= n; i += 4) acc = f32x4.add(acc, v128.load(at(x, i)));
      if (i < n) acc = f32x4.add(acc, v128.and(v128.load(at(x, n - 4)), tailMask(n)));
      return hsum(acc);
    }
  }
  for (; i < n; i++) s += load<f32>(at(x, i));
  return s;
}

/** out_j = a · p_j - b - c · t_j (t unused when c is 0). */
// @ts-ignore: decorator
@inline function softmaxGrad(p: usize, t: usize, out: usize, n: i32, a: f32, b: f32, c: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      const av = f32x4.splat(a);
      const bv = f32x4.splat(b);
      const cv = f32x4.splat(c);
      for (;;) {
        // The last vector may overlap the previous one: it stores the same values again.
        const j = min(i, n - 4);
        let d = f32x4.sub(f32x4.mul(av, v128.load(at(p, j))), bv);
        if (c != 0) d = f32x4.sub(d, f32x4.mul(cv, v128.load(at(t, j))));
        v128.store(at(out, j), d);
        i += 4;
        if (j == n - 4) return;
      }
    }
  }
  for (; i < n; i++) {
    let d = a * load<f32>(at(p, i)) - b;
    if (c != 0) d -= c * load<f32>(at(t, i));
    store<f32>(at(out, i), d);
  }
}

/**
 * The running sum after row r of `rows` in chunk mode: written as chunk
 * r / chunk's partial (and restarted) when that chunk or the rows end.
 */
// @ts-ignore: decorator
@inline function flushPartial(out: usize, r: i32, rows: i32, chunk: i32, sum: f64): f64 {
  if (r % chunk != chunk - 1 && r != rows - 1) return sum;
  store<f64>(out + (<usize>(r / chunk) << 3), sum);
  return 0;
}

/** Row r's loss: into the running sum in chunk mode, else scaled to out[r]. */
// @ts-ignore: decorator
@inline function emit(out: usize, r: i32, rows: i32, loss: f32, scale: f32, chunk: i32, sum: f64): f64 {
  if (chunk) return flushPartial(out, r, rows, chunk, sum + loss);
  store<f32>(at(out, r), loss * scale);
  return 0;
}

/** out[0] = scale · the sum of count f64 partials, added in order: a chunked loss's total. */
export function sumPartials(partials: usize, count: i32, scale: f32, out: usize): void {
  let sum: f64 = 0;
  for (let i = 0; i < count; i++) sum += load<f64>(partials + (<usize>i << 3));
  store<f32>(out, <f32>sum * scale);
}

/** Writes the row's softmax to p and its log-sum-exp m + ln s to lse, s = Σ e^(x_j - m); returns ln s. */
// @ts-ignore: decorator
@inline function softmaxRow(x: usize, p: usize, lse: usize, n: i32, m: f32): f32 {
  const s = expRow(x, p, n, m);
  scaleRow(p, n, 1 / s);
  const ls = Mathf.log(s);
  store<f32>(lse, m + ls);
  return ls;
}

/**
 * Sparse labels with label smoothing ε: the target is (1 - ε) on the label
 * plus ε / cols everywhere, so loss = ln s + (1 - ε)(m - x_y) + (ε / cols) Σ (m - x_j),
 * written relative to the max m so that large logits keep their precision.
 * A negative label marks an ignored row (ignoreIndex): loss 0, gradient 0.
 */
export function softmaxXentSparse(
  x: usize, labels: usize, lse: usize, probs: usize, out: usize, rows: i32, cols: i32, smoothing: f32, scale: f32, chunk: i32,
): void {
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const label = load<i32>(at(labels, r));
    let loss: f32 = 0;
    if (label >= 0) {
      const offset = <usize>r * <usize>cols << 2;
      const row = x + offset;
      const m = rowMax(row, cols);
      const ls = softmaxRow(row, probs + offset, at(lse, r), cols, m);
      loss = ls + (1 - smoothing) * (m - load<f32>(at(row, label)));
      if (smoothing != 0) loss += (smoothing / <f32>cols) * weightedGap(0, row, cols, m);
    }
    sum = emit(out, r, rows, loss, scale, chunk, sum);
  }
}

/** dx = (softmax - target) · g[r · gStride] · scale, the target as in softmaxXentSparse (0 for an ignored row). */
export function softmaxXentSparseBackward(
  probs: usize, labels: usize, g: usize, gStride: i32, dx: usize, rows: i32, cols: i32, smoothing: f32, scale: f32,
): void {
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * <usize>cols << 2;
    const label = load<i32>(at(labels, r));
    if (label < 0) {
      memory.fill(dx + offset, 0, <usize>cols << 2);
      continue;
    }
    const gr = load<f32>(at(g, r * gStride)) * scale;
    softmaxGrad(probs + offset, 0, dx + offset, cols, gr, gr * (smoothing / <f32>cols), 0);
    const d = at(dx + offset, label);
    store<f32>(d, load<f32>(d) - (1 - smoothing) * gr);
  }
}

/** Dense targets t (any non-negative rows): loss = T ln s + Σ t_j (m - x_j), T = Σ t_j. */
export function softmaxXentDense(
  x: usize, t: usize, lse: usize, probs: usize, out: usize, rows: i32, cols: i32, scale: f32, chunk: i32,
): void {
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * <usize>cols << 2;
    const m = rowMax(x + offset, cols);
    const ls = softmaxRow(x + offset, probs + offset, at(lse, r), cols, m);
    const loss = rowSum(t + offset, cols) * ls + weightedGap(t + offset, x + offset, cols, m);
    sum = emit(out, r, rows, loss, scale, chunk, sum);
  }
}

/** dx = (softmax · T - t) · g[r · gStride] · scale. */
export function softmaxXentDenseBackward(
  probs: usize, t: usize, g: usize, gStride: i32, dx: usize, rows: i32, cols: i32, scale: f32,
): void {
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * <usize>cols << 2;
    const gr = load<f32>(at(g, r * gStride)) * scale;
    softmaxGrad(probs + offset, t + offset, dx + offset, cols, gr * rowSum(t + offset, cols), 0, gr);
  }
}

/**
 * BCE from logits with positive weight p (per column):
 * loss = p·y·softplus(-x) + (1 - y)·softplus(x), since -ln σ(x) = softplus(-x).
 */
// @ts-ignore: decorator
@inline function bceVector(x: v128, y: v128, p: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.add(f32x4.mul(f32x4.mul(p, y), softplusv(f32x4.neg(x))), f32x4.mul(f32x4.sub(one, y), softplusv(x)));
}

// @ts-ignore: decorator
@inline function bceScalar(x: f32, y: f32, p: f32): f32 {
  return p * y * softpluss(-x) + (1 - y) * softpluss(x);
}

/** d loss / dx = (1 - y)·σ(x) - p·y·σ(-x), both sigmoids from e = e^-|x| without cancellation. */
// @ts-ignore: decorator
@inline function bceGradVector(x: v128, y: v128, p: v128): v128 {
  const one = f32x4.splat(1);
  const e = expv(f32x4.neg(f32x4.abs(x)));
  const q = f32x4.div(one, f32x4.add(one, e));
  const eq = f32x4.mul(e, q);
  const nonNegative = f32x4.ge(x, f32x4.splat(0));
  const up = v128.bitselect(q, eq, nonNegative); // σ(x)
  const down = v128.bitselect(eq, q, nonNegative); // σ(-x)
  return f32x4.sub(f32x4.mul(f32x4.sub(one, y), up), f32x4.mul(f32x4.mul(p, y), down));
}

// @ts-ignore: decorator
@inline function bceGradScalar(x: f32, y: f32, p: f32): f32 {
  const e = exps(-Mathf.abs(x));
  const q: f32 = 1 / (1 + e);
  const up = x >= 0 ? q : e * q;
  const down = x >= 0 ? e * q : q;
  return (1 - y) * up - p * y * down;
}

export function bceWithLogits(
  x: usize, y: usize, posWeight: usize, out: usize, rows: i32, cols: i32, scale: f32, chunk: i32,
): void {
  let sum: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * <usize>cols << 2;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      if (cols >= 4) {
        let acc = f32x4.splat(0);
        const sv = f32x4.splat(scale);
        for (;;) {
          const j = min(c, cols - 4);
          const o = offset + (<usize>j << 2);
          const l = bceVector(v128.load(x + o), v128.load(y + o), v128.load(at(posWeight, j)));
          if (chunk) acc = f32x4.add(acc, j == c ? l : v128.and(l, tailMask(cols)));
          else v128.store(out + o, f32x4.mul(l, sv));
          c += 4;
          if (j == cols - 4) break;
        }
        if (chunk) sum = flushPartial(out, r, rows, chunk, sum + hsum(acc));
        continue;
      }
    }
    for (; c < cols; c++) {
      const o = offset + (<usize>c << 2);
      const l = bceScalar(load<f32>(x + o), load<f32>(y + o), load<f32>(at(posWeight, c)));
      if (chunk) sum += l;
      else store<f32>(out + o, l * scale);
    }
    if (chunk) sum = flushPartial(out, r, rows, chunk, sum);
  }
}

/** dx = d loss / dx · g[i · gStride] · scale for element i. */
export function bceWithLogitsBackward(
  x: usize, y: usize, posWeight: usize, g: usize, gStride: i32, dx: usize, rows: i32, cols: i32, scale: f32,
): void {
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * <usize>cols << 2;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      if (cols >= 4) {
        const sv = f32x4.splat(scale);
        for (;;) {
          const j = min(c, cols - 4);
          const o = offset + (<usize>j << 2);
          const gv = gStride ? v128.load(g + o) : v128.load32_splat(g);
          const d = bceGradVector(v128.load(x + o), v128.load(y + o), v128.load(at(posWeight, j)));
          v128.store(dx + o, f32x4.mul(f32x4.mul(d, gv), sv));
          c += 4;
          if (j == cols - 4) break;
        }
        continue;
      }
    }
    for (; c < cols; c++) {
      const o = offset + (<usize>c << 2);
      const d = bceGradScalar(load<f32>(x + o), load<f32>(y + o), load<f32>(at(posWeight, c)));
      store<f32>(dx + o, d * load<f32>(g + (gStride ? o : 0)) * scale);
    }
  }
}
