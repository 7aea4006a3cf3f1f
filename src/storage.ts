// Where a tensor's bytes live and for how long (docs/memory.md). A storage is
// a base, which has bytes, or a view, which is a range of a base (reshape,
// detach, a parameter inside an optimizer's block): only a base frees bytes.
// A base lives in one of four homes:
//   arena   inside scope(fn): the scope's bump arena, released when fn ends;
//   scoped  a heap block freed when its scope ends (results of nested scopes,
//           gradients of leaves made inside a scope);
//   owned   a heap block that lives until dispose(): parameters, optimizer
//           state, data sets, keep()-ed tensors;
//   host    JS memory (an ArrayBuffer) that the garbage collector frees:
//           tensors made outside any scope and results that leave one.
// Kernels need linear memory, so reading a host storage's address stages a
// copy there: in the current scope's arena, or, once a storage is used again
// in another step, in a small cache of copies evicted least recently used.
// Linear memory therefore holds only what scopes and owners hold, and code
// that never disposes anything runs in bounded memory (ordinary garbage
// collection frees host bytes; see docs/memory.md for the cost).
import type { Backend } from './backend/backend.js';
import type { ArenaMark, Memory } from './backend/memory.js';
import { ArgumentError, BackendError, ReleasedTensorError } from './errors.js';

export type Home = 'arena' | 'scoped' | 'owned' | 'host' | 'view';

/** A copy of a host storage in linear memory. */
interface Staged {
  ptr: number;
  /** The host bytes' version it copies. */
  version: number;
  /** The scope whose arena holds it, or null for a cache entry. */
  scope: Scope | null;
  entry: CacheEntry | null;
}

export class Storage {
  disposed = false;
  home: Home;
  /** Address of the bytes in linear memory (arena, scoped, owned). */
  private addr = 0;
  /** The scope whose end releases the bytes (arena, scoped). */
  scope: Scope | null = null;
  /** A view's base and byte offset into it. */
  base: Storage | null = null;
  offset = 0;
  /** Host bytes; `record` tracks them for the statistics and the cache. */
  private host: Uint8Array<ArrayBuffer> | null = null;
  private record: HostRecord | null = null;
  private version = 0;
  private staged: Staged | null = null;
  /** How many steps (top-level scopes) have staged this host storage. */
  private stagings = 0;
  private lastStagedEpoch = -1;
  /**
   * On a base: the index of the first NaN or infinity in ranges of its float
   * values (-1: none), by byte offset, as checked writes of gradients (the
   * tape's commit, an optimizer's gather) or scans found it. Ranges never
   * overlap, and every write through a storage forgets what it overlaps, so a
   * record is never stale: an optimizer's step reads it instead of scanning.
   */
  private finite: Map<number, { bytes: number; first: number }> | null = null;

  constructor(
    readonly bytes: number,
    readonly backend: Backend,
    home: Home,
  ) {
    if (backend.disposed) throw disposedBackend('alloc', backend);
    this.home = home;
  }

  get alive(): boolean {
    if (this.disposed) return false;
    if (this.home === 'view') return this.base!.alive;
    if (this.home === 'arena' || this.home === 'scoped') return !this.scope!.released;
    return true;
  }

  assertAlive(op: string): void {
    if (this.backend.disposed) throw disposedBackend(op, this.backend);
    if (this.alive) return;
    throw new ReleasedTensorError(op, this.deathReason());
  }

  private deathReason(): string {
    if (this.disposed) return 'tensor was disposed';
    if (this.home === 'view') {
      return this.base!.disposed
        ? 'tensor is a view (reshape, detach, state-dict entry) of a tensor that was disposed'
        : `tensor is a view of a tensor whose storage ended: ${this.base!.deathReason()}`;
    }
    return 'tensor belonged to a scope that has ended; return it from the scope or keep(t) it to use it afterwards';
  }

