// LBFGS: the classic Rosenbrock run with a strong-Wolfe line search, the
// backtracking Armijo search, and the fixed-step iteration checked against
// the two-loop recursion written out here in float64.
import { describe, expect, it } from 'vitest';
import { concat, type Backend } from '../../src/index.js';
import { ArgumentError } from '../../src/errors.js';
import { LBFGS } from '../../src/optim/index.js';
import { armijo, strongWolfe } from '../../src/optim/lbfgs.js';
import { js32, js64, wasmBackends } from '../helpers/backends.js';
import { closureFor, flat, makeParams, quadratic, relError, rosenbrock, rosenbrock5, type Problem } from './problems.js';

const classic = rosenbrock(100, [-1.2, 1]);
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);

/** L-BFGS with the fixed step of PyTorch's line_search_fn=None: t = min(1, 1/‖g‖₁)·lr first, then lr. */
function reference(problem: Problem, lr: number, iterations: number, historySize: number): number[][] {
  let w = [...problem.start];
  let d: number[] = [];
  let t = 0;
  let prev: number[] = [];
  let h = 1;
  const pairs: { s: number[]; y: number[] }[] = [];
  const path: number[][] = [];
  for (let k = 1; k <= iterations; k++) {
    const g = problem.grad(w);
    if (k === 1) d = g.map((v) => -v);
    else {
      const y = g.map((v, i) => v - prev[i]);
      const s = d.map((v) => v * t);
      if (dot(y, s) > 1e-10) {
        if (pairs.length === historySize) pairs.shift();
        pairs.push({ s, y });
        h = dot(y, s) / dot(y, y);
      }
      // Two-loop recursion: d = −H·g.
      const q = g.map((v) => -v);
      const alpha: number[] = [];
      for (let i = pairs.length - 1; i >= 0; i--) {
        alpha[i] = dot(pairs[i].s, q) / dot(pairs[i].y, pairs[i].s);
        pairs[i].y.forEach((v, j) => (q[j] -= alpha[i] * v));
      }
      d = q.map((v) => v * h);
      for (let i = 0; i < pairs.length; i++) {
        const beta = dot(pairs[i].y, d) / dot(pairs[i].y, pairs[i].s);
        pairs[i].s.forEach((v, j) => (d[j] += (alpha[i] - beta) * v));
      }
    }
    prev = g;
    t = k === 1 ? Math.min(1, 1 / g.reduce((a, v) => a + Math.abs(v), 0)) * lr : lr;
    w = w.map((v, i) => v + t * d[i]);
    path.push(w);
  }
  return path;
}

const nIter = (opt: LBFGS) => (opt.stateDict().header.extra as { nIter: number }).nIter;

