// fit(): an optional training loop over a Dataset — shuffled minibatches,
// loss and metrics, validation each epoch, early stopping, LR schedules and
// callbacks — returning the history. Each step runs inside scope(), so memory
// stays flat after the first step. Portable: progress goes to callbacks (the
// terminal bar is src/node/progress.ts).
import { Dataset } from '../data/dataset.js';
import { DataLoader, type Batch } from '../data/loader.js';
import { ArgumentError, BackendError, ShapeError } from '../errors.js';
import type { TensorRecord } from '../io/safetensors.js';
import { Module } from '../nn/module.js';
import { Optimizer } from '../optim/optimizer.js';
import { LRScheduler } from '../optim/schedulers.js';
import { checkBoolean, checkInteger, checkNumber, checkOneOf, checkOptions, show } from '../check.js';
import { fmt, sameShape } from '../shape.js';
import { scope } from '../storage.js';
import { noGrad } from '../tape.js';
import { Tensor } from '../tensor.js';

/** Computes the loss of a batch from the model's output and the batch's target. */
export type LossFn<Out, Y> = (output: Out, target: Y) => Tensor;

/**
 * 'accuracy' (argmax of [batch, classes] outputs against int32 labels), or a
 * custom metric: fn returns the batch's mean, averaged over the epoch by batch size.
 */
export type Metric<Out = Tensor, Y = Tensor> = 'accuracy' | { name: string; fn: (output: Out, target: Y) => number };

export interface EvaluateOptions<Out = Tensor, Y = Tensor> {
  /** Reported as `loss` when given. */
  loss?: LossFn<Out, Y>;
  metrics?: readonly Metric<Out, Y>[];
  /** What the loss and metrics compare the output with (default: the batch's labels, batch.y). */
  targets?: (batch: Batch) => Y;
  /** Samples per forward pass (default 256): a matter of speed, and of rounding in the last bits of the means. */
  batchSize?: number;
}

const EVALUATE_KEYS = ['loss', 'metrics', 'targets', 'batchSize'] as const;

export interface EarlyStoppingOptions {
  /** The epoch-log value to watch (default 'valLoss' with validation data, else 'loss'). */
  monitor?: string;
  /** Stop after this many epochs in a row without improvement (>= 1). */
  patience: number;
  /** 'min' or 'max'; default 'max' for accuracies, 'min' otherwise. */
  mode?: 'min' | 'max';
  /** The smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** At the end of training, put back the parameters of the best epoch (default false). */
  restoreBest?: boolean;
}

/** What every epoch reports: epoch (from 1), lr at its start, loss, metrics, val* when validating, timing. */
export interface EpochLog {
  epoch: number;
  lr: number;
  loss: number;
  seconds: number;
  samplesPerSecond: number;
  /** With validation data only. */
  valLoss?: number;
  /** Each metric by name ('accuracy', …) and, with validation data only, as val… ('valAccuracy'). */
  [metric: string]: number | undefined;
}

export interface BatchLog {
  epoch: number;
  /** From 1 to batches. */
  batch: number;
  batches: number;
  size: number;
  /** Samples seen so far this epoch. */
  samples: number;
  loss: number;
  /** Since the epoch started. */
  seconds: number;
}

export interface TrainInfo {
  epochs: number;
  batchesPerEpoch: number;
  samplesPerEpoch: number;
}

/**
 * Passed to every callback. stop() ends training: from onBatchEnd after that
 * batch (the epoch is still closed with its log and validation), otherwise at
 * the end of the current epoch.
 */
export interface FitControl {
  stop(reason?: string): void;
}

/** Hooks called by fit; each may return a promise, which fit awaits. */
export interface FitCallbacks {
  onTrainBegin?(info: TrainInfo, control: FitControl): void | Promise<void>;
  onEpochBegin?(epoch: number, control: FitControl): void | Promise<void>;
  onBatchEnd?(log: BatchLog, control: FitControl): void | Promise<void>;
  onEpochEnd?(log: EpochLog, control: FitControl): void | Promise<void>;
  onTrainEnd?(history: History, control: FitControl): void | Promise<void>;
}