  /** The base holding these bytes and their offset in it. */
  root(): { base: Storage; offset: number } {
    let base: Storage = this;
    let offset = 0;
    while (base.home === 'view') {
      offset += base.offset;
      base = base.base!;
    }
    return { base, offset };
  }

  /**
   * Byte address in linear memory, valid until the current scope ends (kernels
   * read it at the call). Checks liveness: every kernel operand passes here.
   * A host storage is staged (copied into linear memory) on first use.
   */
  get ptr(): number {
    if (!this.alive || this.backend.disposed) this.assertAlive('read');
    if (this.home === 'view') return this.base!.ptr + this.offset;
    if (this.home === 'host') return this.stage();
    return this.addr;
  }

  /** Notes that these bytes were written: what was recorded of their values (or of bytes they overlap) is forgotten. */
  wrote(): void {
    const { base, offset } = this.root();
    const known = base.finite;
    if (!known) return;
    // Recorded ranges never overlap: one of exactly these bytes is the only one they touch.
    if (known.get(offset)?.bytes === this.bytes) known.delete(offset);
    else if (offset === 0 && this.bytes === base.bytes) known.clear();
    else for (const [at, r] of known) if (at < offset + this.bytes && offset < at + r.bytes) known.delete(at);
  }

  /**
   * The index of the first NaN or infinity among these values (-1: none), as
   * a checked write or a scan recorded it, or undefined when some write came
   * after (every write through a storage's methods forgets it). A kernel that
   * writes a gradient in place and checks it sets it.
   */
  get firstNonFinite(): number | undefined {
    const { base, offset } = this.root();
    const r = base.finite?.get(offset);
    return r?.bytes === this.bytes ? r.first : undefined;
  }

  set firstNonFinite(first: number | undefined) {
    this.wrote();
    if (first === undefined) return;
    const { base, offset } = this.root();
    (base.finite ??= new Map()).set(offset, { bytes: this.bytes, first });
  }

  /** The host bytes of a storage at home outside linear memory (through views), else null. */
  private hostBytes(): Uint8Array<ArrayBuffer> | null {
    const { base, offset } = this.root();
    return base.home === 'host' ? base.host!.subarray(offset, offset + this.bytes) : null;
  }

  /** A copy of the values, as the typed array of `dtype`. */
  read(dtype: 'float32' | 'float64' | 'int32'): Float32Array | Float64Array | Int32Array {
    this.assertAlive('data');
    const host = this.hostBytes();
    const Type = dtype === 'float64' ? Float64Array : dtype === 'int32' ? Int32Array : Float32Array;
    if (host) return new Type(host.slice().buffer);
    const m = this.backend.memory;
    const view = dtype === 'float64' ? m.f64 : dtype === 'int32' ? m.i32 : m.f32;
    const start = m.index(this.ptr, Type.BYTES_PER_ELEMENT, this.bytes / Type.BYTES_PER_ELEMENT);
    return view.slice(start, start + this.bytes / Type.BYTES_PER_ELEMENT);
  }

  /** Writes values (converted to `dtype`) over the bytes. */
  write(values: ArrayLike<number>, dtype: 'float32' | 'float64' | 'int32'): void {
    this.assertAlive('write');
    const Type = dtype === 'float64' ? Float64Array : dtype === 'int32' ? Int32Array : Float32Array;
    const host = this.hostBytes();
    this.wrote();
    if (host) {
      new Type(host.buffer, host.byteOffset, this.bytes / Type.BYTES_PER_ELEMENT).set(values);
      this.root().base.touchHost();
      return;
    }
    const m = this.backend.memory;
    const view = dtype === 'float64' ? m.f64 : dtype === 'int32' ? m.i32 : m.f32;
    view.set(values, m.index(this.ptr, Type.BYTES_PER_ELEMENT, values.length));
  }

