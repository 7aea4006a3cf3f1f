// Helpers shared by the kernels. ASC_FEATURE_* are compile-time constants, so
// each variant (relaxed, simd, scalar) keeps only its own branch.

/** a * b + c: one fused instruction with relaxed SIMD, mul + add otherwise. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * x, or +0 where x is subnormal (exponent bits all zero), per lane or on one
 * f32: Wasm has no flush-to-zero mode, and x86 takes a slow path for
 * arithmetic on subnormals, so values that would be stored as subnormals and
 * read again (optimizer state, softmax probabilities) are stored as 0. Values
 * of magnitude >= 2^-126 ≈ 1.2e-38, infinities and NaN pass unchanged. Tested
 * on the bits: an integer compare has no subnormal penalty of its own.
 */
// @ts-ignore: decorator
@inline export function flush<T>(x: T): T {
  if (isVector<T>()) return v128.andnot(x, i32x4.eq(v128.and(x, i32x4.splat(0x7f800000)), i32x4.splat(0)));
  return (reinterpret<u32>(<f32>x) & 0x7f800000) == 0 ? <T>0 : x;
}
