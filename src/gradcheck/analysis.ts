// The state of one full check: the analytic Jacobian at x, a step per
// coordinate, what the finite differences say about every entry, and the
// directional slopes f'(x; v) that the tests of coupled coordinates share
// across output rows.
import { Generator } from '../random.js';
import { Line, examine, oneSided, type Entry, type Slope } from './differences.js';
import type { Problem } from './problem.js';
import { num, type Coordinate, type GradcheckFailure, type GradcheckTest } from './report.js';

export interface Settings {
  eps: number;
  atol: number;
  rtol: number;
  convex: boolean;
  seed: number;
}

const resolved = (e: Entry) => e.kind === 'smooth' || e.kind === 'kink';

/** A step h is too small when rounding in f (about ε·|f| per evaluation) exceeds this fraction of the tolerance. */
const NOISE_STEP = 512 * Number.EPSILON;

export class Analysis {
  /** J[o][j]: row o of the analytic Jacobian. */
  readonly J: Float64Array[];
  /** The first step along each coordinate: relative to |x_j|, and large enough for f's rounding. */
  readonly steps: Float64Array;
  /** entries[j][o]: the finite differences of output o along coordinate j. */
  readonly entries: Entry[][];
  readonly random: Generator;
  private readonly slopes = new Map<string, Slope[]>();
  private readonly directions = new Map<string, Float64Array[]>();

  constructor(
    readonly problem: Problem,
    readonly settings: Settings,
  ) {
    const { x0, f0, n, m } = problem;
    const { eps, atol, rtol } = settings;
    this.random = new Generator(settings.seed);
    this.J = problem.rows(x0, Array.from({ length: m }, (_, o) => o));
    this.steps = Float64Array.from(x0, (x, j) => {
      let h = eps * Math.max(1, Math.abs(x));
      for (let o = 0; o < m; o++) {
        const a = Math.abs(this.J[o][j]);
        if (!Number.isNaN(a)) h = Math.max(h, (NOISE_STEP * Math.abs(f0[o])) / (atol + rtol * a));
      }
      return h;
    });
    this.entries = Array.from({ length: n }, (_, j) => {
      const e = new Float64Array(n);
      e[j] = 1;
      const along = (step: number) => examine(new Line((x) => problem.evaluate(x), x0, e, f0, step), this.J.map((row) => row[j]), atol, rtol);
      const entries = along(this.steps[j]);
      // Where f varies on the scale of a small |x_j| (log near 0), a step relative to |x_j| alone may resolve it.
      const small = eps * Math.abs(x0[j]);
      if (small === 0 || small >= this.steps[j] || entries.every(resolved)) return entries;
      const retry = along(small);
      if (!retry.some((r, o) => resolved(r) && !resolved(entries[o]))) return entries;
      this.steps[j] = small;
      return retry.map((r, o) => (resolved(r) || !resolved(entries[o]) ? r : entries[o]));
    });
  }

  get n(): number {
    return this.problem.n;
  }

  locate(j: number): Coordinate {
    return this.problem.locate(j);
  }

  /** The tolerance of entry (o, j): atol + rtol·(the size of its one-sided slopes). */
  tau(o: number, j: number): number {
    const e = this.entries[j][o];
    const size = e.kind === 'smooth' ? Math.abs(e.ref) : Math.max(Math.abs(e.left.value), Math.abs(e.right.value));
    return this.settings.atol + this.settings.rtol * size;
  }

  /** The slope of output o along coordinate j from side s (the derivative itself where f is smooth). */
  side(o: number, j: number, s: 1 | -1): { value: number; error: number } {
    const e = this.entries[j][o];
    if (e.kind === 'smooth') return { value: e.ref, error: e.error };
    return s > 0 ? e.right : e.left;
  }

  /** f'(x; v) for every output: the one-sided slope along the displacement v. */
  slope(v: Float64Array): Slope[] {
    const key = v.join();
    let s = this.slopes.get(key);
    if (!s) {
      const line = new Line((x) => this.problem.evaluate(x), this.problem.x0, v, this.problem.f0);
      const size = v.reduce((a, b) => a + Math.abs(b), 0);
      s = oneSided(line, 1, new Float64Array(this.problem.m).fill(this.settings.atol * size), this.settings.rtol);
      this.slopes.set(key, s);
    }
    return s;
  }

  /** f'(x; v) of row o: from the coordinate's own slopes when v moves one coordinate, else along v. */
  directional(o: number, v: Float64Array): { value: number; error: number; settled: boolean } {
    const moved = [...v.keys()].filter((j) => v[j] !== 0);
    if (moved.length !== 1) return this.slope(v)[o];
    const [j] = moved;
    const s = this.side(o, j, v[j] > 0 ? 1 : -1);
    return { value: v[j] * s.value, error: Math.abs(v[j]) * s.error, settled: true };
  }

