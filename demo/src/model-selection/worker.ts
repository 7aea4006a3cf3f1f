// The model-selection worker: the lectures' recipe for choosing the L2
// strength λ. Set a stratified test split aside first; split the rest into k
// stratified folds; score each λ (from data.gridSearch or data.randomSearch)
// by its mean validation accuracy over the folds, reporting every fold as it
// finishes; retrain on all the rest with the best λ and evaluate once on the test split.
import { data, evaluate, fit, init, losses, nn, optim } from 'subgrad';
import { PIXELS, fetchDigits, type Digits } from '../digits.js';
import type { FromWorker, SearchConfig, ToWorker } from './protocol.js';

const CLASSES = 10;
const LR = 0.01;
const BATCH = 32;

const post = (m: FromWorker) => self.postMessage(m);
let digits: Digits | null = null;
let current = 0;

class Superseded extends Error {}

/** The first perClass digits of each class, as a dataset of [N, 784] pixels in [0, 1]. */
function subset(d: Digits, perClass: number): data.Dataset {
  const seen = new Int32Array(CLASSES);
  const rows = Array.from(d.labels.keys()).filter((i) => seen[d.labels[i]]++ < perClass);
  const features = new Float32Array(rows.length * PIXELS);
  rows.forEach((r, i) => features.set(Array.from(d.pixels.subarray(r * PIXELS, (r + 1) * PIXELS), (v) => v / 255), i * PIXELS));
  return data.dataset(features, Int32Array.from(rows, (r) => d.labels[r]), { featureShape: [PIXELS] });
}

/** A linear softmax classifier trained with λ·Σw² on its weights; returns it (the caller disposes it). */
async function train(d: data.Dataset, lambda: number, c: SearchConfig): Promise<nn.MLP> {
  const model = new nn.MLP([PIXELS, CLASSES], { seed: c.seed });
  const weights = model.namedParameters().filter(([name]) => name.endsWith('weight')).map(([, p]) => p);
  const optimizer = new optim.Adam(model.parameters(), { lr: LR });
  try {
    await fit(model, d, { loss: losses.crossEntropy, optimizer, regularizer: () => losses.l2(weights, lambda), epochs: c.epochs, batchSize: BATCH, seed: c.seed });
  } finally {
    optimizer.dispose();
  }
  return model;
}

const accuracyOf = (model: nn.MLP, d: data.Dataset) => evaluate(model, d, { metrics: ['accuracy'] }).accuracy;

async function search(id: number, c: SearchConfig): Promise<void> {
  const all = subset(digits!, c.perClass);
  try {
    await searchIn(all, id, c);
  } finally {
    all.dispose(); // with every split and fold of it: they share its rows
  }
}

async function searchIn(all: data.Dataset, id: number, c: SearchConfig): Promise<void> {
  const { train: rest, test } = data.trainValTestSplit(all, { train: 0.8, val: 0, test: 0.2 }, { stratified: true, seed: c.seed });
  const folds = data.kFold(rest, c.k, { stratified: true, shuffle: true, seed: c.seed });
  post({ type: 'split', id, selection: rest.length, test: test.length, foldSizes: folds.map((f) => f.val.length) });
  const score = async ({ lambda }: { lambda: number }, trial: number) => {
    const scores: number[] = [];
    for (const [fold, f] of folds.entries()) {
      if (id !== current) throw new Superseded();
      const model = await train(f.train, lambda, c);
      const valAccuracy = accuracyOf(model, f.val);
      post({ type: 'fold', id, trial, lambda, fold, valAccuracy, trainAccuracy: accuracyOf(model, f.train) });
      model.dispose();
      scores.push(valAccuracy);
    }
    return scores.reduce((a, b) => a + b, 0) / scores.length;
  };
  const ranked = c.search === 'grid'
    ? await data.gridSearch({ lambda: c.lambdas }, score, { mode: 'max' })
    : await data.randomSearch({ lambda: data.logUniform(c.low, c.high) }, score, { mode: 'max', trials: c.trials, seed: c.seed });
  const best = ranked[0];
  const final = await train(rest, best.params.lambda, c);
  post({ type: 'final', id, best: best.params.lambda, bestScore: best.score, testAccuracy: accuracyOf(final, test) });
  final.dispose();
}

const handlers = {
  load: async (m: Extract<ToWorker, { type: 'load' }>) => {
    const info = await init();
    digits = await fetchDigits(m.base);
    post({ type: 'ready', info });
  },
  run: async (m: Extract<ToWorker, { type: 'run' }>) => {
    current = m.id;
    await search(m.id, m.config);
  },
};

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  try {
    await (handlers[e.data.type] as (m: ToWorker) => Promise<void>)(e.data);
  } catch (err) {
    if (err instanceof Superseded) return;
    post({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
