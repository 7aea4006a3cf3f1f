// Addresses past 2^31 and sizes up to the 4 GiB limit, with real linear
// memory (npm run test:large: needs ~4.5 GiB of address space and ~1 GiB of RAM).
import { describe, expect, it } from 'vitest';
import '../../src/node/index.js';
import * as sg from '../../src/index.js';
import { js64 } from '../helpers/backends.js';

const GiB = 2 ** 30;

describe('addresses at and past 2^31', () => {
  const backend = sg.createBackend({ backend: 'wasm' });
  // Untouched filler pages cost address space, not RAM.
  const filler = backend.memory.alloc(2 * GiB + 4096);
  const g = new sg.Generator(1);
  const a = Array.from({ length: 33 * 17 }, () => g.normal());
  const b = Array.from({ length: 17 * 9 }, () => g.normal());
  const labels = Int32Array.from({ length: 33 }, (_, i) => i % 9);
  /** A forward and backward whose operands on a Wasm backend all lie past 2^31. */
  const run = (bk: sg.Backend) =>
    sg.scope(() => {
      const x = sg.tensor(a, [33, 17], { backend: bk, requiresGrad: true });
      const w = sg.tensor(b, [17, 9], { backend: bk, requiresGrad: true });
      const logits = sg.relu(sg.matmul(x, w));
      const loss = sg.add(sg.losses.crossEntropy(logits, sg.tensor(labels, undefined, { backend: bk })), sg.sum(sg.square(sg.gather(x, sg.tensor(new Int32Array([3, 0, 3]), undefined, { backend: bk })))));
      loss.backward();
      if (bk !== js64) expect(x.ptr).toBeGreaterThan(2 ** 31);
      return { loss: loss.item(), gx: Array.from(x.grad!.data()), gw: Array.from(w.grad!.data()) };
    });

  it('tensors above 2 GiB read, write and compute exactly as the float64 reference', () => {
    const got = run(backend);
    const ref = run(js64);
    expect(got.loss).toBeCloseTo(ref.loss, 4);
    got.gx.forEach((v, i) => expect(v).toBeCloseTo(ref.gx[i], 4));
    got.gw.forEach((v, i) => expect(v).toBeCloseTo(ref.gw[i], 4));
    const t = sg.tensor(new Int32Array([2 ** 31 - 1, -5, 7]), undefined, { backend }).keep();
    expect(t.ptr).toBeGreaterThan(2 ** 31);
    expect(Array.from(t.data())).toEqual([2 ** 31 - 1, -5, 7]);
    t.dispose();
  });

  it('on 2 threads (every call split), above 2 GiB, the same bits as on one', () => {
    const threaded = sg.createBackend({ backend: 'wasm', threads: 2, threadThreshold: 0 });
    const far = threaded.memory.alloc(2 * GiB + 4096);
    expect(run(threaded)).toEqual(run(backend));
    threaded.memory.freeBlock(far);
    threaded.dispose();
  });

  it('near the 4 GiB maximum a request that crosses it is refused and the backend stays usable', () => {
    const second = backend.memory.alloc(GiB + GiB / 2);
    const live = sg.full([1000], 3, { backend }).keep();
    expect(live.ptr).toBeGreaterThan(3.5 * GiB);
    const before = sg.memoryStats(backend);
    expect(() => sg.zeros([GiB / 4], { backend }).keep()).toThrow(sg.OutOfMemoryError);
    expect(() => sg.scope(() => sg.zeros([GiB / 4], { backend }))).toThrow(sg.OutOfMemoryError);
    expect(sg.memoryStats(backend).persistentBytes).toBe(before.persistentBytes);
    expect(sg.scope(() => sg.sum(live).item())).toBe(3000);
    live.dispose();
    backend.memory.freeBlock(second);
    backend.memory.freeBlock(filler);
  });
});

describe('code that never disposes anything, at full length', () => {
  it('10,000 unscoped forwards of an MLP 784-128-10 and 10,000 dropped [784, 256] scope results each grow memory by at most 16 MiB', () => {
    const backend = sg.createBackend({ backend: 'wasm' });
    const model = new sg.nn.MLP([784, 128, 10], { backend, seed: 1 });
    const pixels = Array.from({ length: 784 }, (_, i) => (i % 9) / 9);
    model.forward(sg.tensor(pixels, [1, 784], { backend }));
    let before = sg.memoryStats(backend);
    const heap = process.memoryUsage().heapUsed;
    for (let i = 0; i < 10_000; i++) model.forward(sg.tensor(pixels, [1, 784], { backend }));
    expect((sg.memoryStats(backend).pages - before.pages) * 65536).toBeLessThanOrEqual(16 * 2 ** 20);
    const x = sg.randn([1, 784], { backend, seed: 1 });
    const g = sg.randn([1, 256], { backend, seed: 2 });
    before = sg.memoryStats(backend);
    for (let i = 0; i < 10_000; i++) sg.scope(() => sg.matmul(sg.transpose(x), g));
    expect((sg.memoryStats(backend).pages - before.pages) * 65536).toBeLessThanOrEqual(16 * 2 ** 20);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(512 * 2 ** 20);
  });
});
