// Learning-rate schedules in closed form: a group's lr at step t depends on
// its base lr and t alone, so a schedule resumes exactly from (t, base lrs).
// Call step() once per epoch or once per iteration: t counts the calls, and
// stepSize, milestones, tMax and warmupSteps are in that same unit.
import { ArgumentError, CheckpointError } from '../errors.js';
import { Optimizer } from './optimizer.js';
import { checkInteger, checkNumber, checkingState, show, withDefaults } from '../check.js';

export interface SchedulerStateDict {
  type: string;
  lastEpoch: number;
  baseLrs: number[];
}

type AnyOptimizer = Optimizer<{ lr: number }>;

export abstract class LRScheduler {
  /** Calls of step() so far: the t of the formulas. */
  lastEpoch = 0;
  /** Each group's lr before scheduling (kept on the group as initialLr, shared by later schedulers). */
  readonly baseLrs: number[];

  /** Changes nothing: each constructor checks its options, then calls start(). */
  constructor(
    readonly type: string,
    readonly optimizer: AnyOptimizer,
  ) {
    if (!(optimizer instanceof Optimizer)) throw new ArgumentError(type, `needs an optimizer, got ${show(optimizer)}`);
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr ?? g.lr);
  }

  /** Takes over the optimizer once the options are checked: records each group's initialLr and sets the lr for t = 0. */
  protected start(): void {
    this.optimizer.paramGroups.forEach((g, i) => (g.initialLr ??= this.baseLrs[i]));
    this.apply();
  }

  /** The lr at step t of a group whose base lr is `base`. */
  lrAt(base: number, t: number): number {
    const op = `${this.type}.lrAt`;
    checkNumber(op, 'base', base, { min: 0 });
    checkInteger(op, 't', t, 0);
    return this.schedule(base, t);
  }

  /** lrAt's formula, for checked arguments. */
  protected abstract schedule(base: number, t: number): number;

  /** Sets every group's lr for the current t. */
  protected apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = this.schedule(this.baseLrs[i], this.lastEpoch)));
  }

  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  getLastLr(): number[] {
    return this.baseLrs.map((b) => this.schedule(b, this.lastEpoch));
  }

  stateDict(): SchedulerStateDict {
    return { type: this.type, lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  /** Restores t and the base lrs, and sets the groups' lr; a mismatch throws a CheckpointError and changes nothing. */
  loadStateDict(state: SchedulerStateDict): void {
    const op = `${this.type}.loadStateDict`;
    if (state?.type !== this.type) throw new CheckpointError(op, `the state is of a ${String(state?.type)} scheduler, not ${this.type}`);
    const n = this.baseLrs.length;
    if (!Array.isArray(state.baseLrs) || state.baseLrs.length !== n) {
      throw new CheckpointError(op, `the state has ${Array.isArray(state.baseLrs) ? state.baseLrs.length : 'no'} base lrs, the optimizer ${n} groups`);
    }
    checkingState(() => {
      checkInteger(op, 'lastEpoch', state.lastEpoch, 0);
      state.baseLrs.forEach((b, i) => checkNumber(op, `baseLrs[${i}]`, b, { min: 0 }));
    });
    this.lastEpoch = state.lastEpoch;
    this.baseLrs.splice(0, n, ...state.baseLrs);
    this.apply();
  }
}

/** lr = base·γ^⌊t / stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, options: { stepSize: number; gamma?: number }) {
    super('StepLR', optimizer);
    ({ stepSize: this.stepSize, gamma: this.gamma } = withDefaults('StepLR', { stepSize: NaN, gamma: 0.1 }, options));
    checkInteger('StepLR', 'stepSize', this.stepSize, 1);
    checkNumber('StepLR', 'gamma', this.gamma, { above: 0 });
    this.start();
  }
  protected schedule(base: number, t: number): number {
    return base * this.gamma ** Math.floor(t / this.stepSize);
  }
}

/** lr = base·γ^(number of milestones ≤ t). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: readonly number[];
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, options: { milestones: readonly number[]; gamma?: number }) {
    super('MultiStepLR', optimizer);
    const o = withDefaults('MultiStepLR', { milestones: [] as readonly number[], gamma: 0.1 }, options);
    const ok = Array.isArray(o.milestones) && o.milestones.every((m, i) => Number.isInteger(m) && m >= 1 && (i === 0 || m > o.milestones[i - 1]));
    if (!ok) throw new ArgumentError('MultiStepLR', `milestones must be increasing integers >= 1, got ${show(o.milestones)}`);
    checkNumber('MultiStepLR', 'gamma', o.gamma, { above: 0 });
    this.milestones = [...o.milestones];
    this.gamma = o.gamma;
    this.start();
  }
  protected schedule(base: number, t: number): number {
    return base * this.gamma ** this.milestones.filter((m) => m <= t).length;
  }
}

/** lr = base·γ^t. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, options: { gamma: number }) {
    super('ExponentialLR', optimizer);
    this.gamma = withDefaults('ExponentialLR', { gamma: NaN }, options).gamma;
    checkNumber('ExponentialLR', 'gamma', this.gamma, { above: 0 });
    this.start();
  }
  protected schedule(base: number, t: number): number {
    return base * this.gamma ** t;
  }
}

/** lr = η_min + ½(base − η_min)(1 + cos(πt / tMax)): the lectures' α_t = ½α₀(1 + cos(tπ/T)) for η_min = 0. */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: AnyOptimizer, options: { tMax: number; etaMin?: number }) {
    super('CosineAnnealingLR', optimizer);
    ({ tMax: this.tMax, etaMin: this.etaMin } = withDefaults('CosineAnnealingLR', { tMax: NaN, etaMin: 0 }, options));
    checkInteger('CosineAnnealingLR', 'tMax', this.tMax, 1);
    checkNumber('CosineAnnealingLR', 'etaMin', this.etaMin, { min: 0 });
    this.start();
  }
  protected schedule(base: number, t: number): number {
    return this.etaMin + 0.5 * (base - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax));
  }
}

/**
 * Linear warm-up from startFactor·base (default 0) to base over warmupSteps,
 * then `after` (another schedule on the same optimizer, counted from the end
 * of the warm-up) or the base lr. Step only the warm-up, not `after`.
 */
export class LinearWarmup extends LRScheduler {
  readonly warmupSteps: number;
  readonly startFactor: number;
  readonly after: LRScheduler | null;
  constructor(optimizer: AnyOptimizer, options: { warmupSteps: number; startFactor?: number; after?: LRScheduler }) {
    super('LinearWarmup', optimizer);
    const o = withDefaults('LinearWarmup', { warmupSteps: NaN, startFactor: 0, after: null as LRScheduler | null }, options);
    checkInteger('LinearWarmup', 'warmupSteps', o.warmupSteps, 1);
    checkNumber('LinearWarmup', 'startFactor', o.startFactor, { min: 0, max: 1 });
    if (o.after !== null && !(o.after instanceof LRScheduler && o.after.optimizer === optimizer)) {
      throw new ArgumentError('LinearWarmup', 'after must be a scheduler of the same optimizer');
    }
    this.warmupSteps = o.warmupSteps;
    this.startFactor = o.startFactor;
    this.after = o.after;
    this.start();
  }
  protected schedule(base: number, t: number): number {
    if (t < this.warmupSteps) return base * (this.startFactor + ((1 - this.startFactor) * t) / this.warmupSteps);
    return this.after ? this.after.lrAt(base, t - this.warmupSteps) : base;
  }
  protected apply(): void {
    super.apply();
    if (this.after) this.after.lastEpoch = Math.max(0, this.lastEpoch - this.warmupSteps);
  }
}
