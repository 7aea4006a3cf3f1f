// The training worker: holds the digits and the model, runs fit() with the
// page's settings, and reports progress; pause, reset and predictions arrive
// as messages, which fit lets in between batches (it yields every 50 ms).
import {
  accuracy, data, evaluate, fit, init, losses, nn, noGrad, optim, scope, tensor,
  type EpochLog, type FitControl, type Tensor,
} from 'subgrad';
import { PIXELS, fetchDigits } from '../digits.js';
import type { EpochReport, FromWorker, RunConfig, RunState, ToWorker } from './protocol.js';

const GRID_ROWS = 8;
const GRID = GRID_ROWS * 10;
const SMOOTHING = 0.98;

type Params = ReturnType<nn.Module['namedParameters']>;
const OPTIMIZERS: Record<RunConfig['optimizer'], (p: Params, lr: number) => optim.Optimizer<{ lr: number }>> = {
  sgd: (p, lr) => new optim.SGD(p, { lr }),
  momentum: (p, lr) => new optim.SGD(p, { lr, momentum: 0.9 }),
  nesterov: (p, lr) => new optim.SGD(p, { lr, momentum: 0.9, nesterov: true }),
  adagrad: (p, lr) => new optim.Adagrad(p, { lr }),
  rmsprop: (p, lr) => new optim.RMSprop(p, { lr }),
  adadelta: (p, lr) => new optim.Adadelta(p, { lr }),
  adam: (p, lr) => new optim.Adam(p, { lr }),
  amsgrad: (p, lr) => new optim.Adam(p, { lr, amsgrad: true }),
  nadam: (p, lr) => new optim.NAdam(p, { lr }),
  adamw: (p, lr) => new optim.AdamW(p, { lr }),
};

function scheduler(name: RunConfig['schedule'], opt: optim.Optimizer<{ lr: number }>, steps: number): optim.LRScheduler | undefined {
  if (name === 'cosine') return new optim.CosineAnnealingLR(opt, { tMax: steps });
  if (name === 'step') return new optim.StepLR(opt, { stepSize: Math.max(1, Math.round((2 * steps) / 3)) });
  if (name === 'exponential') return new optim.ExponentialLR(opt, { gamma: 0.01 ** (1 / steps) });
  return undefined;
}

interface Split {
  train: data.Dataset;
  val: data.Dataset;
  test: data.Dataset;
  grid: Tensor;
}

interface Run {
  model: nn.MLP;
  optimizer: optim.Optimizer<{ lr: number }>;
  paused: boolean;
  resume: (() => void) | null;
  reset: boolean;
}

let split: Split | null = null;
let run: Run | null = null;
let state: RunState = 'loading';
let step = 0;

const post = (message: FromWorker, transfer: Transferable[] = []) => self.postMessage(message, { transfer });
const setState = (s: RunState) => post({ type: 'state', state: (state = s), step });

async function load(base: string): Promise<void> {
  // Every core where the page is cross-origin isolated (npm run demo serves it so); else one thread, and backendInfo() says why.
  const info = await init({ threads: 'auto' });
  const digits = await fetchDigits(base);
  const features = Float32Array.from(digits.pixels, (v) => v / 255);
  const all = data.dataset(features, Int32Array.from(digits.labels), { featureShape: [PIXELS] });
  // The split of npm start: 85/5/10, stratified, seed 1.
  const { train, val, test } = data.trainValTestSplit(all, { train: 0.85, val: 0.05, test: 0.1 }, { stratified: true, seed: 1 });
  // The grid: one column per class, its first GRID_ROWS test digits from the top.
  const labels = test.labels();
  const rows = Array.from({ length: GRID_ROWS * 10 }, (_, k) => test.indices[firstOf(labels, k % 10, Math.floor(k / 10))]);
  const pixels = new Uint8Array(GRID * PIXELS);
  rows.forEach((r, i) => pixels.set(digits.pixels.subarray(r * PIXELS, (r + 1) * PIXELS), i * PIXELS));
  const grid = tensor(Float32Array.from(pixels, (v) => v / 255), [GRID, PIXELS]);
  split = { train, val, test, grid };
  post({ type: 'ready', info, sizes: { train: train.length, val: val.length, test: test.length }, grid: { pixels, labels: rows.map((r) => digits.labels[r]) } }, [pixels.buffer]);
  setState('idle');
}

/** The position of the n-th label equal to `label`. */
function firstOf(labels: Int32Array, label: number, n: number): number {
  for (let i = 0, seen = 0; i < labels.length; i++) if (labels[i] === label && seen++ === n) return i;
  throw new Error(`the test split has fewer than ${n + 1} digits ${label}`);
}

function predictions(model: nn.MLP, x: Tensor): number[] {
  return scope(() => noGrad(() => {
    const [rows, cols] = [x.shape[0], 10];
    const scores = model.forward(x).data();
    return Array.from({ length: rows }, (_, r) => {
      let best = 0;
      for (let c = 1; c < cols; c++) if (scores[r * cols + c] > scores[r * cols + best]) best = c;
      return best;
    });
  }));
}

