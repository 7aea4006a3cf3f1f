// Elementwise kernels: fill, unary maps, binary maps (contiguous and strided
// for broadcasting), select, and the strided copy that serves transpose,
// slice, concat, expand and the reduce-to-shape of broadcast gradients.
import { Unary, Binary } from '../src/backend/opcodes';
import { hsum } from './simd';
import { erfcs, erfs, expv, softplusv, softpluss } from './exp';
import { firstNonFinite } from './optim';

export function fill(out: usize, n: i32, value: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), v);
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), value);
}

// @ts-ignore: decorator
@inline function unaryScalar(op: i32, x: f32, p: f32, q: f32): f32 {
  switch (op) {
    case Unary.Neg: return -x;
    case Unary.Abs: return Mathf.abs(x);
    case Unary.Sign: return x > 0 ? 1 : x < 0 ? -1 : x;
    case Unary.Square: return x * x;
    case Unary.Sqrt: return Mathf.sqrt(x);
    case Unary.Exp: return Mathf.exp(x);
    case Unary.Log: return Mathf.log(x);
    case Unary.Log1p: return Mathf.log1p(x);
    case Unary.Expm1: return Mathf.expm1(x);
    case Unary.Relu: return x < 0 ? 0 : x;
    case Unary.Step: return x > 0 ? 1 : x == 0 ? p : 0;
    case Unary.Clamp: return x < p ? p : x > q ? q : x;
    case Unary.InRange: return x >= p && x <= q ? 1 : 0;
    case Unary.Pow: return Mathf.pow(x, p);
    case Unary.Recip: return 1 / x;
    case Unary.Tanh: return Mathf.tanh(x);
    case Unary.Sigmoid: return x >= 0 ? 1 / (1 + Mathf.exp(-x)) : Mathf.exp(x) / (1 + Mathf.exp(x));
    case Unary.Affine: return x * p + q;
    case Unary.Softplus: return softpluss(x);
    case Unary.Inside: return x > p && x < q ? 1 : 0;
    case Unary.Erf: return erfs(x);
    case Unary.Erfc: return erfcs(x);
    default: return x;
  }
}

// @ts-ignore: decorator
@inline function hasVectorForm(op: i32): bool {
  // The maps without a polynomial of their own run the scalar loop.
  return !(
    op == Unary.Log || op == Unary.Log1p || op == Unary.Expm1 || op == Unary.Pow || op == Unary.Tanh || op == Unary.Sigmoid ||
    op == Unary.Erf || op == Unary.Erfc
  );
}

// @ts-ignore: decorator
@inline function unaryVector(op: i32, x: v128, p: v128, q: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (op) {
    case Unary.Neg: return f32x4.neg(x);
    case Unary.Abs: return f32x4.abs(x);
    case Unary.Sign: {
      const s = v128.bitselect(one, f32x4.neg(one), f32x4.gt(x, zero));
      return v128.bitselect(x, s, v128.or(f32x4.eq(x, zero), f32x4.ne(x, x)));
    }
    case Unary.Square: return f32x4.mul(x, x);
    case Unary.Sqrt: return f32x4.sqrt(x);
    case Unary.Relu: return v128.bitselect(zero, x, f32x4.lt(x, zero));
    case Unary.Step: return v128.bitselect(one, v128.and(p, f32x4.eq(x, zero)), f32x4.gt(x, zero));
    case Unary.Clamp: return v128.bitselect(p, v128.bitselect(q, x, f32x4.gt(x, q)), f32x4.lt(x, p));
    case Unary.InRange: return v128.and(one, v128.and(f32x4.ge(x, p), f32x4.le(x, q)));
    case Unary.Recip: return f32x4.div(one, x);
    // Not fused: the scalar path rounds the product before adding, and both variants must agree.
    case Unary.Affine: return f32x4.add(f32x4.mul(x, p), q);
    case Unary.Exp: return expv(x);
    case Unary.Softplus: return softplusv(x);
    case Unary.Inside: return v128.and(one, v128.and(f32x4.gt(x, p), f32x4.lt(x, q)));
    default: return x;
  }
}

