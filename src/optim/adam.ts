// Adam (with AMSGrad), AdamW and NAdam, as torch.optim (NAdam as in PyTorch
// >= 2.0). All three run the one `adam` kernel; they differ in the step
// coefficients computed here: bias corrections, NAdam's momentum schedule,
// and where the weight decay goes.
import { OptimFlag } from '../backend/opcodes.js';
import { FusedOptimizer, fusedDefaults, type FusedOptions, type RunArgs } from './fused.js';
import type { GroupSpec, NamedParams, OptimizerOptions, ScalarSpec } from './optimizer.js';
import type { GroupStore, Run } from './store.js';
import { checkBetas, checkEps } from './validate.js';
import { checkBoolean, checkNumber, type Range } from '../check.js';

type Params<O> = NamedParams | readonly GroupSpec<O>[];
type Options<O> = Partial<O> & OptimizerOptions;

interface MomentOptions extends FusedOptions {
  betas: [number, number];
  eps: number;
  /** √(v̂ + ε) instead of √v̂ + ε (the form of some lecture notes). */
  epsInsideSqrt: boolean;
}

export interface AdamOptions extends MomentOptions {
  /** Divide by the running max of the raw second moment v (AMSGrad). */
  amsgrad: boolean;
}

export interface NAdamOptions extends MomentOptions {
  /** ψ in μ_t = β₁(1 − ½·0.96^(tψ)). */
  momentumDecay: number;
  /** Decay p by lr·λ before the update (as AdamW) instead of adding λp to the gradient. */
  decoupledWeightDecay: boolean;
}

/** The step along the first moment m and along the gradient g̃. */
interface Coefficients {
  stepM: number;
  stepG: number;
}

const momentDefaults = { betas: [0.9, 0.999] as [number, number], eps: 1e-8, epsInsideSqrt: false, ...fusedDefaults };

abstract class AdamFamily<O extends MomentOptions> extends FusedOptimizer<O> {
  protected readonly stateKeys: Readonly<Record<string, Range>> = { expAvg: {}, expAvgSq: { min: 0 }, maxExpAvgSq: { min: 0 } };

  /** Whether weight decay shrinks p before the step (AdamW) rather than adding λp to the gradient. */
  protected abstract decoupled(o: O): boolean;

  protected validate(o: O, op: string, atStep: boolean): void {
    super.validate(o, op, atStep);
    checkBetas(op, o.betas);
    checkEps(op, o.eps);
    checkBoolean(op, 'epsInsideSqrt', o.epsInsideSqrt);
    if ('amsgrad' in o) checkBoolean(op, 'amsgrad', o.amsgrad);
  }

  private amsgrad(o: O): boolean {
    return (o as Partial<AdamOptions>).amsgrad === true;
  }

  /** Adam's: the step along the bias-corrected first moment is lr/(1 − β₁ᵗ). */
  protected coefficients(o: O, run: Run): Coefficients {
    return { stepM: o.lr / (1 - o.betas[0] ** run.scalars.step), stepG: 0 };
  }

  protected stateInit(o: O): Record<string, number> {
    return { expAvg: 0, expAvgSq: 0, ...(this.amsgrad(o) ? { maxExpAvgSq: 0 } : {}) };
  }

  protected update(o: O, run: Run, a: RunArgs, store: GroupStore): void {
    const { stepM, stepG } = this.coefficients(o, run);
    const decoupled = this.decoupled(o);
    const [beta1, beta2] = o.betas;
    const flags = (o.epsInsideSqrt ? OptimFlag.EpsInsideSqrt : 0) | (this.amsgrad(o) ? OptimFlag.Amsgrad : 0);
    // Every derived constant in float64 here, none in the float32 kernel (1 - β₂ in f32 is 1.3e-5 off for β₂ = 0.999).
    store.backend.kernels.adam(
      a.p, a.g, a.state('expAvg'), a.state('expAvgSq'), a.state('maxExpAvgSq'), a.n,
      a.gradSign, decoupled ? 0 : o.weightDecay, decoupled ? 1 - o.lr * o.weightDecay : 1, 1 - beta1, beta2, 1 - beta2,
      stepM, stepG, 1 / (1 - beta2 ** run.scalars.step), o.eps, a.shrink, flags,
    );
  }
}

const adamDefaults = (weightDecay: number): AdamOptions => ({ lr: 1e-3, amsgrad: false, ...momentDefaults, weightDecay });

export class Adam extends AdamFamily<AdamOptions> {
  constructor(params: Params<AdamOptions>, options: Options<AdamOptions> = {}) {
    super('Adam', params, adamDefaults(0), options);
  }
  protected decoupled(): boolean {
    return false;
  }
}

/** Adam with decoupled weight decay: p ← (1 − lr·λ)p before the Adam step (default λ = 0.01). */
export class AdamW extends AdamFamily<AdamOptions> {
  constructor(params: Params<AdamOptions>, options: Options<AdamOptions> = {}) {
    super('AdamW', params, adamDefaults(1e-2), options);
  }
  protected decoupled(): boolean {
    return true;
  }
}

export class NAdam extends AdamFamily<NAdamOptions> {
  protected readonly stateKeys = { expAvg: {}, expAvgSq: { min: 0 } };

  constructor(params: Params<NAdamOptions>, options: Options<NAdamOptions> = {}) {
    super('NAdam', params, { lr: 2e-3, momentumDecay: 4e-3, decoupledWeightDecay: false, ...momentDefaults }, options);
  }

  protected validate(o: NAdamOptions, op: string, atStep: boolean): void {
    super.validate(o, op, atStep);
    checkNumber(op, 'momentumDecay', o.momentumDecay, { min: 0 });
    checkBoolean(op, 'decoupledWeightDecay', o.decoupledWeightDecay);
  }

  /** The running product μ₁·…·μ_t, per parameter as PyTorch keeps it (>= 2.0: each μ counted once); each μ is in [0, 1). */
  protected scalarState(): Record<string, ScalarSpec> {
    return { muProduct: { initial: 1, range: { min: 0, max: 1 } } };
  }

  protected decoupled(o: NAdamOptions): boolean {
    return o.decoupledWeightDecay;
  }

  protected coefficients(o: NAdamOptions, run: Run): Coefficients {
    const t = run.scalars.step;
    const mu = (s: number) => o.betas[0] * (1 - 0.5 * 0.96 ** (s * o.momentumDecay));
    const product = run.scalars.muProduct * mu(t);
    run.scalars.muProduct = product;
    return { stepG: (o.lr * (1 - mu(t))) / (1 - product), stepM: (o.lr * mu(t + 1)) / (1 - product * mu(t + 1)) };
  }
}
