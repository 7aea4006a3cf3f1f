// What gradcheck reports: every failure with the test that rejected it, and
// every kink it found with the test that accepted the analytic value there.
import { GradcheckError } from '../errors.js';

/** The tests an analytic value can meet. */
export type GradcheckTest =
  /** |analytic - derivative| within tolerance where f is differentiable along the coordinate. */
  | 'smooth'
  /** A kink seen along one coordinate only: the value must lie between the one-sided slopes. */
  | 'one-sided interval'
  /** Convex f: g·v <= f'(x; v) for every probed direction v. */
  | 'convex directions'
  /** Coupled kinks: g must lie in the convex hull of gradients sampled around x (Clarke's subdifferential). */
  | 'Clarke hull'
  /** The finite differences could not be made accurate enough to decide. */
  | 'unresolvable'
  /** f jumps: no derivative exists, and no op in fn declared the jump. */
  | 'discontinuity'
  /** The analytic value is NaN or infinite. */
  | 'finite'
  /** A custom op's declared kink probe (see checkKinks). */
  | 'declared kink';

export interface Coordinate {
  input: number;
  /** Flat index into the input. */
  index: number;
}

export interface GradcheckFailure extends Coordinate {
  /** Flat index into the output (-1 in fast mode). Input and index are -1 for a test on several coordinates at once. */
  output: number;
  /** The analytic value (for a direction: g·v). */
  analytic: number;
  /** The finite-difference reference (the derivative; for a direction: f'(x; v)); NaN at a kink. */
  central: number;
  /** Extrapolated one-sided slopes. */
  left: number;
  right: number;
  atKink: boolean;
  test: GradcheckTest;
  reason: string;
  /** For a test on several coordinates: the direction that separates the analytic value from what is allowed. */
  direction?: (Coordinate & { weight: number })[];
}

export interface GradcheckKink extends Coordinate {
  output: number;
  /** Richardson-extrapolated one-sided slopes along the coordinate and their error estimates. */
  left: number;
  right: number;
  leftError: number;
  rightError: number;
  analytic: number;
  /** The jump of f for a declared discontinuity, 0 at a corner. */
  jump: number;
  /** The test that accepted the analytic value, or null when it was rejected (then it is among the failures). */
  acceptedBy: 'one-sided interval' | 'Clarke hull' | 'convex directions and Clarke hull' | 'declared discontinuity' | null;
}

export interface GradcheckReport {
  ok: boolean;
  /** The mode that produced the report: 'full' also when fast mode was inconclusive and re-ran in full. */
  mode: 'full' | 'fast';
  /** Worst excess of |analytic - reference| over its tolerance, 0 when ok. */
  maxError: number;
  /** Jacobian entries compared (1 in fast mode). */
  checked: number;
  failures: GradcheckFailure[];
  /** Every kink found, with the one-sided slopes there and how the analytic value was judged. */
  kinks: GradcheckKink[];
  /** Inputs whose Jacobian is zero both analytically and numerically: fn may not use them. */
  zeroInputs: number[];
  /** What else the check did: escalations from fast mode, declared discontinuities, one-sided fallbacks. */
  notes: string[];
  /** Evaluations of fn (forward only; each backward also runs one forward). */
  evaluations: number;
}

/** A number for a message: 8 significant digits are plenty to see a mismatch. */
export const num = (v: number): string => String(Number(v.toPrecision(8)));

const where = (f: GradcheckFailure) =>
  f.input >= 0 ? `input ${f.input} index ${f.index} output ${f.output} ` : f.output >= 0 ? `output ${f.output} ` : '';

export function raiseIfFailed(report: GradcheckReport, shapes: string): void {
  if (report.ok) return;
  const lines = report.failures.slice(0, 10).map((f) => `  ${where(f)}[${f.test}]: ${f.reason}`);
  if (report.failures.length > 10) lines.push(`  … and ${report.failures.length - 10} more`);
  throw new GradcheckError(`${report.failures.length} failures in ${report.checked} checks (inputs ${shapes}):\n${lines.join('\n')}`, report);
}
