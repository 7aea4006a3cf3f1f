// A step never updates on a NaN or infinite gradient, and finds it without a
// pass of its own: the write that made each gradient (backward's commit,
// the copy of a user-assigned one) checked it, and any other write makes the
// step scan again. Gradients written every way the API allows, then a NaN
// or infinity injected: the error names the parameter and the element, and
// parameters and optimizer state are unchanged; nonFinite: 'skip' skips.
import { describe, expect, it } from 'vitest';
import {
  createBackend, decodeCheckpoint, encodeCheckpoint, mul, nn, NonFiniteGradientError, scope, sum, tensor,
  type Backend, type InitOptions as BackendOptions, type Tensor,
} from '../../src/index.js';
import { Adam, LBFGS, SGD, type Optimizer } from '../../src/optim/index.js';
import { wasmVariants } from '../helpers/backends.js';

/** A fresh backend whose scans for non-finite values (the pass a step should not need) are counted. */
function counted(options: BackendOptions): { backend: Backend; scans: () => number } {
  const backend = createBackend(options);
  const kernels = backend.kernels;
  let scans = 0;
  const firstNonFinite = (x: number, n: number) => (scans++, kernels.firstNonFinite(x, n));
  Object.defineProperty(backend, 'kernels', { value: { ...kernels, firstNonFinite } });
  return { backend, scans: () => scans };
}

const backends: [string, BackendOptions][] = [
  ['js-float64', { backend: 'js', dtype: 'float64' }],
  ['js-float32', { backend: 'js', dtype: 'float32' }],
  ...wasmVariants.map((kernels): [string, BackendOptions] => [`wasm-${kernels}`, { backend: 'wasm', kernels }]),
];

const snapshot = (opt: Optimizer<any>, params: Tensor[]) => ({ values: params.map((p) => Array.from(p.data())), state: opt.stateDict() });

/** Runs a step that must be refused for `parameter`'s element `index` holding `value`, changing nothing (or skipped). */
function expectRefused(opt: Optimizer<any>, params: Tensor[], step: () => unknown, parameter: string, index: number, value: number): void {
  const before = snapshot(opt, params);
  const skipped = opt.skippedSteps;
  if (opt.nonFinite === 'skip') {
    step();
    expect(opt.skippedSteps).toBe(skipped + 1);
  } else {
    let error: unknown;
    try {
      step();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteGradientError);
    expect(error).toMatchObject({ parameter, index });
    expect((error as NonFiniteGradientError).value).toBe(value);
    expect((error as Error).message).toContain(`the gradient of parameter '${parameter}'`);
    expect((error as Error).message).toContain(`is ${value} at element ${index}; parameters and optimizer state were left unchanged`);
  }
  expect(snapshot(opt, params)).toEqual(before);
}

/**
 * Two named parameters w [5] and b [3] under Adam, after one finite step;
 * backward(c, d) backpropagates Σ w·c + Σ b·d, whose gradients are c and d.
 */
function setup(options: BackendOptions, nonFinite: 'throw' | 'skip') {
  const { backend, scans } = counted(options);
  const w = tensor([0.5, -1, 2, 0.25, 3], undefined, { backend, requiresGrad: true });
  const b = tensor([1, 0, -2], undefined, { backend, requiresGrad: true });
  const opt = new Adam([['w', w], ['b', b]], { lr: 0.1, nonFinite });
  const t = (v: number[]) => tensor(v, undefined, { backend });
  const backward = (c: number[] | null, d: number[] | null, retainGraph = false) =>
    scope(() => {
      const terms = [c && sum(mul(w, t(c))), d && sum(mul(b, t(d)))].filter((x): x is Tensor => x !== null);
      const loss = terms.length === 2 ? terms[0].add(terms[1]) : terms[0];
      loss.backward(undefined, { retainGraph });
      if (retainGraph) loss.backward();
    });
  const c = [1, 2, 3, 4, 5];
  const d = [-1, 1, 0.5];
  backward(c, d);
  opt.step();
  opt.zeroGrad();
  return { backend, scans, w, b, opt, t, backward, c, d, params: [w, b] };
}

type Setup = ReturnType<typeof setup>;