const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'] as const;

export interface FitOptions<Out = Tensor, Y = Tensor> extends EvaluateOptions<Out, Y> {
  loss: LossFn<Out, Y>;
  optimizer: Optimizer<any>;
  epochs: number;
  /** Default 32 (with a Dataset; a DataLoader brings its own batching). */
  batchSize?: number;
  /** Samples per forward pass on the validation data (default: the training batch size). */
  validationBatchSize?: number;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling; the same seed (and model seed) gives the same run, bit for bit. */
  seed?: number;
  dropLast?: boolean;
  /** Evaluated after every epoch (loss and metrics as val*), in eval mode and without gradients. */
  validation?: Dataset;
  /** Added to the training objective only (e.g. () => losses.l2(params, λ)); the reported losses are the data loss. */
  regularizer?: () => Tensor;
  scheduler?: LRScheduler;
  /** Step the scheduler once per epoch (default) or once per batch. */
  schedulerStep?: 'epoch' | 'iteration';
  earlyStopping?: EarlyStoppingOptions;
  callbacks?: FitCallbacks | readonly FitCallbacks[];
  /**
   * When fit hands the event loop a turn between batches, so that timers, input,
   * rendering and worker messages are not starved: 'auto' (default) after at
   * least 50 ms of work, a number of ms for another interval, 'batch' after
   * every batch, 'never'.
   */
  yieldEvery?: YieldEvery;
}

const FIT_KEYS = [
  ...EVALUATE_KEYS, 'optimizer', 'epochs', 'validationBatchSize', 'shuffle', 'seed', 'dropLast', 'validation', 'regularizer',
  'scheduler', 'schedulerStep', 'earlyStopping', 'callbacks', 'yieldEvery',
] as const;

export type YieldEvery = 'auto' | 'batch' | 'never' | number;

/** Ms of work between yields; 'auto' is the 50 ms beyond which browsers count a task as long (input feels late). */
const YIELD_MS = { auto: 50, batch: 0, never: Infinity };

export interface History {
  epochs: EpochLog[];
  /** Every step's training loss, in order: the loss curve. */
  batchLosses: number[];
  /** Why training ended before `epochs` (early stopping or a callback's stop()), else null. */
  stopReason: string | null;
  /** With early stopping: the epoch whose monitored value was best. */
  bestEpoch: number | null;
}

type AnyModule<Out> = Module<Tensor, Out>;

const capitalize = (s: string) => s[0].toUpperCase() + s.slice(1);
const metricName = (m: Metric<any, any>) => (m === 'accuracy' ? m : m.name);

function checkMetrics(op: string, metrics: unknown): Metric<any, any>[] {
  if (metrics === undefined) return [];
  if (!Array.isArray(metrics)) throw new ArgumentError(op, `metrics must be an array of 'accuracy' or { name, fn }, got ${String(metrics)}`);
  const seen = new Set<string>();
  for (const m of metrics) {
    const ok = m === 'accuracy' || (m !== null && typeof m === 'object' && typeof m.name === 'string' && /^[A-Za-z]\w*$/.test(m.name) && typeof m.fn === 'function');
    if (!ok) throw new ArgumentError(op, `a metric must be 'accuracy' or { name: identifier, fn: (output, target) => number }, got ${show(m)}`);
    const name = metricName(m);
    if (name === 'loss' || seen.has(name)) throw new ArgumentError(op, `metric name '${name}' is ${name === 'loss' ? 'reserved' : 'used twice'}`);
    seen.add(name);
  }
  return metrics;
}

function checkFunction(op: string, name: string, f: unknown, required: boolean, shape: string): void {
  if (f === undefined && !required) return;
  if (typeof f !== 'function') throw new ArgumentError(op, `${name} must be a function ${shape}, got ${f === null ? 'null' : typeof f}`);
}

function checkEvaluateOptions(op: string, o: EvaluateOptions<unknown, unknown>, lossRequired: boolean): Metric<any, any>[] {
  checkFunction(op, 'loss', o.loss, lossRequired, '(output, target) => scalar Tensor');
  checkFunction(op, 'targets', o.targets, false, '(batch) => target');
  return checkMetrics(op, o.metrics);
}

