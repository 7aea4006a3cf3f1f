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
    pick(x: number, labels: number, out: number, rows: number, cols: number): void {
      const f = v.f;
      for (let r = 0; r < rows; r++) f[(out / e) + r] = f[(x / e) + r * cols + v.i32[(labels / 4) + r]];
    },
    pickBackward(g: number, labels: number, dx: number, rows: number, cols: number): void {
      const f = v.f;
      for (let r = 0; r < rows; r++) f[(dx / e) + r * cols + v.i32[(labels / 4) + r]] += f[(g / e) + r];
    },
    oneHot(labels: number, out: number, rows: number, classes: number): void {
      const f = v.f;
      f.fill(0, out / e, (out / e) + rows * classes);
      for (let r = 0; r < rows; r++) f[(out / e) + r * classes + v.i32[(labels / 4) + r]] = 1;
    },
  };
}
