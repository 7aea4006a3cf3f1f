// Fused optimizer updates: one pass over a contiguous run of parameters, their
// gradients and their state. Every hyper-parameter and every constant derived
// from one (1 - β, bias corrections, step sizes) is formed once in float64 on
// the TypeScript side (src/optim/) and passed in: a 1 - β₂ formed here in f32
// would be off by 1.3e-5 (β₂ = 0.999 is not exact in f32) and bias every step.
//
// State is stored flushed of subnormals (see flush in simd.ts): the same
// values as without the flush down to 1.2e-38, and no slow path for a state
// that decays (Adam's m under zero gradients sinks below 2^-126 in ~800 steps
// and sticks a few ulp above 0).
//
// Each update is written once over a lane type T: v128 (four f32) for the SIMD
// body, f32 for the tail and for the scalar build. ASC_FEATURE_SIMD and
// isVector<T>() are compile-time constants, so every variant keeps one branch.
import { OptimFlag } from '../src/backend/opcodes';
import { flush, madd } from './simd';

// @ts-ignore: decorator
@inline function splat<T>(x: f32): T {
  if (isVector<T>()) return f32x4.splat(x);
  return <T>x;
}
// @ts-ignore: decorator
@inline function add<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.add(a, b);
  return a + b;
}
// @ts-ignore: decorator
@inline function sub<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.sub(a, b);
  return a - b;
}
// @ts-ignore: decorator
@inline function mul<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.mul(a, b);
  return a * b;
}
// @ts-ignore: decorator
@inline function div<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.div(a, b);
  return a / b;
}
// @ts-ignore: decorator
@inline function sqrt<T>(a: T): T {
  if (isVector<T>()) return f32x4.sqrt(a);
  return <T>Mathf.sqrt(<f32>a);
}
/** max(a, b) for values that are never NaN: pmax is one instruction, f32x4.max's NaN and ±0 rules cost several. */
// @ts-ignore: decorator
@inline function max<T>(a: T, b: T): T {
  if (isVector<T>()) return f32x4.pmax(a, b);
  return <T>Mathf.max(<f32>a, <f32>b);
}
/** a * b + c, fused under relaxed SIMD. */
// @ts-ignore: decorator
@inline function fma<T>(a: T, b: T, c: T): T {
  if (isVector<T>()) return madd(a, b, c);
  return a * b + c;
}

/**
 * The gradient PyTorch steps on: scaled by sign (−1 to maximize), plus coupled
 * L2 decay wd·p. The loop-invariant tests skip what the options leave out.
 */
// @ts-ignore: decorator
@inline function effectiveGrad<T>(g: T, p: T, sign: T, wd: T, signed: bool, decayed: bool): T {
  const d = signed ? mul<T>(sign, g) : g;
  return decayed ? fma<T>(wd, p, d) : d;
}

/** √x + ε (PyTorch) or √(x + ε) (a lecture form). */
// @ts-ignore: decorator
@inline function denom<T>(x: T, eps: T, inside: bool): T {
  return inside ? sqrt<T>(add<T>(x, eps)) : add<T>(sqrt<T>(x), eps);
}

/** Soft threshold sign(p)·max(|p| − t, 0): the proximal step of t·|p|, skipped when t = 0. */
// @ts-ignore: decorator
@inline function prox<T>(p: T, t: T, active: bool): T {
  if (!active) return p;
  if (isVector<T>()) {
    const magnitude = f32x4.pmax(f32x4.sub(f32x4.abs(p), t), f32x4.splat(0));
    return v128.or(magnitude, v128.and(p, f32x4.splat(-0.0)));
  }
  return <T>copysign<f32>(Mathf.max(Mathf.abs(<f32>p) - <f32>t, 0), <f32>p);
}

/** Stores a state value flushed of subnormals; returns what was stored, for the rest of the update to use. */
// @ts-ignore: decorator
@inline function putState<T>(at: usize, x: T): T {
  const kept = flush<T>(x);
  store<T>(at, kept);
  return kept;
}

/** Where the SIMD body ends and the scalar tail starts, in bytes. */
// @ts-ignore: decorator
@inline function vectorEnd(bytes: usize): usize {
  return ASC_FEATURE_SIMD ? bytes - bytes % 16 : 0;
}

/**
 * SGD in a linear form that covers PyTorch's rule and the lectures' velocity
 * form: b ← bufDecay·b + bufGrad·g̃ (when flags has Momentum), then
 * p ← prox(p + stepGrad·g̃ + stepBuf·b).
 */
