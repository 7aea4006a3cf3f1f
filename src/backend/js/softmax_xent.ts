// Reference for assembly/softmax_xent.ts: the same fused losses as plain loops.
import { Unary } from '../opcodes.js';
import { unaryScalar } from './elementwise.js';
import type { JsViews } from './views.js';

const softplus = (x: number) => unaryScalar(Unary.Softplus, x, 0, 0);

function bce(x: number, y: number, p: number): number {
  return p * y * softplus(-x) + (1 - y) * softplus(x);
}

/** (1 - y)·σ(x) - p·y·σ(-x), the sigmoids from e^-|x|. */
function bceGrad(x: number, y: number, p: number): number {
  const e = Math.exp(-Math.abs(x));
  const q = 1 / (1 + e);
  return x >= 0 ? (1 - y) * q - p * y * e * q : (1 - y) * e * q - p * y * q;
}

export function softmaxXentKernels(v: JsViews) {
  const e = v.bytes;
  /** Row r's max m and ln s, s = Σ e^(x - m); writes lse[r] = m + ln s and the row's softmax to probs. */
  const softmaxRow = (x: number, lse: number, probs: number, r: number, cols: number) => {
    const f = v.f;
    const o = (x / e) + r * cols;
    const po = (probs / e) + r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = f[o + j] > m || Number.isNaN(f[o + j]) ? f[o + j] : m;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += f[po + j] = Math.exp(f[o + j] - m);
    // Flushed of subnormals on float32, as the Wasm kernels store the softmax.
    for (let j = 0; j < cols; j++) f[po + j] = v.flush(f[po + j] / sum);
    const ls = Math.log(sum);
    f[(lse / e) + r] = m + ls;
    return { o, m, ls };
  };
  /** Row r's loss: scaled to out[r], or, with a chunk size, into the sum written as chunk r / chunk's f64 partial when the chunk or the rows end. */
  const emit = (out: number, r: number, rows: number, loss: number, scale: number, chunk: number, acc: { sum: number }) => {
    if (!chunk) {
      v.f[(out / e) + r] = loss * scale;
      return;
    }
    acc.sum += loss;
    if (r % chunk === chunk - 1 || r === rows - 1) {
      v.f64[out / 8 + Math.floor(r / chunk)] = acc.sum;
      acc.sum = 0;
    }
  };
  /** dx = (a · p - b - c · t) per element of row r (t unused when c is 0). */
  const softmaxGrad = (probs: number, t: number, dx: number, r: number, cols: number, a: number, b: number, c: number) => {
    const f = v.f;
    const o = r * cols;
    for (let j = 0; j < cols; j++) {
      f[(dx / e) + o + j] = a * f[(probs / e) + o + j] - b - (c === 0 ? 0 : c * f[(t / e) + o + j]);
    }
  };
  const rowSum = (t: number, r: number, cols: number) => {
    let T = 0;
    for (let j = 0; j < cols; j++) T += v.f[(t / e) + r * cols + j];
    return T;
  };
  return {
    // A negative label marks an ignored row (ignoreIndex): loss 0, gradient 0.
    softmaxXentSparse(
      x: number, labels: number, lse: number, probs: number, out: number, rows: number, cols: number, smoothing: number, scale: number, chunk: number,
    ): void {
      const f = v.f;
      const acc = { sum: 0 };
      for (let r = 0; r < rows; r++) {
        const label = v.i32[v.at32(labels) + r];
        let loss = 0;
        if (label >= 0) {
          const { o, m, ls } = softmaxRow(x, lse, probs, r, cols);
          loss = ls + (1 - smoothing) * (m - f[o + label]);
          // The smoothing term only with smoothing, as in the kernel: a -Inf logit off the label then adds nothing, not 0·Inf = NaN.
          if (smoothing !== 0) {
            let gap = 0;
            for (let j = 0; j < cols; j++) gap += m - f[o + j];
            loss += (smoothing / cols) * gap;
          }
        }
        emit(out, r, rows, loss, scale, chunk, acc);
      }
    },
    softmaxXentSparseBackward(
      probs: number, labels: number, g: number, gStride: number, dx: number, rows: number, cols: number, smoothing: number, scale: number,
    ): void {
      const f = v.f;
      for (let r = 0; r < rows; r++) {
        const label = v.i32[v.at32(labels) + r];
        const row = v.at(dx) + r * cols;
        if (label < 0) {
          f.fill(0, row, row + cols);
          continue;
        }
        const gr = f[v.at(g) + r * gStride] * scale;
        softmaxGrad(probs, 0, dx, r, cols, gr, (smoothing / cols) * gr, 0);
        f[row + label] -= (1 - smoothing) * gr;
      }
    },
    softmaxXentDense(
      x: number, t: number, lse: number, probs: number, out: number, rows: number, cols: number, scale: number, chunk: number,
    ): void {
      const f = v.f;
      const acc = { sum: 0 };
      for (let r = 0; r < rows; r++) {
        const { o, m, ls } = softmaxRow(x, lse, probs, r, cols);
        const to = (t / e) + r * cols;
        let loss = 0;
        for (let j = 0; j < cols; j++) loss += f[to + j] * (ls + m - f[o + j]);
        emit(out, r, rows, loss, scale, chunk, acc);
      }
    },
    softmaxXentDenseBackward(
      probs: number, t: number, g: number, gStride: number, dx: number, rows: number, cols: number, scale: number,
    ): void {
      for (let r = 0; r < rows; r++) {
        const gr = v.f[(g / e) + r * gStride] * scale;
        softmaxGrad(probs, t, dx, r, cols, gr * rowSum(t, r, cols), 0, gr);
      }
    },
    bceWithLogits(
      x: number, y: number, posWeight: number, out: number, rows: number, cols: number, scale: number, chunk: number,
    ): void {
      const f = v.f;
      const acc = { sum: 0 };
      for (let r = 0; r < rows; r++) {
        let loss = 0;
        for (let i = r * cols; i < (r + 1) * cols; i++) {
          const l = bce(f[(x / e) + i], f[(y / e) + i], f[(posWeight / e) + (i % cols)]);
          if (chunk) loss += l;
          else f[(out / e) + i] = l * scale;
        }
        if (chunk) emit(out, r, rows, loss, scale, chunk, acc);
      }
    },
    bceWithLogitsBackward(
      x: number, y: number, posWeight: number, g: number, gStride: number, dx: number, rows: number, cols: number, scale: number,
    ): void {
      const f = v.f;
      for (let i = 0; i < rows * cols; i++) {
        const d = bceGrad(f[(x / e) + i], f[(y / e) + i], f[(posWeight / e) + (i % cols)]);
        f[(dx / e) + i] = d * f[(g / e) + i * gStride] * scale;
      }
    },
    sumPartials(partials: number, count: number, scale: number, out: number): void {
      let sum = 0;
      for (let i = 0; i < count; i++) sum += v.f64[partials / 8 + i];
      v.f[out / e] = sum * scale;
    },
  };
}
