// Bad input: a typed error naming the option or parameter, the value and what
// was expected, at construction or at step, before anything changes.
import { describe, expect, it } from 'vitest';
import { add, NonFiniteGradientError, scope, sum, tensor, type Tensor } from '../../src/index.js';
import { ArgumentError, BackendError, ReleasedTensorError } from '../../src/errors.js';
import { Adagrad, Adam, CosineAnnealingLR, LinearWarmup, MultiStepLR, NAdam, RMSprop, SGD, StepLR } from '../../src/optim/index.js';
import { js32, js64, wasmBackends } from '../helpers/backends.js';
import { flat, makeParams } from './problems.js';

const p = () => makeParams([1, 2, 3], [3], js64);

describe('bad options throw at construction', () => {
  it.each([
    ['lr 0', () => new SGD(p(), { lr: 0 }), /SGD: lr must be a finite number > 0, got 0/],
    ['lr < 0', () => new Adam(p(), { lr: -1e-3 }), /Adam: lr must be a finite number > 0, got -0.001/],
    ['lr NaN', () => new Adam(p(), { lr: NaN }), /lr must be a finite number > 0, got null/],
    ['lr Infinity', () => new RMSprop(p(), { lr: Infinity }), /lr must be a finite number > 0/],
    ['lr a string', () => new SGD(p(), { lr: '0.1' as never }), /lr must be a finite number > 0, got '0.1'/],
    ['beta1 = 1', () => new Adam(p(), { betas: [1, 0.999] }), /betas must be two numbers in \[0, 1\), got \[1,0.999\]/],
    ['beta2 < 0', () => new NAdam(p(), { betas: [0.9, -0.1] }), /betas must be two numbers in \[0, 1\)/],
    ['one beta', () => new Adam(p(), { betas: [0.9] as never }), /betas must be two numbers/],
    ['momentum < 0', () => new SGD(p(), { momentum: -0.5 }), /SGD: momentum must be a finite number >= 0, got -0.5/],
    ['RMSprop momentum < 0', () => new RMSprop(p(), { momentum: -1 }), /momentum must be a finite number >= 0/],
    ['nesterov without momentum', () => new SGD(p(), { nesterov: true }), /nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0/],
    ['nesterov with dampening', () => new SGD(p(), { nesterov: true, momentum: 0.9, dampening: 0.1 }), /nesterov needs momentum > 0 and dampening 0, got momentum 0.9 and dampening 0.1/],
    ['negative weight decay', () => new Adam(p(), { weightDecay: -0.1 }), /weightDecay must be a finite number >= 0/],
    ['negative eps', () => new Adagrad(p(), { eps: -1 }), /Adagrad: eps must be a number > 0 that float32 holds \(>= 2\^-149\), got -1/],
    ['negative l1', () => new SGD(p(), { l1: -1 }), /l1 must be a finite number >= 0/],
    ['unknown option', () => new SGD(p(), { momentun: 0.9 } as never), /unknown option 'momentun'; valid options are lr, momentum/],
    ['bad nonFinite', () => new SGD(p(), { nonFinite: 'ignore' as never }), /nonFinite must be one of 'throw', 'skip', got 'ignore'/],
    ['an empty parameter list', () => new SGD([]), /SGD: got an empty parameter list/],
    ['an empty group', () => new SGD([{ params: [] }]), /got an empty parameter list/],
    ['a bad option in one group', () => new Adam([{ params: p() }, { params: p(), lr: -1 }]), /Adam: lr must be a finite number > 0, got -1/],
    ['not a tensor', () => new SGD([1, 2] as never), /parameter 0 must be a Tensor or a \[name, Tensor\] pair, got 1/],
    ['params not iterable', () => new SGD(42 as never), /params must be an array/],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(ArgumentError);
    expect(make).toThrow(message);
  });

  it('refuses non-leaf, integer, duplicated and cross-backend parameters', () => {
    const [w] = p();
    expect(() => new SGD([w.mul(2)])).toThrow(/parameter 'param 0' was computed by '\w+'; only leaf tensors can be optimized/);
    expect(() => new SGD([tensor(new Int32Array([1, 2]), undefined, { backend: js64 })])).toThrow(BackendError);
    expect(() => new SGD([w, w])).toThrow(/parameter 'param 1' appears twice/);
    const opt = new SGD([w]);
    expect(() => opt.addParamGroup({ params: [w] })).toThrow(/appears twice/);
    const [v] = makeParams([1], [1], js32);
    expect(() => new SGD([w, v])).toThrow(/parameters of a group must share a backend: 'param 1' is on js-float32, 'param 0' on js-float64/);
  });

  it('refuses bad scheduler options', () => {
    const opt = new SGD(p(), { lr: 0.1 });
    expect(() => new StepLR(opt, { stepSize: 0 })).toThrow(/StepLR: stepSize must be an integer >= 1, got 0/);
    expect(() => new StepLR(opt, { stepSize: 2, gamma: 0 })).toThrow(/gamma must be a finite number > 0, got 0/);
    expect(() => new MultiStepLR(opt, { milestones: [5, 3] })).toThrow(/milestones must be increasing integers >= 1, got \[5,3\]/);
    expect(() => new CosineAnnealingLR(opt, { tMax: 10, etaMin: -1 })).toThrow(/etaMin must be a finite number >= 0/);
    const other = new SGD(p(), { lr: 0.1 });
    expect(() => new LinearWarmup(opt, { warmupSteps: 5, after: new StepLR(other, { stepSize: 2 }) })).toThrow(/after must be a scheduler of the same optimizer/);
    expect(opt.paramGroups[0].lr).toBe(0.1);
  });
});

