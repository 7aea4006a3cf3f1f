// Where a tensor's bytes live and for how long. Inside scope(fn) new storage
// comes from the backend's arena and is released as a whole when fn returns;
// outside any scope it comes from the persistent heap and lives until
// dispose() (or until the tensor is garbage collected).
import type { Backend } from './backend/backend.js';
import type { ArenaMark } from './backend/memory.js';
import { ReleasedTensorError } from './errors.js';

export class Storage {
  disposed = false;
  /** The persistent block these bytes are a view into (see moveInto); null when the storage owns its bytes. */
  owner: Storage | null = null;
  constructor(
    public ptr: number,
    readonly bytes: number,
    readonly backend: Backend,
    /** The scope whose arena holds these bytes; null for the persistent heap. */
    public scope: Scope | null,
  ) {}

  get alive(): boolean {
    return !this.disposed && (this.owner ? this.owner.alive : this.scope === null || !this.scope.released);
  }

  assertAlive(op: string): void {
    if (this.alive) return;
    throw new ReleasedTensorError(
      op,
      this.disposed
        ? 'tensor was disposed'
        : 'tensor belonged to a scope that has ended; return it from the scope or keep(t) it to use it afterwards',
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.freeOwnBytes();
  }

  /** Returns heap bytes this storage owns; arena bytes go with their scope, a view's with its block. */
  private freeOwnBytes(): void {
    if (this.scope === null && this.owner === null) {
      heapTracker.unregister(this);
      this.backend.memory.freePersistent(this.ptr);
    }
  }

  /**
   * Moves the bytes to `offset` inside the persistent block `owner` and frees
   * the old ones: this storage becomes a view (ptr changes, tensors sharing it
   * follow). Disposing a view never frees the block, which lives while any view does.
   */
  moveInto(owner: Storage, offset: number): void {
    const ptr = owner.ptr + offset;
    this.backend.memory.u8.copyWithin(ptr, this.ptr, this.ptr + this.bytes);
    this.freeOwnBytes();
    this.ptr = ptr;
    this.owner = owner;
    this.scope = null;
  }

  /** Gives a view its own persistent copy of its bytes, e.g. before its block is freed. */
  detach(): void {
    if (this.owner === null) return;
    const ptr = this.backend.memory.allocPersistent(this.bytes);
    this.backend.memory.u8.copyWithin(ptr, this.ptr, this.ptr + this.bytes);
    this.ptr = ptr;
    this.owner = null;
    heapTracker.register(this, { backend: this.backend, ptr }, this);
  }
}

/** Storage for `bytes` at `offset` inside the persistent block `owner` (see Storage.moveInto). */
export function viewStorage(owner: Storage, offset: number, bytes: number): Storage {
  const s = new Storage(owner.ptr + offset, bytes, owner.backend, null);
  s.owner = owner;
  return s;
}

// Persistent storage that nobody disposed is returned when collected.
const heapTracker = new FinalizationRegistry<{ backend: Backend; ptr: number }>(({ backend, ptr }) =>
  backend.memory.freePersistent(ptr),
);

class Scope {
  released = false;
  readonly marks = new Map<Backend, ArenaMark>();
  readonly kept = new Set<Storage>();
  constructor(readonly parent: Scope | null) {}
}

let current: Scope | null = null;

export function allocPersistent(backend: Backend, bytes: number): Storage {
  const s = new Storage(backend.memory.allocPersistent(bytes), bytes, backend, null);
  heapTracker.register(s, { backend, ptr: s.ptr }, s);
  return s;
}

/** Storage for a new tensor: the current scope's arena, or the heap outside scopes. */
export function allocStorage(backend: Backend, bytes: number): Storage {
  const sc = current;
  if (sc === null) return allocPersistent(backend, bytes);
  // A scope marks a backend's arena lazily, just before its first allocation there.
  if (!sc.marks.has(backend)) sc.marks.set(backend, backend.memory.mark());
  return new Storage(backend.memory.allocArena(bytes), bytes, backend, sc);
}

/** Moves storage from an ending scope's arena to the heap so it outlives the scope. */
function persist(s: Storage, ending: Scope): void {
  if (s.scope !== ending || s.disposed) return;
  const memory = s.backend.memory;
  const ptr = memory.allocPersistent(s.bytes);
  memory.u8.copyWithin(ptr, s.ptr, s.ptr + s.bytes);
  s.ptr = ptr;
  s.scope = null;
  heapTracker.register(s, { backend: s.backend, ptr }, s);
}

/**
 * Runs fn with per-step storage: every tensor created inside lives in an arena
 * released when fn returns (or throws), so a training loop cannot leak.
 * Tensors in the result (returned directly, in an array, or as values of a
 * plain object) and those passed to keep() survive, moved to the heap.
 */
export function scope<T>(fn: () => T): T {
  const sc = new Scope(current);
  current = sc;
  let result: T;
  try {
    result = fn();
    forEachStorageIn(result, (s) => sc.kept.add(s));
    for (const s of sc.kept) persist(s, sc);
  } finally {
    current = sc.parent;
    sc.released = true;
    for (const [backend, mark] of sc.marks) backend.memory.release(mark);
  }
  return result;
}

/** Marks a tensor created in the current scope to survive the scope's end. */
export function keepStorage(s: Storage): void {
  current?.kept.add(s);
}

function forEachStorageIn(value: unknown, visit: (s: Storage) => void): void {
  const one = (v: unknown) => {
    const st = (v as { storage?: unknown } | null)?.storage;
    if (st instanceof Storage) visit(st);
  };
  if (Array.isArray(value)) value.forEach(one);
  else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    Object.values(value).forEach(one);
  } else one(value);
}