export function sgd(
  p: usize, g: usize, buf: usize, n: i32,
  gradSign: f32, weightDecay: f32, bufDecay: f32, bufGrad: f32, stepGrad: f32, stepBuf: f32, shrink: f32, flags: i32,
): void {
  const end = <usize>n << 2;
  const split = vectorEnd(end);
  if (ASC_FEATURE_SIMD) sgdRange<v128>(p, g, buf, 0, split, gradSign, weightDecay, bufDecay, bufGrad, stepGrad, stepBuf, shrink, flags);
  sgdRange<f32>(p, g, buf, split, end, gradSign, weightDecay, bufDecay, bufGrad, stepGrad, stepBuf, shrink, flags);
}

// @ts-ignore: decorator
@inline function sgdRange<T>(
  p: usize, g: usize, buf: usize, from: usize, to: usize,
  gradSign: f32, weightDecay: f32, bufDecay: f32, bufGrad: f32, stepGrad: f32, stepBuf: f32, shrink: f32, flags: i32,
): void {
  const sign = splat<T>(gradSign), wd = splat<T>(weightDecay), bd = splat<T>(bufDecay), bg = splat<T>(bufGrad);
  const sg = splat<T>(stepGrad), sb = splat<T>(stepBuf), t = splat<T>(shrink);
  const signed = gradSign != 1, decayed = weightDecay != 0, shrinks = shrink != 0, direct = stepGrad != 0;
  const momentum = (flags & OptimFlag.Momentum) != 0;
  for (let o = from; o < to; o += sizeof<T>()) {
    const w = load<T>(p + o);
    const d = effectiveGrad<T>(load<T>(g + o), w, sign, wd, signed, decayed);
    let next = direct ? fma<T>(sg, d, w) : w;
    if (momentum) {
      const b = putState<T>(buf + o, fma<T>(bd, load<T>(buf + o), mul<T>(bg, d)));
      next = fma<T>(sb, b, next);
    }
    store<T>(p + o, prox<T>(next, t, shrinks));
  }
}

/** Adagrad: s ← s + g̃², p ← prox(p − lr·g̃ / denom(s)); lr already carries lrDecay. */
export function adagrad(
  p: usize, g: usize, sum: usize, n: i32,
  gradSign: f32, weightDecay: f32, lr: f32, eps: f32, shrink: f32, flags: i32,
): void {
  const end = <usize>n << 2;
  const split = vectorEnd(end);
  if (ASC_FEATURE_SIMD) adagradRange<v128>(p, g, sum, 0, split, gradSign, weightDecay, lr, eps, shrink, flags);
  adagradRange<f32>(p, g, sum, split, end, gradSign, weightDecay, lr, eps, shrink, flags);
}

// @ts-ignore: decorator
@inline function adagradRange<T>(
  p: usize, g: usize, sum: usize, from: usize, to: usize,
  gradSign: f32, weightDecay: f32, lr: f32, eps: f32, shrink: f32, flags: i32,
): void {
  const sign = splat<T>(gradSign), wd = splat<T>(weightDecay), step = splat<T>(-lr), e = splat<T>(eps), t = splat<T>(shrink);
  const signed = gradSign != 1, decayed = weightDecay != 0, shrinks = shrink != 0;
  const inside = (flags & OptimFlag.EpsInsideSqrt) != 0;
  for (let o = from; o < to; o += sizeof<T>()) {
    const w = load<T>(p + o);
    const d = effectiveGrad<T>(load<T>(g + o), w, sign, wd, signed, decayed);
    const s = putState<T>(sum + o, fma<T>(d, d, load<T>(sum + o)));
    store<T>(p + o, prox<T>(fma<T>(step, div<T>(d, denom<T>(s, e, inside)), w), t, shrinks));
  }
}

/**
 * RMSprop: v ← αv + (1 − α)g̃²; centred: a ← a + (1 − α)(g̃ − a), x = max(v − a², 0);
 * with momentum b ← μb + g̃/denom(x), p ← p − lr·b; else p ← p − lr·g̃/denom(x).
 * rest is 1 − α.
 */
export function rmsprop(
  p: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32,
  gradSign: f32, weightDecay: f32, lr: f32, alpha: f32, rest: f32, eps: f32, momentum: f32, shrink: f32, flags: i32,
): void {
  const end = <usize>n << 2;
  const split = vectorEnd(end);
  if (ASC_FEATURE_SIMD) rmspropRange<v128>(p, g, sq, gavg, buf, 0, split, gradSign, weightDecay, lr, alpha, rest, eps, momentum, shrink, flags);
  rmspropRange<f32>(p, g, sq, gavg, buf, split, end, gradSign, weightDecay, lr, alpha, rest, eps, momentum, shrink, flags);
}

