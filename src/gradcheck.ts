// Gradient checking against finite differences, aware of kinks: where the
// one-sided differences disagree the point is non-differentiable, and the
// analytic value passes iff it lies between them (a valid subgradient for
// convex or piecewise-smooth ops). Runs on a float64 js backend by default.
import type { Backend } from './backend/backend.js';
import { ArgumentError, GradcheckError } from './errors.js';
import { Generator } from './random.js';
import { createBackend, getBackend } from './runtime.js';
import { fmt, sizeOf } from './shape.js';
import { scope } from './storage.js';
import { noGrad } from './tape.js';
import { Tensor, tensor, type NestedArray } from './tensor.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** 'full' compares every Jacobian entry; 'fast' projects both Jacobians on random vectors. */
  mode?: 'full' | 'fast';
  /** Seed of the random projections and convexity probes. */
  seed?: number;
  /** Also check the subgradient inequality f(x + d) >= f(x) + g·d - atol at random small d (scalar fn). */
  convex?: boolean;
  /** Throw a GradcheckError carrying the report when the check fails. */
  raise?: boolean;
  /** Where to evaluate (default: a js float64 backend). */
  backend?: Backend;
}

export interface GradcheckFailure {
  /** Which input (-1 in fast mode, where all inputs are projected together). */
  input: number;
  /** Flat index into the input. */
  index: number;
  /** Flat index into the output (-1 in fast mode or for convexity failures). */
  output: number;
  analytic: number;
  central: number;
  left: number;
  right: number;
  atKink: boolean;
  reason: string;
}

export interface GradcheckReport {
  ok: boolean;
  /** Worst |analytic - reference| beyond what the tolerance allows, 0 when ok. */
  maxError: number;
  /** Jacobian entries (or projections) found at a kink. */
  kinks: number;
  checked: number;
  failures: GradcheckFailure[];
}

let float64: Backend | null = null;
function defaultCheckBackend(): Backend {
  float64 ??= createBackend({ backend: 'js', dtype: 'float64' });
  return float64;
}

function valuesOf(x: Tensor | NestedArray, i: number): { values: Float64Array; shape: number[] } {
  const read = (t: Tensor) => ({ values: Float64Array.from(t.data()), shape: [...t.shape] });
  const out = x instanceof Tensor ? read(x) : scope(() => read(tensor(x, undefined, { backend: defaultCheckBackend() })));
  if (out.values.length === 0) throw new ArgumentError('gradcheck', `input ${i} is empty`);
  return out;
}

type Fn = (...xs: Tensor[]) => Tensor;