describe('at step', () => {
  /** Two named parameters after one step; poisoned() steps with `poison` as the second one's gradient (d/db of b·poison). */
  function setup(poison: number, nonFinite: 'throw' | 'skip' = 'throw') {
    const [w, b] = makeParams([1, 2, 3, 4], [3, 1], js64);
    const opt = new Adam([['fc.weight', w], ['fc.bias', b]], { lr: 0.1, nonFinite });
    const stepWith = (value: number) => {
      opt.zeroGrad();
      scope(() => sum(add(w.square(), b.mul(value))).backward());
      opt.step();
    };
    stepWith(1);
    return { w, b, opt, poisoned: () => stepWith(poison) };
  }

  it.each([NaN, Infinity, -Infinity])('a gradient of %s throws naming the parameter and leaves parameters and state untouched', (value) => {
    const { w, b, opt, poisoned } = setup(value);
    const before = { state: opt.stateDict(), values: flat([w, b]) };
    let error: unknown;
    try {
      poisoned();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteGradientError);
    expect((error as Error).message).toMatch(new RegExp(`Adam.step: the gradient of parameter 'fc.bias' \\(group 0, shape \\[1\\]\\) is ${value} at element 0; parameters and optimizer state were left unchanged`));
    expect(error).toMatchObject({ parameter: 'fc.bias', index: 0 });
    expect(flat([w, b])).toEqual(before.values);
    expect(opt.stateDict()).toEqual(before.state);
  });

  it("with nonFinite: 'skip' skips the step, changing nothing, and counts it", () => {
    const { w, b, opt, poisoned } = setup(NaN, 'skip');
    const before = { state: opt.stateDict(), values: flat([w, b]) };
    poisoned();
    expect(flat([w, b])).toEqual(before.values);
    expect(opt.stateDict()).toEqual(before.state);
    expect(opt.skippedSteps).toBe(1);
  });

  it('names the element of a larger parameter', () => {
    const [w] = makeParams(new Array(37).fill(1), [37], js32);
    const opt = new SGD([w], { lr: 0.1 });
    w.grad = tensor(Array.from({ length: 37 }, (_, i) => (i === 33 ? Infinity : 1)), undefined, { backend: js32 });
    expect(() => opt.step()).toThrow(/gradient of parameter 'param 0' \(group 0, shape \[37\]\) is Infinity at element 33/);
  });

  it('an lr made invalid between steps throws before anything changes', () => {
    const { w, b, opt } = setup(0);
    const values = flat([w, b]);
    opt.paramGroups[0].lr = -1;
    expect(() => opt.step()).toThrow(/Adam.step: lr must be a finite number >= 0, got -1/);
    expect(flat([w, b])).toEqual(values);
  });

  it('a disposed parameter, or a disposed optimizer, throws', () => {
    const { w, opt } = setup(0);
    w.dispose();
    expect(() => opt.step()).toThrow(ReleasedTensorError);
    opt.dispose();
    expect(() => opt.step()).toThrow(/Adam.step: the optimizer was disposed/);
  });

  it.each([js64, js32, ...wasmBackends].map((b) => [b.label, b] as const))('centered RMSprop: a variance estimate v − a² below 0 counts as 0, not √(negative) = NaN (%s)', (_l, backend) => {
    // A constant gradient: v − a² → 0, and rounding takes it below 0 within a few hundred steps.
    const [w] = makeParams([0.5, -1, 2], [3], backend);
    const opt = new RMSprop([w], { centered: true, alpha: 0.5, lr: 1e-3 });
    for (let step = 0; step < 300; step++) {
      w.grad = tensor([0.3, 0.7, 1.1], undefined, { backend });
      opt.step();
    }
    expect(Array.from(w.data()).every(Number.isFinite)).toBe(true);
    // Loaded moments with a² > v (squareAvg 1, gradAvg 1.5) and a zero gradient: v = 0.5, a = 0.75, v − a² < 0 → a zero step.
    const state = opt.stateDict();
    const at = (name: string) => state.buffers[state.header.groups[0].buffers[name]];
    at('squareAvg').fill(1);
    at('gradAvg').fill(1.5);
    opt.loadStateDict(state);
    const before = Array.from(w.data());
    w.grad = tensor([0, 0, 0], undefined, { backend });
    opt.step();
    expect(Array.from(w.data())).toEqual(before);
  });

  it('a user-assigned gradient of the wrong shape throws', () => {
    const [w] = makeParams([1, 2], [2], js64);
    const opt = new SGD([w]);
    w.grad = tensor([1, 2, 3], undefined, { backend: js64 }) as Tensor;
    expect(() => opt.step()).toThrow(/SGD.step: gradient of parameter 'param 0' \(group 0, shape \[2\]\) has shape \[3\]/);
  });
});