// @ts-ignore: decorator
@inline function rmspropRange<T>(
  p: usize, g: usize, sq: usize, gavg: usize, buf: usize, from: usize, to: usize,
  gradSign: f32, weightDecay: f32, lr: f32, alpha: f32, rest: f32, eps: f32, momentum: f32, shrink: f32, flags: i32,
): void {
  const sign = splat<T>(gradSign), wd = splat<T>(weightDecay), step = splat<T>(-lr), a = splat<T>(alpha);
  const rs = splat<T>(rest), e = splat<T>(eps), mu = splat<T>(momentum), t = splat<T>(shrink);
  const inside = (flags & OptimFlag.EpsInsideSqrt) != 0;
  const centered = (flags & OptimFlag.Centered) != 0;
  const useBuf = (flags & OptimFlag.Momentum) != 0;
  const signed = gradSign != 1, decayed = weightDecay != 0, shrinks = shrink != 0;
  for (let o = from; o < to; o += sizeof<T>()) {
    const w = load<T>(p + o);
    const d = effectiveGrad<T>(load<T>(g + o), w, sign, wd, signed, decayed);
    const v = putState<T>(sq + o, fma<T>(rs, mul<T>(d, d), mul<T>(a, load<T>(sq + o))));
    let x = v;
    if (centered) {
      const m = load<T>(gavg + o);
      const mean = putState<T>(gavg + o, fma<T>(rs, sub<T>(d, m), m));
      // v − a² estimates a variance, ≥ 0; rounding can take it below 0 when the gradient is constant, and √ would be NaN.
      x = max<T>(sub<T>(v, mul<T>(mean, mean)), splat<T>(0));
    }
    let u = div<T>(d, denom<T>(x, e, inside));
    if (useBuf) u = putState<T>(buf + o, fma<T>(mu, load<T>(buf + o), u));
    store<T>(p + o, prox<T>(fma<T>(step, u, w), t, shrinks));
  }
}

/** Adadelta: v ← ρv + (1 − ρ)g̃², δ = √(u + ε)/√(v + ε)·g̃, u ← ρu + (1 − ρ)δ², p ← p − lr·δ; rest is 1 − ρ. */
export function adadelta(
  p: usize, g: usize, sq: usize, acc: usize, n: i32,
  gradSign: f32, weightDecay: f32, lr: f32, rho: f32, rest: f32, eps: f32, shrink: f32,
): void {
  const end = <usize>n << 2;
  const split = vectorEnd(end);
  if (ASC_FEATURE_SIMD) adadeltaRange<v128>(p, g, sq, acc, 0, split, gradSign, weightDecay, lr, rho, rest, eps, shrink);
  adadeltaRange<f32>(p, g, sq, acc, split, end, gradSign, weightDecay, lr, rho, rest, eps, shrink);
}

// @ts-ignore: decorator
@inline function adadeltaRange<T>(
  p: usize, g: usize, sq: usize, acc: usize, from: usize, to: usize,
  gradSign: f32, weightDecay: f32, lr: f32, rho: f32, rest: f32, eps: f32, shrink: f32,
): void {
  const sign = splat<T>(gradSign), wd = splat<T>(weightDecay), step = splat<T>(-lr), r = splat<T>(rho);
  const rs = splat<T>(rest), e = splat<T>(eps), t = splat<T>(shrink);
  const signed = gradSign != 1, decayed = weightDecay != 0, shrinks = shrink != 0;
  for (let o = from; o < to; o += sizeof<T>()) {
    const w = load<T>(p + o);
    const d = effectiveGrad<T>(load<T>(g + o), w, sign, wd, signed, decayed);
    const v = putState<T>(sq + o, fma<T>(rs, mul<T>(d, d), mul<T>(r, load<T>(sq + o))));
    const u = load<T>(acc + o);
    const delta = mul<T>(div<T>(sqrt<T>(add<T>(u, e)), sqrt<T>(add<T>(v, e))), d);
    putState<T>(acc + o, fma<T>(rs, mul<T>(delta, delta), mul<T>(r, u)));
    store<T>(p + o, prox<T>(fma<T>(step, delta, w), t, shrinks));
  }
}