describe('LBFGS', () => {
  it('with strong Wolfe minimises Rosenbrock (b = 100) from (−1.2, 1) to within 1e-6 of (1, 1) in fewer than 100 iterations (js float64)', () => {
    const params = makeParams(classic.start, [2], js64);
    // PyTorch's default toleranceChange (1e-9 on the loss) stops it at a loss of ~4e-10, 4e-5 away.
    const opt = new LBFGS(params, { lineSearch: 'strongWolfe', maxIter: 100, toleranceGrad: 1e-10, toleranceChange: 1e-14 });
    opt.step(closureFor(classic, params, opt));
    expect(Math.hypot(...flat(params).map((v) => v - 1))).toBeLessThan(1e-6);
    expect(nIter(opt)).toBeLessThan(100);
    expect(nIter(opt)).toBeGreaterThan(10);
  });

  it.each([js32, ...wasmBackends].map((b) => [b.label, b] as const))('with strong Wolfe reaches (1, 1) in float32 on %s', (_label, backend) => {
    // float32 gradients near the minimum carry errors of ~1e-5 (x² − y cancels), which bounds the accuracy.
    const params = makeParams(classic.start, [2], backend);
    const opt = new LBFGS(params, { lineSearch: 'strongWolfe', maxIter: 100 });
    opt.step(closureFor(classic, params, opt));
    expect(Math.hypot(...flat(params).map((v) => v - 1))).toBeLessThan(1e-4);
    expect(nIter(opt)).toBeLessThan(100);
  });

  it('with backtracking Armijo decreases the loss at every iteration and converges on Rosenbrock', () => {
    const params = makeParams(classic.start, [2], js64);
    const opt = new LBFGS(params, { lineSearch: 'armijo', maxIter: 1 });
    const losses: number[] = [];
    for (let k = 0; k < 300; k++) losses.push(opt.step(closureFor(classic, params, opt)));
    for (let k = 1; k < losses.length; k++) expect(losses[k]).toBeLessThanOrEqual(losses[k - 1]);
    expect(Math.hypot(...flat(params).map((v) => v - 1))).toBeLessThan(1e-4);
  });

  describe.each([js64, js32, ...wasmBackends].map((b) => [b.label, b] as const))('fixed step against the two-loop recursion on %s', (label, backend) => {
    const tolerance = label === 'js-float64' ? 1e-12 : 1e-4;
    it.each([
      [quadratic.name, quadratic, 0.5, 3],
      [rosenbrock5.name, rosenbrock5, 0.02, 100],
    ] as const)('%s: ten steps of one iteration, and one step of ten', (_name, problem: Problem, lr: number, historySize: number) => {
      const want = reference(problem, lr, 10, historySize);
      expect(relError(want[9], problem.start)).toBeGreaterThan(1e-2);
      const params = makeParams(problem.start, [2, 3], backend);
      const opt = new LBFGS(params, { lr, maxIter: 1, historySize });
      for (let k = 0; k < 10; k++) {
        opt.step(closureFor(problem, params, opt));
        expect(relError(flat(params), want[k]), `iteration ${k + 1}`).toBeLessThan(tolerance);
      }
      const again = makeParams(problem.start, [2, 3], backend);
      const once = new LBFGS(again, { lr, maxIter: 10, maxEval: 100, historySize, toleranceChange: 0 });
      once.step(closureFor(problem, again, once));
      expect(relError(flat(again), want[9])).toBeLessThan(tolerance);
      expect(nIter(once)).toBe(10);
    });
  });

  it('needs a closure, takes one parameter group and validates its options', () => {
    const params = makeParams([1, 2], [2], js64);
    const opt = new LBFGS(params);
    expect(() => opt.step()).toThrow(ArgumentError);
    expect(() => opt.addParamGroup({ params: makeParams([1], [1], js64) })).toThrow(/one parameter group/);
    expect(() => new LBFGS(makeParams([1], [1], js64), { historySize: 0 })).toThrow(/historySize must be an integer >= 1, got 0/);
    expect(() => new LBFGS(makeParams([1], [1], js64), { lineSearch: 'wolfe' as never })).toThrow(/lineSearch must be one of 'strongWolfe', 'armijo', null, got 'wolfe'/);
    expect(() => opt.step(() => 'x' as never)).toThrow(/closure must return the loss/);
    expect(flat(params)).toEqual([1, 2]);
  });

  it('returns the loss at the starting point and stops at once where the gradient is already zero', () => {
    const params = makeParams([1, 1], [2], js64);
    const opt = new LBFGS(params, { lineSearch: 'strongWolfe' });
    expect(opt.step(closureFor(classic, params, opt))).toBe(0);
    expect(flat(params)).toEqual([1, 1]);
    const moved = makeParams(classic.start, [2], js64);
    const opt2 = new LBFGS(moved);
    const loss = opt2.step(closureFor(classic, moved, opt2));
    expect(loss).toBeCloseTo((1 + 1.2) ** 2 + 100 * (1 - 1.44) ** 2, 10);
  });

  it('counts a non-finite loss at a trial point as +∞ and backtracks', () => {
    // f = x² for x > −1 and NaN beyond: the first trial step, lr = 4, lands at −3.5 and then −1.5.
    const backend: Backend = js64;
    const [x] = makeParams([0.5], [1], backend);
    const opt = new LBFGS([x], { lineSearch: 'armijo', lr: 4, maxIter: 1 });
    const closure = () => {
      opt.zeroGrad();
      const v = x.data()[0];
      const loss = concat([x]).square().sum();
      loss.backward();
      return v < -1 ? NaN : loss.item();
    };
    opt.step(closure);
    expect(Number.isFinite(x.data()[0])).toBe(true);
    expect(Math.abs(x.data()[0])).toBeLessThan(0.5);
  });
});