  /** Sets every float element to `value` (kernels for linear memory, a loop for host bytes). */
  fill(value: number): void {
    this.assertAlive('fill');
    this.wrote();
    const host = this.hostBytes();
    if (!host) {
      this.backend.kernels.fill(this.ptr, this.bytes / this.backend.bytesPerElement, value);
      return;
    }
    const Type = this.backend.dtype === 'float64' ? Float64Array : Float32Array;
    new Type(host.buffer, host.byteOffset, this.bytes / Type.BYTES_PER_ELEMENT).fill(value);
    this.root().base.touchHost();
  }

  /** Copies `bytes` bytes from linear memory at `src` over these bytes (a gradient written back, say). */
  copyFrom(src: number): void {
    this.assertAlive('write');
    this.wrote();
    const u8 = this.backend.memory.u8;
    const host = this.hostBytes();
    if (host) {
      host.set(u8.subarray(src, src + this.bytes));
      this.root().base.touchHost();
    } else u8.copyWithin(this.ptr, src, src + this.bytes);
  }

  /** Host bytes changed: copies staged before are stale. */
  private touchHost(): void {
    this.version++;
  }

  /** A linear-memory address holding the host bytes, valid until the current step ends. */
  private stage(): number {
    const st = this.staged;
    if (st && st.version === this.version && (st.scope ? !st.scope.released : !st.entry!.evicted)) {
      if (st.entry) cacheOf(this.backend).touch(st.entry);
      return st.ptr;
    }
    if (st?.entry && !st.entry.evicted) cacheOf(this.backend).evict(st.entry);
    if (this.lastStagedEpoch !== epoch) {
      this.lastStagedEpoch = epoch;
      this.stagings++;
    }
    // Used in a second step: likely to be used again, so worth a cached copy.
    const sc = current;
    let ptr: number;
    let entry: CacheEntry | null = null;
    if (sc === null || this.stagings >= 2) {
      entry = cacheOf(this.backend).add(this.bytes);
      ptr = entry.ptr;
      this.record!.entry = entry;
    } else ptr = allocIn(sc, this.backend, this.bytes);
    this.backend.memory.u8.set(this.host!, ptr);
    this.staged = { ptr, version: this.version, scope: entry ? null : sc, entry };
    return ptr;
  }

  dispose(): void {
    if (this.disposed) return;
    const holdsBytes = this.alive;
    this.disposed = true;
    if (holdsBytes) this.freeBytes();
  }

  /** The end of a scoped block's scope: its bytes go back to the heap (the storage is then released, not disposed). */
  releaseScoped(): void {
    if (!this.disposed) this.backend.memory.freeBlock(this.addr);
  }

  /** Returns what a base holds: heap blocks, host bytes and their cached copy. A view holds nothing. */
  private freeBytes(): void {
    if (this.home === 'owned') {
      heapTracker.unregister(this);
      this.backend.memory.freeBlock(this.addr);
    } else if (this.home === 'scoped') {
      this.scope!.blocks.delete(this);
      this.backend.memory.freeBlock(this.addr);
    } else if (this.home === 'host') {
      hostTracker.unregister(this);
      releaseHost(this.record!);
      this.host = null;
      this.staged = null;
    }
  }

  /** Copies the bytes out of wherever they are into linear memory at `dst`. */
  private copyTo(dst: number): void {
    const u8 = this.backend.memory.u8;
    if (this.home === 'host') u8.set(this.host!, dst);
    else u8.copyWithin(dst, this.ptr, this.ptr + this.bytes);
  }

  /** Makes a base live in a new home, copying its bytes; allocation happens before anything changes. */
  private rehome(home: 'owned' | 'scoped' | 'host', scope: Scope | null): void {
    if (home === 'host') {
      const host = this.backend.memory.u8.slice(this.addr, this.addr + this.bytes);
      if (this.home === 'scoped') this.freeBytes();
      this.becomeHost(host);
      return;
    }
    const ptr = this.backend.memory.alloc(this.bytes);
    this.copyTo(ptr);
    this.freeBytes();
    this.home = home;
    this.addr = ptr;
    this.scope = scope;
    if (home === 'owned') heapTracker.register(this, { memory: this.backend.memory, ptr }, this);
    else scope!.blocks.add(this);
  }

