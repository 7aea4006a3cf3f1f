// Linear memory with two lifetimes (see docs/memory.md):
// - a persistent heap (parameters, optimizer state, data sets) with reuse of
//   freed blocks and explicit free;
// - a per-step arena (activations, tape, temporary gradients), a bump
//   allocator over chunks taken from the heap and released as a whole when a
//   scope ends. Repeating the same step reuses the same chunks, so a training
//   loop stops growing memory after its first step.
// The arena and heap share one address space, the backend's linear memory:
// Wasm memory for the wasm backend, a growable ArrayBuffer for the js one.
import { OutOfMemoryError } from '../errors.js';

export const PAGE_BYTES = 65536;
/** Alignment of every block: a multiple of the SIMD width and of float64. */
const ALIGN = 16;
const ARENA_CHUNK_BYTES = 1 << 20;

/** What we need of a linear memory; WebAssembly.Memory has this shape. */
export interface RawMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

/** A plain ArrayBuffer that grows like Wasm memory (by copying). */
export class ArrayBufferMemory implements RawMemory {
  buffer: ArrayBuffer;
  constructor(pages: number) {
    this.buffer = new ArrayBuffer(pages * PAGE_BYTES);
  }
  grow(deltaPages: number): number {
    const old = this.buffer;
    const next = new ArrayBuffer(old.byteLength + deltaPages * PAGE_BYTES);
    new Uint8Array(next).set(new Uint8Array(old));
    this.buffer = next;
    return old.byteLength / PAGE_BYTES;
  }
}

function alignUp(n: number): number {
  return (n + ALIGN - 1) & ~(ALIGN - 1);
}

interface Block {
  ptr: number;
  bytes: number;
}

export interface MemoryStats {
  /** Bytes in live persistent blocks (parameters, state, data), arena chunks excluded. */
  persistentBytes: number;
  /** Bytes the arena hands out now (inside open scopes). */
  arenaBytes: number;
  /** Bytes of chunks the arena holds for reuse. */
  arenaCapacity: number;
  /** Most bytes ever in use at once (persistent + arena). */
  highWaterBytes: number;
  /** Size of the linear memory in 64 KiB pages. */
  pages: number;
}

export interface ArenaMark {
  chunk: number;
  offset: number;
  bytes: number;
}

export class Memory {
  private views: { buffer: ArrayBuffer; f32: Float32Array; f64: Float64Array; i32: Int32Array; u8: Uint8Array };
  /** First address past the highest block ever handed out by the heap. */
  private top: number;
  /** Free heap blocks, sorted by address, never adjacent (they are merged). */
  private free: Block[] = [];
  private sizes = new Map<number, number>();
  private persistent = 0;
  private highWater = 0;
  private chunks: Block[] = [];
  private chunk = -1;
  private offset = 0;
  private arenaInUse = 0;

  constructor(
    private readonly raw: RawMemory,
    base: number,
    private readonly maxBytes: number,
  ) {
    this.top = alignUp(base);
    this.views = this.deriveViews();
  }

  private deriveViews() {
    const buffer = this.raw.buffer;
    return {
      buffer,
      f32: new Float32Array(buffer),
      f64: new Float64Array(buffer, 0, buffer.byteLength >>> 3),
      i32: new Int32Array(buffer),
      u8: new Uint8Array(buffer),
    };
  }

  // Growth detaches every typed array over the old buffer; re-derive on use.
  private get current() {
    if (this.views.buffer !== this.raw.buffer) this.views = this.deriveViews();
    return this.views;
  }
  get f32(): Float32Array {
    return this.current.f32;
  }
  get f64(): Float64Array {
    return this.current.f64;
  }
  get i32(): Int32Array {
    return this.current.i32;
  }
  get u8(): Uint8Array {
    return this.current.u8;
  }

