// Linear memory with two allocators (see docs/memory.md):
// - a heap of blocks (owned storage: parameters, optimizer state, data sets,
//   kept tensors; scope-owned blocks; cached copies of host tensors) with
//   best-fit reuse of freed blocks and explicit free;
// - a per-step arena, a bump allocator over chunks taken from the heap and
//   released as a whole when a scope ends. Repeating the same step reuses
//   the same chunks, so a training loop stops growing memory after its first
//   step; chunks above the recent peak go back to the heap.
// The arena and heap share one address space, the backend's linear memory:
// Wasm memory for the wasm backend, a growable ArrayBuffer for the js one.
//
// Every size and address is an exact Number (linear memory reaches 4 GiB, past
// what 32-bit bit operations can hold) checked against the maximum before
// anything changes.
import { OutOfMemoryError } from '../errors.js';

export const PAGE_BYTES = 65536;
/** Alignment of every block: a multiple of the SIMD width and of float64. */
const ALIGN = 16;
const ARENA_CHUNK_BYTES = 2 ** 20;
/** Top-level steps over which the arena's peak is remembered when giving chunks back. */
const PEAK_WINDOW = 100;
/** Byte written into guard zones (createBackend({ guardBytes })). */
const GUARD = 0xa5;

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

/** n rounded up to the alignment; n is a safe non-negative integer, so the result is exact. */
function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

interface Block {
  ptr: number;
  bytes: number;
}

/** Who a heap block is for: counted separately in the statistics ('scratch': the kernels' own, fixed). */
export type BlockKind = 'persistent' | 'cache' | 'arena' | 'scratch';

export interface MemoryStats {
  /** Bytes in heap blocks of owned and scope-owned storage (parameters, state, data, kept tensors). */
  persistentBytes: number;
  /** Bytes the arena hands out now (inside open scopes). */
  arenaBytes: number;
  /** Bytes of chunks the arena holds for reuse. */
  arenaCapacity: number;
  /** The largest arena use of one outermost scope over the last 100 (what the arena keeps chunks for). */
  arenaPeakBytes: number;
  /** Bytes of linear-memory copies of host tensors (evicted under pressure; see docs/memory.md). */
  cacheBytes: number;
  /** Bytes held by tensors outside linear memory that nothing owns (garbage collected); filled in by the storage layer. */
  unownedBytes: number;
  /** Most bytes ever in use at once (persistent + arena + cache). */
  highWaterBytes: number;
  /** Size of the linear memory in 64 KiB pages. */
  pages: number;
}

export interface ArenaMark {
  chunk: number;
  offset: number;
  bytes: number;
  /** Arena allocations recorded for guard checks when the mark was taken. */
  allocs: number;
}

export interface MemoryOptions {
  /**
   * Guard zone after every block, filled with a pattern and verified when the
   * block is freed or released and by checkGuards(): a debugging aid (tests
   * run every kernel with canaries this way). A multiple of 16; 0 = off.
   */
  guardBytes?: number;
}

export class Memory {
  private views: { buffer: ArrayBuffer; f32: Float32Array; f64: Float64Array; i32: Int32Array; u8: Uint8Array };
  /** First address past the highest block ever handed out by the heap. */
  private top: number;
  /** Free heap blocks, sorted by address, never adjacent (they are merged). */
  private free: Block[] = [];
  /** Live heap blocks: size (guard included) and kind. */
  private blocks = new Map<number, { bytes: number; size: number; kind: BlockKind }>();
  private used: Record<BlockKind, number> = { persistent: 0, cache: 0, arena: 0, scratch: 0 };
  private highWater = 0;
  private chunks: Block[] = [];
  private chunk = -1;
  private offset = 0;
  private arenaInUse = 0;
  private stepPeak = 0;
  private peaks: number[] = [];
  private readonly guardBytes: number;
  /** Requested sizes of live arena allocations, for guard checks (guard mode only). */
  private arenaAllocs: { ptr: number; bytes: number; size: number }[] = [];
  /** Frees what can be rebuilt (cached copies) when an allocation would fail; set by the storage layer. */
  relieve: (() => void) | null = null;
  /** Bytes of unowned host storage, reported in stats and OutOfMemoryError; set by the storage layer. */
  unownedBytes: () => number = () => 0;

  constructor(
    private readonly raw: RawMemory,
    base: number,
    readonly maxBytes: number,
    options: MemoryOptions = {},
  ) {
    this.guardBytes = options.guardBytes ?? 0;
    this.top = alignUp(base);
    this.views = this.deriveViews();
  }

