// Multi-task learning: one shared trunk (784 → hidden, ReLU) feeding two
// heads, a classifier of the digit and a regressor of how the ink is shared
// between the image's top and bottom halves (standardised), trained together
// on crossEntropy + weight·mse. The regression targets are a second per-sample
// tensor, gathered for each batch by its row indices (batch.index).
// With --weight 0 the regression head gets no gradient and learns nothing.
//   npx tsx examples/multitask.ts [--perClass 1000 --hidden 64 --weight 1 --epochs 8 --seed 1]
import { accuracy, evaluate, fit, gather, losses, nn, optim, tensor, type Tensor, type data } from '../src/index.js';
import { digitRows, loadDigits } from '../src/node/mnist.js';
import { digits, main, percent } from './common.js';

export const defaults = { perClass: 1000, hidden: 64, weight: 1, epochs: 8, lr: 3e-3, batchSize: 64, seed: 1 };
export type Options = typeof defaults;

interface Heads {
  logits: Tensor;
  value: Tensor;
}

interface Targets {
  label: Tensor;
  value: Tensor;
}

export class TwoHeads extends nn.Module<Tensor, Heads> {
  readonly trunk: nn.Sequential;
  readonly classifier: nn.Linear;
  readonly regressor: nn.Linear;

  constructor(hidden: number, seed: number) {
    super();
    this.trunk = this.registerModule('trunk', new nn.Sequential(new nn.Linear(784, hidden, { seed }), new nn.ReLU()));
    this.classifier = this.registerModule('classifier', new nn.Linear(hidden, 10, { seed: seed + 1 }));
    this.regressor = this.registerModule('regressor', new nn.Linear(hidden, 1, { seed: seed + 2, init: 'xavier' }));
  }

  forward(x: Tensor): Heads {
    const h = this.trunk.forward(x);
    return { logits: this.classifier.forward(h), value: this.regressor.forward(h) };
  }
}

/** Share of each image's ink in its top half, standardised over all digits (mean 0, variance 1). */
function topInk(): Float64Array {
  const { features, count } = loadDigits();
  const share = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let top = 0;
    let total = 0;
    for (let p = 0; p < 784; p++) {
      const v = features[i * 784 + p];
      total += v;
      if (p < 392) top += v;
    }
    share[i] = top / total;
  }
  const mean = share.reduce((a, b) => a + b, 0) / count;
  const sd = Math.sqrt(share.reduce((a, b) => a + (b - mean) ** 2, 0) / count);
  return share.map((s) => (s - mean) / sd);
}

export interface Result {
  testAccuracy: number;
  /** 1 − MSE / variance of the test targets. */
  testR2: number;
  epochs: { loss: number; accuracy: number; mse: number }[];
}

export async function run(options: Partial<Options> = {}): Promise<Result> {
  const o = { ...defaults, ...options };
  const { train, test } = digits({ perClass: o.perClass, seed: o.seed, fractions: { train: 0.85, val: 0, test: 0.15 } });
  const all = topInk();
  // One target per row of the features the splits share.
  const ink = Float64Array.from(digitRows(o.perClass), (r) => all[r]);
  const values = tensor(ink, [ink.length, 1]).keep();
  const model = new TwoHeads(o.hidden, o.seed);
  const targets = (b: data.Batch): Targets => ({ label: b.y, value: gather(values, b.index) });
  const metrics = [
    { name: 'accuracy', fn: (out: Heads, t: Targets) => accuracy(out.logits, t.label) },
    { name: 'mse', fn: (out: Heads, t: Targets) => losses.mse(out.value, t.value).item() },
  ];
  const history = await fit(model, train, {
    loss: (out, t) => losses.crossEntropy(out.logits, t.label).add(losses.mse(out.value, t.value).mul(o.weight)),
    targets,
    metrics,
    optimizer: new optim.Adam(model.parameters(), { lr: o.lr }),
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
  });
  const scores = evaluate(model, test, { targets, metrics });
  const y = Array.from(test.indices, (r) => ink[r]);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const variance = y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;
  return {
    testAccuracy: scores.accuracy,
    testR2: 1 - scores.mse / variance,
    epochs: history.epochs.map((e) => ({ loss: e.loss, accuracy: e.accuracy!, mse: e.mse! })), // both are among the metrics
  };
}

await main(import.meta.url, defaults, run, (r, o) => {
  console.log(`shared trunk 784-${o.hidden} (ReLU) + classification head + regression head, loss = crossEntropy + ${o.weight}·mse:`);
  r.epochs.forEach((e, i) => console.log(`  epoch ${i + 1}: loss ${e.loss.toFixed(4)}  accuracy ${percent(e.accuracy)}  mse ${e.mse.toFixed(4)}`));
  console.log(`test: digit accuracy ${percent(r.testAccuracy)}; top-half ink share R² ${r.testR2.toFixed(3)}`);
});
