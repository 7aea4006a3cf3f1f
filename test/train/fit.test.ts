// fit() and evaluate(): accuracy on real digits, reproducibility, checkpoints,
// early stopping, schedules, callbacks, metrics, flat memory, and typed errors
// for bad input that leave the model and optimizer untouched.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ArgumentError, BackendError, ShapeError, accuracy, createBackend, data, evaluate, fit, losses, memoryStats, nn, optim, scope,
  tensor, type Backend, type FitCallbacks, type Tensor,
} from '../../src/index.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/node/checkpoint.js';
import { digitsDataset } from '../../src/node/mnist.js';
import { js64, wasmBackends } from '../helpers/backends.js';

const dir = await mkdtemp(join(tmpdir(), 'subgrad-fit-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const wasm = wasmBackends[0];
const small = (backend: Backend, perClass = 20) =>
  data.trainValTestSplit(digitsDataset({ perClass, backend }), [0.6, 0.2, 0.2], { stratified: true, seed: 3 });

function setup(backend: Backend, seed = 1, hidden = 16) {
  const model = new nn.MLP([784, hidden, 10], { seed, backend });
  return { model, optimizer: new optim.Adam(model.parameters(), { lr: 1e-2 }) };
}

const values = (model: nn.Module) => model.parameters().map((p) => Array.from(p.data()));
const outputs = (model: nn.Module, x: Tensor) => Array.from(scope(() => model.forward(x).data()));

describe('fit on the MNIST digits', () => {
  it('trains a 784-128-10 MLP to >= 95% accuracy on a held-out test split', async () => {
    const { train, val, test } = data.trainValTestSplit(digitsDataset({ backend: wasm }), [0.85, 0.05, 0.1], { stratified: true, seed: 1 });
    const model = new nn.MLP([784, 128, 10], { seed: 1, backend: wasm });
    const optimizer = new optim.Adam(model.parameters(), { lr: 3e-3 });
    const epochs = 15;
    const history = await fit(model, train, {
      loss: losses.crossEntropy, optimizer, epochs, batchSize: 32, seed: 1, metrics: ['accuracy'], validation: val,
      scheduler: new optim.CosineAnnealingLR(optimizer, { tMax: epochs * Math.ceil(train.length / 32) }), schedulerStep: 'iteration',
    });
    const { accuracy: testAccuracy, loss } = evaluate(model, test, { loss: losses.crossEntropy, metrics: ['accuracy'] });
    expect(test.length).toBe(1000);
    expect(testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(loss).toBeLessThan(0.2);
    expect(history.epochs).toHaveLength(epochs);
    expect(history.epochs[epochs - 1].loss).toBeLessThan(history.epochs[0].loss / 10);
    expect(history.epochs[epochs - 1].valAccuracy).toBeGreaterThan(0.94);
  });
});

describe('reproducibility', () => {
  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))('the same seed gives a bit-identical loss curve (%s)', async (_l, backend) => {
    const { train, val } = small(backend);
    const curve = async (seed: number) => {
      const { model, optimizer } = setup(backend, seed);
      const h = await fit(model, train, {
        loss: losses.crossEntropy, optimizer, epochs: 3, batchSize: 16, seed, validation: val, metrics: ['accuracy'],
        regularizer: () => losses.l2(model.parameters(), 1e-4), scheduler: new optim.StepLR(optimizer, { stepSize: 1, gamma: 0.5 }),
      });
      return { losses: h.batchLosses, epochs: h.epochs.map(({ seconds, samplesPerSecond, ...rest }) => rest), params: values(model) };
    };
    const a = await curve(1);
    const b = await curve(1);
    expect(a.losses).toHaveLength(3 * Math.ceil(train.length / 16));
    expect(b.losses).toEqual(a.losses);
    expect(b.epochs).toEqual(a.epochs);
    expect(b.params).toEqual(a.params);
    expect((await curve(2)).losses).not.toEqual(a.losses);
  });
});

describe('checkpoints', () => {
  it('fit → save → load into a fresh model gives identical predictions', async () => {
    const { train, test } = small(wasm);
    const { model, optimizer } = setup(wasm);
    await fit(model, train, { loss: losses.crossEntropy, optimizer, epochs: 3, batchSize: 16, seed: 1 });
    const path = join(dir, 'fitted.safetensors');
    await saveCheckpoint(path, model);
    const fresh = new nn.MLP([784, 16, 10], { seed: 99, backend: wasm });
    expect(outputs(fresh, test.x)).not.toEqual(outputs(model, test.x));
    await loadCheckpoint(path, fresh);
    expect(outputs(fresh, test.x)).toEqual(outputs(model, test.x));
    expect(evaluate(fresh, test, { metrics: ['accuracy'] })).toEqual(evaluate(model, test, { metrics: ['accuracy'] }));
  });
});

describe('bad input', () => {
  const { train, val } = small(wasm);
  const { model, optimizer } = setup(wasm);
  const other = setup(wasm, 2).optimizer;
  const base = { loss: losses.crossEntropy, optimizer, epochs: 1 };
  const calls: string[] = [];
  const spy: FitCallbacks = { onTrainBegin: () => void calls.push('begin'), onBatchEnd: () => void calls.push('batch') };
  const floatLabels = data.dataset(new Float32Array(10 * 784), new Float32Array(10).fill(0.5), { backend: wasm });
  const cases: [string, () => Promise<unknown>, new (...a: never[]) => Error, RegExp][] = [
    ['epochs < 1', () => fit(model, train, { ...base, epochs: 0 }), ArgumentError, /^fit: epochs must be an integer >= 1, got 0$/],
    ['fractional epochs', () => fit(model, train, { ...base, epochs: 1.5 }), ArgumentError, /epochs must be an integer >= 1, got 1.5/],
    ['batchSize < 1', () => fit(model, train, { ...base, batchSize: 0 }), ArgumentError, /fit: batchSize must be an integer >= 1, got 0/],
    ['validation with other sample shapes', () => fit(model, train, { ...base, validation: data.dataset(new Float32Array(40), new Int32Array(4), { backend: wasm }) }), ShapeError, /fit: validation samples have shape \[10\] but training samples \[784\]/],
    ['validation with float targets', () => fit(model, train, { ...base, validation: floatLabels }), ShapeError, /validation data has float targets of shape \[\] but training data int32 class labels/],
    ['validation on another backend', () => fit(model, train, { ...base, validation: small(js64).val }), BackendError, /model's parameters are on wasm-\w+ but the validation data is on js-float64/],
    ['training data on another backend', () => fit(model, small(js64).train, base), BackendError, /but the training data is on js-float64/],
    ['no optimizer', () => fit(model, train, { ...base, optimizer: undefined as never }), ArgumentError, /optimizer must be an optim optimizer/],
    ['a loss that is not a function', () => fit(model, train, { ...base, loss: 'crossEntropy' as never }), ArgumentError, /loss must be a function/],
    ['an unknown metric', () => fit(model, train, { ...base, metrics: ['acc' as never] }), ArgumentError, /a metric must be 'accuracy' or \{ name/],
    ['monitoring val* without validation data', () => fit(model, train, { ...base, earlyStopping: { monitor: 'valLoss', patience: 2 } }), ArgumentError, /monitor 'valLoss' is not reported; available: loss \(val\* values need validation data\)/],
    ['patience 0', () => fit(model, train, { ...base, validation: val, earlyStopping: { patience: 0 } }), ArgumentError, /earlyStopping.patience must be an integer >= 1, got 0/],
    ['a scheduler of another optimizer', () => fit(model, train, { ...base, scheduler: new optim.StepLR(other, { stepSize: 1 }) }), ArgumentError, /scheduler drives a different optimizer/],
    ['a misspelt hook', () => fit(model, train, { ...base, callbacks: [{ onEpochEnds: () => {} } as never] }), ArgumentError, /callbacks\[0\] has unknown hook 'onEpochEnds'/],
    ['batch options with a DataLoader', () => fit(model, new data.DataLoader(train, { batchSize: 4 }), { ...base, batchSize: 8 }), ArgumentError, /batchSize cannot be given with a DataLoader/],
    ['a model that is not a Module', () => fit({ forward: (x: Tensor) => x } as never, train, base), ArgumentError, /model must be an nn.Module/],
    ['data that is not a Dataset', () => fit(model, [[1, 2]] as never, base), ArgumentError, /data must be a Dataset or a DataLoader/],
    ["a loss that is not a scalar (reduction 'none')", () => fit(model, train, { ...base, loss: (o, y) => losses.crossEntropy(o, y, { reduction: 'none' }) }), ShapeError, /fit: loss must return a one-element Tensor .*got shape \[32\]/],
    ['a misspelt option', () => fit(model, train, { ...base, epoch: 5 } as never), ArgumentError,
      /^fit: unknown option 'epoch'; valid options are loss, metrics, targets, batchSize, optimizer, epochs, validationBatchSize, shuffle, seed, dropLast, validation, regularizer, scheduler, schedulerStep, earlyStopping, callbacks, yieldEvery$/],
    ['a misspelt validation batch size', () => fit(model, train, { ...base, validation: val, valBatchSize: 8 } as never), ArgumentError, /unknown option 'valBatchSize'/],
    ['validationBatchSize < 1', () => fit(model, train, { ...base, validation: val, validationBatchSize: 0 }), ArgumentError, /fit: validationBatchSize must be an integer >= 1, got 0/],
    ['a misspelt earlyStopping option', () => fit(model, train, { ...base, earlyStopping: { patience: 2, monitr: 'loss' } as never }), ArgumentError,
      /fit: unknown option 'monitr'; valid options are monitor, patience, mode, minDelta, restoreBest/],
    ["'accuracy' on regression outputs", () => fit(model, train, { ...base, loss: (o) => o.square().mean(), targets: () => tensor([0.5]), metrics: ['accuracy'] }), ShapeError, /'accuracy' metric needs 32 int32 class labels for outputs of shape \[32, 10\], got float32 \[1\]/],
  ];
  const before = values(model);

  it.each(cases)('%s: a typed error, and the model and optimizer are unchanged', async (_name, call, type, message) => {
    await expect(call()).rejects.toThrow(type);
    await expect(call()).rejects.toThrow(message);
    expect(values(model)).toEqual(before);
    expect(optimizer.stateDict().header.groups[0].scalars.step.every((s) => s === 0)).toBe(true);
    expect(calls.filter((c) => c === 'batch')).toEqual([]);
  });

  it('reports the loss of the step that failed before any update', async () => {
    await expect(fit(model, train, { ...base, callbacks: spy, loss: () => tensor([1, 2], undefined, { backend: wasm }) })).rejects.toThrow(ShapeError);
    expect(calls).toEqual(['begin']);
    expect(values(model)).toEqual(before);
    floatLabels.dispose();
  });

  it('evaluate checks its input too', () => {
    expect(() => evaluate(model, train, { batchSize: 0 })).toThrow(/evaluate: batchSize must be an integer >= 1, got 0/);
    expect(() => evaluate(model, train, { batchsize: 8 } as never)).toThrow("evaluate: unknown option 'batchsize'; valid options are loss, metrics, targets, batchSize");
    expect(() => evaluate(model, small(js64).train)).toThrow(BackendError);
  });
});

describe('early stopping', () => {
  // A metric whose epoch value follows a script, to test the rule exactly.
  function scripted(script: number[]) {
    let epoch = 0;
    return {
      metric: { name: 'score', fn: () => script[epoch - 1] },
      counter: { onEpochBegin: (e: number) => void (epoch = e) } satisfies FitCallbacks,
    };
  }

  it('stops after `patience` epochs without improvement and names the best epoch', async () => {
    const { train } = small(wasm);
    const { model, optimizer } = setup(wasm);
    const { metric, counter } = scripted([1, 2, 3, 2.5, 2.9, 3.5, 9]);
    const h = await fit(model, train, {
      loss: losses.crossEntropy, optimizer, epochs: 7, seed: 1, metrics: [metric], callbacks: counter,
      earlyStopping: { monitor: 'score', mode: 'max', patience: 2 },
    });
    expect(h.epochs.map((e) => e.score)).toEqual([1, 2, 3, 2.5, 2.9]);
    expect(h.bestEpoch).toBe(3);
    expect(h.stopReason).toBe('early stopping: score did not improve for 2 epochs (best 3 at epoch 3)');
  });

  it('minDelta: smaller changes do not count; restoreBest puts back the best epoch parameters', async () => {
    const { train } = small(wasm);
    const { model, optimizer } = setup(wasm);
    // Multiples of 1/16, so the epoch means are exact.
    const { metric, counter } = scripted([5, 4, 3.9375, 3.875, 3.9375, 1]);
    const seen: number[][][] = [];
    const h = await fit(model, train, {
      loss: losses.crossEntropy, optimizer, epochs: 6, seed: 1, metrics: [metric],
      callbacks: [counter, { onEpochEnd: () => void seen.push(values(model)) }],
      earlyStopping: { monitor: 'score', patience: 3, minDelta: 0.125, restoreBest: true },
    });
    expect(h.epochs).toHaveLength(5);
    expect(h.bestEpoch).toBe(2);
    expect(values(model)).toEqual(seen[1]);
    expect(values(model)).not.toEqual(seen[4]);
  });

  it('defaults: monitor valLoss (min) with validation data, and stops on a real rising validation loss', async () => {
    // 60 training digits and a high learning rate: the validation loss turns up within a few epochs.
    const { train, val } = small(wasm, 10);
    const model = new nn.MLP([784, 64, 10], { seed: 1, backend: wasm });
    const h = await fit(model, train, {
      loss: losses.crossEntropy, optimizer: new optim.Adam(model.parameters(), { lr: 3e-2 }), epochs: 40, batchSize: 8, seed: 1,
      validation: val, earlyStopping: { patience: 3, restoreBest: true },
    });
    const valLosses = h.epochs.map((e) => e.valLoss!);
    const best = Math.min(...valLosses);
    expect(h.epochs.length).toBeLessThan(40);
    expect(h.epochs.length).toBe(h.bestEpoch! + 3);
    expect(valLosses[h.bestEpoch! - 1]).toBe(best);
    expect(evaluate(model, val, { loss: losses.crossEntropy, batchSize: 8 }).loss).toBe(best);
  });
});

describe('validation batches', () => {
  /** The batch sizes the validation pass of each epoch ran (a metric sees every batch; validation follows the epoch's last batch). */
  async function validationBatches(options: { batchSize?: number; validationBatchSize?: number; loader?: boolean }) {
    const { train, val } = small(wasm);
    const { model, optimizer } = setup(wasm);
    const sizes: number[][] = [];
    let validating = false;
    const rows = { name: 'rows', fn: (o: Tensor) => (validating && sizes.at(-1)!.push(o.shape[0]), 0) };
    const callbacks: FitCallbacks = {
      onEpochBegin: () => void ((validating = false), sizes.push([])),
      onBatchEnd: (log) => void (validating = log.batch === log.batches),
    };
    const { loader, batchSize, validationBatchSize } = options;
    const common = { loss: losses.crossEntropy, optimizer, epochs: 2, metrics: [rows], validation: val, validationBatchSize, callbacks };
    const h = loader
      ? await fit(model, new data.DataLoader(train, { batchSize: batchSize! }), common)
      : await fit(model, train, { ...common, batchSize, seed: 1 });
    return { sizes, h, model, val };
  }

  it('default to the training batch size, and give the numbers evaluate gives with that batch size', async () => {
    const { sizes, h, model, val } = await validationBatches({ batchSize: 12 });
    const n = val.length; // 40 digits: 12, 12, 12, 4
    expect(sizes).toEqual([[12, 12, 12, n - 36], [12, 12, 12, n - 36]]);
    expect(h.epochs[1].valLoss).toBe(evaluate(model, val, { loss: losses.crossEntropy, batchSize: 12 }).loss);
  });

  it('validationBatchSize sets them, with a Dataset or a DataLoader', async () => {
    expect((await validationBatches({ batchSize: 12, validationBatchSize: 25 })).sizes[0]).toEqual([25, 15]);
    expect((await validationBatches({ batchSize: 7, loader: true })).sizes[0]).toEqual([7, 7, 7, 7, 7, 5]);
    expect((await validationBatches({ batchSize: 7, validationBatchSize: 40, loader: true })).sizes[0]).toEqual([40]);
  });

  it('an epoch log without validation data has no val* entries', async () => {
    const { train } = small(wasm);
    const { model, optimizer } = setup(wasm);
    const h = await fit(model, train, { loss: losses.crossEntropy, optimizer, epochs: 1, metrics: ['accuracy'] });
    expect(Object.keys(h.epochs[0]).sort()).toEqual(['accuracy', 'epoch', 'loss', 'lr', 'samplesPerSecond', 'seconds']);
    expect(h.epochs[0].valLoss).toBeUndefined();
  });
});

describe('schedules, callbacks and metrics', () => {
  const { train } = small(wasm);
  const batches = Math.ceil(train.length / 16);

  it('steps the scheduler once per epoch by default, or once per batch', async () => {
    const perEpoch = setup(wasm);
    const h1 = await fit(perEpoch.model, train, {
      loss: losses.crossEntropy, optimizer: perEpoch.optimizer, epochs: 3, batchSize: 16, seed: 1,
      scheduler: new optim.StepLR(perEpoch.optimizer, { stepSize: 1, gamma: 0.5 }),
    });
    expect(h1.epochs.map((e) => e.lr)).toEqual([1e-2, 5e-3, 2.5e-3]);
    expect(perEpoch.optimizer.paramGroups[0].lr).toBe(1.25e-3);
    const perBatch = setup(wasm);
    const h2 = await fit(perBatch.model, train, {
      loss: losses.crossEntropy, optimizer: perBatch.optimizer, epochs: 3, batchSize: 16, seed: 1,
      scheduler: new optim.ExponentialLR(perBatch.optimizer, { gamma: 0.9 }), schedulerStep: 'iteration',
    });
    h2.epochs.forEach((e, i) => expect(e.lr).toBeCloseTo(1e-2 * 0.9 ** (i * batches), 15));
  });

  it('calls the hooks in order, awaits them, and stops when a callback asks', async () => {
    const events: string[] = [];
    const { model, optimizer } = setup(wasm);
    const h = await fit(model, train, {
      loss: losses.crossEntropy, optimizer, epochs: 3, batchSize: 16, seed: 1,
      callbacks: [
        {
          onTrainBegin: (info) => void events.push(`begin ${info.epochs}×${info.batchesPerEpoch} batches, ${info.samplesPerEpoch} samples`),
          onEpochBegin: (e) => void events.push(`epoch ${e}`),
          onBatchEnd: (b, control) => {
            events.push(`batch ${b.batch}/${b.batches} (${b.samples} samples)`);
            if (b.epoch === 2 && b.batch === 2) control.stop('enough');
          },
          onEpochEnd: async (log) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            events.push(`end ${log.epoch}`);
          },
          onTrainEnd: (history) => void events.push(`done ${history.stopReason}`),
        },
      ],
    });
    const epoch = (e: number, upTo = batches) => [`epoch ${e}`, ...Array.from({ length: upTo }, (_, i) => `batch ${i + 1}/${batches} (${Math.min(16 * (i + 1), train.length)} samples)`), `end ${e}`];
    expect(events).toEqual([`begin 3×${batches} batches, ${train.length} samples`, ...epoch(1), ...epoch(2, 2), 'done enough']);
    expect(h.stopReason).toBe('enough');
    expect(h.batchLosses).toHaveLength(batches + 2);
  });

  it('averages metrics over samples; the reported loss excludes the regularizer', async () => {
    const sizes = { name: 'batchSize', fn: (_o: Tensor, y: Tensor) => y.size };
    const run = (lambda: number) => {
      const { model, optimizer } = setup(wasm);
      return fit(model, train, {
        loss: losses.crossEntropy, optimizer, epochs: 2, batchSize: 16, seed: 1, metrics: [sizes],
        regularizer: lambda ? () => losses.l2(model.parameters(), lambda) : undefined,
      }).then((h) => ({ h, norm: model.parameters().reduce((s, p) => s + Array.from(p.data()).reduce((a, v) => a + v * v, 0), 0) }));
    };
    const plain = await run(0);
    const penalised = await run(1);
    const full = Math.floor(train.length / 16);
    const rest = train.length - 16 * full;
    expect(plain.h.epochs[0].batchSize).toBeCloseTo((full * 16 * 16 + rest * rest) / train.length, 12);
    expect(penalised.h.batchLosses[0]).toBe(plain.h.batchLosses[0]);
    expect(penalised.norm).toBeLessThan(plain.norm / 2);
  });

  it('accuracy and valAccuracy agree with an argmax computed here, and evaluate restores the training mode', async () => {
    const { val } = small(wasm);
    const { model, optimizer } = setup(wasm);
    const h = await fit(model, train, { loss: losses.crossEntropy, optimizer, epochs: 2, batchSize: 16, seed: 1, metrics: ['accuracy'], validation: val });
    const scores = scope(() => model.forward(val.x).toArray() as number[][]);
    const labels = val.labels();
    const byHand = scores.filter((row, i) => row.indexOf(Math.max(...row)) === labels[i]).length / val.length;
    expect(h.epochs[1].valAccuracy).toBe(byHand);
    expect(scope(() => accuracy(tensor([[1, 3, 2], [5, 5, 0]]), tensor(Int32Array.from([1, 1]))))).toBe(0.5);
    model.eval();
    evaluate(model, val);
    expect(model.training).toBe(false);
    expect(model.train().training).toBe(true);
  });
});

describe('memory', () => {
  it('does not grow after the first epoch (every step runs in a scope)', async () => {
    const backend = createBackend({ backend: 'wasm' });
    const { train, val } = small(backend, 30);
    const { model, optimizer } = setup(backend);
    const stats: ReturnType<typeof memoryStats>[] = [];
    await fit(model, train, {
      loss: losses.crossEntropy, optimizer, epochs: 6, batchSize: 16, seed: 1, metrics: ['accuracy'], validation: val,
      callbacks: { onEpochEnd: () => void stats.push(memoryStats(backend)) },
    });
    expect(stats).toHaveLength(6);
    for (const s of stats.slice(1)) {
      expect(s.pages).toBe(stats[0].pages);
      expect(s.persistentBytes).toBe(stats[0].persistentBytes);
      expect(s.arenaBytes).toBe(0);
    }
  });
});
