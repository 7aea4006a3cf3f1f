// fit() under fault injection. A training step is the unit of change: a
// loss, metric, target function or regularizer that throws, or a forward pass
// that runs out of memory, leaves parameters, gradients, optimizer state and
// memory exactly as after the previous step (as before fit, in the first
// step); so does a callback that throws between steps. Refused input changes
// nothing, and fit refuses an optimizer over another model's parameters and a
// second fit on a model already training.
import { describe, expect, it } from 'vitest';
import {
  ArgumentError, OutOfMemoryError, createBackend, data, fit, losses, nn, optim, type Backend, type FitOptions,
} from '../../src/index.js';
import { js64, wasmBackends } from '../helpers/backends.js';
import { snapshot } from '../helpers/state.js';

const backends = [js64, ...wasmBackends].map((b) => [b.label, b] as const);

/** 24 samples of 5 features in 3 classes, a 5-8-3 MLP, Adam with a schedule (two steps of history first). */
function setup(backend: Backend) {
  const features = Array.from({ length: 24 }, (_, i) => Array.from({ length: 5 }, (_, j) => Math.sin(i * 7 + j * 3)));
  const ds = data.dataset(features, Array.from({ length: 24 }, (_, i) => i % 3), { backend });
  const model = new nn.MLP([5, 8, 3], { seed: 1, backend });
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new optim.StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
  const base: FitOptions = { loss: losses.crossEntropy, optimizer, scheduler, schedulerStep: 'iteration', epochs: 2, batchSize: 8, seed: 1, metrics: ['accuracy'] };
  return { ds, model, optimizer, scheduler, base };
}

/** Everything of the model and optimizer, plus the scheduler's position. */
const state = (s: ReturnType<typeof setup>) => ({ ...snapshot(s.model.parameters(), s.optimizer), t: s.scheduler.lastEpoch });

/** fit with `options`, which must fail with an error of class E; returns the state after each completed step and at the throw. */
async function failing(s: ReturnType<typeof setup>, options: Partial<FitOptions>, E: abstract new (...a: never[]) => Error) {
  const steps = [state(s)];
  const record = { onBatchEnd: () => void steps.push(state(s)) };
  const callbacks = options.callbacks ? [record, ...[options.callbacks].flat()] : record;
  await expect(fit(s.model, s.ds, { ...s.base, ...options, callbacks })).rejects.toBeInstanceOf(E);
  return { steps, after: state(s) };
}

/** A function that throws on its n-th call (from 1) and otherwise calls fn. */
function throwingAt<F extends (...a: never[]) => unknown>(n: number, fn: F): F {
  let calls = 0;
  return ((...a: never[]) => {
    if (++calls === n) throw new RangeError(`failed at call ${n}`);
    return fn(...a);
  }) as F;
}

