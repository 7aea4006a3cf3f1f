// Choosing the L2 strength λ by k-fold cross-validation, as the lectures say:
// set a test split aside first, choose λ by the mean validation accuracy over
// k stratified folds of the rest, retrain on all of the rest with that λ, and
// only then look at the test split, once.
// The folds' spread is printed with each mean: λs whose means differ by less
// than a standard error are a tie that another seed may break the other way.
//   npx tsx examples/cross-validation.ts [--perClass 100 --k 5 --epochs 25 --lambdas 0,0.0001,0.001,0.01,0.1 --seed 1]
import { data, fit, losses, nn, optim } from '../src/index.js';
import { accuracyOn, digits, main, percent } from './common.js';

export const defaults = { perClass: 100, k: 5, epochs: 25, hidden: 64, lr: 3e-3, batchSize: 32, lambdas: '0,0.0001,0.001,0.01,0.1', seed: 1 };
export type Options = typeof defaults;

export interface Row {
  lambda: number;
  /** Mean validation accuracy over the folds. */
  score: number;
  folds: number[];
}

export interface Result {
  /** Best first. */
  table: Row[];
  best: number;
  testAccuracy: number;
  /** Rows of the dataset used for selection and for the final test (disjoint). */
  selectionSize: number;
  testSize: number;
  overlap: number;
}

async function trainModel(d: data.Dataset, lambda: number, o: Options): Promise<nn.MLP> {
  const model = new nn.MLP([784, o.hidden, 10], { seed: o.seed });
  const weights = model.namedParameters().filter(([name]) => name.endsWith('weight')).map(([, p]) => p);
  await fit(model, d, {
    loss: losses.crossEntropy,
    optimizer: new optim.Adam(model.parameters(), { lr: o.lr }),
    regularizer: lambda > 0 ? () => losses.l2(weights, lambda) : undefined,
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
  });
  return model;
}

export async function run(options: Partial<Options> = {}): Promise<Result> {
  const o = { ...defaults, ...options };
  const { train: rest, test } = digits({ perClass: o.perClass, seed: o.seed, fractions: { train: 0.8, val: 0, test: 0.2 } });
  const folds = data.kFold(rest, o.k, { stratified: true, shuffle: true, seed: o.seed });
  const foldScores = new Map<number, number[]>();
  const ranked = await data.gridSearch(
    { lambda: o.lambdas.split(',').map(Number) },
    async ({ lambda }) => {
      const scores: number[] = [];
      for (const fold of folds) {
        const model = await trainModel(fold.train, lambda, o);
        scores.push(accuracyOn(model, fold.val));
        model.dispose();
      }
      foldScores.set(lambda, scores);
      return scores.reduce((a, b) => a + b, 0) / scores.length;
    },
    { mode: 'max' },
  );
  const best = ranked[0].params.lambda;
  const final = await trainModel(rest, best, o);
  const testRows = new Set(test.indices);
  return {
    table: ranked.map((r) => ({ lambda: r.params.lambda, score: r.score, folds: foldScores.get(r.params.lambda)! })),
    best,
    testAccuracy: accuracyOn(final, test),
    selectionSize: rest.length,
    testSize: test.length,
    overlap: [...rest.indices].filter((i) => testRows.has(i)).length,
  };
}

await main(import.meta.url, defaults, run, (r, o) => {
  console.log(`L2 λ by ${o.k}-fold cross-validation on ${r.selectionSize} digits (MLP 784-${o.hidden}-10, ${o.epochs} epochs), best first:`);
  for (const row of r.table) {
    const se = Math.sqrt(row.folds.reduce((s, x) => s + (x - row.score) ** 2, 0) / (row.folds.length - 1) / row.folds.length);
    console.log(`  λ = ${String(row.lambda).padEnd(7)} mean val accuracy ${percent(row.score)} ± ${percent(se)}  (folds: ${row.folds.map(percent).join(' ')})`);
  }
  console.log(`chosen λ = ${r.best}; retrained on all ${r.selectionSize}, then evaluated once on ${r.testSize} held-out digits: test accuracy ${percent(r.testAccuracy)}`);
});
