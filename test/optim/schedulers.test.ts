// Learning-rate schedules against their formulas, per group; and the two
// momentum forms, which agree under a constant lr and part once it changes.
import { describe, expect, it } from 'vitest';
import { CosineAnnealingLR, ExponentialLR, LinearWarmup, MultiStepLR, SGD, StepLR, type LRScheduler } from '../../src/optim/index.js';
import { js64 } from '../helpers/backends.js';
import { flat, makeParams, quadratic, relError, stepOn } from './problems.js';

const optimizer = () => new SGD([{ params: makeParams([1], [1], js64) }, { params: makeParams([2], [1], js64), lr: 0.5 }], { lr: 0.1 });

/** The lr of both groups after each of `steps` calls of step(), starting with the value at construction. */
function lrs(sched: LRScheduler, steps: number): number[][] {
  const out = [sched.optimizer.paramGroups.map((g) => g.lr)];
  for (let t = 0; t < steps; t++) {
    sched.step();
    out.push(sched.optimizer.paramGroups.map((g) => g.lr));
    expect(sched.getLastLr()).toEqual(out[out.length - 1]);
  }
  return out;
}

const expectClose = (got: number[][], want: (base: number, t: number) => number) =>
  got.forEach((row, t) => row.forEach((lr, g) => expect(lr).toBeCloseTo(want([0.1, 0.5][g], t), 14)));

describe('schedules', () => {
  it('StepLR: base·γ^⌊t/stepSize⌋', () => {
    expectClose(lrs(new StepLR(optimizer(), { stepSize: 3, gamma: 0.5 }), 10), (b, t) => b * [1, 0.5, 0.25, 0.125][Math.floor(t / 3)]);
  });
  it('MultiStepLR: γ once per milestone passed', () => {
    expectClose(lrs(new MultiStepLR(optimizer(), { milestones: [2, 5], gamma: 0.1 }), 7), (b, t) => (t < 2 ? b : t < 5 ? b / 10 : b / 100));
  });
  it('ExponentialLR: base·γ^t', () => {
    expectClose(lrs(new ExponentialLR(optimizer(), { gamma: 0.9 }), 6), (b, t) => b * 0.9 ** t);
  });
  it("CosineAnnealingLR: the lectures' α_t = ½α₀(1 + cos(tπ/T)), and with a floor η_min", () => {
    const got = lrs(new CosineAnnealingLR(optimizer(), { tMax: 8 }), 8);
    expect(got[0]).toEqual([0.1, 0.5]);
    expect(got[4][0]).toBeCloseTo(0.05, 15);
    expect(got[8][0]).toBeCloseTo(0, 15);
    expectClose(got, (b, t) => 0.5 * b * (1 + Math.cos((t * Math.PI) / 8)));
    expectClose(lrs(new CosineAnnealingLR(optimizer(), { tMax: 4, etaMin: 0.01 }), 4), (b, t) => 0.01 + 0.5 * (b - 0.01) * (1 + Math.cos((t * Math.PI) / 4)));
  });
  it('LinearWarmup: from startFactor·base up to base, then the wrapped schedule', () => {
    const opt = optimizer();
    const sched = new LinearWarmup(opt, { warmupSteps: 4, startFactor: 0.2, after: new StepLR(opt, { stepSize: 2, gamma: 0.5 }) });
    expectClose(lrs(sched, 9), (b, t) => (t < 4 ? b * (0.2 + (0.8 * t) / 4) : b * 0.5 ** Math.floor((t - 4) / 2)));
    expectClose(lrs(new LinearWarmup(optimizer(), { warmupSteps: 2 }), 3), (b, t) => b * Math.min(t / 2, 1));
  });
  it('a later schedule starts from the same base lr (initialLr)', () => {
    const opt = optimizer();
    new ExponentialLR(opt, { gamma: 0.5 }).step();
    expect(opt.paramGroups[0].lr).toBe(0.05);
    const sched = new StepLR(opt, { stepSize: 1, gamma: 0.1 });
    expect(sched.baseLrs).toEqual([0.1, 0.5]);
  });
  it('resumes from its state dict', () => {
    const a = new CosineAnnealingLR(optimizer(), { tMax: 10 });
    for (let t = 0; t < 4; t++) a.step();
    const b = new CosineAnnealingLR(optimizer(), { tMax: 10 });
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    a.step();
    b.step();
    expect(b.optimizer.paramGroups.map((g) => g.lr)).toEqual(a.optimizer.paramGroups.map((g) => g.lr));
  });
});

describe("momentum: PyTorch's buffer form and the lectures' velocity form", () => {
  /** Ten steps of SGD with momentum 0.9 (lr 0.05), with StepLR(stepSize 3, γ) applied. */
  function path(velocity: boolean, gamma: number, nesterov = false): number[] {
    const params = makeParams(quadratic.start, [2, 3], js64);
    const opt = new SGD(params, { lr: 0.05, momentum: 0.9, velocity, nesterov });
    const sched = new StepLR(opt, { stepSize: 3, gamma });
    for (let t = 0; t < 10; t++) {
      stepOn(quadratic, params, opt);
      sched.step();
    }
    return flat(params);
  }

  /** The two rules, in float64: p ← p − η_t·b with b ← μb + g, or v ← μv − η_t·g, p ← p + v. */
  function reference(velocity: boolean, gamma: number): number[] {
    let w = [...quadratic.start];
    let m = w.map(() => 0);
    for (let t = 0; t < 10; t++) {
      const lr = 0.05 * gamma ** Math.floor(t / 3);
      const g = quadratic.grad(w);
      m = m.map((mi, i) => (velocity ? 0.9 * mi - lr * g[i] : 0.9 * mi + g[i]));
      w = w.map((wi, i) => (velocity ? wi + m[i] : wi - lr * m[i]));
    }
    return w;
  }

  it('agree under a constant lr (also with Nesterov)', () => {
    expect(relError(path(true, 1), path(false, 1))).toBeLessThan(1e-13);
    expect(relError(path(true, 1, true), path(false, 1, true))).toBeLessThan(1e-13);
  });

  it('differ once a schedule changes lr, each following its own rule', () => {
    const [torch, lecture] = [path(false, 0.3), path(true, 0.3)];
    expect(relError(lecture, torch)).toBeGreaterThan(1e-3);
    expect(relError(torch, reference(false, 0.3))).toBeLessThan(1e-13);
    expect(relError(lecture, reference(true, 0.3))).toBeLessThan(1e-13);
  });
});
