import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { js64 } from './helpers/backends.js';

const t64 = (data: sg.NestedArray, requiresGrad = false) => sg.tensor(data, undefined, { backend: js64, requiresGrad });

describe('tape', () => {
  it('accumulates gradients with += across backward calls, and zeroGrad resets them', () => {
    const x = t64([1, 2, 3], true);
    sg.sum(sg.square(x)).backward();
    expect(Array.from(x.grad!.data())).toEqual([2, 4, 6]);
    sg.sum(sg.mul(x, 3)).backward();
    expect(Array.from(x.grad!.data())).toEqual([5, 7, 9]);
    x.zeroGrad();
    expect(Array.from(x.grad!.data())).toEqual([0, 0, 0]);
  });

  it('sums the gradients of a tensor used several times (diamond graph)', () => {
    const x = t64([2], true);
    const y = sg.mul(x, x); // x used twice by one op
    const z = sg.add(sg.mul(y, x), y); // x³ + x²
    z.backward();
    expect(x.grad!.item()).toBe(3 * 4 + 2 * 2);
  });

  it('computes gradients only for inputs that require them (matmul with a constant input)', () => {
    const x = t64([[1, 2], [3, 4]]);
    const w = t64([[1], [-1]], true);
    sg.sum(sg.matmul(x, w)).backward();
    expect(w.grad!.toArray()).toEqual([[4], [6]]);
    expect(x.grad).toBeNull();
  });

  it('backward takes an explicit upstream gradient for non-scalar outputs', () => {
    const x = t64([1, 2], true);
    sg.mul(x, x).backward(t64([10, 100]));
    expect(Array.from(x.grad!.data())).toEqual([20, 400]);
  });

  it('records nothing under noGrad', () => {
    const x = t64([1, 2], true);
    const y = sg.noGrad(() => sg.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(() => sg.sum(y).backward()).toThrow(sg.GraphError);
  });

  it('backpropagates through a 100,000-node chain without overflowing the stack', () => {
    const x = t64([1.5], true);
    sg.scope(() => {
      let y = x;
      for (let i = 0; i < 100_000; i++) y = sg.add(y, 1e-6);
      y.backward();
    });
    expect(x.grad!.item()).toBe(1);
  });

  it('refuses to run backward twice through a freed graph, unless retainGraph', () => {
    const x = t64([3], true);
    const y = sg.square(x);
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(x.grad!.item()).toBe(12);
    expect(() => y.backward()).toThrow(/already freed.*retainGraph/);
  });

  it('refuses backward through a graph whose scope has ended', () => {
    const x = t64([3], true);
    let y: sg.Tensor | undefined;
    sg.scope(() => {
      y = sg.square(x);
    });
    expect(() => y!.backward()).toThrow(sg.ReleasedTensorError);
  });

  it('gradients stay on the leaves only; detach cuts the graph', () => {
    const x = t64([2], true);
    const y = sg.square(x);
    const z = sg.mul(sg.detach(y), x); // d/dx = y = 4, not 3x² = 12
    z.backward();
    expect(x.grad!.item()).toBe(4);
    expect(y.grad).toBeNull();
  });
});

describe('bad input to the tape', () => {
  it('backward on a non-scalar without an upstream gradient', () => {
    const x = t64([1, 2], true);
    expect(() => sg.mul(x, x).backward()).toThrow(/upstream gradient for a non-scalar tensor of shape \[2\]/);
  });

  it('an upstream gradient of the wrong shape', () => {
    const x = t64([1, 2], true);
    expect(() => sg.mul(x, x).backward(t64([1, 2, 3]))).toThrow(sg.ShapeError);
  });

  it('mixing tensors of different backends', () => {
    const a = t64([1, 2]);
    const b = sg.tensor([1, 2], undefined, { backend: sg.createBackend({ backend: 'js', dtype: 'float32' }) });
    expect(() => sg.add(a, b)).toThrow(sg.BackendError);
    expect(() => sg.add(a, b)).toThrow(/add: input 1 lives on js-float32 but the other operands on js-float64/);
  });

  it('broadcast-incompatible shapes name both shapes', () => {
    expect(() => sg.add(t64([[1, 2, 3]]), t64([[1, 2], [3, 4]]))).toThrow(sg.ShapeError);
    expect(() => sg.add(t64([[1, 2, 3]]), t64([[1, 2], [3, 4]]))).toThrow(/\[1, 3\] and \[2, 2\]/);
  });

  it('relu subgradient outside [0, 1] is a RangeError', () => {
    const x = t64([0]);
    for (const g of [-0.1, 1.5, NaN]) {
      expect(() => sg.relu(x, { subgradientAtZero: g })).toThrow(RangeError);
      expect(() => sg.setReluSubgradientAtZero(g)).toThrow(RangeError);
    }
  });

  it('the global relu default applies until changed back', () => {
    const x = t64([0, 1], true);
    sg.setReluSubgradientAtZero(1);
    try {
      sg.sum(sg.relu(x)).backward();
    } finally {
      sg.setReluSubgradientAtZero(0);
    }
    expect(Array.from(x.grad!.data())).toEqual([1, 1]);
  });
});

describe('custom ops and gradcheck', () => {
  const cube = sg.defineOp({
    name: 'test.cube',
    forward: (x) => sg.pow(x, 3),
    vjp: (g, [x]) => [sg.mul(g, sg.mul(sg.square(x), 3))],
  });
  const wrongCube = sg.defineOp({
    name: 'test.wrongCube',
    forward: (x) => sg.pow(x, 3),
    vjp: (g, [x]) => [sg.mul(g, sg.mul(sg.square(x), 2.9))], // deliberately wrong
  });

  it('a custom op differentiates like the built-ins and passes gradcheck', () => {
    const report = sg.gradcheck((x) => cube(x), [[0.5, -1.25, 2]]);
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(9);
  });

  it('gradcheck fails on a wrong vjp, in full and fast mode, and throws on request', () => {
    const full = sg.gradcheck((x) => wrongCube(x), [[0.5, -1.25, 2]]);
    expect(full.ok).toBe(false);
    expect(full.failures.map((f) => f.index)).toEqual([0, 1, 2]);
    expect(full.failures[2].analytic).toBeCloseTo(2.9 * 4, 9);
    expect(full.failures[2].central).toBeCloseTo(12, 5);
    expect(sg.gradcheck((x) => wrongCube(x), [[0.5, -1.25, 2]], { mode: 'fast' }).ok).toBe(false);
    expect(() => sg.gradcheck((x) => wrongCube(x), [[1]], { raise: true })).toThrow(sg.GradcheckError);
  });

  it('gradcheck at a kink accepts any value between the one-sided slopes and rejects others', () => {
    const at = (g: number) => sg.defineOp({ name: `test.absWith${g}`, forward: (x) => sg.abs(x), vjp: (u, [x]) => [sg.mul(u, sg.where(sg.sign(x), sg.sign(x), g))] });
    const ok = sg.gradcheck(at(0.25), [[0, 1]]);
    expect(ok.ok).toBe(true);
    expect(ok.kinks).toMatchObject([{ input: 0, index: 0, output: 0, left: -1, right: 1, analytic: 0.25, acceptedBy: 'one-sided interval' }]);
    const bad = sg.gradcheck(at(1.5), [[0, 1]]);
    expect(bad.ok).toBe(false);
    expect(bad.failures[0]).toMatchObject({ index: 0, atKink: true, left: -1, right: 1 });
  });

  it('convex: true catches a tie "subgradient" whose weights sum to more than 1, naming the direction', () => {
    // max(x1, x2) at a tie with weights (0.6, 0.6): g·(1, 1) = 1.2 > f'(x; (1, 1)) = 1.
    const heavy = sg.defineOp({
      name: 'test.heavyMax',
      forward: (x) => sg.max(x),
      vjp: (u, [x]) => {
        const v = Array.from(x.data());
        const top = v.map((a) => a === Math.max(...v));
        const w = top.map((t) => (t ? (top.filter(Boolean).length > 1 ? 0.6 : 1) : 0));
        return [sg.mul(u, sg.tensor(w, x.shape, { backend: x.backend }))];
      },
    });
    const report = sg.gradcheck((x) => heavy(x), [[2, 2]], { convex: true });
    const failure = report.failures.find((f) => f.test === 'convex directions')!;
    expect(failure.direction).toEqual([{ input: 0, index: 0, weight: 1 }, { input: 0, index: 1, weight: 1 }]);
    expect(failure.analytic).toBeCloseTo(1.2, 12);
    expect(failure.central).toBeCloseTo(1, 9);
  });

  it('PyTorch-style gradcheck would misjudge a kink; ours reports it', () => {
    const report = sg.gradcheck((x) => sg.relu(x), [[0]]);
    expect(report.ok).toBe(true);
    expect(report.kinks).toHaveLength(1);
  });

  it('checkBackends reports the worst relative error between wasm f32 and js f64', () => {
    const cmp = sg.checkBackends((x, w) => sg.sum(sg.relu(sg.matmul(x, w))), [[[1, 2], [3, -4]], [[0.5, -1], [2, 0.25]]]);
    expect(cmp.reference).toBe('js-float64');
    expect(cmp.tested).toMatch(/^wasm-/);
    expect(cmp.worst).toBeLessThan(1e-6);
    expect(cmp.grads).toHaveLength(2);
  });
});