  private deriveViews() {
    const buffer = this.raw.buffer;
    return {
      buffer,
      f32: new Float32Array(buffer, 0, Math.floor(buffer.byteLength / 4)),
      f64: new Float64Array(buffer, 0, Math.floor(buffer.byteLength / 8)),
      i32: new Int32Array(buffer, 0, Math.floor(buffer.byteLength / 4)),
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

  /**
   * The one place a byte address becomes a typed-array index: exact for every
   * address below 4 GiB (no 32-bit shifts), checked aligned and in range.
   */
  index(ptr: number, bytesPerElement: number, count = 0): number {
    const i = ptr / bytesPerElement;
    if (!Number.isSafeInteger(i) || i < 0 || ptr + count * bytesPerElement > this.raw.buffer.byteLength) {
      throw new RangeError(`memory.index: address ${ptr} (+${count} × ${bytesPerElement} bytes) is not an aligned address in linear memory`);
    }
    return i;
  }

  /** The block size for a request of `bytes`, or an OutOfMemoryError (nothing changes). */
  sizeFor(bytes: number, op: string): number {
    if (!(bytes >= 0)) throw new RangeError(`${op}: a byte count must be a non-negative number, got ${bytes}`);
    if (bytes + this.guardBytes > this.maxBytes) throw this.outOfMemory(op, `needs ${bytes} bytes but the maximum is ${this.maxBytes} bytes`);
    if (!Number.isInteger(bytes)) throw new RangeError(`${op}: a byte count must be an integer, got ${bytes}`);
    return alignUp(Math.max(bytes, 1)) + this.guardBytes;
  }

  /** Allocates a heap block of at least `bytes`; free it with `freeBlock`. */
  alloc(bytes: number, kind: BlockKind = 'persistent'): number {
    const size = this.sizeFor(bytes, 'alloc');
    let ptr: number;
    try {
      ptr = this.place(size);
    } catch (e) {
      if (!(e instanceof OutOfMemoryError)) throw e;
      // Give back what can be rebuilt (idle arena chunks, cached copies), then try once more.
      this.releaseIdleChunks();
      this.relieve?.();
      ptr = this.place(size);
    }
    this.blocks.set(ptr, { bytes, size, kind });
    this.used[kind] += size;
    this.guard(ptr, bytes, size);
    this.noteHighWater();
    return ptr;
  }

  /** Best fit among free blocks, else the top (growing memory); throws OutOfMemoryError before any change. */
  private place(size: number): number {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.bytes >= size && (best < 0 || b.bytes < this.free[best].bytes)) best = i;
    }
    if (best >= 0) {
      const b = this.free[best];
      const ptr = b.ptr;
      if (b.bytes === size) this.free.splice(best, 1);
      else {
        b.ptr += size;
        b.bytes -= size;
      }
      return ptr;
    }
    this.ensure(this.top + size);
    const ptr = this.top;
    this.top += size;
    return ptr;
  }

