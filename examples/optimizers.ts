// Nine optimizers on two problems: the Rosenbrock function from (−1.2, 1)
// (a curved valley, minimum 0 at (1, 1)) and a small MLP on the digits. Each
// problem's loss curves are written as CSV (one column per optimizer) and
// drawn as an SVG line chart with a log scale, into --out.
// Rosenbrock: SGD, momentum and Nesterov share one lr, so the gain from
// momentum along the valley is visible; the adaptive methods get their own.
//   npx tsx examples/optimizers.ts [--steps 2000 --perClass 100 --epochs 3 --out examples/out --seed 1]
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fit, losses, nn, scope, sub, tensor, type data } from '../src/index.js';
import { OPTIMIZERS, digits, main, type OptimizerName } from './common.js';

export const defaults = { steps: 2000, perClass: 100, epochs: 3, batchSize: 32, out: 'examples/out', seed: 1 };
export type Options = typeof defaults;

export const NAMES: OptimizerName[] = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'amsgrad', 'nadam'];

/** Learning rates for Rosenbrock (its gradients reach the hundreds, unlike the MLP's). */
const ROSENBROCK_LR: Record<OptimizerName, number> = {
  sgd: 1e-3, momentum: 1e-3, nesterov: 1e-3, adagrad: 0.5, rmsprop: 1e-2, adadelta: 1, adam: 0.05, amsgrad: 0.05, nadam: 0.05, adamw: 0.05,
};

export const START = [-1.2, 1];

export type Curves = Record<OptimizerName, number[]>;

export interface Result {
  rosenbrock: Curves;
  mlp: Curves;
  files: string[];
}

function rosenbrock(name: OptimizerName, steps: number): number[] {
  const x = tensor([START[0]], undefined, { requiresGrad: true });
  const y = tensor([START[1]], undefined, { requiresGrad: true });
  const opt = OPTIMIZERS[name].make([['x', x], ['y', y]], ROSENBROCK_LR[name]);
  const curve: number[] = [];
  for (let t = 0; t <= steps; t++) {
    curve.push(
      scope(() => {
        opt.zeroGrad();
        const f = sub(1, x).square().add(y.sub(x.square()).square().mul(100)).sum();
        f.backward();
        // The last entry is the value where the run ends, with no step after it.
        if (t < steps) opt.step();
        return f.item();
      }),
    );
  }
  return curve;
}

async function mlp(name: OptimizerName, train: data.Dataset, o: Options): Promise<number[]> {
  const model = new nn.MLP([784, 32, 10], { seed: o.seed });
  const history = await fit(model, train, {
    loss: losses.crossEntropy,
    optimizer: OPTIMIZERS[name].make(model.namedParameters(), OPTIMIZERS[name].lr),
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
  });
  model.dispose();
  return history.batchLosses;
}

function csv(curves: Curves): string {
  const names = Object.keys(curves) as OptimizerName[];
  const rows = curves[names[0]].map((_, i) => [i, ...names.map((n) => curves[n][i])].join(','));
  return [['step', ...names].join(','), ...rows].join('\n') + '\n';
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf'];

/** A line chart of the curves, y on a log10 scale. */
export function svg(title: string, curves: Curves): string {
  const [w, h, left, top, right, bottom] = [760, 420, 60, 30, 150, 40];
  const names = Object.keys(curves) as OptimizerName[];
  const all = names.flatMap((n) => curves[n]).filter((v) => v > 0 && Number.isFinite(v));
  const [lo, hi] = [Math.floor(Math.log10(Math.min(...all))), Math.ceil(Math.log10(Math.max(...all)))];
  const steps = Math.max(...names.map((n) => curves[n].length)) - 1;
  const px = (i: number) => left + ((w - left - right) * i) / Math.max(steps, 1);
  const py = (v: number) => top + ((h - top - bottom) * (hi - Math.log10(Math.max(v, 10 ** lo)))) / Math.max(hi - lo, 1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="14">${title}</text>`,
    `<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="black"/>`,
    `<text x="${(w - right + left) / 2}" y="${h - 8}" text-anchor="middle">step (0…${steps})</text>`,
  ];
  for (let e = lo; e <= hi; e++) parts.push(`<text x="${left - 6}" y="${(py(10 ** e) + 4).toFixed(1)}" text-anchor="end">1e${e}</text>`);
  names.forEach((n, k) => {
    const points = curves[n].map((v, i) => `${px(i).toFixed(1)},${py(Number.isFinite(v) ? v : 10 ** hi).toFixed(1)}`).join(' ');
    parts.push(`<polyline data-name="${n}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.2" points="${points}"/>`);
    parts.push(`<text x="${w - right + 10}" y="${top + 16 * k + 4}" fill="${COLORS[k % COLORS.length]}">${n}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export async function run(options: Partial<Options> = {}): Promise<Result> {
  const o = { ...defaults, ...options };
  const rosen = {} as Curves;
  const nets = {} as Curves;
  const { train } = digits({ perClass: o.perClass, seed: o.seed, fractions: { train: 1, val: 0, test: 0 } });
  for (const name of NAMES) {
    rosen[name] = rosenbrock(name, o.steps);
    nets[name] = await mlp(name, train, o);
  }
  train.dispose();
  await mkdir(o.out, { recursive: true });
  const files: [string, string][] = [
    ['rosenbrock.csv', csv(rosen)],
    ['rosenbrock.svg', svg(`Rosenbrock from (${START.join(', ')}): f per step`, rosen)],
    ['mlp.csv', csv(nets)],
    ['mlp.svg', svg(`MLP 784-32-10 on ${o.perClass * 10} digits: cross-entropy per step`, nets)],
  ];
  await Promise.all(files.map(([f, text]) => writeFile(join(o.out, f), text)));
  return { rosenbrock: rosen, mlp: nets, files: files.map(([f]) => join(o.out, f)) };
}

await main(import.meta.url, defaults, run, (r, o) => {
  const last = (c: number[], n: number) => c.slice(-n).reduce((a, b) => a + b, 0) / Math.min(n, c.length);
  console.log(`${'optimizer'.padEnd(10)} ${'Rosenbrock f after '.concat(String(o.steps)).padEnd(24)} MLP loss (mean of last 10 steps)`);
  for (const n of NAMES) console.log(`${n.padEnd(10)} ${r.rosenbrock[n].at(-1)!.toExponential(2).padEnd(24)} ${last(r.mlp[n], 10).toFixed(4)}`);
  console.log(`wrote ${r.files.join(', ')}`);
});