function checkModel(op: string, model: unknown): asserts model is Module<Tensor, unknown> {
  if (!(model instanceof Module)) throw new ArgumentError(op, `model must be an nn.Module (e.g. new nn.MLP([784, 128, 10])), got ${model === null ? 'null' : typeof model}`);
}

function checkDataset(op: string, what: string, d: unknown): asserts d is Dataset {
  if (!(d instanceof Dataset)) throw new ArgumentError(op, `${what} must be a Dataset (data.dataset(features, labels)), got ${d === null ? 'null' : typeof d}`);
}

/** Data and model must share a backend; checked up front so a mismatch fails before training. */
function checkBackends(op: string, model: Module<Tensor, unknown>, d: Dataset, what: string): void {
  const p = model.parameters()[0];
  if (p && p.backend !== d.source.x.backend) {
    throw new BackendError(op, `the model's parameters are on ${p.backend.label} but the ${what} is on ${d.source.x.backend.label}; build both on one backend`);
  }
}

/** A loss or penalty, checked to be a one-element tensor. */
function scalar(op: string, what: string, l: unknown): Tensor {
  if (!(l instanceof Tensor) || l.size !== 1) {
    const got = l instanceof Tensor ? `shape ${fmt(l.shape)}` : typeof l;
    throw new ShapeError(op, `${what} must return a one-element Tensor (reduction 'mean' or 'sum'), got ${got}`);
  }
  return l;
}

/**
 * Fraction of rows of [batch, classes] scores whose largest score (the first
 * of tied maxima) is at the row's int32 label: the 'accuracy' metric, also
 * for use in custom metrics (e.g. of one head of a multi-task model).
 */
export function accuracy(output: Tensor, labels: Tensor): number {
  return accuracyOf('accuracy', output, labels);
}

function accuracyOf(op: string, output: unknown, target: unknown): number {
  if (!(output instanceof Tensor) || output.rank !== 2) {
    throw new ShapeError(op, `the 'accuracy' metric needs [batch, classes] outputs, got ${output instanceof Tensor ? `shape ${fmt(output.shape)}` : typeof output}`);
  }
  const [rows, cols] = output.shape;
  if (!(target instanceof Tensor) || target.dtype !== 'int32' || target.size !== rows) {
    const got = target instanceof Tensor ? `${target.dtype} ${fmt(target.shape)}` : typeof target;
    throw new ShapeError(op, `the 'accuracy' metric needs ${rows} int32 class labels for outputs of shape ${fmt(output.shape)}, got ${got}`);
  }
  const o = output.data();
  const y = target.data();
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (o[r * cols + c] > o[r * cols + best]) best = c;
    if (best === y[r]) correct++;
  }
  return correct / rows;
}

/** Batch values (loss and metrics) averaged over samples. */
class Meter {
  readonly #sums = new Map<string, number>();
  #count = 0;
  add(values: Record<string, number>, n: number): void {
    for (const [k, v] of Object.entries(values)) this.#sums.set(k, (this.#sums.get(k) ?? 0) + v * n);
    this.#count += n;
  }
  means(prefix = ''): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, s] of this.#sums) out[prefix ? prefix + capitalize(k) : k] = s / this.#count;
    return out;
  }
}

function measure<Out, Y>(op: string, metrics: readonly Metric<Out, Y>[], output: Out, target: Y, loss: Tensor | null): Record<string, number> {
  const values: Record<string, number> = loss ? { loss: loss.item() } : {};
  for (const m of metrics) {
    const v = m === 'accuracy' ? accuracyOf(op, output, target) : m.fn(output, target);
    if (typeof v !== 'number') throw new ArgumentError(op, `metric '${metricName(m)}' must return a number, got ${typeof v}`);
    values[metricName(m)] = v;
  }
  return values;
}

const defaultTargets = (batch: Batch) => batch.y as unknown;

