// Fault injection into every mutating entry of the optimizers and schedulers:
// a refused constructor, a step whose closure or gradients fail, a step or
// a state load that runs out of memory, a state with bad values. Each leaves
// parameters, gradients, optimizer state and memory exactly as before.
import { describe, expect, it } from 'vitest';
import {
  CheckpointError, NonFiniteGradientError, OutOfMemoryError, ShapeError, createBackend, scope, sum, tensor,
  type Backend, type Tensor,
} from '../../src/index.js';
import {
  Adadelta, Adagrad, Adam, AdamW, CosineAnnealingLR, ExponentialLR, LBFGS, LinearWarmup, MultiStepLR, NAdam, RMSprop, SGD, StepLR,
  type Optimizer, type OptimizerStateDict,
} from '../../src/optim/index.js';
import { js64, wasmBackends } from '../helpers/backends.js';
import { snapshot } from '../helpers/state.js';
import { closureFor, makeParams, rosenbrock5 } from './problems.js';

const backends = [js64, ...wasmBackends].map((b) => [b.label, b] as const);

/** Runs fn, which must throw an error of class E; returns it. */
function throws<E extends Error>(fn: () => unknown, E: abstract new (...a: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(E);
    return e as E;
  }
  throw new Error('expected a throw');
}

/** The five parameters of rosenbrock5 in two tensors, after two steps of opt (so it has state). */
function trained(backend: Backend, make: (p: Tensor[]) => Optimizer<any>) {
  const params = makeParams(rosenbrock5.start, [2, 3], backend);
  const opt = make(params);
  for (let i = 0; i < 2; i++) opt.step(closureFor(rosenbrock5, params, opt));
  scope(() => closureFor(rosenbrock5, params, opt)());
  return { params, opt };
}

const fused: [string, (p: Tensor[]) => Optimizer<any>][] = [
  ['SGD momentum', (p) => new SGD(p, { lr: 0.01, momentum: 0.9 })],
  ['Adagrad', (p) => new Adagrad(p)],
  ['RMSprop centered', (p) => new RMSprop(p, { centered: true, momentum: 0.5 })],
  ['Adadelta', (p) => new Adadelta(p)],
  ['Adam amsgrad', (p) => new Adam(p, { amsgrad: true })],
  ['AdamW', (p) => new AdamW(p)],
  ['NAdam', (p) => new NAdam(p)],
];

describe('a refused optimizer constructor changes nothing', () => {
  it.each(backends)('a bad second group, a parameter in two groups, a bad option: the parameters stay where they were (%s)', (_l, backend) => {
    const params = makeParams([1, 2, 3, 4, 5], [2, 3], backend);
    const first = new SGD(params, { lr: 0.1 });
    const before = snapshot(params, first);
    throws(() => new Adam([{ params: [params[0]] }, { params: [params[1]], lr: -1 }]), RangeError);
    throws(() => new Adam([{ params: [params[0]] }, { params: [params[0]] }]), RangeError);
    throws(() => new Adam([{ params: [params[0]] }, { params: [params[1]], betaz: 1 } as never]), RangeError);
    throws(() => new LBFGS([{ params: [params[0]] }, { params: [params[1]] }]), RangeError);
    expect(snapshot(params, first)).toEqual(before);
    // The first optimizer still holds its parameters: it steps.
    params.forEach((p) => (p.grad = tensor(new Array(p.size).fill(1), undefined, { backend })));
    first.step();
    expect(params[0].data()[0]).toBeCloseTo(0.9, 6);
    expect(params[1].data()[2]).toBeCloseTo(4.9, 6);
  });

  it('an OutOfMemoryError while allocating its blocks frees what it took and moves nothing', () => {
    const small = createBackend({ backend: 'js', maxMemoryMB: 1 });
    const p = tensor(new Float32Array(100_000).fill(1), undefined, { backend: small, requiresGrad: true });
    const before = snapshot([p]);
    // 400 kB of parameters fit once more, the gradient block (another 400 kB) does not.
    throws(() => new Adam([p]), OutOfMemoryError);
    expect(snapshot([p])).toEqual(before);
  });
});