  private becomeHost(host: Uint8Array<ArrayBuffer>): void {
    this.home = 'host';
    this.scope = null;
    this.host = host;
    this.record = trackHost(this.backend, host.byteLength);
    hostTracker.register(this, this.record, this);
  }

  /** Moves to an owned heap block (keep, module parameters, data sets); a view moves its base. */
  own(): void {
    const { base } = this.root();
    if (base.home !== 'owned') base.rehome('owned', null);
  }

  /**
   * Moves the bytes to `offset` inside the owned block `owner` and frees the
   * old ones: this storage becomes a view (tensors and views sharing it follow).
   */
  moveInto(owner: Storage, offset: number): void {
    const dst = owner.ptr + offset;
    if (this.home === 'view') {
      this.backend.memory.u8.copyWithin(dst, this.ptr, this.ptr + this.bytes);
    } else {
      this.copyTo(dst);
      this.freeBytes();
      this.scope = null;
      this.record = null;
      this.finite = null;
    }
    this.home = 'view';
    this.base = owner;
    this.offset = offset;
    this.wrote();
  }

  /** Gives a view its own owned copy of its bytes, e.g. before its block is freed. */
  ownCopy(): void {
    if (this.home !== 'view') return;
    const ptr = this.backend.memory.alloc(this.bytes);
    this.backend.memory.u8.copyWithin(ptr, this.ptr, this.ptr + this.bytes);
    this.home = 'owned';
    this.base = null;
    this.offset = 0;
    this.addr = ptr;
    heapTracker.register(this, { memory: this.backend.memory, ptr }, this);
  }

  /** Where a scope's survivor goes when the scope ends: its parent's heap, or host memory past the outermost scope. */
  settle(ending: Scope): void {
    if (this.scope !== ending || this.disposed) return;
    if (ending.parent) {
      if (this.home === 'scoped') {
        ending.blocks.delete(this);
        this.scope = ending.parent;
        ending.parent.blocks.add(this);
      } else this.rehome('scoped', ending.parent);
    } else this.rehome('host', null);
  }

  static arena(backend: Backend, bytes: number, scope: Scope): Storage {
    const s = new Storage(bytes, backend, 'arena');
    s.addr = allocIn(scope, backend, bytes);
    s.scope = scope;
    return s;
  }

  static owned(backend: Backend, bytes: number): Storage {
    const s = new Storage(bytes, backend, 'owned');
    s.addr = backend.memory.alloc(bytes);
    heapTracker.register(s, { memory: backend.memory, ptr: s.addr }, s);
    return s;
  }

  static scoped(backend: Backend, bytes: number, scope: Scope): Storage {
    const s = new Storage(bytes, backend, 'scoped');
    s.addr = backend.memory.alloc(bytes);
    s.scope = scope;
    scope.blocks.add(s);
    return s;
  }

  static host(backend: Backend, bytes: number): Storage {
    checkBytes(backend, bytes);
    const s = new Storage(bytes, backend, 'host');
    s.becomeHost(new Uint8Array(bytes));
    return s;
  }

  /** `bytes` at `offset` inside `base`: shares the bytes, never frees them. */
  static view(base: Storage, offset = 0, bytes = base.bytes): Storage {
    const s = new Storage(bytes, base.backend, 'view');
    s.base = base;
    s.offset = offset;
    return s;
  }

  /** Storage for the gradient of a leaf stored here: released with the leaf's bytes' lifetime. */
  static likeFor(leaf: Storage): Storage {
    const { base } = leaf.root();
    const bytes = leaf.bytes;
    if (base.home === 'arena' || base.home === 'scoped') return Storage.scoped(leaf.backend, bytes, base.scope!);
    if (base.home === 'host') return Storage.host(leaf.backend, bytes);
    return Storage.owned(leaf.backend, bytes);
  }
}

function disposedBackend(op: string, backend: Backend): BackendError {
  return new BackendError(op, `the tensor's backend (${backend.label}) was disposed; make tensors on a live backend`);
}

