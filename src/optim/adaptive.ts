// Adagrad, RMSprop and Adadelta: per-coordinate steps scaled by running
// squared gradients, as torch.optim (ε outside the square root for Adagrad
// and RMSprop unless epsInsideSqrt; inside both roots for Adadelta).
import { OptimFlag } from '../backend/opcodes.js';
import { FusedOptimizer, fusedDefaults, type FusedOptions, type RunArgs } from './fused.js';
import type { GroupSpec, NamedParams, OptimizerOptions } from './optimizer.js';
import type { GroupStore, Run } from './store.js';
import { checkEps } from './validate.js';
import { checkBoolean, checkNumber } from '../check.js';

type Params<O> = NamedParams | readonly GroupSpec<O>[];
type Options<O> = Partial<O> & OptimizerOptions;

export interface AdagradOptions extends FusedOptions {
  /** The step size at step t is lr / (1 + (t − 1)·lrDecay). */
  lrDecay: number;
  eps: number;
  initialAccumulatorValue: number;
  /** √(s + ε) instead of √s + ε. */
  epsInsideSqrt: boolean;
}

export class Adagrad extends FusedOptimizer<AdagradOptions> {
  protected readonly stateKeys = { sum: { min: 0 } };

  constructor(params: Params<AdagradOptions>, options: Options<AdagradOptions> = {}) {
    const defaults = { lr: 1e-2, lrDecay: 0, eps: 1e-10, initialAccumulatorValue: 0, epsInsideSqrt: false, ...fusedDefaults };
    super('Adagrad', params, defaults, options);
  }

  protected validate(o: AdagradOptions, op: string, atStep: boolean): void {
    super.validate(o, op, atStep);
    checkNumber(op, 'lrDecay', o.lrDecay, { min: 0 });
    checkEps(op, o.eps);
    checkNumber(op, 'initialAccumulatorValue', o.initialAccumulatorValue, { min: 0 });
    checkBoolean(op, 'epsInsideSqrt', o.epsInsideSqrt);
  }

  protected stateInit(o: AdagradOptions): Record<string, number> {
    return { sum: o.initialAccumulatorValue };
  }

  protected update(o: AdagradOptions, run: Run, a: RunArgs, store: GroupStore): void {
    const lr = o.lr / (1 + (run.scalars.step - 1) * o.lrDecay);
    const flags = o.epsInsideSqrt ? OptimFlag.EpsInsideSqrt : 0;
    store.backend.kernels.adagrad(a.p, a.g, a.state('sum'), a.n, a.gradSign, o.weightDecay, lr, o.eps, a.shrink, flags);
  }
}

export interface RMSpropOptions extends FusedOptions {
  alpha: number;
  eps: number;
  momentum: number;
  /** Divide by the centred second moment v − (mean g)², an estimate of the variance. */
  centered: boolean;
  epsInsideSqrt: boolean;
}

export class RMSprop extends FusedOptimizer<RMSpropOptions> {
  protected readonly stateKeys = { squareAvg: { min: 0 }, gradAvg: {}, momentumBuffer: {} };

  constructor(params: Params<RMSpropOptions>, options: Options<RMSpropOptions> = {}) {
    const defaults = { lr: 1e-2, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false, epsInsideSqrt: false, ...fusedDefaults };
    super('RMSprop', params, defaults, options);
  }

  protected validate(o: RMSpropOptions, op: string, atStep: boolean): void {
    super.validate(o, op, atStep);
    checkNumber(op, 'alpha', o.alpha, { min: 0, max: 1 });
    checkEps(op, o.eps);
    checkNumber(op, 'momentum', o.momentum, { min: 0 });
    checkBoolean(op, 'centered', o.centered);
    checkBoolean(op, 'epsInsideSqrt', o.epsInsideSqrt);
  }

  protected stateInit(o: RMSpropOptions): Record<string, number> {
    return { squareAvg: 0, ...(o.centered ? { gradAvg: 0 } : {}), ...(o.momentum > 0 ? { momentumBuffer: 0 } : {}) };
  }

  protected update(o: RMSpropOptions, _run: Run, a: RunArgs, store: GroupStore): void {
    const flags =
      (o.epsInsideSqrt ? OptimFlag.EpsInsideSqrt : 0) | (o.centered ? OptimFlag.Centered : 0) | (o.momentum > 0 ? OptimFlag.Momentum : 0);
    store.backend.kernels.rmsprop(
      a.p, a.g, a.state('squareAvg'), a.state('gradAvg'), a.state('momentumBuffer'), a.n,
      a.gradSign, o.weightDecay, o.lr, o.alpha, 1 - o.alpha, o.eps, o.momentum, a.shrink, flags,
    );
  }
}

export interface AdadeltaOptions extends FusedOptions {
  rho: number;
  eps: number;
}

export class Adadelta extends FusedOptimizer<AdadeltaOptions> {
  protected readonly stateKeys = { squareAvg: { min: 0 }, accDelta: { min: 0 } };

  constructor(params: Params<AdadeltaOptions>, options: Options<AdadeltaOptions> = {}) {
    super('Adadelta', params, { lr: 1, rho: 0.9, eps: 1e-6, ...fusedDefaults }, options);
  }

  protected validate(o: AdadeltaOptions, op: string, atStep: boolean): void {
    super.validate(o, op, atStep);
    checkNumber(op, 'rho', o.rho, { min: 0, max: 1 });
    checkEps(op, o.eps);
  }

  protected stateInit(): Record<string, number> {
    return { squareAvg: 0, accDelta: 0 };
  }

  protected update(o: AdadeltaOptions, _run: Run, a: RunArgs, store: GroupStore): void {
    const k = store.backend.kernels;
    k.adadelta(a.p, a.g, a.state('squareAvg'), a.state('accDelta'), a.n, a.gradSign, o.weightDecay, o.lr, o.rho, 1 - o.rho, o.eps, a.shrink);
  }
}
