// Row gathers and per-row picks by integer index (minibatches, sparse labels).

/** out[r, :] = x[idx[r], :] */
export function gatherRows(x: usize, idx: usize, out: usize, count: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < count; r++) {
    const src = x + <usize>load<i32>(idx + (<usize>r << 2)) * rowBytes;
    memory.copy(out + <usize>r * rowBytes, src, rowBytes);
  }
}

/** dx[idx[r], :] += g[r, :] (the gradient of gatherRows). */
export function scatterAddRows(g: usize, idx: usize, dx: usize, count: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < count; r++) {
    const dst = dx + <usize>load<i32>(idx + (<usize>r << 2)) * rowBytes;
    const src = g + <usize>r * rowBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= cols; c += 4) {
        const o = <usize>c << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      }
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}

// A negative label marks a row without one (a target the loss ignores): pick
// gives 0 there, pickBackward adds nothing and oneHot leaves the row zero.

/** out[r] = x[r, labels[r]] */
export function pick(x: usize, labels: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const c = load<i32>(labels + (<usize>r << 2));
    store<f32>(out + (<usize>r << 2), c < 0 ? 0 : load<f32>(x + (<usize>(r * cols + c) << 2)));
  }
}

/** dx[r, labels[r]] += g[r] (the gradient of pick). */
export function pickBackward(g: usize, labels: usize, dx: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const c = load<i32>(labels + (<usize>r << 2));
    if (c < 0) continue;
    const d = dx + (<usize>(r * cols + c) << 2);
    store<f32>(d, load<f32>(d) + load<f32>(g + (<usize>r << 2)));
  }
}

/** out[r, :] = one-hot row of labels[r] over `classes` columns. */
export function oneHot(labels: usize, out: usize, rows: i32, classes: i32): void {
  memory.fill(out, 0, <usize>rows * <usize>classes << 2);
  for (let r = 0; r < rows; r++) {
    const c = load<i32>(labels + (<usize>r << 2));
    if (c >= 0) store<f32>(out + (<usize>(r * classes + c) << 2), 1);
  }
}
