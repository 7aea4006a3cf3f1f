// exp and log1p on f32x4 lanes (AssemblyScript has neither): range reduction
// plus a short polynomial, a few ulp, no table lookups. The scalar twins give
// the tails (and the scalar variant) the same answers as the lanes.
import { madd } from './simd';

// e^x = 2^n · e^r, n = round(x / ln 2), |r| <= ln2 / 2. The scale is built as
// 2^(n-1) and the polynomial doubled, so one exponent field covers n up to 128
// (x near ln FLT_MAX); n - 1 = -127 encodes 0, so every x below about -87
// (results under 2e-38) flushes to 0 and no denormal reaches later
// arithmetic (denormals are slow on x86). Above ln FLT_MAX the result is inf.
const EXP_LO: f32 = -87.5;
const EXP_HI: f32 = 88.8;
const LOG2E: f32 = 1.442695;
// Adding 1.5·2^23 rounds to an integer held in the low mantissa bits.
const ROUND: f32 = 12582912;
const ROUND_BITS: i32 = 0x4b400000;
// ln 2 split so that n * LN2_HI is exact for |n| < 2^15 (Cody–Waite).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
const LN2: f32 = 0.6931472;
// Near-minimax for e^r on [-ln2/2, ln2/2] (relative error 4e-9 before rounding).
const C2: f32 = 0.49999994;
const C3: f32 = 0.16666521;
const C4: f32 = 0.04166839;
const C5: f32 = 0.00836871;
const C6: f32 = 0.0013814613;
const SQRT_HALF_BITS: i32 = 0x3f3504f3;

// expv's constants, each splat to four lanes and read from memory: V8 rebuilds
// a v128.const with several instructions on every loop iteration, while a
// load is one (and exp is bound by its instruction count).
const EXPV_F = memory.data<f32>([
  EXP_HI, EXP_HI, EXP_HI, EXP_HI,
  EXP_LO, EXP_LO, EXP_LO, EXP_LO,
  LOG2E, LOG2E, LOG2E, LOG2E,
  ROUND, ROUND, ROUND, ROUND,
  -LN2_HI, -LN2_HI, -LN2_HI, -LN2_HI,
  -LN2_LO, -LN2_LO, -LN2_LO, -LN2_LO,
  C6, C6, C6, C6,
  C5, C5, C5, C5,
  C4, C4, C4, C4,
  C3, C3, C3, C3,
  C2, C2, C2, C2,
  1, 1, 1, 1,
], 16);
const EXPV_BIAS = memory.data<i32>([126 - ROUND_BITS, 126 - ROUND_BITS, 126 - ROUND_BITS, 126 - ROUND_BITS], 16);

// @ts-ignore: decorator
@inline function k(i: i32): v128 {
  return v128.load(EXPV_F + (<usize>i << 4));
}

/** e^x per lane. */
// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  // pmin/pmax keep NaN lanes NaN.
  const c = f32x4.pmax(f32x4.pmin(x, k(0)), k(1));
  const t = madd(c, k(2), k(3));
  const n = f32x4.sub(t, k(3));
  let r = madd(n, k(4), c);
  r = madd(n, k(5), r);
  let p = madd(k(6), r, k(7));
  p = madd(p, r, k(8));
  p = madd(p, r, k(9));
  p = madd(p, r, k(10));
  p = madd(p, r, k(11));
  p = madd(p, r, k(11));
  // (n + 126) << 23 is 2^(n-1); t's bits minus ROUND's are n.
  const scale = i32x4.shl(i32x4.add(t, v128.load(EXPV_BIAS)), 23);
  return f32x4.mul(f32x4.add(p, p), scale);
}

/** e^x, the same steps as expv on one value. */
// @ts-ignore: decorator
@inline export function exps(x: f32): f32 {
  const c = x < EXP_LO ? EXP_LO : x > EXP_HI ? EXP_HI : x; // NaN stays NaN
  const t = c * LOG2E + ROUND;
  const n = t - ROUND;
  const r = c - n * LN2_HI - n * LN2_LO;
  const p = ((((((C6 * r + C5) * r + C4) * r + C3) * r + C2) * r + 1) * r) + 1;
  return (p + p) * reinterpret<f32>((reinterpret<i32>(t) + 126 - ROUND_BITS) << 23);
}

/**
 * ln z per lane for normal z > 0: z = 2^k · m with m in [√½, √2), and
 * ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, whose Taylor series
 * to s^9 is exact to 1e-9.
 */