describe('fit: a failing step leaves the state of the step before', () => {
  it.each(backends)('a loss, a metric, a target function or a regularizer throwing at the 1st or 4th step (%s)', async (_l, backend) => {
    for (const n of [1, 4]) {
      const cases: ((s: ReturnType<typeof setup>) => Partial<FitOptions>)[] = [
        () => ({ loss: throwingAt(n, losses.crossEntropy) }),
        () => ({ metrics: ['accuracy', { name: 'bad', fn: throwingAt(n, () => 0) }] }),
        () => ({ targets: throwingAt(n, (b: data.Batch) => b.y) }),
        (s) => ({ regularizer: throwingAt(n, () => losses.l2(s.model.parameters(), 1e-3)) }),
      ];
      for (const options of cases) {
        const s = setup(backend);
        const { steps, after } = await failing(s, options(s), RangeError);
        expect(steps).toHaveLength(n);
        expect(after).toEqual(steps[n - 1]);
        expect(s.model.training).toBe(true);
      }
    }
  });

  it.each(backends)('a callback throwing before training, at an epoch\'s start or after a step (%s)', async (_l, backend) => {
    const hooks: [string, number, object][] = [
      ['onTrainBegin', 0, { onTrainBegin: () => { throw new RangeError('no'); } }],
      ['onEpochBegin of epoch 2', 3, { onEpochBegin: (e: number) => { if (e === 2) throw new RangeError('no'); } }],
      ['onBatchEnd of step 2', 2, { onBatchEnd: (log: { batch: number }) => { if (log.batch === 2) throw new RangeError('no'); } }],
    ];
    for (const [, completed, cb] of hooks) {
      const s = setup(backend);
      const { steps, after } = await failing(s, { callbacks: cb }, RangeError);
      expect(steps).toHaveLength(completed + 1);
      expect(after).toEqual(steps[completed]);
    }
  });

  it('an OutOfMemoryError in the forward pass of the first step changes nothing', async () => {
    const small = createBackend({ backend: 'js', maxMemoryMB: 3 });
    // 256 samples of 1,000 features (1 MB); one batch of all of them needs two 1 MB arena chunks.
    const features = new Float32Array(256 * 1000).fill(0.5);
    const ds = data.dataset(features, Array.from({ length: 256 }, (_, i) => i % 3), { featureShape: [1000], backend: small });
    const model = new nn.MLP([1000, 64, 3], { seed: 1, backend: small });
    const optimizer = new optim.SGD(model.parameters(), { lr: 0.1 });
    const before = snapshot(model.parameters(), optimizer);
    await expect(fit(model, ds, { loss: losses.crossEntropy, optimizer, epochs: 1, batchSize: 256 })).rejects.toBeInstanceOf(OutOfMemoryError);
    expect(snapshot(model.parameters(), optimizer)).toEqual(before);
  });
});

describe('fit refuses, before anything changes', () => {
  it('an optimizer over parameters that are not the model\'s; a subset (frozen layers) is fine', async () => {
    const s = setup(js64);
    const other = new nn.MLP([5, 8, 3], { seed: 2, backend: js64 });
    const before = state(s);
    const stranger = new optim.SGD(other.parameters());
    await expect(fit(s.model, s.ds, { ...s.base, optimizer: stranger, scheduler: undefined })).rejects.toThrow(
      /fit: the optimizer updates parameter 0 of group 0 \(shape \[5, 8\]\), which is not a parameter of the model/,
    );
    const [first] = s.model.namedChildren();
    const head = new optim.SGD((s.model.namedChildren()[2][1] as nn.Linear).parameters(), { lr: 0.1 });
    const frozen = first[1].parameters().map((p) => Array.from(p.data()));
    await fit(s.model, s.ds, { loss: losses.crossEntropy, optimizer: head, epochs: 1 });
    expect(first[1].parameters().map((p) => Array.from(p.data()))).toEqual(frozen);
    expect(before.values).not.toEqual(state(s).values);
  });

  it('a second fit on a model that is training; after it finished, a new fit is fine', async () => {
    const s = setup(js64);
    const first = fit(s.model, s.ds, { ...s.base, epochs: 1 });
    const during = state(s);
    // The second call is refused at once, before its first await: nothing of it ran.
    const second = fit(s.model, s.ds, { ...s.base, epochs: 1 });
    expect(state(s)).toEqual(during);
    await expect(second).rejects.toThrow(/fit: another fit\(\) is training this model; await it before starting the next/);
    await first;
    await expect(fit(s.model, s.ds, { ...s.base, epochs: 1 })).resolves.toMatchObject({ stopReason: null });
    // A fit that failed releases the model too.
    await expect(fit(s.model, s.ds, { ...s.base, loss: () => { throw new RangeError('no'); } })).rejects.toThrow(RangeError);
    await expect(fit(s.model, s.ds, { ...s.base, epochs: 1 })).resolves.toMatchObject({ stopReason: null });
  });

  it('bad options change nothing', async () => {
    const s = setup(js64);
    const before = state(s);
    for (const bad of [{ epochs: 0 }, { batchSize: 1.5 }, { metrics: ['accuracy', 'accuracy'] }, { schedulerStep: 'batch' }] as Partial<FitOptions>[]) {
      await expect(fit(s.model, s.ds, { ...s.base, ...bad })).rejects.toBeInstanceOf(ArgumentError);
      expect(state(s)).toEqual(before);
    }
  });
});