/** Each way of writing the gradients a step reads, ending with a NaN or infinity in one of them. */
const ways: { name: string; float32Only?: boolean; poison: (s: Setup) => void; parameter: string; index: number; value: number; scans: number }[] = [
  {
    name: 'backward',
    poison: (s) => s.backward([1, 2, 3, NaN, 5], s.d),
    parameter: 'w', index: 3, value: NaN, scans: 0,
  },
  {
    name: 'backward twice with retainGraph: finite float32 gradients whose sum overflows',
    float32Only: true,
    poison: (s) => s.backward([1, 3e38, 3, 4, 5], s.d, true),
    parameter: 'w', index: 1, value: Infinity, scans: 0,
  },
  {
    name: 'two backward passes through different graphs, the second reaching only b',
    poison: (s) => {
      s.backward(s.c, null);
      s.backward(null, [1, 2, -Infinity]);
    },
    parameter: 'b', index: 2, value: -Infinity, scans: 0,
  },
  {
    name: 'a gradient assigned to p.grad over one from backward',
    poison: (s) => {
      s.backward(s.c, s.d);
      s.b.grad = s.t([1, -Infinity, 2]);
    },
    parameter: 'b', index: 1, value: -Infinity, scans: 0,
  },
  {
    name: 'gradients assigned to p.grad, without backward',
    poison: (s) => {
      s.w.grad = s.t([0, 0, 0, 0, Infinity]);
      s.b.grad = s.t([1, 2, 3]);
    },
    parameter: 'w', index: 4, value: Infinity, scans: 0,
  },
  {
    name: "zeroGrad(false), then backward adding to the zeroed gradients",
    poison: (s) => {
      s.backward(s.c, s.d);
      s.opt.zeroGrad(false);
      s.backward([1, NaN, 3, 4, 5], s.d);
    },
    parameter: 'w', index: 1, value: NaN, scans: 0,
  },
  {
    name: "the parameter's gradient tensor disposed by the user, then backward",
    poison: (s) => {
      s.backward(s.c, s.d);
      s.w.grad!.dispose();
      s.opt.zeroGrad(false);
      s.backward([1, 2, 3, 4, NaN], s.d);
    },
    parameter: 'w', index: 4, value: NaN, scans: 0,
  },
  {
    name: 'a write to the gradient after backward checked it (a module whose parameter is that gradient, loaded)',
    poison: (s) => {
      s.backward(s.c, s.d);
      const g = s.w.grad!;
      g.requiresGrad = true;
      class Holder extends nn.Module {
        constructor() {
          super();
          this.registerParameter('g', g);
        }
        forward(x: Tensor) {
          return x;
        }
      }
      new Holder().loadStateDict({ g: { dtype: 'F32', shape: [5], data: [1, 2, NaN, 4, 5] } });
    },
    // The write forgot what backward found: the step scans (w, then b, whose record stands).
    parameter: 'w', index: 2, value: NaN, scans: 1,
  },
  {
    name: 'a new optimizer over parameters whose gradients came from backward (moved into its block)',
    poison: (s) => {
      s.opt.dispose();
      s.backward([1, 2, Infinity, 4, 5], s.d);
      s.opt = new Adam([['w', s.w], ['b', s.b]], { lr: 0.1, nonFinite: s.opt.nonFinite });
    },
    // Moving a gradient is a write: the step scans, and stops at w.
    parameter: 'w', index: 2, value: Infinity, scans: 1,
  },
];

describe('a step refuses a non-finite gradient however it was written, without a pass of its own where it can', () => {
  for (const [label, options] of backends) {
    for (const nonFinite of ['throw', 'skip'] as const) {
      for (const way of ways) {
        if (way.float32Only && label === 'js-float64') continue;
        it(`${way.name} (${label}, ${nonFinite})`, () => {
          const s = setup(options, nonFinite);
          way.poison(s);
          const scans = s.scans();
          expectRefused(s.opt, s.params, () => s.opt.step(), way.parameter, way.index, way.value);
          if (nonFinite === 'throw') expect(s.scans() - scans).toBe(way.scans);
        });
      }
    }
  }

  it.each(backends)('a step after backward or assigned gradients makes no scan, and still updates (%s)', (_label, options) => {
    const s = setup(options, 'throw');
    const before = s.scans();
    s.backward(s.c, s.d);
    s.opt.step();
    s.b.grad = s.t([3, 2, 1]);
    s.opt.step();
    // Parameters without a gradient are skipped, not scanned.
    s.opt.zeroGrad();
    s.backward(s.c, null);
    s.opt.step();
    expect(s.scans()).toBe(before);
    // Gradients moved into a new optimizer's block are scanned by its first step, once.
    s.opt.dispose();
    s.backward(s.c, s.d);
    const opt = new Adam([s.w, s.b]);
    opt.step();
    opt.step();
    expect(s.scans()).toBe(before + 2);
    // Adam's steps have size lr·m̂/(√v̂ + ε) ≈ lr here: every parameter moved.
    expect(Array.from(s.w.data()).every((v, i) => v !== [0.5, -1, 2, 0.25, 3][i])).toBe(true);
  });

  it.each(backends)('zeroing a poisoned gradient clears the refusal: a record is never stale (%s)', (_label, options) => {
    const s = setup(options, 'throw');
    s.backward([NaN, 2, 3, 4, 5], s.d);
    expect(() => s.opt.step()).toThrow(NonFiniteGradientError);
    s.w.zeroGrad();
    expect(() => s.opt.step()).not.toThrow();
    s.backward(s.c, [1, NaN, 3]);
    expect(() => s.opt.step()).toThrow(/parameter 'b' .* is NaN at element 1/);
    s.opt.zeroGrad(false);
    expect(() => s.opt.step()).not.toThrow();
  });
});