// @ts-ignore: decorator
@inline function logv(z: v128): v128 {
  const bits = i32x4.sub(z, i32x4.splat(SQRT_HALF_BITS));
  const k = f32x4.convert_i32x4_s(i32x4.shr_s(bits, 23));
  const m = i32x4.add(v128.and(bits, i32x4.splat(0x7fffff)), i32x4.splat(SQRT_HALF_BITS));
  const one = f32x4.splat(1);
  const s = f32x4.div(f32x4.sub(m, one), f32x4.add(m, one));
  const s2 = f32x4.mul(s, s);
  let q = madd(s2, f32x4.splat(<f32>1 / 9), f32x4.splat(<f32>1 / 7));
  q = madd(q, s2, f32x4.splat(<f32>1 / 5));
  q = madd(q, s2, f32x4.splat(<f32>1 / 3));
  q = madd(q, s2, one);
  return madd(k, f32x4.splat(LN2), f32x4.mul(f32x4.add(s, s), q));
}

/** ln(1 + u) per lane for u >= 0, exact for tiny u: the rounding of 1 + u is undone by u / ((1 + u) - 1). */
// @ts-ignore: decorator
@inline export function log1pv(u: v128): v128 {
  const z = f32x4.add(u, f32x4.splat(1));
  const d = f32x4.sub(z, f32x4.splat(1));
  const corrected = f32x4.mul(logv(z), f32x4.div(u, d));
  return v128.bitselect(u, corrected, f32x4.eq(d, f32x4.splat(0)));
}

/** softplus(x) = ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|) per lane: no overflow at any x. */
// @ts-ignore: decorator
@inline export function softplusv(x: v128): v128 {
  const tail = log1pv(expv(f32x4.neg(f32x4.abs(x))));
  return f32x4.add(f32x4.pmax(x, f32x4.splat(0)), tail);
}

/** softplus on one value. */
// @ts-ignore: decorator
@inline export function softpluss(x: f32): f32 {
  return max<f32>(x, 0) + Mathf.log1p(exps(-Mathf.abs(x)));
}

// erf and erfc as in the js reference (src/backend/js/elementwise.ts): the
// all-positive series below |x| = 1.5, the continued fraction of erfc above,
// in f64 and stopped once a term is below 2^-26 of the sum, ample for an f32
// result. Scalar only: the maps that need them are not on hot paths.
const SERIES_END: f64 = 1.5;
const ERFC_UNDERFLOW: f64 = 27.3;
const ERF_TOLERANCE: f64 = 1.0 / <f64>(1 << 26);
const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;

/** e^(−x²) with x² exact: x = hi + lo with hi of 24 bits. */
// @ts-ignore: decorator
@inline function expMinusSquare(x: f64): f64 {
  const hi = <f64><f32>x;
  const lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-lo * (2 * hi + lo));
}

function erfSeries(x: f64): f64 {
  const z = 2 * x * x;
  let term: f64 = 1;
  let sum: f64 = 1;
  for (let n = 1; term > ERF_TOLERANCE * sum; n++) {
    term *= z / <f64>(2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * x * expMinusSquare(x) * sum;
}

function erfcFraction(a: f64): f64 {
  const z = 2 * a * a;
  let f = z + 1;
  let c = f;
  let d: f64 = 0;
  for (let n = 1; n <= 64; n++) {
    const an = -<f64>((2 * n - 1) * (2 * n));
    const bn = z + <f64>(4 * n + 1);
    d = 1 / (bn + an * d);
    c = bn + an / c;
    f *= c * d;
    if (Math.abs(c * d - 1) <= ERF_TOLERANCE) break;
  }
  return (TWO_OVER_SQRT_PI * a * expMinusSquare(a)) / f;
}

function erfcTail(a: f64): f64 {
  return a < ERFC_UNDERFLOW ? erfcFraction(a) : isNaN(a) ? a : 0;
}

export function erfs(x: f32): f32 {
  const v = <f64>x;
  const a = Math.abs(v);
  return <f32>(a < SERIES_END ? erfSeries(v) : Math.sign(v) * (1 - erfcTail(a)));
}

export function erfcs(x: f32): f32 {
  const a = Math.abs(<f64>x);
  const tail = a < SERIES_END ? 1 - erfSeries(a) : erfcTail(a);
  return <f32>(x < 0 ? 2 - tail : tail);
}
