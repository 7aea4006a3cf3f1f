// gradcheck: proves analytic (sub)gradients against careful finite
// differences on a float64 backend. Where f is smooth the analytic value must
// match the extrapolated derivative; at a kink it must be an element of the
// subdifferential (docs/gradcheck.md has the algorithm); whatever cannot be
// decided fails as unresolvable, never passes.
import { Backend } from '../backend/backend.js';
import { checkBoolean, checkFunction, checkInteger, checkNumber, checkOneOf, withDefaults } from '../check.js';
import { ArgumentError, BackendError } from '../errors.js';
import { opTable } from '../ops/define.js';
import { Generator } from '../random.js';
import { fmt } from '../shape.js';
import { Tensor, type NestedArray } from '../tensor.js';
import { Line, examine } from './differences.js';
import { checkFull } from './full.js';
import { declaredKinkFailures } from './probes.js';
import { Problem, float64, readInput, type Fn } from './problem.js';
import { num, raiseIfFailed, type GradcheckFailure, type GradcheckReport } from './report.js';

export { checkBackends, type BackendComparison } from './backends.js';
export { checkKinks, type KinkCheck, type KinkCheckReport } from './probes.js';
export type { Coordinate, GradcheckFailure, GradcheckKink, GradcheckReport, GradcheckTest } from './report.js';

export interface GradcheckOptions {
  /** First finite-difference step, relative to max(1, |x|) (default 1e-6); refined where needed. */
  eps?: number;
  /** Absolute tolerance per Jacobian entry (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** 'full' checks every Jacobian entry; 'fast' one random projection, re-run in full when it does not pass. */
  mode?: 'full' | 'fast';
  /** Seed of the random projections, directions and sample points. */
  seed?: number;
  /** fn is convex (scalar): at kinks, also require g·v <= f'(x; v) on every probed direction. */
  convex?: boolean;
  /** Throw a GradcheckError carrying the report when the check fails. */
  raise?: boolean;
  /** A float64 backend to evaluate on (default: the js float64 reference). */
  backend?: Backend;
}

const DEFAULTS = { eps: 1e-6, atol: 1e-5, rtol: 1e-3, mode: 'full' as 'full' | 'fast', seed: 0, convex: false, raise: false };