async function train(config: RunConfig): Promise<void> {
  const s = split!;
  const model = new nn.MLP([PIXELS, ...config.hidden, 10], { activation: 'relu', seed: config.seed });
  const optimizer = OPTIMIZERS[config.optimizer](model.namedParameters(), config.lr);
  const r: Run = (run = { model, optimizer, paused: false, resume: null, reset: false });
  const batches = Math.ceil(s.train.length / config.batchSize);
  const steps = config.epochs * batches;
  const loss = losses[config.loss];
  // About 250 points per curve, of batch values smoothed over ~50 steps; samples/s over the run so far, pauses excluded.
  const every = Math.max(1, Math.round(steps / 250));
  const smooth = { loss: 0, accuracy: 0, weight: 0 };
  const speed = { samples: 0, ms: 0, since: performance.now() };
  let batchAccuracy = 0;
  step = 0;
  const parameters = model.parameters().reduce((n, p) => n + p.size, 0);
  post({ type: 'model', sizes: [PIXELS, ...config.hidden, 10], parameters, config });
  setState('running');

  const onBatchEnd = async (log: { loss: number; size: number; epoch: number; batch: number }, control: FitControl) => {
    step++;
    // Exponential moving averages, divided by their total weight so the first steps are not pulled towards 0.
    smooth.loss = SMOOTHING * smooth.loss + (1 - SMOOTHING) * log.loss;
    smooth.accuracy = SMOOTHING * smooth.accuracy + (1 - SMOOTHING) * batchAccuracy;
    smooth.weight = SMOOTHING * smooth.weight + (1 - SMOOTHING);
    speed.samples += log.size;
    if (step % every === 0 || step === steps) {
      const now = performance.now();
      [speed.ms, speed.since] = [speed.ms + now - speed.since, now];
      post({
        type: 'progress', epoch: log.epoch - 1 + log.batch / batches, step, steps, loss: smooth.loss / smooth.weight,
        accuracy: smooth.accuracy / smooth.weight, samplesPerSecond: (speed.samples * 1e3) / speed.ms,
      });
    }
    if (r.paused && !r.reset) {
      setState('paused');
      speed.ms += performance.now() - speed.since;
      await new Promise<void>((resume) => (r.resume = resume));
      speed.since = performance.now();
      if (!r.reset) setState('running');
    }
    if (r.reset) control.stop('reset');
  };

  // The run has validation data and the accuracy metric, so the log has all three.
  const onEpochEnd = (log: EpochLog) => {
    if (r.reset) return;
    const report: EpochReport = {
      epoch: log.epoch, loss: log.loss, accuracy: log.accuracy!, valLoss: log.valLoss!, valAccuracy: log.valAccuracy!,
      testAccuracy: evaluate(model, s.test, { metrics: ['accuracy'] }).accuracy, predictions: predictions(model, s.grid),
    };
    post({ type: 'epoch', ...report });
  };

  try {
    await fit(model, s.train, {
      loss, optimizer, epochs: config.epochs, batchSize: config.batchSize, seed: config.seed, validation: s.val,
      metrics: [{ name: 'accuracy', fn: (output: Tensor, labels: Tensor) => (batchAccuracy = accuracy(output, labels)) }],
      scheduler: scheduler(config.schedule, optimizer, steps), schedulerStep: 'iteration',
      callbacks: { onBatchEnd, onEpochEnd },
    });
  } catch (e) {
    dispose(); // e.g. a learning rate so high that the gradients overflow: the page says why and starts over
    throw e;
  }
  if (r.reset) dispose();
  else setState('done');
}

function dispose(): void {
  run?.optimizer.dispose();
  run?.model.dispose();
  run = null;
  step = 0;
  setState('idle');
}

function predict(pixels: Float32Array): void {
  const model = run?.model;
  const probabilities = model
    ? scope(() => noGrad(() => Array.from(nn.functional.softmax(model.forward(tensor(pixels, [1, PIXELS]))).data())))
    : null;
  post({ type: 'probabilities', probabilities });
}

const handlers: { [T in ToWorker['type']]: (m: Extract<ToWorker, { type: T }>) => void | Promise<void> } = {
  load: (m) => load(m.base),
  start: (m) => {
    if (state !== 'idle' && state !== 'done') return;
    if (run) dispose();
    return train(m.config);
  },
  pause: () => void (state === 'running' && run && (run.paused = true)),
  resume: () => {
    if (!run?.paused) return;
    run.paused = false;
    run.resume?.();
  },
  reset: () => {
    if (state === 'done') return dispose();
    if (!run) return;
    run.reset = true;
    run.resume?.();
  },
  predict: (m) => predict(m.pixels),
};

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  try {
    await (handlers[e.data.type] as (m: ToWorker) => void | Promise<void>)(e.data);
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
};
