// The allocator itself (src/backend/memory.ts): heap reuse and merging, the
// arena's marks and chunks, giving chunks back, exact sizes at the 2^31 and
// 2^32 boundaries, and guard zones. Every test writes patterns into what it
// allocates, so an overlap shows up as a changed byte, not only as a wrong address.
import { describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';
import { ArrayBufferMemory, Memory, PAGE_BYTES, type RawMemory } from '../src/backend/memory.js';
import { Generator } from '../src/random.js';
import { js64, wasmBackends } from './helpers/backends.js';

const MiB = 2 ** 20;
const newMemory = (maxBytes = 64 * MiB, guardBytes = 0) => new Memory(new ArrayBufferMemory(1), 0, maxBytes, { guardBytes });

/** Live blocks with a byte pattern each: every check verifies no block was overwritten by another. */
class Patterns {
  readonly live = new Map<number, { bytes: number; tag: number }>();
  constructor(private readonly m: Memory) {}
  add(ptr: number, bytes: number, tag: number): void {
    for (const [p, b] of this.live) {
      if (!(ptr + bytes <= p || p + b.bytes <= ptr)) throw new Error(`block ${ptr}+${bytes} overlaps ${p}+${b.bytes}`);
    }
    this.live.set(ptr, { bytes, tag });
    this.m.u8.fill(tag, ptr, ptr + bytes);
  }
  remove(ptr: number): void {
    this.live.delete(ptr);
  }
  verify(): void {
    const u8 = this.m.u8;
    for (const [p, { bytes, tag }] of this.live) {
      for (let i = p; i < p + bytes; i++) if (u8[i] !== tag) throw new Error(`byte ${i} of block ${p} is ${u8[i]}, expected ${tag}`);
    }
  }
}

describe('heap', () => {
  it('merges a freed block with the free block before it and the one after it', () => {
    const m = newMemory();
    const [a, b, c, d] = [100, 100, 100, 100].map((n) => m.alloc(n));
    m.freeBlock(a);
    m.freeBlock(c);
    m.freeBlock(b); // merges with a (before) and c (after): one free block a..d
    expect(m.alloc(3 * 112)).toBe(a);
    m.freeBlock(d);
    expect(m.stats().persistentBytes).toBe(336);
  });

  it('random alloc/free sequences never hand out overlapping blocks, and the statistics match', () => {
    const m = newMemory();
    const p = new Patterns(m);
    const g = new Generator(7);
    let expected = 0;
    for (let i = 0; i < 1500; i++) {
      if (p.live.size > 0 && g.uniform() < 0.45) {
        const ptrs = [...p.live.keys()];
        const ptr = ptrs[Math.floor(g.uniform() * ptrs.length)];
        expected -= Math.ceil(Math.max(p.live.get(ptr)!.bytes, 1) / 16) * 16;
        m.freeBlock(ptr);
        p.remove(ptr);
      } else {
        const bytes = Math.floor(g.uniform() ** 3 * 5000);
        const ptr = m.alloc(bytes);
        expect(ptr % 16).toBe(0);
        expected += Math.ceil(Math.max(bytes, 1) / 16) * 16;
        p.add(ptr, bytes, 1 + (i % 250));
      }
      if (i % 100 === 0) p.verify();
      if (m.stats().persistentBytes !== expected) throw new Error(`step ${i}: persistentBytes ${m.stats().persistentBytes}, expected ${expected}`);
    }
    p.verify();
  });

  it('refuses to free an address that is not a live block', () => {
    const m = newMemory();
    const a = m.alloc(64);
    m.freeBlock(a);
    expect(() => m.freeBlock(a)).toThrow(/not a live heap block/);
    expect(() => m.freeBlock(a + 16)).toThrow(/not a live heap block/);
  });
});

describe('arena', () => {
  it('a release restores both the chunk and the offset of its mark', () => {
    const m = newMemory();
    const outer = m.mark();
    const x = m.allocArena(1000);
    const inner = m.mark();
    const y = m.allocArena(2000);
    m.release(inner);
    expect(m.allocArena(2000)).toBe(y);
    expect(m.allocArena(16)).toBe(y + 2000);
    m.release(outer);
    expect(m.allocArena(1000)).toBe(x);
    expect(m.stats().arenaBytes).toBe(1008);
  });

  it('a chunk too small for a request is skipped, not overrun', () => {
    const m = newMemory();
    const p = new Patterns(m);
    const owned = m.alloc(4096);
    p.add(owned, 4096, 9);
    const mark = m.mark();
    m.allocArena(MiB / 2);
    m.release(mark);
    const big = m.allocArena(3 * MiB); // the first chunk (1 MiB) cannot hold it
    p.add(big, 3 * MiB, 5);
    const chunk0 = m.allocArena(100);
    expect(chunk0 + 100 <= big || big + 3 * MiB <= chunk0).toBe(true);
    p.verify();
  });

  it('nested scopes over 2,000 steps keep memory flat (an offset restored wrongly would grow it)', () => {
    const backend = sg.createBackend({ backend: 'js' });
    const step = () =>
      sg.scope(() => {
        sg.zeros([300], { backend });
        sg.scope(() => sg.zeros([5000], { backend }));
        sg.scope(() => sg.scope(() => sg.zeros([700], { backend })));
        return sg.zeros([10], { backend }).sum().item();
      });
    step();
    const before = sg.memoryStats(backend);
    for (let i = 0; i < 2000; i++) step();
    const after = sg.memoryStats(backend);
    expect(after.pages).toBe(before.pages);
    expect(after.arenaCapacity).toBe(before.arenaCapacity);
    expect(after.persistentBytes).toBe(before.persistentBytes);
  });

  it('gives chunks above the recent peak back within 100 steps of a spike, keeping at most max(2 × peak, one chunk)', () => {
    const backend = sg.createBackend({ backend: 'js' });
    sg.scope(() => sg.zeros([4 * MiB], { backend })); // 16 MiB of temporaries
    expect(sg.memoryStats(backend).arenaCapacity).toBeGreaterThanOrEqual(16 * MiB);
    for (let i = 0; i < 99; i++) sg.scope(() => sg.zeros([1000], { backend }));
    expect(sg.memoryStats(backend).arenaCapacity).toBeGreaterThanOrEqual(16 * MiB); // the spike is still in the window
    sg.scope(() => sg.zeros([1000], { backend }));
    const s = sg.memoryStats(backend);
    expect(s.arenaCapacity).toBeLessThanOrEqual(Math.max(2 * s.arenaPeakBytes, MiB));
    expect(s.arenaCapacity).toBeGreaterThan(0); // one chunk stays
  });

  it('a failed allocation first releases idle chunks: 16 MB of temporaries, then a 12 MB tensor on a 24 MB backend', () => {
    const backend = sg.createBackend({ backend: 'js', maxMemoryMB: 24 });
    sg.scope(() => {
      for (let i = 0; i < 4; i++) sg.zeros([MiB], { backend });
    });
    const big = sg.zeros([3 * MiB], { backend }).keep();
    expect(big.size).toBe(3 * MiB);
    expect(sg.memoryStats(backend).persistentBytes).toBeGreaterThanOrEqual(12 * MiB);
    big.dispose();
  });
});

/** A linear memory that never really grows past its small buffer: requests are refused by the runtime. */
class Unbacked implements RawMemory {
  buffer = new ArrayBuffer(PAGE_BYTES);
  grow(): number {
    throw new RangeError('WebAssembly.Memory.grow(): maximum memory size exceeded');
  }
}

describe('exact sizes', () => {
  const sizes = [2 ** 31 - 16, 2 ** 31, 2 ** 31 + 4, 2 ** 32 - 16, 2 ** 32, 2 ** 32 + 4, 2 ** 53 - 1, 2 ** 53 + 2, 1e300];
  it.each(sizes.map((n) => [n]))('a request of %d bytes is refused with OutOfMemoryError, nothing changed', (bytes) => {
    const m = new Memory(new Unbacked(), 0, 2 ** 32);
    const a = m.alloc(100);
    const before = m.stats();
    expect(() => m.alloc(bytes)).toThrow(sg.OutOfMemoryError);
    // Refused by its size, before the heap is searched or memory grown.
    if (bytes > 2 ** 32) expect(() => m.alloc(bytes)).toThrow(`needs ${bytes} bytes but the maximum is ${2 ** 32} bytes`);
    expect(() => m.allocArena(bytes)).toThrow(sg.OutOfMemoryError);
    expect(m.stats()).toEqual(before);
    m.freeBlock(a);
    expect(m.alloc(100)).toBe(a);
  });

  it('tensors of 2^30 + 4 floats, of 2^29 + 1000 floats and of 10^12 floats are refused and the backend stays usable', () => {
    const backend = sg.createBackend({ backend: 'wasm', maxMemoryMB: 1024 });
    const live = sg.full([4], 3, { backend }).keep();
    const before = sg.memoryStats(backend);
    expect(() => sg.full([2 ** 30 + 4], 9, { backend })).toThrow(sg.OutOfMemoryError);
    expect(() => sg.zeros([2 ** 29 + 1000], { backend })).toThrow(sg.OutOfMemoryError);
    expect(() => sg.zeros([1e6, 1e6], { backend })).toThrow(sg.OutOfMemoryError);
    expect(() => sg.scope(() => sg.zeros([1e6, 1e6], { backend }))).toThrow(sg.OutOfMemoryError);
    expect(() => sg.randn([1e6, 1e6], { backend })).toThrow(sg.OutOfMemoryError);
    expect(() => sg.zeros([2 ** 27, 2 ** 27], { backend })).toThrow(sg.ArgumentError); // 2^54 elements: past 2^53
    const after = sg.memoryStats(backend);
    expect(after.persistentBytes).toBe(before.persistentBytes);
    expect(after.arenaBytes).toBe(0);
    expect(Array.from(live.data())).toEqual([3, 3, 3, 3]);
    expect(Array.from(sg.add(live, 1).data())).toEqual([4, 4, 4, 4]);
    live.dispose();
  });

  it('the one address-to-index conversion is exact and refuses unaligned or out-of-range addresses', () => {
    const m = newMemory();
    expect(m.index(64, 4)).toBe(16);
    expect(m.index(64, 8)).toBe(8);
    expect(() => m.index(66, 4)).toThrow(RangeError);
    expect(() => m.index(m.u8.length, 4, 1)).toThrow(RangeError);
  });
});

describe('statistics and growth', () => {
  it.each([...wasmBackends, js64].map((b) => [b.label, b] as const))(
    '10,000 steps of allocate-in-scope + matmul + backward leave pages and owned bytes unchanged (%s)',
    (_label, backend) => {
      const w = sg.randn([32, 16], { backend, seed: 1, requiresGrad: true }).keep();
      const x = sg.randn([8, 32], { backend, seed: 2 }).keep();
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

  it('a tensor reads correct values after memory grows; a typed array taken before does not', () => {
    const backend = wasmBackends[0];
    const t = sg.tensor([1, 2, 3, 4], undefined, { backend }).keep();
    const raw = backend.floats; // the classic bug: caching this across growth
    const pagesBefore = sg.memoryStats(backend).pages;
    const big = sg.zeros([pagesBefore * PAGE_BYTES], { backend }).keep(); // forces memory.grow
    expect(sg.memoryStats(backend).pages).toBeGreaterThan(pagesBefore);
    expect(raw.length).toBe(0); // detached by growth
    expect(Array.from(t.data())).toEqual([1, 2, 3, 4]);
    expect(backend.floats[t.ptr / 4]).toBe(1);
    big.dispose();
    t.dispose();
  });

  it('memoryStats counts owned, arena, cached and unowned bytes separately', () => {
    const backend = sg.createBackend({ backend: 'js' });
    const base = sg.memoryStats(backend);
    const owned = sg.zeros([256], { backend }).keep(); // 1024 bytes on the heap
    expect(sg.memoryStats(backend).persistentBytes - base.persistentBytes).toBe(1024);
    const unowned = sg.zeros([100], { backend }); // outside any scope: garbage collected, not in linear memory
    expect(sg.memoryStats(backend).unownedBytes - base.unownedBytes).toBe(400);
    expect(sg.memoryStats(backend).persistentBytes - base.persistentBytes).toBe(1024);
    sg.scope(() => {
      sg.zeros([512], { backend });
      expect(sg.memoryStats(backend).arenaBytes).toBe(2048);
    });
    const s = sg.memoryStats(backend);
    expect(s.arenaBytes).toBe(0);
    expect(s.highWaterBytes).toBeGreaterThanOrEqual(1024 + 2048);
    owned.dispose();
    unowned.dispose();
    expect(sg.memoryStats(backend).persistentBytes).toBe(base.persistentBytes);
    expect(sg.memoryStats(backend).unownedBytes).toBe(base.unownedBytes);
  });

  it('running out of memory throws a typed error that says what holds the memory, and the backend stays usable', () => {
    const backend = sg.createBackend({ backend: 'js', maxMemoryMB: 2 });
    const kept = sg.tensor([7, 8], undefined, { backend }).keep();
    expect(() => sg.zeros([1024, 1024], { backend }).keep()).toThrow(sg.OutOfMemoryError);
    expect(() => sg.scope(() => sg.zeros([1024, 1024], { backend }))).toThrow(/maximum is 2097152 bytes.*owned.*unowned/s);
    expect(Array.from(kept.data())).toEqual([7, 8]);
    expect(Array.from(sg.scope(() => sg.ones([3], { backend }).data()))).toEqual([1, 1, 1]);
  });
});

describe('cached copies of host tensors', () => {
  it('a copy used in the current step is never evicted to make room for another', () => {
    // 16 MiB of linear memory: a budget of 1 MiB for copies used in a few steps; three 600 KB tensors exceed it.
    const backend = sg.createBackend({ backend: 'js', maxMemoryMB: 16 });
    const n = 150_000;
    const [a, b, c] = [1, 2, 3].map((v) => sg.full([n], v, { backend }));
    const step = () => sg.scope(() => sg.add(sg.add(a, b), c).sum().item());
    expect(step()).toBe(6 * n); // the first step stages them into its arena
    const before = sg.memoryStats(backend).cacheBytes;
    sg.scope(() => {
      expect(sg.add(sg.add(a, b), c).sum().item()).toBe(6 * n); // the second gives each a cached copy
      expect(sg.memoryStats(backend).cacheBytes - before).toBe(3 * 4 * n); // over budget, yet none evicted: all three are in use
    });
    for (let i = 0; i < 3; i++) expect(step()).toBe(6 * n);
  });
});

describe('guard zones', () => {
  it('an overwrite past a block is reported when the block is freed or its scope ends', () => {
    const heap = newMemory(64 * MiB, 32);
    const a = heap.alloc(40);
    heap.u8[a + 40] = 0; // one byte past the request
    expect(() => heap.freeBlock(a)).toThrow(/memory guard/);
    const m = newMemory(64 * MiB, 32);
    const mark = m.mark();
    const b = m.allocArena(24);
    m.u8.fill(1, b, b + 24);
    m.checkGuards();
    m.u8[b + 31] = 7;
    expect(() => m.checkGuards()).toThrow(/memory guard/);
    expect(() => m.release(mark)).toThrow(/memory guard/);
  });

  it('createBackend({ guardBytes }) runs every kernel with guards and refuses bad values', () => {
    const backend = sg.createBackend({ backend: 'wasm', guardBytes: 64 });
    const y = sg.scope(() => sg.relu(sg.matmul(sg.randn([7, 5], { backend }), sg.randn([5, 3], { backend }))).sum().item());
    expect(Number.isFinite(y)).toBe(true);
    backend.memory.checkGuards();
    expect(() => sg.createBackend({ backend: 'js', guardBytes: 10 })).toThrow(sg.ArgumentError);
  });
});