/** Loss and metrics over a dataset, in eval mode and without gradients (the mode is restored afterwards). */
function evaluateChecked<Out, Y>(op: string, model: AnyModule<Out>, d: Dataset, o: EvaluateOptions<Out, Y>, metrics: readonly Metric<Out, Y>[]): Record<string, number> {
  const targets = (o.targets ?? defaultTargets) as (b: Batch) => Y;
  const wasTraining = model.training;
  model.eval();
  try {
    const meter = new Meter();
    for (const batch of new DataLoader(d, { batchSize: o.batchSize ?? 256 })) {
      scope(() =>
        noGrad(() => {
          const output = model.forward(batch.x);
          const target = targets(batch);
          const loss = o.loss ? scalar(op, 'loss', o.loss(output, target)) : null;
          meter.add(measure(op, metrics, output, target, loss), batch.size);
        }),
      );
    }
    return meter.means();
  } finally {
    model.train(wasTraining);
  }
}

/**
 * Loss (when options.loss is given) and metrics of `model` on `data`, averaged
 * over samples: `evaluate(model, test, { metrics: ['accuracy'] }).accuracy`.
 */
export function evaluate<Out = Tensor, Y = Tensor>(model: AnyModule<Out>, data: Dataset, options: EvaluateOptions<Out, Y> = {}): Record<string, number> {
  const op = 'evaluate';
  checkModel(op, model);
  checkDataset(op, 'data', data);
  checkOptions(op, options, EVALUATE_KEYS);
  const metrics = checkEvaluateOptions(op, options as EvaluateOptions<unknown, unknown>, false);
  if (options.batchSize !== undefined) checkInteger(op, 'batchSize', options.batchSize, 1);
  checkBackends(op, model, data, 'data');
  return evaluateChecked(op, model, data, options, metrics);
}

function checkCallbacks(op: string, callbacks: unknown): FitCallbacks[] {
  if (callbacks === undefined) return [];
  const list = Array.isArray(callbacks) ? callbacks : [callbacks];
  for (const [i, cb] of list.entries()) {
    if (cb === null || typeof cb !== 'object') throw new ArgumentError(op, `callbacks[${i}] must be an object of hooks (${HOOKS.join(', ')}), got ${String(cb)}`);
    // A misspelt hook on a plain object would be silently ignored: refuse it.
    const unknown = Object.getPrototypeOf(cb) === Object.prototype ? Object.keys(cb).filter((k) => !(HOOKS as readonly string[]).includes(k)) : [];
    if (unknown.length) throw new ArgumentError(op, `callbacks[${i}] has unknown hook '${unknown[0]}'; valid hooks: ${HOOKS.join(', ')}`);
    for (const h of HOOKS) if (cb[h] !== undefined && typeof cb[h] !== 'function') throw new ArgumentError(op, `callbacks[${i}].${h} must be a function`);
  }
  return list;
}

/** The models a fit() is training now: a second fit on one of them would interleave its steps. */
const training = new WeakSet<Module<any, any>>();

interface Plan {
  loader: DataLoader;
  validationBatchSize: number;
  metrics: Metric<any, any>[];
  callbacks: FitCallbacks[];
  stopping: (Required<Omit<EarlyStoppingOptions, 'monitor'>> & { monitor: string }) | null;
  /** Ms of work between turns of the event loop; Infinity never yields. */
  yieldMs: number;
}