export function unary(op: i32, x: usize, out: usize, n: i32, p: f32, q: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (hasVectorForm(op)) {
      const pv = f32x4.splat(p);
      const qv = f32x4.splat(q);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, unaryVector(op, v128.load(x + o), pv, qv));
      }
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, unaryScalar(op, load<f32>(x + o), p, q));
  }
}

// @ts-ignore: decorator
@inline function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case Binary.Add: return a + b;
    case Binary.Sub: return a - b;
    case Binary.Mul: return a * b;
    case Binary.Div: return a / b;
    case Binary.Max: return a > b || a != a ? a : b;
    case Binary.Min: return a < b || a != a ? a : b;
    case Binary.Eq: return a == b ? 1 : 0;
    case Binary.MaxWeight: return a > b ? 1 : a == b ? 0.5 : 0;
    default: return a;
  }
}

// @ts-ignore: decorator
@inline function binaryVector(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case Binary.Add: return f32x4.add(a, b);
    case Binary.Sub: return f32x4.sub(a, b);
    case Binary.Mul: return f32x4.mul(a, b);
    case Binary.Div: return f32x4.div(a, b);
    // Wasm's min/max propagate NaN, as PyTorch's maximum/minimum do.
    case Binary.Max: return f32x4.max(a, b);
    case Binary.Min: return f32x4.min(a, b);
    case Binary.Eq: return v128.and(f32x4.splat(1), f32x4.eq(a, b));
    case Binary.MaxWeight:
      return v128.or(v128.and(f32x4.splat(1), f32x4.gt(a, b)), v128.and(f32x4.splat(0.5), f32x4.eq(a, b)));
    default: return a;
  }
}

export function binary(op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, binaryVector(op, v128.load(a + o), v128.load(b + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, binaryScalar(op, load<f32>(a + o), load<f32>(b + o)));
  }
}

/** One row of a broadcast binary op: strides are 0 (broadcast) or 1 along the row. */
// @ts-ignore: decorator
@inline function binaryRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, binaryVector(op, v128.load(a + o), v128.load(b + o)));
      }
    } else if (sa == 1 && sb == 0) {
      const bv = v128.load32_splat(b);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, binaryVector(op, v128.load(a + o), bv));
      }
    } else if (sa == 0 && sb == 1) {
      const av = v128.load32_splat(a);
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(out + o, binaryVector(op, av, v128.load(b + o)));
      }
    }
  }
  for (; i < n; i++) {
    store<f32>(out + (<usize>i << 2), binaryScalar(op, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
  }
}

/**
 * Broadcast binary op over a 4-D index space [n0, n1, n2, n3] (leading dims of
 * size 1 for lower ranks). Strides are in elements; 0 marks a broadcast axis.
 * The output is contiguous.
 */
export function binaryStrided(
  op: i32, a: usize, b: usize, out: usize,
  n0: i32, n1: i32, n2: i32, n3: i32,
  a0: i32, a1: i32, a2: i32, a3: i32,
  b0: i32, b1: i32, b2: i32, b3: i32,
): void {
  let o = out;
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      for (let i2 = 0; i2 < n2; i2++) {
        const ao = a + (<usize>(i0 * a0 + i1 * a1 + i2 * a2) << 2);
        const bo = b + (<usize>(i0 * b0 + i1 * b1 + i2 * b2) << 2);
        binaryRow(op, ao, a3, bo, b3, o, n3);
        o += <usize>n3 << 2;
      }
    }
  }
}

/** out = cond != 0 ? a : b, all of length n. */
export function select(cond: usize, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, v128.bitselect(v128.load(b + o), v128.load(a + o), f32x4.eq(v128.load(cond + o), zero)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(cond + o) != 0 ? load<f32>(a + o) : load<f32>(b + o));
  }
}

