// SGD with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD;
// plain (full-batch) gradient descent is SGD without momentum. The lectures'
// velocity form v ← μv − ηg, w ← w + v is an option (docs/optimizers.md).
import { ArgumentError } from '../errors.js';
import { OptimFlag } from '../backend/opcodes.js';
import { FusedOptimizer, fusedDefaults, type FusedOptions, type RunArgs } from './fused.js';
import type { GroupSpec, NamedParams, OptimizerOptions, ScalarSpec } from './optimizer.js';
import type { GroupStore, Run } from './store.js';
import { checkBoolean, checkNumber } from '../check.js';

export interface SGDOptions extends FusedOptions {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  /**
   * Keep the velocity v = −η·b instead of PyTorch's buffer b: w ← w + v (with
   * Nesterov, w ← w + μv − ηg, the parameters holding the look-ahead point).
   * Same iterates as PyTorch's form while lr is constant; not once it changes.
   */
  velocity: boolean;
}

const defaults: SGDOptions = { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, velocity: false, ...fusedDefaults };

export class SGD extends FusedOptimizer<SGDOptions> {
  protected readonly stateKeys = { momentumBuffer: {} };

  constructor(params: NamedParams | readonly GroupSpec<SGDOptions>[], options: Partial<SGDOptions> & OptimizerOptions = {}) {
    super('SGD', params, defaults, options);
  }

  protected validate(o: SGDOptions, op: string, atStep: boolean): void {
    super.validate(o, op, atStep);
    checkNumber(op, 'momentum', o.momentum, { min: 0 });
    checkNumber(op, 'dampening', o.dampening, { min: 0, max: 1 });
    checkBoolean(op, 'nesterov', o.nesterov);
    checkBoolean(op, 'velocity', o.velocity);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new ArgumentError(op, `nesterov needs momentum > 0 and dampening 0, got momentum ${o.momentum} and dampening ${o.dampening}`);
    }
  }

  /** Whether a parameter's momentum buffer has started: PyTorch starts it at the first step with momentum, b₁ = g. */
  protected scalarState(): Record<string, ScalarSpec> {
    return { buffered: { initial: 0, range: { min: 0, max: 1 }, integer: true } };
  }

  protected stateInit(o: SGDOptions): Record<string, number> {
    return o.momentum !== 0 ? { momentumBuffer: 0 } : {};
  }

  protected update(o: SGDOptions, run: Run, a: RunArgs, store: GroupStore): void {
    const k = store.backend.kernels;
    const { lr, momentum: mu, nesterov } = o;
    if (mu === 0) {
      k.sgd(a.p, a.g, 0, a.n, a.gradSign, o.weightDecay, 0, 0, -lr, 0, a.shrink, 0);
      return;
    }
    // b ← decay·b + scale·g̃ with b₁ = g̃; the velocity form keeps v = −lr·b.
    const [bufDecay, scale] = run.scalars.buffered ? [mu, 1 - o.dampening] : [0, 1];
    const bufGrad = o.velocity ? -lr * scale : scale;
    const stepBuf = o.velocity ? (nesterov ? mu : 1) : nesterov ? -lr * mu : -lr;
    k.sgd(a.p, a.g, a.state('momentumBuffer'), a.n, a.gradSign, o.weightDecay, bufDecay, bufGrad, nesterov ? -lr : 0, stepBuf, a.shrink, OptimFlag.Momentum);
    run.scalars.buffered = 1;
  }
}