/** Host bytes above the backend's maximum are refused as linear memory would refuse them. */
function checkBytes(backend: Backend, bytes: number): void {
  backend.memory.sizeFor(bytes, 'alloc');
}

// ---- host bytes: accounting and the cache of staged copies -----------------

interface HostRecord {
  backend: Backend;
  bytes: number;
  /** Its current cache entry, freed with it. */
  entry: CacheEntry | null;
}

interface CacheEntry {
  ptr: number;
  bytes: number;
  /** The step it was last used in: entries used in the current step are never evicted. */
  epoch: number;
  /** Steps it was used in; past HOT_STEPS it counts as long-lived. */
  steps: number;
  hot: boolean;
  evicted: boolean;
}

/**
 * Cached copies of host storages in linear memory, evicted least recently
 * used first. Two budgets: a small one for copies used in a few steps (most
 * are dropped tensors whose collection the cache cannot see), and a large one
 * for long-lived inputs used step after step.
 */
class HostCache {
  /** In order of last use, oldest first. */
  private readonly entries = new Set<CacheEntry>();
  private readonly held = { cold: 0, hot: 0 };
  private readonly budget: { cold: number; hot: number };
  unowned = 0;

  constructor(private readonly memory: Memory) {
    this.budget = { cold: Math.min(COLD_BUDGET, memory.maxBytes / 16), hot: memory.maxBytes / 4 };
  }

  add(bytes: number): CacheEntry {
    const ptr = this.memory.alloc(bytes, 'cache');
    const entry = { ptr, bytes, epoch, steps: 1, hot: false, evicted: false };
    this.entries.add(entry);
    this.held.cold += bytes;
    this.shrink('cold', this.budget.cold);
    return entry;
  }

  touch(entry: CacheEntry): void {
    if (entry.epoch !== epoch && ++entry.steps === HOT_STEPS) {
      entry.hot = true;
      this.held.cold -= entry.bytes;
      this.held.hot += entry.bytes;
      this.shrink('hot', this.budget.hot);
    }
    entry.epoch = epoch;
    this.entries.delete(entry);
    this.entries.add(entry);
  }

  evict(entry: CacheEntry): void {
    if (entry.evicted) return;
    entry.evicted = true;
    this.entries.delete(entry);
    this.held[entry.hot ? 'hot' : 'cold'] -= entry.bytes;
    this.memory.freeBlock(entry.ptr);
  }

  /** Evicts the least recently used entries of a class not used in the current step until at most `limit` bytes remain. */
  shrink(kind: 'cold' | 'hot', limit: number): void {
    for (const e of this.entries) {
      if (this.held[kind] <= limit) return;
      if (e.hot === (kind === 'hot') && e.epoch !== epoch) this.evict(e);
    }
  }

  /** Under memory pressure: every copy not in use now. */
  clear(): void {
    this.shrink('cold', 0);
    this.shrink('hot', 0);
  }
}

const COLD_BUDGET = 16 * 2 ** 20;
const HOT_STEPS = 4;
const caches = new WeakMap<Backend, HostCache>();

function cacheOf(backend: Backend): HostCache {
  let c = caches.get(backend);
  if (!c) {
    const cache = (c = new HostCache(backend.memory));
    caches.set(backend, cache);
    backend.memory.relieve = () => cache.clear();
    backend.memory.unownedBytes = () => cache.unowned;
  }
  return c;
}

function trackHost(backend: Backend, bytes: number): HostRecord {
  cacheOf(backend).unowned += bytes;
  return { backend, bytes, entry: null };
}

function releaseHost(record: HostRecord): void {
  const cache = cacheOf(record.backend);
  cache.unowned -= record.bytes;
  if (record.entry) cache.evict(record.entry);
}

// Owned storage that nobody disposed is returned when collected; host bytes
// are the collector's own, only their accounting and cached copy go here.
const heapTracker = new FinalizationRegistry<{ memory: Memory; ptr: number }>(({ memory, ptr }) => memory.freeBlock(ptr));
const hostTracker = new FinalizationRegistry<HostRecord>(releaseHost);