/**
 * relu's backward in one pass: dx = g where x > 0, atZero·g where x = 0, else
 * 0 (a select, as PyTorch's threshold_backward: no 0·∞ = NaN below the kink).
 */
export function reluBackward(g: usize, x: usize, dx: usize, n: i32, atZero: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    const p = f32x4.splat(atZero);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      const gv = v128.load(g + o);
      const above = v128.and(gv, f32x4.gt(v, zero));
      v128.store(dx + o, atZero == 0 ? above : v128.or(above, v128.and(f32x4.mul(p, gv), f32x4.eq(v, zero))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(dx + o, v > 0 ? load<f32>(g + o) : v == 0 && atZero != 0 ? atZero * load<f32>(g + o) : 0);
  }
}

/**
 * A gradient accumulated with its finiteness check in the same pass (the
 * check an optimizer step would otherwise make as a pass of its own): out =
 * x + g, or out = g when x is 0 (a new gradient). Returns the index of the
 * first NaN or ±Infinity written to out, or -1. The loop only gathers whether
 * one was written (exponent bits all set); finding where is a second pass,
 * taken only then.
 */
export function accumulate(x: usize, g: usize, out: usize, n: i32): i32 {
  let i = 0;
  let seen = false;
  if (ASC_FEATURE_SIMD) {
    const e = i32x4.splat(0x7f800000);
    let bad = i32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = x ? f32x4.add(v128.load(x + o), v128.load(g + o)) : v128.load(g + o);
      v128.store(out + o, v);
      bad = v128.or(bad, i32x4.eq(v128.and(v, e), e));
    }
    seen = v128.any_true(bad);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = x ? load<f32>(x + o) + load<f32>(g + o) : load<f32>(g + o);
    store<f32>(out + o, v);
    seen = seen || (reinterpret<u32>(v) & 0x7f800000) == 0x7f800000;
  }
  return seen ? firstNonFinite(out, n) : -1;
}

/**
 * dst[i] = src[i] (or dst[i] += src[i] when accumulate) over a 4-D index
 * space, with element strides for both sides. A destination stride of 0 sums
 * along that axis, which is how a broadcast gradient is reduced to its shape.
 */
export function stridedCopy(
  src: usize, dst: usize,
  n0: i32, n1: i32, n2: i32, n3: i32,
  s0: i32, s1: i32, s2: i32, s3: i32,
  d0: i32, d1: i32, d2: i32, d3: i32,
  accumulate: i32,
): void {
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      for (let i2 = 0; i2 < n2; i2++) {
        const so = src + (<usize>(i0 * s0 + i1 * s1 + i2 * s2) << 2);
        const dO = dst + (<usize>(i0 * d0 + i1 * d1 + i2 * d2) << 2);
        copyRow(so, s3, dO, d3, n3, accumulate);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function copyRow(src: usize, ss: i32, dst: usize, ds: i32, n: i32, accumulate: i32): void {
  let i = 0;
  if (ss == 1 && ds == 1) {
    if (!accumulate) {
      memory.copy(dst, src, <usize>n << 2);
      return;
    }
    if (ASC_FEATURE_SIMD) {
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
      }
    }
  } else if (ds == 0 && ss == 1 && accumulate) {
    // Sum of a contiguous row into one element.
    let total: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      for (; i + 4 <= n; i += 4) acc = f32x4.add(acc, v128.load(src + (<usize>i << 2)));
      total = hsum(acc);
    }
    for (; i < n; i++) total += load<f32>(src + (<usize>i << 2));
    store<f32>(dst, load<f32>(dst) + total);
    return;
  }
  for (; i < n; i++) {
    const s = load<f32>(src + (<usize>(i * ss) << 2));
    const d = dst + (<usize>(i * ds) << 2);
    store<f32>(d, accumulate ? load<f32>(d) + s : s);
  }
}