describe('a failed step changes nothing', () => {
  it.each(fused)('%s: a throwing closure, a bad gradient in the second group, a non-finite one', (_name, make) => {
    for (const [, backend] of backends) {
      const { params, opt } = trained(backend, (p) => make(p));
      const [wrongShape, nonFinite] = [tensor([1, 2], undefined, { backend }), tensor([1, NaN, 2], undefined, { backend })];
      const before = snapshot(params, opt);
      throws(() => opt.step(() => { throw new RangeError('closure failed'); }), RangeError);
      expect(snapshot(params, opt)).toEqual(before);
      const own = params[1].grad;
      params[1].grad = wrongShape;
      throws(() => opt.step(), ShapeError);
      params[1].grad = own;
      expect(snapshot(params, opt)).toEqual(before);
      // A gradient the user assigned stays the gradient (its values are read into the optimizer's block).
      params[1].grad = nonFinite;
      const assigned = snapshot(params, opt);
      throws(() => opt.step(), NonFiniteGradientError);
      expect(snapshot(params, opt)).toEqual(assigned);
    }
  });

  it('two groups: a bad gradient in the second leaves the first group unstepped too', () => {
    const params = makeParams([1, 2, 3, 4, 5], [2, 3], js64);
    const opt = new Adam([{ params: [params[0]] }, { params: [params[1]], lr: 0.01 }]);
    scope(() => sum(params[0].square()).add(sum(params[1].square())).backward());
    const wrongShape = tensor([[1, 2, 3]], undefined, { backend: js64 });
    const before = snapshot(params, opt);
    params[1].grad = wrongShape;
    throws(() => opt.step(), ShapeError);
    expect(snapshot(params, opt).values).toEqual(before.values);
    expect(snapshot(params, opt).optimizer).toEqual(before.optimizer);
  });

  it('an OutOfMemoryError while allocating the first step\'s state frees the blocks it made', () => {
    const small = createBackend({ backend: 'js', maxMemoryMB: 1 });
    // Parameters and gradients take 2 × 320 kB; Adam's first moment fits, its second does not.
    const p = tensor(new Float32Array(80_000).fill(1), undefined, { backend: small, requiresGrad: true });
    const opt = new Adam([p]);
    // Zero gradients in the optimizer's own block: nothing else to allocate.
    opt.zeroGrad(false);
    const before = snapshot([p], opt);
    throws(() => opt.step(), OutOfMemoryError);
    expect(snapshot([p], opt)).toEqual(before);
  });
});

