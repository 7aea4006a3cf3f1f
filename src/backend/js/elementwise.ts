// Reference for assembly/elementwise.ts: the same kernels as plain loops.
import { Binary, Unary } from '../opcodes.js';
import type { JsViews } from './views.js';

// erf and erfc, which Math lacks. Below |x| = 1.5 the series
// erf(x) = (2/√π)·x·e^(−x²)·Σ (2x²)ⁿ / (1·3···(2n+1)), whose terms are all
// positive (no cancellation); from there the continued fraction of erfc (the
// even part of Laplace's, by Lentz's method), relative-exact out to where
// erfc underflows. Each stops once a term changes its sum by less than
// half an ulp: within 2e-14 (relative) of the true values everywhere.
const SERIES_END = 1.5;
/** erfc(x) is below the smallest double beyond this. */
const ERFC_UNDERFLOW = 27.3;
const HALF_ULP = Number.EPSILON / 2;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** e^(−x²) with x² exact: x = hi + lo with hi of 24 bits, so hi² rounds nothing. */
function expMinusSquare(x: number): number {
  const hi = Math.fround(x);
  const lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-lo * (2 * hi + lo));
}

/** erf(x) for |x| < SERIES_END. */
function erfSeries(x: number): number {
  const z = 2 * x * x;
  let term = 1;
  let sum = 1;
  for (let n = 1; term > HALF_ULP * sum; n++) {
    term *= z / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * x * expMinusSquare(x) * sum;
}

/** erfc(a) for a >= SERIES_END: (2a/√π)·e^(−a²) / (2a² + 1 − 1·2 / (2a² + 5 − 3·4 / (2a² + 9 − …))). */
function erfcFraction(a: number): number {
  const z = 2 * a * a;
  // Lentz: f = b0 · Π c_n·d_n; no denominator comes near 0 for a >= 1.5, and 49 terms suffice there.
  let f = z + 1;
  let c = f;
  let d = 0;
  for (let n = 1; n <= 64; n++) {
    const an = -(2 * n - 1) * (2 * n);
    const bn = z + 4 * n + 1;
    d = 1 / (bn + an * d);
    c = bn + an / c;
    f *= c * d;
    if (Math.abs(c * d - 1) <= HALF_ULP) break;
  }
  return (TWO_OVER_SQRT_PI * a * expMinusSquare(a)) / f;
}

/** erfc(|x|) for |x| >= SERIES_END (0 past underflow, NaN for NaN). */
function erfcTail(a: number): number {
  return a < ERFC_UNDERFLOW ? erfcFraction(a) : Number.isNaN(a) ? a : 0;
}

export function erf(x: number): number {
  const a = Math.abs(x);
  return a < SERIES_END ? erfSeries(x) : Math.sign(x) * (1 - erfcTail(a));
}

export function erfc(x: number): number {
  const a = Math.abs(x);
  const tail = a < SERIES_END ? 1 - erfSeries(a) : erfcTail(a);
  return x < 0 ? 2 - tail : tail;
}

export function unaryScalar(op: Unary, x: number, p: number, q: number): number {
  switch (op) {
    case Unary.Neg: return -x;
    case Unary.Abs: return Math.abs(x);
    case Unary.Sign: return x > 0 ? 1 : x < 0 ? -1 : x;
    case Unary.Square: return x * x;
    case Unary.Sqrt: return Math.sqrt(x);
    case Unary.Exp: return Math.exp(x);
    case Unary.Log: return Math.log(x);
    case Unary.Log1p: return Math.log1p(x);
    case Unary.Expm1: return Math.expm1(x);
    case Unary.Relu: return x < 0 ? 0 : x;
    case Unary.Step: return x > 0 ? 1 : x === 0 ? p : 0;
    case Unary.Clamp: return x < p ? p : x > q ? q : x;
    case Unary.InRange: return x >= p && x <= q ? 1 : 0;
    case Unary.Pow: return Math.pow(x, p);
    case Unary.Recip: return 1 / x;
    case Unary.Tanh: return Math.tanh(x);
    case Unary.Sigmoid: return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    case Unary.Affine: return x * p + q;
    case Unary.Softplus: return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    case Unary.Inside: return x > p && x < q ? 1 : 0;
    case Unary.Erf: return erf(x);
    case Unary.Erfc: return erfc(x);
  }
}

function binaryScalar(op: Binary, a: number, b: number): number {
  switch (op) {
    case Binary.Add: return a + b;
    case Binary.Sub: return a - b;
    case Binary.Mul: return a * b;
    case Binary.Div: return a / b;
    case Binary.Max: return a > b || a !== a ? a : b;
    case Binary.Min: return a < b || a !== a ? a : b;
    case Binary.Eq: return a === b ? 1 : 0;
    case Binary.MaxWeight: return a > b ? 1 : a === b ? 0.5 : 0;
  }
}

export function elementwiseKernels(v: JsViews) {
  const e = v.bytes;
  return {
    fill(out: number, n: number, value: number): void {
      v.f.fill(value, out / e, (out / e) + n);
    },
    unary(op: Unary, x: number, out: number, n: number, p: number, q: number): void {
      const f = v.f;
      const xi = x / e;
      const oi = out / e;
      for (let i = 0; i < n; i++) f[oi + i] = unaryScalar(op, f[xi + i], p, q);
    },
    binary(op: Binary, a: number, b: number, out: number, n: number): void {
      const f = v.f;
      const ai = a / e;
      const bi = b / e;
      const oi = out / e;
      for (let i = 0; i < n; i++) f[oi + i] = binaryScalar(op, f[ai + i], f[bi + i]);
    },
    binaryStrided(
      op: Binary, a: number, b: number, out: number,
      n0: number, n1: number, n2: number, n3: number,
      a0: number, a1: number, a2: number, a3: number,
      b0: number, b1: number, b2: number, b3: number,
    ): void {
      const f = v.f;
      let o = out / e;
      for (let i0 = 0; i0 < n0; i0++)
        for (let i1 = 0; i1 < n1; i1++)
          for (let i2 = 0; i2 < n2; i2++) {
            const ao = (a / e) + i0 * a0 + i1 * a1 + i2 * a2;
            const bo = (b / e) + i0 * b0 + i1 * b1 + i2 * b2;
            for (let i3 = 0; i3 < n3; i3++) f[o++] = binaryScalar(op, f[ao + i3 * a3], f[bo + i3 * b3]);
          }
    },
    select(cond: number, a: number, b: number, out: number, n: number): void {
      const f = v.f;
      for (let i = 0; i < n; i++) {
        f[(out / e) + i] = f[(cond / e) + i] !== 0 ? f[(a / e) + i] : f[(b / e) + i];
      }
    },
    reluBackward(g: number, x: number, dx: number, n: number, atZero: number): void {
      const f = v.f;
      const [gi, xi, di] = [v.at(g), v.at(x), v.at(dx)];
      for (let i = 0; i < n; i++) {
        const xv = f[xi + i];
        f[di + i] = xv > 0 ? f[gi + i] : xv === 0 && atZero !== 0 ? atZero * f[gi + i] : 0;
      }
    },
    accumulate(x: number, g: number, out: number, n: number): number {
      const f = v.f;
      const [xi, gi, oi] = [v.at(x), v.at(g), v.at(out)];
      let first = -1;
      for (let i = 0; i < n; i++) {
        f[oi + i] = x === 0 ? f[gi + i] : f[xi + i] + f[gi + i];
        // What was stored: a sum of finite float32 values can round to infinity.
        if (first < 0 && !Number.isFinite(f[oi + i])) first = i;
      }
      return first;
    },
    stridedCopy(
      src: number, dst: number,
      n0: number, n1: number, n2: number, n3: number,
      s0: number, s1: number, s2: number, s3: number,
      d0: number, d1: number, d2: number, d3: number,
      accumulate: number,
    ): void {
      const f = v.f;
      for (let i0 = 0; i0 < n0; i0++)
        for (let i1 = 0; i1 < n1; i1++)
          for (let i2 = 0; i2 < n2; i2++) {
            const so = (src / e) + i0 * s0 + i1 * s1 + i2 * s2;
            const dO = (dst / e) + i0 * d0 + i1 * d1 + i2 * d2;
            for (let i3 = 0; i3 < n3; i3++) {
              const d = dO + i3 * d3;
              f[d] = accumulate ? f[d] + f[so + i3 * s3] : f[so + i3 * s3];
            }
          }
    },
  };
}
