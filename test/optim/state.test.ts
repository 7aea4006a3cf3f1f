// stateDict() / loadStateDict(): a run saved after 5 steps (header through
// JSON, buffers copied), loaded into fresh parameters, optimizer and
// scheduler, continues bit for bit as the uninterrupted 10-step run; a state
// that does not fit throws and changes nothing.
import { describe, expect, it } from 'vitest';
import { CheckpointError, type Backend, type Tensor } from '../../src/index.js';
import {
  Adadelta, Adagrad, Adam, AdamW, CosineAnnealingLR, LBFGS, LinearWarmup, NAdam, RMSprop, SGD, StepLR,
  type LRScheduler, type Optimizer, type OptimizerStateDict,
} from '../../src/optim/index.js';
import { js32, js64, wasmBackends } from '../helpers/backends.js';
import { closureFor, flat, makeParams, rosenbrock5, stepOn } from './problems.js';

type Make = (params: Tensor[]) => { opt: Optimizer<any>; sched?: LRScheduler };

const setups: [string, Make][] = [
  ['SGD nesterov, StepLR', (p) => { const opt = new SGD(p, { lr: 0.004, momentum: 0.9, nesterov: true }); return { opt, sched: new StepLR(opt, { stepSize: 3, gamma: 0.5 }) }; }],
  ['SGD velocity, two groups', (p) => ({ opt: new SGD([{ params: [p[0]] }, { params: [p[1]], lr: 0.001 }], { lr: 0.004, momentum: 0.9, velocity: true }) })],
  ['Adagrad', (p) => ({ opt: new Adagrad(p, { lr: 0.1, initialAccumulatorValue: 0.1, lrDecay: 0.01 }) })],
  ['RMSprop centered, momentum', (p) => ({ opt: new RMSprop(p, { centered: true, momentum: 0.8 }) })],
  ['Adadelta', (p) => ({ opt: new Adadelta(p) })],
  ['Adam amsgrad, warm-up then cosine', (p) => {
    const opt = new Adam(p, { lr: 0.05, amsgrad: true });
    return { opt, sched: new LinearWarmup(opt, { warmupSteps: 3, after: new CosineAnnealingLR(opt, { tMax: 10 }) }) };
  }],
  ['AdamW', (p) => ({ opt: new AdamW(p, { lr: 0.05 }) })],
  ['NAdam', (p) => ({ opt: new NAdam(p, { lr: 0.05 }) })],
  ['LBFGS strong Wolfe', (p) => ({ opt: new LBFGS(p, { lineSearch: 'strongWolfe', maxIter: 2, historySize: 3 }) })],
];

function step(params: Tensor[], opt: Optimizer<any>, sched?: LRScheduler): void {
  if (opt instanceof LBFGS) opt.step(closureFor(rosenbrock5, params, opt));
  else stepOn(rosenbrock5, params, opt);
  sched?.step();
}

/** What would be written to disk and read back: the header through JSON, the buffers copied. */
function roundTrip(state: OptimizerStateDict): OptimizerStateDict {
  return { header: JSON.parse(JSON.stringify(state.header)), buffers: state.buffers.map((b) => b.slice()) };
}

const bits = (params: Tensor[]) => params.flatMap((p) => Array.from(new Uint32Array(p.data().buffer)));

describe.each([js64, js32, ...wasmBackends].map((b) => [b.label, b] as const))('save, load and continue on %s', (_label, backend: Backend) => {
  it.each(setups)('%s is bit-identical to the uninterrupted run', (_name, make) => {
    const straight = makeParams(rosenbrock5.start, [2, 3], backend);
    const a = make(straight);
    for (let t = 0; t < 10; t++) step(straight, a.opt, a.sched);

    const first = makeParams(rosenbrock5.start, [2, 3], backend);
    const b = make(first);
    for (let t = 0; t < 5; t++) step(first, b.opt, b.sched);
    const saved = { opt: roundTrip(b.opt.stateDict()), sched: JSON.parse(JSON.stringify(b.sched?.stateDict() ?? null)), values: flat(first) };
    b.opt.dispose();

    const resumed = makeParams(saved.values, [2, 3], backend);
    const c = make(resumed);
    c.opt.loadStateDict(saved.opt);
    if (saved.sched) c.sched!.loadStateDict(saved.sched);
    for (let t = 0; t < 5; t++) step(resumed, c.opt, c.sched);

    expect(bits(resumed)).toEqual(bits(straight));
    expect(flat(resumed)).not.toEqual(saved.values);
  });
});

