// Reference for assembly/elementwise.ts: the same kernels as plain loops.
import { Binary, Unary } from '../opcodes.js';
import type { JsViews } from './views.js';

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
  const s = v.shift;
  return {
    fill(out: number, n: number, value: number): void {
      v.f.fill(value, out >> s, (out >> s) + n);
    },
    unary(op: Unary, x: number, out: number, n: number, p: number, q: number): void {
      const f = v.f;
      const xi = x >> s;
      const oi = out >> s;
      for (let i = 0; i < n; i++) f[oi + i] = unaryScalar(op, f[xi + i], p, q);
    },
    binary(op: Binary, a: number, b: number, out: number, n: number): void {
      const f = v.f;
      const ai = a >> s;
      const bi = b >> s;
      const oi = out >> s;
      for (let i = 0; i < n; i++) f[oi + i] = binaryScalar(op, f[ai + i], f[bi + i]);
    },
    binaryStrided(
      op: Binary, a: number, b: number, out: number,
      n0: number, n1: number, n2: number, n3: number,
      a0: number, a1: number, a2: number, a3: number,
      b0: number, b1: number, b2: number, b3: number,
    ): void {
      const f = v.f;
      let o = out >> s;
      for (let i0 = 0; i0 < n0; i0++)
        for (let i1 = 0; i1 < n1; i1++)
          for (let i2 = 0; i2 < n2; i2++) {
            const ao = (a >> s) + i0 * a0 + i1 * a1 + i2 * a2;
            const bo = (b >> s) + i0 * b0 + i1 * b1 + i2 * b2;
            for (let i3 = 0; i3 < n3; i3++) f[o++] = binaryScalar(op, f[ao + i3 * a3], f[bo + i3 * b3]);
          }
    },
    select(cond: number, a: number, b: number, out: number, n: number): void {
      const f = v.f;
      for (let i = 0; i < n; i++) {
        f[(out >> s) + i] = f[(cond >> s) + i] !== 0 ? f[(a >> s) + i] : f[(b >> s) + i];
      }
    },
    reluBackward(g: number, x: number, dx: number, n: number, atZero: number): void {
      const f = v.f;
      const [gi, xi, di] = [g >> s, x >> s, dx >> s];
      for (let i = 0; i < n; i++) {
        const xv = f[xi + i];
        f[di + i] = xv > 0 ? f[gi + i] : xv === 0 && atZero !== 0 ? atZero * f[gi + i] : 0;
      }
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
            const so = (src >> s) + i0 * s0 + i1 * s1 + i2 * s2;
            const dO = (dst >> s) + i0 * d0 + i1 * d1 + i2 * d2;
            for (let i3 = 0; i3 < n3; i3++) {
              const d = dO + i3 * d3;
              f[d] = accumulate ? f[d] + f[so + i3 * s3] : f[so + i3 * s3];
            }
          }
    },
  };
}
