// Robust regression: fit a line y = a + b·x to data from the clean line
// y = 1 + 2x with Gaussian noise (σ = 1), where a fraction of the points are
// gross outliers (pushed ±10…30 away), by minimising MSE, MAE and Huber.
// MSE chases the outliers. MAE ignores them but uses only the sign of each
// residual, so it wastes information on the Gaussian points; Huber is
// quadratic near the line and linear beyond δ, and lands closest to the clean
// line. One dataset can favour MAE by chance, so the comparison averages over
// many datasets, fitted at once: row r of the parameters is dataset r's line.
// (With outliers all on one side, MAE's and Huber's fits are both biased and
// MAE can win: robustness to gross errors is not immunity to systematic ones.)
//   npx tsx examples/robust-regression.ts [--datasets 100 --points 100 --outliers 0.1 --steps 600 --seed 1]
import { Generator, losses, optim, scope, tensor, zeros, type Tensor } from '../src/index.js';
import { main } from './common.js';

export const defaults = { datasets: 100, points: 100, outliers: 0.1, delta: 1.35, steps: 600, seed: 1 };
export type Options = typeof defaults;

export const CLEAN = { intercept: 1, slope: 2 };
const X_RANGE = 3;

type LossName = 'mse' | 'mae' | 'huber';

export interface Fit {
  /** RMS over x ∈ [−3, 3] of the fitted line minus the clean line, averaged over datasets. */
  meanDistance: number;
  /** Datasets on which this loss's fit was the closest of the three. */
  wins: number;
  /** The fitted line on the first dataset. */
  first: { intercept: number; slope: number };
}

export type Result = Record<LossName, Fit>;

/** datasets × points samples, each dataset with its own noise and outliers. */
function generate(o: Options): { x: Float64Array; y: Float64Array } {
  const g = new Generator(o.seed);
  const n = o.datasets * o.points;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = X_RANGE * (2 * g.uniform() - 1);
    y[i] = CLEAN.intercept + CLEAN.slope * x[i] + g.normal();
    if (g.uniform() < o.outliers) y[i] += (g.uniform() < 0.5 ? -1 : 1) * (10 + 20 * g.uniform());
  }
  return { x, y };
}

/** Fits one line per dataset by minimising the loss with Adam (lr annealed to 0, so the kinked MAE settles). */
function fitLines(loss: LossName, x: Tensor, y: Tensor, o: Options): { a: Float32Array; b: Float32Array } {
  const a = zeros([o.datasets, 1], { requiresGrad: true });
  const b = zeros([o.datasets, 1], { requiresGrad: true });
  const opt = new optim.Adam([a, b], { lr: 0.1 });
  const schedule = new optim.CosineAnnealingLR(opt, { tMax: o.steps });
  const objective = {
    mse: (p: Tensor) => losses.mse(p, y),
    mae: (p: Tensor) => losses.mae(p, y),
    huber: (p: Tensor) => losses.huber(p, y, { delta: o.delta }),
  }[loss];
  for (let t = 0; t < o.steps; t++) {
    scope(() => {
      opt.zeroGrad();
      // The mean over all datasets: each line gets its own dataset's gradient (scaled alike, which Adam ignores).
      objective(a.add(b.mul(x))).backward();
      opt.step();
    });
    schedule.step();
  }
  return { a: a.data() as Float32Array, b: b.data() as Float32Array };
}

export function run(options: Partial<Options> = {}): Result {
  const o = { ...defaults, ...options };
  const { x: xs, y: ys } = generate(o);
  const x = tensor(xs, [o.datasets, o.points]);
  const y = tensor(ys, [o.datasets, o.points]);
  const names: LossName[] = ['mse', 'mae', 'huber'];
  const fits = names.map((name) => fitLines(name, x, y, o));
  // For x uniform on [−3, 3]: E[(Δa + Δb·x)²] = Δa² + 3Δb².
  const distance = (f: (typeof fits)[number], r: number) => Math.sqrt((f.a[r] - CLEAN.intercept) ** 2 + (X_RANGE ** 2 / 3) * (f.b[r] - CLEAN.slope) ** 2);
  const result = {} as Result;
  names.forEach((name, i) => {
    result[name] = { meanDistance: 0, wins: 0, first: { intercept: fits[i].a[0], slope: fits[i].b[0] } };
  });
  for (let r = 0; r < o.datasets; r++) {
    const d = fits.map((f) => distance(f, r));
    names.forEach((name, i) => (result[name].meanDistance += d[i] / o.datasets));
    result[names[d.indexOf(Math.min(...d))]].wins++;
  }
  return result;
}

await main(import.meta.url, defaults, run, (r, o) => {
  console.log(`${o.datasets} datasets of ${o.points} points from y = ${CLEAN.intercept} + ${CLEAN.slope}x + N(0, 1), ${o.outliers * 100}% gross outliers:`);
  for (const [name, f] of Object.entries(r)) {
    console.log(
      `  ${name.padEnd(6)} mean distance to the clean line ${f.meanDistance.toFixed(3)}; closest on ${String(f.wins).padStart(2)}/${o.datasets} datasets; ` +
        `first dataset: y = ${f.first.intercept.toFixed(2)} + ${f.first.slope.toFixed(2)}x`,
    );
  }
});
