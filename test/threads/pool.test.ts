// The threaded backend's life: options checked first, backendInfo's thread
// count and reason, a trap on a worker rethrown as a BackendError naming the
// kernel (the backend stays usable), memory growth seen by every thread,
// dispose() stopping the workers, and the async constructor.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import '../../src/node/index.js';
import * as sg from '../../src/index.js';
import { Binary, Unary } from '../../src/backend/opcodes.js';
import { PAGE_BYTES } from '../../src/backend/memory.js';

const values = (n: number, seed: number) => {
  const g = new sg.Generator(seed);
  return Float32Array.from({ length: n }, () => g.normal());
};

describe('threads: options', () => {
  it.each([
    [{ threads: 0 }, /threads must be 'auto' or an integer in \[1, 64\], got 0/],
    [{ threads: 65 }, /threads must be 'auto' or an integer in \[1, 64\], got 65/],
    [{ threads: 2.5 }, /got 2.5/],
    [{ threads: 'all' }, /got 'all'/],
    [{ threads: 2, threadThreshold: -1 }, /threadThreshold must be a finite number >= 0, got -1/],
    [{ threadThreshold: 'low' }, /threadThreshold must be a finite number >= 0, got 'low'/],
    [{ threads: 2, backend: 'js' }, /threads: 2 applies to the wasm backend only/],
  ])('refuses %j before creating anything', (options, message) => {
    expect(() => sg.createBackend(options as sg.InitOptions)).toThrow(sg.ArgumentError);
    expect(() => sg.createBackend(options as sg.InitOptions)).toThrow(message);
  });

  it("'auto' takes every available core; the js backend stays on one thread", async () => {
    const before = sg.getBackend();
    const info = await sg.init({ threads: 'auto' });
    expect(info.threads).toBe(availableParallelism());
    expect(info.threadsReason).toBe(`'auto': ${availableParallelism()} available cores`);
    expect(sg.backendInfo().threads).toBe(availableParallelism());
    sg.getBackend().dispose();
    expect(sg.initSync({ backend: 'js', threads: 'auto' })).toMatchObject({ threads: 1, threadsReason: expect.stringMatching(/js backend runs on 1 thread/) });
    expect(sg.initSync({ threads: 1 })).toMatchObject({ threads: 1, threadsReason: '1 thread requested' });
    expect(sg.initSync()).toMatchObject({ threads: 1, threadsReason: expect.stringMatching(/threads off/) });
    expect(before.disposed).toBe(false);
  });

  it('createBackendAsync brings the workers up without blocking', async () => {
    const b = await sg.createBackendAsync({ threads: 3, threadThreshold: 0 });
    expect(b.threads).toBe(3);
    expect(b.label).toMatch(/ \(3 threads\)$/);
    const x = sg.tensor(values(1000, 1), undefined, { backend: b });
    expect(Array.from(sg.neg(x).data())).toEqual(Array.from(values(1000, 1), (v) => -v));
    b.dispose();
  });
});

describe('threads: a trap on a worker', () => {
  it('is rethrown on the calling thread as a BackendError naming the kernel, and the backend stays usable', () => {
    const b = sg.createBackend({ threads: 2, threadThreshold: 0 });
    const n = 4096;
    const x = sg.tensor(values(n, 2), undefined, { backend: b }).keep();
    const out = sg.zeros([n], { backend: b }).keep();
    // The second half of [end - n/2·4, end + n/2·4) lies past the end of linear memory: the worker's half.
    const end = b.memory.stats().pages * PAGE_BYTES;
    const start = end - (n / 2) * 4;
    expect(() => b.kernels.fill(start, n, 1)).toThrow(sg.BackendError);
    // The second part traps wherever it runs: on the worker, or on the calling thread when the worker had not taken it yet.
    expect(() => b.kernels.fill(start, n, 1)).toThrow(
      /^fill: trapped in part 2 of 2 on (worker thread 1|the calling thread): .*out of bounds.*the backend stays usable/,
    );
    // The calling thread's half ran.
    expect(b.memory.f32[start / 4]).toBe(1);
    // The pool still computes, on both threads.
    b.kernels.unary(Unary.Neg, x.ptr, out.ptr, n, 0, 0);
    expect(Array.from(out.data())).toEqual(Array.from(values(n, 2), (v) => -v));
    expect(Array.from(sg.add(x, out).data())).toEqual(new Array(n).fill(0));
    b.dispose();
  });
});

