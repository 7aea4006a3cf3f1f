import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { ArrayBufferMemory, Memory, PAGE_BYTES } from '../src/backend/memory.js';
import { js64, wasmBackends } from './helpers/backends.js';

describe('two-lifetime memory', () => {
  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))(
    '10,000 steps of allocate-in-scope + matmul + backward leave pages and persistent bytes unchanged (%s)',
    (_label, backend) => {
      const w = sg.randn([32, 16], { backend, seed: 1, requiresGrad: true });
      const x = sg.randn([8, 32], { backend, seed: 2 });
      const step = () =>
        sg.scope(() => {
          const loss = sg.sum(sg.relu(sg.matmul(x, w)));
          loss.backward();
          return loss.item();
        });
      step();
      const before = sg.memoryStats(backend);
      for (let i = 0; i < 10_000; i++) step();
      const after = sg.memoryStats(backend);
      expect(after.pages).toBe(before.pages);
      expect(after.persistentBytes).toBe(before.persistentBytes);
      expect(after.arenaBytes).toBe(0);
      expect(after.arenaCapacity).toBe(before.arenaCapacity);
      w.dispose();
      x.dispose();
    },
  );

  it('a view taken before memory.grow reads correct values after it; a raw typed array does not', () => {
    const backend = wasmBackends[0];
    const t = sg.tensor([1, 2, 3, 4], undefined, { backend });
    const raw = backend.floats; // the classic bug: caching this across growth
    const pagesBefore = sg.memoryStats(backend).pages;
    const big = sg.zeros([pagesBefore * PAGE_BYTES], { backend }); // forces memory.grow
    expect(sg.memoryStats(backend).pages).toBeGreaterThan(pagesBefore);
    expect(raw.length).toBe(0); // detached by growth
    expect(Array.from(t.data())).toEqual([1, 2, 3, 4]);
    expect(backend.floats[t.ptr >> 2]).toBe(1);
    big.dispose();
    t.dispose();
  });

  it('the heap reuses freed blocks and merges neighbours', () => {
    const m = new Memory(new ArrayBufferMemory(1), 0, 64 * PAGE_BYTES);
    const a = m.allocPersistent(100);
    const b = m.allocPersistent(100);
    const c = m.allocPersistent(100);
    m.freePersistent(a);
    m.freePersistent(b);
    expect(m.allocPersistent(200)).toBe(a); // a and b merged
    m.freePersistent(c);
    expect(m.stats().persistentBytes).toBe(208);
  });

  it('running out of memory throws a typed error and leaves the heap usable', () => {
    const backend = sg.createBackend({ backend: 'js', maxMemoryMB: 2 });
    const kept = sg.tensor([7, 8], undefined, { backend });
    expect(() => sg.zeros([1024, 1024], { backend })).toThrow(sg.OutOfMemoryError);
    expect(() => sg.zeros([1024, 1024], { backend })).toThrow(/maximum is 2097152 bytes/);
    expect(Array.from(kept.data())).toEqual([7, 8]);
    expect(Array.from(sg.ones([3], { backend }).data())).toEqual([1, 1, 1]);
  });

  it('memoryStats reports persistent and arena bytes and a high-water mark', () => {
    const backend = sg.createBackend({ backend: 'js' });
    const base = sg.memoryStats(backend);
    const p = sg.zeros([256], { backend }); // 1024 bytes on the heap
    expect(sg.memoryStats(backend).persistentBytes - base.persistentBytes).toBe(1024);
    sg.scope(() => {
      sg.zeros([512], { backend });
      expect(sg.memoryStats(backend).arenaBytes).toBe(2048);
    });
    const s = sg.memoryStats(backend);
    expect(s.arenaBytes).toBe(0);
    expect(s.highWaterBytes).toBeGreaterThanOrEqual(1024 + 2048);
    p.dispose();
    expect(sg.memoryStats(backend).persistentBytes).toBe(base.persistentBytes);
  });
});

describe('scopes', () => {
  const backend = js64;

  it('returned tensors survive (moved to the heap); others are released with a clear error', () => {
    let inner: sg.Tensor | undefined;
    const [kept, obj] = sg.scope(() => {
      inner = sg.ones([2], { backend });
      return [sg.full([2], 5, { backend }), { y: sg.full([1], 6, { backend }) }] as const;
    });
    expect(Array.from(kept.data())).toEqual([5, 5]);
    expect(() => inner!.data()).toThrow(sg.ReleasedTensorError);
    expect(() => inner!.data()).toThrow(/scope that has ended/);
    expect(() => sg.add(inner!, kept)).toThrow(sg.ReleasedTensorError);
    expect(obj.y.storage.alive).toBe(false); // only top-level tensors of a returned array/object are kept
    kept.dispose();
  });

  it('keep() preserves a tensor past nested scopes; the arena is reused afterwards', () => {
    const before = sg.memoryStats(backend);
    let kept: sg.Tensor | undefined;
    sg.scope(() => {
      sg.scope(() => {
        kept = sg.keep(sg.full([4], 3, { backend }));
        sg.zeros([100], { backend });
      });
      sg.zeros([100], { backend });
    });
    expect(Array.from(kept!.data())).toEqual([3, 3, 3, 3]);
    expect(sg.memoryStats(backend).arenaBytes).toBe(0);
    expect(sg.memoryStats(backend).persistentBytes).toBe(before.persistentBytes + 32);
    kept!.dispose();
    kept!.dispose(); // idempotent
    expect(sg.memoryStats(backend).persistentBytes).toBe(before.persistentBytes);
  });

  it('a scope that throws still releases its arena', () => {
    expect(() =>
      sg.scope(() => {
        sg.zeros([10], { backend });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(sg.memoryStats(backend).arenaBytes).toBe(0);
  });
});
