// The finite-difference engine. Along a line x + t·d it estimates, for every
// output, the one-sided slopes from the left and from the right by Richardson
// extrapolation over halving steps, each with an error estimate (the change
// between successive extrapolations plus rounding noise). A cheap stage of
// four evaluations settles clearly smooth points; everything else gets the
// careful stage, which halves the step until both slopes settle (so other
// kinks or poles inside the first stencil drop out), then grows it where
// rounding dominates, and tells a corner from a jump from an unresolvable point.

/** Rounding noise of one evaluation of f, in units of ε·|f| (generous: f's own rounding is unknown). */
const NOISE = 8;
/** Halving steps at most, below the first step. */
const DESCENT = 40;
/** Doubling steps at most, above the first step (for cancellation noise). */
const ASCENT = 12;

const noise = (f: number) => NOISE * Number.EPSILON * Math.abs(f);

interface Point {
  /** The step actually realised by the representable point x + t·d. */
  t: number;
  f: Float64Array;
}

/** f along x + t·d; evaluations are cached, since both stages share them. */
export class Line {
  private readonly points = new Map<number, Point | null>();

  constructor(
    private readonly f: (x: Float64Array) => Float64Array,
    readonly x: Float64Array,
    readonly d: Float64Array,
    readonly f0: Float64Array,
    /** The first step, in units of d: levels are multiples of it. */
    readonly step = 1,
  ) {}

  /** f at the representable point nearest x + level·step·d, with its realised t; null when that point is x. */
  at(level: number): Point | null {
    let p = this.points.get(level);
    if (p === undefined) {
      const t = level * this.step;
      const y = Float64Array.from(this.x, (v, k) => v + t * this.d[k]);
      // Least squares: the realised displacement y - x is t·d up to rounding, coordinate by coordinate.
      let num = 0;
      let den = 0;
      this.d.forEach((dk, k) => {
        num += (y[k] - this.x[k]) * dk;
        den += dk * dk;
      });
      p = num === 0 ? null : { t: num / den, f: this.f(y) };
      this.points.set(level, p);
    }
    return p;
  }
}

/** A one-sided slope of one output along the line, per unit of t. */
export interface Slope {
  /** Richardson-extrapolated slope (NaN when no step gave a finite one). */
  value: number;
  /** Its error estimate (Infinity when none). */
  error: number;
  /** Whether the error estimate is below a quarter of the tolerance. */
  settled: boolean;
  /** The jump of f at x on this side when the differences grow like 1/t, else 0. */
  jump: number;
  /** Whether any step gave a finite value. */
  finite: boolean;
  /** The largest |t| of the steps the value came from: the reach of the smooth piece. */
  reach: number;
  /** The smallest |t| that gave a finite value. */
  floor: number;
}

/** Tolerance of a slope of this value: atol (per output) + rtol·|value|. */
type Tolerance = (o: number, value: number) => number;

