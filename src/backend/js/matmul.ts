// Reference for assembly/matmul.ts: C = op(A)·op(B) (+ C), row-major with leading dimensions.
import type { JsViews } from './views.js';

export function matmulKernels(v: JsViews) {
  const e = v.bytes;
  return {
    matmul(
      a: number, b: number, c: number, m: number, k: number, n: number, lda: number, ldb: number, ldc: number,
      transA: number, transB: number, accumulate: number, _work: number,
    ): void {
      const f = v.f;
      const A = a / e;
      const B = b / e;
      const C = c / e;
      const sAi = transA ? 1 : lda;
      const sAp = transA ? lda : 1;
      const sBp = transB ? 1 : ldb;
      const sBj = transB ? ldb : 1;
      for (let i = 0; i < m; i++) {
        const row = C + i * ldc;
        if (!accumulate) f.fill(0, row, row + n);
        for (let p = 0; p < k; p++) {
          const av = f[A + i * sAi + p * sAp];
          const bp = B + p * sBp;
          for (let j = 0; j < n; j++) f[row + j] += av * f[bp + j * sBj];
        }
      }
    },
    matmulWorkBytes(): number {
      return 0;
    },
  };
}
