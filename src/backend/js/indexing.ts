// Reference for assembly/indexing.ts.
import type { JsViews } from './views.js';

export function indexingKernels(v: JsViews) {
  const e = v.bytes;
  return {
    gatherRows(x: number, idx: number, out: number, count: number, cols: number): void {
      const f = v.f;
      for (let r = 0; r < count; r++) {
        const src = (x / e) + v.i32[(idx / 4) + r] * cols;
        f.copyWithin((out / e) + r * cols, src, src + cols);
      }
    },
    scatterAddRows(g: number, idx: number, dx: number, count: number, cols: number): void {
      const f = v.f;
      for (let r = 0; r < count; r++) {
        const dst = (dx / e) + v.i32[(idx / 4) + r] * cols;
        for (let c = 0; c < cols; c++) f[dst + c] += f[(g / e) + r * cols + c];
      }
    },
    // A negative label marks a row without one: pick gives 0, pickBackward adds nothing, oneHot leaves the row zero.
    pick(x: number, labels: number, out: number, rows: number, cols: number): void {
      const f = v.f;
      for (let r = 0; r < rows; r++) {
        const c = v.i32[v.at32(labels) + r];
        f[v.at(out) + r] = c < 0 ? 0 : f[v.at(x) + r * cols + c];
      }
    },
    pickBackward(g: number, labels: number, dx: number, rows: number, cols: number): void {
      const f = v.f;
      for (let r = 0; r < rows; r++) {
        const c = v.i32[v.at32(labels) + r];
        if (c >= 0) f[v.at(dx) + r * cols + c] += f[v.at(g) + r];
      }
    },
    oneHot(labels: number, out: number, rows: number, classes: number): void {
      const f = v.f;
      f.fill(0, v.at(out), v.at(out) + rows * classes);
      for (let r = 0; r < rows; r++) {
        const c = v.i32[v.at32(labels) + r];
        if (c >= 0) f[v.at(out) + r * classes + c] = 1;
      }
    },
  };
}
