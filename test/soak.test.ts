// Soak: 10,000 training steps whose batch size changes every step (1 … 257),
// with a leaf created in every step and a validation pass every epoch. After
// the first epoch linear memory and owned bytes must not move, and the arena
// must stay within max(2 × the largest step of the last 100, one chunk), so it
// shrinks back within 100 steps of a spike.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { wasmBackends } from './helpers/backends.js';

const MiB = 2 ** 20;

describe('soak', () => {
  it('10,000 steps with varying batch sizes, a leaf per step and validation every epoch stay flat', () => {
    const backend = wasmBackends[0];
    const n = 600;
    const g = new sg.Generator(3);
    const features = Float32Array.from({ length: n * 20 }, () => g.normal());
    // A learnable rule: the class is the largest of the first five features.
    const labels = Int32Array.from({ length: n }, (_, i) => {
      const row = features.subarray(i * 20, i * 20 + 5);
      return row.indexOf(Math.max(...row));
    });
    const all = sg.data.dataset(features, labels, { featureShape: [20], backend });
    const { train, val } = sg.data.trainValTestSplit(all, { train: 0.8, val: 0.2, test: 0 }, { seed: 1 });
    const model = new sg.nn.MLP([20, 32, 5], { backend, seed: 1 });
    const optimizer = new sg.optim.Adam(model.parameters(), { lr: 1e-3 });
    const validate = () => sg.evaluate(model, val, { loss: sg.losses.crossEntropy, batchSize: 64 }).loss;

    const stepsPerEpoch = 1000;
    let start: sg.MemoryStats | undefined;
    let firstLoss = 0;
    let lastLoss = 0;
    for (let step = 0; step < 10_000; step++) {
      const batch = 1 + ((step * 37) % 257);
      const rows = Int32Array.from({ length: batch }, (_, i) => (step * 13 + i * 7) % train.length);
      const loss = sg.scope(() => {
        const sub = train.subset(rows);
        const x = sg.gather(all.x, sg.tensor(sub.indices, undefined, { backend }));
        const y = sg.tensor(sub.labels(), undefined, { backend });
        const temperature = sg.full([1], 1, { backend, requiresGrad: true }); // a leaf made in the step
        const l = sg.losses.crossEntropy(sg.mul(model.forward(x), temperature), y);
        l.backward();
        expect(temperature.grad).not.toBeNull();
        return l.item();
      });
      optimizer.step();
      optimizer.zeroGrad();
      if (step === 0) firstLoss = validate();
      if ((step + 1) % stepsPerEpoch === 0) {
        lastLoss = validate();
        if (start === undefined) start = sg.memoryStats(backend);
        const now = sg.memoryStats(backend);
        expect(now.pages, `pages after epoch ${(step + 1) / stepsPerEpoch}`).toBe(start.pages);
        expect(now.persistentBytes).toBe(start.persistentBytes);
        expect(now.arenaBytes).toBe(0);
      }
      const s = sg.memoryStats(backend);
      if (s.arenaCapacity > Math.max(2 * s.arenaPeakBytes, MiB)) {
        throw new Error(`step ${step}: arena capacity ${s.arenaCapacity} above max(2 × peak ${s.arenaPeakBytes}, 1 MiB)`);
      }
      expect(Number.isFinite(loss)).toBe(true);
    }
    expect(lastLoss).toBeLessThan(firstLoss);
  });

  it('the arena shrinks back within 100 steps of a spike', () => {
    const backend = wasmBackends[0];
    const w = sg.randn([64, 64], { backend, seed: 1, requiresGrad: true }).keep();
    const step = (rows: number) => sg.scope(() => sg.sum(sg.relu(sg.matmul(sg.randn([rows, 64], { backend, seed: 2 }), w))).backward());
    for (let i = 0; i < 10; i++) step(8);
    const small = sg.memoryStats(backend).arenaCapacity;
    step(20_000); // ~15 MB of temporaries
    expect(sg.memoryStats(backend).arenaCapacity).toBeGreaterThan(10 * MiB);
    for (let i = 0; i < 100; i++) step(8);
    expect(sg.memoryStats(backend).arenaCapacity).toBeLessThanOrEqual(Math.max(small, MiB));
    w.dispose();
  });
});