/** The best Richardson estimate over consecutive steps (sorted by |t|, largest first). */
function slopeOf(levels: readonly Point[], f0: number, o: number, tol: Tolerance): Slope {
  const best: Slope = { value: NaN, error: Infinity, settled: false, jump: 0, finite: false, reach: 0, floor: Infinity };
  // The last two extrapolations: an estimate counts only when it agrees with both (four steps in a row).
  let [prev, before] = [NaN, NaN];
  const jumps: number[] = [];
  for (let k = 1; k < levels.length; k++) {
    const [a, b] = [levels[k - 1], levels[k]];
    const [fa, fb] = [a.f[o], b.f[o]];
    if (!Number.isFinite(fa) || !Number.isFinite(fb)) {
      [prev, before] = [NaN, NaN];
      continue;
    }
    best.finite = true;
    best.floor = Math.min(best.floor, Math.abs(b.t));
    // D(t) = s + c·t + …: eliminate c between the two steps; same for the jump J + s·t of Δf.
    const [da, db] = [(fa - f0) / a.t, (fb - f0) / b.t];
    const r = (a.t * db - b.t * da) / (a.t - b.t);
    jumps.push((a.t * (fb - f0) - b.t * (fa - f0)) / (a.t - b.t));
    const amplification = (Math.abs(a.t) + Math.abs(b.t)) / Math.abs(a.t - b.t);
    const rounding = amplification * (noise(f0) + noise(fb)) / Math.abs(b.t);
    // Two bounds on the error: the change of the raw quotient over one halving (it does not
    // change on a linear piece, and changes whenever a kink sits inside the step), and the
    // change of the extrapolation over the last three (for curved pieces).
    const raw = Math.abs(db - da) + rounding;
    const extrapolated = Math.max(Math.abs(r - prev), Math.abs(prev - before)) + rounding;
    if (raw < best.error) Object.assign(best, { value: r, error: raw, reach: Math.abs(a.t) });
    if (extrapolated < best.error) Object.assign(best, { value: r, error: extrapolated, reach: Math.abs(levels[k - 3].t) });
    [prev, before] = [r, prev];
  }
  best.settled = best.error <= tol(o, best.value) / 4;
  // A jump: the extrapolated Δf(0+) is the same at the two finest steps and far above rounding.
  const [j1, j2] = jumps.slice(-2);
  if (!best.settled && jumps.length >= 2 && Math.abs(j2 - j1) <= 0.1 * Math.abs(j2) && Math.abs(j2) > 1e3 * noise(f0)) best.jump = j2;
  return best;
}

/**
 * One-sided slopes of every output at t = 0 from the side `sign`, starting
 * from levels 1 and 1/2 of the line's step and refining until each output
 * settles: halving while that helps, then doubling where rounding dominates.
 */
export function oneSided(line: Line, sign: 1 | -1, atol: ArrayLike<number>, rtol: number): Slope[] {
  const tol: Tolerance = (o, value) => atol[o] + rtol * Math.abs(value);
  const f0 = line.f0;
  const levels: Point[] = [];
  const estimate = () => Array.from(f0, (v, o) => slopeOf(levels, v, o, tol));
  const add = (t: number, atEnd: boolean) => {
    const p = line.at(sign * t);
    if (p) atEnd ? levels.push(p) : levels.unshift(p);
    return p !== null;
  };
  [1, 0.5].forEach((t) => add(t, true));
  let slopes = estimate();
  // Halve while some output is unsettled and its rounding noise still leaves room to settle.
  const refinable = (s: Slope, o: number) => {
    const finest = levels[levels.length - 1];
    if (s.settled) return false;
    // Where f is undefined on this side (sqrt left of 0), give up after a dozen levels.
    if (!finest || !Number.isFinite(finest.f[o])) return s.finite || levels.length < 12;
    if (!Number.isFinite(s.value)) return true;
    return (4 * noise(f0[o])) / Math.abs(finest.t) < tol(o, s.value) / 4;
  };
  for (let t = 0.25, k = 0; k < DESCENT && slopes.some(refinable); t /= 2, k++) {
    if (!add(t, true)) break;
    slopes = estimate();
  }
  for (let t = 2, k = 0; k < ASCENT && slopes.some((s) => !s.settled && s.jump === 0 && s.finite); t *= 2, k++) {
    add(t, false);
    slopes = estimate();
  }
  return slopes;
}

export type EntryKind = 'smooth' | 'kink' | 'jump' | 'unresolved';

/** What the line says about the derivative of one output at t = 0. */
export interface Entry {
  kind: EntryKind;
  /** The derivative at a smooth point (NaN otherwise) and its error estimate. */
  ref: number;
  error: number;
  left: Slope;
  right: Slope;
  /** Why an entry is unresolved, or that a smooth derivative came from one side only. */
  reason: string;
}

const cheapSlope = (value: number, error: number, reach: number): Slope => ({ value, error, settled: true, jump: 0, finite: true, reach, floor: reach / 2 });

/**
 * The derivative of every output along the line, checked against `analytic`
 * (the analytic directional derivatives): the cheap stage accepts an output
 * when its central difference has settled, the one-sided slopes agree and
 * the analytic value matches; all others get the careful stage.
 */