describe('the line searches, directly, on one-dimensional functions from x = 0 along d = 1', () => {
  type Fn = (x: number) => [number, number];
  const C1 = 1e-4;
  const C2 = 0.9;

  /** Runs a search from x = 0 with initial step t0; returns its result, the trial steps, and f, f' at x = 0. */
  function search(kind: 'strongWolfe' | 'armijo', fn: Fn, t0: number) {
    const [f0, g0] = fn(0);
    const trials: number[] = [];
    const objective = (t: number, out: Float64Array | Float32Array) => {
      trials.push(t);
      const [f, g] = fn(t);
      out[0] = g;
      return f;
    };
    const d = new Float64Array([1]);
    const g = new Float64Array([g0]);
    const work = [0, 1, 2].map(() => new Float64Array(1));
    const r = kind === 'strongWolfe' ? strongWolfe(objective, t0, d, f0, g, g0, 1e-9, work) : armijo(objective, t0, f0, g, g0, work[0]);
    return { ...r, grad: r.grad[0], trials, f0, g0 };
  }

  /** The strong Wolfe conditions at the accepted step, from f itself. */
  function expectStrongWolfe(fn: Fn, r: ReturnType<typeof search>) {
    const [f, g] = fn(r.t);
    expect(r.loss).toBe(f);
    expect(r.grad).toBe(g);
    expect(f).toBeLessThanOrEqual(r.f0 + C1 * r.t * r.g0);
    expect(Math.abs(g)).toBeLessThanOrEqual(C2 * Math.abs(r.g0));
  }

  const quadratic: Fn = (x) => [(x - 10) ** 2, 2 * (x - 10)];
  // Slope -1 until a wall near x = 30: a long descent, then a steep rise.
  const wall: Fn = (x) => [-x + Math.exp(x - 30), -1 + Math.exp(x - 30)];

  it('strong Wolfe: a step that decreases f but still descends steeply (f\'(0.5) = -19 vs 0.9·|-20|) is not accepted; it extrapolates', () => {
    const r = search('strongWolfe', quadratic, 0.5);
    expectStrongWolfe(quadratic, r);
    // The cubic through (0, 100, -20) and (0.5, 90.25, -19) is the quadratic itself, minimised at 10, clamped to 10·0.5.
    expect(r.trials).toEqual([0.5, 5]);
    expect(r.evals).toBe(2);
  });

  it('strong Wolfe: a step past the minimum brackets it, and the zoom lands on a quadratic\'s minimum at once', () => {
    const r = search('strongWolfe', quadratic, 30);
    expectStrongWolfe(quadratic, r);
    expect(r.t).toBe(10);
    expect(r.loss).toBe(0);
  });

  it('strong Wolfe: the zoom does not stop at a point that still descends at slope -1 (|f\'| > 0.9), only near the wall', () => {
    for (const t0 of [40, 60, 200]) {
      const r = search('strongWolfe', wall, t0);
      expectStrongWolfe(wall, r);
      expect(r.t).toBeGreaterThan(28);
      expect(r.t).toBeLessThan(31);
    }
  });

  it('Armijo halves the step until f decreases enough, and stays put after 25 tries', () => {
    const r = search('armijo', quadratic, 30);
    // f(30) = 400 > 100 - 1e-4·30·20; f(15) = 25 passes.
    expect(r.trials).toEqual([30, 15]);
    expect([r.t, r.loss, r.grad, r.evals]).toEqual([15, 25, 10, 2]);
    const uphill = search('armijo', (x) => [x, 1], 1);
    expect([uphill.t, uphill.loss, uphill.evals]).toEqual([0, 0, 25]);
    expect(uphill.trials.at(-1)).toBe(2 ** -24);
  });
});
