// C = op(A) · op(B) (+ C when accumulating). A is m×k (k×m when transA),
// B is k×n (n×k when transB), C is m×n, all row-major with leading
// dimensions (row pitches, in elements) lda, ldb and ldc, so a call can
// compute one panel of a larger product (src/backend/parallel.ts).
//
// Goto/BLIS blocking. B is packed KC×NC at a time into NR-wide panels and A
// MC×KC at a time into MR-tall panels, both depth-major, so the microkernel
// reads both operands contiguously whichever forms they came in: a transpose
// only changes how packing gathers, and all four forms run at one speed.
// Panels are zero-padded to full width, so the microkernel always computes a
// whole MR×NR tile; tiles overhanging C's edge go through a small buffer.
//
// `work` is scratch of matmulWorkBytes() bytes: the packed A block, the packed
// B block and the edge tile.
import { madd } from './simd';

// 4×8 register tile: eight f32x4 accumulators, two B vectors and one A splat
// stay in registers; 6×8 (15 live v128) made V8 spill: 24 GFLOP/s against 36 (simd) and 48 (relaxed).
const MR = 4;
const NR = 8;
// A KC×NR panel of B (8 KiB) stays in L1 while the MC×KC block of A (64 KiB)
// streams from L2; the KC×NC block of B (256 KiB) stays in L2 as well.
const KC = 256;
const MC = 64;
const NC = 256;

const A_BYTES: usize = MC * KC * 4;
const B_BYTES: usize = KC * NC * 4;
const TILE_BYTES: usize = MR * NR * 4;

export function matmulWorkBytes(): i32 {
  return <i32>(A_BYTES + B_BYTES + TILE_BYTES);
}

export function matmul(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, lda: i32, ldb: i32, ldc: i32,
  transA: i32, transB: i32, accumulate: i32, work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  const pitch = <usize>ldc << 2;
  if (k <= 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * pitch, 0, <usize>n << 2);
    return;
  }
  // Element strides of A along (row i, depth p) and of B along (depth p, column j).
  const sAi: i32 = transA ? 1 : lda;
  const sAp: i32 = transA ? lda : 1;
  const sBp: i32 = transB ? 1 : ldb;
  const sBj: i32 = transB ? ldb : 1;
  const packedA = work;
  const packedB = work + A_BYTES;
  const tile = packedB + B_BYTES;
  // Equal depth blocks (784 → 4×196, not 3×256 + 16): no short block whose C traffic outweighs its work.
  const kBlocks = (k + KC - 1) / KC;
  const kcStep = (k + kBlocks - 1) / kBlocks;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = min(kcStep, k - pc);
      const add = accumulate != 0 || pc > 0;
      for (let jr = 0; jr < nc; jr += NR) {
        const src = b + (<usize>(pc * sBp + (jc + jr) * sBj) << 2);
        pack(src, sBp, sBj, kc, min(NR, nc - jr), NR, packedB + (<usize>(jr * kc) << 2));
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        for (let ir = 0; ir < mc; ir += MR) {
          const src = a + (<usize>((ic + ir) * sAi + pc * sAp) << 2);
          pack(src, sAp, sAi, kc, min(MR, mc - ir), MR, packedA + (<usize>(ir * kc) << 2));
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bPanel = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const aPanel = packedA + (<usize>(ir * kc) << 2);
            const cTile = c + <usize>(ic + ir) * pitch + (<usize>(jc + jr) << 2);
            if (mr == MR && nr == NR) {
              microkernel(kc, aPanel, bPanel, cTile, pitch, add);
            } else {
              microkernel(kc, aPanel, bPanel, tile, NR << 2, false);
              mergeTile(tile, cTile, pitch, mr, nr, add);
            }
          }
        }
      }
    }
  }
}

/**
 * Packs a w-wide, kc-deep slice into a panel of W lanes per depth step:
 * dst[p*W + i] = src(p, i) for i < w and 0 for w ≤ i < W, where src(p, i) is
 * the float at src + (p*sp + i*si)*4. One of sp and si is 1.
 */
