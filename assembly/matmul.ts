// C = op(A) · op(B) (+ C when accumulating). A is m×k (k×m when transA),
// B is k×n (n×k when transB), C is m×n, all row-major and contiguous.
// `work` is scratch space of matmulWorkBytes() bytes for packed panels.
import { madd } from './simd';

export function matmulWorkBytes(): i32 {
  return 0;
}

export function matmul(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32,
  transA: i32, transB: i32, accumulate: i32, work: usize,
): void {
  const sAi: i32 = transA ? 1 : k; // stride of A along i
  const sAp: i32 = transA ? m : 1; // stride of A along p
  const sBp: i32 = transB ? 1 : n;
  const sBj: i32 = transB ? k : 1;
  for (let i = 0; i < m; i++) {
    const crow = c + (<usize>(i * n) << 2);
    if (!accumulate) memory.fill(crow, 0, <usize>n << 2);
    for (let p = 0; p < k; p++) {
      const av = load<f32>(a + (<usize>(i * sAi + p * sAp) << 2));
      let j = 0;
      if (ASC_FEATURE_SIMD) {
        if (sBj == 1) {
          const avv = f32x4.splat(av);
          const brow = b + (<usize>(p * sBp) << 2);
          for (; j + 4 <= n; j += 4) {
            const o = <usize>j << 2;
            v128.store(crow + o, madd(avv, v128.load(brow + o), v128.load(crow + o)));
          }
        }
      }
      for (; j < n; j++) {
        const cp = crow + (<usize>j << 2);
        store<f32>(cp, load<f32>(cp) + av * load<f32>(b + (<usize>(p * sBp + j * sBj) << 2)));
      }
    }
  }
}