  /** Returns a heap block, merging it with free neighbours. */
  freeBlock(ptr: number): void {
    const block = this.blocks.get(ptr);
    if (block === undefined) throw new RangeError(`freeBlock: ${ptr} is not a live heap block`);
    this.checkGuard(ptr, block.bytes, block.size);
    this.blocks.delete(ptr);
    this.used[block.kind] -= block.size;
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.free[mid].ptr < ptr) lo = mid + 1;
      else hi = mid;
    }
    const merged = { ptr, bytes: block.size };
    this.free.splice(lo, 0, merged);
    const next = this.free[lo + 1];
    if (next && merged.ptr + merged.bytes === next.ptr) {
      merged.bytes += next.bytes;
      this.free.splice(lo + 1, 1);
    }
    const prev = this.free[lo - 1];
    if (prev && prev.ptr + prev.bytes === merged.ptr) {
      prev.bytes += merged.bytes;
      this.free.splice(lo, 1);
    }
  }

  /** Allocates from the arena; released by `release` with a mark taken before. */
  allocArena(bytes: number): number {
    const size = this.sizeFor(bytes, 'allocArena');
    let c = this.chunk;
    if (c < 0 || this.offset + size > this.chunks[c].bytes) {
      // Move on to the next chunk that fits; a too-small chunk in the way is
      // kept for later steps and a new one is inserted after the current.
      c += 1;
      if (c >= this.chunks.length || this.chunks[c].bytes < size) {
        const bytesNeeded = Math.max(size, ARENA_CHUNK_BYTES);
        const ptr = this.alloc(bytesNeeded, 'arena');
        this.chunks.splice(c, 0, { ptr, bytes: this.blocks.get(ptr)!.size - this.guardBytes });
      }
      this.chunk = c;
      this.offset = 0;
    }
    const ptr = this.chunks[c].ptr + this.offset;
    this.offset += size;
    this.arenaInUse += size;
    if (this.arenaInUse > this.stepPeak) this.stepPeak = this.arenaInUse;
    if (this.guardBytes > 0) {
      this.guard(ptr, bytes, size);
      this.arenaAllocs.push({ ptr, bytes, size });
    }
    this.noteHighWater();
    return ptr;
  }

  mark(): ArenaMark {
    return { chunk: this.chunk, offset: this.offset, bytes: this.arenaInUse, allocs: this.arenaAllocs.length };
  }

  release(mark: ArenaMark): void {
    // The arena is a stack: what was allocated since the mark is what its guards cover.
    for (const a of this.arenaAllocs.splice(mark.allocs)) this.checkGuard(a.ptr, a.bytes, a.size);
    this.chunk = mark.chunk;
    this.offset = mark.offset;
    this.arenaInUse = mark.bytes;
  }

  /**
   * Called when no scope is open any more: remembers the step's arena peak and
   * gives back the chunks not needed for the largest peak of the last
   * PEAK_WINDOW steps (keeping the arena at most max(2 × that peak, one chunk)).
   */
  endStep(): void {
    if (this.arenaInUse !== 0) return;
    this.peaks.push(this.stepPeak);
    if (this.peaks.length > PEAK_WINDOW) this.peaks.shift();
    this.stepPeak = 0;
    const limit = Math.max(2 * Math.max(...this.peaks), ARENA_CHUNK_BYTES);
    let capacity = 0;
    const kept: Block[] = [];
    for (const ch of this.chunks) {
      if (capacity + ch.bytes <= limit) {
        kept.push(ch);
        capacity += ch.bytes;
      } else this.freeBlock(ch.ptr);
    }
    this.chunks = kept;
    this.chunk = -1;
    this.offset = 0;
    if (kept.length === 0) this.keepOneChunk();
  }

  /** A standard chunk for the next step, when giving back left none (best effort: memory may be full). */
  private keepOneChunk(): void {
    try {
      this.chunks.push({ ptr: this.alloc(ARENA_CHUNK_BYTES, 'arena'), bytes: ARENA_CHUNK_BYTES });
    } catch (e) {
      if (!(e instanceof OutOfMemoryError)) throw e;
    }
  }

  /** Frees arena chunks past the one in use (all of them when the arena is empty). */
  private releaseIdleChunks(): void {
    const idle = this.chunks.splice(this.arenaInUse === 0 ? 0 : this.chunk + 1);
    for (const ch of idle) this.freeBlock(ch.ptr);
    if (this.arenaInUse === 0) {
      this.chunk = -1;
      this.offset = 0;
    }
  }

  stats(): MemoryStats {
    return {
      persistentBytes: this.used.persistent,
      arenaBytes: this.arenaInUse,
      arenaCapacity: this.chunks.reduce((s, c) => s + c.bytes, 0),
      arenaPeakBytes: Math.max(this.stepPeak, ...this.peaks),
      cacheBytes: this.used.cache,
      unownedBytes: this.unownedBytes(),
      highWaterBytes: this.highWater,
      pages: this.raw.buffer.byteLength / PAGE_BYTES,
    };
  }

  /** Grows the linear memory so that [0, end) exists, or throws before changing anything. */
  private ensure(end: number): void {
    const have = this.raw.buffer.byteLength;
    if (end <= have) return;
    if (end > this.maxBytes) throw this.outOfMemory('alloc', `needs ${end} bytes of linear memory but the maximum is ${this.maxBytes} bytes`);
    // Grow geometrically to keep the number of (copying) growths small.
    const want = Math.min(Math.max(end, have * 1.5), this.maxBytes);
    try {
      this.raw.grow(Math.ceil((want - have) / PAGE_BYTES));
    } catch {
      try {
        this.raw.grow(Math.ceil((end - have) / PAGE_BYTES));
      } catch (e) {
        throw this.outOfMemory('alloc', `the runtime refused to grow linear memory to ${end} bytes (${String(e)})`);
      }
    }
  }

  private outOfMemory(op: string, what: string): OutOfMemoryError {
    const s = this.stats();
    const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
    return new OutOfMemoryError(
      op,
      `${what} (${mib(this.maxBytes)}); in use: ${mib(s.persistentBytes)} owned (parameters, state, data, kept tensors), ` +
        `${mib(s.arenaCapacity)} arena, ${mib(s.cacheBytes)} cached copies of unowned tensors ` +
        `(which hold ${mib(s.unownedBytes)} outside linear memory); dispose() unused tensors, use scope() for per-step work, ` +
        `or raise init({ maxMemoryMB })`,
    );
  }

  private noteHighWater() {
    const used = this.used.persistent + this.used.cache + this.arenaInUse;
    if (used > this.highWater) this.highWater = used;
  }

  private guard(ptr: number, bytes: number, size: number): void {
    if (this.guardBytes > 0) this.u8.fill(GUARD, ptr + bytes, ptr + size);
  }

  private checkGuard(ptr: number, bytes: number, size: number): void {
    if (this.guardBytes === 0) return;
    const u8 = this.u8;
    for (let i = ptr + bytes; i < ptr + size; i++) {
      if (u8[i] !== GUARD) throw new Error(`memory guard: bytes after the block at ${ptr} were overwritten (at ${i})`);
    }
  }

  /** Verifies the guard zone of every live block and arena allocation (guard mode only). */
  checkGuards(): void {
    for (const [ptr, b] of this.blocks) if (b.kind !== 'arena') this.checkGuard(ptr, b.bytes, b.size);
    for (const a of this.arenaAllocs) this.checkGuard(a.ptr, a.bytes, a.size);
  }
}
