// fit hands the event loop a turn between batches (yieldEvery), so timers,
// messages and animation frames run during training; 'never' keeps the old
// behaviour. The same file runs in Node and, in npm run test:browser, on
// Chromium's main thread.
import { describe, expect, it } from 'vitest';
import { ArgumentError, Generator, data, fit, losses, nn, optim, type FitOptions } from '../../src/index.js';
import { wasmBackends } from '../helpers/backends.js';

const backend = wasmBackends[0];

/** Queues f as a task that runs before fit's next turn: setImmediate in Node, a posted message in a browser. */
const queueTask: (f: () => void) => void = globalThis.setImmediate ?? ((f) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => (channel.port1.close(), f());
  channel.port2.postMessage(null);
});

/** 512 random samples of 64 features in 10 classes: enough batches to train for as long as a test needs. */
function setup() {
  const g = new Generator(5);
  const train = data.dataset(Float32Array.from({ length: 512 * 64 }, () => g.normal()), Int32Array.from({ length: 512 }, (_, i) => i % 10), { backend });
  const model = new nn.MLP([64, 256, 10], { seed: 1, backend });
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.01 });
  return { train, model, base: { loss: losses.crossEntropy, optimizer, epochs: 1000, batchSize: 16 } satisfies FitOptions };
}

/** Ticks of a 10 ms interval, and animation frames where there are any, during a fit stopped after `ms` of training. */
async function ticksDuring(ms: number, options: Partial<FitOptions>): Promise<{ ticks: number; frames: number; seconds: number }> {
  const { train, model, base } = setup();
  let ticks = 0;
  let frames = 0;
  let animating = typeof requestAnimationFrame === 'function';
  const frame = () => void (animating && (frames++, requestAnimationFrame(frame)));
  if (animating) requestAnimationFrame(frame);
  const timer = setInterval(() => ticks++, 10);
  const start = performance.now();
  await fit(model, train, { ...base, ...options, callbacks: { onBatchEnd: (_log, control) => void (performance.now() - start >= ms && control.stop()) } });
  const seconds = (performance.now() - start) / 1e3;
  clearInterval(timer);
  animating = false;
  return { ticks, frames, seconds };
}

describe('fit yields to the event loop', () => {
  it("by default ('auto'): a 10 ms interval fires at least 10 times during a 1 s fit, and animation frames run", async () => {
    const { ticks, frames, seconds } = await ticksDuring(1000, {});
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(ticks).toBeGreaterThanOrEqual(10);
    if (typeof requestAnimationFrame === 'function') expect(frames).toBeGreaterThanOrEqual(5);
  });

  it("with 'never' the same interval does not fire, and no frame is drawn, until fit returns", async () => {
    const { ticks, frames } = await ticksDuring(300, { yieldEvery: 'never' });
    expect(ticks).toBe(0);
    expect(frames).toBe(0);
  });

  it("'batch' runs queued tasks after every batch; a number of ms waits at least that long between turns", async () => {
    /** Whether the event loop had a turn after each batch: a task queued in onBatchEnd has run by the next one. */
    const turns = async (yieldEvery: FitOptions['yieldEvery'], ms: number) => {
      const { train, model, base } = setup();
      const ends: number[] = [];
      const turned: boolean[] = [];
      let ran = 0;
      const start = performance.now();
      await fit(model, train, {
        ...base, yieldEvery,
        callbacks: {
          onBatchEnd: (_log, control) => {
            if (ends.length) turned.push(ran === ends.length);
            ends.push(performance.now());
            queueTask(() => void ran++);
            if (performance.now() - start >= ms) control.stop();
          },
        },
      });
      return { turned, elapsed: ends.at(-1)! - ends[0] };
    };
    const perBatch = await turns('batch', 100);
    expect(perBatch.turned.length).toBeGreaterThan(3);
    expect(perBatch.turned.every(Boolean)).toBe(true);
    const every40 = await turns(40, 400);
    const count = every40.turned.filter(Boolean).length;
    expect(every40.elapsed).toBeGreaterThanOrEqual(400 - 50);
    expect(count).toBeGreaterThanOrEqual(1);
    expect(count).toBeLessThanOrEqual(Math.floor(every40.elapsed / 40) + 1);
    expect(count).toBeLessThan(every40.turned.length);
  });

  it.each([
    ['sometimes', /fit: yieldEvery must be 'auto', 'batch', 'never' or a number of ms >= 0, got 'sometimes'/],
    [-1, /fit: yieldEvery must be a finite number >= 0, got -1/],
    [NaN, /fit: yieldEvery must be a finite number >= 0, got null/],
    [null, /yieldEvery must be 'auto', 'batch', 'never' or a number of ms >= 0, got null/],
  ])('refuses yieldEvery %s before training', async (yieldEvery, message) => {
    const { train, model, base } = setup();
    const before = model.parameters().map((p) => Array.from(p.data()));
    await expect(fit(model, train, { ...base, yieldEvery: yieldEvery as never })).rejects.toThrow(ArgumentError);
    await expect(fit(model, train, { ...base, yieldEvery: yieldEvery as never })).rejects.toThrow(message);
    expect(model.parameters().map((p) => Array.from(p.data()))).toEqual(before);
  });
});