/** Every check fit makes before it changes anything. */
function plan<Out, Y>(model: unknown, data: unknown, o: FitOptions<Out, Y>): Plan {
  const op = 'fit';
  checkModel(op, model);
  if (!(data instanceof Dataset || data instanceof DataLoader)) {
    throw new ArgumentError(op, `data must be a Dataset or a DataLoader, got ${data === null ? 'null' : typeof data}`);
  }
  if (o === null || typeof o !== 'object') throw new ArgumentError(op, `options must be an object with loss, optimizer and epochs, got ${String(o)}`);
  checkOptions(op, o, FIT_KEYS);
  if (training.has(model)) throw new ArgumentError(op, 'another fit() is training this model; await it before starting the next');
  checkInteger(op, 'epochs', o.epochs, 1);
  if (!(o.optimizer instanceof Optimizer)) throw new ArgumentError(op, `optimizer must be an optim optimizer (e.g. new optim.Adam(model.parameters())), got ${String(o.optimizer)}`);
  checkOptimizerOf(op, o.optimizer, model);
  const metrics = checkEvaluateOptions(op, o as EvaluateOptions<unknown, unknown>, true);
  checkFunction(op, 'regularizer', o.regularizer, false, '() => scalar Tensor');
  let loader: DataLoader;
  if (data instanceof DataLoader) {
    const given = (['batchSize', 'shuffle', 'seed', 'dropLast'] as const).filter((k) => o[k] !== undefined);
    if (given.length) throw new ArgumentError(op, `${given.join(', ')} cannot be given with a DataLoader, which has its own; pass a Dataset instead`);
    loader = data;
  } else {
    const { batchSize = 32, shuffle = true, seed, dropLast = false } = o;
    checkInteger(op, 'batchSize', batchSize, 1);
    checkBoolean(op, 'shuffle', shuffle);
    checkBoolean(op, 'dropLast', dropLast);
    if (seed !== undefined) checkInteger(op, 'seed', seed, 0);
    if (dropLast && batchSize > data.length) throw new ArgumentError(op, `dropLast with batchSize ${batchSize} > ${data.length} samples would leave no batch`);
    loader = new DataLoader(data, { batchSize, shuffle, seed, dropLast });
  }
  const train = loader.dataset;
  checkBackends(op, model, train, 'training data');
  const validationBatchSize = o.validationBatchSize ?? loader.batchSize;
  checkInteger(op, 'validationBatchSize', validationBatchSize, 1);
  if (o.validation !== undefined) {
    checkDataset(op, 'validation', o.validation);
    const v = o.validation;
    const sample = (d: Dataset) => d.source.x.shape.slice(1);
    if (!sameShape(sample(v), sample(train))) {
      throw new ShapeError(op, `validation samples have shape ${fmt(sample(v))} but training samples ${fmt(sample(train))}`);
    }
    const kind = (d: Dataset) => (d.source.classLabels ? 'int32 class labels' : `float targets of shape ${fmt(d.source.y.shape.slice(1))}`);
    if (kind(v) !== kind(train)) throw new ShapeError(op, `validation data has ${kind(v)} but training data ${kind(train)}`);
    checkBackends(op, model, v, 'validation data');
  }
  if (o.scheduler !== undefined) {
    if (!(o.scheduler instanceof LRScheduler)) throw new ArgumentError(op, `scheduler must be an optim scheduler (e.g. new optim.CosineAnnealingLR(opt, { tMax })), got ${String(o.scheduler)}`);
    if (o.scheduler.optimizer !== o.optimizer) throw new ArgumentError(op, 'scheduler drives a different optimizer than options.optimizer');
  }
  checkOneOf(op, 'schedulerStep', o.schedulerStep ?? 'epoch', ['epoch', 'iteration']);
  return { loader, validationBatchSize, metrics, callbacks: checkCallbacks(op, o.callbacks), stopping: checkStopping(op, o, metrics), yieldMs: checkYieldEvery(op, o.yieldEvery) };
}

function checkYieldEvery(op: string, every: unknown = 'auto'): number {
  if (typeof every === 'number') {
    checkNumber(op, 'yieldEvery', every, { min: 0 });
    return every;
  }
  if (typeof every !== 'string' || !Object.hasOwn(YIELD_MS, every)) {
    throw new ArgumentError(op, `yieldEvery must be 'auto', 'batch', 'never' or a number of ms >= 0, got ${show(every)}`);
  }
  return YIELD_MS[every as keyof typeof YIELD_MS];
}

interface TaskRuntime {
  scheduler?: { postTask?(task: () => void, options: { priority: 'background' }): Promise<void> };
  setImmediate?(task: () => void): unknown;
}
const runtime = globalThis as TaskRuntime;

/**
 * Resolves in a later task, after what is due: a background-priority task
 * where the runtime has scheduler.postTask (browsers: due timers, input,
 * messages and rendering go first; a posted message or scheduler.yield() would
 * run ahead of due timers in Chromium), setImmediate in Node, else a timeout.
 */