export function gradcheck(fn: Fn, inputs: readonly (Tensor | NestedArray)[], options: GradcheckOptions = {}): GradcheckReport {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, mode = 'full', seed = 0, convex = false, raise = false } = options;
  if (typeof fn !== 'function') throw new ArgumentError('gradcheck', 'fn must be a function of tensors returning a tensor');
  if (!(eps > 0)) throw new ArgumentError('gradcheck', `eps must be > 0, got ${eps}`);
  if (mode !== 'full' && mode !== 'fast') throw new ArgumentError('gradcheck', `mode must be 'full' or 'fast', got ${String(mode)}`);
  const backend = options.backend ?? defaultCheckBackend();
  const xs = inputs.map(valuesOf);

  const leaves = (vals: Float64Array[], requiresGrad: boolean) =>
    vals.map((v, i) => tensor(v, xs[i].shape, { backend, requiresGrad }));
  const evaluate = (vals: Float64Array[]): Float64Array =>
    scope(() => noGrad(() => Float64Array.from(fn(...leaves(vals, false)).data())));
  const base = xs.map((x) => x.values);
  const f0 = evaluate(base);

  /** Analytic vector-Jacobian products for the given upstream vectors. */
  const vjps = (upstreams: Float64Array[]): Float64Array[][] =>
    scope(() => {
      const ls = leaves(base, true);
      const y = fn(...ls);
      if (!(y instanceof Tensor)) throw new ArgumentError('gradcheck', 'fn must return a Tensor');
      const rows = upstreams.map((u) => {
        for (const l of ls) l.zeroGrad();
        if (y.requiresGrad) y.backward(tensor(u, y.shape, { backend }), { retainGraph: true });
        return ls.map((l, i) => (l.grad ? Float64Array.from(l.grad.data()) : new Float64Array(xs[i].values.length)));
      });
      ls.forEach((l) => l.grad?.dispose());
      return rows;
    });

  const tol = (ref: number) => atol + rtol * Math.abs(ref);
  const failures: GradcheckFailure[] = [];
  let maxError = 0;
  let kinks = 0;
  let checked = 0;
  const judge = (analytic: number, left: number, right: number, where: Omit<GradcheckFailure, 'analytic' | 'central' | 'left' | 'right' | 'atKink' | 'reason'>) => {
    checked++;
    const central = (left + right) / 2;
    const atKink = Math.abs(left - right) > tol(Math.max(Math.abs(left), Math.abs(right)));
    let excess: number;
    if (atKink) {
      kinks++;
      const t = tol(Math.max(Math.abs(left), Math.abs(right)));
      excess = Math.max(Math.min(left, right) - t - analytic, analytic - Math.max(left, right) - t, 0);
    } else excess = Math.max(Math.abs(analytic - central) - tol(central), 0);
    if (excess > 0 || Number.isNaN(analytic) !== Number.isNaN(central)) {
      maxError = Math.max(maxError, excess);
      const reason = atKink
        ? `at a kink the analytic value must lie in [${Math.min(left, right)}, ${Math.max(left, right)}]`
        : `analytic differs from the central difference by ${Math.abs(analytic - central)}`;
      failures.push({ ...where, analytic, central, left, right, atKink, reason });
    }
  };

  const shifted = (i: number, direction: Float64Array[] | null, j: number, h: number) =>
    base.map((v, k) => {
      const c = Float64Array.from(v);
      if (direction) c.forEach((_, q) => (c[q] += h * direction[k][q]));
      else if (k === i) c[j] += h;
      return c;
    });

  if (mode === 'full') {
    const outputs = f0.length;
    const rows = vjps(Array.from({ length: outputs }, (_, o) => Float64Array.from({ length: outputs }, (_, q) => (q === o ? 1 : 0))));
    xs.forEach((x, i) => {
      for (let j = 0; j < x.values.length; j++) {
        const fp = evaluate(shifted(i, null, j, eps));
        const fm = evaluate(shifted(i, null, j, -eps));
        for (let o = 0; o < outputs; o++) {
          judge(rows[o][i][j], (f0[o] - fm[o]) / eps, (fp[o] - f0[o]) / eps, { input: i, index: j, output: o });
        }
      }
    });
  } else {
    const g = new Generator(seed);
    const u = Float64Array.from(f0, () => g.normal());
    const v = xs.map((x) => Float64Array.from(x.values, () => g.normal()));
    const [row] = vjps([u]);
    const analytic = row.reduce((s, r, i) => s + r.reduce((t, a, j) => t + a * v[i][j], 0), 0);
    const dot = (f: Float64Array) => f.reduce((s, a, o) => s + a * u[o], 0);
    const fp = dot(evaluate(shifted(-1, v, 0, eps)));
    const fm = dot(evaluate(shifted(-1, v, 0, -eps)));
    const c0 = dot(f0);
    judge(analytic, (c0 - fm) / eps, (fp - c0) / eps, { input: -1, index: -1, output: -1 });
  }

  if (convex) {
    if (f0.length !== 1) throw new ArgumentError('gradcheck', `convex: true needs a scalar fn, got ${f0.length} outputs`);
    const g = new Generator(seed + 1);
    const [grad] = vjps([Float64Array.of(1)]);
    for (let trial = 0; trial < 16; trial++) {
      const d = xs.map((x) => Float64Array.from(x.values, () => 1e-3 * g.normal()));
      const fd = evaluate(shifted(-1, d, 0, 1))[0];
      const linear = f0[0] + grad.reduce((s, r, i) => s + r.reduce((t, a, j) => t + a * d[i][j], 0), 0);
      checked++;
      if (fd < linear - atol) {
        maxError = Math.max(maxError, linear - atol - fd);
        failures.push({
          input: -1, index: trial, output: -1, analytic: linear, central: fd, left: fd, right: fd, atKink: false,
          reason: `subgradient inequality violated: f(x + d) = ${fd} < f(x) + g·d = ${linear}`,
        });
      }
    }
  }

  const report: GradcheckReport = { ok: failures.length === 0, maxError, kinks, checked, failures };
  if (!report.ok && raise) {
    const lines = failures.slice(0, 10).map((f) =>
      `  input ${f.input} index ${f.index} output ${f.output}: analytic ${f.analytic}, central ${f.central}, left ${f.left}, right ${f.right}${f.atKink ? ' (kink)' : ''}: ${f.reason}`,
    );
    throw new GradcheckError(
      `${failures.length} of ${checked} checks failed (inputs ${xs.map((x) => fmt(x.shape)).join(', ')}):\n${lines.join('\n')}`,
      report,
    );
  }
  return report;
}

export interface BackendComparison {
  /** Worst relative error of the outputs. */
  output: number;
  /** Worst relative error per input gradient. */
  grads: number[];
  /** The worst of all. */
  worst: number;
  reference: string;
  tested: string;
}

/**
 * Runs fn forward and backward (with a seeded random upstream gradient) on a
 * js float64 reference and on another backend (default: a wasm backend),
 * reporting relative errors |a - b| / max(|b|, 1e-3 · max|b|).
 */
export function checkBackends(
  fn: Fn,
  inputs: readonly (Tensor | NestedArray)[],
  options: { backend?: Backend; seed?: number } = {},
): BackendComparison {
  const reference = defaultCheckBackend();
  const tested = options.backend ?? (getBackend().name === 'wasm' ? getBackend() : createBackend({ backend: 'wasm' }));
  const xs = inputs.map(valuesOf);
  const run = (backend: Backend) =>
    scope(() => {
      const ls = xs.map((x) => tensor(x.values, x.shape, { backend, requiresGrad: true }));
      const y = fn(...ls);
      const g = new Generator(options.seed ?? 0);
      const u = Float64Array.from({ length: sizeOf(y.shape) }, () => g.normal());
      if (y.requiresGrad) y.backward(tensor(u, y.shape, { backend }));
      const result = {
        out: Float64Array.from(y.data()),
        grads: ls.map((l, i) => (l.grad ? Float64Array.from(l.grad.data()) : new Float64Array(xs[i].values.length))),
      };
      ls.forEach((l) => l.grad?.dispose());
      return result;
    });
  const ref = run(reference);
  const got = run(tested);
  const output = relativeError(got.out, ref.out);
  const grads = ref.grads.map((r, i) => relativeError(got.grads[i], r));
  return { output, grads, worst: Math.max(output, ...grads), reference: reference.label, tested: tested.label };
}

function relativeError(a: Float64Array, b: Float64Array): number {
  // NaN does not set the scale: a NaN that both sides share must not make every other element's error NaN.
  const scale = b.reduce((m, v) => (Number.isNaN(v) ? m : Math.max(m, Math.abs(v))), 0);
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) continue;
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-3 * scale, 1e-30));
  }
  return worst;
}
