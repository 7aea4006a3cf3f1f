// Optimizers whose update is elementwise: one fused kernel call per group
// (per run of parameters sharing a step count), after a check of every
// gradient the step will read.
import { Optimizer, evaluate, type Closure } from './optimizer.js';
import type { GroupStore, Run } from './store.js';
import { checkLr } from './validate.js';
import { checkBoolean, checkNumber } from '../check.js';

export interface FusedOptions {
  lr: number;
  /** Coupled L2 decay: λ·p added to the gradient (an L2 penalty ½λ‖p‖² in the loss). */
  weightDecay: number;
  /** Ascend instead of descend. */
  maximize: boolean;
  /** L1 strength λ₁: after the update, the proximal (soft-threshold) step of lr·λ₁‖p‖₁. */
  l1: number;
}

export const fusedDefaults = { weightDecay: 0, maximize: false, l1: 0 };

/** The leading arguments every update kernel takes for a run. */
export interface RunArgs {
  p: number;
  g: number;
  n: number;
  gradSign: number;
  /** Address of a state block at this run (0 for a block the options do not use). */
  state: (name: string) => number;
  shrink: number;
}

export abstract class FusedOptimizer<O extends FusedOptions> extends Optimizer<O> {
  /** The state blocks these options need, with their initial values. */
  protected abstract stateInit(o: O): Record<string, number>;

  /** Calls the update kernel for one run; run.scalars.step is the step being taken (1 on the first) and may be joined by others it updates. */
  protected abstract update(o: O, run: Run, args: RunArgs, store: GroupStore): void;

  protected validate(o: O, op: string, atStep: boolean): void {
    checkLr(op, o.lr, atStep);
    checkNumber(op, 'weightDecay', o.weightDecay, { min: 0 });
    checkNumber(op, 'l1', o.l1, { min: 0 });
    checkBoolean(op, 'maximize', o.maximize);
  }

  /**
   * Updates every parameter that has a gradient (PyTorch skips the others).
   * With a closure, evaluates it first and returns its loss. Everything that
   * can fail (options, gradients, their finiteness, allocating state) comes
   * before the first update: a step that throws changes no parameter and no state.
   */
  step(closure?: Closure): number | undefined {
    const op = `${this.type}.step`;
    this.assertUsable(op);
    const loss = closure === undefined ? undefined : evaluate(closure, op);
    const present = this.paramGroups.map((group, gi) => {
      this.check(group, op, true);
      const s = this.stores[gi];
      s.checkParams(op, gi);
      return s.gradients(op, gi);
    });
    const plans = present.map((has, gi) => {
      this.stores[gi].collect();
      return this.stores[gi].runs(has);
    });
    if (!this.gradientsFinite(plans, op)) return loss;
    const needs = this.paramGroups.map((o) => this.stateInit(o));
    this.allocateState(needs);
    plans.forEach((runs, gi) => {
      const o = this.paramGroups[gi];
      const s = this.stores[gi];
      const needed = needs[gi];
      for (const run of runs) {
        run.scalars.step += 1;
        const args: RunArgs = {
          p: s.at(s.params, run.offset),
          g: s.at(s.grads, run.offset),
          n: run.n,
          gradSign: o.maximize ? -1 : 1,
          state: (name) => (name in needed ? s.at(s.state.get(name)!, run.offset) : 0),
          shrink: o.lr * o.l1,
        };
        this.update(o, run, args, s);
        s.commit(run);
      }
    });
    return loss;
  }
}