describe('loading a state that does not fit', () => {
  const trained = () => {
    const params = makeParams(rosenbrock5.start, [2, 3], js64);
    const opt = new Adam(params, { lr: 0.05 });
    for (let t = 0; t < 3; t++) stepOn(rosenbrock5, params, opt);
    return { params, opt };
  };

  /** Loading `bad` throws `error` and leaves the optimizer's state and parameters as they were. */
  function refuses(bad: (good: OptimizerStateDict) => unknown, error: new (...args: any[]) => Error, message: RegExp): void {
    const { params, opt } = trained();
    const before = opt.stateDict();
    const values = flat(params);
    const fresh = makeParams(rosenbrock5.start, [2, 3], js64);
    const target = new Adam(fresh, { lr: 0.05 });
    stepOn(rosenbrock5, fresh, target);
    const targetBefore = target.stateDict();
    expect(() => target.loadStateDict(bad(roundTrip(before)) as OptimizerStateDict)).toThrow(error);
    expect(() => target.loadStateDict(bad(roundTrip(before)) as OptimizerStateDict)).toThrow(message);
    expect(target.stateDict()).toEqual(targetBefore);
    expect(flat(params)).toEqual(values);
  }

  it('another optimizer type', () => {
    const params = makeParams(rosenbrock5.start, [2, 3], js64);
    const sgd = new SGD(params, { momentum: 0.9 });
    stepOn(rosenbrock5, params, sgd);
    refuses(() => roundTrip(sgd.stateDict()), CheckpointError, /the state is of a SGD optimizer, not Adam/);
    const other = makeParams(rosenbrock5.start, [2, 3], js64);
    expect(() => new AdamW(other).loadStateDict(trained().opt.stateDict())).toThrow(/of a Adam optimizer, not AdamW/);
  });
  it('another parameter count', () =>
    refuses((s) => ({ ...s, header: { ...s.header, groups: [{ ...s.header.groups[0], shapes: [[2]] }] } }), CheckpointError, /group 0 has 1 parameters in the state but 2 here/));
  it('another shape', () =>
    refuses((s) => ({ ...s, header: { ...s.header, groups: [{ ...s.header.groups[0], shapes: [[2], [1, 3]] }] } }), CheckpointError, /parameter 'param 1' \(group 0, shape \[3\]\) has shape \[1, 3\] in the state/));
  it('another group count', () =>
    refuses((s) => ({ ...s, header: { ...s.header, groups: [] } }), CheckpointError, /the state has 0 parameter groups, this optimizer 1/));
  it('a buffer of the wrong length', () =>
    refuses((s) => ({ ...s, buffers: [s.buffers[0], s.buffers[1].slice(1)] }), CheckpointError, /state 'expAvgSq' of group 0 must be a Float32Array or Float64Array of 5 values/));
  it('a state block the optimizer does not keep', () =>
    refuses((s) => ({ ...s, header: { ...s.header, groups: [{ ...s.header.groups[0], buffers: { momentumBuffer: 0 } }] } }), CheckpointError, /unknown state 'momentumBuffer'; Adam keeps expAvg, expAvgSq, maxExpAvgSq/));
  it('step counts of the wrong length', () =>
    refuses((s) => ({ ...s, header: { ...s.header, groups: [{ ...s.header.groups[0], scalars: { step: [3] } }] } }), CheckpointError, /group 0 needs 'step' as 2 numbers/));
  it('invalid options (read from a state, so a CheckpointError)', () =>
    refuses((s) => ({ ...s, header: { ...s.header, groups: [{ ...s.header.groups[0], options: { ...s.header.groups[0].options, betas: [0.9, 1] } }] } }), CheckpointError, /Adam.loadStateDict: betas must be two numbers in \[0, 1\), got \[0.9,1\]/));
  it('not a state dict at all', () => refuses(() => ({ weights: [] }), CheckpointError, /expected \{ header, buffers \}/));

  it('a scheduler of another type', () => {
    const { opt } = trained();
    const sched = new StepLR(opt, { stepSize: 2 });
    sched.step();
    const lrs = sched.getLastLr();
    expect(() => sched.loadStateDict({ type: 'ExponentialLR', lastEpoch: 4, baseLrs: [1] })).toThrow(/the state is of a ExponentialLR scheduler, not StepLR/);
    expect(() => sched.loadStateDict({ type: 'StepLR', lastEpoch: 4, baseLrs: [1, 2] })).toThrow(/the state has 2 base lrs, the optimizer 1 groups/);
    expect(sched.getLastLr()).toEqual(lrs);
    expect(sched.lastEpoch).toBe(1);
  });
});