/** Writes inputs the way a user would type them: [[-5, 0, 1]]. */
function literal(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(literal).join(', ')}]`;
  if (x instanceof Tensor) return `<tensor ${fmt(x.shape)}>`;
  return String(x);
}

export function gradcheck(fn: Fn, inputs: readonly (Tensor | NestedArray)[], options: GradcheckOptions = {}): GradcheckReport {
  checkFunction('gradcheck', 'fn', fn);
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new ArgumentError('gradcheck', `inputs must be a non-empty array with one entry per argument of fn, got ${literal(inputs)}`);
  }
  const s = withDefaults('gradcheck', DEFAULTS, options, ['backend']);
  checkNumber('gradcheck', 'eps', s.eps, { above: 0 });
  checkNumber('gradcheck', 'atol', s.atol, { min: 0 });
  checkNumber('gradcheck', 'rtol', s.rtol, { min: 0 });
  checkOneOf('gradcheck', 'mode', s.mode, ['full', 'fast'] as const);
  checkInteger('gradcheck', 'seed', s.seed, 0);
  checkBoolean('gradcheck', 'convex', s.convex);
  checkBoolean('gradcheck', 'raise', s.raise);
  const backend = options.backend ?? float64();
  if (!(backend instanceof Backend)) throw new ArgumentError('gradcheck', `backend must be a Backend (from createBackend), got ${literal(backend)}`);
  if (backend.dtype !== 'float64') {
    throw new BackendError('gradcheck', `needs a float64 backend, got ${backend.label}: float32 cannot resolve finite differences; use checkBackends(fn, inputs) to compare a float32 backend with the float64 reference`);
  }
  // A rest-parameter fn has length 0 and takes any number of inputs.
  if (fn.length > 0 && fn.length !== inputs.length) {
    const hint = fn.length === 1
      ? `to check one tensor, nest it: gradcheck(f, [${literal(inputs)}])`
      : `pass one entry per argument: gradcheck(f, [x1, …, x${fn.length}])`;
    throw new ArgumentError('gradcheck', `fn takes ${fn.length} tensor${fn.length > 1 ? 's' : ''} but inputs has ${inputs.length} entries; ${hint}`);
  }
  const xs = inputs.map((x, i) => readInput('gradcheck', x, i, backend));
  const x0 = new Float64Array(xs.reduce((a, x) => a + x.values.length, 0));
  xs.reduce((at, x) => (x0.set(x.values, at), at + x.values.length), 0);
  const problem = new Problem(fn, xs.map((x) => x.shape), x0, backend);
  if (problem.m === 0) throw new ArgumentError('gradcheck', 'fn returned an empty tensor: nothing to check');
  const bad = problem.f0.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new ArgumentError('gradcheck', `f(x) is ${problem.f0[bad]} at output ${bad}; check at a point where f is finite`);

  const declaredJumps = [...problem.ops].filter((name) => opTable.get(name)?.kinks.some((k) => k.discontinuous));
  const notes: string[] = [];
  let report: GradcheckReport | null = null;
  if (s.mode === 'fast') {
    const why = fastCheck(problem, s);
    if (why === null) report = { ok: true, mode: 'fast', maxError: 0, checked: 1, failures: [], kinks: [], zeroInputs: [], notes, evaluations: 0 };
    else notes.push(`fast mode: ${why}; re-ran in full mode to name the entries`);
  }
  if (!report) {
    const found = checkFull(problem, s, declaredJumps);
    notes.push(...found.notes);
    report = { ok: false, mode: 'full', maxError: 0, checked: found.checked, failures: found.failures, kinks: found.kinks, zeroInputs: found.zeroInputs, notes, evaluations: 0 };
  }
  report.failures.push(...declaredKinkFailures(problem.ops));
  report.ok = report.failures.length === 0;
  report.maxError = Math.max(0, ...report.failures.map(excess).filter(Number.isFinite));
  report.evaluations = problem.evaluations;
  if (s.raise) raiseIfFailed(report, xs.map((x) => fmt(x.shape)).join(', '));
  return report;
}

/** How far a failed analytic value is from what its test allows (NaN where that is no number). */
function excess(f: GradcheckFailure): number {
  if (f.test === 'smooth' || f.test === 'convex directions') return Math.abs(f.analytic - f.central);
  if (f.test === 'one-sided interval') return Math.max(Math.min(f.left, f.right) - f.analytic, f.analytic - Math.max(f.left, f.right));
  return NaN;
}

/**
 * One random projection: uᵀJv against the derivative of u·f along v. Null
 * when it passes; otherwise why not (a mismatch, a kink along v, or no
 * settled difference), so the caller re-runs in full mode.
 */
function fastCheck(problem: Problem, s: typeof DEFAULTS): string | null {
  const g = new Generator(s.seed);
  const { x0, f0 } = problem;
  const u = Float64Array.from(f0, () => g.normal());
  const v = Float64Array.from(x0, (x) => g.normal() * s.eps * Math.max(1, Math.abs(x)));
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let t = 0;
    for (let i = 0; i < a.length; i++) t += a[i] * b[i];
    return t;
  };
  const [grad] = problem.gradients(x0, [u]);
  const analytic = dot(grad, v);
  const line = new Line((x) => Float64Array.of(dot(u, problem.evaluate(x))), x0, v, Float64Array.of(dot(u, f0)));
  const atol = s.atol * u.reduce((a, b) => a + Math.abs(b), 0) * v.reduce((a, b) => a + Math.abs(b), 0);
  const [e] = examine(line, [analytic], atol, s.rtol);
  if (e.kind !== 'smooth') return `the projection met a ${e.kind === 'unresolved' ? 'point it could not resolve' : e.kind}`;
  if (!(Math.abs(analytic - e.ref) <= atol + s.rtol * Math.abs(e.ref))) return `the projection uᵀJv = ${num(analytic)} differs from the finite difference ${num(e.ref)}`;
  return null;
}