describe('loadStateDict: a bad state is a CheckpointError and changes nothing', () => {
  type Edit = (s: OptimizerStateDict) => OptimizerStateDict;
  const group = (s: OptimizerStateDict, change: object): OptimizerStateDict => ({
    ...s, header: { ...s.header, groups: [{ ...s.header.groups[0], ...change }] },
  });
  const cases: [string, Edit, RegExp][] = [
    ['a negative step count', (s) => group(s, { scalars: { ...s.header.groups[0].scalars, step: [-1, 2] } }), /'step' of parameter 'param 0' .* must be an integer >= 0, got -1/],
    ['a fractional step count', (s) => group(s, { scalars: { ...s.header.groups[0].scalars, step: [2, 2.5] } }), /must be an integer >= 0, got 2.5/],
    ['an lr that is a string', (s) => group(s, { options: { ...s.header.groups[0].options, lr: 'x' } }), /Adam.loadStateDict: lr must be a finite number >= 0, got 'x'/],
    ['eps 0', (s) => group(s, { options: { ...s.header.groups[0].options, eps: 0 } }), /eps must be a number > 0/],
    ['an unknown option', (s) => group(s, { options: { ...s.header.groups[0].options, lrr: 1 } }), /unknown option 'lrr'/],
    ['a NaN in a moment', (s) => ({ ...s, buffers: [Float32Array.from(s.buffers[0], (v, i) => (i === 3 ? NaN : v)), s.buffers[1]] }), /holds NaN at element 3; expected finite values/],
    ['a negative second moment', (s) => ({ ...s, buffers: [s.buffers[0], Float32Array.from(s.buffers[1], (v, i) => (i === 0 ? -1 : v))] }), /'expAvgSq' of group 0 holds -1 at element 0; expected finite values >= 0/],
    ['a buffer index that is not one', (s) => group(s, { buffers: { expAvg: -1, expAvgSq: 1 } }), /must be a Float32Array or Float64Array of 5 values \(buffer -1\)/],
    ['scalars that are not an object', (s) => group(s, { scalars: 'step' }), /group 0's scalars must be an object, got 'step'/],
    ['an int32 buffer', (s) => ({ ...s, buffers: [new Int32Array(5) as never, s.buffers[1]] }), /must be a Float32Array or Float64Array/],
  ];

  it.each(cases)('%s', (_what, edit, message) => {
    const { params, opt } = trained(js64, (p) => new Adam(p));
    const state = opt.stateDict();
    const before = snapshot(params, opt);
    const e = throws(() => opt.loadStateDict(edit(state)), CheckpointError);
    expect(e.message).toMatch(message);
    expect(snapshot(params, opt)).toEqual(before);
  });

  it('a negative NAdam momentum product and an SGD momentum flag of 2 are refused too', () => {
    const { params, opt } = trained(js64, (p) => new NAdam(p));
    const s = opt.stateDict();
    expect(() => opt.loadStateDict(group(s, { scalars: { ...s.header.groups[0].scalars, muProduct: [1.5, 0.5] } }))).toThrow(/'muProduct' of parameter 'param 0' .* must be a finite number in \[0, 1\], got 1.5/);
    const sgd = trained(js64, (p) => new SGD(p, { momentum: 0.9 }));
    const t = sgd.opt.stateDict();
    expect(() => sgd.opt.loadStateDict(group(t, { scalars: { ...t.header.groups[0].scalars, buffered: [2, 1] } }))).toThrow(CheckpointError);
    expect(params.length).toBe(2);
  });

  it('an OutOfMemoryError while allocating the loaded state frees what it took', () => {
    const small = createBackend({ backend: 'js', maxMemoryMB: 1 });
    const p = tensor(new Float32Array(80_000).fill(1), undefined, { backend: small, requiresGrad: true });
    const opt = new Adam([p]);
    // A state with both moments, for an optimizer that has none yet and room for one.
    const state: OptimizerStateDict = {
      header: { type: 'Adam', format: 1, dtype: 'float32', groups: [{ ...opt.stateDict().header.groups[0], scalars: { step: [3] }, buffers: { expAvg: 0, expAvgSq: 1 } }] },
      buffers: [new Float32Array(80_000), new Float32Array(80_000)],
    };
    const before = snapshot([p], opt);
    throws(() => opt.loadStateDict(state), OutOfMemoryError);
    expect(snapshot([p], opt)).toEqual(before);
  });
});

describe('L-BFGS: a step that throws puts parameters, gradients and its state back', () => {
  const searches = ['strongWolfe', 'armijo', null] as const;

  /** A closure that evaluates rosenbrock5, counting its calls, and throws at its n-th (from 1). */
  function failingAt(n: number, params: Tensor[], opt: Optimizer<any>) {
    const ok = closureFor(rosenbrock5, params, opt);
    const closure = () => {
      if (++closure.calls === n) throw new RangeError(`closure failed at call ${n}`);
      return ok();
    };
    closure.calls = 0;
    return closure;
  }

  it.each(searches.map((s) => [String(s), s] as const))('line search %s: the closure failing at its first, second, a middle or its last call of a step', (_l, lineSearch) => {
    const make = (p: Tensor[]) => new LBFGS(p, { lineSearch, maxIter: 6, historySize: 2 });
    for (const [, backend] of backends) {
      // How many evaluations the step under test makes when nothing fails.
      const probe = trained(backend, make);
      probe.opt.step(closureFor(rosenbrock5, probe.params, probe.opt));
      const counting = failingAt(0, probe.params, probe.opt);
      probe.opt.step(counting);
      expect(counting.calls).toBeGreaterThan(4);
      for (const n of [1, 2, Math.ceil(counting.calls / 2), counting.calls]) {
        const failed = trained(backend, make);
        const clean = trained(backend, make);
        failed.opt.step(closureFor(rosenbrock5, failed.params, failed.opt));
        clean.opt.step(closureFor(rosenbrock5, clean.params, clean.opt));
        const before = snapshot(failed.params, failed.opt);
        throws(() => failed.opt.step(failingAt(n, failed.params, failed.opt)), RangeError);
        expect(snapshot(failed.params, failed.opt), `${backend.label}, call ${n}`).toEqual(before);
        // No half-done state: the next steps are those of a twin that never failed.
        for (const { params, opt } of [failed, clean]) for (let i = 0; i < 2; i++) opt.step(closureFor(rosenbrock5, params, opt));
        const { places: _p, memory: _m, ...after } = snapshot(failed.params, failed.opt);
        const { places: _q, memory: _n, ...twin } = snapshot(clean.params, clean.opt);
        expect(after, `${backend.label}, call ${n}`).toEqual(twin);
      }
    }
  });

  it('a non-finite gradient at the start throws NonFiniteGradientError and changes nothing', () => {
    const { params, opt } = trained(js64, (p) => new LBFGS(p, { lineSearch: 'strongWolfe' }));
    const before = snapshot(params, opt);
    throws(() => opt.step(() => {
      opt.zeroGrad();
      const l = sum(params[0].mul(NaN)).add(sum(params[1]));
      l.backward();
      return l;
    }), NonFiniteGradientError);
    expect(snapshot(params, opt)).toEqual(before);
  });
});

describe('schedulers: a refused constructor or state changes nothing', () => {
  it('a constructor with a bad option leaves lr and initialLr as they were', () => {
    const opt = new SGD(makeParams([1, 2], [2], js64), { lr: 0.1 });
    const other = new SGD(makeParams([1], [1], js64), { lr: 0.1 });
    const bad = [
      () => new StepLR(opt, { stepSize: 0 }),
      () => new MultiStepLR(opt, { milestones: [3, 2] }),
      () => new ExponentialLR(opt, { gamma: -1 }),
      () => new CosineAnnealingLR(opt, { tMax: 1.5 }),
      () => new LinearWarmup(opt, { warmupSteps: 2, after: new StepLR(other, { stepSize: 1 }) }),
      () => new StepLR(opt, { stepSize: 2, gama: 0.5 } as never),
    ];
    for (const make of bad) {
      throws(make, RangeError);
      expect(opt.paramGroups[0]).toMatchObject({ lr: 0.1 });
      expect(opt.paramGroups[0].initialLr).toBeUndefined();
    }
  });

  it('loadStateDict of a bad state throws a CheckpointError and leaves t and the lrs', () => {
    const opt = new SGD(makeParams([1, 2], [2], js64), { lr: 0.1 });
    const sched = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    sched.step();
    const before = { lastEpoch: sched.lastEpoch, baseLrs: [...sched.baseLrs], lr: opt.paramGroups[0].lr };
    for (const state of [
      { type: 'StepLR', lastEpoch: -1, baseLrs: [0.1] },
      { type: 'StepLR', lastEpoch: 1.5, baseLrs: [0.1] },
      { type: 'StepLR', lastEpoch: 2, baseLrs: [NaN] },
      { type: 'StepLR', lastEpoch: 2, baseLrs: ['x'] },
      { type: 'StepLR', lastEpoch: 2, baseLrs: [0.1, 0.2] },
      { type: 'CosineAnnealingLR', lastEpoch: 2, baseLrs: [0.1] },
      null,
    ]) {
      throws(() => sched.loadStateDict(state as never), CheckpointError);
      expect({ lastEpoch: sched.lastEpoch, baseLrs: [...sched.baseLrs], lr: opt.paramGroups[0].lr }).toEqual(before);
    }
  });
});