/**
 * Adam, AdamW and NAdam: m ← m + (1 − β₁)(g̃ − m), v ← β₂v + (1 − β₂)g̃²,
 * v̂ = v (or AMSGrad's running max of it), then
 * p ← prox(decay·p − (stepM·m + stepG·g̃) / denom(v̂·invBc2)).
 * Adam: stepM = lr/(1 − β₁ᵗ), stepG = 0; NAdam splits its step between m and g̃;
 * AdamW's decoupled decay is decay = 1 − lr·λ. rest1 = 1 − β₁, rest2 = 1 − β₂
 * and invBc2 = 1/(1 − β₂ᵗ) come in formed in float64, so that
 * rest2·invBc2 = 1 at the first step up to float32 rounding.
 */
export function adam(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32,
  gradSign: f32, weightDecay: f32, decay: f32, rest1: f32, beta2: f32, rest2: f32,
  stepM: f32, stepG: f32, invBc2: f32, eps: f32, shrink: f32, flags: i32,
): void {
  const end = <usize>n << 2;
  const split = vectorEnd(end);
  if (ASC_FEATURE_SIMD) {
    adamRange<v128>(p, g, m, v, vmax, 0, split, gradSign, weightDecay, decay, rest1, beta2, rest2, stepM, stepG, invBc2, eps, shrink, flags);
  }
  adamRange<f32>(p, g, m, v, vmax, split, end, gradSign, weightDecay, decay, rest1, beta2, rest2, stepM, stepG, invBc2, eps, shrink, flags);
}

// @ts-ignore: decorator
@inline function adamRange<T>(
  p: usize, g: usize, m: usize, v: usize, vmax: usize, from: usize, to: usize,
  gradSign: f32, weightDecay: f32, decay: f32, rest1: f32, beta2: f32, rest2: f32,
  stepM: f32, stepG: f32, invBc2: f32, eps: f32, shrink: f32, flags: i32,
): void {
  const sign = splat<T>(gradSign), wd = splat<T>(weightDecay), keep = splat<T>(decay), r1 = splat<T>(rest1);
  const b2 = splat<T>(beta2), r2 = splat<T>(rest2), sm = splat<T>(-stepM), sg = splat<T>(-stepG);
  const scale = splat<T>(invBc2), e = splat<T>(eps), t = splat<T>(shrink);
  const inside = (flags & OptimFlag.EpsInsideSqrt) != 0;
  const amsgrad = (flags & OptimFlag.Amsgrad) != 0;
  const signed = gradSign != 1, decayed = weightDecay != 0, shrinks = shrink != 0, direct = stepG != 0, kept = decay != 1;
  for (let o = from; o < to; o += sizeof<T>()) {
    const w = load<T>(p + o);
    const d = effectiveGrad<T>(load<T>(g + o), w, sign, wd, signed, decayed);
    const m0 = load<T>(m + o);
    const m1 = putState<T>(m + o, fma<T>(r1, sub<T>(d, m0), m0));
    let v1 = putState<T>(v + o, fma<T>(r2, mul<T>(d, d), mul<T>(b2, load<T>(v + o))));
    if (amsgrad) v1 = putState<T>(vmax + o, max<T>(load<T>(vmax + o), v1));
    const num = direct ? fma<T>(sm, m1, mul<T>(sg, d)) : mul<T>(sm, m1);
    const step = div<T>(num, denom<T>(mul<T>(v1, scale), e, inside));
    store<T>(p + o, prox<T>(kept ? fma<T>(keep, w, step) : add<T>(w, step), t, shrinks));
  }
}

/** Index of the first NaN or ±Infinity among x[0..n), or −1: the check before a step. */
export function firstNonFinite(x: usize, n: i32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // All exponent bits set means NaN or infinite; test 16 values per branch.
    const e = i32x4.splat(0x7f800000);
    for (; i + 16 <= n; i += 16) {
      const o = x + (<usize>i << 2);
      const a = v128.or(i32x4.eq(v128.and(v128.load(o), e), e), i32x4.eq(v128.and(v128.load(o, 16), e), e));
      const b = v128.or(i32x4.eq(v128.and(v128.load(o, 32), e), e), i32x4.eq(v128.and(v128.load(o, 48), e), e));
      if (v128.any_true(v128.or(a, b))) break;
    }
  }
  for (; i < n; i++) {
    if ((load<u32>(x + (<usize>i << 2)) & 0x7f800000) == 0x7f800000) return i;
  }
  return -1;
}
