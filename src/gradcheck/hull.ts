// The point of a convex hull nearest the origin, by Wolfe's minimum-norm-point
// algorithm (an active-set method on the simplex of weights): it moves between
// affinely independent subsets of the points and ends, in finitely many steps,
// at the exact nearest point, where Frank–Wolfe would only creep towards a face.

export interface Nearest {
  point: Float64Array;
  /** One weight per input point (zero off the active face), summing to 1. */
  weights: Float64Array;
  distance: number;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Solves A z = b by Gaussian elimination with partial pivoting; null when A is (numerically) singular. */
function solve(a: number[][], b: number[]): number[] | null {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  const scale = Math.max(...m.flat().map(Math.abs), 1e-300);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) <= 1e-13 * scale) return null;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const z = new Array<number>(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * z[k];
    z[r] = s / m[r][r];
  }
  return z;
}

/**
 * Weights μ (summing to 1) of the point of the affine hull of `set` nearest
 * the origin: (G + 11ᵀ) z = 1 with G the Gram matrix, μ = z / Σz.
 */
function affineMinimizer(set: readonly Float64Array[]): number[] | null {
  const z = solve(set.map((p) => set.map((q) => dot(p, q) + 1)), set.map(() => 1));
  if (!z) return null;
  const total = z.reduce((a, b) => a + b, 0);
  return z.map((v) => v / total);
}

export function nearestInHull(points: readonly Float64Array[]): Nearest {
  const dim = points[0].length;
  const norms = points.map((p) => dot(p, p));
  const scale = Math.max(...norms);
  let active = [norms.indexOf(Math.min(...norms))];
  let lambda = [1];
  const combine = () => {
    const x = new Float64Array(dim);
    active.forEach((k, i) => points[k].forEach((v, d) => (x[d] += lambda[i] * v)));
    return x;
  };
  let x = combine();
  for (let iteration = 0; iteration < 50 * points.length; iteration++) {
    // The point most opposed to x: if none improves on x by more than rounding, x is optimal.
    let j = 0;
    points.forEach((p, k) => {
      if (dot(x, p) < dot(x, points[j])) j = k;
    });
    if (dot(x, x) - dot(x, points[j]) <= 1e-12 * scale || active.includes(j)) break;
    active.push(j);
    lambda.push(0);
    for (;;) {
      const mu = affineMinimizer(active.map((k) => points[k]));
      if (!mu) {
        // The new point is affinely dependent on the face: it cannot bring x closer.
        const k = active.indexOf(j);
        if (k >= 0) [active, lambda] = [active.filter((_, i) => i !== k), lambda.filter((_, i) => i !== k)];
        const total = lambda.reduce((a, b) => a + b, 0);
        lambda = lambda.map((l) => l / total);
        return finish(points, active, lambda, combine());
      }
      if (mu.every((v) => v > 1e-12)) {
        lambda = mu;
        break;
      }
      // Step from lambda towards mu until a weight reaches zero; drop that point (and any other at zero).
      let theta = 1;
      let first = -1;
      mu.forEach((v, i) => {
        if (v > 1e-12) return;
        const t = lambda[i] / (lambda[i] - v);
        if (first < 0 || t < theta) [theta, first] = [t, i];
      });
      lambda = lambda.map((l, i) => (1 - theta) * l + theta * mu[i]);
      const keep = lambda.map((l, i) => i !== first && l > 1e-12);
      active = active.filter((_, i) => keep[i]);
      lambda = lambda.filter((_, i) => keep[i]);
      const total = lambda.reduce((a, b) => a + b, 0);
      lambda = lambda.map((l) => l / total);
    }
    x = combine();
  }
  return finish(points, active, lambda, x);
}

function finish(points: readonly Float64Array[], active: number[], lambda: number[], point: Float64Array): Nearest {
  const weights = new Float64Array(points.length);
  active.forEach((k, i) => (weights[k] = lambda[i]));
  return { point, weights, distance: Math.sqrt(dot(point, point)) };
}