export function examine(line: Line, analytic: ArrayLike<number>, atol: number, rtol: number): Entry[] {
  const tol = (v: number) => atol + rtol * Math.abs(v);
  const [p1, m1, p2, m2] = [1, -1, 0.5, -0.5].map((t) => line.at(t));
  const entries: (Entry | null)[] = Array.from(line.f0, (f0, o) => {
    if (!p1 || !m1 || !p2 || !m2) return null;
    const [fp1, fm1, fp2, fm2] = [p1.f[o], m1.f[o], p2.f[o], m2.f[o]];
    if (![fp1, fm1, fp2, fm2].every(Number.isFinite)) return null;
    const rich = (a: number, ta: number, b: number, tb: number, order: number) =>
      ((ta / tb) ** order * b - a) / ((ta / tb) ** order - 1);
    const [w1, w2] = [p1.t - m1.t, p2.t - m2.t];
    const [c1, c2] = [(fp1 - fm1) / w1, (fp2 - fm2) / w2];
    const central = rich(c1, w1, c2, w2, 2);
    const error = Math.abs(c2 - c1) + 4 * (noise(fp2) + noise(fm2)) / w2;
    const right = rich((fp1 - f0) / p1.t, p1.t, (fp2 - f0) / p2.t, p2.t, 1);
    const left = rich((fm1 - f0) / m1.t, m1.t, (fm2 - f0) / m2.t, m2.t, 1);
    const t = tol(central);
    if (error > t / 4 || Math.abs(right - left) > t / 4 || !(Math.abs(analytic[o] - central) <= t)) return null;
    return { kind: 'smooth', ref: central, error, left: cheapSlope(left, error, -m1.t), right: cheapSlope(right, error, p1.t), reason: '' };
  });
  if (entries.every((e) => e !== null)) return entries as Entry[];
  const atols = new Float64Array(line.f0.length).fill(atol);
  const rights = oneSided(line, 1, atols, rtol);
  const lefts = oneSided(line, -1, atols, rtol);
  return entries.map((e, o) => e ?? judge(lefts[o], rights[o], analytic[o], tol));
}

/**
 * A jump on one side counts only if no slope in sight could have made it
 * at the finest step: a kink just beside x looks like a jump until the steps
 * get below its distance.
 */
function jumps(s: Slope, other: Slope, analytic: number): boolean {
  const slope = Math.max(other.settled ? Math.abs(other.value) : 0, Number.isFinite(analytic) ? Math.abs(analytic) : 0);
  return s.jump !== 0 && Math.abs(s.jump) > 1e3 * s.floor * slope;
}

function judge(left: Slope, right: Slope, analytic: number, tol: (v: number) => number): Entry {
  const entry = (kind: EntryKind, ref = NaN, error = Infinity, reason = ''): Entry => ({ kind, ref, error, left, right, reason });
  if (left.settled && right.settled) {
    const gap = Math.abs(right.value - left.value);
    if (gap <= left.error + right.error + tol(Math.max(Math.abs(left.value), Math.abs(right.value))) / 16) {
      return entry('smooth', (left.value + right.value) / 2, Math.max(left.error, right.error) + gap / 2);
    }
    return entry('kink');
  }
  const sides = [['left', left, right], ['right', right, left]] as const;
  for (const [name, s, other] of sides) {
    if (s.settled && !other.finite) {
      return entry('smooth', s.value, s.error, `f is not finite on the ${name === 'left' ? 'right' : 'left'} of the point: the ${name} difference alone`);
    }
  }
  if (jumps(left, right, analytic) || jumps(right, left, analytic)) return entry('jump');
  const unsettled = sides.filter(([, s]) => !s.settled).map(([name, s]) =>
    s.finite ? `the ${name} difference did not settle (error estimate ${s.error.toPrecision(3)} at best)` : `f is not finite on the ${name}`);
  return entry('unresolved', NaN, Infinity, unsettled.join(' and '));
}
