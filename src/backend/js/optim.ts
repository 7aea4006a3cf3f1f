// Reference for assembly/optim.ts: the same fused updates as plain loops,
// computing in float64 whatever the storage type. On float32 storage, state
// that would be stored as a subnormal is stored as 0, as the Wasm kernels do
// (float64 storage keeps it: its trajectories match PyTorch's to the last bit).
import { OptimFlag } from '../opcodes.js';
import type { JsViews } from './views.js';

const denom = (x: number, eps: number, inside: boolean) => (inside ? Math.sqrt(x + eps) : Math.sqrt(x) + eps);
const prox = (p: number, t: number) => Math.sign(p) * Math.max(Math.abs(p) - t, 0);

export function optimKernels(v: JsViews) {
  const e = v.bytes;
  const flush = v.flush;
  /** Stores state value x at index i (flushed like the Wasm kernels) and returns what was stored. */
  const put = (f: Float32Array | Float64Array, i: number, x: number) => {
    const kept = flush(x);
    f[i] = kept;
    return kept;
  };
  return {
    sgd(
      p: number, g: number, buf: number, n: number,
      gradSign: number, weightDecay: number, bufDecay: number, bufGrad: number, stepGrad: number, stepBuf: number,
      shrink: number, flags: number,
    ): void {
      const f = v.f;
      const [pi, gi, bi] = [p / e, g / e, buf / e];
      const momentum = (flags & OptimFlag.Momentum) !== 0;
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        let next = w + stepGrad * d;
        if (momentum) next += stepBuf * put(f, bi + i, bufDecay * f[bi + i] + bufGrad * d);
        f[pi + i] = prox(next, shrink);
      }
    },
    adagrad(p: number, g: number, sum: number, n: number, gradSign: number, weightDecay: number, lr: number, eps: number, shrink: number, flags: number): void {
      const f = v.f;
      const [pi, gi, si] = [p / e, g / e, sum / e];
      const inside = (flags & OptimFlag.EpsInsideSqrt) !== 0;
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        const acc = put(f, si + i, f[si + i] + d * d);
        f[pi + i] = prox(w - (lr * d) / denom(acc, eps, inside), shrink);
      }
    },
    rmsprop(
      p: number, g: number, sq: number, gavg: number, buf: number, n: number,
      gradSign: number, weightDecay: number, lr: number, alpha: number, rest: number, eps: number, momentum: number, shrink: number, flags: number,
    ): void {
      const f = v.f;
      const [pi, gi, qi, ai, bi] = [p / e, g / e, sq / e, gavg / e, buf / e];
      const inside = (flags & OptimFlag.EpsInsideSqrt) !== 0;
      const centered = (flags & OptimFlag.Centered) !== 0;
      const useBuf = (flags & OptimFlag.Momentum) !== 0;
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        const sqAvg = put(f, qi + i, alpha * f[qi + i] + rest * d * d);
        let x = sqAvg;
        if (centered) {
          const mean = put(f, ai + i, f[ai + i] + rest * (d - f[ai + i]));
          // v − a² estimates a variance, ≥ 0; rounding can take it below 0 when the gradient is constant, and √ would be NaN.
          x = Math.max(x - mean * mean, 0);
        }
        let u = d / denom(x, eps, inside);
        if (useBuf) u = put(f, bi + i, u + momentum * f[bi + i]);
        f[pi + i] = prox(w - lr * u, shrink);
      }
    },
    adadelta(
      p: number, g: number, sq: number, acc: number, n: number,
      gradSign: number, weightDecay: number, lr: number, rho: number, rest: number, eps: number, shrink: number,
    ): void {
      const f = v.f;
      const [pi, gi, qi, ui] = [p / e, g / e, sq / e, acc / e];
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        const sqAvg = put(f, qi + i, rho * f[qi + i] + rest * d * d);
        const delta = (Math.sqrt(f[ui + i] + eps) / Math.sqrt(sqAvg + eps)) * d;
        put(f, ui + i, rho * f[ui + i] + rest * delta * delta);
        f[pi + i] = prox(w - lr * delta, shrink);
      }
    },
    adam(
      p: number, g: number, m: number, vv: number, vmax: number, n: number,
      gradSign: number, weightDecay: number, decay: number, rest1: number, beta2: number, rest2: number,
      stepM: number, stepG: number, invBc2: number, eps: number, shrink: number, flags: number,
    ): void {
      const f = v.f;
      const [pi, gi, mi, vi, xi] = [p / e, g / e, m / e, vv / e, vmax / e];
      const inside = (flags & OptimFlag.EpsInsideSqrt) !== 0;
      const amsgrad = (flags & OptimFlag.Amsgrad) !== 0;
      for (let i = 0; i < n; i++) {
        const w = f[pi + i];
        const d = gradSign * f[gi + i] + weightDecay * w;
        const m1 = put(f, mi + i, f[mi + i] + rest1 * (d - f[mi + i]));
        let v1 = put(f, vi + i, beta2 * f[vi + i] + rest2 * d * d);
        if (amsgrad) v1 = put(f, xi + i, Math.max(f[xi + i], v1));
        f[pi + i] = prox(decay * w - (stepM * m1 + stepG * d) / denom(v1 * invBc2, eps, inside), shrink);
      }
    },
    firstNonFinite(x: number, n: number): number {
      const f = v.f;
      const xi = x / e;
      for (let i = 0; i < n; i++) if (!Number.isFinite(f[xi + i])) return i;
      return -1;
    },
  };
}