  /** Allocates a persistent block of at least `bytes`; free it with `freeBlock`. */
  alloc(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1));
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.bytes >= size && (best < 0 || b.bytes < this.free[best].bytes)) best = i;
    }
    let ptr: number;
    if (best >= 0) {
      const b = this.free[best];
      ptr = b.ptr;
      if (b.bytes === size) this.free.splice(best, 1);
      else {
        b.ptr += size;
        b.bytes -= size;
      }
    } else {
      this.ensure(this.top + size);
      ptr = this.top;
      this.top += size;
    }
    this.sizes.set(ptr, size);
    return ptr;
  }

  /** Returns a persistent block to the heap, merging it with free neighbours. */
  freeBlock(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`freeBlock: ${ptr} is not a live heap block`);
    this.sizes.delete(ptr);
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid].ptr < ptr) lo = mid + 1;
      else hi = mid;
    }
    const block = { ptr, bytes: size };
    this.free.splice(lo, 0, block);
    const next = this.free[lo + 1];
    if (next && block.ptr + block.bytes === next.ptr) {
      block.bytes += next.bytes;
      this.free.splice(lo + 1, 1);
    }
    const prev = this.free[lo - 1];
    if (prev && prev.ptr + prev.bytes === block.ptr) {
      prev.bytes += block.bytes;
      this.free.splice(lo, 1);
    }
  }

  allocPersistent(bytes: number): number {
    const ptr = this.alloc(bytes);
    this.persistent += this.sizes.get(ptr)!;
    this.noteHighWater();
    return ptr;
  }

  freePersistent(ptr: number): void {
    this.persistent -= this.sizes.get(ptr) ?? 0;
    this.freeBlock(ptr);
  }

  /** Allocates from the arena; released by `release` with a mark taken before. */
  allocArena(bytes: number): number {
    const size = alignUp(Math.max(bytes, 1));
    let c = this.chunk;
    if (c < 0 || this.offset + size > this.chunks[c].bytes) {
      // Move on to the next chunk that fits; a too-small chunk in the way is
      // kept for later steps and a new one is inserted after the current.
      c += 1;
      if (c >= this.chunks.length || this.chunks[c].bytes < size) {
        const bytesNeeded = Math.max(size, ARENA_CHUNK_BYTES);
        this.chunks.splice(c, 0, { ptr: this.alloc(bytesNeeded), bytes: alignUp(bytesNeeded) });
      }
      this.chunk = c;
      this.offset = 0;
    }
    const ptr = this.chunks[c].ptr + this.offset;
    this.offset += size;
    this.arenaInUse += size;
    this.noteHighWater();
    return ptr;
  }

  mark(): ArenaMark {
    return { chunk: this.chunk, offset: this.offset, bytes: this.arenaInUse };
  }

  release(mark: ArenaMark): void {
    this.chunk = mark.chunk;
    this.offset = mark.offset;
    this.arenaInUse = mark.bytes;
  }

  stats(): MemoryStats {
    return {
      persistentBytes: this.persistent,
      arenaBytes: this.arenaInUse,
      arenaCapacity: this.chunks.reduce((s, c) => s + c.bytes, 0),
      highWaterBytes: this.highWater,
      pages: this.raw.buffer.byteLength / PAGE_BYTES,
    };
  }

  /** Grows the linear memory so that [0, end) exists, or throws before changing anything. */
  private ensure(end: number): void {
    const have = this.raw.buffer.byteLength;
    if (end <= have) return;
    if (end > this.maxBytes) {
      throw new OutOfMemoryError(
        'alloc',
        `needs ${end} bytes of linear memory but the maximum is ${this.maxBytes} bytes ` +
          `(${(this.maxBytes / 2 ** 20).toFixed(0)} MiB); dispose() unused tensors, use scope() for per-step work, ` +
          `or raise init({ maxMemoryMB })`,
      );
    }
    // Grow geometrically to keep the number of (copying) growths small.
    const want = Math.min(Math.max(end, have * 1.5), this.maxBytes);
    const pages = Math.ceil((want - have) / PAGE_BYTES);
    try {
      this.raw.grow(pages);
    } catch {
      try {
        this.raw.grow(Math.ceil((end - have) / PAGE_BYTES));
      } catch (e) {
        throw new OutOfMemoryError('alloc', `the runtime refused to grow linear memory to ${end} bytes (${String(e)})`);
      }
    }
  }

  private noteHighWater() {
    const used = this.persistent + this.arenaInUse;
    if (used > this.highWater) this.highWater = used;
  }
}
