// Is the analytic gradient of one output row, on a block of coupled
// coordinates at a kink, an element of the subdifferential there?
//
// Convex case (declared, or f'(x; ·) sublinear on every probed direction, as
// it is for a max of smooth pieces): g·v <= f'(x; v) + tol must hold for
// v = ±e_i, ±e_i ± e_j, the all-ones vector of the block and its negation,
// and random directions.
// Always: g must lie in the convex hull of gradients sampled at random
// points x + δu around x (Clarke's subdifferential is the hull of the
// limiting gradients), each extrapolated to δ → 0 and, where it is used,
// verified by finite differences. While g lies outside the hull, the
// direction separating them says where to sample next; in the convex case
// f'(x; v) along that direction either certifies that g is no subgradient
// or leads to the missing piece.
import { nearestInHull } from './hull.js';
import type { Analysis } from './analysis.js';
import type { GradcheckFailure, GradcheckKink } from './report.js';

export interface BlockResult {
  failure: GradcheckFailure | null;
  acceptedBy: NonNullable<GradcheckKink['acceptedBy']>;
}

/** Pairs of coordinates are probed up to this block size. */
export const PAIRS = 12;
/** Random directions in the convex test. */
const RANDOM = 4;
/** Sampling around ±e_i ± e_j, up to this block size. */
const SEED_PAIRS = 4;

const pairsOf = (block: readonly number[]) => block.flatMap((i, a) => block.slice(a + 1).map((j) => [i, j] as const));
const SIGNS = [[1, 1], [1, -1], [-1, 1], [-1, -1]] as const;

/**
 * f'(x; ·) restricted to the block is subadditive on the probed directions,
 * f'(x; v) <= Σ_j f'(x; v_j e_j) (so the convex test applies).
 */
function sublinear(an: Analysis, o: number, block: readonly number[]): boolean {
  for (const j of block) {
    const e = an.entries[j][o];
    if (e.kind === 'kink' && e.left.value > e.right.value + e.left.error + e.right.error + an.tau(o, j) / 16) return false;
  }
  const pairs = block.length > PAIRS || pairsOf(block).every(([i, j]) => SIGNS.every(([si, sj]) => {
    const p = an.pairGap(o, i, si, j, sj);
    return p.settled && p.gap <= p.margin;
  }));
  return pairs && an.testDirections(block).every((v) => {
    const s = an.slope(v)[o];
    const sum = an.sumOverParts(o, v, block.map((j) => [j]));
    return s.settled && s.value <= sum.value + sum.margin + s.error;
  });
}

/** The first probed direction with g·v > f'(x; v) + tolerance, as a failure. */
function convexDirections(an: Analysis, o: number, block: readonly number[]): GradcheckFailure | null {
  const directions: Float64Array[] = [];
  for (const j of block) for (const s of [1, -1]) directions.push(an.displacement([j], [s]));
  if (block.length <= PAIRS) for (const [i, j] of pairsOf(block)) for (const [si, sj] of SIGNS) directions.push(an.displacement([i, j], [si, sj]));
  for (const s of [1, -1]) directions.push(an.displacement(block, block.map(() => s)));
  for (let r = 0; r < RANDOM; r++) directions.push(an.displacement(block, an.normal(block.length)));
  for (const v of directions) {
    const failure = supportViolation(an, o, v);
    if (failure) return failure;
  }
  return null;
}

/** g·v against f'(x; v): a failure when g·v exceeds it beyond tolerance (or f'(x; v) cannot be resolved). */
function supportViolation(an: Analysis, o: number, v: Float64Array): GradcheckFailure | null {
  const s = an.directional(o, v);
  const gv = an.dot(o, v);
  if (!s.settled) {
    return an.directionFailure(o, v, gv, s.value, 'unresolvable', () => `f'(x; v) along the direction did not settle (error estimate ${s.error.toPrecision(3)})`);
  }
  const excess = gv - s.value - an.tauAlong(o, v) - s.error;
  if (excess <= 0) return null;
  return an.directionFailure(o, v, gv, s.value, 'convex directions',
    (g, f) => `g·v = ${g} exceeds the one-sided directional derivative f'(x; v) = ${f} along the direction: no subgradient of a convex function does`);
}

interface Sample {
  /** The point the gradient was verified at, and the raw gradient there. */
  near: Float64Array;
  raw: Float64Array;
  /** The limiting gradient on the block: Richardson over x + δu/4 and x + δu/2. */
  limit: Float64Array;
  verified: boolean;
}

export function testBlock(an: Analysis, o: number, block: readonly number[]): BlockResult {
  const convexLike = an.settings.convex || sublinear(an, o, block);
  const acceptedBy = convexLike ? 'convex directions and Clarke hull' : 'Clarke hull';
  if (convexLike) {
    const failure = convexDirections(an, o, block);
    if (failure) return { failure, acceptedBy };
  }
  return { failure: clarkeHull(an, o, block, convexLike), acceptedBy };
}

