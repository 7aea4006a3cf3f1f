// Operation codes shared by the AssemblyScript kernels (assembly/) and the
// JavaScript reference kernels (src/backend/js/): one list, so the two
// implementations cannot drift apart. This file must stay valid AssemblyScript.

/** Elementwise y = f(x; p, q). */
export enum Unary {
  Neg = 0,
  Abs = 1,
  Sign = 2,
  Square = 3,
  Sqrt = 4,
  Exp = 5,
  Log = 6,
  Log1p = 7,
  Expm1 = 8,
  Relu = 9,
  /** Heaviside step: 1 for x > 0, p at x = 0, 0 below (the relu subgradient). */
  Step = 10,
  /** Clamp to [p, q]. */
  Clamp = 11,
  /** 1 for p <= x <= q, else 0 (clamp's gradient mask: 1 at the bounds, like PyTorch). */
  InRange = 12,
  /** x * p + q: arithmetic with a number (scale, shift) needs no scalar tensor. */
  Affine = 13,
  /** x ** p */
  Pow = 14,
  Recip = 15,
  Tanh = 16,
  Sigmoid = 17,
  /** ln(1 + e^x), computed as max(x, 0) + ln(1 + e^-|x|): no overflow. */
  Softplus = 18,
  /** 1 for p < x < q, else 0 (hardtanh's gradient mask: 0 at the bounds, like PyTorch). */
  Inside = 19,
  /** The error function (2/√π) ∫₀ˣ e^(−t²) dt. */
  Erf = 20,
  /** 1 − erf(x), relative-exact where erf(x) rounds to ±1 (gelu's Φ(x) = ½ erfc(−x/√2)). */
  Erfc = 21,
}

/** Elementwise z = f(a, b). */
export enum Binary {
  Add = 0,
  Sub = 1,
  Mul = 2,
  Div = 3,
  Max = 4,
  Min = 5,
  /** 1 where a == b, else 0. */
  Eq = 6,
  /** Weight of a in max(a, b): 1 where a > b, 1/2 on a tie, 0 below (ties split evenly). */
  MaxWeight = 7,
}

/** Reductions along one axis. */
export enum Reduce {
  Sum = 0,
  Max = 1,
  Min = 2,
}

/** Bit flags of the optimizer update kernels (assembly/optim.ts). */
export enum OptimFlag {
  /** SGD, RMSprop: keep a momentum buffer. */
  Momentum = 1,
  /** Adagrad, RMSprop, Adam family: ε inside the square root (a lecture form). */
  EpsInsideSqrt = 2,
  /** RMSprop: divide by the centred second moment v − (mean g)². */
  Centered = 4,
  /** Adam: AMSGrad, the running max of the raw second moment. */
  Amsgrad = 8,
}
