// Reference for assembly/optim.ts: the same fused updates as plain loops,
// computing in float64 whatever the storage type.
import { OptimFlag } from '../opcodes.js';
import type { JsViews } from './views.js';

const denom = (x: number, eps: number, inside: boolean) => (inside ? Math.sqrt(x + eps) : Math.sqrt(x) + eps);
const prox = (p: number, t: number) => Math.sign(p) * Math.max(Math.abs(p) - t, 0);

export function optimKernels(v: JsViews) {
  const s = v.shift;
  return {
    sgd(
      p: number, g: number, buf: number, n: number,
      gradSign: number, weightDecay: number, bufDecay: number, bufGrad: number, stepGrad: number, stepBuf: number,
      shrink: number, flags: number,
    ): void {
      const f = v.f;
      const [pi, gi, bi] = [p >> s, g >> s, buf >> s];
      const momentum = (flags & OptimFlag.Momentum) !== 0;
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        let next = w + stepGrad * d;
        if (momentum) {
          const b = bufDecay * f[bi + i] + bufGrad * d;
          f[bi + i] = b;
          next += stepBuf * b;
        }
        f[pi + i] = prox(next, shrink);
      }
    },
    adagrad(p: number, g: number, sum: number, n: number, gradSign: number, weightDecay: number, lr: number, eps: number, shrink: number, flags: number): void {
      const f = v.f;
      const [pi, gi, si] = [p >> s, g >> s, sum >> s];
      const inside = (flags & OptimFlag.EpsInsideSqrt) !== 0;
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        const acc = f[si + i] + d * d;
        f[si + i] = acc;
        f[pi + i] = prox(w - (lr * d) / denom(acc, eps, inside), shrink);
      }
    },
    rmsprop(
      p: number, g: number, sq: number, gavg: number, buf: number, n: number,
      gradSign: number, weightDecay: number, lr: number, alpha: number, eps: number, momentum: number, shrink: number, flags: number,
    ): void {
      const f = v.f;
      const [pi, gi, qi, ai, bi] = [p >> s, g >> s, sq >> s, gavg >> s, buf >> s];
      const inside = (flags & OptimFlag.EpsInsideSqrt) !== 0;
      const centered = (flags & OptimFlag.Centered) !== 0;
      const useBuf = (flags & OptimFlag.Momentum) !== 0;
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        const sqAvg = alpha * f[qi + i] + (1 - alpha) * d * d;
        f[qi + i] = sqAvg;
        let x = sqAvg;
        if (centered) {
          const mean = f[ai + i] + (1 - alpha) * (d - f[ai + i]);
          f[ai + i] = mean;
          // v − a² estimates a variance, ≥ 0; rounding can take it below 0 when the gradient is constant, and √ would be NaN.
          x = Math.max(x - mean * mean, 0);
        }
        let u = d / denom(x, eps, inside);
        if (useBuf) {
          u += momentum * f[bi + i];
          f[bi + i] = u;
        }
        f[pi + i] = prox(w - lr * u, shrink);
      }
    },
    adadelta(p: number, g: number, sq: number, acc: number, n: number, gradSign: number, weightDecay: number, lr: number, rho: number, eps: number, shrink: number): void {
      const f = v.f;
      const [pi, gi, qi, ui] = [p >> s, g >> s, sq >> s, acc >> s];
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        const sqAvg = rho * f[qi + i] + (1 - rho) * d * d;
        f[qi + i] = sqAvg;
        const delta = (Math.sqrt(f[ui + i] + eps) / Math.sqrt(sqAvg + eps)) * d;
        f[ui + i] = rho * f[ui + i] + (1 - rho) * delta * delta;
        f[pi + i] = prox(w - lr * delta, shrink);
      }
    },
    adam(
      p: number, g: number, m: number, vv: number, vmax: number, n: number,
      gradSign: number, weightDecay: number, decay: number, beta1: number, beta2: number,
      stepM: number, stepG: number, invBc2: number, eps: number, shrink: number, flags: number,
    ): void {
      const f = v.f;
      const [pi, gi, mi, vi, xi] = [p >> s, g >> s, m >> s, vv >> s, vmax >> s];
      const inside = (flags & OptimFlag.EpsInsideSqrt) !== 0;
      const amsgrad = (flags & OptimFlag.Amsgrad) !== 0;
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        const m1 = f[mi + i] + (1 - beta1) * (d - f[mi + i]);
        f[mi + i] = m1;
        let v1 = beta2 * f[vi + i] + (1 - beta2) * d * d;
        f[vi + i] = v1;
        if (amsgrad) {
          v1 = Math.max(f[xi + i], v1);
          f[xi + i] = v1;
        }
        f[pi + i] = prox(decay * w - (stepM * m1 + stepG * d) / denom(v1 * invBc2, eps, inside), shrink);
      }
    },
    firstNonFinite(x: number, n: number): number {
      const f = v.f;
      const xi = x >> s;
      for (let i = 0; i < n; i++) if (!Number.isFinite(f[xi + i])) return i;
      return -1;
    },
  };
}