describe("L-BFGS's closure", () => {
  it.each(backends)('a non-finite gradient from the closure, from backward or assigned, is refused naming it (%s)', (_label, options) => {
    const { backend, scans } = counted(options);
    const w = tensor([1, -2, 0.5], undefined, { backend, requiresGrad: true });
    const b = tensor([0.25, 4], undefined, { backend, requiresGrad: true });
    const opt = new LBFGS([['w', w], ['b', b]], { maxIter: 3 });
    const closure = (poison: (loss: Tensor) => void) => () => {
      opt.zeroGrad();
      // Σ (w − 1)² + Σ b²: a quadratic with its minimum at w = 1, b = 0.
      const loss = sum(w.sub(1).square()).add(sum(b.square()));
      poison(loss);
      return loss;
    };
    // b gets no gradient from this closure: filled with zeros, it stays put while w moves.
    opt.step(closure(() => sum(w.sub(1).square()).backward()));
    expect(Array.from(b.data())).toEqual([0.25, 4]);
    expect(Array.from(w.data()).map((v) => Math.abs(v - 1) < 1e-4)).toEqual([true, true, true]);
    const before = scans();
    const nan = tensor([1, NaN], undefined, { backend });
    expectRefused(opt, [w, b], () => opt.step(closure((loss) => loss.add(sum(mul(b, nan))).backward())), 'b', 1, NaN);
    // Made outside the closure, which runs in a scope of its own.
    const inf = tensor([0, Infinity, 0], undefined, { backend });
    expectRefused(opt, [w, b], () => opt.step(closure((loss) => {
      loss.backward();
      w.grad = inf;
    })), 'w', 1, Infinity);
    expect(scans()).toBe(before);
  });
});

describe('checkpoints', () => {
  it.each(backends)('after a model and its optimizer are loaded from a checkpoint, gradients are still checked (%s)', (_label, options) => {
    const backend = createBackend(options);
    const model = new nn.Linear(4, 3, { backend, seed: 3 });
    const x = tensor([[1, 0, 2, -1], [0.5, 1, -1, 0]], undefined, { backend });
    const opt = new Adam(model.namedParameters(), { lr: 0.01 });
    // Σ y·c over the batch: d/dbias = Σ_rows c, d/dweight = xᵀc.
    const backward = (c: number[][]) => scope(() => sum(mul(model.forward(x), tensor(c, undefined, { backend }))).backward());
    backward([[1, 2, 3], [4, 5, 6]]);
    opt.step();
    const bytes = encodeCheckpoint(model, { optimizer: opt });
    backward([[1, 2, 3], [4, 5, 6]]);
    opt.step();
    decodeCheckpoint(bytes, model, { optimizer: opt });
    opt.zeroGrad();
    // A NaN at row 0, column 1 of c: the weight's gradient is NaN at [0, 1] (element 1), and so on.
    backward([[1, NaN, 3], [4, 5, 6]]);
    expectRefused(opt, model.parameters(), () => opt.step(), 'weight', 1, NaN);
  });
});

describe('SGD', () => {
  it('refuses the first non-finite element of a larger parameter, in the SIMD body and in the tail', () => {
    for (const [, options] of backends) {
      const backend = createBackend(options);
      for (const at of [5, 33, 36]) {
        const w = tensor(new Array(37).fill(1), undefined, { backend, requiresGrad: true });
        const opt = new SGD([w], { lr: 0.1 });
        const c = Array.from({ length: 37 }, (_, i) => (i === at ? -Infinity : i === 36 ? NaN : 1));
        scope(() => sum(mul(w, tensor(c, undefined, { backend }))).backward());
        expectRefused(opt, [w], () => opt.step(), 'param 0', at, -Infinity);
      }
    }
  });
});