function pack(src: usize, sp: i32, si: i32, kc: i32, w: i32, W: i32, dst: usize): void {
  if (w < W) memory.fill(dst, 0, <usize>(kc * W) << 2);
  const ds = <usize>W << 2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (si == 1) {
      // Lanes contiguous in memory: four at a time.
      const ss = <usize>sp << 2;
      for (; i + 4 <= w; i += 4) {
        let s = src + (<usize>i << 2);
        let d = dst + (<usize>i << 2);
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          s += ss;
          d += ds;
        }
      }
    } else {
      // Depth contiguous in memory: 4×4 blocks transposed in registers.
      const ss = <usize>si << 2;
      for (; i + 4 <= w; i += 4) {
        const s0 = src + <usize>i * ss;
        const s1 = s0 + ss;
        const s2 = s1 + ss;
        const s3 = s2 + ss;
        let d = dst + (<usize>i << 2);
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          const o = <usize>p << 2;
          const r0 = v128.load(s0 + o);
          const r1 = v128.load(s1 + o);
          const r2 = v128.load(s2 + o);
          const r3 = v128.load(s3 + o);
          const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
          const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
          const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
          const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
          v128.store(d, f32x4.shuffle(t0, t2, 0, 1, 4, 5));
          v128.store(d + ds, f32x4.shuffle(t0, t2, 2, 3, 6, 7));
          v128.store(d + 2 * ds, f32x4.shuffle(t1, t3, 0, 1, 4, 5));
          v128.store(d + 3 * ds, f32x4.shuffle(t1, t3, 2, 3, 6, 7));
          d += ds << 2;
        }
        for (; p < kc; p++) {
          const o = <usize>p << 2;
          store<f32>(d, load<f32>(s0 + o));
          store<f32>(d, load<f32>(s1 + o), 4);
          store<f32>(d, load<f32>(s2 + o), 8);
          store<f32>(d, load<f32>(s3 + o), 12);
          d += ds;
        }
      }
    }
  }
  for (; i < w; i++) {
    for (let p = 0; p < kc; p++) {
      store<f32>(dst + (<usize>(p * W + i) << 2), load<f32>(src + (<usize>(p * sp + i * si) << 2)));
    }
  }
}

/** The valid mr×nr corner of an edge tile into C. */
function mergeTile(tile: usize, c: usize, ldc: usize, mr: i32, nr: i32, add: bool): void {
  for (let r = 0; r < mr; r++) {
    const t = tile + (<usize>(r * NR) << 2);
    const d = c + <usize>r * ldc;
    for (let j = 0; j < nr; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(t + o);
      store<f32>(d + o, add ? load<f32>(d + o) + v : v);
    }
  }
}

// @ts-ignore: decorator
@inline function putRow(c: usize, lo: v128, hi: v128, add: bool): void {
  if (add) {
    lo = f32x4.add(lo, v128.load(c));
    hi = f32x4.add(hi, v128.load(c, 16));
  }
  v128.store(c, lo);
  v128.store(c, hi, 16);
}

// @ts-ignore: decorator
@inline function put(c: usize, v: f32, add: bool): void {
  store<f32>(c, add ? load<f32>(c) + v : v);
}

/**
 * The MR×NR tile at c (row pitch ldc bytes) gets (or, when add, is increased
 * by) the product of a kc-deep packed A panel and packed B panel. One depth
 * step per iteration: unrolling adds live registers and V8 starts spilling.
 */
function microkernel(kc: i32, a: usize, b: usize, c: usize, ldc: usize, add: bool): void {
  if (ASC_FEATURE_SIMD) {
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(b);
      const b1 = v128.load(b, 16);
      let x = v128.load32_splat(a);
      c00 = madd(x, b0, c00);
      c01 = madd(x, b1, c01);
      x = v128.load32_splat(a, 4);
      c10 = madd(x, b0, c10);
      c11 = madd(x, b1, c11);
      x = v128.load32_splat(a, 8);
      c20 = madd(x, b0, c20);
      c21 = madd(x, b1, c21);
      x = v128.load32_splat(a, 12);
      c30 = madd(x, b0, c30);
      c31 = madd(x, b1, c31);
      a += MR << 2;
      b += NR << 2;
    }
    putRow(c, c00, c01, add);
    putRow(c + ldc, c10, c11, add);
    putRow(c + 2 * ldc, c20, c21, add);
    putRow(c + 3 * ldc, c30, c31, add);
  } else {
    // Without SIMD, 2×4 sub-tiles: eight scalar accumulators fit in registers.
    for (let r = 0; r < MR; r += 2) {
      for (let q = 0; q < NR; q += 4) {
        let pa = a + (<usize>r << 2);
        let pb = b + (<usize>q << 2);
        let s00: f32 = 0, s01: f32 = 0, s02: f32 = 0, s03: f32 = 0;
        let s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0;
        for (let p = 0; p < kc; p++) {
          const a0 = load<f32>(pa);
          const a1 = load<f32>(pa, 4);
          const b0 = load<f32>(pb);
          const b1 = load<f32>(pb, 4);
          const b2 = load<f32>(pb, 8);
          const b3 = load<f32>(pb, 12);
          s00 += a0 * b0; s01 += a0 * b1; s02 += a0 * b2; s03 += a0 * b3;
          s10 += a1 * b0; s11 += a1 * b1; s12 += a1 * b2; s13 += a1 * b3;
          pa += MR << 2;
          pb += NR << 2;
        }
        const c0 = c + <usize>r * ldc + (<usize>q << 2);
        const c1 = c0 + ldc;
        put(c0, s00, add); put(c0 + 4, s01, add); put(c0 + 8, s02, add); put(c0 + 12, s03, add);
        put(c1, s10, add); put(c1 + 4, s11, add); put(c1 + 8, s12, add); put(c1 + 12, s13, add);
      }
    }
  }
}