function nextTask(): Promise<void> {
  if (runtime.scheduler?.postTask) return runtime.scheduler.postTask(() => {}, { priority: 'background' });
  return new Promise((resolve) => (runtime.setImmediate ? runtime.setImmediate(resolve) : setTimeout(resolve, 0)));
}

/** Every parameter the optimizer updates must be the model's (a subset is fine: frozen layers); else fit would train nothing. */
function checkOptimizerOf(op: string, optimizer: Optimizer<any>, model: Module<Tensor, unknown>): void {
  const own = new Set(model.parameters());
  optimizer.paramGroups.forEach((group, gi) =>
    group.params.forEach((p: Tensor, i: number) => {
      if (!own.has(p)) {
        throw new ArgumentError(op, `the optimizer updates parameter ${i} of group ${gi} (shape ${fmt(p.shape)}), which is not a parameter of the model; build it from model.parameters() (a subset is fine)`);
      }
    }),
  );
}

function checkStopping(op: string, o: FitOptions<any, any>, metrics: readonly Metric<any, any>[]): Plan['stopping'] {
  const es = o.earlyStopping;
  if (es === undefined) return null;
  if (es === null || typeof es !== 'object') throw new ArgumentError(op, `earlyStopping must be an object { patience, monitor?, mode?, minDelta?, restoreBest? }, got ${String(es)}`);
  checkOptions(op, es, ['monitor', 'patience', 'mode', 'minDelta', 'restoreBest'], 'earlyStopping');
  checkInteger(op, 'earlyStopping.patience', es.patience, 1);
  const names = ['loss', ...metrics.map(metricName)];
  const available = o.validation ? [...names, ...names.map((n) => 'val' + capitalize(n))] : names;
  const monitor = es.monitor ?? (o.validation ? 'valLoss' : 'loss');
  if (!available.includes(monitor)) {
    const hint = o.validation || !/^val[A-Z]/.test(String(monitor)) ? '' : ' (val* values need validation data)';
    throw new ArgumentError(op, `earlyStopping.monitor '${monitor}' is not reported; available: ${available.join(', ')}${hint}`);
  }
  const mode = es.mode ?? (/accuracy$/i.test(monitor) ? 'max' : 'min');
  checkOneOf(op, 'earlyStopping.mode', mode, ['min', 'max']);
  const minDelta = es.minDelta ?? 0;
  checkNumber(op, 'earlyStopping.minDelta', minDelta, { min: 0 });
  const restoreBest = es.restoreBest ?? false;
  checkBoolean(op, 'earlyStopping.restoreBest', restoreBest);
  return { monitor, patience: es.patience, mode, minDelta, restoreBest };
}

/** A copy of the parameters in JS memory, for restoreBest. */
function snapshot(model: Module<Tensor, unknown>): Record<string, TensorRecord> {
  return scope(() =>
    Object.fromEntries(
      Object.entries(model.stateDict()).map(([k, t]) => [k, { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: [...t.shape], data: t.data() } as TensorRecord]),
    ),
  );
}

/**
 * Trains `model` on `data` (a Dataset, batched and reshuffled every epoch, or a
 * DataLoader) and returns the history. Everything is checked before training
 * starts: bad options throw a typed error and change nothing.
 *
 * ```ts
 * const history = await fit(model, train, {
 *   loss: losses.crossEntropy, optimizer: new optim.Adam(model.parameters(), { lr: 3e-3 }),
 *   epochs: 10, batchSize: 64, seed: 1, metrics: ['accuracy'], validation: val,
 *   earlyStopping: { monitor: 'valAccuracy', patience: 2, restoreBest: true },
 * });
 * ```
 */
