// The lectures' comparison: a linear classifier on the MNIST digits trained
// with the softmax (cross-entropy) loss and with the multiclass hinge (SVM)
// loss, both with an L2 penalty λ·Σw² on the weights. Same model, data,
// optimizer and seed; only the loss differs.
//   npx tsx examples/softmax-vs-svm.ts [--perClass 1000 --epochs 10 --lambda 0.0001 --seed 1]
import { fit, losses, nn, optim, type LossFn, type Tensor } from '../src/index.js';
import { accuracyOn, digits, main, percent } from './common.js';

export const defaults = { perClass: 1000, epochs: 10, lambda: 1e-4, lr: 1e-3, batchSize: 64, seed: 1 };
export type Options = typeof defaults;

export interface Result {
  softmax: { valAccuracy: number; testAccuracy: number; trainLoss: number };
  svm: { valAccuracy: number; testAccuracy: number; trainLoss: number };
}

export async function run(options: Partial<Options> = {}): Promise<Result> {
  const o = { ...defaults, ...options };
  const { train, val, test } = digits({ perClass: o.perClass, seed: o.seed });
  const trainWith = async (loss: LossFn<Tensor, Tensor>) => {
    const model = new nn.Linear(784, 10, { seed: o.seed, init: 'xavier' });
    const history = await fit(model, train, {
      loss,
      optimizer: new optim.Adam(model.parameters(), { lr: o.lr }),
      regularizer: () => losses.l2(model.weight, o.lambda),
      epochs: o.epochs,
      batchSize: o.batchSize,
      seed: o.seed,
      validation: val,
      metrics: ['accuracy'],
    });
    const last = history.epochs[history.epochs.length - 1];
    return { valAccuracy: last.valAccuracy!, testAccuracy: accuracyOn(model, test), trainLoss: last.loss };
  };
  return { softmax: await trainWith(losses.crossEntropy), svm: await trainWith(losses.multiclassHinge) };
}

await main(import.meta.url, defaults, run, (r, o) => {
  console.log(`linear classifiers on ${o.perClass * 10} digits, L2 λ = ${o.lambda}, ${o.epochs} epochs of Adam:`);
  for (const [name, x] of [['softmax (cross-entropy)', r.softmax], ['SVM (multiclass hinge)', r.svm]] as const) {
    console.log(`  ${name.padEnd(24)} validation ${percent(x.valAccuracy)}  test ${percent(x.testAccuracy)}  (final training loss ${x.trainLoss.toFixed(4)})`);
  }
});