describe('threads: a job whose workers sleep', () => {
  it('is finished by the calling thread (it withdraws the calls not yet taken), with the bits of one thread', () => {
    const b = sg.createBackend({ threads: 3, threadThreshold: 0 });
    const one = sg.createBackend();
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const n = 3000;
    const on = (backend: sg.Backend) => ({
      a: sg.tensor(values(n, 4), [30, 100], { backend }).keep(),
      w: sg.tensor(values(n, 5), [100, 30], { backend }).keep(),
    });
    const [t3, t1] = [on(b), on(one)];
    for (let i = 0; i < 40; i++) {
      Atomics.wait(pause, 0, 0, 2); // 2 ms: the workers stop spinning after 50 µs and sleep
      const [y3, y1] = [t3, t1].map(({ a, w }) => sg.scope(() => sg.relu(sg.matmul(a, w)).sum(1)).data());
      expect(Buffer.from(y3.buffer).equals(Buffer.from(y1.buffer))).toBe(true);
    }
    expect(b.pool!.withdrawn).toBeGreaterThan(0);
    b.dispose();
  });
});

describe('threads: shared memory growth', () => {
  it('every thread sees the grown memory; views are re-derived', () => {
    const b = sg.createBackend({ threads: 3, threadThreshold: 0 });
    const one = sg.createBackend();
    const model = (backend: sg.Backend) => new sg.nn.MLP([64, 32, 8], { backend, seed: 3 });
    const [m3, m1] = [model(b), model(one)];
    const [o3, o1] = [new sg.optim.Adam(m3.parameters(), { lr: 1e-2 }), new sg.optim.Adam(m1.parameters(), { lr: 1e-2 })];
    const pages: number[] = [];
    for (let step = 0; step < 8; step++) {
      // Every step's batch is 2.2× the last: the arena needs new chunks and linear memory grows mid-run.
      const rows = Math.round(40 * 2.2 ** step);
      const x = values(rows * 64, step);
      const y = Int32Array.from({ length: rows }, (_, i) => i % 8);
      const losses = [[m3, o3, b], [m1, o1, one]].map(([m, o, backend]) => {
        const loss = sg.scope(() => {
          const l = sg.losses.crossEntropy((m as sg.nn.MLP).forward(sg.tensor(x, [rows, 64], { backend: backend as sg.Backend })), y);
          l.backward();
          return l.item();
        });
        (o as sg.optim.Adam).step();
        (o as sg.optim.Adam).zeroGrad();
        return loss;
      });
      expect(losses[0]).toBe(losses[1]);
      pages.push(sg.memoryStats(b).pages);
    }
    expect(pages[pages.length - 1]).toBeGreaterThan(2 * pages[0]);
    // A result larger than all memory so far (36 MB): computed past the old end by all three threads, read through fresh views.
    const product = (backend: sg.Backend) =>
      sg.scope(() => {
        const c = sg.matmul(sg.tensor(values(3000 * 64, 9), [3000, 64], { backend }), sg.tensor(values(64 * 3000, 10), [64, 3000], { backend }));
        return [c, sg.sum(c, 1)].map((t) => new Uint32Array(Float32Array.from(t.data()).buffer));
      });
    expect(sg.memoryStats(b).pages * PAGE_BYTES).toBeLessThan(36e6);
    const stale = b.floats;
    const threaded = product(b);
    expect(sg.memoryStats(b).pages * PAGE_BYTES).toBeGreaterThan(36e6);
    // Shared memory's growth detaches nothing: a view taken before keeps the old length, the backend's own is re-derived.
    expect(stale.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(stale.length).toBeLessThan(36e6 / 4);
    expect(b.floats.length).toBe((sg.memoryStats(b).pages * PAGE_BYTES) / 4);
    const want = product(one);
    threaded.forEach((bits, k) => expect(bits.findIndex((v, i) => v !== want[k][i]), `output ${k}`).toBe(-1));
    b.dispose();
  });
});

describe('threads: dispose()', () => {
  it('stops the workers; the backend’s tensors then throw BackendError', () => {
    const b = sg.createBackend({ threads: 2, threadThreshold: 0 });
    const x = sg.tensor([1, 2, 3], undefined, { backend: b });
    const kept = sg.ones([4], { backend: b }).keep();
    expect(Array.from(sg.mul(x, 2).data())).toEqual([2, 4, 6]);
    b.dispose();
    expect(b.disposed).toBe(true);
    expect(() => x.data()).toThrow(sg.BackendError);
    expect(() => sg.add(kept, 1)).toThrow(/was disposed/);
    expect(() => sg.tensor([1], undefined, { backend: b })).toThrow(sg.BackendError);
    expect(() => b.kernels.binary(Binary.Add, 0, 0, 0, 10_000)).toThrow(/binary: the backend was disposed: its worker threads have stopped/);
    b.dispose(); // twice is fine
  });
});