export async function fit<Out = Tensor, Y = Tensor>(model: AnyModule<Out>, data: Dataset | DataLoader, options: FitOptions<Out, Y>): Promise<History> {
  const op = 'fit';
  const { loader, validationBatchSize, metrics, callbacks, stopping, yieldMs } = plan(model, data, options);
  const { optimizer, scheduler, regularizer, validation } = options;
  const targets = (options.targets ?? defaultTargets) as (b: Batch) => Y;
  const perIteration = options.schedulerStep === 'iteration';
  const history: History = { epochs: [], batchLosses: [], stopReason: null, bestEpoch: null };
  const control: FitControl = { stop: (reason = 'stopped by a callback') => void (history.stopReason ??= reason) };
  const call = async <H extends (typeof HOOKS)[number]>(hook: H, ...args: Parameters<NonNullable<FitCallbacks[H]>>) => {
    for (const cb of callbacks) await (cb[hook] as ((...a: unknown[]) => unknown) | undefined)?.call(cb, ...args);
  };
  const samplesPerEpoch = loader.dropLast ? loader.length * loader.batchSize : loader.dataset.length;
  const info: TrainInfo = { epochs: options.epochs, batchesPerEpoch: loader.length, samplesPerEpoch };
  const wasTraining = model.training;
  let best = stopping?.mode === 'max' ? -Infinity : Infinity;
  let bestState: Record<string, TensorRecord> | null = null;
  let sinceBest = 0;
  let lastYield = performance.now();
  training.add(model);
  try {
    await call('onTrainBegin', info, control);
    for (let epoch = 1; epoch <= options.epochs && history.stopReason === null; epoch++) {
      model.train();
      await call('onEpochBegin', epoch, control);
      const lr = optimizer.paramGroups[0].lr;
      const meter = new Meter();
      const start = performance.now();
      let samples = 0;
      let b = 0;
      for (const batch of loader.epoch()) {
        const values = scope(() => {
          const output = model.forward(batch.x);
          const target = targets(batch);
          const loss = scalar(op, 'loss', options.loss(output, target));
          const v = measure(op, metrics, output, target, loss);
          const objective = regularizer ? loss.add(scalar(op, 'regularizer', regularizer())) : loss;
          // Only now the update: a forward, loss, metric or regularizer that throws leaves the gradients as they were.
          optimizer.zeroGrad();
          objective.backward();
          optimizer.step();
          return v;
        });
        if (perIteration) scheduler?.step();
        meter.add(values, batch.size);
        history.batchLosses.push(values.loss);
        samples += batch.size;
        const seconds = (performance.now() - start) / 1e3;
        await call('onBatchEnd', { epoch, batch: ++b, batches: loader.length, size: batch.size, samples, loss: values.loss, seconds }, control);
        if (history.stopReason !== null) break;
        if (performance.now() - lastYield >= yieldMs) {
          await nextTask();
          lastYield = performance.now();
        }
      }
      const seconds = (performance.now() - start) / 1e3;
      const log = { epoch, lr, ...meter.means(), seconds, samplesPerSecond: samples / seconds } as EpochLog;
      // The same numbers as evaluate(model, validation, { batchSize: validationBatchSize }).
      if (validation) Object.assign(log, prefixed(evaluateChecked(op, model, validation, { loss: options.loss, targets: options.targets, batchSize: validationBatchSize }, metrics)));
      history.epochs.push(log);
      if (stopping) {
        const value = log[stopping.monitor]!; // plan() checked that the monitor is reported
        const improved = stopping.mode === 'min' ? value < best - stopping.minDelta : value > best + stopping.minDelta;
        if (improved) {
          best = value;
          sinceBest = 0;
          history.bestEpoch = epoch;
          if (stopping.restoreBest) bestState = snapshot(model);
        } else if (++sinceBest >= stopping.patience) {
          control.stop(`early stopping: ${stopping.monitor} did not improve for ${sinceBest} epoch${sinceBest === 1 ? '' : 's'} (best ${best} at epoch ${history.bestEpoch})`);
        }
      }
      await call('onEpochEnd', log, control);
      if (!perIteration) scheduler?.step();
    }
    if (bestState && history.bestEpoch !== history.epochs.length) model.loadStateDict(bestState);
    await call('onTrainEnd', history, control);
    return history;
  } finally {
    model.train(wasTraining);
    training.delete(model);
  }
}

function prefixed(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => ['val' + capitalize(k), v]));
}