// ---- scopes -----------------------------------------------------------------

export class Scope {
  released = false;
  readonly marks = new Map<Backend, ArenaMark>();
  /** Scoped heap blocks freed when this scope ends. */
  readonly blocks = new Set<Storage>();
  constructor(readonly parent: Scope | null) {}
}

let current: Scope | null = null;
/** Counts outermost scopes: a host storage's cached copy used in the current one stays put. */
let epoch = 0;

export function currentScope(): Scope | null {
  return current;
}

function allocIn(sc: Scope, backend: Backend, bytes: number): number {
  // A scope marks a backend's arena lazily, just before its first allocation there.
  if (!sc.marks.has(backend)) sc.marks.set(backend, backend.memory.mark());
  return backend.memory.allocArena(bytes);
}

/**
 * Storage for a kernel's output: the current scope's arena. Outside any
 * scope (code paths that do not run in one) an owned block, freed by
 * dispose() or the garbage collector.
 */
export function allocStorage(backend: Backend, bytes: number): Storage {
  return current ? Storage.arena(backend, bytes, current) : Storage.owned(backend, bytes);
}

/** Storage for a new tensor whose values JS writes: the arena inside a scope, host memory outside. */
export function allocForValues(backend: Backend, bytes: number): Storage {
  return current ? Storage.arena(backend, bytes, current) : Storage.host(backend, bytes);
}

/** Tensors and their gradients in a scope's result: returned directly, in an array, or as values of a plain object. */
function survivorsOf(value: unknown, visit: (s: Storage) => void): void {
  const one = (v: unknown) => {
    const t = v as { storage?: unknown; grad?: { storage?: unknown } | null } | null;
    if (t?.storage instanceof Storage) {
      visit(t.storage);
      if (t.grad?.storage instanceof Storage) visit(t.grad.storage);
    }
  };
  if (Array.isArray(value)) value.forEach(one);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    Object.values(value).forEach(one);
  } else one(value);
}

function isAsync(fn: unknown): boolean {
  return Object.prototype.toString.call(fn) === '[object AsyncFunction]' || Object.prototype.toString.call(fn) === '[object AsyncGeneratorFunction]';
}

/**
 * Runs fn in a new scope. What survives: the storages `survivors` lists
 * (default: the tensors of the result), moved out before the arena is released.
 */
export function runScope<T>(fn: () => T, survivors: (result: T, visit: (s: Storage) => void) => void = survivorsOf): T {
  const sc = new Scope(current);
  if (sc.parent === null) epoch++;
  current = sc;
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise || (typeof (result as { then?: unknown })?.then === 'function')) {
      throw new ArgumentError(
        'scope',
        'fn returned a Promise: scopes are synchronous (tensors made after an await would outlive the scope); ' +
          'await outside the scope and use scope() around each synchronous step',
      );
    }
    survivors(result, (s) => s.root().base.settle(sc));
  } finally {
    current = sc.parent;
    sc.released = true;
    for (const s of sc.blocks) s.releaseScoped();
    for (const [backend, mark] of sc.marks) {
      backend.memory.release(mark);
      if (current === null) backend.memory.endStep();
    }
  }
  return result;
}

/**
 * Runs fn with per-step storage: every tensor created inside lives in an arena
 * released when fn returns (or throws), so a training loop cannot leak.
 * Tensors in the result (returned directly, in an array, or as values of a
 * plain object) survive: into the enclosing scope, or, from the outermost
 * scope, into memory the garbage collector frees. keep(t) makes a tensor owned.
 */
export function scope<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ArgumentError('scope', `fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  if (isAsync(fn)) {
    throw new ArgumentError(
      'scope',
      'fn is an async function: scopes are synchronous (tensors made after an await would outlive the scope); ' +
        'await outside the scope and use scope() around each synchronous step',
    );
  }
  return runScope(fn);
}