function clarkeHull(an: Analysis, o: number, block: readonly number[], convexLike: boolean): GradcheckFailure | null {
  const { x0 } = an.problem;
  const k = block.length;
  const g = block.map((j) => an.J[o][j]);
  const tau = block.map((j) => an.tau(o, j));
  // Sample within the reach where the coordinate's one-sided slopes were smooth: no other kink inside.
  const radius = block.map((j) => Math.min(an.entries[j][o].left.reach, an.entries[j][o].right.reach) || an.steps[j]);
  const samples: Sample[] = [];
  const jitter = (u: Float64Array, size: number) => {
    const top = Math.max(...u.map(Math.abs));
    return an.normal(k).map((z, i) => u[i] + size * top * z);
  };
  const draw = (u: Float64Array) => {
    const top = Math.max(...u.map(Math.abs));
    if (!(top > 0)) return;
    const at = (s: number) => {
      const y = Float64Array.from(x0);
      block.forEach((j, i) => (y[j] += (s * u[i] * radius[i]) / top));
      return y;
    };
    const [near, far] = [at(0.25), at(0.5)];
    const [raw, further] = an.problem.rows(near, [o]).concat(an.problem.rows(far, [o]));
    const limit = Float64Array.from(block, (j) => 2 * raw[j] - further[j]);
    if (!limit.every(Number.isFinite)) return;
    const seen = samples.some((s) => s.limit.every((v, i) => Math.abs(v - limit[i]) <= 1e-3 * tau[i]));
    if (!seen) samples.push({ near, raw, limit, verified: false });
  };
  // Seeds: around ±e_i and ±1. Without convexity, whose certificates lead to missing pieces, also
  // around pairs, the orthants with one coordinate the least or the greatest (the pieces of min
  // and max compositions), and random points.
  const unit = (i: number, s: number) => Float64Array.from(block, (_, q) => (q === i ? s : 0));
  for (let i = 0; i < k; i++) for (const s of [1, -1]) draw(jitter(unit(i, s), 0.1));
  for (const s of [1, -1]) draw(jitter(new Float64Array(k).fill(s), 0.1));
  if (!convexLike) {
    if (k <= SEED_PAIRS) {
      for (const [a, b] of pairsOf([...block.keys()])) {
        for (const [sa, sb] of SIGNS) draw(jitter(Float64Array.from(block, (_, q) => (q === a ? sa : q === b ? sb : 0)), 0.1));
      }
    }
    for (let i = 0; i < k; i++) {
      for (const s of [1, -1]) for (const extreme of [0.5, 1.5]) draw(jitter(Float64Array.from(block, (_, q) => s * (q === i ? extreme : 1)), 0.05));
    }
    for (let r = 0; r < 2 * k; r++) draw(an.normal(k));
  }

  for (let round = 0; samples.length > 0; round++) {
    const nearest = nearestInHull(samples.map((s) => s.limit.map((v, i) => (v - g[i]) / tau[i])));
    if (nearest.distance <= 1) {
      // Inside: the gradients that span the nearest face must be right where they were sampled.
      const used = samples.filter((s, i) => nearest.weights[i] > 0 && !s.verified);
      let dropped = false;
      for (const s of used) {
        const v = an.displacement(block, an.normal(k).map((z, i) => (z * radius[i]) / (8 * an.steps[block[i]])));
        const verdict = an.verifyAt(o, s.near, s.raw, v);
        if (verdict === 'ok') s.verified = true;
        else if (verdict === 'kink') {
          samples.splice(samples.indexOf(s), 1);
          dropped = true;
        } else {
          return an.directionFailure(o, v, verdict.analytic, verdict.reference, 'Clarke hull',
            (g, f) => `the analytic gradient at a point near x is wrong along a random direction: ${g} vs finite differences ${f}`);
        }
      }
      if (!dropped) return null;
      continue;
    }
    if (round >= 2 * k + 8) break;
    // Outside: g sticks out of the hull along w (g·w >= p·w + distance² for every sampled p).
    const w = nearest.point.map((z, i) => -z / tau[i]);
    const u = w.map((v, i) => v / radius[i]);
    if (convexLike) {
      const fit = 1 / Math.max(...u.map(Math.abs));
      const failure = supportViolation(an, o, an.displacement(block, w.map((v, i) => (v * fit) / an.steps[block[i]])));
      if (failure) return failure;
      draw(jitter(u, 1e-3));
    } else {
      draw(jitter(u, 0.1));
      draw(an.normal(k));
    }
  }
  const nearest = samples.length > 0 ? nearestInHull(samples.map((s) => s.limit.map((v, i) => (v - g[i]) / tau[i]))) : null;
  const v = nearest ? an.displacement(block, nearest.point.map((z, i) => -z / tau[i] / an.steps[block[i]])) : new Float64Array(an.n);
  const support = Math.max(...samples.map((s) => s.limit.reduce((a, p, i) => a + p * v[block[i]], 0)));
  return an.directionFailure(o, v, an.dot(o, v), support, 'Clarke hull', (g, f) => nearest
    ? `the analytic gradient lies ${nearest.distance.toPrecision(3)} tolerances outside the convex hull of ${samples.length} gradients sampled around x: g·v = ${g} > ${f}, the most any of them reaches along the direction`
    : 'no finite gradient could be sampled around x');
}
