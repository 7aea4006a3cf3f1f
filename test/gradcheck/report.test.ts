// What gradcheck reports and refuses: the kinks it found with their one-sided
// slopes, notes, flagged inputs, typed errors for misuse, declared kink
// probes (checkKinks), and the failure report of fast mode re-run in full.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { ArgumentError, BackendError, GradcheckError, type Kink, type Tensor } from '../../src/index.js';
import { wasmBackends } from '../helpers/backends.js';

describe('the report', () => {
  it('lists each kink with its one-sided slopes, the analytic value and the test that accepted it', () => {
    // relu(x)·3 at [0, 2]: slopes 0 and 3 at the kink, 3 elsewhere; relu'(0) = 0.4 gives 1.2.
    const report = sg.gradcheck((x) => sg.mul(sg.relu(x, { subgradientAtZero: 0.4 }), 3), [[0, 2]]);
    expect(report.ok).toBe(true);
    expect(report.checked).toBe(4);
    expect(report.kinks).toHaveLength(1);
    const [k] = report.kinks;
    expect(k).toMatchObject({ input: 0, index: 0, output: 0, jump: 0, acceptedBy: 'one-sided interval' });
    expect(k.left).toBeCloseTo(0, 9);
    expect(k.right).toBeCloseTo(3, 9);
    expect(k.analytic).toBeCloseTo(1.2, 12);
    expect(k.leftError).toBeLessThan(1e-6);
    expect(k.rightError).toBeLessThan(1e-6);
  });

  it('names the element of a second input and of a vector output', () => {
    // maximum(a, b) elementwise: the tie is at element 1, output 1; each input sees slopes 0 and 1 there.
    const report = sg.gradcheck((a, b) => sg.maximum(a, b), [[3, 1, 0], [2, 1, 5]]);
    expect(report.ok).toBe(true);
    const found = report.kinks.map((k) => [k.input, k.index, k.output, k.acceptedBy]);
    expect(found).toEqual([[0, 1, 1, 'convex directions and Clarke hull'], [1, 1, 1, 'convex directions and Clarke hull']]);
    for (const k of report.kinks) {
      expect(k.left).toBeCloseTo(0, 9);
      expect(k.right).toBeCloseTo(1, 9);
      expect(k.analytic).toBe(0.5);
    }
  });

  it('a rejected kink is listed with acceptedBy null and among the failures', () => {
    const steep = sg.defineOp({
      name: 'report.absAt0',
      forward: (x) => sg.abs(x),
      vjp: (g, [x]) => [sg.mul(g, sg.tensor(Array.from(x.data(), (v) => (v === 0 ? 1.5 : Math.sign(v))), x.shape, { backend: x.backend }))],
    });
    const report = sg.gradcheck((x) => steep(x), [[0]]);
    expect(report.ok).toBe(false);
    expect(report.kinks[0].acceptedBy).toBeNull();
    expect(report.failures[0]).toMatchObject({ input: 0, index: 0, output: 0, analytic: 1.5, atKink: true, test: 'one-sided interval' });
    expect(report.failures[0].left).toBeCloseTo(-1, 9);
    expect(report.failures[0].right).toBeCloseTo(1, 9);
    expect(report.maxError).toBeCloseTo(0.5, 9);
  });

  it('a convex failure reports the direction and the values g·v and f\'(x; v)', () => {
    // max of a 3-way tie returning (1, 1, 1): along (1, 1, 1), g·v = 3 while f'(x; v) = 1.
    const ones = sg.defineOp({ name: 'report.maxOnes', forward: (x) => sg.max(x), vjp: (g, [x]) => [sg.mul(g, sg.add(sg.mul(x, 0), 1))] });
    const report = sg.gradcheck((x) => ones(x), [[2, 2, 2]], { convex: true });
    const f = report.failures.find((x) => x.test === 'convex directions')!;
    // The first direction that fails, scaled to a largest weight of 1: g·v = Σv_i, f'(x; v) = max_i v_i.
    const v = [0, 0, 0];
    for (const d of f.direction!) v[d.index] = d.weight;
    expect(Math.max(...v.map(Math.abs))).toBe(1);
    expect(f.analytic).toBeCloseTo(v[0] + v[1] + v[2], 9);
    expect(f.central).toBeCloseTo(Math.max(...v), 6);
    expect(f.analytic).toBeGreaterThan(f.central);
    expect(f.reason).toMatch(/^g·v = .* exceeds the one-sided directional derivative f'\(x; v\) = /);
  });

  it('a NaN analytic entry fails as such, and the rest of its column is still judged', () => {
    // f(x) = (x0², x0·x1) at (1, 3): J = [[2, 0], [3, 1]]; the vjp returns NaN for J[0][0] only.
    const partlyNaN = sg.defineOp({
      name: 'report.partlyNaN',
      forward: (x) => sg.mul(x, sg.slice(x, [0], [1])),
      vjp: (g, [x]) => {
        const [g0, g1] = Array.from(g.data());
        const [x0, x1] = Array.from(x.data());
        return [sg.tensor([g0 !== 0 ? NaN : x1 * g1, x0 * g1], x.shape, { backend: x.backend })];
      },
    });
    const report = sg.gradcheck((x) => partlyNaN(x), [[1, 3]]);
    expect(report.failures.map((f) => [f.index, f.output, f.test])).toEqual([[0, 0, 'finite']]);
    expect(report.checked).toBe(4);
  });

  it('flags an input whose Jacobian is zero', () => {
    const report = sg.gradcheck((x, unused) => sg.sum(sg.square(x)), [[1, 2], [3]]);
    expect(report.ok).toBe(true);
    expect(report.zeroInputs).toEqual([1]);
    expect(report.notes.join()).toMatch(/input 1: the Jacobian is zero/);
  });

  it('fast mode passes a smooth function with one projection and re-runs a failure in full mode', () => {
    const pass = sg.gradcheck((x) => sg.sum(sg.exp(x)), [[1, 2, 3]], { mode: 'fast' });
    expect(pass).toMatchObject({ ok: true, mode: 'fast', checked: 1, failures: [] });
    const wrongExp = sg.defineOp({ name: 'report.wrongExp', forward: (x) => sg.exp(x), vjp: (g, [x]) => [sg.mul(g, sg.mul(sg.exp(x), 1.01))] });
    const fail = sg.gradcheck((x) => wrongExp(x), [[1, 2, 3]], { mode: 'fast' });
    expect(fail.mode).toBe('full');
    expect(fail.notes[0]).toMatch(/^fast mode: .*re-ran in full mode/);
    expect(fail.failures.map((f) => [f.input, f.index, f.output, f.test])).toEqual([[0, 0, 0, 'smooth'], [0, 1, 1, 'smooth'], [0, 2, 2, 'smooth']]);
    fail.failures.forEach((f, i) => {
      expect(f.central).toBeCloseTo(Math.exp(i + 1), 6);
      expect(f.analytic).toBeCloseTo(1.01 * Math.exp(i + 1), 12);
    });
  });

  it('a jump in an op that declares a discontinuity is reported, not failed', () => {
    // sign declares its jump at 0: f jumps by 1 on each side of 0.
    const report = sg.gradcheck((x) => sg.sign(x), [[0]]);
    expect(report.ok).toBe(true);
    expect(report.kinks).toHaveLength(1);
    expect(report.kinks[0]).toMatchObject({ acceptedBy: 'declared discontinuity' });
    expect(Math.abs(report.kinks[0].jump)).toBeCloseTo(1, 6);
    expect(report.notes.join()).toMatch(/f jumps by .*sign declares a discontinuity/);
  });

  it('notes a derivative taken from one side where f is not finite on the other', () => {
    const report = sg.gradcheck((x) => sg.pow(x, 1.5), [[0]]);
    expect(report.ok).toBe(true);
    expect(report.notes.join()).toMatch(/not finite on the left .* the right difference alone/);
  });

  it('raise: true throws a GradcheckError that carries the report and lists the failures', () => {
    const wrong = sg.defineOp({ name: 'report.wrongSquare', forward: (x) => sg.square(x), vjp: (g, [x]) => [sg.mul(g, x)] });
    let error: unknown;
    try {
      sg.gradcheck((x) => wrong(x), [[1, 2]], { raise: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GradcheckError);
    expect((error as GradcheckError).message).toMatch(/2 failures in 4 checks \(inputs \[2\]\):\n {2}input 0 index 0 output 0 \[smooth\]: analytic 1 differs from the derivative 2 \(/);
    expect(((error as GradcheckError).report as sg.GradcheckReport).failures).toHaveLength(2);
  });
});

describe('misuse is refused with typed errors', () => {
  it('fn.length and the number of inputs disagree: the message shows the nesting to use', () => {
    expect(() => sg.gradcheck((x) => sg.sum(x), [-5, 0, 1])).toThrow(ArgumentError);
    expect(() => sg.gradcheck((x) => sg.sum(x), [-5, 0, 1])).toThrow('gradcheck(f, [[-5, 0, 1]])');
    expect(() => sg.gradcheck((a, b) => sg.add(a, b), [[1, 2]])).toThrow(/fn takes 2 tensors but inputs has 1 entries; pass one entry per argument/);
    // A rest-parameter fn (length 0) takes any number of inputs.
    expect(sg.gradcheck((...xs: Tensor[]) => sg.add(xs[0], xs[1]), [[1], [2]]).ok).toBe(true);
  });

  it('NaN or Inf in the inputs or in f(x) is an ArgumentError', () => {
    expect(() => sg.gradcheck((x) => sg.square(x), [[1, NaN]])).toThrow(/input 0 holds NaN at index 1/);
    expect(() => sg.gradcheck((x) => sg.square(x), [[Infinity]])).toThrow(ArgumentError);
    expect(() => sg.gradcheck((x) => sg.log(x), [[1, 0]])).toThrow(/f\(x\) is -Infinity at output 1/);
    expect(() => sg.gradcheck((x) => sg.sqrt(x), [[-1]])).toThrow(/f\(x\) is NaN at output 0/);
  });

  it('a float32 backend is refused: finite differences need float64', () => {
    for (const backend of [sg.createBackend({ backend: 'js', dtype: 'float32' }), ...wasmBackends]) {
      expect(() => sg.gradcheck((x) => sg.square(x), [[1]], { backend })).toThrow(BackendError);
      expect(() => sg.gradcheck((x) => sg.square(x), [[1]], { backend })).toThrow(/needs a float64 backend, got .*; use checkBackends/);
    }
  });

  it('bad options and inputs', () => {
    const f = (x: Tensor) => sg.square(x);
    expect(() => sg.gradcheck(f, [[1]], { eps: 0 })).toThrow(/eps must be a finite number > 0/);
    expect(() => sg.gradcheck(f, [[1]], { mode: 'quick' as 'fast' })).toThrow(/mode must be one of 'full', 'fast'/);
    expect(() => sg.gradcheck(f, [[1]], { tolerance: 1 } as never)).toThrow(/unknown option 'tolerance'/);
    expect(() => sg.gradcheck(f, [[1]], { seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => sg.gradcheck(f, [])).toThrow(/inputs must be a non-empty array/);
    expect(() => sg.gradcheck(f, [[]])).toThrow(/input 0 is empty/);
    expect(() => sg.gradcheck(f, ['x' as never])).toThrow(ArgumentError);
    expect(() => sg.gradcheck(f, [sg.tensor(new Int32Array([1]))])).toThrow(BackendError);
    expect(() => sg.gradcheck(5 as never, [[1]])).toThrow(/fn must be a function/);
    expect(() => sg.gradcheck(() => 5 as never, [[1]])).toThrow(/fn must return a Tensor/);
  });
});

describe('checkKinks: declared kink probes, verified', () => {
  it('every built-in op\'s declared kinks hold', () => {
    const report = sg.checkKinks();
    expect(report.checks.filter((c) => !c.ok).map((c) => `${c.op}: ${c.reason}`)).toEqual([]);
    expect(report.checks.length).toBeGreaterThan(20);
    const relu = sg.checkKinks('relu').checks;
    expect(relu.map((c) => [c.at, c.declared, c.returned])).toEqual([['x = 0', [[0, 0]], [[0, 0]]], ['x = 0, subgradientAtZero: 0.3', [[0.3]], [[0.3]]]]);
  });

  const reluLike = (name: string, atZero: number, declared: number) => {
    const op: (x: Tensor) => Tensor = sg.defineOp({
      name,
      forward: (x) => sg.relu(x),
      vjp: (g, [x]) => [sg.mul(g, sg.tensor(Array.from(x.data(), (v) => (v > 0 ? 1 : v < 0 ? 0 : atZero)), x.shape, { backend: x.backend }))],
      kinks: [{ at: 'x = 0', returns: String(declared), probe: { inputs: [[0]], call: (x) => op(x), grads: [[declared]] } } satisfies Kink],
    });
    return op;
  };

  it('a probe claiming a gradient of 42 is rejected, by checkKinks and by gradcheck of any fn using the op', () => {
    // The op returns 0.5 at 0 but declares 42.
    const liar = reluLike('probes.liar', 0.5, 42);
    const check = sg.checkKinks('probes.liar');
    expect(check.ok).toBe(false);
    expect(check.checks[0]).toMatchObject({ op: 'probes.liar', at: 'x = 0', declared: [[42]], returned: [[0.5]] });
    expect(check.checks[0].reason).toMatch(/the op returns \[\[0.5\]\] at the probe, but the declaration says \[\[42\]\]/);
    const report = sg.gradcheck((x) => sg.sum(liar(x)), [[1, 2]]);
    expect(report.ok).toBe(false);
    expect(report.failures).toMatchObject([{ test: 'declared kink', reason: expect.stringMatching(/^probes.liar's declared kink at x = 0/) }]);
  });

  it('a probe whose op really returns 42 is rejected: 42 is no subgradient of relu at 0', () => {
    reluLike('probes.honest42', 42, 42);
    const check = sg.checkKinks('probes.honest42');
    expect(check.ok).toBe(false);
    expect(check.checks[0].returned).toEqual([[42]]);
    expect(check.checks[0].reason).toMatch(/is not a subgradient there: at a kink the analytic value must lie between the one-sided slopes \[0, 1\], got 42/);
  });

  it('a true probe passes', () => {
    reluLike('probes.true', 0.25, 0.25);
    expect(sg.checkKinks('probes.true').ok).toBe(true);
  });

  it('an unknown op name is an ArgumentError', () => {
    expect(() => sg.checkKinks('no such op')).toThrow(/checkKinks: no op named 'no such op' is registered/);
    expect(() => sg.checkKinks(3 as never)).toThrow(ArgumentError);
  });
});