  /**
   * Σ over `parts` of f'(x; v restricted to the part), with the margin the
   * finite differences allow: what f'(x; v) is when f'(x; ·) is additive over
   * the parts.
   */
  sumOverParts(o: number, v: Float64Array, parts: readonly (readonly number[])[]): { value: number; margin: number } {
    let value = 0;
    let margin = this.tauAlong(o, v) / 16;
    for (const part of parts) {
      const s = this.directional(o, Float64Array.from(v, (x, j) => (part.includes(j) ? x : 0)));
      value += s.value;
      margin += s.error;
    }
    return { value, margin };
  }

  /** The displacement Σ weights[k]·h_j over the coordinates of `at`. */
  displacement(at: readonly number[], weights: ArrayLike<number>): Float64Array {
    const v = new Float64Array(this.n);
    at.forEach((j, k) => (v[j] = weights[k] * this.steps[j]));
    return v;
  }

  /**
   * How far f'(x; si·h_i e_i + sj·h_j e_j) is from the sum of the one-sided
   * slopes along each coordinate (0 when f is separable in i and j), with
   * the margin the finite differences allow.
   */
  pairGap(o: number, i: number, si: 1 | -1, j: number, sj: 1 | -1): { gap: number; margin: number; settled: boolean } {
    const v = this.displacement([i, j], [si, sj]);
    const s = this.slope(v)[o];
    const parts = this.sumOverParts(o, v, [[i], [j]]);
    return { gap: s.value - parts.value, margin: s.error + parts.margin, settled: s.settled };
  }

  /** A failure of one Jacobian entry. */
  failure(o: number, j: number, test: GradcheckTest, reason: string): GradcheckFailure {
    const e = this.entries[j][o];
    return {
      ...this.locate(j), output: o, analytic: this.J[o][j], central: e.ref, left: e.left.value, right: e.right.value,
      atKink: e.kind === 'kink', test, reason,
    };
  }

  /**
   * A failure along a direction of several coordinates, scaled to a largest
   * weight of 1: the values are g·v and f'(x; v) (or what else bounds g·v).
   */
  directionFailure(o: number, v: Float64Array, analytic: number, reference: number, test: GradcheckTest, reason: (gv: string, fv: string) => string): GradcheckFailure {
    const scale = Math.max(...v.map(Math.abs)) || 1;
    const direction = [...v.keys()].filter((j) => v[j] !== 0).map((j) => ({ ...this.locate(j), weight: v[j] / scale }));
    const [gv, fv] = [analytic / scale, reference / scale];
    return {
      input: -1, index: -1, output: o, analytic: gv, central: fv, left: NaN, right: NaN, atKink: true, test,
      reason: reason(num(gv), num(fv)), direction,
    };
  }

  /** g·v for row o. */
  dot(o: number, v: ArrayLike<number>): number {
    let s = 0;
    for (let j = 0; j < v.length; j++) if (v[j] !== 0) s += this.J[o][j] * v[j];
    return s;
  }

  /** The tolerance of a directional derivative of row o along v: Σ|v_j|·tau(o, j). */
  tauAlong(o: number, v: ArrayLike<number>): number {
    let s = 0;
    for (let j = 0; j < v.length; j++) if (v[j] !== 0) s += Math.abs(v[j]) * this.tau(o, j);
    return s;
  }

  /**
   * Directions over `coords` (scaled by the steps) for checking that f'(x; ·)
   * is additive over a split of them: ±1, and ± a random direction in the
   * positive orthant (where the cones of min and max compositions lie) and
   * one anywhere.
   * The same for every row, so their slopes are shared.
   */
  testDirections(coords: readonly number[]): Float64Array[] {
    const key = coords.join();
    let ds = this.directions.get(key);
    if (!ds) {
      const k = coords.length;
      const ws = [new Float64Array(k).fill(1), this.normal(k).map(Math.abs), this.normal(k)];
      ds = ws.flatMap((w) => [w, w.map((v) => -v)]).map((w) => this.displacement(coords, w));
      this.directions.set(key, ds);
    }
    return ds;
  }

  /** A standard normal vector of the given length. */
  normal(length: number): Float64Array {
    return Float64Array.from({ length }, () => this.random.normal());
  }

  /** The analytic value of row o at a nearby point y, checked against the finite differences along y + t·v. */
  verifyAt(o: number, y: Float64Array, gradient: Float64Array, v: Float64Array): 'ok' | 'kink' | { analytic: number; reference: number } {
    const f = (x: Float64Array) => Float64Array.of(this.problem.evaluate(x)[o]);
    const size = v.reduce((a, b) => a + Math.abs(b), 0);
    const analytic = gradient.reduce((s, g, j) => s + (v[j] === 0 ? 0 : g * v[j]), 0);
    const [e] = examine(new Line(f, y, v, f(y)), [analytic], this.settings.atol * size, this.settings.rtol);
    if (e.kind !== 'smooth') return 'kink';
    return Math.abs(analytic - e.ref) <= this.settings.atol * size + this.settings.rtol * Math.abs(e.ref) ? 'ok' : { analytic, reference: e.ref };
  }
}
